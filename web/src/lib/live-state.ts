// The session view's live state: operations (by call id), the agent, the socket, preview frames.
// A pure reducer fed by the WebSocket (contracts/ws.ts browserMessage), by polling when the
// socket is down, and by the 202 of our own POSTs. Unit-tested in tests/unit/web-live-state.test.ts.
import { backoffDelay as sharedBackoff } from '../../../contracts/backoff';
import { isTerminalOpState, type OpState } from '../../../contracts/enums';
import type { UnityOperationInput } from '../../../contracts/unity-ops';
import type { AgentInfo, BrowserMessage, OpView } from '../../../contracts/ws';

export type ConnState = 'connecting' | 'open' | 'reconnecting' | 'closed';

export interface FrameInfo {
  callId: string;
  url: string;
  width: number;
  height: number;
  contentType: string;
  /** Epoch ms when the browser heard of it. */
  at: number;
}

export interface LiveState {
  ops: Record<string, OpView>;
  agent: AgentInfo | null;
  online: boolean;
  conn: ConnState;
  /** Set once a snapshot (socket) or a poll has told us where things stand. */
  synced: boolean;
  /** Newest first. */
  frames: FrameInfo[];
}

export type LiveAction =
  | { type: 'message'; msg: BrowserMessage; at?: number }
  | { type: 'conn'; conn: ConnState }
  /** GET …/ops while the socket is down: items newest first, agent state. */
  | { type: 'poll'; items: OpView[]; agent: { online: boolean; agent: AgentInfo | null } }
  /** Our own POST was accepted (202): show it at once as queued, whatever the socket does. */
  | { type: 'queued'; callId: string; op: string; at: number };

export const MAX_OPS = 200;
export const MAX_FRAMES = 10;

export const initialLiveState = (): LiveState => ({ ops: {}, agent: null, online: false, conn: 'connecting', synced: false, frames: [] });

export const isTerminal = isTerminalOpState;

/**
 * Whether `incoming` should replace `current`: newer wins, and a finished operation never goes
 * back to an unfinished state (messages can cross on reconnect).
 */
export function supersedes(current: OpView | undefined, incoming: OpView): boolean {
  if (!current) return true;
  if (isTerminal(current.state) && !isTerminal(incoming.state)) return false;
  if (!isTerminal(current.state) && isTerminal(incoming.state)) return true;
  return incoming.updatedAt >= current.updatedAt;
}

function mergeOps(ops: Record<string, OpView>, incoming: readonly OpView[]): Record<string, OpView> {
  let next = ops;
  for (const op of incoming) {
    if (supersedes(next[op.callId], op)) {
      if (next === ops) next = { ...ops };
      next[op.callId] = op;
    }
  }
  return next === ops ? ops : cap(next);
}

function cap(ops: Record<string, OpView>): Record<string, OpView> {
  const all = Object.values(ops);
  if (all.length <= MAX_OPS) return ops;
  const keep = all.sort((a, b) => b.queuedAt - a.queuedAt).slice(0, MAX_OPS);
  return Object.fromEntries(keep.map((o) => [o.callId, o]));
}

export function liveReducer(state: LiveState, action: LiveAction): LiveState {
  switch (action.type) {
    case 'conn':
      return state.conn === action.conn ? state : { ...state, conn: action.conn };
    case 'queued': {
      if (state.ops[action.callId]) return state;
      // updatedAt 0: any word from the room about this call wins over our guess.
      const view: OpView = { callId: action.callId, op: action.op, state: 'queued', queuedAt: action.at, updatedAt: 0 };
      return { ...state, ops: cap({ ...state.ops, [action.callId]: view }) };
    }
    case 'poll':
      return { ...state, ops: mergeOps(state.ops, action.items), online: action.agent.online, agent: action.agent.agent ?? state.agent, synced: true };
    case 'message': {
      const m = action.msg;
      switch (m.t) {
        case 'snapshot':
          return { ...state, ops: mergeOps(state.ops, m.ops), agent: m.agent, online: m.online, synced: true };
        case 'op.update': {
          const ops = mergeOps(state.ops, [m.op]);
          return ops === state.ops ? state : { ...state, ops };
        }
        case 'agent':
          return { ...state, online: m.online, agent: m.agent ?? state.agent };
        case 'frame': {
          if (state.frames.some((f) => f.callId === m.callId)) return state;
          const frame: FrameInfo = { callId: m.callId, url: m.url, width: m.width, height: m.height, contentType: m.contentType, at: action.at ?? Date.now() };
          return { ...state, frames: [frame, ...state.frames].slice(0, MAX_FRAMES) };
        }
        default:
          return state;
      }
    }
  }
}

