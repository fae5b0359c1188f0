// What the webhook routes hand to edge/webhooks: the request's database, the sealing key, and
// ingest through acceptEvents with the producer recorded as the webhook.
import type { Context } from 'hono';
import { acceptEvents } from '../services/ingest';
import type { AppEnv } from '../types';
import type { ReceiveDeps } from './receive';
import { secretBoxKey } from './secret-box';

export async function receiveDeps(c: Context<AppEnv>): Promise<ReceiveDeps> {
  return {
    db: c.var.db,
    secretKey: await secretBoxKey(c.env),
    accept: (projectId, events) => acceptEvents(c.env, projectId, events, () => ({ kind: 'webhook' })),
  };
}
