import { firstIssue } from '../../contracts/errors';
import { unityOperation, type UnityOperation, type UnityOperationInput } from '../../contracts/unity-ops';
import type { OpView } from '../../contracts/ws';
import { listSessions } from '../../db/queries/sessions';
import { roomStub } from '../session-room';
import { openRoom, type OpenedRoom } from '../services/room';
import { awaitOp, isTerminal } from './await-op';
import type { ToolContext } from './context';
import { ToolError } from './context';

/** The session's room for a tool that changes something: write access, and an agent to run it. */
export async function roomWithAgent(ctx: ToolContext, sessionId: string): Promise<OpenedRoom> {
  const room = await openRoom(ctx, ctx.projectId, sessionId, 'write');
  // Refused before anything is queued: an AI client should not leave work waiting for a machine
  // that may not come back (the browser, by contrast, shows the op queued until it does).
  if (!(await room.stub.agentState()).online && !(await agentInAnotherSession(ctx, sessionId))) {
    throw new ToolError('agent_offline', "The project's Spark agent is offline, so nothing was run. Start it on the Unity machine (spark-agent start) and call again.");
  }
  return room;
}

/** How many of the project's other sessions are asked whether the agent is there. */
const SESSIONS_ASKED = 20;

/**
 * Whether the project's agent is connected to another of its sessions. It joins a new session on
 * its next look at the session list, so an operation queued there will be taken: no refusal then.
 * Asked of the rooms (they hold the agent's sockets), not of agents.status, which trails by a queue.
 */
async function agentInAnotherSession(ctx: ToolContext, sessionId: string): Promise<boolean> {
  const others = (await listSessions(ctx.db, ctx.projectId, SESSIONS_ASKED + 1)).filter((s) => s.id !== sessionId && (s.state === 'active' || s.state === 'sleeping'));
  const states = await Promise.all(others.slice(0, SESSIONS_ASKED).map((s) => roomStub(ctx.env.SESSION_ROOM, s.id).agentState()));
  return states.some((s) => s.online);
}

/** Queues `op` the way the browser does (the session's room → the agent → Unity) and waits for it. */
export async function runOp(ctx: ToolContext, sessionId: string, input: UnityOperationInput): Promise<{ room: OpenedRoom; view: OpView }> {
  const op = validOp(input);
  const room = await roomWithAgent(ctx, sessionId);
  const callId = await room.queue(op);
  return { room, view: settled(await awaitOp(room.stub, callId, ctx)) };
}

/** Waits for several queued operations (a rollback, a preset) within one budget; all must succeed. */
export async function awaitAll(ctx: ToolContext, room: OpenedRoom, callIds: string[]): Promise<OpView[]> {
  const started = Date.now();
  const views: OpView[] = [];
  for (const callId of callIds) views.push(settled(await awaitOp(room.stub, callId, ctx, started)));
  return views;
}

/** A finished, successful view; anything else as the tool error that explains it. */
export function settled(view: OpView): OpView {
  const detail = { call_id: view.callId, state: view.state, ...(view.stage ? { stage: view.stage } : {}) };
  if (view.state === 'succeeded') return view;
  if (view.state === 'failed') {
    const code = view.error?.code ?? 'failed';
    const message = view.error?.message ?? 'the operation failed';
    if (code === 'unity_reloading') throw new ToolError(code, `Unity is reloading its scripts (domain reload) and did not answer in time: ${message}. Call again in a few seconds.`, undefined, detail);
    throw new ToolError(code, message, undefined, detail);
  }
  if (view.state === 'expired') throw new ToolError('expired', 'no agent took this operation in time; it was not run', undefined, detail);
  if (isTerminal(view)) throw new ToolError(view.state, `the operation ended ${view.state}`, undefined, detail);
  const why = view.stage === 'reloading' ? 'Unity is reloading its scripts (domain reload)' : `it is ${view.state === 'queued' ? 'still queued for the agent' : 'still running'}`;
  throw new ToolError(
    'time_budget',
    `The call's time budget ran out: ${why}. The operation goes on in Spark (call ${view.callId}) and people watching the session see it; check list_changes or build_status later.`,
    undefined,
    detail,
  );
}

/** An op result without the texts the agent carries for the history (before/after): clients read scripts with read_script. */
export function resultOf(view: OpView): Record<string, unknown> {
  const result = view.result && typeof view.result === 'object' ? { ...(view.result as Record<string, unknown>) } : {};
  delete result.before;
  delete result.after;
  return { call_id: view.callId, ...result, ...(view.latencyMs !== undefined ? { latency_ms: Math.round(view.latencyMs) } : {}) };
}

/**
 * The whole operation checked as POST …/ops checks it: a tool's input schema carries each field's
 * rules, and this adds the rules across fields (overlapping edits, the edits' total size).
 */
export function validOp(input: UnityOperationInput): UnityOperation {
  const parsed = unityOperation.safeParse(input);
  if (parsed.success) return parsed.data;
  const issue = firstIssue(parsed.error, input);
  throw new ToolError('invalid_op', issue.message, issue.path);
}
