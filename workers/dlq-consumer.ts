import type { Db } from '../db/client';
import { insertDeadLetters } from '../db/queries/dead-letters';
import { EVENTS_QUEUE, projectIdOf } from './event-consumer';

export const EVENTS_DLQ = 'spark-events-dlq';

/**
 * Messages that exhausted their retries on `spark-events` arrive here and are kept in
 * `dead_letters`, from where they can be replayed. If Postgres is down the batch is retried
 * (the DLQ has a generous retry budget of its own).
 */
export async function consumeDeadLetterBatch(batch: MessageBatch<unknown>, db: Db): Promise<number> {
  await insertDeadLetters(
    db,
    batch.messages.map((m) => ({
      queue: EVENTS_QUEUE,
      messageId: m.id,
      projectId: projectIdOf(m.body),
      body: m.body,
      error: `retries exhausted on ${EVENTS_QUEUE}`,
      attempts: m.attempts,
    })),
  );
  batch.ackAll();
  return batch.messages.length;
}
