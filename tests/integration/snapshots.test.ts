// Snapshots and templates end to end: the edge in workerd (Postgres for the texts), the real agent, and
// the test Unity MCP server's project folder. Snapshot → change the files → restore → the files on
// disk equal the snapshot (scripts kept in place keep their .meta GUID), and the restore's writes
// are changes in the history that Undo takes back; a session from a snapshot or a template gets
// the snapshot's or the preset's files; bad input is a 4xx naming the field.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPresets } from '../../web/presets';
import { eventually, userWithProject } from '../support/api';
import { pairAndStartAgent, type RealAgent } from '../support/real-agent';
import { startUnityMcpServer } from '../support/unity-mcp-server';
import { startWorkerWithDb, type WorkerWithDb } from '../support/worker-db';
import { openSocket, type TestSocket } from '../support/ws-client';

const sha = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');

describe('snapshots, restore and templates', () => {
  let w: WorkerWithDb;
  let unity: Awaited<ReturnType<typeof startUnityMcpServer>>;
  let agent: RealAgent;
  let browser: TestSocket;
  let user: Awaited<ReturnType<typeof userWithProject>>;
  let sessionId: string;
  const P = () => `/api/projects/${user.projectId}`;
  const S = () => `${P()}/sessions/${sessionId}`;
  const disk = (p: string) => join(unity.projectDir, p);
  const read = (p: string) => (existsSync(disk(p)) ? readFileSync(disk(p), 'utf8') : null);
  const guid = (p: string) => /guid:\s*([0-9a-f]{32})/.exec(readFileSync(disk(p) + '.meta', 'utf8'))![1];

  /**
   * Waits until the agent ran every call and the history recorded each one that changed a file
   * (a write of the text already there is no change); returns how many changed.
   */
  const settled = async (session: string, callIds: string[]) => {
    const changed: string[] = [];
    for (const id of callIds) {
      const op = await eventually(async () => {
        const r = await user.api.get(`${P()}/sessions/${session}/ops/${id}`);
        return r.status === 200 && ['succeeded', 'failed', 'expired'].includes(r.body.state) ? r.body : null;
      }, 30_000);
      expect(op.state, JSON.stringify(op)).toBe('succeeded');
      if (op.result?.changed !== false) changed.push(id);
    }
    if (changed.length > 0)
      await eventually(async () => {
        const rows = await w.sql`select count(distinct call_id)::int as n from patches where call_id in ${w.sql(changed)}`;
        return rows[0]!.n === changed.length;
      }, 30_000);
    return changed.length;
  };
  const write = async (path: string, code: string) => {
    const r = await user.api.post(`${S()}/ops`, { op: 'generate_script', path, code, overwrite: true });
    expect(r.status, JSON.stringify(r.body)).toBe(202);
    return r.body.callId as string;
  };

  beforeAll(async () => {
    w = await startWorkerWithDb('snapshots', { withAssets: true });
    unity = await startUnityMcpServer({ profile: 'unity-mcp' });
    user = await userWithProject(w.worker.url, 'snap');
    sessionId = (await user.api.post(`${P()}/sessions`, { name: 'level one', ttl: '7d' })).body.id;
    const code = (await user.api.post(`${P()}/pairing-codes`, {})).body.code;
    agent = await pairAndStartAgent({ edge: w.worker.url, code, mcpUrl: unity.url });
    browser = await openSocket(`${w.worker.url.replace(/^http/, 'ws')}${S()}/connect?role=browser`, { token: user.token });
    await browser.next((m) => (m.t === 'agent' && m.online) || (m.t === 'snapshot' && m.online), 20_000);
  });
  afterAll(async () => {
    await browser?.close();
    await agent?.dispose();
    await unity?.close();
    await w?.dispose();
  });

  const A = 'Assets/Scripts/Player.cs';
  const B = 'Assets/Scripts/Enemy.cs';
  const C = 'Assets/Scripts/Later.cs';
  const a1 = 'using UnityEngine;\n\npublic class Player : MonoBehaviour { public float speed = 1f; }\n';
  const b1 = 'using UnityEngine;\n\npublic class Enemy : MonoBehaviour { }\n';
  let snapshotId: string;

  it('snapshot, change the files, restore: the disk equals the snapshot, and the restore is undoable history', async () => {
    await settled(sessionId, [await write(A, a1), await write(B, b1)]);
    const taken = await user.api.post(`${S()}/snapshots`, { name: 'before the boss' });
    expect(taken.status, JSON.stringify(taken.body)).toBe(201);
    snapshotId = taken.body.id;
    expect(taken.body).toMatchObject({ session_id: sessionId, name: 'before the boss', changes: 2, settings: { name: 'level one', ttl_seconds: 7 * 86400 } });
    expect(taken.body.files).toEqual([
      { path: B, sha256: sha(b1), bytes: Buffer.byteLength(b1) },
      { path: A, sha256: sha(a1), bytes: Buffer.byteLength(a1) },
    ].sort((x, y) => x.path.localeCompare(y.path)));
    const listed = await user.api.get(`${S()}/snapshots`);
    expect(listed.body.items.map((s: { id: string }) => s.id)).toEqual([snapshotId]);
    expect((await user.api.get(`${P()}/snapshots/${snapshotId}`)).body).toEqual(taken.body);
    // Texts are stored once per content, in Postgres with the snapshot (a backup holds them): a
    // second snapshot of the same files adds only its history. Nothing goes to R2 any more.
    const texts = async () => (await w.sql`select sha256 from snapshot_texts where project_id = ${user.projectId}`).map((r) => r.sha256 as string).sort();
    const first = await texts();
    expect(first).toEqual(expect.arrayContaining([sha(a1), sha(b1)]));
    expect(first).toHaveLength(3);
    const again = await user.api.post(`${S()}/snapshots`, { name: 'same files' });
    expect(again.body.files).toEqual(taken.body.files);
    const second = await texts();
    expect(second).toHaveLength(4);
    expect(second).toEqual(expect.arrayContaining(first));
    const bucket = await w.worker.mf.getR2Bucket('ARTIFACTS');
    expect((await bucket.list({ prefix: `projects/${user.projectId}/blobs/` })).objects).toHaveLength(0);
    expect((await user.api.get(`${S()}/snapshots`)).body.items.map((s: { id: string }) => s.id)).toEqual([again.body.id, snapshotId]);

    // Change everything: A edited, B deleted, C new.
    const guidA = guid(A);
    const a2 = a1.replace('1f', '9f');
    const del = await user.api.post(`${S()}/ops`, { op: 'delete_script', path: B });
    await settled(sessionId, [await write(A, a2), del.body.callId, await write(C, '// later\n')]);
    expect([read(A), read(B), read(C)]).toEqual([a2, null, '// later\n']);

    const restored = await user.api.post(`${S()}/snapshots/${snapshotId}/restore`);
    expect(restored.status, JSON.stringify(restored.body)).toBe(202);
    expect(restored.body).toMatchObject({ session_id: sessionId, snapshot_id: snapshotId, template: null });
    expect(restored.body.steps.map((s: { path: string; action: string }) => [s.path, s.action]).sort()).toEqual([
      [B, 'write'],
      [C, 'delete'],
      [A, 'write'],
    ].sort());
    const callIds = restored.body.steps.map((s: { call_id: string }) => s.call_id);
    await settled(sessionId, callIds);
    expect([read(A), read(B), read(C)]).toEqual([a1, b1, null]);
    // A was overwritten in place, so Unity still knows it by the same GUID.
    expect(guid(A)).toBe(guidA);
    // Each write is a change of this session, and the scripts list is the snapshot's again.
    const changes = await user.api.get(`${S()}/changes?limit=100`);
    for (const id of callIds) expect(changes.body.items.some((c: { call_id: string }) => c.call_id === id)).toBe(true);
    expect((await user.api.get(`${S()}/scripts`)).body.items.map((s: { path: string; sha256: string }) => [s.path, s.sha256])).toEqual(taken.body.files.map((f: { path: string; sha256: string }) => [f.path, f.sha256]));

    // Undo takes back the newest of the restore's operations, through the agent again.
    const newest = changes.body.items.find((c: { call_id: string }) => callIds.includes(c.call_id));
    const undo = await user.api.post(`${S()}/changes/undo`);
    expect(undo.status, JSON.stringify(undo.body)).toBe(202);
    expect(undo.body.path).toBe(newest.path);
    await settled(sessionId, [undo.body.callId]);
    const before = { [A]: a2, [B]: null, [C]: '// later\n' }[newest.path as string];
    expect(read(newest.path)).toBe(before);
  });

  it('a session from the snapshot gets its files, history and settings', async () => {
    // The undo above put one path back as before the restore: whatever that left is the start here.
    const start = { A: read(A), B: read(B), C: read(C) };
    const made = await user.api.post(`${P()}/sessions`, { name: 'retry the boss', from_snapshot: snapshotId });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    expect(made.body).toMatchObject({ name: 'retry the boss', restore: { snapshot_id: snapshotId, template: null } });
    expect(made.body.expires_at).not.toBeNull();
    expect(made.body.restore.steps.map((s: { path: string; action: string }) => [s.path, s.action]).sort()).toEqual([
      [A, 'write'],
      [B, 'write'],
    ].sort());
    const changed = await settled(made.body.id, made.body.restore.steps.map((s: { call_id: string }) => s.call_id));
    // The snapshot's files are written; a file the new session never had is left alone.
    expect([read(A), read(B), read(C)]).toEqual([a1, b1, start.C]);
    const scripts = await user.api.get(`${P()}/sessions/${made.body.id}/scripts`);
    expect(scripts.body.items.map((s: { path: string; sha256: string }) => [s.path, s.sha256])).toEqual([
      [B, sha(b1)],
      [A, sha(a1)],
    ].sort((x, y) => x[0]!.localeCompare(y[0]!)));
    // The snapshot's two changes came along, then the writes that changed a file (a write of the
    // text already there is no change).
    expect(changed).toBe([start.A !== a1, start.B !== b1].filter(Boolean).length);
    const changes = await user.api.get(`${P()}/sessions/${made.body.id}/changes?limit=100`);
    expect(changes.body.items).toHaveLength(2 + changed);
  });

  it("a session from a template gets the preset's files", async () => {
    const preset = loadPresets().find((p) => p.id === 'platformer-2d')!;
    // Named as the issue names it: the same words as the preset's id, in another order.
    const made = await user.api.post(`${P()}/sessions`, { name: 'platformer', template: '2d-platformer' });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    expect(made.body.restore).toMatchObject({ template: 'platformer-2d', snapshot_id: null });
    expect(made.body.restore.steps.map((s: { path: string }) => s.path)).toEqual(preset.scripts.map((s) => s.path));
    await settled(made.body.id, made.body.restore.steps.map((s: { call_id: string }) => s.call_id));
    for (const s of preset.scripts) expect(read(s.path), s.path).toBe(s.code);
    const scripts = await user.api.get(`${P()}/sessions/${made.body.id}/scripts`);
    expect(scripts.body.items.map((s: { path: string }) => s.path).sort()).toEqual(preset.scripts.map((s) => s.path).sort());
  });

  /** A snapshot as one taken before snapshot_texts left it: the manifest in Postgres, every text in R2 (those in `inR2`). */
  async function legacySnapshot(files: { path: string; code: string }[], inR2: (sha256: string) => boolean) {
    const bucket = await w.worker.mf.getR2Bucket('ARTIFACTS');
    const history = JSON.stringify({ version: 1, session_id: sessionId, exported_at: new Date().toISOString(), changes: [] });
    for (const text of [history, ...files.map((f) => f.code)])
      if (inR2(sha(text))) await bucket.put(`projects/${user.projectId}/blobs/sha256/${sha(text)}`, text);
    const manifest = {
      version: 1,
      files: files.map((f) => ({ path: f.path, sha256: sha(f.code), bytes: Buffer.byteLength(f.code) })),
      history: { sha256: sha(history), changes: 0 },
      settings: { name: 'old times', ttl_seconds: null, meta: {} },
    };
    const [row] = await w.sql`insert into snapshots (project_id, session_id, label, data) values (${user.projectId}, ${sessionId}, 'from before', ${w.sql.json(manifest)}) returning id`;
    return { id: row!.id as string, historySha: sha(history) };
  }

  it('a snapshot whose texts are still in R2 (taken before) starts a session, and its texts move to Postgres', async () => {
    const D = 'Assets/Scripts/Legacy.cs';
    const d = 'public class Legacy { }\n';
    const old = await legacySnapshot([{ path: D, code: d }], () => true);
    const made = await user.api.post(`${P()}/sessions`, { name: 'from the old days', from_snapshot: old.id });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    await settled(made.body.id, made.body.restore.steps.map((s: { call_id: string }) => s.call_id));
    expect(read(D)).toBe(d);
    const copied = await w.sql`select sha256, content from snapshot_texts where project_id = ${user.projectId} and sha256 in ${w.sql([sha(d), old.historySha])}`;
    expect(copied.map((r) => r.sha256).sort()).toEqual([sha(d), old.historySha].sort());
    expect(copied.find((r) => r.sha256 === sha(d))!.content).toBe(d);
  });

  it('a snapshot with a text missing or not matching its hash is refused (409), and nothing is queued', async () => {
    const sessionsBefore = (await user.api.get(`${P()}/sessions`)).body.items.length;
    const lost = 'public class Lost { }\n';
    const missing = await legacySnapshot([{ path: 'Assets/Scripts/Lost.cs', code: lost }], (h) => h !== sha(lost));
    for (const res of [
      await user.api.post(`${P()}/sessions`, { name: 'x', from_snapshot: missing.id }),
      await user.api.post(`${S()}/snapshots/${missing.id}/restore`),
    ]) {
      expect(res.status, JSON.stringify(res.body)).toBe(409);
      expect(res.body.error).toMatchObject({ code: 'snapshot_incomplete' });
      expect(res.body.error.message).toContain('Assets/Scripts/Lost.cs');
    }
    // A text changed under its hash (a hand edit, a bad copy) is not restored either.
    const edited = 'public class Edited { }\n';
    const tampered = await legacySnapshot([{ path: 'Assets/Scripts/Edited.cs', code: edited }], () => false);
    await w.sql`insert into snapshot_texts (project_id, sha256, content) values (${user.projectId}, ${sha(edited)}, 'public class Other { }')`;
    const res = await user.api.post(`${S()}/snapshots/${tampered.id}/restore`);
    expect(res.status, JSON.stringify(res.body)).toBe(409);
    expect(res.body.error.message).toContain('does not match its sha-256');
    expect((await user.api.get(`${P()}/sessions`)).body.items.length).toBe(sessionsBefore);
    expect(existsSync(disk('Assets/Scripts/Lost.cs')) || existsSync(disk('Assets/Scripts/Edited.cs'))).toBe(false);
  });

  it('refuses bad input with a 4xx naming the field, and makes nothing', async () => {
    const sessionsBefore = (await user.api.get(`${P()}/sessions`)).body.items.length;
    const missing = '00000000-0000-4000-8000-000000000000';
    const cases: [Promise<{ status: number; body: any }>, number, string][] = [
      [user.api.post(`${S()}/snapshots/${missing}/restore`), 404, 'snapshotId'],
      [user.api.post(`${S()}/snapshots/not-a-uuid/restore`), 404, 'snapshotId'],
      [user.api.post(`${P()}/sessions`, { name: 'x', from_snapshot: missing }), 404, 'from_snapshot'],
      [user.api.post(`${P()}/sessions`, { name: 'x', from_snapshot: 'nope' }), 400, 'from_snapshot'],
      [user.api.post(`${P()}/sessions`, { name: 'x', template: 'no-such-preset' }), 404, 'template'],
      [user.api.post(`${P()}/sessions`, { name: 'x', template: '../etc' }), 400, 'template'],
      [user.api.post(`${P()}/sessions`, { name: 'x', template: 'platformer-2d', from_snapshot: snapshotId }), 400, 'template'],
      [user.api.post(`${S()}/snapshots`, { name: '' }), 400, 'name'],
      [user.api.post(`${S()}/snapshots`, {}), 400, 'name'],
    ];
    for (const [res, status, path] of cases) {
      const r = await res;
      expect(r.status, JSON.stringify(r.body)).toBe(status);
      expect(r.body.error.path, JSON.stringify(r.body)).toBe(path);
    }
    expect((await user.api.get(`${P()}/sessions`)).body.items.length).toBe(sessionsBefore);

    // Another project's snapshot is not found from here, in either direction.
    const other = await userWithProject(w.worker.url, 'other');
    const theirs = (await other.api.post(`/api/projects/${other.projectId}/sessions`, { name: 'theirs' })).body.id;
    const intoTheirs = await other.api.post(`/api/projects/${other.projectId}/sessions/${theirs}/snapshots/${snapshotId}/restore`);
    expect(intoTheirs.status).toBe(404);
    expect(intoTheirs.body.error.path).toBe('snapshotId');
    expect((await other.api.post(`/api/projects/${other.projectId}/sessions`, { name: 'x', from_snapshot: snapshotId })).body.error.path).toBe('from_snapshot');
    expect((await other.api.get(`/api/projects/${user.projectId}/snapshots/${snapshotId}`)).status).toBe(404);
    // And a session of another project is not a target.
    expect((await user.api.post(`${P()}/sessions/${theirs}/snapshots/${snapshotId}/restore`)).status).toBe(404);
  });
});
