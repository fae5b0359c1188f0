// NDJSON in, events stored: read as a stream, validated line by line, inserted a batch at a time
// (idempotently, so importing a file twice stores nothing twice), into partitions made for
// whatever months the events fall in (an event log can be years old).
import { sparkEventV1, type EventQueueMessage } from '../../contracts/event';
import { firstIssue } from '../../contracts/errors';
import { DEFAULT_JSON_SHAPE } from '../../contracts/json-shape';
import type { Db } from '../../db/client';
import { insertEventBatch } from '../../db/queries/events';
import { ensureEventPartitions } from '../../db/partitions';
import { HttpError } from '../http/errors';
import { parseJsonLimited } from '../http/validate';

export const IMPORT_BATCH_SIZE = 500;
/** One event is at most a 64 KiB payload plus its envelope; a line far longer is not an event. */
export const MAX_LINE_CHARS = 1024 * 1024;
/** Rejected lines named one by one in the report; past this only counted. */
export const MAX_REPORTED_REJECTIONS = 100;

export interface ImportReport {
  lines: number;
  imported: number;
  duplicates: number;
  rejected: number;
  rejections: { line: number; code: string; message: string; path?: string }[];
}

export async function importEventLog(db: Db, projectId: string, body: ReadableStream<Uint8Array>, receivedAt = Date.now()): Promise<ImportReport> {
  const report: ImportReport = { lines: 0, imported: 0, duplicates: 0, rejected: 0, rejections: [] };
  const months = new Set<string>();
  let batch: EventQueueMessage[] = [];
  const reject = (line: number, code: string, message: string, path?: string) => {
    report.rejected++;
    if (report.rejections.length < MAX_REPORTED_REJECTIONS) report.rejections.push({ line, code, message, ...(path ? { path } : {}) });
  };
  const flush = async () => {
    if (batch.length === 0) return;
    for (const m of batch) {
      const month = new Date(m.event.ts * 1000).toISOString().slice(0, 7);
      if (months.has(month)) continue;
      await ensureEventPartitions(db, new Date(`${month}-01T00:00:00Z`), 1);
      months.add(month);
    }
    const inserted = await insertEventBatch(db, batch);
    report.imported += inserted;
    report.duplicates += batch.length - inserted;
    batch = [];
  };
  const take = async (text: string, line: number) => {
    if (text.trim() === '') return;
    let raw: unknown;
    try {
      raw = parseJsonLimited(text, DEFAULT_JSON_SHAPE, (m) => new Error(m));
    } catch (err) {
      return reject(line, 'invalid_json', (err as Error).message);
    }
    const parsed = sparkEventV1.safeParse(raw);
    if (!parsed.success) {
      const issue = firstIssue(parsed.error);
      return reject(line, 'invalid_event', issue.message, issue.path || undefined);
    }
    batch.push({ projectId, event: parsed.data, receivedAt, producer: { kind: 'user' } });
    if (batch.length >= IMPORT_BATCH_SIZE) await flush();
  };

  const decoder = new TextDecoder();
  let pending = '';
  const reader = body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    pending += done ? decoder.decode() : decoder.decode(value, { stream: true });
    const lines = pending.split('\n');
    pending = lines.pop()!;
    for (const text of lines) await take(text, ++report.lines);
    if (pending.length > MAX_LINE_CHARS) {
      await reader.cancel().catch(() => {});
      throw new HttpError(400, 'line_too_long', `line ${report.lines + 1} is longer than ${MAX_LINE_CHARS} characters; nothing after it was imported`);
    }
    if (done) break;
  }
  if (pending.length > 0) await take(pending, ++report.lines);
  await flush();
  return report;
}
