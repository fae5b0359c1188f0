import { base64Decode, sha256Hex } from '../contracts/bytes';
import { DurableObject } from 'cloudflare:workers';
import { eventOf, type CatalogPayloadInput, type CatalogType } from '../contracts/event-catalog';
import type { UnityOperation } from '../contracts/unity-ops';
import { DEFAULT_JSON_SHAPE } from '../contracts/json-shape';
import { agentMessage, type AgentInfo, type BrowserMessage, type OpDispatch, type OpView } from '../contracts/ws';
import type { Env } from './env';
import { OpProofs, proofOf, type OpProof } from './room/op-proofs';
import { parseJsonLimited } from './http/validate';
import { acceptEvents } from './services/ingest';
import { OpStore } from './room/op-store';
import { OpWaiters, viewAfterChange } from './room/op-waiters';
import { opSummary } from './room/op-summary';
import { logError } from '../workers/safe-log';
import { createDb, dbConfigFromEnv } from '../db/client';
import { TOUCH_EVERY_MS, touchSession } from '../db/queries/sessions';
import { CLOSE_SESSION_EXPIRED, CLOSE_SESSION_SLEEPING, type LetGoReason } from '../workers/lifecycle';

export type SocketRole = 'agent' | 'browser';
interface RoomMeta {
  projectId: string;
  sessionId: string;
}

/**
 * One room per session. Browsers and the session's agent hold WebSockets here (hibernation API:
 * an idle room costs nothing). Operations wait in storage, in order, until the agent takes them;
 * progress, results and frames fan out to every browser and are enqueued as events.
 * The Worker authenticates every caller before it reaches the room.
 */
export interface SessionRoomApi {
  queueOp(input: RoomMeta & { callId: string; op: UnityOperation; ttlMs: number }): Promise<OpView>;
  getOp(callId: string): Promise<OpView | null>;
  /**
   * A long poll: the operation's view as soon as it differs from `seen` (the view last read, as
   * opViewMark gives it) or is over, else after `maxWaitMs` (at most OP_WAIT_MAX_MS) as it stands.
   */
  awaitOpChange(callId: string, seen: string | null, maxWaitMs: number): Promise<OpView | null>;
  /** What the room queued for these calls (file-writing ops only), to check the agent's reports against. */
  opProofs(callIds: string[]): Promise<Record<string, OpProof>>;
  listOps(): Promise<OpView[]>;
  agentState(): Promise<{ online: boolean; agent: AgentInfo | null }>;
  revokeToken(tokenId: string): Promise<number>;
  /** The session slept or expired: waiting ops fail, every socket is closed; returns how many. */
  letGo(reason: LetGoReason): Promise<number>;
  fetch(request: Request): Promise<Response>;
}

/** Close code for a socket whose token was revoked (4000-4999: application codes). */
export const CLOSE_TOKEN_REVOKED = 4401;


/** The room's stub with its RPC methods (workerd's generated RPC types cannot express `unknown` results). */
export function roomStub(ns: DurableObjectNamespace<SessionRoom>, sessionId: string): SessionRoomApi {
  return ns.get(ns.idFromName(sessionId)) as unknown as SessionRoomApi;
}

export class SessionRoom extends DurableObject<Env> implements SessionRoomApi {
  private readonly ops = new OpStore(this.ctx.storage);
  private readonly proofs = new OpProofs(this.ctx.storage);
  private readonly waiters = new OpWaiters();
  /** Frames being written to R2, by call: an op's result waits for its frame, so whoever reads the result finds the frame. */
  private readonly framesStoring = new Map<string, Promise<void>>();
  /** When this instance last wrote activity to the database (memory only: a woken room may write once more). */
  private lastTouch = 0;

