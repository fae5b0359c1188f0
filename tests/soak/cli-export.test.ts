import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { userWithProject } from '../support/api';
import { rssOf, startCli } from '../support/spark-cli';
import { startWorkerWithDb, type WorkerWithDb } from '../support/worker-db';

// Issue 10: "the process's memory stays flat while exporting", for `spark events export`.
// 200,000 events of ~600 bytes (≈ 120 MiB of NDJSON) seeded straight into Postgres, exported
// through the CLI against the edge in workerd while the CLI's resident memory is read from /proc.
// In the soak suite: on the 2-core test machine the export alone takes over a minute.
const N = Number(process.env.CLI_EXPORT_EVENTS ?? 200_000);

describe('spark events export of a large log', () => {
  let stack: WorkerWithDb;
  let dir: string;

  beforeAll(async () => {
    stack = await startWorkerWithDb('cli_export');
    dir = await mkdtemp(join(tmpdir(), 'spark-cli-export-'));
  });
  afterAll(async () => {
    await stack?.dispose();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it(`exports ${N} events with flat memory`, async () => {
    const p = await userWithProject(stack.worker.url, 'big');
    await stack.sql`
      insert into spark_events (id, occurred_at, project_id, session_id, source, kind, type, payload)
      select gen_random_uuid(), now() - (i * interval '1 millisecond'), ${p.projectId}, 'big', 'seed', 'system', 'seed.event',
             jsonb_build_object('i', i, 'pad', repeat(md5(i::text), 14))
      from generate_series(1, ${N}) as i`;
    const file = join(dir, 'big.ndjson');
    const run = startCli(['events', 'export', file], { configDir: join(dir, 'big'), env: { SPARK_URL: stack.worker.url, SPARK_TOKEN: p.token } });
    const samples: { rss: number; bytes: number }[] = [];
    const started = Date.now();
    for (;;) {
      const rss = await rssOf(run.child);
      if (rss === null || run.child.exitCode !== null) break;
      const bytes = await stat(file).then((s) => s.size, () => 0);
      samples.push({ rss, bytes });
      await new Promise((r) => setTimeout(r, 50));
    }
    const result = await run.done;
    const seconds = (Date.now() - started) / 1000;
    expect(result.code).toBe(0);
    const size = (await stat(file)).size;
    expect(size).toBeGreaterThan(N * 550);
    expect(result.stderr).toContain(`exported ${N.toLocaleString('en-US')} events`);
    // Memory once the stream is running (the first tenth written) against the most it ever held.
    const warm = samples.filter((s) => s.bytes > 0 && s.bytes <= size / 10);
    const during = samples.filter((s) => s.bytes > size / 10);
    expect(warm.length).toBeGreaterThan(0);
    expect(during.length).toBeGreaterThan(10);
    const base = Math.max(...warm.map((s) => s.rss));
    const peak = Math.max(...during.map((s) => s.rss));
    console.log(`export of ${N} events (${(size / 1048576).toFixed(0)} MiB) in ${seconds.toFixed(1)} s; RSS ${(base / 1048576).toFixed(0)} → peak ${(peak / 1048576).toFixed(0)} MiB over ${samples.length} samples`);
    // Holding the log would add the whole file (≈ 120 MiB); streaming adds buffers only.
    expect(peak - base).toBeLessThan(40 * 1048576);
  }, 600_000);
});
