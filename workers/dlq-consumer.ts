import type { Db } from '../db/client';
import { insertDeadLetters, type NewDeadLetter } from '../db/queries/dead-letters';
import { isDatabaseUnavailable } from './db-errors';
import { EVENTS_QUEUE, errorText, projectIdOf } from './event-consumer';
import { logError, logWarn } from './safe-log';

export const EVENTS_DLQ = 'spark-events-dlq';

/**
 * Messages that exhausted their retries on `spark-events` arrive here and are kept in
 * `dead_letters`, from where they can be replayed. The batch goes in with one insert; if
 * Postgres is down every message is retried (the DLQ has a generous retry budget of its own);
 * if Postgres refuses the batch, each message is stored on its own and acked or retried on its
 * own, so one letter can never take another with it. Returns how many were stored.
 */
export async function consumeDeadLetterBatch(batch: MessageBatch<unknown>, db: Db): Promise<number> {
  const letterOf = (m: Message<unknown>): NewDeadLetter => ({
    queue: EVENTS_QUEUE,
    messageId: m.id,
    projectId: projectIdOf(m.body),
    body: m.body,
    error: `retries exhausted on ${EVENTS_QUEUE}`,
    attempts: m.attempts,
  });
  try {
    await insertDeadLetters(db, batch.messages.map(letterOf));
    batch.ackAll();
    return batch.messages.length;
  } catch (err) {
    if (isDatabaseUnavailable(err)) {
      logWarn(`postgres unavailable, retrying ${batch.messages.length} dead letters`, err);
      batch.retryAll();
      return 0;
    }
    logWarn('dead-letter batch refused, storing letters one by one', err);
  }
  let stored = 0;
  for (const m of batch.messages) {
    try {
      await storeAlone(db, letterOf(m));
      m.ack();
      stored++;
    } catch (err) {
      logError(`dead letter ${m.id} not stored (attempt ${m.attempts}), retrying`, err);
      m.retry();
    }
  }
  return stored;
}

/**
 * One letter. The body is stored whatever its text (see insertDeadLetters), so what Postgres can
 * still refuse is the project reference (a project deleted meanwhile, or a made-up id): the
 * letter is then kept without it rather than lost.
 */
async function storeAlone(db: Db, letter: NewDeadLetter): Promise<void> {
  try {
    await insertDeadLetters(db, [letter]);
  } catch (err) {
    if (isDatabaseUnavailable(err) || letter.projectId === null) throw err;
    await insertDeadLetters(db, [{ ...letter, projectId: null, error: `${letter.error}; kept without its project ${letter.projectId}: ${errorText(err)}` }]);
  }
}