  /** WebSocket upgrades only: `x-spark-role`, `x-spark-project`, `x-spark-session` set by the Worker. */
  override async fetch(request: Request): Promise<Response> {
    if (request.headers.get('upgrade')?.toLowerCase() !== 'websocket') return new Response('expected a WebSocket upgrade', { status: 426 });
    const role: SocketRole = request.headers.get('x-spark-role') === 'agent' ? 'agent' : 'browser';
    const tokenId = request.headers.get('x-spark-token-id');
    if (tokenId && (await this.isRevoked(tokenId))) return new Response('token revoked', { status: 401 });
    const ticket = request.headers.get('x-spark-ticket');
    if (ticket && !(await this.spendTicket(ticket, Number(request.headers.get('x-spark-ticket-exp'))))) {
      return new Response('this socket ticket was already used', { status: 401 });
    }
    await this.remember({ projectId: request.headers.get('x-spark-project')!, sessionId: request.headers.get('x-spark-session')! });
    const pair = new WebSocketPair();
    const [client, server] = [pair[0], pair[1]];
    this.ctx.acceptWebSocket(server, [role]);
    // Kept with the socket across hibernation: whose agent this is, to mark it offline later.
    server.serializeAttachment({ tokenId });
    if (role === 'browser') server.send(json(await this.snapshot()));
    return new Response(null, { status: 101, webSocket: client });
  }

  // ── RPC from the Worker ───────────────────────────────────────────────────────────────────
  async queueOp(input: RoomMeta & { callId: string; op: UnityOperation; ttlMs: number }): Promise<OpView> {
    await this.remember(input);
    // Remembered before the agent can see the op, so its report always finds the proof.
    const proof = await proofOf(input.projectId, input.op);
    if (proof) await this.proofs.remember(input.callId, proof);
    const now = Date.now();
    const dispatch: OpDispatch = { t: 'op', callId: input.callId, sessionId: input.sessionId, op: input.op, issuedAt: now, expiresAt: now + input.ttlMs };
    const view: OpView = { callId: input.callId, op: input.op.op, summary: opSummary(input.op), state: 'queued', queuedAt: now, updatedAt: now };
    await this.ops.enqueue(dispatch, view);
    this.broadcast({ t: 'op.update', op: view });
    await this.scheduleExpiry(dispatch.expiresAt);
    const agent = await this.liveAgentSocket();
    if (agent) await this.deliver(agent, dispatch);
    return (await this.ops.view(input.callId)) ?? view;
  }

  async getOp(callId: string): Promise<OpView | null> {
    return (await this.ops.view(callId)) ?? null;
  }

  async awaitOpChange(callId: string, seen: string | null, maxWaitMs: number): Promise<OpView | null> {
    return (await viewAfterChange(this.waiters, callId, seen, maxWaitMs, () => this.ops.view(callId))) ?? null;
  }

  async opProofs(callIds: string[]): Promise<Record<string, OpProof>> {
    return this.proofs.get(callIds);
  }

  async listOps(): Promise<OpView[]> {
    return this.ops.recent();
  }

  async agentState(): Promise<{ online: boolean; agent: AgentInfo | null }> {
    return { online: this.agentSocket() !== undefined, agent: (await this.ctx.storage.get<AgentInfo>('agent')) ?? null };
  }

  /**
   * The token was deleted: close its sockets now, and remember it so that a socket this room
   * could not close (or a message already on its way) is refused when it is next used.
   */
  async revokeToken(tokenId: string): Promise<number> {
    await this.ctx.storage.put(`${REVOKED}${tokenId}`, Date.now());
    let closed = 0;
    let agentGone = false;
    for (const ws of this.ctx.getWebSockets()) {
      if (this.tokenOf(ws) !== tokenId) continue;
      agentGone ||= this.roleOf(ws) === 'agent';
      this.closeRevoked(ws);
      closed++;
    }
    if (agentGone && !(await this.liveAgentSocket())) this.broadcast({ t: 'agent', online: false, agent: (await this.ctx.storage.get<AgentInfo>('agent')) ?? null });
    return closed;
  }

  async letGo(reason: LetGoReason): Promise<number> {
    const error = { code: `session_${reason}`, message: `the session is ${reason}; the operation was not run` };
    for (const { key, dispatch } of await this.ops.pending()) {
      await this.ctx.storage.delete(key);
      const view = await this.ops.update(dispatch.callId, { state: 'expired', error });
      this.publish(view);
      if (view) await this.emitCall(view, 'failed');
    }
    let closed = 0;
    for (const ws of this.ctx.getWebSockets()) {
      try {
        ws.close(reason === 'sleeping' ? CLOSE_SESSION_SLEEPING : CLOSE_SESSION_EXPIRED, `session ${reason}`);
        closed++;
      } catch {
        // already closed
      }
    }
    return closed;
  }

