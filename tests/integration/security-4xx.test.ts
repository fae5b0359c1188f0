// Issue 15, item 5: inputs that used to reach Postgres and come back as 500s. Each must be a 4xx
// that names what was wrong, and leave nothing written.
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueAccessToken } from '../../edge/auth/access-token';
import { apiClient, userWithProject } from '../support/api';
import { TEST_JWT_SECRET, type SparkWorker } from '../support/spark-worker';
import { startWorkerWithDb, type WorkerWithDb } from '../support/worker-db';

const b64url = (s: string) => Buffer.from(s, 'latin1').toString('base64url');
const UUID = '0b9c1f4e-8a1d-4c4e-9f59-1f0f2b7c9a11';

describe('security: bad input is a 4xx, never a 500', () => {
  let h: WorkerWithDb;
  let worker: SparkWorker;
  let sql: postgres.Sql;

  beforeAll(async () => {
    h = await startWorkerWithDb('sec_4xx');
    ({ worker, sql } = h);
  });
  afterAll(async () => {
    await h?.dispose();
  });

  it('refuses NUL and lone surrogates in names, naming the field, and writes nothing', async () => {
    const u = await userWithProject(worker.url, 'nul');
    const p = `/api/projects/${u.projectId}`;
    const before = await sql`select (select count(*) from projects)::int as projects, (select count(*) from sessions)::int as sessions, (select count(*) from api_tokens)::int as tokens`;
    for (const bad of ['a\u0000b', '\u0000', 'x\ud800', 'y\udc00z', 'tab\there']) {
      const cases = [
        await u.api.post('/api/projects', { name: bad }),
        await u.api.post(`${p}/sessions`, { name: bad }),
        await u.api.post(`${p}/tokens`, { name: bad, scope: 'read' }),
        await apiClient(worker.url).post('/api/agent/pair', { code: 'ABCD-EFGH', name: bad }),
      ];
      for (const res of cases) {
        expect(res.status, JSON.stringify(bad)).toBe(400);
        expect(res.body.error.path).toBe('name');
        expect(res.body.error.message).toMatch(/NUL|control|surrogate/);
      }
      const code = await apiClient(worker.url).post('/api/agent/pair', { code: `ABCD${bad}EFGH`, name: 'pc' });
      expect(code.status).toBe(400);
      expect(code.body.error.path).toBe('code');
    }
    const after = await sql`select (select count(*) from projects)::int as projects, (select count(*) from sessions)::int as sessions, (select count(*) from api_tokens)::int as tokens`;
    expect(after).toEqual(before);
  });

  it('refuses NUL in query strings and since/until out of range', async () => {
    const u = await userWithProject(worker.url, 'query');
    const p = `/api/projects/${u.projectId}`;
    const session = (await u.api.post(`${p}/sessions`, { name: 'main' })).body;
    const changes = `${p}/sessions/${session.id}/changes`;
    const cases: [string, string][] = [
      [`${p}/events?session_id=a%00b`, 'session_id'],
      [`${p}/events?type=x%00`, 'type'],
      [`${p}/events?cursor=%00`, 'cursor'],
      [`${changes}?path=Assets%2Fa%00.cs`, 'path'],
      [`${p}/events?since=1e308`, 'since'],
      [`${p}/events?since=99999999999999`, 'since'],
      [`${p}/events?until=${'9'.repeat(400)}`, 'until'],
      [`${p}/events?since=275760-09-13T00:00:00Z`, 'since'],
      [`${p}/events?until=9999-12-31T23:59:59Z`, 'until'],
      [`${changes}?since=1e400`, 'since'],
      [`${changes}?until=99999999999999`, 'until'],
    ];
    for (const [url, field] of cases) {
      const res = await u.api.get(url);
      expect(res.status, url).toBe(400);
      expect(res.body.error.path, url).toBe(field);
    }
    // In range still works.
    expect((await u.api.get(`${p}/events?since=0&until=32503680000`)).status).toBe(200);
  });

  it('refuses every crafted cursor with 400 naming cursor', async () => {
    const u = await userWithProject(worker.url, 'cursor');
    const p = `/api/projects/${u.projectId}/events?cursor=`;
    const crafted = [
      `12|${UUID}`,
      `2026-02-30T00:00:00.000000Z|${UUID}`,
      `2026-13-01T00:00:00.000000Z|${UUID}`,
      `2026-01-01T24:00:00.000000Z|${UUID}`,
      `2026-01-01T00:60:00.000000Z|${UUID}`,
      `0001-01-01T00:00:00.000000Z|${UUID}`,
      `275760-09-13T00:00:00.000000Z|${UUID}`,
      `2026-01-01|${UUID}`,
      `2026-01-01T00:00:00Z|${UUID}`,
      `now|${UUID}`,
      `infinity|${UUID}`,
      `-infinity|${UUID}`,
      `epoch|${UUID}`,
      `2026-01-01T00:00:00.000000Z|not-a-uuid`,
      `2026-01-01T00:00:00.000000Z|${'g'.repeat(36)}`,
      `2026-01-01T00:00:00.000000Z|------------------------------------`,
      `2026-01-01T00:00:00.000000Z|${UUID}|extra`,
      `2026-01-01T00:00:00.000000Z`,
      `|`,
      `2026-01-01T00:00:00.000000Z\u0000|${UUID}`,
      `2026-01-01T00:00:00.000000Z|${UUID}\u0000`,
      `2026-01-01T00:00:00.000000Z+01|${UUID}`,
    ];
    for (const c of crafted) {
      const res = await u.api.get(p + b64url(c));
      expect(res.status, c).toBe(400);
      expect(res.body.error).toMatchObject({ code: 'invalid_query', path: 'cursor' });
    }
    for (const raw of ['!!!', 'a', '%ff', '====']) expect((await u.api.get(p + raw)).status, raw).toBe(400);
    // A real cursor still pages.
    const real = await u.api.get(p + b64url(`2026-01-01T00:00:00.000000Z|${UUID}`));
    expect(real.status).toBe(200);
  });

  it('answers 401 to a valid access token of a deleted account', async () => {
    const u = await userWithProject(worker.url, 'deleted');
    const ghost = await issueAccessToken({ sub: crypto.randomUUID(), email: 'ghost@example.com' }, TEST_JWT_SECRET, 900);
    for (const res of [
      await apiClient(worker.url, ghost).post('/api/projects', { name: 'haunted' }),
      await apiClient(worker.url, ghost).get('/api/projects'),
      await apiClient(worker.url, ghost).get('/api/auth/me'),
      // A project route reads the account with the role: still 401, not 404.
      await apiClient(worker.url, ghost).get(`/api/projects/${u.projectId}/events`),
    ]) {
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('unauthorized');
    }
    // And one whose account was deleted after it was issued.
    await sql`delete from projects where owner_id = ${u.userId}`;
    await sql`delete from users where id = ${u.userId}`;
    const res = await u.api.post('/api/projects', { name: 'after deletion' });
    expect(res.status).toBe(401);
    expect(res.body.error.message).toMatch(/no longer exists/);
    expect((await sql`select count(*)::int as n from projects where name = 'after deletion'`)[0]!.n).toBe(0);
    const listed = await u.api.get(`/api/projects/${u.projectId}/events`);
    expect(listed.status).toBe(401);
    expect(listed.body.error.message).toMatch(/no longer exists/);
  });
});
