// Issue 15, item 4: a revoked agent token must stop working at once, also on sockets that are
// already open. Real Worker in workerd, real Postgres, the real room.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient, eventually, userWithProject } from '../support/api';
import { startSparkWorker, type SparkWorker } from '../support/spark-worker';
import { createTestDatabase, type TestDatabase } from '../support/test-db';
import { openSocket } from '../support/ws-client';

describe('security: revoking a token closes its live sockets', () => {
  let db: TestDatabase;
  let worker: SparkWorker;

  beforeAll(async () => {
    db = await createTestDatabase('sec_revoke');
    worker = await startSparkWorker({ databaseUrl: db.url });
  });
  afterAll(async () => {
    await worker?.dispose();
    await db?.drop();
  });

  const agentInfo = { name: 'studio-pc', version: '0.1.0', profile: 'unity-mcp', unity: 'up', circuit: 'closed', outboxDepth: 0 };

  it('closes the agent socket within a second of the 204, and the next op is not delivered', async () => {
    const u = await userWithProject(worker.url, 'revoke');
    const p = `/api/projects/${u.projectId}`;
    const session = (await u.api.post(`${p}/sessions`, { name: 'main' })).body;
    const code = (await u.api.post(`${p}/pairing-codes`, {})).body.code;
    const paired = (await apiClient(worker.url).post('/api/agent/pair', { code, name: 'studio-pc' })).body;
    const wsUrl = `${worker.url.replace(/^http/, 'ws')}${p}/sessions/${session.id}/connect?role=agent`;
    const agent = await openSocket(wsUrl, { token: paired.token });
    agent.send({ t: 'hello', agent: agentInfo });
    const ops = `${p}/sessions/${session.id}/ops`;
    // Before: an op reaches the agent.
    const first = await u.api.post(ops, { op: 'delete_script', path: 'Assets/Before.cs' });
    await agent.next((m) => m.t === 'op' && m.callId === first.body.callId);

    const tokens = (await u.api.get(`${p}/tokens`)).body.items as { id: string; scope: string }[];
    const agentToken = tokens.find((t) => t.scope === 'agent')!;
    const closed = new Promise<{ code: number; at: number }>((resolve) => agent.ws.once('close', (c) => resolve({ code: c, at: Date.now() })));
    const revoke = await u.api.delete(`${p}/tokens/${agentToken.id}`);
    const answeredAt = Date.now();
    expect(revoke.status).toBe(204);
    const close = await closed;
    expect(close.code).toBe(4401);
    expect(close.at - answeredAt).toBeLessThan(1000);

    // After: the op waits (nobody may take it), and the token cannot come back.
    const next = await u.api.post(ops, { op: 'generate_script', path: 'Assets/Editor/Backdoor.cs', code: 'class B {}' });
    expect(next.status).toBe(202);
    const view = await u.api.get(`${ops}/${next.body.callId}`);
    expect(view.body.state).toBe('queued');
    expect(agent.messages.some((m) => m.callId === next.body.callId)).toBe(false);
    await expect(openSocket(wsUrl, { token: paired.token })).rejects.toThrow(/401/);
    expect((await apiClient(worker.url, paired.token).get(`${p}/sessions`)).status).toBe(401);
    // The browser hears the agent went offline.
    const state = await eventually(async () => {
      const r = await u.api.get(ops);
      return r.body.agent.online === false ? r.body.agent : null;
    }, 5_000);
    expect(state.online).toBe(false);
  });

  it('closes only the revoked token: another agent token of the project stays connected', async () => {
    const u = await userWithProject(worker.url, 'revoke2');
    const p = `/api/projects/${u.projectId}`;
    const s1 = (await u.api.post(`${p}/sessions`, { name: 'one' })).body;
    const keep = (await u.api.post(`${p}/tokens`, { name: 'keep', scope: 'agent' })).body;
    const drop = (await u.api.post(`${p}/tokens`, { name: 'drop', scope: 'agent' })).body;
    const base = `${worker.url.replace(/^http/, 'ws')}${p}/sessions/${s1.id}/connect`;
    const kept = await openSocket(`${base}?role=agent`, { token: keep.token });
    const dropped = await openSocket(`${base}?role=browser`, { token: drop.token });
    const closed = new Promise<number>((r) => dropped.ws.once('close', (c) => r(c)));
    expect((await u.api.delete(`${p}/tokens/${drop.id}`)).status).toBe(204);
    expect(await closed).toBe(4401);
    kept.ws.send('ping');
    await kept.next((m) => m === 'pong');
    expect(kept.ws.readyState).toBe(kept.ws.OPEN);
    await kept.close();
  });
});
