// The agent's WebSocket link to one session's room (SessionRoom) on the edge, and the local op
// journal that makes "accepted" mean something:
//
//   room → agent   op (OpDispatch)
//   agent → room   hello on open, status on change and every 15 s, op.accepted (after the op is in
//                  the journal on disk), op.progress, frame (base64), op.result
//
// The journal (<home>/ops-journal.jsonl) records every op the agent accepted and how far it got, so
// an op is never run twice — not when the room re-delivers it, not across a restart — and never
// lost: an op accepted but not started before a crash is started after the restart, an op that was
// running when the agent died is reported failed ('interrupted') instead of being re-run, and a
// result that could not be sent while the link was down is sent when it is back.
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { firstIssue } from '../contracts/errors';
import { agentMessage, opDispatch, type AgentInfo, type AgentMessage, type ErrorInfo, type OpDispatch } from '../contracts/ws';
import { errorMessage, silentLogger, type Logger } from './log';
import type { Metrics } from './metrics';
import { backoffDelay, type BackoffOptions } from '../contracts/backoff';

// ---------------------------------------------------------------------------------------------
// WebSocket: the global one when Node has it unflagged, else the `ws` package.

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

// ---------------------------------------------------------------------------------------------
// Op journal.

export type JournalState = 'accepted' | 'running' | 'done';
export type OpResultMessage = Extract<AgentMessage, { t: 'op.result' }>;

export interface JournalEntry {
  callId: string;
  sessionId: string;
  /** The op's name (generate_script, ...). */
  name: string;
  state: JournalState;
  dispatch?: OpDispatch;
  expiresAt: number;
  acceptedAt: number;
  startedAt?: number;
  finishedAt?: number;
  result?: OpResultMessage;
  resultSent?: boolean;
}

const journalRecord = z.object({ callId: z.string().min(1) }).passthrough();

export interface OpJournalOptions {
  /** Keep finished entries this long past their expiry (the room never re-delivers after it). */
  retainMs?: number;
  /** At most this many finished entries survive a compaction. */
  maxDone?: number;
  /** fsync after the records that matter (accepted, done). Default true. */
  sync?: boolean;
  now?: () => number;
}

export class OpJournal {
  private readonly entries = new Map<string, JournalEntry>();
  private fd: number;
  private records = 0;
  private readonly retainMs: number;
  private readonly maxDone: number;
  private readonly sync: boolean;
  private readonly now: () => number;
  /** Lines cut off or skipped while loading (a crash mid-write leaves a torn last line). */
  readonly skipped: number;

  private constructor(
    readonly file: string,
    opts: OpJournalOptions,
  ) {
    this.retainMs = opts.retainMs ?? 60 * 60_000;
    this.maxDone = opts.maxDone ?? 5000;
    this.sync = opts.sync ?? true;
    this.now = opts.now ?? Date.now;
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    let skipped = 0;
    if (existsSync(file)) {
      const text = readFileSync(file, 'utf8');
      const lines = text.split('\n');
      // The last element is '' after a final newline, or a torn record without one: either way not a record.
      if (lines[lines.length - 1] !== '') skipped++;
      for (const line of lines.slice(0, -1)) {
        if (line === '') continue;
        try {
          const rec = journalRecord.parse(JSON.parse(line)) as Partial<JournalEntry> & { callId: string };
          const prev = this.entries.get(rec.callId);
          this.entries.set(rec.callId, { ...(prev ?? ({} as JournalEntry)), ...rec } as JournalEntry);
        } catch {
          skipped++;
        }
      }
    }
    this.skipped = skipped;
    this.fd = -1;
    this.rewrite();
  }

  static open(file: string, opts: OpJournalOptions = {}): OpJournal {
    return new OpJournal(file, opts);
  }

  static fileIn(home: string): string {
    return join(home, 'ops-journal.jsonl');
  }

  get(callId: string): JournalEntry | undefined {
    return this.entries.get(callId);
  }

  all(): JournalEntry[] {
    return [...this.entries.values()];
  }

  /** Records a new op (durably). Returns false when the op is already known. */
  accept(dispatch: OpDispatch): boolean {
    if (this.entries.has(dispatch.callId)) return false;
    const entry: JournalEntry = {
      callId: dispatch.callId,
      sessionId: dispatch.sessionId,
      name: dispatch.op.op,
      state: 'accepted',
      dispatch,
      expiresAt: dispatch.expiresAt,
      acceptedAt: this.now(),
    };
    this.entries.set(entry.callId, entry);
    this.append(entry, true);
    return true;
  }

