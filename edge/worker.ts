import { createDb, dbConfigFromEnv } from '../db/client';
import { runCron } from '../workers/cron';
import { retentionMonths } from '../workers/rollups';
import { consumeDeadLetterBatch, EVENTS_DLQ } from '../workers/dlq-consumer';
import { consumeEventBatch, EVENTS_MAX_RETRIES, EVENTS_QUEUE } from '../workers/event-consumer';
import { loggedKeys } from '../workers/event-packs';
import { createApp } from './app';
import { acceptEvents } from './services/ingest';
import { deliverDue, deliveryDepsOf } from './services/digest-delivery';
import { digestLlm, makeDueDigests } from './services/digests';
import { roomStub } from './session-room';
import type { Env } from './env';

import { ingestLogEnabled, ingestLogStub, type LoggedEventKey } from './ingest-log-api';
import { logWarn } from '../workers/safe-log';
import type { SparkEventV1 } from '../contracts/event';
import type { LetGoReason } from '../workers/lifecycle';

export { IngestLog } from './ingest-log';
export { SessionRoom } from './session-room';

const app = createApp();

/** The Worker: HTTP through the Hono app, queue batches to the consumers, cron to the jobs. */
export default {
  fetch: app.fetch,

  async queue(batch: MessageBatch<unknown>, env: Env, ctx: ExecutionContext) {
    const started = Date.now();
    const { db, close } = createDb(dbConfigFromEnv(env));
    try {
      if (batch.queue === EVENTS_QUEUE) {
        const report = await consumeEventBatch(batch, db, {
          retryBaseSeconds: Number(env.QUEUE_RETRY_BASE_SECONDS ?? 2),
          maxRetries: Number(env.QUEUE_MAX_RETRIES ?? EVENTS_MAX_RETRIES),
          insertMode: env.EVENTS_INSERT_MODE === 'per-event' ? 'per-event' : 'batch',
        });
        if (report.retried > 0 || report.invalid > 0 || report.deadLettered > 0 || report.leftToLog.length > 0 || env.EVENTS_LOG_BATCHES === 'on') {
          const summary = { ...report, persisted: report.persisted.length, leftToLog: report.leftToLog.length, messages: batch.messages.length, batchMs: Date.now() - started };
          console.log(`${EVENTS_QUEUE}:`, JSON.stringify(summary));
        }
        await tellIngestLog(env, 'ack', report.persisted);
        await tellIngestLog(env, 'sendLater', report.leftToLog);
      } else if (batch.queue === EVENTS_DLQ) {
        await consumeDeadLetterBatch(batch, db);
        // Kept in dead_letters (replayable): the ingest log may let them go.
        await tellIngestLog(env, 'ack', batch.messages.flatMap((m) => loggedKeys(m.body)));
      } else {
        console.error(`no consumer for queue ${batch.queue}; retrying`);
        batch.retryAll();
      }
    } finally {
      ctx.waitUntil(close().catch(() => {}));
    }
  },

  async scheduled(controller: ScheduledController, env: Env, ctx: ExecutionContext) {
    // After a restart nothing may have woken the ingest log yet: its constructor resends what is unacked.
    if (ingestLogEnabled(env)) await ingestLogStub(env.INGEST_LOG_DO).stats().catch((err) => logWarn('ingest log unreachable', err));
    const { db, close } = createDb(dbConfigFromEnv(env));
    try {
      const lifecycle = {
        emit: (projectId: string, event: SparkEventV1) => acceptEvents(env, projectId, [event], () => ({ kind: 'edge' })),
        letGo: async (sessionId: string, reason: LetGoReason) => void (await roomStub(env.SESSION_ROOM, sessionId).letGo(reason)),
      };
      const digests = {
        makeDue: (d: typeof db, now: Date) => makeDueDigests(d, digestLlm(env), now),
        deliverDue: async (d: typeof db, now: Date) => deliverDue(d, await deliveryDepsOf(env), now),
      };
      const done = await runCron(controller.cron, db, new Date(controller.scheduledTime), { retentionMonths: retentionMonths(env.EVENT_RETENTION_MONTHS), lifecycle, digests });
      console.log(`cron ${controller.cron}:`, JSON.stringify(done));
    } finally {
      ctx.waitUntil(close().catch(() => {}));
    }
  },
} satisfies ExportedHandler<Env, unknown>;

/**
 * Tells the ingest log which events are safe in Postgres (`ack`) or were dropped from the queue
 * while it was away (`sendLater`). If the log cannot be told, it resends them after its timeout.
 */
async function tellIngestLog(env: Env, what: 'ack' | 'sendLater', keys: LoggedEventKey[]) {
  if (keys.length === 0) return;
  try {
    await ingestLogStub(env.INGEST_LOG_DO)[what](keys);
  } catch (err) {
    logWarn(`ingest log ${what} failed; the log will resend those events`, err);
  }
}
