// The session's WebSocket: connects with the access token, pings every 25 s, reconnects with
// backoff (and at once when the network or the tab comes back).
import type { BrowserMessage } from '../../../contracts/ws';
import { getAuth } from './auth';
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
      this.connect();
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
    this.connect();
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

  private connect() {
    const auth = getAuth();
    if (!auth) return this.h.onExpired();
    this.h.onState(this.attempt === 0 ? 'connecting' : 'reconnecting');
    const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const url = `${proto}//${location.host}/api/projects/${encodeURIComponent(this.projectId)}/sessions/${encodeURIComponent(this.sessionId)}/connect?role=browser&token=${encodeURIComponent(auth.token)}`;
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
    // A refused upgrade looks like any other close: check the token before trying again.
    if (!getAuth()) return this.h.onExpired();
    this.h.onState('reconnecting');
    const delay = backoffDelay(this.attempt++);
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }
}
