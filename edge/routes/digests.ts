import { createRoute, z } from '@hono/zod-openapi';
import { listOf } from '../../contracts/api';
import {
  createdOutgoingWebhookView,
  createDigestBody,
  digestDeliveryView,
  digestSummary,
  digestView as digestViewSchema,
  digestWindow,
  MAX_OUTGOING_WEBHOOKS,
  outgoingWebhookView,
  createOutgoingWebhookBody,
} from '../../contracts/digests';
import type { Db } from '../../db/client';
import { deleteOutgoingWebhook, findDigest, insertOutgoingWebhook, listDigestDeliveries, listDigests, listOutgoingWebhooks } from '../../db/queries/digests';
import type { OutgoingWebhook } from '../../db/schema';
import { HttpError, notFound } from '../http/errors';
import { defer, type OpenDb } from '../http/middleware';
import { createRouter, errorResponses, jsonBody, jsonContent, projectParams, type AppRouteHandler } from '../http/router';
import { isUuid, requireProject } from '../services/access';
import { audit } from '../services/audit';
import { deliverDue, deliveryDepsOf } from '../services/digest-delivery';
import { digestLlm, digestView, makeDigest } from '../services/digests';
import { outgoingUrlPolicy, outgoingUrlProblem } from '../services/outgoing-url';
import { secretBoxKey, sealSecret } from '../webhooks/secret-box';
import { generateSecret } from '../webhooks/secrets';

const digestParams = projectParams.extend({ digestId: z.string() });
const webhookParams = projectParams.extend({ webhookId: z.string() });
const MARKDOWN = 'text/markdown; charset=utf-8';

export const createDigest = createRoute({
  method: 'post',
  path: '/{projectId}/digests',
  summary: 'Make (or remake) the digest of the period containing `date` (default today, UTC); outgoing webhooks get it afterwards',
  request: { params: projectParams, body: jsonBody(createDigestBody) },
  responses: { 201: jsonContent(digestViewSchema, 'The digest'), ...errorResponses },
});

export const listDigestsRoute = createRoute({
  method: 'get',
  path: '/{projectId}/digests',
  summary: 'Digests, newest period first',
  request: { params: projectParams },
  responses: { 200: jsonContent(listOf(digestSummary), 'Digests'), ...errorResponses },
});

export const getDigest = createRoute({
  method: 'get',
  path: '/{projectId}/digests/{digestId}',
  summary: 'One digest: its facts, highlights and Markdown (`?format=markdown`: the Markdown as a download)',
  request: { params: digestParams, query: z.object({ format: z.enum(['json', 'markdown'], { error: 'format must be json or markdown' }).optional() }) },
  responses: {
    200: { content: { 'application/json': { schema: digestViewSchema }, 'text/markdown': { schema: z.string() } }, description: 'The digest' },
    ...errorResponses,
  },
});

export const listDigestDeliveriesRoute = createRoute({
  method: 'get',
  path: '/{projectId}/digests/{digestId}/deliveries',
  summary: "A digest's deliveries to outgoing webhooks, with every attempt",
  request: { params: digestParams },
  responses: { 200: jsonContent(listOf(digestDeliveryView), 'Deliveries'), ...errorResponses },
});

export const createOutgoingWebhook = createRoute({
  method: 'post',
  path: '/{projectId}/outgoing-webhooks',
  summary: 'Register a receiver of digests; the answer holds its whsec_ signing secret, shown once',
  request: { params: projectParams, body: jsonBody(createOutgoingWebhookBody) },
  responses: { 201: jsonContent(createdOutgoingWebhookView, 'The receiver and its secret'), ...errorResponses },
});

export const listOutgoingWebhooksRoute = createRoute({
  method: 'get',
  path: '/{projectId}/outgoing-webhooks',
  summary: "The project's receivers of digests",
  request: { params: projectParams },
  responses: { 200: jsonContent(listOf(outgoingWebhookView), 'Receivers'), ...errorResponses },
});

export const deleteOutgoingWebhookRoute = createRoute({
  method: 'delete',
  path: '/{projectId}/outgoing-webhooks/{webhookId}',
  summary: 'Remove a receiver (its deliveries go with it)',
  request: { params: webhookParams },
  responses: { 204: { description: 'Removed' }, ...errorResponses },
});

