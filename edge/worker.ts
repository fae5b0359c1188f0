import { createDb, dbConfigFromEnv } from '../db/client';
import { runCron } from '../workers/cron';
import { consumeDeadLetterBatch, EVENTS_DLQ } from '../workers/dlq-consumer';
import { consumeEventBatch, EVENTS_QUEUE } from '../workers/event-consumer';
import { createApp } from './app';
import type { Env } from './env';

export { SessionRoom } from './session-room';

const app = createApp();

/** The Worker: HTTP through the Hono app, queue batches to the consumers, cron to the jobs. */
export default {
  fetch: app.fetch,

  async queue(batch: MessageBatch<unknown>, env: Env, ctx: ExecutionContext) {
    const { db, close } = createDb(dbConfigFromEnv(env));
    try {
      if (batch.queue === EVENTS_QUEUE) {
        const report = await consumeEventBatch(batch, db, {
          retryBaseSeconds: Number(env.QUEUE_RETRY_BASE_SECONDS ?? 2),
          insertMode: env.EVENTS_INSERT_MODE === 'per-event' ? 'per-event' : 'batch',
        });
        if (report.retried > 0 || report.invalid > 0) console.log(`${EVENTS_QUEUE}:`, JSON.stringify(report));
      } else if (batch.queue === EVENTS_DLQ) {
        await consumeDeadLetterBatch(batch, db);
      } else {
        console.error(`no consumer for queue ${batch.queue}; retrying`);
        batch.retryAll();
      }
    } finally {
      ctx.waitUntil(close().catch(() => {}));
    }
  },

  async scheduled(controller: ScheduledController, env: Env, ctx: ExecutionContext) {
    const { db, close } = createDb(dbConfigFromEnv(env));
    try {
      console.log(`cron ${controller.cron}:`, JSON.stringify(await runCron(controller.cron, db, new Date(controller.scheduledTime))));
    } finally {
      ctx.waitUntil(close().catch(() => {}));
    }
  },
} satisfies ExportedHandler<Env, unknown>;
