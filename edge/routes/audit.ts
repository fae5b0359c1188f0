import { createRoute, z } from '@hono/zod-openapi';
import { auditEntryView as auditEntrySchema, auditQuery } from '../../contracts/audit';
import { listAuditEntries } from '../../db/queries/audit';
import { createRouter, errorResponses, jsonContent, type AppRouteHandler } from '../http/router';
import { requireProject } from '../services/access';
import { auditEntryView } from '../services/audit';

export const listAudit = createRoute({
  method: 'get',
  path: '/{projectId}/audit',
  summary: "The project's audit log, newest first (owners only)",
  request: { params: z.object({ projectId: z.string() }), query: auditQuery },
  responses: { 200: jsonContent(z.object({ items: z.array(auditEntrySchema) }), 'Entries'), ...errorResponses },
});

const list: AppRouteHandler<typeof listAudit> = async (c) => {
  const { projectId } = c.req.valid('param');
  await requireProject(c.var.db, c.var.caller, projectId, 'admin');
  const { limit, before } = c.req.valid('query');
  return c.json({ items: (await listAuditEntries(c.var.readDb, projectId, limit, before)).map(auditEntryView) }, 200);
};

export const auditRoutes = createRouter().openapi(listAudit, list);
