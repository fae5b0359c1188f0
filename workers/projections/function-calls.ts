// function_calls: one row per call, merged from its status changes. Spark's own `tool.call`
// events are read through the catalog; outside tools report calls in the public format as
// `kind: 'tool'` events of any type outside the catalog, read with functionCallPayload.
import { functionCallPayload, type EventQueueMessage } from '../../contracts/event';
import { isCatalogType } from '../../contracts/event-catalog';
import type { FunctionCallUpdate } from '../../db/queries/events';
import { defineProjection } from './projection';

export const functionCalls = {
  ...defineProjection({
    name: 'function_calls',
    reads: ['tool.call'],
    rows: (events): FunctionCallUpdate[] =>
      events.map((e) => {
        const { content_omitted: _, ...call } = e.payload;
        return { projectId: e.projectId, sessionId: e.sessionId, ts: e.ts, call };
      }),
  }),
  /** Besides its catalog type: `kind: 'tool'` events of types outside the catalog. */
  readsForeignKind: 'tool' as const,
  foreignRows(messages: readonly EventQueueMessage[]): FunctionCallUpdate[] {
    const out: FunctionCallUpdate[] = [];
    for (const { projectId, event } of messages) {
      if (event.kind !== 'tool' || isCatalogType(event.type)) continue;
      const call = functionCallPayload.safeParse(event.payload);
      if (call.success) out.push({ projectId, sessionId: event.session_id, ts: event.ts, call: call.data });
    }
    return out;
  },
};

