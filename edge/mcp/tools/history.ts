import type { McpToolInput } from '../../../contracts/mcp-tools';
import { listChanges } from '../../../db/queries/history';
import { rollbackTo, undoLastChange } from '../../services/history';
import { openRoom } from '../../services/room';
import { changeView } from '../../views';
import type { ToolContext, ToolOutcome } from '../context';
import { awaitHistory } from '../history-wait';
import { resultOf } from '../op-outcome';
import { awaitAll, roomWithAgent } from '../run-op';
import { withoutSession } from './input';

export async function listChangesTool(ctx: ToolContext, input: McpToolInput<'list_changes'>): Promise<ToolOutcome> {
  const { sessionId } = await openRoom(ctx, ctx.projectId, input.session_id, 'read');
  const items = (await listChanges(ctx.db, sessionId, withoutSession(input))).map(changeView);
  return { structured: { items }, summary: `${items.length} change(s)` };
}

/** The same undo as the session page's button: the history marks it, the agent writes the old text back. */
export async function undoTool(ctx: ToolContext, input: McpToolInput<'undo'>): Promise<ToolOutcome> {
  const room = await roomWithAgent(ctx, input.session_id);
  const undone = await undoLastChange(ctx.db, room);
  const views = await awaitAll(ctx, room, [undone.callId]);
  const history = await awaitHistory(ctx, room.sessionId, views);
  return { structured: { ...undone, call_id: undone.callId, result: resultOf(views[0]!), history }, summary: `undid change ${undone.undone} (${undone.path})` };
}

export async function rollbackTool(ctx: ToolContext, input: McpToolInput<'rollback'>): Promise<ToolOutcome> {
  const room = await roomWithAgent(ctx, input.session_id);
  const plan = await rollbackTo(ctx.db, room, input.to);
  const views = await awaitAll(ctx, room, plan.callIds);
  const history = await awaitHistory(ctx, room.sessionId, views);
  return { structured: { ...plan, results: views.map(resultOf), history }, summary: plan.paths.length === 0 ? 'nothing changed since that change' : `restored ${plan.paths.join(', ')}` };
}