/** The newest `n` operations, newest first (optionally of one kind). */
export function recentOps(state: Pick<LiveState, 'ops'>, n = 10, opName?: string): OpView[] {
  return Object.values(state.ops)
    .filter((o) => opName === undefined || o.op === opName)
    .sort((a, b) => b.queuedAt - a.queuedAt || b.updatedAt - a.updatedAt)
    .slice(0, n);
}

export type OpPhase = 'pending' | 'running' | 'success' | 'failure';

/** Three buckets for people: waiting, going, done well, done badly. */
export function opPhase(state: OpState): OpPhase {
  switch (state) {
    case 'queued':
    case 'delivered':
      return 'pending';
    case 'running':
      return 'running';
    case 'succeeded':
      return 'success';
    default:
      return 'failure';
  }
}

/** A one-line status for an operation: its stage and message, or its error, or its state. */
export function opStatusText(op: OpView): string {
  if (op.state === 'failed' || op.state === 'expired') return op.error?.message ?? (op.state === 'expired' ? 'expired before an agent took it' : 'failed');
  if (op.state === 'queued') return 'waiting for the agent';
  if (op.state === 'delivered') return 'sent to the agent';
  if (op.state === 'succeeded') return op.message ?? 'done';
  const parts = [op.stage, op.message].filter((s): s is string => !!s);
  return parts.length ? parts.join(' — ') : 'running';
}

/**
 * The frame to show first when the page opens: the newest frame we were told of, else the newest
 * render_preview that succeeded (its frame is probably stored; the panel copes if not).
 */
export function latestFrameCallId(state: Pick<LiveState, 'ops' | 'frames'>): string | null {
  const told = state.frames[0];
  const succeeded = recentOps(state, MAX_OPS, 'render_preview').find((o) => o.state === 'succeeded');
  if (told && (!succeeded || told.at >= succeeded.updatedAt || told.callId === succeeded.callId)) return told.callId;
  return succeeded?.callId ?? told?.callId ?? null;
}

/** Whether a message from the socket looks like one of ours (cheap: no zod in the bundle). */
export function parseBrowserMessage(raw: unknown): BrowserMessage | null {
  if (typeof raw !== 'string') return null;
  let data: unknown;
  try {
    data = JSON.parse(raw);
  } catch {
    return null;
  }
  if (!data || typeof data !== 'object') return null;
  const m = data as { t?: unknown; op?: unknown; ops?: unknown; callId?: unknown; url?: unknown };
  switch (m.t) {
    case 'snapshot':
      return Array.isArray(m.ops) ? (data as BrowserMessage) : null;
    case 'op.update':
      return m.op && typeof m.op === 'object' && typeof (m.op as OpView).callId === 'string' ? (data as BrowserMessage) : null;
    case 'frame':
      return typeof m.callId === 'string' && typeof m.url === 'string' ? (data as BrowserMessage) : null;
    case 'agent':
      return data as BrowserMessage;
    default:
      return null;
  }
}

/** Reconnect delay: the shared backoff, exponential from 1 s, capped at 30 s, with ±25% jitter. */
export function backoffDelay(attempt: number, random: () => number = Math.random): number {
  return sharedBackoff(attempt, { baseMs: 1000, maxMs: 30_000, jitter: [0.75, 1.25], random });
}

/**
 * What an operation is about, in a few words ("Assets/Player.cs", "WebGL, development",
 * "640 × 360"). The room's OpView carries only the op's name, so the page remembers this for the
 * operations it sent itself.
 */
export function describeOp(op: UnityOperationInput): string {
  switch (op.op) {
    case 'generate_script':
    case 'delete_script':
    case 'apply_patch':
    case 'ingest_asset':
    case 'deconstruct_asset':
      return op.path;
    case 'render_preview':
      return `${op.width} × ${op.height}${op.camera ? ` · ${op.camera}` : ''}`;
    case 'run_build':
      return `${op.target}${op.development ? ', development' : ''}${op.options && Object.keys(op.options).length ? `, ${Object.keys(op.options).length} options` : ''}`;
    case 'build_status':
      return op.jobId;
    case 'run_menu_item':
      return op.menuPath;
  }
}