  // ── WebSockets ────────────────────────────────────────────────────────────────────────────
  override async webSocketMessage(ws: WebSocket, raw: string | ArrayBuffer) {
    // One frame's failure is that frame's answer: nothing an agent sends may throw out of the room.
    try {
      await this.onSocketMessage(ws, raw);
    } catch (err) {
      const message = err instanceof FrameError ? err.message : 'the room could not handle that message';
      if (!(err instanceof FrameError)) logError('webSocketMessage failed', err);
      try {
        ws.send(json({ t: 'error', message }));
      } catch {
        // the socket is closing; its close handler runs
      }
    }
  }

  private async onSocketMessage(ws: WebSocket, raw: string | ArrayBuffer) {
    if (await this.socketRevoked(ws)) return;
    if (raw === 'ping') return ws.send('pong');
    if (this.roleOf(ws) !== 'agent' || typeof raw !== 'string') return;
    const data = parseJsonLimited(raw, FRAME_SHAPE, (message) => new FrameError(`messages must be JSON within limits: ${message}`));
    const parsed = agentMessage.safeParse(data);
    if (!parsed.success) return ws.send(json({ t: 'error', message: `invalid message: ${parsed.error.issues[0]?.message ?? 'unknown'}` }));
    const m = parsed.data;
    // The agent at work is activity; its periodic status is not (it would keep the session awake).
    if (m.t !== 'status') this.noteActivity();
    switch (m.t) {
      case 'hello':
      case 'status':
        await this.ctx.storage.put('agent', m.agent);
        this.broadcast({ t: 'agent', online: true, agent: m.agent });
        if (m.t === 'hello') {
          // Waiting work first, while only storage is awaited: nothing else interleaves, so a frame
          // the agent sends after its hello is handled after these deliveries.
          for (const { dispatch } of await this.ops.pending()) await this.deliver(ws, dispatch);
          // Presence is an event too: the consumer keeps agents.status from the newest one.
          const tokenId = this.tokenOf(ws);
          if (tokenId) await this.emit('agent.connected', { token_id: tokenId, name: m.agent.name, version: m.agent.version, profile: m.agent.profile });
        }
        return;
      case 'op.accepted':
        await this.ops.removePending(m.callId);
        return this.publish(await this.ops.update(m.callId, { state: 'running' }));
      case 'op.progress':
        return this.publish(await this.ops.update(m.callId, { state: 'running', stage: m.stage, progress: m.progress, message: m.message }));
      case 'op.result': {
        await this.framesStoring.get(m.callId)?.catch(() => undefined);
        await this.ops.removePending(m.callId);
        const view = await this.ops.update(m.callId, {
          state: m.ok ? 'succeeded' : 'failed',
          result: m.result,
          error: m.error,
          latencyMs: m.latencyMs,
          mcpMs: m.mcpMs,
          progress: m.ok ? 1 : undefined,
        });
        this.publish(view);
        if (view) await this.emitCall(view, m.ok ? 'succeeded' : 'failed');
        return;
      }
      case 'frame': {
        const storing = this.storeFrame(m.callId, m.contentType, m.width, m.height, m.data);
        this.framesStoring.set(m.callId, storing);
        try {
          return await storing;
        } finally {
          if (this.framesStoring.get(m.callId) === storing) this.framesStoring.delete(m.callId);
        }
      }
    }
  }

  override async webSocketClose(ws: WebSocket, code: number) {
    try {
      ws.close(code === 1005 || code === 1006 ? 1000 : code, 'bye');
    } catch {
      // already closed
    }
    if (this.roleOf(ws) === 'agent' && !this.agentSocket(ws)) {
      this.broadcast({ t: 'agent', online: false, agent: (await this.ctx.storage.get<AgentInfo>('agent')) ?? null });
      const tokenId = this.tokenOf(ws);
      if (tokenId) await this.emit('agent.disconnected', { token_id: tokenId });
    }
  }