  /** Records an op that is finished on arrival (invalid, expired): never run, answered once. */
  acceptFinished(callId: string, sessionId: string, name: string, expiresAt: number, result: OpResultMessage): JournalEntry {
    const now = this.now();
    const entry: JournalEntry = { callId, sessionId, name, state: 'done', expiresAt, acceptedAt: now, finishedAt: now, result, resultSent: false };
    this.entries.set(callId, entry);
    this.append(entry, true);
    return entry;
  }

  /** Just before the executor runs it: from now on a crash means 'interrupted', never a re-run. */
  markRunning(callId: string): void {
    const e = this.entries.get(callId);
    if (!e || e.state !== 'accepted') throw new Error(`op ${callId} is not waiting to run (state ${e?.state ?? 'unknown'})`);
    e.state = 'running';
    e.startedAt = this.now();
    this.append({ callId, state: 'running', startedAt: e.startedAt }, true);
  }

  complete(callId: string, result: OpResultMessage): JournalEntry {
    const e = this.entries.get(callId);
    if (!e) throw new Error(`op ${callId} is not in the journal`);
    e.state = 'done';
    e.finishedAt = this.now();
    e.result = result;
    e.resultSent = false;
    delete e.dispatch;
    this.append({ callId, state: 'done', finishedAt: e.finishedAt, result, resultSent: false, dispatch: undefined }, true);
    this.maybeCompact();
    return e;
  }

  markResultSent(callId: string): void {
    const e = this.entries.get(callId);
    if (!e || e.resultSent) return;
    e.resultSent = true;
    this.append({ callId, resultSent: true }, false);
  }

  /** Accepted, not started: to run (after a restart). */
  waiting(): JournalEntry[] {
    return this.all().filter((e) => e.state === 'accepted');
  }

  /** Started, not finished: the agent died while running them. */
  interrupted(): JournalEntry[] {
    return this.all().filter((e) => e.state === 'running');
  }

  unsentResults(sessionId: string): JournalEntry[] {
    return this.all().filter((e) => e.sessionId === sessionId && e.state === 'done' && !e.resultSent && e.result);
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }

  private append(rec: object, durable: boolean): void {
    if (this.fd < 0) throw new Error('op journal is closed');
    writeSync(this.fd, `${JSON.stringify(rec)}\n`);
    if (durable && this.sync) fsyncSync(this.fd);
    this.records++;
  }

  private maybeCompact(): void {
    if (this.records > Math.max(1000, this.entries.size * 4)) this.rewrite();
  }

