import type { McpToolInput } from '../../../contracts/mcp-tools';
import { insertSession, listSessions } from '../../../db/queries/sessions';
import { requireProject } from '../../services/access';
import { lifecycleHttpError } from '../../services/lifecycle';
import { sessionView } from '../../views';
import type { ToolContext, ToolOutcome } from '../context';

export async function listSessionsTool(ctx: ToolContext): Promise<ToolOutcome> {
  await requireProject(ctx.db, ctx.caller, ctx.projectId, 'read');
  const items = (await listSessions(ctx.db, ctx.projectId)).map(sessionView);
  return { structured: { items }, summary: `${items.length} session(s)` };
}

export async function createSessionTool(ctx: ToolContext, input: McpToolInput<'create_session'>): Promise<ToolOutcome> {
  await requireProject(ctx.db, ctx.caller, ctx.projectId, 'write');
  const row = await insertSession(ctx.db, {
    projectId: ctx.projectId,
    name: input.name,
    createdBy: null,
    expiresAt: input.ttl_seconds ? new Date(Date.now() + input.ttl_seconds * 1000) : null,
  }).catch((err: unknown) => {
    // Past a quota: the tool's error names the limit and the count, as the API's 409 does.
    throw lifecycleHttpError(err);
  });
  const session = sessionView(row);
  return { structured: session, summary: `session ${session.id} started` };
}