  /** Fails, visibly, the operations whose time ran out before an agent took them. */
  override async alarm() {
    const now = Date.now();
    let next = Infinity;
    for (const { key, dispatch } of await this.ops.pending()) {
      if (dispatch.expiresAt <= now) {
        await this.ctx.storage.delete(key);
        const view = await this.ops.update(dispatch.callId, { state: 'expired', error: { code: 'expired', message: 'no agent took this operation in time' } });
        this.publish(view);
        if (view) await this.emitCall(view, 'timeout');
      } else next = Math.min(next, dispatch.expiresAt);
    }
    if (next < Infinity) await this.ctx.storage.setAlarm(next);
  }

  /** Moves the session's last activity in the database, at most once a minute from this room. */
  private noteActivity() {
    const now = Date.now();
    if (now - this.lastTouch < TOUCH_EVERY_MS) return;
    this.lastTouch = now;
    const write = async () => {
      const meta = await this.ctx.storage.get<RoomMeta>('meta');
      if (!meta) return;
      const { db, close } = createDb(dbConfigFromEnv(this.env));
      try {
        await touchSession(db, meta.sessionId, new Date(now));
      } finally {
        await close().catch(() => {});
      }
    };
    this.ctx.waitUntil(write().catch((err) => logError('session activity not recorded', err)));
  }

  // ── helpers ───────────────────────────────────────────────────────────────────────────────
  private tokenOf(ws: WebSocket): string | null {
    return (ws.deserializeAttachment() as { tokenId?: string | null } | null)?.tokenId ?? null;
  }

  private async deliver(ws: WebSocket, dispatch: OpDispatch) {
    // Re-checked at the moment of use: an op (with code) never goes to a revoked token.
    if (await this.socketRevoked(ws)) return;
    if (dispatch.expiresAt <= Date.now()) return this.alarm();
    ws.send(json(dispatch));
    const view = await this.ops.view(dispatch.callId);
    if (view?.state === 'queued') this.publish(await this.ops.update(dispatch.callId, { state: 'delivered' }));
  }

  private async storeFrame(callId: string, contentType: 'image/png' | 'image/jpeg', width: number, height: number, data: string) {
    const meta = await this.meta();
    const bytes = decodeBase64(data);
    const key = frameKey(meta.projectId, meta.sessionId, callId);
    await this.env.ARTIFACTS.put(key, bytes, { httpMetadata: { contentType }, customMetadata: { width: String(width), height: String(height) } });
    const sha256 = await sha256Hex(bytes);
    await this.emit('preview.frame', { call_id: callId, width, height, r2_key: key, content_type: contentType, bytes: bytes.length, sha256 });
    this.broadcast({ t: 'frame', callId, url: `/api/projects/${meta.projectId}/sessions/${meta.sessionId}/frames/${callId}`, width, height, contentType });
  }

  /** The function-call record of an operation, as the edge saw it (queue wait included). */
  private emitCall(view: OpView, status: 'succeeded' | 'failed' | 'timeout') {
    return this.emit('tool.call', {
      call_id: view.callId,
      name: view.op,
      status,
      latency_ms: view.latencyMs !== undefined ? Math.round(view.latencyMs) : Date.now() - view.queuedAt,
      ...(view.mcpMs !== undefined ? { result: { mcp_ms: Math.round(view.mcpMs), queued_ms: Date.now() - view.queuedAt } } : {}),
      ...(view.error ? { error: `${view.error.code}: ${view.error.message}` } : {}),
      completed_at: Date.now() / 1000,
    });
  }

  /** An event of the catalog, from the edge; a payload of the wrong shape throws, naming the field. */
  private async emit<T extends CatalogType>(type: T, payload: CatalogPayloadInput<T>) {
    const meta = await this.meta();
    const event = eventOf(type, payload, { id: crypto.randomUUID(), source: 'spark-edge', ts: Date.now() / 1000, session_id: meta.sessionId });
    // Through the ingest log when it is on: the consumer leaves logged events to the log in an outage.
    await acceptEvents(this.env, meta.projectId, [event], () => ({ kind: 'edge' }));
  }