  /** Rewrites the file with one record per live entry (prunes old finished ones). */
  private rewrite(): void {
    const now = this.now();
    const done = this.all()
      .filter((e) => e.state === 'done')
      .sort((a, b) => (a.finishedAt ?? 0) - (b.finishedAt ?? 0));
    for (const e of done) {
      const old = Math.max(e.expiresAt, e.finishedAt ?? 0) + this.retainMs < now;
      if (old && (e.resultSent || !e.result)) this.entries.delete(e.callId);
    }
    const stillDone = done.filter((e) => this.entries.has(e.callId));
    for (const e of stillDone.slice(0, Math.max(0, stillDone.length - this.maxDone))) this.entries.delete(e.callId);
    const tmp = `${this.file}.tmp`;
    const fd = openSync(tmp, 'w', 0o600);
    try {
      const body = this.all()
        .map((e) => `${JSON.stringify(e)}\n`)
        .join('');
      writeSync(fd, body);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    if (this.fd >= 0) closeSync(this.fd);
    renameSync(tmp, this.file);
    this.fd = openSync(this.file, 'a', 0o600);
    this.records = this.entries.size;
  }
}

// ---------------------------------------------------------------------------------------------
// The link.

export type EdgeLinkState = 'connecting' | 'open' | 'backoff' | 'unauthorized' | 'gone' | 'closed';

export interface EdgeLinkStatus {
  sessionId: string;
  state: EdgeLinkState;
  connectedAt: number | undefined;
  lastMessageAt: number | undefined;
  lastError: string | undefined;
  reconnects: number;
  nextAttemptAt: number | undefined;
}

export interface EdgeLinkOptions {
  edgeUrl: string;
  projectId: string;
  sessionId: string;
  token: string;
  journal: OpJournal;
  agentInfo: () => AgentInfo;
  /** A new op: journaled and acknowledged (op.accepted) already. Run it and call link.result(). */
  onOp: (dispatch: OpDispatch, link: EdgeLink) => void;
  /** Each time the link opens (e.g. to drain the outbox on reconnect). */
  onOpen?: (link: EdgeLink) => void;
  onStateChange?: (state: EdgeLinkState, link: EdgeLink) => void;
  webSocketFactory?: WebSocketFactory;
  heartbeatMs?: number;
  backoff?: BackoffOptions;
  /** Wait after the edge refused our token, before trying again. */
  unauthorizedRetryMs?: number;
  /** A connection that lived this long resets the backoff. */
  stableMs?: number;
  log?: Logger;
  metrics?: Metrics;
}

export interface EdgeLink {
  readonly sessionId: string;
  readonly state: EdgeLinkState;
  start(): void;
  /** Validates with the contract and sends; false when the link is not open (or the message is invalid). */
  send(msg: AgentMessage): boolean;
  progress(callId: string, stage: string, progress?: number, message?: string): boolean;
  frame(callId: string, frame: { contentType: 'image/png' | 'image/jpeg'; width: number; height: number; data: Uint8Array }): boolean;
  /** Journals the result, then sends it (now, or when the link is back). */
  result(callId: string, outcome: OpOutcomeForRoom): void;
  /** Sends a journaled result (e.g. one finished while no link existed) if the link is open. */
  deliver(entry: JournalEntry): void;
  /** Sends a status message now (call when AgentInfo changed). */
  sendStatus(): boolean;
  status(): EdgeLinkStatus;
  close(): Promise<void>;
}

export interface OpOutcomeForRoom {
  ok: boolean;
  result?: unknown;
  error?: ErrorInfo;
  latencyMs: number;
  mcpMs: number;
}

/** The op.result message for an outcome, clipped to the contract's limits. */
export function resultMessage(callId: string, outcome: OpOutcomeForRoom): OpResultMessage {
  return {
    t: 'op.result',
    callId,
    ok: outcome.ok,
    ...(outcome.result !== undefined ? { result: outcome.result } : {}),
    ...(outcome.error ? { error: { code: clip(String(outcome.error.code), 64)!, message: clip(String(outcome.error.message), 2000)! } } : {}),
    latencyMs: Math.max(0, Number.isFinite(outcome.latencyMs) ? outcome.latencyMs : 0),
    mcpMs: Math.max(0, Number.isFinite(outcome.mcpMs) ? outcome.mcpMs : 0),
  };
}

/** ws(s)://…/api/projects/:p/sessions/:s/connect?role=agent (the token goes in a header). */
export function sessionSocketUrl(edgeUrl: string, projectId: string, sessionId: string): string {
  const u = new URL(edgeUrl);
  u.protocol = u.protocol === 'https:' ? 'wss:' : u.protocol === 'http:' ? 'ws:' : u.protocol;
  const base = u.pathname.replace(/\/+$/, '');
  u.pathname = `${base}/api/projects/${encodeURIComponent(projectId)}/sessions/${encodeURIComponent(sessionId)}/connect`;
  u.search = '';
  u.searchParams.set('role', 'agent');
  return u.toString();
}

const MAX_FRAME_B64 = 11_200_000;

function clip(s: string | undefined, max: number): string | undefined {
  return s === undefined ? undefined : s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

function dataText(data: unknown): string | undefined {
  if (typeof data === 'string') return data;
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8');
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data as Buffer[]).toString('utf8');
  return undefined;
}

export function createEdgeLink(opts: EdgeLinkOptions): EdgeLink {
  const log = opts.log ?? silentLogger;
  const journal = opts.journal;
  const heartbeatMs = opts.heartbeatMs ?? 15_000;
  const backoff = opts.backoff ?? { baseMs: 500, maxMs: 30_000 };
  const stableMs = opts.stableMs ?? 10_000;
  const url = sessionSocketUrl(opts.edgeUrl, opts.projectId, opts.sessionId);
  const safeUrl = url;
  const authHeaders = { authorization: `Bearer ${opts.token}` };
  const m = opts.metrics;
  const mReconnects = m?.counter('spark_agent_edge_reconnects_total', 'Edge WebSocket (re)connection attempts');
  const mIn = m?.counter('spark_agent_edge_messages_in_total', 'Messages received from the session room');
  const mOut = m?.counter('spark_agent_edge_messages_out_total', 'Messages sent to the session room');

  let state: EdgeLinkState = 'closed';
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

  const setState = (s: EdgeLinkState) => {
    if (s === state) return;
    state = s;
    try {
      opts.onStateChange?.(s, link);
    } catch (err) {
      log.warn('edge link state listener failed', { error: errorMessage(err) });
    }
  };

  function rawSend(msg: AgentMessage): boolean {
    const s = sock;
    if (!s || s.readyState !== WS_OPEN || state !== 'open') return false;
    try {
      s.send(JSON.stringify(msg));
      mOut?.inc({ t: msg.t });
      return true;
    } catch (err) {
      lastError = errorMessage(err);
      return false;
    }
  }

  function send(msg: AgentMessage): boolean {
    const parsed = agentMessage.safeParse(msg);
    if (!parsed.success) {
      log.warn('not sending an invalid message to the room', { t: msg.t, error: firstIssue(parsed.error, msg).message });
      return false;
    }
    return rawSend(parsed.data);
  }

  function sendResultOf(entry: JournalEntry): void {
    if (!entry.result) return;
    if (send(entry.result)) journal.markResultSent(entry.callId);
  }

  function answerFinished(callId: string, name: string, expiresAt: number, error: ErrorInfo) {
    const result: OpResultMessage = { t: 'op.result', callId, ok: false, error, latencyMs: 0, mcpMs: 0 };
    const entry = journal.acceptFinished(callId, opts.sessionId, name, expiresAt, result);
    rawSend({ t: 'op.accepted', callId });
    sendResultOf(entry);
  }

  function onMessage(text: string) {
    lastMessageAt = Date.now();
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      log.warn('room sent a message that is not JSON; ignored', { bytes: text.length });
      return;
    }
    const t = (raw as { t?: unknown })?.t;
    mIn?.inc({ t: typeof t === 'string' ? t.slice(0, 32) : 'unknown' });
    if (t !== 'op') {
      log.debug('room message ignored', { t });
      return;
    }
    const parsed = opDispatch.safeParse(raw);
    const callId = (raw as { callId?: unknown }).callId;
    const callIdOk = z.uuid().safeParse(callId).success;
    const known = callIdOk ? journal.get(callId as string) : undefined;
    if (known) {
      // Re-delivery (our op.accepted was lost, or the room restarted): never run it again.
      rawSend({ t: 'op.accepted', callId: known.callId });
      if (known.state === 'done') sendResultOf(known);
      return;
    }
    if (!parsed.success) {
      const issue = firstIssue(parsed.error, raw);
      log.warn('room sent an invalid op; refusing it', { error: issue.message });
      if (callIdOk) {
        const name = String((raw as { op?: { op?: unknown } }).op?.op ?? 'unknown').slice(0, 64);
        answerFinished(callId as string, name, Number((raw as { expiresAt?: unknown }).expiresAt) || Date.now(), {
          code: 'invalid_request',
          message: clip(issue.message, 2000)!,
        });
      }
      return;
    }
    const dispatch = parsed.data;
    if (dispatch.sessionId !== opts.sessionId) {
      answerFinished(dispatch.callId, dispatch.op.op, dispatch.expiresAt, {
        code: 'wrong_session',
        message: `op for session ${dispatch.sessionId} arrived on the link of session ${opts.sessionId}`,
      });
      return;
    }
    if (dispatch.expiresAt <= Date.now()) {
      answerFinished(dispatch.callId, dispatch.op.op, dispatch.expiresAt, { code: 'expired', message: 'the operation expired before the agent could start it' });
      return;
    }
    try {
      journal.accept(dispatch);
    } catch (err) {
      // Not journaled: do not acknowledge, so the room keeps it and re-delivers.
      log.error('could not journal an op; not accepting it', { callId: dispatch.callId, error: errorMessage(err) });
      return;
    }
    rawSend({ t: 'op.accepted', callId: dispatch.callId });
    try {
      opts.onOp(dispatch, link);
    } catch (err) {
      log.error('op handler threw', { callId: dispatch.callId, error: errorMessage(err) });
    }
  }

