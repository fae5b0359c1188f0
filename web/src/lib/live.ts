// The session's WebSocket: connects with a one-time ticket (a token in the URL would end up in
// logs), pings every 25 s, reconnects with backoff (and at once when the network or the tab
// comes back).
import type { BrowserMessage } from '../../../contracts/ws';
import { authedFetch } from './api';
import { currentAuth } from './auth';
import { backoffDelay, parseBrowserMessage, type ConnState } from './live-state';

export const PING_MS = 25_000;

export interface LiveHandlers {
  onMessage(m: BrowserMessage): void;
  onState(s: ConnState): void;
  /** The token ran out: the socket cannot come back until the person logs in again. */
  onExpired(): void;
}

export class LiveSocket {
  private ws: WebSocket | null = null;
  private attempt = 0;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private pingTimer: ReturnType<typeof setInterval> | undefined;
  private stopped = false;
  private readonly wake = () => {
    if (!this.stopped && (!this.ws || this.ws.readyState === WebSocket.CLOSED)) {
      clearTimeout(this.retryTimer);
      void this.connect();
    }
  };
  private readonly onVisible = () => {
    if (document.visibilityState === 'visible') this.wake();
  };

  constructor(
    private readonly projectId: string,
    private readonly sessionId: string,
    private readonly h: LiveHandlers,
  ) {}

  start() {
    addEventListener('online', this.wake);
    document.addEventListener('visibilitychange', this.onVisible);
    void this.connect();
  }

  stop() {
    this.stopped = true;
    removeEventListener('online', this.wake);
    document.removeEventListener('visibilitychange', this.onVisible);
    clearTimeout(this.retryTimer);
    clearInterval(this.pingTimer);
    const ws = this.ws;
    this.ws = null;
    if (ws) {
      ws.onclose = ws.onerror = ws.onmessage = ws.onopen = null;
      try {
        ws.close(1000, 'leaving');
      } catch {
        // already closed
      }
    }
  }

  /** A one-time ticket for the socket, or null (signed out, or the edge did not answer). */
  private async ticket(): Promise<string | null | 'signed-out'> {
    if (!(await currentAuth())) return 'signed-out';
    try {
      const res = await authedFetch(`${this.base()}/socket-tickets`, { method: 'POST' });
      if (res.status === 401) return 'signed-out';
      return res.ok ? ((await res.json()) as { ticket: string }).ticket : null;
    } catch {
      return null;
    }
  }

  private base() {
    return `/api/projects/${encodeURIComponent(this.projectId)}/sessions/${encodeURIComponent(this.sessionId)}`;
  }

  private async connect() {
    this.h.onState(this.attempt === 0 ? 'connecting' : 'reconnecting');
    const ticket = await this.ticket();
    if (this.stopped) return;
    if (ticket === 'signed-out') return this.h.onExpired();
    if (ticket === null) return this.retry();
    const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const url = `${proto}//${location.host}${this.base()}/connect?role=browser&ticket=${encodeURIComponent(ticket)}`;
    let ws: WebSocket;
    try {
      ws = new WebSocket(url);
    } catch {
      return this.retry();
    }
    this.ws = ws;
    ws.onopen = () => {
      this.attempt = 0;
      this.h.onState('open');
      clearInterval(this.pingTimer);
      this.pingTimer = setInterval(() => {
        if (ws.readyState === WebSocket.OPEN) ws.send('ping');
      }, PING_MS);
    };
    ws.onmessage = (ev) => {
      const m = parseBrowserMessage(ev.data);
      if (m) this.h.onMessage(m);
    };
    ws.onclose = () => {
      clearInterval(this.pingTimer);
      if (this.ws === ws) this.ws = null;
      if (!this.stopped) this.retry();
    };
    // An error is always followed by a close; the close decides.
    ws.onerror = () => {};
  }

  private retry() {
    if (this.stopped) return;
    // A refused upgrade looks like any other close: the next ticket request finds out why.
    this.h.onState('reconnecting');
    const delay = backoffDelay(this.attempt++);
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => void this.connect(), delay);
  }
}
