// The event log to and from NDJSON, streamed both ways (GET …/events/export, POST …/events/import):
// neither side holds the log in memory, whatever its size.
import { createReadStream, createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable, Transform, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { apiFailure, type SparkApi } from './api';

export interface Progress {
  bytes: number;
  lines: number;
  /** Import only: the file's size, for a percentage. */
  total?: number;
}

export interface ExportFilter {
  session_id?: string;
  since?: string;
  until?: string;
}

export interface ImportReport {
  lines: number;
  imported: number;
  duplicates: number;
  rejected: number;
  rejections: { line: number; code: string; message: string }[];
}

/** Streams the project's event log into `to` (a file path, or a stream such as stdout); resolves with the number of events written. */
export async function exportEvents(api: SparkApi, projectId: string, to: string | Writable, filter: ExportFilter = {}, onProgress: (p: Progress) => void = () => {}) {
  const res = await api.request('GET', `/api/projects/${projectId}/events/export`, { query: { ...filter } });
  if (res.status !== 200 || !res.body) throw await apiFailure(res);
  const progress: Progress = { bytes: 0, lines: 0 };
  const sink = typeof to === 'string' ? createWriteStream(to) : to;
  await pipeline(Readable.fromWeb(res.body as WebReadableStream), counter(progress, onProgress), sink, { end: typeof to === 'string' });
  return progress.lines;
}

/** Streams `file` (NDJSON) into the project; resolves with the edge's report. */
export async function importEvents(api: SparkApi, projectId: string, file: string, onProgress: (p: Progress) => void = () => {}): Promise<ImportReport> {
  const progress: Progress = { bytes: 0, lines: 0, total: (await stat(file)).size };
  const body = Readable.toWeb(createReadStream(file).pipe(counter(progress, onProgress))) as ReadableStream;
  const res = await api.request('POST', `/api/projects/${projectId}/events/import`, { body, headers: { 'content-type': 'application/x-ndjson' } });
  if (res.status !== 200) throw await apiFailure(res);
  return (await res.json()) as ImportReport;
}

/** Passes bytes through, counting bytes and newlines for the progress line. */
function counter(progress: Progress, onProgress: (p: Progress) => void) {
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      progress.bytes += chunk.length;
      for (let i = chunk.indexOf(10); i >= 0; i = chunk.indexOf(10, i + 1)) progress.lines++;
      onProgress(progress);
      done(null, chunk);
    },
  });
}
