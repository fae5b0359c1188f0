// The editor's scripts API on the real Worker and Postgres: the session's scripts are the newest
// change per path of its history (a deleted one is gone), one script's newest text by path, and
// bad input answers a 4xx that names the field.
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { userWithProject } from '../support/api';
import { startSparkWorker, type SparkWorker } from '../support/spark-worker';
import { createTestDatabase, type TestDatabase } from '../support/test-db';

describe('scripts API', () => {
  let db: TestDatabase;
  let worker: SparkWorker;
  let sql: postgres.Sql;

  beforeAll(async () => {
    db = await createTestDatabase('scriptsapi');
    sql = postgres(db.url, { max: 1, onnotice: () => {} });
    worker = await startSparkWorker({ databaseUrl: db.url });
  });
  afterAll(async () => {
    await sql?.end();
    await worker?.dispose();
    await db?.drop();
  });

  it('lists the newest text of each script the session wrote, and reads one', async () => {
    const u = await userWithProject(worker.url, 'scripts');
    const s = (await u.api.post(`/api/projects/${u.projectId}/sessions`, { name: 'Edit' })).body as { id: string };
    const other = (await u.api.post(`/api/projects/${u.projectId}/sessions`, { name: 'Other' })).body as { id: string };
    const base = `/api/projects/${u.projectId}/sessions/${s.id}/scripts`;
    expect((await u.api.get(base)).body).toEqual({ items: [] });

    const change = (session: string, path: string, op: string, before: string | null, after: string | null, at: string) =>
      sql`insert into patches (project_id, session_id, path, op, before_content, after_content, after_sha256, created_at)
          values (${u.projectId}, ${session}, ${path}, ${op}, ${before}, ${after}, ${after === null ? null : `sha-${after.length}`}, ${at})`;
    await change(s.id, 'Assets/B.cs', 'create', null, 'class B {}', '2026-01-01T10:00:00Z');
    await change(s.id, 'Assets/A.cs', 'create', null, 'class A {}', '2026-01-01T10:01:00Z');
    await change(s.id, 'Assets/A.cs', 'modify', 'class A {}', 'class A { int é; }', '2026-01-01T10:02:00Z');
    await change(s.id, 'Assets/Gone.cs', 'create', null, 'class Gone {}', '2026-01-01T10:03:00Z');
    await change(s.id, 'Assets/Gone.cs', 'delete', 'class Gone {}', null, '2026-01-01T10:04:00Z');
    await change(other.id, 'Assets/Elsewhere.cs', 'create', null, 'class E {}', '2026-01-01T10:05:00Z');

    const list = await u.api.get(base);
    expect(list.status).toBe(200);
    expect(list.body.items.map((i: { path: string; bytes: number }) => [i.path, i.bytes])).toEqual([
      ['Assets/A.cs', 19],
      ['Assets/B.cs', 10],
    ]);
    expect(list.body.items[0]).toMatchObject({ sha256: 'sha-18', updated_at: '2026-01-01T10:02:00.000Z' });

    const one = await u.api.get(`${base}/content?path=${encodeURIComponent('Assets/A.cs')}`);
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ path: 'Assets/A.cs', content: 'class A { int é; }', bytes: 19, sha256: 'sha-18' });

    const gone = await u.api.get(`${base}/content?path=${encodeURIComponent('Assets/Gone.cs')}`);
    expect(gone.status).toBe(404);
    expect(gone.body.error).toMatchObject({ code: 'not_found', path: 'path' });
    expect((await u.api.get(`${base}/content?path=${encodeURIComponent('Assets/Elsewhere.cs')}`)).status).toBe(404);

    const bad = await u.api.get(`${base}/content?path=${encodeURIComponent('../etc/passwd.cs')}`);
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ code: 'invalid_query', path: 'path' });
    const missing = await u.api.get(`${base}/content`);
    expect(missing.status).toBe(400);
    expect(missing.body.error.path).toBe('path');

    // Someone else's session reveals nothing.
    const stranger = await userWithProject(worker.url, 'stranger');
    expect((await stranger.api.get(base)).status).toBe(404);
  });
});