const webhookView = (r: OutgoingWebhook) => ({ id: r.id, url: r.url, created_at: r.createdAt.toISOString() });
const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function digestRoutes(openDb: OpenDb) {
  const create: AppRouteHandler<typeof createDigest> = async (c) => {
    const { projectId } = c.req.valid('param');
    await requireProject(c.var.db, c.var.caller, projectId, 'write');
    const body = c.req.valid('json');
    const today = new Date().toISOString().slice(0, 10);
    const window = digestWindow(body.period, body.date ?? today);
    if (window.start > today) throw new HttpError(400, 'invalid_body', `date ${body.date} falls in a ${body.period} period that has not begun yet`, 'date');
    const made = (await makeDigest(c.var.db, digestLlm(c.env), projectId, window, { trigger: 'manual', replace: true }))!;
    if (made.queued > 0) {
      // After the answer, with a client of its own (this request's closes with the response); the
      // frequent cron sends whatever this does not.
      const env = c.env;
      defer(
        c,
        (async () => {
          const handle = openDb(env);
          try {
            await deliverDue(handle.db, await deliveryDepsOf(env), new Date(), made.digest.id);
          } finally {
            await handle.close();
          }
        })(),
      );
    }
    return c.json(digestView(made.digest), 201);
  };

  const list: AppRouteHandler<typeof listDigestsRoute> = async (c) => {
    const { projectId } = c.req.valid('param');
    await requireProject(c.var.db, c.var.caller, projectId, 'read');
    const rows = await listDigests(c.var.db, projectId);
    return c.json(
      {
        items: rows.map((r) => ({ id: r.id, period: r.period, start: r.periodStart, end: r.periodEnd, trigger: r.trigger, created_at: r.createdAt.toISOString(), updated_at: r.updatedAt.toISOString() })),
      },
      200,
    );
  };

  const digestOf = async (db: Db, projectId: string, digestId: string) => {
    const row = isUuid(digestId) ? await findDigest(db, projectId, digestId) : null;
    if (!row) throw notFound('digest');
    return row;
  };

  const get: AppRouteHandler<typeof getDigest> = async (c) => {
    const { projectId, digestId } = c.req.valid('param');
    await requireProject(c.var.db, c.var.caller, projectId, 'read');
    const row = await digestOf(c.var.db, projectId, digestId);
    if (c.req.valid('query').format === 'markdown') {
      const name = `spark-${row.period}-digest-${row.periodStart}.md`;
      // @hono/zod-openapi types only JSON and text answers; this one is the declared Markdown.
      return c.body(row.markdown, 200, { 'content-type': MARKDOWN, 'content-disposition': `attachment; filename="${name}"` }) as never;
    }
    return c.json(digestView(row), 200);
  };

  const deliveries: AppRouteHandler<typeof listDigestDeliveriesRoute> = async (c) => {
    const { projectId, digestId } = c.req.valid('param');
    await requireProject(c.var.db, c.var.caller, projectId, 'read');
    const row = await digestOf(c.var.db, projectId, digestId);
    const items = (await listDigestDeliveries(c.var.db, projectId, row.id)).map((d) => ({
      id: d.delivery.id,
      digest_id: d.delivery.digestId,
      webhook_id: d.delivery.webhookId,
      url: d.url,
      status: d.delivery.status,
      next_attempt_at: d.delivery.status === 'pending' ? iso(d.delivery.nextAttemptAt) : null,
      attempts: d.attempts.map((a) => ({ attempt: a.attempt, at: a.at.toISOString(), status_code: a.statusCode, error: a.error, duration_ms: a.durationMs })),
    }));
    return c.json({ items }, 200);
  };

  const createHook: AppRouteHandler<typeof createOutgoingWebhook> = async (c) => {
    const { projectId } = c.req.valid('param');
    await requireProject(c.var.db, c.var.caller, projectId, 'admin');
    const { url } = c.req.valid('json');
    const problem = outgoingUrlProblem(url, outgoingUrlPolicy(c.env));
    if (problem) throw new HttpError(400, 'invalid_body', problem, 'url');
    if ((await listOutgoingWebhooks(c.var.db, projectId)).length >= MAX_OUTGOING_WEBHOOKS) {
      throw new HttpError(400, 'invalid_body', `a project may have at most ${MAX_OUTGOING_WEBHOOKS} outgoing webhooks`, 'url');
    }
    const id = crypto.randomUUID();
    const secret = generateSecret('standard');
    const row = await insertOutgoingWebhook(c.var.db, {
      id,
      projectId,
      url: new URL(url).toString(),
      secretSealed: await sealSecret(await secretBoxKey(c.env), secret, id),
      createdBy: c.var.caller.kind === 'user' ? c.var.caller.userId : null,
    });
    await audit(c, projectId, 'outgoing_webhook.created', row.id, { url: row.url });
    return c.json({ ...webhookView(row), secret }, 201);
  };

  const listHooks: AppRouteHandler<typeof listOutgoingWebhooksRoute> = async (c) => {
    const { projectId } = c.req.valid('param');
    await requireProject(c.var.db, c.var.caller, projectId, 'read');
    return c.json({ items: (await listOutgoingWebhooks(c.var.db, projectId)).map(webhookView) }, 200);
  };

  const removeHook: AppRouteHandler<typeof deleteOutgoingWebhookRoute> = async (c) => {
    const { projectId, webhookId } = c.req.valid('param');
    await requireProject(c.var.db, c.var.caller, projectId, 'admin');
    if (!isUuid(webhookId) || !(await deleteOutgoingWebhook(c.var.db, projectId, webhookId))) throw notFound('outgoing webhook');
    await audit(c, projectId, 'outgoing_webhook.deleted', webhookId);
    return c.body(null, 204);
  };

  return createRouter()
    .openapi(createDigest, create)
    .openapi(listDigestsRoute, list)
    .openapi(getDigest, get)
    .openapi(listDigestDeliveriesRoute, deliveries)
    .openapi(createOutgoingWebhook, createHook)
    .openapi(listOutgoingWebhooksRoute, listHooks)
    .openapi(deleteOutgoingWebhookRoute, removeHook);
}
