import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient, makeEvent, userWithProject } from '../support/api';
import { startSparkWorker, TEST_JWT_SECRET, type SparkWorker } from '../support/spark-worker';
import { createTestDatabase } from '../support/test-db';
import { issueAccessToken } from '../../edge/auth/access-token';

describe('auth, roles and limits', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let worker: SparkWorker;
  let sql: postgres.Sql;

  beforeAll(async () => {
    db = await createTestDatabase('auth');
    // A small limit so the test can reach it.
    worker = await startSparkWorker({ databaseUrl: db.url, rateLimit: { limit: 8, period: 60 } });
    sql = postgres(db.url, { max: 1, onnotice: () => {} });
  });
  afterAll(async () => {
    await sql?.end();
    await worker?.dispose();
    await db?.drop();
  });

  it('signs up, logs in, stores only a PBKDF2 hash, and refuses wrong passwords and duplicates', async () => {
    const anon = apiClient(worker.url);
    const signup = await anon.post('/api/auth/signup', { email: '  Ada@Example.com ', password: 'analytical engine' });
    expect(signup.status).toBe(202);
    expect(signup.body.status).toBe('accepted');
    const [row] = await sql`select password_hash from users where email = 'ada@example.com'`;
    expect(row!.password_hash).toMatch(/^pbkdf2-sha256\$100000\$/);
    expect(row!.password_hash).not.toContain('analytical');

    // A taken email answers exactly like a free one (see security-accounts.test.ts).
    expect((await anon.post('/api/auth/signup', { email: 'ada@example.com', password: 'another one!' })).status).toBe(202);
    const login = await anon.post('/api/auth/login', { email: 'ADA@example.com', password: 'analytical engine' });
    expect(login.status).toBe(200);
    expect(login.body.user.email).toBe('ada@example.com');
    expect(login.body.token.split('.')).toHaveLength(3);
    expect((await anon.as(login.body.token).get('/api/auth/me')).body.email).toBe('ada@example.com');
    const wrong = await anon.post('/api/auth/login', { email: 'ada@example.com', password: 'difference engine' });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error.code).toBe('invalid_credentials');
    const nobody = await anon.post('/api/auth/login', { email: 'nobody@example.com', password: 'whatever123' });
    expect(nobody.status).toBe(401);

    const short = await anon.post('/api/auth/signup', { email: 'b@example.com', password: 'short' });
    expect(short.status).toBe(400);
    expect(short.body.error).toMatchObject({ code: 'invalid_json', path: 'password' });
    const badEmail = await anon.post('/api/auth/signup', { email: 'not-an-email', password: 'long enough' });
    expect(badEmail.body.error.path).toBe('email');
  });

  it('refuses missing, forged and expired access tokens', async () => {
    const anon = apiClient(worker.url);
    expect((await anon.get('/api/projects')).status).toBe(401);
    const forged = await issueAccessToken({ sub: crypto.randomUUID(), email: 'x@example.com' }, 'a-different-secret-0123456789', 900);
    expect((await anon.as(forged).get('/api/projects')).status).toBe(401);
    const expired = await issueAccessToken({ sub: crypto.randomUUID(), email: 'x@example.com' }, TEST_JWT_SECRET, 60, Math.floor(Date.now() / 1000) - 3600);
    const res = await anon.as(expired).get('/api/projects');
    expect(res.status).toBe(401);
    expect(res.body.error.message).toMatch(/expired/);
  });

  it('gives viewers read access only, members writes, owners tokens', async () => {
    const owner = await userWithProject(worker.url, 'owner');
    const viewer = await userWithProject(worker.url, 'viewer');
    const member = await userWithProject(worker.url, 'member');
    const p = `/api/projects/${owner.projectId}`;
    expect((await owner.api.post(`${p}/members`, { email: viewer.email, role: 'viewer' })).status).toBe(201);
    expect((await owner.api.post(`${p}/members`, { email: member.email, role: 'member' })).status).toBe(201);

    expect((await viewer.api.get(`${p}/sessions`)).status).toBe(200);
    const vWrite = await viewer.api.post(`${p}/sessions`, { name: 'nope' });
    expect(vWrite.status).toBe(403);
    expect((await viewer.api.post(`${p}/events`, { events: [makeEvent()] })).status).toBe(403);
    expect((await member.api.post(`${p}/sessions`, { name: 'yes' })).status).toBe(201);
    expect((await member.api.post(`${p}/events`, { events: [makeEvent()] })).status).toBe(202);
    expect((await member.api.post(`${p}/tokens`, { name: 't', scope: 'read' })).status).toBe(403);
    expect((await member.api.post(`${p}/members`, { email: viewer.email, role: 'member' })).status).toBe(403);

    const bad = await owner.api.post(`${p}/tokens`, { name: 't', scope: 'admin' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.path).toBe('scope');
    const read = await owner.api.post(`${p}/tokens`, { name: 'dash', scope: 'read' });
    const reader = apiClient(worker.url, read.body.token);
    expect((await reader.get(`${p}/events`)).status).toBe(200);
    expect((await reader.post(`${p}/events`, { events: [makeEvent()] })).status).toBe(403);
    expect((await reader.post('/api/projects', { name: 'x' })).status).toBe(403);
    const [stored] = await sql`select token_hash from api_tokens where id = ${read.body.id}`;
    expect(stored!.token_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(stored!.token_hash).not.toBe(read.body.token);
  });

  it('answers 429 with Retry-After once a token exceeds its rate', async () => {
    const u = await userWithProject(worker.url, 'busy');
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 12; i++) {
      const res = await u.api.get(`/api/projects/${u.projectId}/sessions`);
      statuses.push(res.status);
      if (res.status === 429) {
        retryAfter = res.headers.get('retry-after');
        expect(res.body.error.code).toBe('rate_limited');
      }
    }
    // userWithProject spent one request on the project; 8 per window in all.
    expect(statuses.filter((s) => s === 200).length).toBe(7);
    expect(statuses.slice(7).every((s) => s === 429)).toBe(true);
    expect(Number(retryAfter)).toBeGreaterThan(0);
    // Another caller has its own budget.
    const other = await userWithProject(worker.url, 'calm');
    expect((await other.api.get(`/api/projects/${other.projectId}/sessions`)).status).toBe(200);
  });

  it('serves health, readiness and an OpenAPI document built from the schemas', async () => {
    expect(await (await worker.fetch('/health')).json()).toEqual({ status: 'ok' });
    expect(await (await worker.fetch('/ready')).json()).toEqual({ status: 'ready' });
    const doc = (await (await worker.fetch('/api/openapi.json')).json()) as any;
    expect(doc.openapi).toMatch(/^3\./);
    const ingest = doc.paths['/api/projects/{projectId}/events'].post;
    const eventSchema = ingest.requestBody.content['application/json'].schema.properties.events;
    expect(eventSchema.maxItems).toBe(500);
    expect(eventSchema.items.properties.kind.enum).toEqual(['message', 'tool', 'command', 'system']);
    expect(doc.paths['/api/auth/signup'].post.requestBody.content['application/json'].schema.properties.password.minLength).toBe(8);
    const unknown = await worker.fetch('/api/nope');
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as any).error.code).toBe('not_found');
  });
});
