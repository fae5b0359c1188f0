import { deflateSync } from 'node:zlib';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient, eventually, userWithProject } from '../support/api';
import { startSparkWorker, type SparkWorker } from '../support/spark-worker';
import { createTestDatabase } from '../support/test-db';
import { openSocket } from '../support/ws-client';

// The edge half of the live bridge, with the test speaking the agent's side of contracts/ws.ts.
describe('session room', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let worker: SparkWorker;
  let sql: postgres.Sql;
  beforeAll(async () => {
    db = await createTestDatabase('room');
    worker = await startSparkWorker({ databaseUrl: db.url, vars: { OP_TTL_SECONDS: '3' } });
    sql = postgres(db.url, { max: 1, onnotice: () => {} });
  });
  afterAll(async () => {
    await sql?.end();
    await worker?.dispose();
    await db?.drop();
  });

  async function pairedProject(label: string) {
    const u = await userWithProject(worker.url, label);
    const session = (await u.api.post(`/api/projects/${u.projectId}/sessions`, { name: 'main' })).body;
    const code = await u.api.post(`/api/projects/${u.projectId}/pairing-codes`, {});
    expect(code.status).toBe(201);
    expect(code.body.code).toMatch(/^[A-Z2-9]{4}-[A-Z2-9]{4}$/);
    expect(code.body.command).toContain(code.body.code);
    const paired = await apiClient(worker.url).post('/api/agent/pair', { code: code.body.code.toLowerCase(), name: 'studio-pc' });
    expect(paired.status).toBe(201);
    return { ...u, sessionId: session.id as string, agentToken: paired.body.token as string, code: code.body.code as string };
  }
  const wsUrl = (p: { projectId: string; sessionId: string }, role: string) =>
    `${worker.url.replace(/^http/, 'ws')}/api/projects/${p.projectId}/sessions/${p.sessionId}/connect?role=${role}`;
  const agentInfo = { name: 'studio-pc', version: '0.1.0', profile: 'unity-mcp', unity: 'up', circuit: 'closed', outboxDepth: 0 };

  it('pairs once: a used, unknown or mistyped code is refused', async () => {
    const p = await pairedProject('pair');
    const again = await apiClient(worker.url).post('/api/agent/pair', { code: p.code, name: 'other' });
    expect(again.status).toBe(404);
    expect(again.body.error.code).toBe('invalid_code');
    expect((await apiClient(worker.url).post('/api/agent/pair', { code: 'AAAA-BBBB' })).status).toBe(404);
    expect((await apiClient(worker.url).post('/api/agent/pair', { code: 'short' })).body.error.path).toBe('code');
    const agents = await p.api.get(`/api/projects/${p.projectId}/agents`);
    expect(agents.body.items.map((a: { name: string }) => a.name)).toEqual(['studio-pc']);
    const [tok] = await sql`select scope from api_tokens where project_id = ${p.projectId} and scope = 'agent'`;
    expect(tok).toEqual({ scope: 'agent' });
  });

  it('refuses a bad operation at the edge, naming the field, and queues nothing', async () => {
    const p = await pairedProject('badop');
    const ops = `/api/projects/${p.projectId}/sessions/${p.sessionId}/ops`;
    const outside = await p.api.post(ops, { op: 'generate_script', path: 'Library/Evil.cs', code: 'x' });
    expect(outside.status).toBe(400);
    expect(outside.body.error).toMatchObject({ code: 'invalid_op', path: 'path' });
    const traversal = await p.api.post(ops, { op: 'generate_script', path: 'Assets/../../etc/passwd.cs', code: 'x' });
    expect(traversal.status).toBe(400);
    expect(traversal.body.error.message).toMatch(/\.\./);
    const huge = await p.api.post(ops, { op: 'render_preview', width: 4097, height: 100 });
    expect(huge.body.error.path).toBe('width');
    expect((await p.api.get(ops)).body.items).toEqual([]);
    // Strangers and agents of other projects do not get in.
    const stranger = await userWithProject(worker.url, 'stranger');
    expect((await stranger.api.post(ops, { op: 'render_preview', width: 64, height: 64 })).status).toBe(404);
    await expect(openSocket(wsUrl(p, 'browser'), { token: stranger.token })).rejects.toThrow(/404/);
    await expect(openSocket(wsUrl(p, 'agent'), { token: p.token })).rejects.toThrow(/403/);
  });

  it('hands a queued op to the agent when it connects, and fans progress, frames and results out', async () => {
    const p = await pairedProject('live');
    const browser = await openSocket(wsUrl(p, 'browser'), { token: p.token });
    const snapshot = await browser.next((m) => m.t === 'snapshot');
    expect(snapshot).toMatchObject({ online: false, ops: [] });

    // Queued while no agent is there.
    const queued = await p.api.post(`/api/projects/${p.projectId}/sessions/${p.sessionId}/ops`, { op: 'render_preview', width: 16, height: 16 });
    expect(queued.status).toBe(202);
    const callId = queued.body.callId;
    expect((await p.api.get(`/api/projects/${p.projectId}/sessions/${p.sessionId}/ops/${callId}`)).body.state).toBe('queued');

    const agent = await openSocket(wsUrl(p, 'agent'), { token: p.agentToken });
    agent.send({ t: 'hello', agent: agentInfo });
    const dispatch = await agent.next((m) => m.t === 'op');
    expect(dispatch).toMatchObject({ callId, sessionId: p.sessionId, op: { op: 'render_preview', width: 16, height: 16, format: 'png' } });
    await browser.next((m) => m.t === 'agent' && m.online === true);
    agent.send({ t: 'op.accepted', callId });
    agent.send({ t: 'op.progress', callId, stage: 'rendering', progress: 0.5 });
    await browser.next((m) => m.t === 'op.update' && m.op.stage === 'rendering' && m.op.progress === 0.5);
    const png = tinyPng(16, 16);
    // Back to back, as the agent sends them: the result waits for its frame to be stored, so
    // whoever reads the result (a browser, an MCP client) finds the frame.
    agent.send({ t: 'frame', callId, contentType: 'image/png', width: 16, height: 16, data: png.toString('base64') });
    agent.send({ t: 'op.result', callId, ok: true, result: { width: 16, height: 16 }, latencyMs: 42, mcpMs: 30 });
    const done = await browser.next((m) => m.t === 'op.update' && m.op.state === 'succeeded');
    expect(done.op).toMatchObject({ callId, summary: '16×16 png', latencyMs: 42, mcpMs: 30, result: { width: 16, height: 16 } });
    const frameAt = browser.messages.findIndex((m) => m.t === 'frame' && m.callId === callId);
    expect(frameAt).toBeGreaterThanOrEqual(0);
    expect(frameAt).toBeLessThan(browser.messages.indexOf(done));
    const frame = browser.messages[frameAt];

    // The frame is served from R2 with cache headers, to members only.
    const img = await fetch(`${worker.url}${frame.url}`, { headers: { authorization: `Bearer ${p.token}` } });
    expect(img.status).toBe(200);
    expect(img.headers.get('content-type')).toBe('image/png');
    expect(img.headers.get('cache-control')).toContain('immutable');
    expect(Buffer.from(await img.arrayBuffer()).equals(png)).toBe(true);
    const revalidate = await fetch(`${worker.url}${frame.url}`, { headers: { authorization: `Bearer ${p.token}`, 'if-none-match': img.headers.get('etag')! } });
    expect(revalidate.status).toBe(304);
    const stranger = await userWithProject(worker.url, 'peeker');
    expect((await fetch(`${worker.url}${frame.url}`, { headers: { authorization: `Bearer ${stranger.token}` } })).status).toBe(404);

    // …and the room enqueued events that the consumer stored.
    await eventually(async () => (await sql`select 1 from previews where call_id = ${callId}`).length === 1);
    // The merged call is a second statement after the events' insert: wait for it, not for the events.
    const fc = await eventually(async () => (await sql`select status, latency_ms, name from function_calls where call_id = ${callId} and status = 'succeeded'`)[0] ?? null);
    expect(fc).toEqual({ status: 'succeeded', latency_ms: 42, name: 'render_preview' });
    expect((await p.api.get(`/api/projects/${p.projectId}/sessions/${p.sessionId}/ops/${callId}`)).body.state).toBe('succeeded');

    // A reconnecting agent is not handed the finished op again.
    const agentsOf = async () => (await p.api.get(`/api/projects/${p.projectId}/agents`)).body.items[0].status;
    expect(await agentsOf()).toBe('online');
    await agent.close();
    await browser.next((m) => m.t === 'agent' && m.online === false);
    await eventually(async () => (await agentsOf()) === 'offline');
    const again = await openSocket(wsUrl(p, 'agent'), { token: p.agentToken });
    again.send({ t: 'hello', agent: agentInfo });
    await again.roundTrip();
    expect(again.messages.filter((m) => m.t === 'op')).toEqual([]);
    await again.close();
    await browser.close();
  });

  it('fails visibly an op that no agent took in time', async () => {
    const p = await pairedProject('expiry');
    const browser = await openSocket(wsUrl(p, 'browser'), { token: p.token });
    const queued = await p.api.post(`/api/projects/${p.projectId}/sessions/${p.sessionId}/ops`, { op: 'build_status', jobId: 'build-0123456789' });
    const expired = await browser.next((m) => m.t === 'op.update' && m.op.state === 'expired', 15_000);
    expect(expired.op.callId).toBe(queued.body.callId);
    expect(expired.op.error.code).toBe('expired');
    await eventually(async () => (await sql`select status from function_calls where call_id = ${queued.body.callId}`)[0]?.status === 'timeout');
    // The agent that shows up later gets nothing stale.
    const agent = await openSocket(wsUrl(p, 'agent'), { token: p.agentToken });
    agent.send({ t: 'hello', agent: agentInfo });
    await agent.roundTrip();
    expect(agent.messages.filter((m) => m.t === 'op')).toEqual([]);
    await agent.close();
    await browser.close();
  });
});

/** A real, minimal PNG (grey), so what goes through R2 is an image. */
function tinyPng(w: number, h: number): Buffer {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (b: Buffer) => {
    let c = 0xffffffff;
    for (const x of b) c = crcTable[(c ^ x) & 0xff]! ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type), data]);
    const c = Buffer.alloc(4);
    c.writeUInt32BE(crc(td));
    return Buffer.concat([len, td, c]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8;
  ihdr[9] = 0;
  const raw = Buffer.concat(Array.from({ length: h }, () => Buffer.concat([Buffer.from([0]), Buffer.alloc(w, 128)])));
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}
