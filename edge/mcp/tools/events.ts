import type { McpToolInput } from '../../../contracts/mcp-tools';
import { listEvents } from '../../../db/queries/events';
import { requireProject } from '../../services/access';
import { decodeCursor, encodeCursor } from '../../services/cursor';
import { storedEventView } from '../../views';
import type { ToolContext, ToolOutcome } from '../context';

export async function queryEventsTool(ctx: ToolContext, q: McpToolInput<'query_events'>): Promise<ToolOutcome> {
  await requireProject(ctx.db, ctx.caller, ctx.projectId, 'read');
  const page = await listEvents(ctx.db, {
    projectId: ctx.projectId,
    sessionId: q.session_id,
    type: q.type,
    since: q.since,
    until: q.until,
    limit: q.limit,
    cursor: q.cursor === undefined ? undefined : decodeCursor(q.cursor),
  });
  const items = page.items.map(storedEventView);
  return { structured: { items, next_cursor: page.next ? encodeCursor(page.next) : null }, summary: `${items.length} event(s)${page.next ? '; more with next_cursor' : ''}` };
}
