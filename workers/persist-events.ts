import { eventQueueMessage, functionCallPayload, type EventQueueMessage } from '../contracts/event';
import type { Db } from '../db/client';
import { withEventPartitions } from '../db/partitions';
import { insertEventBatch, upsertFunctionCalls, type FunctionCallUpdate } from '../db/queries/events';

/** Writes a batch: one multi-row insert of the events, then one upsert of the function calls they describe. */
export async function persistEvents(db: Db, messages: EventQueueMessage[]): Promise<{ inserted: number }> {
  const inserted = await withEventPartitions(db, messages.map((m) => new Date(m.event.ts * 1000)), () => insertEventBatch(db, messages));
  await upsertFunctionCalls(db, functionCallUpdates(messages));
  return { inserted };
}

/** Tool events whose payload is a function call (`call_id`, `name`, `status`, …). */
export function functionCallUpdates(messages: EventQueueMessage[]): FunctionCallUpdate[] {
  const out: FunctionCallUpdate[] = [];
  for (const { projectId, event } of messages) {
    if (event.kind !== 'tool') continue;
    const call = functionCallPayload.safeParse(event.payload);
    if (call.success) out.push({ projectId, sessionId: event.session_id, ts: event.ts, call: call.data });
  }
  return out;
}

export type ParsedMessage<M> = { message: M; body: EventQueueMessage } | { message: M; error: string };

/** Bodies that do not match the contract can never succeed; they are told apart up front. */
export function parseMessages<M extends { body: unknown }>(messages: readonly M[]): ParsedMessage<M>[] {
  return messages.map((message) => {
    const parsed = eventQueueMessage.safeParse(message.body);
    return parsed.success
      ? { message, body: parsed.data }
      : { message, error: `invalid message: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}` };
  });
}
