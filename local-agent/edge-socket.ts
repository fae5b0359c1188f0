// A WebSocket to the edge that stays up: it reconnects with backoff, pings to notice a dead
// connection, and reads the close code (or the refused handshake) to tell "token refused" and
// "session gone" from a network blip. What travels on it is edge-link.ts's business.
import { backoffDelay, type BackoffOptions } from '../contracts/backoff';
import { errorMessage, silentLogger, type Logger } from './log';

export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: 'open' | 'message' | 'close' | 'error', listener: (ev: any) => void): void;
  /** ws only: control frames for liveness. */
  ping?: () => void;
  terminate?: () => void;
  on?: (event: 'pong' | 'unexpected-response', listener: (...args: any[]) => void) => void;
}
/** `headers` carries the agent token (Authorization): never in the URL, where logs keep it. */
export type WebSocketFactory = (url: string, headers: Record<string, string>) => WebSocketLike;

const WS_OPEN = 1;

let cachedFactory: Promise<WebSocketFactory> | undefined;

/**
 * The `ws` package (it can send the Authorization header), otherwise `globalThis.WebSocket`
 * (Node ≥ 22: undici takes `headers` in its init object). Throws a clear error when neither exists.
 */
export function defaultWebSocketFactory(): Promise<WebSocketFactory> {
  cachedFactory ??= (async () => {
    const name = 'ws';
    try {
      const mod = (await import(name)) as { default?: unknown; WebSocket?: unknown };
      const WS = (mod.default ?? mod.WebSocket) as new (url: string, opts: object) => WebSocketLike;
      return (url: string, headers: Record<string, string>) => new WS(url, { headers, handshakeTimeout: 10_000, maxPayload: 32 * 1024 * 1024, perMessageDeflate: false });
    } catch (err) {
      const G = (globalThis as { WebSocket?: new (url: string, init: object) => WebSocketLike }).WebSocket;
      if (typeof G === 'function') return (url: string, headers: Record<string, string>) => new G(url, { headers });
      throw new Error(`no WebSocket client: this Node (${process.version}) has no global WebSocket and the 'ws' package is not installed (${errorMessage(err)})`);
    }
  })();
  return cachedFactory;
}

export type SocketState = 'connecting' | 'open' | 'backoff' | 'unauthorized' | 'gone' | 'closed';

export interface SocketStatus {
  state: SocketState;
  connectedAt: number | undefined;
  lastMessageAt: number | undefined;
  lastError: string | undefined;
  reconnects: number;
  nextAttemptAt: number | undefined;
}

export interface ReconnectingSocketOptions {
  url: string;
  headers: Record<string, string>;
  webSocketFactory?: WebSocketFactory;
  /** Ping (ws) and onHeartbeat interval. Default 15 s. */
  heartbeatMs?: number;
  backoff?: BackoffOptions;
  /** Wait after the edge refused our token, before trying again. Default 60 s. */
  unauthorizedRetryMs?: number;
  /** A connection that lived this long resets the backoff. Default 10 s. */
  stableMs?: number;
  log?: Logger;
  /** Extra fields for every log line (e.g. the session). */
  logFields?: Record<string, unknown>;
  onOpen?: () => void;
  onMessage: (text: string) => void;
  /** Every heartbeatMs while open (e.g. to send a status). */
  onHeartbeat?: () => void;
  onStateChange?: (state: SocketState) => void;
  /** Each connection attempt (metrics). */
  onAttempt?: () => void;
}

export interface ReconnectingSocket {
  readonly state: SocketState;
  /** Connects (once); reconnects until close() or until the edge says the target is gone. */
  start(): void;
  /** Sends when open; false otherwise. */
  send(text: string): boolean;
  status(): SocketStatus;
  close(): Promise<void>;
}

function dataText(data: unknown): string | undefined {
  if (typeof data === 'string') return data;
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8');
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data as Buffer[]).toString('utf8');
  return undefined;
}

