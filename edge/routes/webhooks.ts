import { createRoute, z } from '@hono/zod-openapi';
import { createWebhookBody, webhookDeliveryView, webhookView as webhookViewSchema, webhookWithSecret } from '../../contracts/webhooks';
import { deleteWebhookSource, findDelivery, findWebhookSource, listDeliveries, listWebhookSources } from '../../db/queries/webhooks';
import { notFound } from '../http/errors';
import { createRouter, errorResponses, jsonBody, jsonContent, type AppRouteHandler } from '../http/router';
import { isUuid, requireProject } from '../services/access';
import { audit } from '../services/audit';
import type { AppEnv } from '../types';
import type { Context } from 'hono';
import { receiveDeps } from '../webhooks/deps';
import { replayDelivery } from '../webhooks/receive';
import { secretBoxKey } from '../webhooks/secret-box';
import { createSource, deliveryView, rotateSource, webhookView } from '../webhooks/sources';

const projectParams = z.object({ projectId: z.string() });
const webhookParams = projectParams.extend({ webhookId: z.string() });
const deliveryParams = webhookParams.extend({ deliveryId: z.string() });

export const createWebhook = createRoute({
  method: 'post',
  path: '/{projectId}/webhooks',
  summary: 'Add a webhook source (its secret is shown only in this answer)',
  request: { params: projectParams, body: jsonBody(createWebhookBody) },
  responses: { 201: jsonContent(webhookWithSecret, 'The new source, with its secret'), ...errorResponses },
});

export const listWebhooks = createRoute({
  method: 'get',
  path: '/{projectId}/webhooks',
  summary: 'Webhook sources, newest first (no secrets)',
  request: { params: projectParams },
  responses: { 200: jsonContent(z.object({ items: z.array(webhookViewSchema) }), 'Sources'), ...errorResponses },
});

export const deleteWebhook = createRoute({
  method: 'delete',
  path: '/{projectId}/webhooks/{webhookId}',
  summary: 'Remove a webhook source and its deliveries',
  request: { params: webhookParams },
  responses: { 204: { description: 'Removed' }, ...errorResponses },
});

export const rotateWebhook = createRoute({
  method: 'post',
  path: '/{projectId}/webhooks/{webhookId}/rotate',
  summary: 'A new secret; the old one keeps verifying for 24 h',
  request: { params: webhookParams },
  responses: { 200: jsonContent(webhookWithSecret, 'The source, with its new secret'), ...errorResponses },
});

export const listWebhookDeliveries = createRoute({
  method: 'get',
  path: '/{projectId}/webhooks/{webhookId}/deliveries',
  summary: 'Recent deliveries of a source, newest first, with status and reason',
  request: { params: webhookParams },
  responses: { 200: jsonContent(z.object({ items: z.array(webhookDeliveryView) }), 'Deliveries'), ...errorResponses },
});

export const replayWebhookDelivery = createRoute({
  method: 'post',
  path: '/{projectId}/webhooks/{webhookId}/deliveries/{deliveryId}/replay',
  summary: 'Run a stored delivery again (its events keep their ids: nothing is stored twice)',
  request: { params: deliveryParams },
  responses: {
    200: jsonContent(webhookDeliveryView, 'The delivery after the replay'),
    409: jsonContent(z.object({ error: z.object({ code: z.string(), message: z.string() }) }), 'Rejected, or its body is no longer kept'),
    ...errorResponses,
  },
});

const origin = (c: Context<AppEnv>) => new URL(c.req.url).origin;

async function sourceOf(c: Context<AppEnv>, projectId: string, webhookId: string) {
  const row = isUuid(webhookId) ? await findWebhookSource(c.var.db, projectId, webhookId) : null;
  if (!row) throw notFound('webhook');
  return row;
}

const create: AppRouteHandler<typeof createWebhook> = async (c) => {
  const { projectId } = c.req.valid('param');
  await requireProject(c.var.db, c.var.caller, projectId, 'admin');
  const createdBy = c.var.caller.kind === 'user' ? c.var.caller.userId : null;
  const { row, secret } = await createSource(c.var.db, await secretBoxKey(c.env), projectId, c.req.valid('json'), createdBy);
  await audit(c, projectId, 'webhook.created', row.id, { name: row.name, provider: row.provider });
  return c.json({ ...webhookView(row, origin(c)), secret }, 201);
};

const list: AppRouteHandler<typeof listWebhooks> = async (c) => {
  const { projectId } = c.req.valid('param');
  await requireProject(c.var.db, c.var.caller, projectId, 'read');
  const rows = await listWebhookSources(c.var.db, projectId);
  return c.json({ items: rows.map((r) => webhookView(r, origin(c))) }, 200);
};

const remove: AppRouteHandler<typeof deleteWebhook> = async (c) => {
  const { projectId, webhookId } = c.req.valid('param');
  await requireProject(c.var.db, c.var.caller, projectId, 'admin');
  if (!isUuid(webhookId) || !(await deleteWebhookSource(c.var.db, projectId, webhookId))) throw notFound('webhook');
  await audit(c, projectId, 'webhook.deleted', webhookId);
  return c.body(null, 204);
};

const rotate: AppRouteHandler<typeof rotateWebhook> = async (c) => {
  const { projectId, webhookId } = c.req.valid('param');
  await requireProject(c.var.db, c.var.caller, projectId, 'admin');
  const rotated = await rotateSource(c.var.db, await secretBoxKey(c.env), await sourceOf(c, projectId, webhookId));
  if (!rotated) throw notFound('webhook');
  await audit(c, projectId, 'webhook.rotated', webhookId, { previous_secret_expires_at: rotated.row.previousSecretExpiresAt?.toISOString() });
  return c.json({ ...webhookView(rotated.row, origin(c)), secret: rotated.secret }, 200);
};

const deliveries: AppRouteHandler<typeof listWebhookDeliveries> = async (c) => {
  const { projectId, webhookId } = c.req.valid('param');
  await requireProject(c.var.db, c.var.caller, projectId, 'read');
  const source = await sourceOf(c, projectId, webhookId);
  return c.json({ items: (await listDeliveries(c.var.readDb, source.id)).map(deliveryView) }, 200);
};

const replay: AppRouteHandler<typeof replayWebhookDelivery> = async (c) => {
  const { projectId, webhookId, deliveryId } = c.req.valid('param');
  await requireProject(c.var.db, c.var.caller, projectId, 'admin');
  const source = await sourceOf(c, projectId, webhookId);
  const row = isUuid(deliveryId) ? await findDelivery(c.var.db, source.id, deliveryId) : null;
  if (!row) throw notFound('delivery');
  await replayDelivery(await receiveDeps(c), source, row);
  return c.json(deliveryView((await findDelivery(c.var.db, source.id, row.id))!), 200);
};

export const webhookRoutes = createRouter()
  .openapi(createWebhook, create)
  .openapi(listWebhooks, list)
  .openapi(deleteWebhook, remove)
  .openapi(rotateWebhook, rotate)
  .openapi(listWebhookDeliveries, deliveries)
  .openapi(replayWebhookDelivery, replay);
