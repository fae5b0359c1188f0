import type { UnityOperationInput } from '../../contracts/unity-ops';
import type { OpView } from '../../contracts/ws';
import { listSessions } from '../../db/queries/sessions';
import { roomStub } from '../session-room';
import { openRoom, type OpenedRoom } from '../services/room';
import { awaitOp } from './await-op';
import type { ToolContext } from './context';
import { ToolError } from './context';
import { settled, validOp } from './op-outcome';

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

/** Waits for several queued operations (a rollback, a preset) within the call's time; all must succeed. */
export async function awaitAll(ctx: ToolContext, room: OpenedRoom, callIds: string[]): Promise<OpView[]> {
  const views: OpView[] = [];
  for (const callId of callIds) views.push(settled(await awaitOp(room.stub, callId, ctx)));
  return views;
}
