import { createRoute, z } from '@hono/zod-openapi';
import { apiError } from '../../contracts/errors';
import { hookAnswer } from '../../contracts/webhooks';
import { findWebhookSourceById } from '../../db/queries/webhooks';
import { notFound } from '../http/errors';
import { enforceRateLimit } from '../http/middleware';
import { createRouter, jsonContent, type AppRouteHandler } from '../http/router';
import { isUuid } from '../services/access';
import { receiveDeps } from '../webhooks/deps';
import { receiveDelivery } from '../webhooks/receive';

// Public: a delivery proves itself by its signature, not by a Spark credential. The body is not
// declared here on purpose: it is verified over its raw bytes (limitBodies keeps them unparsed).
export const postHook = createRoute({
  method: 'post',
  path: '/hooks/{webhookId}',
  summary: 'A signed delivery from GitHub, GitLab or a Standard Webhooks sender (body ≤ 1 MiB)',
  request: { params: z.object({ webhookId: z.string() }) },
  responses: {
    202: jsonContent(hookAnswer, 'A new delivery: its events are queued'),
    200: jsonContent(hookAnswer, 'A ping, or a delivery already received (nothing stored twice)'),
    400: jsonContent(apiError, 'Verified, but the body is not JSON (`invalid_json`)'),
    401: jsonContent(apiError, '`bad_signature` or `stale_timestamp`: nothing stored but the record of the refusal'),
    404: jsonContent(apiError, 'No such webhook'),
    413: jsonContent(apiError, 'Body over 1 MiB'),
  },
});

const receive: AppRouteHandler<typeof postHook> = async (c) => {
  const { webhookId } = c.req.valid('param');
  const source = isUuid(webhookId) ? await findWebhookSourceById(c.var.db, webhookId) : null;
  if (!source) throw notFound('webhook');
  await enforceRateLimit(c.env.API_RATE_LIMIT, `hook:${source.id}`, 'too many deliveries for this webhook; slow down');
  const body = new Uint8Array(await c.req.arrayBuffer());
  const result = await receiveDelivery(await receiveDeps(c), source, { headers: c.req.raw.headers, body, now: Date.now() });
  return result.status === 202 ? c.json(result.body, 202) : c.json(result.body, 200);
};

export const hookRoutes = createRouter().openapi(postHook, receive);
