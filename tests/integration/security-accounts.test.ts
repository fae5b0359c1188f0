// Issue 15, item 8: a project always keeps an owner; weak passwords are refused and passwords are
// NFC; a JWT without exp is refused; sign-up reveals no accounts; pairing is for owners, capped,
// and tells nothing about codes that do not work.
import { sign } from 'hono/jwt';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient, signUpAndLogIn, userWithProject } from '../support/api';
import { startSparkWorker, TEST_JWT_SECRET, type SparkWorker } from '../support/spark-worker';
import { createTestDatabase, type TestDatabase } from '../support/test-db';

describe('security: accounts and roles', () => {
  let db: TestDatabase;
  let worker: SparkWorker;
  let sql: postgres.Sql;

  beforeAll(async () => {
    db = await createTestDatabase('sec_accounts');
    worker = await startSparkWorker({ databaseUrl: db.url, authRateLimit: { limit: 1000, period: 60 } });
    sql = postgres(db.url, { max: 1, onnotice: () => {} });
  });
  afterAll(async () => {
    await sql?.end();
    await worker?.dispose();
    await db?.drop();
  });

  it('keeps an owner: the last owner cannot demote themselves', async () => {
    const owner = await userWithProject(worker.url, 'owner');
    const p = `/api/projects/${owner.projectId}`;
    for (const role of ['member', 'viewer']) {
      const res = await owner.api.post(`${p}/members`, { email: owner.email, role });
      expect(res.status).toBe(409);
      expect(res.body.error).toMatchObject({ code: 'last_owner', path: 'role' });
    }
    const [m] = await sql`select role from memberships where project_id = ${owner.projectId} and user_id = ${owner.userId}`;
    expect(m!.role).toBe('owner');
    expect((await owner.api.post(`${p}/tokens`, { name: 'still owner', scope: 'read' })).status).toBe(201);
    // Other members' roles still change.
    const other = await userWithProject(worker.url, 'other');
    expect((await owner.api.post(`${p}/members`, { email: other.email, role: 'member' })).status).toBe(201);
    expect((await owner.api.post(`${p}/members`, { email: other.email, role: 'viewer' })).status).toBe(201);
  });

  it('refuses common and trivial passwords at sign-up, and compares passwords as NFC', async () => {
    const anon = apiClient(worker.url);
    const weak = ['password', '12345678', '        ', 'aaaaaaaa', '87654321', 'abcdefgh', 'qwertyuiop', 'Password1!', 'iloveyou', '11112222', '\u3000\u3000\u3000\u3000\u3000\u3000\u3000\u3000'];
    for (const password of weak) {
      const res = await anon.post('/api/auth/signup', { email: `weak-${weak.indexOf(password)}@example.com`, password });
      expect(res.status, JSON.stringify(password)).toBe(400);
      expect(res.body.error.path).toBe('password');
    }
    expect((await sql`select count(*)::int as n from users where email like 'weak-%'`)[0]!.n).toBe(0);

    const decomposed = 'cafe\u0301 au lait froid'; // é as e + combining accent
    const composed = decomposed.normalize('NFC');
    expect(decomposed).not.toBe(composed);
    await signUpAndLogIn(worker.url, 'nfc@example.com', decomposed);
    const login = await anon.post('/api/auth/login', { email: 'nfc@example.com', password: composed });
    expect(login.status).toBe(200);
  });

  it('refuses a correctly signed access token without exp', async () => {
    const u = await userWithProject(worker.url, 'noexp');
    const forever = await sign({ sub: u.userId, email: u.email, typ: 'access', iat: Math.floor(Date.now() / 1000) }, TEST_JWT_SECRET, 'HS256');
    const res = await apiClient(worker.url, forever).get('/api/projects');
    expect(res.status).toBe(401);
    // The same token with an exp works: only the missing exp is refused.
    const bounded = await sign({ sub: u.userId, email: u.email, typ: 'access', iat: Math.floor(Date.now() / 1000), exp: Math.floor(Date.now() / 1000) + 60 }, TEST_JWT_SECRET, 'HS256');
    expect((await apiClient(worker.url, bounded).get('/api/projects')).status).toBe(200);
  });

  it('answers sign-up alike for a taken and a free email, and login fails alike', async () => {
    const taken = await userWithProject(worker.url, 'taken');
    const raw = (email: string) =>
      worker.fetch('/api/auth/signup', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password: 'some other phrase' }) });
    const [a, b] = [await raw(taken.email), await raw(`free-${Date.now()}@example.com`)];
    expect(a.status).toBe(b.status);
    expect(a.status).toBe(202);
    expect(await a.text()).toBe(await b.text());
    expect(a.headers.get('set-cookie')).toBeNull();
    expect(b.headers.get('set-cookie')).toBeNull();
    // The taken account keeps its password; a wrong password and an unknown email fail the same way.
    const anon = apiClient(worker.url);
    const wrong = await anon.post('/api/auth/login', { email: taken.email, password: 'some other phrase' });
    const unknown = await anon.post('/api/auth/login', { email: 'nobody-here@example.com', password: 'some other phrase' });
    expect(wrong.status).toBe(401);
    expect(wrong.body).toEqual(unknown.body);
    expect((await anon.post('/api/auth/login', { email: taken.email, password: 'correct horse battery' })).status).toBe(200);
  });

  it('lets only owners make pairing codes, caps live codes, and answers used and unknown codes alike', async () => {
    const owner = await userWithProject(worker.url, 'pairs');
    const member = await userWithProject(worker.url, 'pairm');
    const p = `/api/projects/${owner.projectId}`;
    await owner.api.post(`${p}/members`, { email: member.email, role: 'member' });
    const denied = await member.api.post(`${p}/pairing-codes`, {});
    expect(denied.status).toBe(403);
    const write = (await owner.api.post(`${p}/tokens`, { name: 'agent', scope: 'agent' })).body.token;
    expect((await apiClient(worker.url, write).post(`${p}/pairing-codes`, {})).status).toBe(403);

    const codes: string[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await owner.api.post(`${p}/pairing-codes`, {});
      expect(res.status).toBe(201);
      codes.push(res.body.code);
    }
    const sixth = await owner.api.post(`${p}/pairing-codes`, {});
    expect(sixth.status).toBe(429);
    expect(sixth.body.error.code).toBe('too_many_pairing_codes');
    // Using one frees a place.
    const anon = apiClient(worker.url);
    expect((await anon.post('/api/agent/pair', { code: codes[0], name: 'pc' })).status).toBe(201);
    expect((await owner.api.post(`${p}/pairing-codes`, {})).status).toBe(201);

    const used = await anon.post('/api/agent/pair', { code: codes[0], name: 'pc' });
    const unknown = await anon.post('/api/agent/pair', { code: 'ZZZZ-ZZZZ', name: 'pc' });
    await sql`update pairing_codes set expires_at = now() - interval '1 minute' where project_id = ${owner.projectId} and used_at is null`;
    const expired = await anon.post('/api/agent/pair', { code: codes[1], name: 'pc' });
    expect(used.status).toBe(404);
    expect(used.body).toEqual(unknown.body);
    expect(expired.body).toEqual(unknown.body);
    expect(expired.status).toBe(404);
  });
});
