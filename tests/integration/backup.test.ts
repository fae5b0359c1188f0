// A project's backup: exported (the API for an owner, the spark:backup script for an operator),
// restored by the script into a fresh database on the shared server, and compared table by table
// with the source: every row of the project, nothing of another project, nothing else changed.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportBackup } from '../../db/backup';
import { createDb } from '../../db/client';
import { makeEvent, userWithProject } from '../support/api';
import { createTestDatabase, type TestDatabase } from '../support/test-db';
import { startWorkerWithDb, type WorkerWithDb } from '../support/worker-db';

const run = promisify(execFile);

/** `npm run spark:backup -- …` as a self-hoster runs it; resolves with its exit code and output. */
async function sparkBackup(databaseUrl: string, args: string[]) {
  try {
    const r = await run('npx', ['tsx', 'scripts/spark-backup.ts', ...args], { env: { ...process.env, DATABASE_URL: databaseUrl } });
    return { code: 0, out: r.stdout + r.stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, out: e.stdout + e.stderr };
  }
}

describe('project backup and restore', () => {
  let w: WorkerWithDb;
  let fresh: TestDatabase;
  let restored: postgres.Sql;
  let dir: string;
  let owner: Awaited<ReturnType<typeof userWithProject>>;
  let member: Awaited<ReturnType<typeof userWithProject>>;
  let stranger: Awaited<ReturnType<typeof userWithProject>>;

  beforeAll(async () => {
    w = await startWorkerWithDb('backup');
    fresh = await createTestDatabase('spark_restore');
    restored = postgres(fresh.url, { max: 1, onnotice: () => {} });
    dir = mkdtempSync(join(tmpdir(), 'spark-backup-'));
    owner = await userWithProject(w.worker.url, 'owner');
    member = await userWithProject(w.worker.url, 'member');
    stranger = await userWithProject(w.worker.url, 'stranger');
  });
  afterAll(async () => {
    await restored?.end();
    await fresh?.drop();
    await w?.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** A project with a bit of everything: a member, a token, sessions, history, a snapshot, events. */
  async function fill(u: typeof owner, label: string) {
    const P = `/api/projects/${u.projectId}`;
    const s1 = (await u.api.post(`${P}/sessions`, { name: `${label} one`, ttl: '7d' })).body.id as string;
    const s2 = (await u.api.post(`${P}/sessions`, { name: `${label} two` })).body.id as string;
    expect((await u.api.post(`${P}/tokens`, { name: 'ci', scope: 'ingest' })).status).toBe(201);
    for (const [i, text] of ['class A {}', 'class A { int x; }'].entries())
      await w.sql`insert into patches (project_id, session_id, call_id, path, op, before_content, after_content, after_sha256, created_at)
                  values (${u.projectId}, ${s1}, ${`call-${label}-${i}`}, 'Assets/A.cs', ${i === 0 ? 'create' : 'modify'}, ${i === 0 ? null : 'class A {}'}, ${text}, ${'a'.repeat(63) + i}, ${`2026-0${i + 1}-02T10:00:00.123456Z`})`;
    expect((await u.api.post(`${P}/sessions/${s1}/snapshots`, { name: `${label} snap` })).status).toBe(201);
    // Events of two months (two partitions), one with a session.
    const events = [makeEvent({ ts: Date.parse('2026-01-15T00:00:00Z') / 1000 }), makeEvent({ session_id: s2, ts: Date.parse('2026-03-15T00:00:00Z') / 1000 })];
    const imported = await fetch(`${w.worker.url}${P}/events/import`, {
      method: 'POST',
      headers: { authorization: `Bearer ${u.token}`, 'content-type': 'application/x-ndjson' },
      body: events.map((e) => JSON.stringify(e)).join('\n'),
    });
    expect(await imported.json()).toMatchObject({ imported: 2 });
  }

  it('an owner downloads the project as NDJSON; other members’ password hashes are withheld', async () => {
    await fill(owner, 'mine');
    await fill(stranger, 'theirs');
    expect((await owner.api.post(`/api/projects/${owner.projectId}/members`, { email: member.email, role: 'member' })).status).toBe(201);

    // A snapshot taken before texts moved to Postgres keeps them in R2: the export brings them in.
    const oldText = 'class Old {}';
    const oldSha = createHash('sha256').update(oldText).digest('hex');
    await (await w.worker.mf.getR2Bucket('ARTIFACTS')).put(`projects/${owner.projectId}/blobs/sha256/${oldSha}`, oldText);
    const oldManifest = { version: 1, files: [{ path: 'Assets/Old.cs', sha256: oldSha, bytes: oldText.length }], history: { sha256: oldSha, changes: 0 }, settings: { name: 'old', ttl_seconds: null, meta: {} } };
    await w.sql`insert into snapshots (project_id, label, data) values (${owner.projectId}, 'from before', ${w.sql.json(oldManifest)})`;

    const res = await fetch(`${w.worker.url}/api/projects/${owner.projectId}/backup`, { headers: { authorization: `Bearer ${owner.token}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('ndjson');
    const lines = (await res.text()).trim().split('\n').map((l) => JSON.parse(l));
    expect(lines[0]).toMatchObject({ format: 'spark-backup', version: 1, project_id: owner.projectId, redacted: ['users.password_hash'] });
    expect(lines[0].tables.indexOf('users')).toBeLessThan(lines[0].tables.indexOf('projects'));
    expect(lines[0].tables.indexOf('sessions')).toBeLessThan(lines[0].tables.indexOf('patches'));
    const rows = lines.slice(1) as { table: string; row: Record<string, any> }[];
    const users = rows.filter((r) => r.table === 'users').map((r) => r.row);
    expect(users.map((u) => u.id).sort()).toEqual([owner.userId, member.userId].sort());
    expect(users.find((u) => u.id === owner.userId)!.password_hash).not.toBe('!withheld');
    expect(users.find((u) => u.id === member.userId)!.password_hash).toBe('!withheld');
    // Nothing of the other project.
    expect(JSON.stringify(rows)).not.toContain(stranger.projectId);
    expect(rows.filter((r) => r.table === 'spark_events')).toHaveLength(2);
    expect(rows.filter((r) => r.table === 'snapshot_texts').find((r) => r.row.sha256 === oldSha)?.row.content).toBe(oldText);

    // A member is not an owner; a stranger does not see the project at all.
    expect((await fetch(`${w.worker.url}/api/projects/${owner.projectId}/backup`, { headers: { authorization: `Bearer ${member.token}` } })).status).toBe(403);
    expect((await fetch(`${w.worker.url}/api/projects/${owner.projectId}/backup`, { headers: { authorization: `Bearer ${stranger.token}` } })).status).toBe(404);
  });

  it('the script exports and restores into an empty database: the same rows, table by table', async () => {
    const file = join(dir, 'backup.ndjson');
    const exported = await sparkBackup(w.db.url, ['export', owner.projectId, file]);
    expect(exported.code, exported.out).toBe(0);
    expect(readFileSync(file, 'utf8').split('\n')[0]).toContain('"redacted":[]');
    // Paging by primary key, one row a page, gives the same rows in the same order.
    const { db, close } = createDb({ url: w.db.url, max: 1 });
    const paged: string[] = [];
    for await (const line of exportBackup(db, owner.projectId, { pageRows: 1 })) paged.push(line);
    await close();
    expect(paged.slice(1)).toEqual(readFileSync(file, 'utf8').trim().split('\n').slice(1));
    const tables = (await restored`select c.relname as name, exists (select 1 from pg_attribute a where a.attrelid = c.oid and a.attname = 'project_id') as scoped
                                    from pg_class c join pg_namespace n on n.oid = c.relnamespace
                                   where n.nspname = 'public' and c.relkind in ('r', 'p') and not c.relispartition order by 1`) as unknown as { name: string; scoped: boolean }[];
    const dump = async (sql: postgres.Sql, table: string, where: string) =>
      ((await sql.unsafe(`select to_jsonb(t)::text as r from "${table}" t ${where}`)) as unknown as { r: string }[]).map((x) => x.r).sort();
    const empty: Record<string, string[]> = {};
    for (const t of tables) empty[t.name] = await dump(restored, t.name, '');

    const restore = await sparkBackup(fresh.url, ['restore', file]);
    expect(restore.code, restore.out).toBe(0);
    expect(restore.out).toContain(`restored project ${owner.projectId}`);

    const compared: Record<string, number> = {};
    for (const t of tables) {
      const where = t.name === 'projects' ? `where id = '${owner.projectId}'` : t.name === 'users' ? `where id in ('${owner.userId}', '${member.userId}')` : t.scoped ? `where project_id = '${owner.projectId}'` : null;
      const got = await dump(restored, t.name, '');
      if (where === null) {
        // Tables not of a project (sign-ins, rollup watermarks, …) are as the migrations left them.
        if (t.name !== 'assistant_messages') expect(got, t.name).toEqual(empty[t.name]);
        continue;
      }
      expect(got, t.name).toEqual(await dump(w.sql, t.name, where));
      compared[t.name] = got.length;
    }
    // The comparison covered real rows of every kind the project has.
    expect(compared).toMatchObject({ projects: 1, users: 2, memberships: 2, sessions: 2, patches: 2, snapshots: 2, spark_events: 2 });
    // The snapshot is whole in the restored database: every text its manifest names came along.
    const texts = await restored`
      select m.sha, exists (select 1 from snapshot_texts t where t.project_id = ${owner.projectId} and t.sha256 = m.sha) as stored
        from (select f->>'sha256' as sha from snapshots s, jsonb_array_elements(s.data->'files') f where s.project_id = ${owner.projectId}
              union select s.data->'history'->>'sha256' from snapshots s where s.project_id = ${owner.projectId}) m`;
    expect(texts.length).toBeGreaterThanOrEqual(2); // A.cs and the history
    expect(texts.filter((t) => !t.stored)).toEqual([]);
    expect(compared.api_tokens).toBeGreaterThanOrEqual(1);
    expect(compared.audit_log).toBeGreaterThanOrEqual(1);

    // Restoring the same project again is refused, and changes nothing.
    const again = await sparkBackup(fresh.url, ['restore', file]);
    expect(again.code).toBe(1);
    expect(again.out).toContain('already exists');
    expect((await restored`select count(*)::int as n from sessions`)[0]!.n).toBe(2);
  });

  it('refuses a file that is not a backup, and a bad command line', async () => {
    const junk = join(dir, 'junk.ndjson');
    writeFileSync(junk, '{"hello":1}\n');
    const bad = await sparkBackup(fresh.url, ['restore', junk]);
    expect(bad.code).toBe(1);
    expect(bad.out).toContain('not a spark-backup header');
    expect((await sparkBackup(fresh.url, ['restore'])).code).toBe(2);
  });
});
