// The session lifecycle through the edge in workerd: the cron (on a clock moved hours ahead via
// scheduledTime) puts an idle session to sleep, its room lets its sockets and waiting work go, and
// an op or opening the session wakes it. Quotas and TTL answer over HTTP.
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient, eventually, userWithProject } from '../support/api';
import { startSparkWorker, type SparkWorker } from '../support/spark-worker';
import { createTestDatabase } from '../support/test-db';
import { openSocket, type TestSocket } from '../support/ws-client';
import { CRON_FREQUENT } from '../../workers/cron';
import { CLOSE_SESSION_SLEEPING } from '../../workers/lifecycle';

const HOUR = 3600_000;

describe('session lifecycle in workerd', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let worker: SparkWorker;
  let sql: postgres.Sql;
  beforeAll(async () => {
    db = await createTestDatabase('lifecycle');
    worker = await startSparkWorker({ databaseUrl: db.url });
    sql = postgres(db.url, { max: 1, onnotice: () => {} });
  });
  afterAll(async () => {
    await sql?.end();
    await worker?.dispose();
    await db?.drop();
  });

  const cronAt = async (at: Date) => (await worker.mf.getWorker()).scheduled({ cron: CRON_FREQUENT, scheduledTime: at });
  const stateOf = async (sessionId: string) => (await sql`select state from sessions where id = ${sessionId}`)[0]?.state as string;
  const closed = (s: TestSocket) => new Promise<{ code: number; reason: string }>((resolve) => s.ws.once('close', (code, reason) => resolve({ code, reason: String(reason) })));

  it('sleeps an idle session (sockets and waiting ops let go), and an op or opening it wakes it', async () => {
    const u = await userWithProject(worker.url, 'sleepy');
    const base = `/api/projects/${u.projectId}/sessions`;
    const session = (await u.api.post(base, { name: 'main' })).body;
    const code = await u.api.post(`/api/projects/${u.projectId}/pairing-codes`, {});
    const agentToken = (await apiClient(worker.url).post('/api/agent/pair', { code: code.body.code, name: 'pc' })).body.token as string;
    const ws = (role: string) => `${worker.url.replace(/^http/, 'ws')}${base}/${session.id}/connect?role=${role}`;

    // An op waits for an agent that is connected but has not said hello yet.
    const browser = await openSocket(ws('browser'), { token: u.token });
    await browser.next((m) => m.t === 'snapshot');
    const queued = await u.api.post(`${base}/${session.id}/ops`, { op: 'render_preview', width: 16, height: 16 });
    expect(queued.status).toBe(202);
    const agent = await openSocket(ws('agent'), { token: agentToken });
    const [browserClosed, agentClosed] = [closed(browser), closed(agent)];

    // Not idle yet at +1h; asleep at +3h (the default is 120 minutes).
    await cronAt(new Date(Date.now() + HOUR));
    expect(await stateOf(session.id)).toBe('active');
    await cronAt(new Date(Date.now() + 3 * HOUR));
    expect(await stateOf(session.id)).toBe('sleeping');
    expect(await browserClosed).toEqual({ code: CLOSE_SESSION_SLEEPING, reason: 'session sleeping' });
    expect(await agentClosed).toEqual({ code: CLOSE_SESSION_SLEEPING, reason: 'session sleeping' });
    const op = await u.api.get(`${base}/${session.id}/ops/${queued.body.callId}`);
    expect(op.body).toMatchObject({ state: 'expired', error: { code: 'session_sleeping' } });
    expect(await stateOf(session.id)).toBe('sleeping'); // reading ops does not wake it

    // An op sent to the sleeping session wakes it and is queued.
    const again = await u.api.post(`${base}/${session.id}/ops`, { op: 'render_preview', width: 16, height: 16 });
    expect(again.status).toBe(202);
    expect(await stateOf(session.id)).toBe('active');
    expect((await u.api.get(`${base}/${session.id}/ops/${again.body.callId}`)).body.state).toBe('queued');

    // Asleep again; opening the session wakes it, and so does POST …/wake.
    await cronAt(new Date(Date.now() + 3 * HOUR));
    expect(await stateOf(session.id)).toBe('sleeping');
    const opened = await u.api.get(`${base}/${session.id}`);
    expect(opened.body.state).toBe('active');
    await cronAt(new Date(Date.now() + 3 * HOUR));
    const woken = await u.api.post(`${base}/${session.id}/wake`, {});
    expect(woken.status).toBe(200);
    expect(woken.body.state).toBe('active');
  });

  it('puts a session to sleep on request (sockets let go), again harmlessly, and refuses a stopped one or a stranger', async () => {
    const u = await userWithProject(worker.url, 'nap');
    const base = `/api/projects/${u.projectId}/sessions`;
    const session = (await u.api.post(base, { name: 'main' })).body;
    const browser = await openSocket(`${worker.url.replace(/^http/, 'ws')}${base}/${session.id}/connect?role=browser`, { token: u.token });
    await browser.next((m) => m.t === 'snapshot');
    const browserClosed = closed(browser);

    const slept = await u.api.post(`${base}/${session.id}/sleep`, {});
    expect(slept.status).toBe(200);
    expect(slept.body.state).toBe('sleeping');
    expect(await stateOf(session.id)).toBe('sleeping');
    expect(await browserClosed).toEqual({ code: CLOSE_SESSION_SLEEPING, reason: 'session sleeping' });
    expect((await u.api.post(`${base}/${session.id}/sleep`, {})).body.state).toBe('sleeping');
    expect((await u.api.post(`${base}/${session.id}/wake`, {})).body.state).toBe('active');

    const stranger = await userWithProject(worker.url, 'nap-stranger');
    expect((await stranger.api.post(`${base}/${session.id}/sleep`, {})).status).toBe(404);
    expect(await stateOf(session.id)).toBe('active');
    expect((await u.api.post(`${base}/${crypto.randomUUID()}/sleep`, {})).status).toBe(404);
    await sql`update sessions set state = 'stopped' where id = ${session.id}`;
    const refused = await u.api.post(`${base}/${session.id}/sleep`, {});
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('session_closed');
  });

  it("counts the agent's messages as activity, written by the room", async () => {
    const u = await userWithProject(worker.url, 'busy');
    const base = `/api/projects/${u.projectId}/sessions`;
    const session = (await u.api.post(base, { name: 'main' })).body;
    const code = await u.api.post(`/api/projects/${u.projectId}/pairing-codes`, {});
    const agentToken = (await apiClient(worker.url).post('/api/agent/pair', { code: code.body.code, name: 'pc' })).body.token as string;
    await sql`update sessions set last_active_at = now() - interval '110 minutes' where id = ${session.id}`;
    const agent = await openSocket(`${worker.url.replace(/^http/, 'ws')}${base}/${session.id}/connect?role=agent`, { token: agentToken });
    agent.send({ t: 'hello', agent: { name: 'pc', version: '0.1.0', profile: 'unity-mcp', unity: 'up', circuit: 'closed', outboxDepth: 0 } });
    await eventually(async () => (await sql`select 1 from sessions where id = ${session.id} and last_active_at > now() - interval '1 minute'`).length === 1);
    // 110 idle minutes would have put it to sleep at +15 min; the hello moved the clock.
    await cronAt(new Date(Date.now() + 15 * 60_000));
    expect(await stateOf(session.id)).toBe('active');
    await agent.close();
  });

  it('answers 409 quota_exceeded at the limits, naming the limit and the count', async () => {
    const u = await userWithProject(worker.url, 'quota');
    await sql`update projects set max_sessions = 2, max_active_sessions = 1 where id = ${u.projectId}`;
    const base = `/api/projects/${u.projectId}/sessions`;
    const first = await u.api.post(base, { name: 'a' });
    expect(first.status).toBe(201);
    const second = await u.api.post(base, { name: 'b' });
    expect(second.status).toBe(409);
    expect(second.body.error).toEqual({ code: 'quota_exceeded', message: 'max_active_sessions is 1 and the project has 1 active sessions' });
    await cronAt(new Date(Date.now() + 3 * HOUR));
    expect((await u.api.post(base, { name: 'b' })).status).toBe(201);
    // `a` sleeps and `b` is active: waking `a` passes max_active_sessions; opening it still shows it.
    const wake = await u.api.post(`${base}/${first.body.id}/wake`, {});
    expect(wake.status).toBe(409);
    expect(wake.body.error.code).toBe('quota_exceeded');
    expect((await u.api.get(`${base}/${first.body.id}`)).body.state).toBe('sleeping');
    const third = await u.api.post(base, { name: 'c' });
    expect(third.body.error.message).toBe('max_sessions is 2 and the project has 2 sessions');
  });

  it('takes a ttl at creation, extends it, lists what expires soon, and refuses a bad ttl naming it', async () => {
    const u = await userWithProject(worker.url, 'ttl');
    const base = `/api/projects/${u.projectId}/sessions`;
    const t0 = Date.now();
    const week = (await u.api.post(base, { name: 'week', ttl: '7d' })).body;
    const short = (await u.api.post(base, { name: 'short', ttl: '36h' })).body;
    await u.api.post(base, { name: 'forever' });
    expect(Date.parse(week.expires_at) - t0).toBeGreaterThanOrEqual(7 * 24 * HOUR);
    expect(Date.parse(short.expires_at) - t0).toBeLessThan(36 * HOUR + 60_000);
    expect((await u.api.get(`${base}?expiring_within=48h`)).body.items.map((s: { name: string }) => s.name)).toEqual(['short']);
    const extended = await u.api.post(`${base}/${short.id}/extend`, { ttl: '24h' });
    expect(Date.parse(extended.body.expires_at) - Date.parse(short.expires_at)).toBe(24 * HOUR);
    expect((await u.api.get(`${base}?expiring_within=48h`)).body.items).toEqual([]);
    const bad = await u.api.post(base, { name: 'x', ttl: '7 days' });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ code: 'invalid_json', path: 'ttl' });
    expect((await u.api.post(`${base}/${short.id}/extend`, { ttl: '99d' })).body.error.path).toBe('ttl');
    expect((await u.api.get(`${base}?expiring_within=soon`)).body.error).toMatchObject({ code: 'invalid_query', path: 'expiring_within' });
  });
});
