import type { McpToolInput } from '../../../contracts/mcp-tools';
import { requireProject } from '../../services/access';
import { readEventsPage } from '../../services/events-page';
import type { ToolContext, ToolOutcome } from '../context';

export async function queryEventsTool(ctx: ToolContext, q: McpToolInput<'query_events'>): Promise<ToolOutcome> {
  await requireProject(ctx.db, ctx.caller, ctx.projectId, 'read');
  const { items, next_cursor } = await readEventsPage(ctx.readDb ?? ctx.db, ctx.projectId, q);
  return { structured: { items, next_cursor }, summary: `${items.length} event(s)${next_cursor ? '; more with next_cursor' : ''}` };
}
