import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient, eventually, makeEvent, userWithProject } from '../support/api';
import { runCli, startCli, type Run } from '../support/spark-cli';
import { createTestDatabase } from '../support/test-db';
import { startWorkerWithDb, type WorkerWithDb } from '../support/worker-db';

// The `spark` CLI as a developer runs it: the real command in a child process (node with tsx's
// loader, as `npm run spark` does, one process so its memory can be read) against the edge in
// workerd on a real Postgres, with its login stored in a config directory of the test's own.
// The export of 200,000 events with flat memory is in the soak suite (tests/soak/cli-export.test.ts).

const PASSWORD = 'correct horse battery';

describe('the spark CLI against a real edge', () => {
  let stack: WorkerWithDb;
  let dir: string;
  let owner: Awaited<ReturnType<typeof userWithProject>>;
  let configDir: string;
  const cli = (args: string[], input?: string) => runCli(args, { configDir, input });

  beforeAll(async () => {
    stack = await startWorkerWithDb('cli', { authRateLimit: { limit: 1000, period: 60 } });
    dir = await mkdtemp(join(tmpdir(), 'spark-cli-'));
    configDir = join(dir, 'config');
    owner = await userWithProject(stack.worker.url, 'cli');
  }, 120_000);
  afterAll(async () => {
    await stack?.dispose();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('logs in with email and password (no password stored, file 0600), and renews an expired access token with the refresh token', async () => {
    const login = await cli(['login', '--edge', stack.worker.url, '--email', owner.email, '--json'], `${PASSWORD}\n`);
    expect(login.stderr).toBe('');
    expect(login.code).toBe(0);
    expect(JSON.parse(login.stdout)).toMatchObject({ edge: stack.worker.url, kind: 'user', email: owner.email, project: { id: owner.projectId } });
    const file = join(configDir, 'login.json');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await stat(configDir)).mode & 0o777).toBe(0o700);
    const stored = JSON.parse(await readFile(file, 'utf8'));
    expect(await readFile(file, 'utf8')).not.toContain(PASSWORD);
    expect(stored.refresh_token).toMatch(/^[A-Za-z0-9_-]{43}$/);

    // Due for renewal: the next command trades the refresh token (it rotates) and works.
    await writeFile(file, JSON.stringify({ ...stored, expires_at: 0 }), { mode: 0o600 });
    const list = await cli(['sessions', 'list', '--json']);
    expect(list.code).toBe(0);
    const renewed = JSON.parse(await readFile(file, 'utf8'));
    expect(renewed.refresh_token).not.toBe(stored.refresh_token);
    expect(renewed.expires_at).toBeGreaterThan(Date.now());
    expect((await stat(file)).mode & 0o777).toBe(0o600);

    // An access token the edge refuses (401) is renewed once and the call made again.
    await writeFile(file, JSON.stringify({ ...renewed, token: 'not-a-token' }), { mode: 0o600 });
    expect((await cli(['sessions', 'list'])).code).toBe(0);
    expect(JSON.parse(await readFile(file, 'utf8')).token).not.toBe('not-a-token');

    const wrong = await runCli(['login', '--edge', stack.worker.url, '--email', owner.email], { configDir: join(dir, 'wrong'), input: 'not the password\n' });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain('invalid_credentials');
  }, 60_000);

  it('logs in with a project API token, which names its project', async () => {
    const token = await owner.api.post(`/api/projects/${owner.projectId}/tokens`, { name: 'cli', scope: 'read' });
    const tokenDir = join(dir, 'token-login');
    const login = await runCli(['login', '--edge', stack.worker.url, '--token', token.body.token], { configDir: tokenDir });
    expect(login.code).toBe(0);
    expect(login.stdout).toContain(`project: cli's game (${owner.projectId})`);
    const list = await runCli(['sessions', 'list', '--json'], { configDir: tokenDir });
    expect(list.code).toBe(0);
    expect(JSON.parse(list.stdout).project_id).toBe(owner.projectId);

    const logout = await runCli(['logout'], { configDir: tokenDir });
    expect(logout.stdout).toBe(`logged out of ${stack.worker.url}\n`);
    const after = await runCli(['sessions', 'list'], { configDir: tokenDir });
    expect(after.code).toBe(1);
    expect(after.stderr).toContain('not logged in: run `spark login --edge URL`');
  }, 60_000);

  it('sessions list|status|sleep|wake|extend: what the API answers after each', async () => {
    const a = await owner.api.post(`/api/projects/${owner.projectId}/sessions`, { name: 'level-one', ttl: '2d' });
    const b = await owner.api.post(`/api/projects/${owner.projectId}/sessions`, { name: 'level-two' });
    expect([a.status, b.status]).toEqual([201, 201]);

    const list = await cli(['sessions', 'list', '--json']);
    expect(list.code).toBe(0);
    const listed = JSON.parse(list.stdout).items as { id: string; name: string; state: string }[];
    expect(listed.filter((s) => [a.body.id, b.body.id].includes(s.id)).map((s) => [s.name, s.state])).toEqual([
      ['level-two', 'active'],
      ['level-one', 'active'],
    ]);
    const human = await cli(['sessions', 'list']);
    expect(human.stdout).toMatch(/^ID\s+NAME\s+STATE\s+LAST ACTIVE\s+EXPIRES$/m);
    expect(human.stdout).toMatch(new RegExp(`^${a.body.id.slice(0, 8)}\\s+level-one\\s+active\\s+just now\\s+in 2 d$`, 'm'));

    // Asleep; status reads it without waking it, wake wakes it.
    const sleep = await cli(['sessions', 'sleep', 'level-one']);
    expect(sleep.code).toBe(0);
    expect(sleep.stdout).toBe('level-one: active → sleeping\n');
    const status = await cli(['sessions', 'status', 'level-one', '--json']);
    expect(JSON.parse(status.stdout)).toMatchObject({ id: a.body.id, state: 'sleeping' });
    const [still] = await stack.sql`select state from sessions where id = ${a.body.id}`;
    expect(still!.state).toBe('sleeping');

    const wake = await cli(['sessions', 'wake', a.body.id.slice(0, 8)]);
    expect(wake.code).toBe(0);
    expect(wake.stdout).toBe('level-one: sleeping → active\n');
    const after = await owner.api.get(`/api/projects/${owner.projectId}/sessions`);
    expect(after.body.items.find((s: { id: string }) => s.id === a.body.id).state).toBe('active');

    const before = Date.parse(a.body.expires_at);
    const extend = await cli(['sessions', 'extend', 'level-one', '36h', '--json']);
    expect(extend.code).toBe(0);
    const answered = await owner.api.get(`/api/projects/${owner.projectId}/sessions`);
    const expires = Date.parse(answered.body.items.find((s: { id: string }) => s.id === a.body.id).expires_at);
    expect(expires).toBe(before + 36 * 3600_000);
    expect(JSON.parse(extend.stdout).expires_at).toBe(new Date(expires).toISOString());

    const missing = await cli(['sessions', 'wake', 'no-such-session']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("no session 'no-such-session'");
  }, 90_000);

  it('bad arguments exit 2 with a message naming the argument', async () => {
    const cases: [string[], string][] = [
      [['sessions', 'extend', 'level-one', 'soon'], 'TTL soon: ttl must be a number and a unit'],
      [['sessions', 'extend', 'level-one'], 'sessions extend: missing TTL'],
      [['sessions', 'list', '--bogus'], "unknown option '--bogus'"],
      [['sessions', 'list', '--expiring-within', '3w'], '--expiring-within 3w'],
      [['sessions', 'frobnicate'], "unknown command 'sessions frobnicate'"],
      [['nope'], "unknown command 'nope'"],
      [['stats', '--from', '2026-02-30'], '--from 2026-02-30: from must be a real calendar day'],
      [['logs', 'level-one', '--tail', 'many'], '--tail many: must be a whole number'],
      [['events', 'export', 'out.ndjson', '--since', 'yesterday'], '--since yesterday: must be unix seconds or an ISO 8601 date-time'],
      [['events', 'import', join(dir, 'absent.ndjson')], 'no such file'],
      [['replay', '--log', 'x.ndjson'], 'replay: --chip is needed'],
      [['login', '--edge', 'ftp://example.com', '--token', 't'], '--edge ftp://example.com: must be an http(s) URL'],
      [['sessions', 'list', '--project', 'not-mine'], '--project not-mine: no such project'],
    ];
    for (const [args, message] of cases) {
      const r = await cli(args);
      expect({ args, code: r.code }).toEqual({ args, code: 2 });
      expect(r.stderr).toContain(message);
    }
    const json = await cli(['sessions', 'extend', 'level-one', 'soon', '--json']);
    expect(JSON.parse(json.stdout)).toEqual({ error: { code: 'usage', message: expect.stringContaining('TTL soon') } });
  }, 120_000);

  it('logs --follow prints an event ingested after it started', async () => {
    const ingest = await owner.api.post(`/api/projects/${owner.projectId}/tokens`, { name: 'ingest', scope: 'ingest' });
    const machine = apiClient(stack.worker.url, ingest.body.token);
    const sessionId = `follow-${crypto.randomUUID().slice(0, 8)}`;
    const earlier = makeEvent({ session_id: sessionId, type: 'cli.first', payload: { path: 'Assets/Early.cs' } });
    expect((await machine.post(`/api/projects/${owner.projectId}/events`, { events: [earlier] })).status).toBe(202);
    await eventually(async () => (await owner.api.get(`/api/projects/${owner.projectId}/events?session_id=${sessionId}`)).body.items.length === 1);

    const follow = startCli(['logs', sessionId, '--follow', '--interval', '1', '--json'], { configDir });
    try {
      await eventually(async () => follow.out.stdout.includes(earlier.id), 30_000);
      const later = makeEvent({ session_id: sessionId, type: 'cli.second', payload: { path: 'Assets/Late.cs' } });
      expect((await machine.post(`/api/projects/${owner.projectId}/events`, { events: [later] })).status).toBe(202);
      await eventually(async () => follow.out.stdout.includes(later.id), 30_000);
      const lines = follow.out.stdout.trimEnd().split('\n').map((l) => JSON.parse(l));
      expect(lines.map((e) => e.id)).toEqual([earlier.id, later.id]);
      expect(lines[1]).toMatchObject({ type: 'cli.second', session_id: sessionId, payload: { path: 'Assets/Late.cs' } });
    } finally {
      follow.child.kill('SIGINT');
    }
    expect((await follow.done).code).toBe(0);

    const once = await cli(['logs', sessionId]);
    expect(once.code).toBe(0);
    expect(once.stdout.trimEnd().split('\n')).toEqual([expect.stringContaining('cli.first  tests/system'), expect.stringContaining('cli.second  tests/system')]);
  }, 90_000);

  it('stats prints the numbers that were made', async () => {
    const p = await userWithProject(stack.worker.url, 'stats');
    const statsDir = join(dir, 'stats');
    expect((await runCli(['login', '--edge', stack.worker.url, '--email', p.email], { configDir: statsDir, input: `${PASSWORD}\n` })).code).toBe(0);
    for (const name of ['a', 'b', 'c']) expect((await p.api.post(`/api/projects/${p.projectId}/sessions`, { name })).status).toBe(201);
    // Finished calls as the event consumer records them: 4 succeeded, 1 failed, 1 timed out, 2 still running.
    const calls = [...Array(4).fill('succeeded'), 'failed', 'timeout', 'started', 'started'] as string[];
    for (const [i, status] of calls.entries()) {
      const done = status !== 'started';
      await stack.sql`insert into function_calls (project_id, session_id, call_id, name, status, latency_ms, started_at, completed_at)
        values (${p.projectId}, 's', ${`c${i}`}, 'run_build', ${status}, ${done ? 100 * (i + 1) : null}, now() - interval '1 minute', ${done ? new Date() : null})`;
    }

    const json = await runCli(['stats', '--json'], { configDir: statsDir });
    expect(json.code).toBe(0);
    const view = JSON.parse(json.stdout);
    expect(view.sessions.active_now).toBe(3);
    expect(view.function_calls).toEqual({ succeeded: 4, failed: 1, timeout: 1, started: 2, success_rate: 4 / 6 });
    // The CLI prints the API's panels as they are (in_flight's last point and generated_at are "now").
    const direct = (await p.api.get(`/api/projects/${p.projectId}/dashboard`)).body;
    const settled = (d: Record<string, unknown>) => ({ ...d, generated_at: null, in_flight: null });
    expect(settled(view)).toEqual(settled(direct));

    const human = await runCli(['stats'], { configDir: statsDir });
    expect(human.stdout).toContain('sessions        3 active now');
    expect(human.stdout).toContain('function calls  4 succeeded, 1 failed, 1 timed out, 2 running (success 66.7%)');
    // p95 (nearest rank) of 100, 200, 300, 400, 500, 600 ms.
    expect(human.stdout).toMatch(/^run_build\s+6\s+-\s+-\s+600$/m);

    // Logging out ends the sign-in on the edge: a copy of the login kept elsewhere cannot renew it.
    const kept = JSON.parse(await readFile(join(statsDir, 'login.json'), 'utf8'));
    expect((await runCli(['logout'], { configDir: statsDir })).code).toBe(0);
    await writeFile(join(statsDir, 'login.json'), JSON.stringify({ ...kept, expires_at: 0 }), { mode: 0o600 });
    const ended = await runCli(['stats'], { configDir: statsDir });
    expect(ended.code).toBe(1);
    expect(ended.stderr).toContain('sign_in_ended');
    expect(ended.stderr).toContain('run `spark login` again');
  }, 60_000);

  it('events export then import into another project gives the same events, with progress on stderr', async () => {
    const M = 3_000;
    await stack.sql`
      insert into spark_events (id, occurred_at, project_id, session_id, source, kind, type, payload, trace_id)
      select gen_random_uuid(), now() - (i * interval '1 second'), ${owner.projectId}, 'sess-' || (i % 3), 'seed', 'system', 'seed.event',
             jsonb_build_object('i', i, 'text', 'ünïcode ' || i), case when i % 2 = 0 then 'tr-' || i end
      from generate_series(1, ${M}) as i`;
    const file = join(dir, 'log.ndjson');
    const out = await cli(['events', 'export', file, '--json']);
    expect(out.code).toBe(0);
    expect(JSON.parse(out.stdout)).toMatchObject({ project_id: owner.projectId, file, events: expect.any(Number) });
    const exported = JSON.parse(out.stdout).events as number;
    expect(exported).toBeGreaterThanOrEqual(M);
    expect(out.stderr).toContain(`exported ${exported.toLocaleString('en-US')} events`);
    expect((await readFile(file, 'utf8')).trimEnd().split('\n')).toHaveLength(exported);

    const other = await userWithProject(stack.worker.url, 'other');
    const ingest = await other.api.post(`/api/projects/${other.projectId}/tokens`, { name: 'import', scope: 'ingest' });
    const asOther = { configDir: join(dir, 'other'), env: { SPARK_URL: stack.worker.url, SPARK_TOKEN: ingest.body.token } };
    const imported = await runCli(['events', 'import', file, '--json'], asOther);
    expect(imported.code).toBe(0);
    expect(JSON.parse(imported.stdout)).toEqual({ project_id: other.projectId, lines: exported, imported: exported, duplicates: 0, rejected: 0, rejections: [] });
    expect(imported.stderr).toContain(`sent ${exported.toLocaleString('en-US')} lines`);

    const again = await runCli(['events', 'import', file], asOther);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain(`imported 0, already there ${exported.toLocaleString('en-US')}, rejected 0`);

    // The other project's log is the same file, line for line (project_id aside).
    const back = await fetch(`${stack.worker.url}/api/projects/${other.projectId}/events/export`, { headers: { authorization: `Bearer ${other.token}` } });
    const sameOwner = (text: string) => text.trimEnd().split('\n').map((l) => ({ ...JSON.parse(l), project_id: undefined, received_at: undefined }));
    expect(sameOwner(await back.text())).toEqual(sameOwner(await readFile(file, 'utf8')));

    // A rejected line: reported by number, exit 1, the good lines kept.
    const bad = join(dir, 'bad.ndjson');
    await writeFile(bad, `${JSON.stringify(makeEvent({ session_id: 'bad-file' }))}\nnot json\n`);
    const partly = await runCli(['events', 'import', bad], asOther);
    expect(partly.code).toBe(1);
    expect(partly.stdout).toContain('imported 1, already there 0, rejected 1 of 2 lines\n  line 2: invalid_json');

    // The old alias still runs the same code.
    const aliasFile = join(dir, 'alias.ndjson');
    const alias = await new Promise<Run>((resolve) => {
      const c = spawn(process.execPath, ['--import', 'tsx', 'scripts/spark-events.ts', 'export', owner.projectId, aliasFile, '--session', 'sess-1'], {
        env: { ...process.env, SPARK_URL: stack.worker.url, SPARK_TOKEN: owner.token },
      });
      const o = { stdout: '', stderr: '' };
      c.stdout.on('data', (d: Buffer) => (o.stdout += d.toString()));
      c.stderr.on('data', (d: Buffer) => (o.stderr += d.toString()));
      c.on('close', (code) => resolve({ code, ...o }));
    });
    expect(alias.code).toBe(0);
    const sess1 = (await readFile(aliasFile, 'utf8')).trimEnd().split('\n');
    expect(sess1.length).toBe(M / 3);
    expect(sess1.every((l) => JSON.parse(l).session_id === 'sess-1')).toBe(true);
  }, 120_000);
  it('snapshot create|list|restore, then backup and restore into an empty database', async () => {
    const P = `/api/projects/${owner.projectId}`;
    const s = (await owner.api.post(`${P}/sessions`, { name: 'kept' })).body.id as string;
    // Two scripts in the session's history, as the agent's verified reports would leave them.
    for (const [i, path] of ['Assets/A.cs', 'Assets/B.cs'].entries())
      await stack.sql`insert into patches (project_id, session_id, call_id, path, op, after_content, after_sha256)
                      values (${owner.projectId}, ${s}, ${`cli-snap-${i}`}, ${path}, 'create', ${`class C${i} {}`}, ${String(i).repeat(64)})`;

    const made = await cli(['snapshot', 'create', 'kept', 'first', '--json']);
    expect(made.code, made.stderr).toBe(0);
    const snap = JSON.parse(made.stdout);
    expect(snap).toMatchObject({ name: 'first', session_id: s, changes: 2 });
    expect(snap.files.map((f: { path: string }) => f.path).sort()).toEqual(['Assets/A.cs', 'Assets/B.cs']);
    const listed = await cli(['snapshot', 'list', 'kept']);
    expect(listed.stdout).toMatch(new RegExp(`^${snap.id.slice(0, 8)}\\s+first\\s+2\\s+2\\s+${s.slice(0, 8)}\\s+just now$`, 'm'));
    expect(JSON.parse((await cli(['snapshot', 'list', '--json'])).stdout).items.map((i: { id: string }) => i.id)).toContain(snap.id);

    // No agent is connected: the writes are queued, each one an op the API shows.
    const restore = await cli(['snapshot', 'restore', 'kept', 'first', '--no-wait', '--json']);
    expect(restore.code, restore.stderr).toBe(0);
    const steps = JSON.parse(restore.stdout).steps as { path: string; action: string; call_id: string }[];
    expect(steps.map((st) => [st.action, st.path]).sort()).toEqual([['write', 'Assets/A.cs'], ['write', 'Assets/B.cs']]);
    for (const st of steps) expect((await owner.api.get(`${P}/sessions/${s}/ops/${st.call_id}`)).body.state).toBe('queued');
    const unknown = await cli(['snapshot', 'restore', 'kept', 'no-such-snapshot']);
    expect([unknown.code, unknown.stderr]).toEqual([1, "spark: no snapshot 'no-such-snapshot' in this project ('spark snapshot list' shows them)\n"]);
    expect((await cli(['snapshot', 'create', 'kept', ''])).code).toBe(2);

    const file = join(dir, 'project.backup.ndjson');
    const backedUp = await cli(['backup', file, '--json']);
    expect(backedUp.code, backedUp.stderr).toBe(0);
    const header = JSON.parse((await readFile(file, 'utf8')).split('\n')[0]!);
    expect(header).toMatchObject({ format: 'spark-backup', project_id: owner.projectId });
    expect(JSON.parse(backedUp.stdout).rows).toBe((await readFile(file, 'utf8')).trimEnd().split('\n').length - 1);

    expect((await cli(['restore', file], undefined)).code).toBe(2); // no database named
    const fresh = await createTestDatabase('cli_restore');
    try {
      const restored = await cli(['restore', file, '--database-url', fresh.url, '--json']);
      expect(restored.code, restored.stderr).toBe(0);
      expect(JSON.parse(restored.stdout)).toMatchObject({ project_id: owner.projectId, rows: { projects: 1, snapshots: 1 } });
      const again = postgres(fresh.url, { max: 1, onnotice: () => {} });
      try {
        expect((await again`select label from snapshots where project_id = ${owner.projectId}`).map((r) => r.label)).toEqual(['first']);
        expect((await again`select count(*)::int as n from patches where session_id = ${s}`)[0]!.n).toBe(2);
      } finally {
        await again.end();
      }
      const twice = await cli(['restore', file, '--database-url', fresh.url]);
      expect(twice.code).toBe(1);
    } finally {
      await fresh.drop();
    }
  }, 120_000);
});
