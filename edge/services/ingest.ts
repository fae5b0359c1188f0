import { sparkEventV1, type EventProducer, type EventQueueMessage, type SparkEventV1 } from '../../contracts/event';
import { firstIssue } from '../../contracts/errors';
import { sendInBatches } from '../../workers/send-batches';

export interface Rejection {
  index: number;
  error: { code: string; message: string; path?: string };
}

/** Validates each event on its own: the valid ones go on, the others are named by index and field. */
export function splitEvents(raw: readonly unknown[]): { valid: SparkEventV1[]; rejected: Rejection[] } {
  const valid: SparkEventV1[] = [];
  const rejected: Rejection[] = [];
  raw.forEach((item, index) => {
    const r = sparkEventV1.safeParse(item);
    if (r.success) valid.push(r.data);
    else rejected.push({ index, error: { ...firstIssue(r.error), code: 'invalid_event' } });
  });
  return { valid, rejected };
}

/** Hands valid events to the queue, each marked with its producer; the consumer persists them idempotently. */
export async function enqueueEvents(queue: Queue<EventQueueMessage>, projectId: string, events: readonly SparkEventV1[], producerOf: (e: SparkEventV1) => EventProducer, receivedAt = Date.now()) {
  await sendInBatches(queue, events.map((event) => ({ projectId, event, receivedAt, producer: producerOf(event) })));
}
