// The reads bench's HTTP client, in a process of its own: the harness holds Miniflare, wrangler's
// config and the loaded rows (a heap of ~200 MB whose young-generation collections take 15–20 ms),
// and a request that waits on one of those pauses would time the harness, not the Worker. Here
// only requests run: node:http with one kept-alive connection, as a browser keeps one.
//
// Driven over IPC (fork): { id, base, path, token, runs, warm } → { id, ms[], body } (the last
// response's JSON), or { id, error }.
import http from 'node:http';
import { fork, type ChildProcess } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

export interface TimedRequests {
  base: string;
  path: string;
  token?: string;
  runs: number;
  warm: number;
}
export interface TimedResult {
  ms: number[];
  body: unknown;
}

/** Starts the client process; `time` runs one job there at a time. */
export function startReadClient() {
  const child: ChildProcess = fork(fileURLToPath(import.meta.url), ['--serve'], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  let next = 0;
  const waiting = new Map<number, { ok: (r: TimedResult) => void; fail: (e: Error) => void }>();
  child.on('message', (m: { id: number; error?: string } & Partial<TimedResult>) => {
    const w = waiting.get(m.id);
    waiting.delete(m.id);
    if (m.error !== undefined) w?.fail(new Error(m.error));
    else w?.ok({ ms: m.ms!, body: m.body });
  });
  child.once('exit', (code) => {
    for (const w of waiting.values()) w.fail(new Error(`the read client exited (${code})`));
    waiting.clear();
  });
  return {
    time(job: TimedRequests): Promise<TimedResult> {
      const id = next++;
      return new Promise((ok, fail) => {
        waiting.set(id, { ok, fail });
        child.send({ id, ...job });
      });
    },
    close(): Promise<void> {
      if (child.exitCode !== null) return Promise.resolve();
      return new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.kill();
      });
    },
  };
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

function get(base: string, path: string, token?: string): Promise<{ status: number; text: string }> {
  const url = new URL(path, base);
  return new Promise((resolve, reject) => {
    const req = http.get({ host: url.hostname, port: url.port, path: url.pathname + url.search, agent, headers: token ? { authorization: `Bearer ${token}` } : {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

async function run(job: TimedRequests): Promise<TimedResult> {
  const once = async () => {
    const res = await get(job.base, job.path, job.token);
    if (res.status !== 200) throw new Error(`GET ${job.path}: ${res.status} ${res.text.slice(0, 300)}`);
    return res.text;
  };
  for (let i = 0; i < job.warm; i++) await once();
  const ms: number[] = [];
  let text = '';
  for (let i = 0; i < job.runs; i++) {
    const s = performance.now();
    text = await once();
    ms.push(performance.now() - s);
  }
  return { ms, body: JSON.parse(text) };
}

if (process.argv.includes('--serve')) {
  process.on('message', (m: { id: number } & TimedRequests) => {
    run(m).then(
      (r) => process.send!({ id: m.id, ...r }),
      (err: Error) => process.send!({ id: m.id, error: err.message }),
    );
  });
  process.on('disconnect', () => process.exit(0));
}