export function createReconnectingSocket(opts: ReconnectingSocketOptions): ReconnectingSocket {
  const log = opts.log ?? silentLogger;
  const fields = opts.logFields ?? {};
  const heartbeatMs = opts.heartbeatMs ?? 15_000;
  const backoff = opts.backoff ?? { baseMs: 500, maxMs: 30_000 };
  const stableMs = opts.stableMs ?? 10_000;

  let state: SocketState = 'closed';
  let sock: WebSocketLike | undefined;
  let attempt = 0;
  let stopped = false;
  let started = false;
  let retryTimer: NodeJS.Timeout | undefined;
  let heartbeat: NodeJS.Timeout | undefined;
  let connectedAt: number | undefined;
  let lastMessageAt: number | undefined;
  let lastError: string | undefined;
  let reconnects = 0;
  let nextAttemptAt: number | undefined;
  let awaitingPong = 0;
  let closedResolve: (() => void) | undefined;

  const setState = (s: SocketState) => {
    if (s === state) return;
    state = s;
    try {
      opts.onStateChange?.(s);
    } catch (err) {
      log.warn('edge link state listener failed', { error: errorMessage(err) });
    }
  };

  function scheduleReconnect(delayOverride?: number) {
    if (stopped) return;
    const delay = delayOverride ?? backoffDelay(attempt++, backoff);
    nextAttemptAt = Date.now() + delay;
    if (state !== 'unauthorized' && state !== 'gone') setState('backoff');
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      nextAttemptAt = undefined;
      void connect();
    }, delay);
  }

  function stopHeartbeat() {
    if (heartbeat) clearInterval(heartbeat);
    heartbeat = undefined;
  }

  function terminate(s: WebSocketLike) {
    try {
      s.terminate?.();
    } catch {
      /* closing anyway */
    }
  }

  async function connect() {
    if (stopped) return;
    setState('connecting');
    reconnects++;
    opts.onAttempt?.();
    let factory: WebSocketFactory;
    try {
      factory = opts.webSocketFactory ?? (await defaultWebSocketFactory());
    } catch (err) {
      lastError = errorMessage(err);
      log.error('cannot open the edge link', { error: lastError });
      scheduleReconnect(60_000);
      return;
    }
    if (stopped) return;
    let s: WebSocketLike;
    try {
      s = factory(opts.url, opts.headers);
    } catch (err) {
      lastError = errorMessage(err);
      scheduleReconnect();
      return;
    }
    sock = s;
    let httpStatus: number | undefined;
    let openedAt = 0;
    s.on?.('unexpected-response', (_req: unknown, res: { statusCode?: number; resume?: () => void }) => {
      httpStatus = res.statusCode;
      res.resume?.();
      terminate(s);
    });
    s.on?.('pong', () => {
      awaitingPong = 0;
    });
    s.addEventListener('open', () => {
      if (stopped || sock !== s) return;
      openedAt = Date.now();
      connectedAt = openedAt;
      lastError = undefined;
      awaitingPong = 0;
      setState('open');
      log.info('edge link open', fields);
      stopHeartbeat();
      heartbeat = setInterval(() => {
        if (typeof s.ping === 'function') {
          if (awaitingPong >= 2) {
            log.warn('edge link missed two pongs; reconnecting', fields);
            terminate(s);
            return;
          }
          awaitingPong++;
          try {
            s.ping();
          } catch {
            /* the close event follows */
          }
        }
        opts.onHeartbeat?.();
      }, heartbeatMs);
      heartbeat.unref?.();
      try {
        opts.onOpen?.();
      } catch (err) {
        log.warn('edge link open listener failed', { error: errorMessage(err) });
      }
    });
    s.addEventListener('message', (ev: { data: unknown }) => {
      if (sock !== s) return;
      const text = dataText(ev.data);
      if (text === undefined) return;
      lastMessageAt = Date.now();
      opts.onMessage(text);
    });
    s.addEventListener('error', (ev: { message?: string; error?: unknown }) => {
      const msg = ev?.message ?? (ev?.error ? errorMessage(ev.error) : 'websocket error');
      lastError = msg;
      const m = /Unexpected server response: (\d+)/.exec(msg);
      if (m) httpStatus = Number(m[1]);
    });
    s.addEventListener('close', (ev: { code?: number; reason?: string }) => {
      if (sock !== s) return;
      sock = undefined;
      stopHeartbeat();
      if (stopped) {
        setState('closed');
        closedResolve?.();
        return;
      }
      const code = ev?.code ?? 1006;
      const lived = openedAt > 0 ? Date.now() - openedAt : 0;
      if (lived >= stableMs) attempt = 0;
      if (openedAt > 0) lastError = `closed (${code}${ev?.reason ? `: ${ev.reason}` : ''})`;
      else if (httpStatus) lastError = `edge answered ${httpStatus}`;
      if (code === 4401 || code === 4403 || httpStatus === 401 || httpStatus === 403) {
        setState('unauthorized');
        log.warn('the edge refused the agent token on the session link', { ...fields, detail: lastError });
        scheduleReconnect(opts.unauthorizedRetryMs ?? 60_000);
        return;
      }
      if (code === 4404 || code === 4410 || httpStatus === 404 || httpStatus === 410) {
        setState('gone');
        log.info('session is gone; link stops', { ...fields, detail: lastError });
        return;
      }
      if (openedAt > 0) log.warn('edge link closed; reconnecting', { ...fields, code });
      scheduleReconnect();
    });
  }

  return {
    get state() {
      return state;
    },
    start() {
      if (started || stopped) return;
      started = true;
      log.debug('edge link starting', { url: opts.url });
      void connect();
    },
    send(text) {
      const s = sock;
      if (!s || s.readyState !== WS_OPEN || state !== 'open') return false;
      try {
        s.send(text);
        return true;
      } catch (err) {
        lastError = errorMessage(err);
        return false;
      }
    },
    status: () => ({ state, connectedAt, lastMessageAt, lastError, reconnects, nextAttemptAt }),
    async close() {
      if (stopped) return;
      stopped = true;
      if (retryTimer) clearTimeout(retryTimer);
      retryTimer = undefined;
      stopHeartbeat();
      const s = sock;
      if (s && s.readyState <= WS_OPEN) {
        const closed = new Promise<void>((r) => (closedResolve = r));
        try {
          s.close(1000, 'agent stopping');
        } catch {
          closedResolve?.();
        }
        await Promise.race([closed, new Promise((r) => setTimeout(r, 1000))]);
        if (sock === s) terminate(s);
      }
      sock = undefined;
      setState('closed');
    },
  };
}
