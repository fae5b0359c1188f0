// The event log's export (NDJSON, one SparkEventV1 per line) and import shapes.
import { z } from 'zod';
import { eventsQuery } from './api';

export const NDJSON_MEDIA_TYPE = 'application/x-ndjson';
/** An import body: streamed, never held whole. */
export const MAX_EVENT_IMPORT_BYTES = 100 * 1024 * 1024;

export const eventExportQuery = eventsQuery.pick({ session_id: true, since: true, until: true });

export const eventImportReport = z.object({
  lines: z.int(),
  imported: z.int(),
  /** Events already in the project (an import repeated, or overlapping an earlier one). */
  duplicates: z.int(),
  rejected: z.int(),
  /** The first rejected lines, by 1-based line number. */
  rejections: z.array(z.object({ line: z.int(), code: z.string(), message: z.string(), path: z.string().optional() })),
});
