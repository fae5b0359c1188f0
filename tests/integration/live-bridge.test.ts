import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect, JSONCodec, type NatsConnection, type Subscription } from 'nats';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, userWithProject } from '../support/api';
import { pairAndStartAgent, type RealAgent } from '../support/real-agent';
import { startSparkWorker, type SparkWorker } from '../support/spark-worker';
import { startTcpProxy } from '../support/tcp-proxy';
import { createTestDatabase } from '../support/test-db';
import { startUnityMcpServer } from '../support/unity-mcp-server';
import { openSocket, type TestSocket } from '../support/ws-client';

// Spark's heart, end to end with real parts: a browser-side WebSocket client → the edge in
// workerd → the session's Durable Object → the real agent → MCP over Streamable HTTP to the
// test Unity MCP server (a real project folder) → back to the browser, into Postgres (through
// the agent's outbox and the queue) and onto NATS (the real server).
describe('live bridge', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let worker: SparkWorker;
  let unity: Awaited<ReturnType<typeof startUnityMcpServer>>;
  let edgeProxy: Awaited<ReturnType<typeof startTcpProxy>>;
  let agent: RealAgent;
  let nats: NatsConnection;
  let sql: postgres.Sql;
  let browser: TestSocket;
  let user: Awaited<ReturnType<typeof userWithProject>>;
  let sessionId: string;
  const jc = JSONCodec<{ id: string; type: string; payload: Record<string, unknown> }>();

  beforeAll(async () => {
    db = await createTestDatabase('bridge');
    worker = await startSparkWorker({ databaseUrl: db.url });
    unity = await startUnityMcpServer({ profile: 'unity-mcp', buildDurationMs: 800 });
    // The agent reaches the edge through a proxy the test can take away.
    const edge = new URL(worker.url);
    edgeProxy = await startTcpProxy({ host: edge.hostname, port: Number(edge.port) }, { whenDown: 'refuse' });
    nats = await connect({ servers: '127.0.0.1:4222' });
    sql = postgres(db.url, { max: 2, onnotice: () => {} });
    user = await userWithProject(worker.url, 'bridge');
    sessionId = (await user.api.post(`/api/projects/${user.projectId}/sessions`, { name: 'live' })).body.id;
    const code = (await user.api.post(`/api/projects/${user.projectId}/pairing-codes`, {})).body.code;
    agent = await pairAndStartAgent({
      edge: `http://127.0.0.1:${edgeProxy.port}`,
      code,
      mcpUrl: unity.url,
      nats: 'nats://127.0.0.1:4222',
      // Long enough to see the circuit open and fail fast, short enough that no test waits 10 s.
      extraEnv: { SPARK_BREAKER_COOLDOWN_MS: '4000' },
    });
    browser = await openSocket(`${worker.url.replace(/^http/, 'ws')}/api/projects/${user.projectId}/sessions/${sessionId}/connect?role=browser`, { token: user.token });
    await browser.next((m) => (m.t === 'agent' && m.online) || (m.t === 'snapshot' && m.online), 20_000);
  });
  afterAll(async () => {
    await browser?.close();
    await agent?.dispose();
    await nats?.close();
    await sql?.end();
    await edgeProxy?.close();
    await unity?.close();
    await worker?.dispose();
    await db?.drop();
  });

  const ops = () => `/api/projects/${user.projectId}/sessions/${sessionId}/ops`;
  const send = async (op: Record<string, unknown>) => {
    const res = await user.api.post(ops(), op);
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    return res.body.callId as string;
  };
  const finished = (callId: string, timeoutMs = 20_000) =>
    browser.next((m) => m.t === 'op.update' && m.op.callId === callId && ['succeeded', 'failed', 'expired'].includes(m.op.state), timeoutMs).then((m) => m.op);
  const eventsOf = async (callId: string) =>
    (await sql`select type from spark_events where project_id = ${user.projectId} and payload->>'call_id' = ${callId} order by occurred_at`).map((r) => r.type as string);
  const collect = (sub: Subscription, into: { type: string; payload: Record<string, unknown> }[]) =>
    void (async () => {
      for await (const m of sub) into.push(jc.decode(m.data));
    })();

  it('runs a script, a preview and a build from the browser to Unity and back, into Postgres and onto NATS', async () => {
    const onNats: { type: string; payload: Record<string, unknown> }[] = [];
    const sub = nats.subscribe(`spark.*.unity.*.${sessionId}`);
    collect(sub, onNats);

    const code = 'using UnityEngine;\n\nnamespace Game\n{\n    public class Hello : MonoBehaviour { }\n}\n';
    const scriptCall = await send({ op: 'generate_script', path: 'Assets/Scripts/Hello.cs', code });
    const script = await finished(scriptCall);
    expect(script).toMatchObject({ state: 'succeeded', op: 'generate_script', summary: 'Assets/Scripts/Hello.cs' });
    expect(script.latencyMs).toBeGreaterThanOrEqual(script.mcpMs);
    expect(readFileSync(join(unity.projectDir, 'Assets/Scripts/Hello.cs'), 'utf8')).toBe(code);

    const previewCall = await send({ op: 'render_preview', width: 320, height: 180 });
    const frame = await browser.next((m) => m.t === 'frame' && m.callId === previewCall);
    expect(await finished(previewCall)).toMatchObject({ state: 'succeeded' });
    const png = Buffer.from(await (await fetch(`${worker.url}${frame.url}`, { headers: { authorization: `Bearer ${user.token}` } })).arrayBuffer());
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([320, 180]);

    const buildCall = await send({ op: 'run_build', target: 'WebGL' });
    // Unity's manage_build status has no percentage: the progress shown is its job id and its own state.
    const progress = await browser.next(
      (m) => m.t === 'op.update' && m.op.callId === buildCall && m.op.stage === 'build' && /^build-[0-9a-f]{10}: Build building\.\.\.$/.test(m.op.message ?? ''),
    );
    expect(progress.op.state).toBe('running');
    expect(await finished(buildCall, 30_000)).toMatchObject({ state: 'succeeded' });
    expect(existsSync(join(unity.projectDir, 'Builds/WebGL'))).toBe(true);

    // Postgres: the seed's tables, filled from the agent's outbox and the room's events.
    await eventually(async () => (await sql`select status from build_jobs where call_id = ${buildCall}`)[0]?.status === 'completed', 20_000);
    const [fc] = await sql`select name, status, latency_ms from function_calls where call_id = ${scriptCall}`;
    expect(fc).toMatchObject({ name: 'generate_script', status: 'succeeded' });
    expect(fc!.latency_ms).toBeGreaterThan(0);
    expect(await sql`select path, bytes from generated_scripts where call_id = ${scriptCall}`).toEqual([{ path: 'Assets/Scripts/Hello.cs', bytes: Buffer.byteLength(code) }]);
    expect(await sql`select op, after_content from patches where call_id = ${scriptCall}`).toEqual([{ op: 'create', after_content: code }]);
    await eventually(async () => (await sql`select width, height from previews where call_id = ${previewCall}`).length === 1);
    expect(await eventsOf(scriptCall)).toEqual(expect.arrayContaining(['unity.started', 'unity.script_generated', 'unity.completed', 'tool.call']));

    // NATS: the seed's subjects, with the same events.
    await eventually(async () => onNats.some((e) => e.type === 'build.completed'), 10_000);
    sub.unsubscribe();
    const types = new Set(onNats.map((e) => e.type));
    for (const t of ['unity.started', 'unity.script_generated', 'unity.completed', 'preview.started', 'preview.frame', 'preview.completed', 'build.started', 'build.progress', 'build.completed']) {
      expect(types, t).toContain(t);
    }
    const generated = onNats.find((e) => e.type === 'unity.script_generated')!;
    expect(generated.payload.call_id).toBe(scriptCall);
  });

  it('holds an op while the agent is away and runs it exactly once when it is back', async () => {
    await agent.stop();
    await browser.next((m) => m.t === 'agent' && m.online === false);
    const callId = await send({ op: 'generate_script', path: 'Assets/Scripts/Queued.cs', code: 'using UnityEngine;\n' });
    expect((await user.api.get(`${ops()}/${callId}`)).body.state).toBe('queued');
    // Every Unity call the op makes about that file (get_sha, create_script, ...).
    const calls = () => unity.calls.filter((c) => JSON.stringify(c.args).includes('Queued.cs')).length;
    const creates = () => unity.calls.filter((c) => c.tool === 'create_script' && (c.args as { path?: string }).path?.endsWith('Queued.cs')).length;
    expect(calls()).toBe(0);
    await agent.start();
    expect(await finished(callId)).toMatchObject({ state: 'succeeded' });
    expect(creates()).toBe(1);
    const ran = calls();
    // A restart after it ran does not run it again: ops run one at a time in order, so once an op
    // sent after the restart has finished, a re-run of the old one would have happened before it.
    await agent.restart();
    const marker = await send({ op: 'render_preview', width: 32, height: 32 });
    expect(await finished(marker)).toMatchObject({ state: 'succeeded' });
    expect(calls()).toBe(ran);
    await eventually(async () => (await eventsOf(callId)).includes('unity.completed'), 20_000);
    expect((await eventsOf(callId)).filter((t) => t === 'unity.script_generated')).toHaveLength(1);
  });

  it('keeps events in the outbox while the edge is unreachable and delivers each once when it returns', async () => {
    // A slow Unity call, so the edge can go away in the middle of the operation.
    unity.control.stallNext('create_script', 2500);
    const callId = await send({ op: 'generate_script', path: 'Assets/Scripts/Outage.cs', code: 'using UnityEngine;\n' });
    await browser.next((m) => m.t === 'op.update' && m.op.callId === callId && m.op.state === 'running');
    edgeProxy.down();
    await eventually(async () => existsSync(join(unity.projectDir, 'Assets/Scripts/Outage.cs')), 10_000);
    // The op finished in Unity while the edge was away: its events wait in the durable outbox.
    await eventually(async () => (await agent.agent.outbox.depth()) > 0, 10_000);
    // The op is over (its unity.completed was emitted), yet it cannot have reached Postgres: the
    // only way there is through the edge, which is down.
    expect(await agent.agent.idle(10_000)).toBe(true);
    expect(await eventsOf(callId)).not.toContain('unity.completed');
    await edgeProxy.up();
    expect(await finished(callId, 30_000)).toMatchObject({ state: 'succeeded' });
    await eventually(async () => (await eventsOf(callId)).includes('unity.completed'), 30_000);
    await eventually(async () => (await agent.agent.outbox.depth()) === 0, 30_000);
    const types = await eventsOf(callId);
    for (const t of ['unity.started', 'unity.script_generated', 'unity.completed']) expect(types.filter((x) => x === t), t).toHaveLength(1);
  });

  it('opens the circuit after repeated Unity failures, fails fast, and recovers', async () => {
    // Every script write starts with get_sha (retried, being a read): five crashes in a row.
    unity.control.crashNext('get_sha', 5);
    for (let i = 0; i < 5; i++) {
      const op = await finished(await send({ op: 'generate_script', path: `Assets/Scripts/Crash${i}.cs`, code: '// x\n' }));
      expect(op.state).toBe('failed');
    }
    const statusOpen = await browser.next((m) => m.t === 'agent' && m.agent?.circuit === 'open', 20_000);
    expect(statusOpen.agent.circuit).toBe('open');
    const before = unity.calls.length;
    const fast = await finished(await send({ op: 'generate_script', path: 'Assets/Scripts/Fast.cs', code: '// x\n' }));
    expect(fast.error.code).toBe('circuit_open');
    expect(unity.calls.length).toBe(before);
    // After the cooldown (SPARK_BREAKER_COOLDOWN_MS) a trial call goes through and closes it again.
    await eventually(async () => agent.agent.info().circuit === 'half-open', 20_000);
    const ok = await finished(await send({ op: 'generate_script', path: 'Assets/Scripts/Recovered.cs', code: '// x\n' }));
    expect(ok.state).toBe('succeeded');
    await browser.next((m) => m.t === 'agent' && m.agent?.circuit === 'closed' && browser.messages.indexOf(m) > browser.messages.indexOf(statusOpen), 20_000);
  }, 90_000);

  it('refuses a path outside Assets/ at the edge, and again in the agent if it ever got there', async () => {
    const atEdge = await user.api.post(ops(), { op: 'generate_script', path: 'ProjectSettings/Evil.cs', code: 'x' });
    expect(atEdge.status).toBe(400);
    expect(atEdge.body.error.path).toBe('path');
    // Hand the room an operation directly, past the edge's validation: the agent re-checks.
    const ns = await worker.mf.getDurableObjectNamespace('SESSION_ROOM');
    const room = ns.get(ns.idFromName(sessionId)) as unknown as { queueOp(i: unknown): Promise<unknown> };
    const callId = crypto.randomUUID();
    const before = unity.calls.length;
    await room.queueOp({ projectId: user.projectId, sessionId, callId, op: { op: 'generate_script', path: 'Assets/../../etc/Evil.cs', code: 'x' }, ttlMs: 60_000 });
    const refused = await finished(callId);
    expect(refused.state).toBe('failed');
    expect(refused.error.code).toMatch(/invalid/);
    expect(unity.calls.length).toBe(before);
    expect(existsSync(join(unity.projectDir, '..', 'etc'))).toBe(false);
  });
});
