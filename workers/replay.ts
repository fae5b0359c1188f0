import type { EventQueueBody } from '../contracts/event';
import type { Db } from '../db/client';
import { letterBody, markReplayed, pendingDeadLetters } from '../db/queries/dead-letters';
import { sendInBatches } from './send-batches';

/** A letter's body (one event, a pack, or whatever broke the contract) without the ingest log's mark. */
function withoutLogMark(body: EventQueueBody): EventQueueBody {
  if (typeof body !== 'object' || body === null || !('logged' in body)) return body;
  const { logged: _logged, ...rest } = body;
  return rest as EventQueueBody;
}

/**
 * Puts a project's dead letters back on the events queue and marks them replayed. A letter that
 * fails again comes back as a new dead letter, so nothing is lost either way.
 */
export async function replayDeadLetters(db: Db, queue: Queue<EventQueueBody>, projectId: string, ids?: string[]): Promise<number> {
  const letters = await pendingDeadLetters(db, projectId, ids);
  if (letters.length === 0) return 0;
  // A replayed letter is no longer in the ingest log: the consumer must retry it, not leave it to the log.
  await sendInBatches(queue, letters.map((l) => withoutLogMark(letterBody(l) as EventQueueBody)));
  await markReplayed(db, letters.map((l) => l.id));
  return letters.length;
}
