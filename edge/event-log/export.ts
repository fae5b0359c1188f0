// The event log as NDJSON (one SparkEventV1 per line), streamed a page at a time: the reader's
// pace pulls the next page, so memory holds one page whatever the log's size.
import type { SparkEventV1 } from '../../contracts/event';
import type { DbHandle } from '../../db/client';
import { eventLogPage, type EventLogFilter, type EventLogKey } from '../../db/queries/event-log';

export const EXPORT_PAGE_SIZE = 1000;
const encoder = new TextEncoder();

/**
 * A stream of the project's events matching `filter`, oldest first. It owns `handle` (a response
 * outlives the request's own database client) and closes it when done, failed or cancelled.
 */
export function exportEventLog(handle: DbHandle, filter: EventLogFilter, pageSize = EXPORT_PAGE_SIZE): ReadableStream<Uint8Array> {
  let after: EventLogKey | null = null;
  const close = () => handle.close().catch(() => {});
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          const rows = await eventLogPage(handle.readDb ?? handle.db, filter, after, pageSize);
          if (rows.length > 0) {
            const last = rows[rows.length - 1]!;
            after = { at: last.at, id: last.id };
            controller.enqueue(encoder.encode(rows.map((r) => JSON.stringify(toEvent(r))).join('\n') + '\n'));
          }
          if (rows.length < pageSize) {
            controller.close();
            await close();
          }
        } catch (err) {
          controller.error(err);
          await close();
        }
      },
      cancel: close,
    },
    { highWaterMark: 1 },
  );
}

function toEvent(r: Awaited<ReturnType<typeof eventLogPage>>[number]): SparkEventV1 {
  return {
    v: 1,
    id: r.id,
    type: r.type,
    source: r.source,
    kind: r.kind,
    ts: r.ts,
    session_id: r.sessionId,
    payload: r.payload as SparkEventV1['payload'],
    ...(r.traceId ? { trace_id: r.traceId } : {}),
  };
}
