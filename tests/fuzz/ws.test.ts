import fc from 'fast-check';
import { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentMessage } from '../../contracts/ws';
import { apiClient, eventually, userWithProject } from '../support/api';
import { startSparkWorker, type SparkWorker } from '../support/spark-worker';
import { createTestDatabase, type TestDatabase } from '../support/test-db';
import { openSocket, type TestSocket } from '../support/ws-client';
import { brokenJsonText, hostileValue } from './hostile';
import { bodyText, type JsonSchema } from './schema-arbitrary';

// Issue 13 §4, the session socket: generated agent and browser frames (from the agent's message
// schema, mutated, and hostile) to one room. Each gets an error frame, nothing, or a close with
// an application code (4xxx); the room stays up: pings answer between frames, and an operation
// sent afterwards runs end to end.

const FRAMES = Number(process.env.FUZZ_WS_FRAMES ?? 10_000);
const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);

describe('fuzz: session socket frames', () => {
  let db: TestDatabase;
  let worker: SparkWorker;
  let p: Awaited<ReturnType<typeof userWithProject>> & { sessionId: string; agentToken: string };
  beforeAll(async () => {
    db = await createTestDatabase('fuzz_ws');
    worker = await startSparkWorker({ databaseUrl: db.url, rateLimit: { limit: 1_000_000, period: 60 } });
    const u = await userWithProject(worker.url, 'fuzzws');
    const sessionId = (await u.api.post(`/api/projects/${u.projectId}/sessions`, { name: 'main' })).body.id;
    const code = await u.api.post(`/api/projects/${u.projectId}/pairing-codes`, {});
    const agentToken = (await apiClient(worker.url).post('/api/agent/pair', { code: code.body.code, name: 'pc' })).body.token;
    p = { ...u, sessionId, agentToken };
  });
  afterAll(async () => {
    await worker?.dispose();
    await db?.drop();
  });

  const wsUrl = (role: string) => `${worker.url.replace(/^http/, 'ws')}/api/projects/${p.projectId}/sessions/${p.sessionId}/connect?role=${role}`;
  const agentInfo = { name: 'pc', version: '0.1.0', profile: 'unity-mcp', unity: 'up', circuit: 'closed', outboxDepth: 0 };

  it(`answers ${FRAMES} generated frames with an error frame or a 4xxx close, and keeps working`, async () => {
    const schema = z.toJSONSchema(agentMessage, { unrepresentable: 'any' }) as JsonSchema;
    const frame = fc.oneof(
      { weight: 6, arbitrary: bodyText(schema).map((b) => b.text) },
      { weight: 2, arbitrary: brokenJsonText },
      { weight: 1, arbitrary: hostileValue.map((v) => JSON.stringify(v) ?? 'null') },
      { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b)) },
    );
    const samples = fc.sample(frame, { numRuns: FRAMES, seed: SEED });
    const counts = { agent: 0, browser: 0, errorFrames: 0, closes: new Map<number, number>(), reopened: 0 };
    const problems: string[] = [];

    let agent: TestSocket = await openSocket(wsUrl('agent'), { token: p.agentToken });
    agent.send({ t: 'hello', agent: agentInfo });
    let browser: TestSocket = await openSocket(wsUrl('browser'), { token: p.token });
    const watch = (s: TestSocket, role: string) =>
      s.ws.on('close', (code) => {
        counts.closes.set(code, (counts.closes.get(code) ?? 0) + 1);
        if (code < 4000 && code !== 1000 && code !== 1005) problems.push(`${role} socket closed with ${code}`);
      });
    watch(agent, 'agent');
    watch(browser, 'browser');

    for (const [i, data] of samples.entries()) {
      const toAgent = i % 5 !== 4;
      let s = toAgent ? agent : browser;
      if (s.ws.readyState !== s.ws.OPEN) {
        // Closed by the room (a 4xxx, checked on close): open a new one, as the agent would.
        s = await openSocket(wsUrl(toAgent ? 'agent' : 'browser'), { token: toAgent ? p.agentToken : p.token });
        watch(s, toAgent ? 'agent' : 'browser');
        if (toAgent) agent = s;
        else browser = s;
        counts.reopened++;
      }
      s.ws.send(data);
      if (toAgent) counts.agent++;
      else counts.browser++;
      // The room handles one socket's frames in order: a pong means every frame before it was answered.
      if (i % 100 === 99) await Promise.all([agent.roundTrip(), browser.roundTrip()]);
    }
    await Promise.all([agent.roundTrip(), browser.roundTrip()]);

    // What came back: pongs, error frames naming the problem, and (to the agent) op dispatches;
    // to the browser only what contracts/ws.ts declares.
    for (const m of agent.messages) {
      if (m === 'pong' || m?.t === 'op') continue;
      if (m?.t === 'error' && typeof m.message === 'string' && m.message) counts.errorFrames++;
      else problems.push(`agent got ${JSON.stringify(m).slice(0, 200)}`);
    }
    for (const m of browser.messages) if (m !== 'pong' && !['op.update', 'frame', 'agent', 'snapshot'].includes(m?.t)) problems.push(`browser got ${JSON.stringify(m).slice(0, 200)}`);
    // Anything the room sent as "could not handle" was an exception inside it, not a refusal.
    problems.push(...agent.messages.filter((m) => m?.t === 'error' && /could not handle/.test(m.message)).slice(0, 3).map((m) => `room threw: ${m.message}`));

    // The room still works: an operation goes to the agent, and its result comes back.
    const ops = `/api/projects/${p.projectId}/sessions/${p.sessionId}/ops`;
    agent.send({ t: 'hello', agent: agentInfo });
    const queued = await p.api.post(ops, { op: 'render_preview', width: 16, height: 16 });
    expect(queued.status).toBe(202);
    const callId = queued.body.callId as string;
    await agent.next((m) => m?.t === 'op' && m.callId === callId);
    agent.send({ t: 'op.accepted', callId });
    agent.send({ t: 'op.result', callId, ok: true, result: { fine: true }, latencyMs: 5, mcpMs: 3 });
    await eventually(async () => (await p.api.get(`${ops}/${callId}`)).body.state === 'succeeded');
    await browser.next((m) => m?.t === 'op.update' && m.op.callId === callId && m.op.state === 'succeeded');

    const closes = [...counts.closes].map(([c, n]) => `${c}×${n}`).join(' ') || 'none';
    console.log(`ws fuzz seed ${SEED}: ${counts.agent} agent frames, ${counts.browser} browser frames; ${counts.errorFrames} error frames; closes ${closes}; reopened ${counts.reopened}; then an op ran end to end`);
    await agent.close();
    await browser.close();
    expect(problems.slice(0, 20)).toEqual([]);
  });
});
