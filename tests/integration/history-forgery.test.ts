import { createHash, randomUUID } from 'node:crypto';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SparkEventV1 } from '../../contracts/event';
import { MAX_SCRIPT_BYTES } from '../../contracts/limits';
import { apiClient, eventually, makeEvent, userWithProject } from '../support/api';
import type { SparkWorker } from '../support/spark-worker';
import { openSocket } from '../support/ws-client';
import { startWorkerWithDb, type WorkerWithDb } from '../support/worker-db';

const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');
const agentInfo = { name: 'studio-pc', version: '0.1.0', profile: 'unity-mcp', unity: 'up', circuit: 'closed', outboxDepth: 0 };

// Issue 15 item 1: the change history (and so what Undo writes into the Unity project) comes only
// from what the agent reports for operations Spark sent; imports and undo/rollback are validated
// like any operation.
describe('change history cannot be forged', () => {
  let h: WorkerWithDb;
  let worker: SparkWorker;
  let sql: postgres.Sql;

  beforeAll(async () => {
    h = await startWorkerWithDb('forgery');
    ({ worker, sql } = h);
  });
  afterAll(async () => {
    await h?.dispose();
  });

  async function project(label: string) {
    const u = await userWithProject(worker.url, label);
    const session = (await u.api.post(`/api/projects/${u.projectId}/sessions`, { name: 'main' })).body;
    const ingest = await u.api.post(`/api/projects/${u.projectId}/tokens`, { name: 'webhook', scope: 'ingest' });
    expect(ingest.status).toBe(201);
    const code = await u.api.post(`/api/projects/${u.projectId}/pairing-codes`, {});
    const paired = await apiClient(worker.url).post('/api/agent/pair', { code: code.body.code, name: 'studio-pc' });
    expect(paired.status).toBe(201);
    const base = `/api/projects/${u.projectId}/sessions/${session.id}`;
    return {
      ...u,
      sessionId: session.id as string,
      base,
      ingest: apiClient(worker.url, ingest.body.token),
      agent: apiClient(worker.url, paired.body.token),
      agentToken: paired.body.token as string,
      opsCount: async () => ((await u.api.get(`${base}/ops`)).body.items as unknown[]).length,
      changes: async () => (await sql`select path, before_content, call_id, reverted_at from patches where session_id = ${session.id} order by created_at`) as any[],
      stored: (id: string) => eventually(async () => (await sql`select 1 from spark_events where id = ${id}`).length === 1),
    };
  }
  type Project = Awaited<ReturnType<typeof project>>;
  const send = async (p: Project, client: Project['ingest'], type: string, payload: Record<string, unknown>) => {
    const e = makeEvent({ type, session_id: p.sessionId, source: 'spark-agent', payload: payload as SparkEventV1['payload'] });
    const res = await client.post(`/api/projects/${p.projectId}/events`, { events: [e] });
    expect(res.body).toEqual({ accepted: 1, rejected: [] });
    await p.stored(e.id);
    return e;
  };

  it('an ingest token cannot put a change into history, so Undo has nothing to write', async () => {
    const p = await project('ingest');
    await send(p, p.ingest, 'unity.patch_applied', {
      call_id: randomUUID(),
      path: 'Assets/Editor/Backdoor.cs',
      before: '[UnityEditor.InitializeOnLoad] class Backdoor { static Backdoor() { /* evil */ } }',
      after: '// nothing',
      before_sha256: sha256('x'),
      after_sha256: sha256('// nothing'),
    });
    await send(p, p.ingest, 'unity.script_generated', { call_id: randomUUID(), path: '../../../../etc/cron.d/x.cs', sha256: sha256('x'), after: 'x' });
    await send(p, p.ingest, 'unity.script_deleted', { call_id: randomUUID(), path: 'Assets/Game.cs', before: 'evil', before_sha256: sha256('evil') });
    // Stored as events, never projected into the history or the generated scripts.
    expect(await p.changes()).toEqual([]);
    expect(await sql`select 1 from generated_scripts where session_id = ${p.sessionId}`).toEqual([]);
    const undo = await p.api.post(`${p.base}/changes/undo`);
    expect(undo.status).toBe(409);
    expect(undo.body.error.code).toBe('nothing_to_undo');
    expect(await p.opsCount()).toBe(0);
  });

  it("projects what the agent reports for Spark's own op, and nothing that does not match it", async () => {
    const p = await project('agent');
    const code = 'public class Hello : UnityEngine.MonoBehaviour {}\n';
    const queued = await p.api.post(`${p.base}/ops`, { op: 'generate_script', path: 'Assets/Scripts/Hello.cs', code, overwrite: true });
    expect(queued.status).toBe(202);
    const callId = queued.body.callId as string;
    const genuine = { call_id: callId, path: 'Assets/Scripts/Hello.cs', sha256: sha256(code), bytes: code.length, overwritten: true, before: 'old text', before_sha256: sha256('old text'), after: code };
    // The same claim from the wrong producer, or with a path, text or op that Spark did not send.
    await send(p, p.ingest, 'unity.script_generated', genuine);
    await send(p, p.api, 'unity.script_generated', genuine);
    await send(p, p.agent, 'unity.script_generated', { ...genuine, path: 'Assets/Editor/Other.cs' });
    await send(p, p.agent, 'unity.script_generated', { ...genuine, after: 'class Evil {}', sha256: sha256('class Evil {}') });
    await send(p, p.agent, 'unity.script_generated', { ...genuine, call_id: randomUUID() });
    await send(p, p.agent, 'unity.patch_applied', { ...genuine, after_sha256: sha256(code) });
    expect(await p.changes()).toEqual([]);
    // The agent's real report is projected…
    await send(p, p.agent, 'unity.script_generated', genuine);
    expect(await p.changes()).toEqual([{ path: 'Assets/Scripts/Hello.cs', before_content: 'old text', call_id: callId, reverted_at: null }]);
    expect(await sql`select path, sha256 from generated_scripts where session_id = ${p.sessionId}`).toEqual([{ path: 'Assets/Scripts/Hello.cs', sha256: sha256(code) }]);
    // …and Undo puts the earlier text back through the agent.
    const agent = await openSocket(`${worker.url.replace(/^http/, 'ws')}${p.base}/connect?role=agent`, { token: p.agentToken });
    agent.send({ t: 'hello', agent: agentInfo });
    const undo = await p.api.post(`${p.base}/changes/undo`);
    expect(undo.status).toBe(202);
    const dispatch = await agent.next((m) => m.t === 'op' && m.callId === undo.body.callId);
    expect(dispatch.op).toEqual({ op: 'generate_script', path: 'Assets/Scripts/Hello.cs', code: 'old text', overwrite: true });
    // The agent's report of the undo's own write joins the history as a revert.
    await send(p, p.agent, 'unity.script_generated', { call_id: undo.body.callId, path: 'Assets/Scripts/Hello.cs', sha256: sha256('old text'), bytes: 8, overwritten: true, after: 'old text', before: code, before_sha256: sha256(code) });
    await eventually(async () => (await p.changes()).length === 2);
    await agent.close();
  });

  it('undo and rollback validate every op they would queue, and queue nothing when one fails', async () => {
    const p = await project('legacy');
    // Rows as a forged event or an old import may have left them.
    const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString();
    const row = (path: string, before: string | null, s: number) =>
      sql`insert into patches (project_id, session_id, path, before_content, after_content, before_sha256, op, created_at)
          values (${p.projectId}, ${p.sessionId}, ${path}, ${before}, 'x', ${before === null ? null : sha256(before)}, 'modify', ${at(s)}) returning id`;
    const [point] = await row('Assets/A.cs', 'a0', 1);
    await row('Assets/A.cs', 'a1', 2);
    await row('C:\\Windows\\System32\\evil.cs', 'evil', 3);
    await row('Assets/B.cs', 'b1', 4);
    const rollback = await p.api.post(`${p.base}/changes/rollback`, { to: point!.id });
    expect(rollback.status).toBe(422);
    expect(rollback.body.error).toMatchObject({ code: 'invalid_op', path: 'path' });
    expect(rollback.body.error.message).toMatch(/backslash/);
    expect(await p.opsCount()).toBe(0);
    expect((await p.changes()).every((c) => c.reverted_at === null)).toBe(true);

    await row('Assets/Big.cs', 'x'.repeat(MAX_SCRIPT_BYTES + 1), 5);
    const tooBig = await p.api.post(`${p.base}/changes/undo`);
    expect(tooBig.status).toBe(422);
    expect(tooBig.body.error).toMatchObject({ code: 'invalid_op', path: 'code' });
    await row('../../../../etc/cron.d/x.cs', 'evil', 6);
    const traversal = await p.api.post(`${p.base}/changes/undo`);
    expect(traversal.status).toBe(422);
    expect(traversal.body.error).toMatchObject({ code: 'invalid_op', path: 'path' });
    expect(await p.opsCount()).toBe(0);
    expect((await p.changes()).every((c) => c.reverted_at === null)).toBe(true);
  });

  it('import validates every change like an operation', async () => {
    const p = await project('import');
    const imp = (changes: unknown[]) => p.api.post(`${p.base}/changes/import`, { version: 1, session_id: p.sessionId, exported_at: new Date().toISOString(), changes });
    const change = (over: Record<string, unknown> = {}) => ({
      path: 'Assets/Scripts/A.cs', op: 'modify', call_id: null, before_content: 'a', after_content: 'b',
      before_sha256: sha256('a'), after_sha256: sha256('b'), created_at: new Date().toISOString(), reverted_at: null, ...over,
    });
    for (const [path, why] of [
      ['../../../../etc/cron.d/x.cs', /\.\./],
      ['C:\\Windows\\System32\\evil.cs', /backslash/],
      ['Assets/../Library/x.cs', /\.\./],
      ['Assets/Editor/Backdoor.txt', /\.cs/],
      ['/etc/x.cs', /absolute|Assets/],
    ] as const) {
      const res = await imp([change(), change({ path })]);
      expect(res.status, path).toBe(400);
      expect(res.body.error.path).toBe('changes.1.path');
      expect(res.body.error.message).toMatch(why);
    }
    const big = await imp([change({ before_content: 'x'.repeat(MAX_SCRIPT_BYTES + 1) })]);
    expect(big.status).toBe(400);
    expect(big.body.error.path).toBe('changes.0.before_content');
    const nul = await imp([change({ after_content: 'a\u0000' })]);
    expect(nul.status).toBe(400);
    expect(nul.body.error.path).toBe('changes.0.after_content');
    const many = await imp(Array.from({ length: 501 }, () => change()));
    expect(many.status).toBe(400);
    expect(many.body.error.path).toBe('changes');
    // 60 changes of 2 × 150 KB: each one fits, the import as a whole does not.
    const huge = await imp(Array.from({ length: 60 }, () => change({ before_content: 'x'.repeat(150_000), after_content: 'y'.repeat(150_000) })));
    expect(huge.status).toBe(413);
    expect(huge.body.error.code).toBe('payload_too_large');
    expect(await p.changes()).toEqual([]);
    const ok = await imp([change(), change({ path: 'Assets/Scripts/B.cs', op: 'create', before_content: null, before_sha256: null })]);
    expect(ok.status).toBe(201);
    expect(ok.body).toEqual({ imported: 2 });
  });
});
