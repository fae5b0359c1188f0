import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { SparkApi } from '../../cli/api';
import { exportEvents, importEvents, type Progress } from '../../cli/event-log';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { userWithProject } from '../support/api';
import type { SparkWorker } from '../support/spark-worker';
import { startWorkerWithDb, type WorkerWithDb } from '../support/worker-db';

// Issue 10 item 5: export a project's event log as NDJSON, import it into another project
// (events of any age), import again and store nothing twice.
// 20,000 by default keeps the suite quick on two cores; EVENT_LOG_TEST_EVENTS=100000 runs the size (~90 s).
const N = Number(process.env.EVENT_LOG_TEST_EVENTS ?? 20_000);

describe('the event log: export and import', () => {
  let h: WorkerWithDb;
  let worker: SparkWorker;
  let sql: postgres.Sql;

  beforeAll(async () => {
    h = await startWorkerWithDb('event_log');
    ({ worker, sql } = h);
  });
  afterAll(async () => {
    await h?.dispose();
  });

  const exportOf = async (token: string, projectId: string, query = '') => {
    const res = await fetch(`${worker.url}/api/projects/${projectId}/events/export${query}`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/x-ndjson');
    return res.text();
  };
  const importInto = async (token: string, projectId: string, body: string) => {
    const res = await fetch(`${worker.url}/api/projects/${projectId}/events/import`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-ndjson' },
      body,
    });
    return { status: res.status, body: (await res.json()) as any };
  };

  it(`moves ${N} events of several months (two years back included) to another project identically; a second import adds nothing`, async () => {
    const a = await userWithProject(worker.url, 'from');
    const b = await userWithProject(worker.url, 'to');
    // Seeded straight into Postgres: the point here is the log's export and import, not ingest.
    await sql`select spark_ensure_event_partitions('2024-11-01'::date, 4)`;
    await sql`
      insert into spark_events (id, occurred_at, project_id, session_id, source, kind, type, payload, trace_id)
      select gen_random_uuid(), timestamptz '2024-11-15T00:00:00Z' + (i * interval '75 seconds'), ${a.projectId}, 'sess-' || (i % 7), 'seed', 'system',
             'seed.event', jsonb_build_object('i', i, 'text', 'ünïcode ' || i), case when i % 3 = 0 then 'tr-' || i end
      from generate_series(1, ${N}) as i`;

    const exported = await exportOf(a.token, a.projectId);
    const lines = exported.trimEnd().split('\n');
    expect(lines).toHaveLength(N);
    const first = JSON.parse(lines[0]!);
    expect(first).toMatchObject({ v: 1, type: 'seed.event', source: 'seed', kind: 'system', payload: { i: 1 } });
    expect(JSON.parse(lines[N - 1]!).payload.i).toBe(N);

    const once = await importInto(b.token, b.projectId, exported);
    expect(once.status).toBe(200);
    expect(once.body).toEqual({ lines: N, imported: N, duplicates: 0, rejected: 0, rejections: [] });
    expect(await exportOf(b.token, b.projectId)).toBe(exported);

    const twice = await importInto(b.token, b.projectId, exported);
    expect(twice.body).toMatchObject({ imported: 0, duplicates: N, rejected: 0 });
    const [{ count }] = (await sql`select count(*)::int as count from spark_events where project_id = ${b.projectId}`) as any;
    expect(count).toBe(N);

    // Filters: one session, a time window.
    const session = (await exportOf(a.token, a.projectId, '?session_id=sess-3')).trimEnd().split('\n');
    expect(session.every((l) => JSON.parse(l).session_id === 'sess-3')).toBe(true);
    expect(session.length).toBe(Math.floor((N - 3) / 7) + 1);
    const window = (await exportOf(a.token, a.projectId, '?since=2024-11-15T00:02:30Z&until=2024-11-15T00:05:00Z')).trimEnd().split('\n');
    expect(window.map((l) => JSON.parse(l).payload.i)).toEqual([2, 3]);
  }, Math.max(60_000, N * 3));

  it('reports rejected lines by number and imports the good ones; a viewer cannot import', async () => {
    const p = await userWithProject(worker.url, 'lines');
    const good = (i: number) => JSON.stringify({ v: 1, id: crypto.randomUUID(), type: 'x.y', source: 's', kind: 'message', ts: Date.now() / 1000, session_id: 's', payload: { i } });
    const body = [good(1), 'not json', good(2), '', JSON.stringify({ v: 1, type: 'x.y' }), good(3)].join('\n');
    const res = await importInto(p.token, p.projectId, body);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ lines: 6, imported: 3, rejected: 2 });
    expect(res.body.rejections.map((r: { line: number; code: string }) => [r.line, r.code])).toEqual([
      [2, 'invalid_json'],
      [5, 'invalid_event'],
    ]);
    const token = await p.api.post(`/api/projects/${p.projectId}/tokens`, { name: 'r', scope: 'read' });
    expect((await importInto(token.body.token, p.projectId, good(4))).status).toBe(403);
    await exportOf(p.token, p.projectId, '?session_id=s');
    const log = await p.api.get(`/api/projects/${p.projectId}/audit`);
    const eventLogEntries = log.body.items.filter((e: { action: string }) => e.action.startsWith('events.'));
    expect(eventLogEntries.map((e: { action: string; meta: Record<string, unknown> }) => [e.action, e.meta.imported ?? e.meta.session_id])).toEqual([
      ['events.exported', 's'],
      ['events.imported', 3],
    ]);
  });

  it('the CLI exports to a file and imports it back streamed (no Content-Length), reporting progress', async () => {
    const a = await userWithProject(worker.url, 'cli-from');
    const b = await userWithProject(worker.url, 'cli-to');
    const M = 5_000;
    await sql`
      insert into spark_events (id, occurred_at, project_id, session_id, source, kind, type, payload)
      select gen_random_uuid(), now() - (i * interval '1 second'), ${a.projectId}, 's', 'seed', 'system', 'seed.event', jsonb_build_object('i', i, 'pad', repeat('p', 200))
      from generate_series(1, ${M}) as i`;
    const ingest = await b.api.post(`/api/projects/${b.projectId}/tokens`, { name: 'cli', scope: 'ingest' });
    const dir = await mkdtemp(join(tmpdir(), 'spark-events-'));
    try {
      const file = join(dir, 'log.ndjson');
      const exportSeen: Progress[] = [];
      expect(await exportEvents(new SparkApi({ edge: worker.url, kind: 'token', token: a.token }, false), a.projectId, file, {}, (p) => exportSeen.push({ ...p }))).toBe(M);
      expect(exportSeen.at(-1)!.lines).toBe(M);
      const importSeen: Progress[] = [];
      const report = await importEvents(new SparkApi({ edge: worker.url, kind: 'token', token: ingest.body.token }, false), b.projectId, file, (p) => importSeen.push({ ...p }));
      expect(report).toMatchObject({ lines: M, imported: M, duplicates: 0, rejected: 0 });
      expect(importSeen.length).toBeGreaterThan(1);
      expect(importSeen.at(-1)).toMatchObject({ lines: M, bytes: importSeen.at(-1)!.total });
      expect(await exportOf(b.token, b.projectId)).toBe(await readFile(file, 'utf8'));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
