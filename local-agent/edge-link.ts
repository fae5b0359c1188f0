// The agent's link to one session's room (SessionRoom) on the edge: the room protocol on top of a
// reconnecting socket (edge-socket.ts), with the op journal (op-journal.ts) deciding what is new:
//
//   room → agent   op (OpDispatch)
//   agent → room   hello on open, status on change and every 15 s, op.accepted (after the op is in
//                  the journal on disk), op.progress, frame (base64), op.result
//
// An op is acknowledged only once it is journaled, a re-delivered op is acknowledged again and never
// run twice, and results the link could not send are sent when it is back.
import { firstIssue } from '../contracts/errors';
import { clipText } from '../contracts/text';
import { isUuid } from '../contracts/uuid';
import { agentMessage, opDispatch, type AgentInfo, type AgentMessage, type ErrorInfo, type OpDispatch } from '../contracts/ws';
import type { EdgeApi } from './edge-api';
import { createReconnectingSocket, type ReconnectingSocketOptions, type SocketState, type SocketStatus } from './edge-socket';
import { errorMessage, silentLogger } from './log';
import type { Metrics } from './metrics';
import { resultMessage, type JournalEntry, type OpJournal, type OpOutcomeForRoom, type OpResultMessage } from './op-journal';

export type EdgeLinkState = SocketState;

export interface EdgeLinkStatus extends Omit<SocketStatus, 'state'> {
  sessionId: string;
  state: EdgeLinkState;
}

/** The socket's tuning passes through as is. */
type SocketTuning = Pick<ReconnectingSocketOptions, 'webSocketFactory' | 'heartbeatMs' | 'backoff' | 'unauthorizedRetryMs' | 'stableMs' | 'log'>;

export interface EdgeLinkOptions extends SocketTuning {
  api: EdgeApi;
  projectId: string;
  sessionId: string;
  journal: OpJournal;
  agentInfo: () => AgentInfo;
  /** A new op: journaled and acknowledged (op.accepted) already. Run it and call link.result(). */
  onOp: (dispatch: OpDispatch, link: EdgeLink) => void;
  /** Each time the link opens (e.g. to drain the outbox on reconnect). */
  onOpen?: (link: EdgeLink) => void;
  onStateChange?: (state: EdgeLinkState, link: EdgeLink) => void;
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

/** The room's limit on a frame's base64 text. */
const MAX_FRAME_B64 = 11_200_000;

export function createEdgeLink(opts: EdgeLinkOptions): EdgeLink {
  const log = opts.log ?? silentLogger;
  const journal = opts.journal;
  const m = opts.metrics;
  const mReconnects = m?.counter('spark_agent_edge_reconnects_total', 'Edge WebSocket (re)connection attempts');
  const mIn = m?.counter('spark_agent_edge_messages_in_total', 'Messages received from the session room');
  const mOut = m?.counter('spark_agent_edge_messages_out_total', 'Messages sent to the session room');

  const { webSocketFactory, heartbeatMs, backoff, unauthorizedRetryMs, stableMs } = opts;
  const socket = createReconnectingSocket({
    url: opts.api.sessionSocketUrl(opts.projectId, opts.sessionId),
    headers: opts.api.authHeaders(),
    webSocketFactory,
    heartbeatMs,
    backoff,
    unauthorizedRetryMs,
    stableMs,
    log,
    logFields: { session: opts.sessionId },
    onAttempt: () => mReconnects?.inc(),
    onStateChange: (s) => opts.onStateChange?.(s, link),
    onOpen() {
      rawSend({ t: 'hello', agent: opts.agentInfo() });
      for (const e of journal.unsentResults(opts.sessionId)) sendResultOf(e);
      opts.onOpen?.(link);
    },
    onHeartbeat: () => void send({ t: 'status', agent: opts.agentInfo() }),
    onMessage,
  });

  function rawSend(msg: AgentMessage): boolean {
    if (!socket.send(JSON.stringify(msg))) return false;
    mOut?.inc({ t: msg.t });
    return true;
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
    const known = isUuid(callId) ? journal.get(callId) : undefined;
    if (known) {
      // Re-delivery (our op.accepted was lost, or the room restarted): never run it again.
      rawSend({ t: 'op.accepted', callId: known.callId });
      if (known.state === 'done') sendResultOf(known);
      return;
    }
    if (!parsed.success) {
      const issue = firstIssue(parsed.error, raw);
      log.warn('room sent an invalid op; refusing it', { error: issue.message });
      if (isUuid(callId)) {
        const name = String((raw as { op?: { op?: unknown } }).op?.op ?? 'unknown').slice(0, 64);
        answerFinished(callId, name, Number((raw as { expiresAt?: unknown }).expiresAt) || Date.now(), {
          code: 'invalid_request',
          message: clipText(issue.message, 2000),
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

  const link: EdgeLink = {
    sessionId: opts.sessionId,
    get state() {
      return socket.state;
    },
    start: () => socket.start(),
    send,
    progress(callId, stage, progress, message) {
      return send({
        t: 'op.progress',
        callId,
        stage: clipText(stage, 64),
        ...(progress !== undefined && Number.isFinite(progress) ? { progress: Math.min(1, Math.max(0, progress)) } : {}),
        ...(message !== undefined ? { message: clipText(message, 500) } : {}),
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
    status: () => ({ sessionId: opts.sessionId, ...socket.status() }),
    close: () => socket.close(),
  };
  return link;
}