  function scheduleReconnect(delayOverride?: number) {
    if (stopped) return;
    const delay = delayOverride ?? backoffDelay(attempt++, backoff);
    nextAttemptAt = Date.now() + delay;
    if (state !== 'unauthorized' && state !== 'gone') setState('backoff');
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      nextAttemptAt = undefined;
      connect();
    }, delay);
  }

  function stopHeartbeat() {
    if (heartbeat) clearInterval(heartbeat);
    heartbeat = undefined;
  }

  async function connect() {
    if (stopped) return;
    setState('connecting');
    reconnects++;
    mReconnects?.inc();
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
      s = factory(url, authHeaders);
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
      try {
        s.terminate?.();
      } catch {
        /* closing anyway */
      }
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
      log.info('edge link open', { session: opts.sessionId });
      rawSend({ t: 'hello', agent: opts.agentInfo() });
      for (const e of journal.unsentResults(opts.sessionId)) sendResultOf(e);
      stopHeartbeat();
      heartbeat = setInterval(() => {
        if (typeof s.ping === 'function') {
          if (awaitingPong >= 2) {
            log.warn('edge link missed two pongs; reconnecting', { session: opts.sessionId });
            try {
              s.terminate?.();
            } catch {
              /* closing anyway */
            }
            return;
          }
          awaitingPong++;
          try {
            s.ping();
          } catch {
            /* the close event follows */
          }
        }
        send({ t: 'status', agent: opts.agentInfo() });
      }, heartbeatMs);
      heartbeat.unref?.();
      try {
        opts.onOpen?.(link);
      } catch (err) {
        log.warn('edge link open listener failed', { error: errorMessage(err) });
      }
    });
    s.addEventListener('message', (ev: { data: unknown }) => {
      if (sock !== s) return;
      const text = dataText(ev.data);
      if (text !== undefined) onMessage(text);
    });
    s.addEventListener('error', (ev: { message?: string; error?: unknown }) => {
      const msg = ev?.message ?? (ev?.error ? errorMessage(ev.error) : 'websocket error');
      lastError = msg;
      const m2 = /Unexpected server response: (\d+)/.exec(msg);
      if (m2) httpStatus = Number(m2[1]);
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
        log.warn('the edge refused the agent token on the session link', { session: opts.sessionId, detail: lastError });
        scheduleReconnect(opts.unauthorizedRetryMs ?? 60_000);
        return;
      }
      if (code === 4404 || code === 4410 || httpStatus === 404 || httpStatus === 410) {
        setState('gone');
        log.info('session is gone; link stops', { session: opts.sessionId, detail: lastError });
        return;
      }
      if (openedAt > 0) log.warn('edge link closed; reconnecting', { session: opts.sessionId, code });
      scheduleReconnect();
    });
  }

  const link: EdgeLink = {
    sessionId: opts.sessionId,
    get state() {
      return state;
    },
    start() {
      if (started || stopped) return;
      started = true;
      log.debug('edge link starting', { url: safeUrl });
      void connect();
    },
    send,
    progress(callId, stage, progress, message) {
      return send({
        t: 'op.progress',
        callId,
        stage: clip(stage, 64)!,
        ...(progress !== undefined && Number.isFinite(progress) ? { progress: Math.min(1, Math.max(0, progress)) } : {}),
        ...(message !== undefined ? { message: clip(message, 500)! } : {}),
      });
    },
    frame(callId, f) {
      const data = Buffer.from(f.data.buffer, f.data.byteOffset, f.data.byteLength).toString('base64');
      if (data.length > MAX_FRAME_B64) {
        log.warn('preview frame too large for the room; dropped', { callId, bytes: f.data.byteLength });
        return false;
      }
      return send({ t: 'frame', callId, contentType: f.contentType, width: f.width, height: f.height, data });
    },
    result(callId, outcome) {
      const entry = journal.complete(callId, resultMessage(callId, outcome));
      sendResultOf(entry);
    },
    deliver(entry) {
      if (entry.sessionId === opts.sessionId && entry.state === 'done') sendResultOf(entry);
    },
    sendStatus: () => send({ t: 'status', agent: opts.agentInfo() }),
    status: () => ({ sessionId: opts.sessionId, state, connectedAt, lastMessageAt, lastError, reconnects, nextAttemptAt }),
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
        if (sock === s) {
          try {
            s.terminate?.();
          } catch {
            /* gone */
          }
        }
      }
      sock = undefined;
      setState('closed');
    },
  };
  return link;
}