  private publish(view: OpView | undefined) {
    if (view) this.broadcast({ t: 'op.update', op: view });
  }

  /** Every change of an operation's view comes through here (as `op.update`): its waiters look again. */
  private broadcast(message: BrowserMessage) {
    if (message.t === 'op.update') this.waiters.wake(message.op.callId);
    const text = json(message);
    for (const ws of this.ctx.getWebSockets('browser')) {
      try {
        ws.send(text);
      } catch {
        // closing socket; its close handler runs
      }
    }
  }

  private async snapshot(): Promise<BrowserMessage> {
    const { online, agent } = await this.agentState();
    return { t: 'snapshot', ops: await this.ops.recent(), agent, online };
  }

  private isRevoked(tokenId: string): Promise<boolean> {
    return this.ctx.storage.get(`${REVOKED}${tokenId}`).then((v) => v !== undefined);
  }

  /** True (and the socket closed) when its token has been revoked. */
  private async socketRevoked(ws: WebSocket): Promise<boolean> {
    const tokenId = this.tokenOf(ws);
    if (!tokenId || !(await this.isRevoked(tokenId))) return false;
    this.closeRevoked(ws);
    return true;
  }

  private closeRevoked(ws: WebSocket) {
    try {
      ws.close(CLOSE_TOKEN_REVOKED, 'token revoked');
    } catch {
      // already closed
    }
  }

  /** The agent's socket, unless its token has been revoked since it connected. */
  private async liveAgentSocket(): Promise<WebSocket | undefined> {
    for (const ws of this.ctx.getWebSockets('agent')) {
      if (ws.readyState === WebSocket.OPEN && !(await this.socketRevoked(ws))) return ws;
    }
    return undefined;
  }

  /** One use per ticket: its id is kept until the ticket would have expired anyway. */
  private async spendTicket(jti: string, expSeconds: number): Promise<boolean> {
    const key = `${TICKET}${jti}`;
    if ((await this.ctx.storage.get(key)) !== undefined) return false;
    await this.ctx.storage.put(key, expSeconds);
    const now = Date.now() / 1000;
    const old = [...(await this.ctx.storage.list<number>({ prefix: TICKET })).entries()].filter(([, exp]) => !(exp > now)).map(([k]) => k);
    if (old.length > 0) await this.ctx.storage.delete(old.filter((k) => k !== key));
    return true;
  }

  private agentSocket(except?: WebSocket): WebSocket | undefined {
    return this.ctx.getWebSockets('agent').find((ws) => ws !== except && ws.readyState === WebSocket.OPEN);
  }

  private roleOf(ws: WebSocket): SocketRole {
    return this.ctx.getTags(ws).includes('agent') ? 'agent' : 'browser';
  }

  private async scheduleExpiry(at: number) {
    const current = await this.ctx.storage.getAlarm();
    if (current === null || at < current) await this.ctx.storage.setAlarm(at);
  }

  private async remember(meta: RoomMeta) {
    if (!(await this.ctx.storage.get<RoomMeta>('meta'))) await this.ctx.storage.put('meta', { projectId: meta.projectId, sessionId: meta.sessionId });
  }

  private async meta(): Promise<RoomMeta> {
    const m = await this.ctx.storage.get<RoomMeta>('meta');
    if (!m) throw new Error('room has no session yet');
    return m;
  }
}

/** A message the agent got wrong; its text goes back to the agent as `{ t: 'error' }`. */
class FrameError extends Error {}

// Preview frames carry up to ~11 MB of base64 in one string; every other limit is the default.
const FRAME_SHAPE = { ...DEFAULT_JSON_SHAPE, maxStringChars: 11_200_000 };

function decodeBase64(data: string): Uint8Array<ArrayBuffer> {
  try {
    return base64Decode(data);
  } catch {
    throw new FrameError('frame data must be base64');
  }
}

const REVOKED = 'revoked:'; // revoked:<tokenId> → when
const TICKET = 'ticket:'; // ticket:<jti> → the ticket's expiry (unix seconds)

export const frameKey = (projectId: string, sessionId: string, callId: string) => `frames/${projectId}/${sessionId}/${callId}`;
const json = (m: unknown) => JSON.stringify(m);
