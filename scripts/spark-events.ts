// `spark events export|import`: the event log to and from NDJSON files, streamed both ways, with
// progress on stderr. Usage:
//   SPARK_URL=https://… SPARK_TOKEN=… tsx scripts/spark-events.ts export <projectId> <file> [--session S] [--since T] [--until T]
//   SPARK_URL=https://… SPARK_TOKEN=… tsx scripts/spark-events.ts import <projectId> <file>
import { createReadStream, createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';

export interface Progress {
  bytes: number;
  lines: number;
  /** Import only: the file's size, for a percentage. */
  total?: number;
}

interface Target {
  url: string;
  token: string;
  projectId: string;
}

/** Streams the project's event log into `file`; resolves with the number of events written. */
export async function exportEvents(t: Target, file: string, filter: { session_id?: string; since?: string; until?: string } = {}, onProgress: (p: Progress) => void = () => {}) {
  const query = new URLSearchParams(Object.entries(filter).filter((e): e is [string, string] => e[1] !== undefined)).toString();
  const res = await fetch(`${t.url}/api/projects/${t.projectId}/events/export${query ? `?${query}` : ''}`, { headers: { authorization: `Bearer ${t.token}` } });
  if (res.status !== 200 || !res.body) throw new Error(`export failed: ${res.status} ${await res.text()}`);
  const progress: Progress = { bytes: 0, lines: 0 };
  await pipeline(Readable.fromWeb(res.body as import('node:stream/web').ReadableStream), counter(progress, onProgress), createWriteStream(file));
  return progress.lines;
}

/** Streams `file` (NDJSON) into the project; resolves with the edge's report. */
export async function importEvents(t: Target, file: string, onProgress: (p: Progress) => void = () => {}) {
  const progress: Progress = { bytes: 0, lines: 0, total: (await stat(file)).size };
  const body = Readable.toWeb(createReadStream(file).pipe(counter(progress, onProgress)));
  const res = await fetch(`${t.url}/api/projects/${t.projectId}/events/import`, {
    method: 'POST',
    headers: { authorization: `Bearer ${t.token}`, 'content-type': 'application/x-ndjson' },
    body: body as ReadableStream,
    duplex: 'half',
  } as RequestInit);
  const report = await res.json();
  if (res.status !== 200) throw new Error(`import failed: ${res.status} ${JSON.stringify(report)}`);
  return report as { lines: number; imported: number; duplicates: number; rejected: number; rejections: { line: number; code: string; message: string }[] };
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

function printProgress(verb: string) {
  let last = 0;
  return (p: Progress) => {
    if (Date.now() - last < 250) return;
    last = Date.now();
    const pct = p.total ? ` (${Math.floor((100 * p.bytes) / p.total)}%)` : '';
    process.stderr.write(`\r${verb} ${p.lines} events, ${(p.bytes / 1048576).toFixed(1)} MiB${pct}   `);
  };
}

async function main(argv: string[]) {
  const [command, projectId, file, ...rest] = argv;
  const url = process.env.SPARK_URL?.replace(/\/$/, '');
  const token = process.env.SPARK_TOKEN;
  if (!url || !token || !projectId || !file || (command !== 'export' && command !== 'import')) {
    console.error('usage: SPARK_URL=… SPARK_TOKEN=… spark events export|import <projectId> <file> [--session S] [--since T] [--until T]');
    process.exit(2);
  }
  const flag = (name: string) => {
    const i = rest.indexOf(`--${name}`);
    return i >= 0 ? rest[i + 1] : undefined;
  };
  if (command === 'export') {
    const n = await exportEvents({ url, token, projectId }, file, { session_id: flag('session'), since: flag('since'), until: flag('until') }, printProgress('exported'));
    process.stderr.write(`\nexported ${n} events to ${file}\n`);
  } else {
    const report = await importEvents({ url, token, projectId }, file, printProgress('sent'));
    process.stderr.write(`\nimported ${report.imported}, already there ${report.duplicates}, rejected ${report.rejected} of ${report.lines} lines\n`);
    for (const r of report.rejections) process.stderr.write(`  line ${r.line}: ${r.code}: ${r.message}\n`);
    if (report.rejected > 0) process.exitCode = 1;
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  // `spark events export …` and `spark-events export …` alike.
  main(args[0] === 'events' ? args.slice(1) : args).catch((err: Error) => {
    console.error(err.message);
    process.exit(1);
  });
}

