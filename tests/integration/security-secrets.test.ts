// Issue 15, item 6: credentials never travel in URLs and never reach a log line; a database that
// cannot take connections yet is a 503 with Retry-After. The Worker's own logs are captured.
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isDatabaseUnavailable } from '../../workers/db-errors';
import { safeErrorLine } from '../../workers/safe-log';
import { apiClient, eventually, makeEvent, signUpAndLogIn, userWithProject } from '../support/api';
import { startSparkWorker, type SparkWorker } from '../support/spark-worker';
import { createTestDatabase, type TestDatabase } from '../support/test-db';
import { openSocket } from '../support/ws-client';

describe('security: no secret in URLs or logs', () => {
  let db: TestDatabase;
  let worker: SparkWorker;
  let sql: postgres.Sql;
  const logs: string[] = [];
  /**
   * DDL on tables the Worker is writing: the consumer retries its refused batch at once
   * (QUEUE_RETRY_BASE_SECONDS 0) and takes the partitions' locks in its own order, so Postgres
   * may pick the DDL as a deadlock's victim (40P01); it is run again until it goes through.
   */
  const ddl = async (statement: string) => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await sql.unsafe(statement);
      } catch (err) {
        if ((err as { code?: string }).code !== '40P01' || attempt >= 20) throw err;
      }
    }
  };

  beforeAll(async () => {
    db = await createTestDatabase('sec_secrets');
    worker = await startSparkWorker({ databaseUrl: db.url, vars: { QUEUE_RETRY_BASE_SECONDS: '0' }, onLog: (l) => logs.push(l.message) });
    sql = postgres(db.url, { max: 1, onnotice: () => {} });
  });
  afterAll(async () => {
    await sql?.end();
    await worker?.dispose();
    await db?.drop();
  });

  it('logs no password, hash, token or payload when the database refuses writes and lookups', async () => {
    const u = await userWithProject(worker.url, 'secrets');
    const p = `/api/projects/${u.projectId}`;
    const ingest = (await u.api.post(`${p}/tokens`, { name: 'ci', scope: 'ingest' })).body;
    const [tok] = await sql`select token_hash from api_tokens where id = ${ingest.id}`;
    const password = 'unguessable mauve teapot';
    const marker = 'PAYLOAD-MARKER-7f3a9c';
    const unseenSecrets: string[] = [];

    // The database refuses every new user, every token lookup, every event insert.
    await sql.unsafe(`create function refuse() returns trigger language plpgsql as $$ begin raise exception 'refused by test'; end $$`);
    await ddl(`create trigger refuse_users before insert on users for each row execute function refuse()`);
    await ddl(`create trigger refuse_events before insert on spark_events for each row execute function refuse()`);
    try {
      const signup = await apiClient(worker.url).post('/api/auth/signup', { email: 'victim@example.com', password });
      expect(signup.status).toBe(500);
      expect(signup.body.error.code).toBe('internal');
      const ev = await apiClient(worker.url, ingest.token).post(`${p}/events`, { events: [makeEvent({ payload: { note: marker } })] });
      expect(ev.status).toBe(202);
      // The consumer tried (and logged why it could not store the batch).
      await eventually(async () => logs.some((l) => /batch insert refused|failed \(attempt/.test(l)), 20_000);
      // A token the Worker has not verified yet (a verified one is served from its cache).
      const unseen = (await u.api.post(`${p}/tokens`, { name: 'reader', scope: 'read' })).body;
      unseenSecrets.push(unseen.token, (await sql`select token_hash from api_tokens where id = ${unseen.id}`)[0]!.token_hash as string);
      await ddl(`alter table api_tokens rename to api_tokens_away`);
      try {
        const lookup = await apiClient(worker.url, unseen.token).get(`${p}/sessions`);
        expect(lookup.status).toBe(500);
      } finally {
        await ddl(`alter table api_tokens_away rename to api_tokens`);
      }
      await eventually(async () => logs.filter((l) => /unhandled error/.test(l)).length >= 2, 5_000);
    } finally {
      await ddl(`drop trigger refuse_users on users; drop trigger refuse_events on spark_events`);
    }

    const all = logs.join('\n');
    expect(unseenSecrets).toHaveLength(2);
    for (const secret of [password, 'pbkdf2-sha256$', tok!.token_hash as string, ingest.token, u.token, marker, ...unseenSecrets]) {
      expect(all.includes(secret), `logs contain ${secret.slice(0, 12)}…`).toBe(false);
    }
    // What went wrong is still there, in words.
    expect(all).toMatch(/unhandled error: .*refused by test/);
  });

  it('takes no token in socket or frame URLs: header for programs, a one-time ticket for browsers', async () => {
    const u = await userWithProject(worker.url, 'urls');
    const p = `/api/projects/${u.projectId}`;
    const session = (await u.api.post(`${p}/sessions`, { name: 'main' })).body;
    const ws = `${worker.url.replace(/^http/, 'ws')}${p}/sessions/${session.id}/connect?role=browser`;
    await expect(openSocket(`${ws}&token=${u.token}`)).rejects.toThrow(/401/);
    const frame = await fetch(`${worker.url}${p}/sessions/${session.id}/frames/${crypto.randomUUID()}?token=${u.token}`);
    expect(frame.status).toBe(401);

    const header = await openSocket(ws, { token: u.token });
    await header.next((m) => m.t === 'snapshot');
    await header.close();

    const t = await u.api.post(`${p}/sessions/${session.id}/socket-tickets`);
    expect(t.status).toBe(201);
    expect(t.body.ticket).not.toContain(u.token);
    const viaTicket = await openSocket(`${ws}&ticket=${t.body.ticket}`);
    await viaTicket.next((m) => m.t === 'snapshot');
    await viaTicket.close();
    // One use only, one session only, users only.
    await expect(openSocket(`${ws}&ticket=${t.body.ticket}`)).rejects.toThrow(/401/);
    const other = (await u.api.post(`${p}/sessions`, { name: 'other' })).body;
    const t2 = (await u.api.post(`${p}/sessions/${session.id}/socket-tickets`)).body.ticket;
    await expect(openSocket(`${worker.url.replace(/^http/, 'ws')}${p}/sessions/${other.id}/connect?role=browser&ticket=${t2}`)).rejects.toThrow(/401/);
    const read = (await u.api.post(`${p}/tokens`, { name: 'r', scope: 'read' })).body.token;
    expect((await apiClient(worker.url, read).post(`${p}/sessions/${session.id}/socket-tickets`)).status).toBe(403);
    await expect(openSocket(`${ws}&ticket=forged.ticket.value`)).rejects.toThrow(/401/);
  });

  it('classes "cannot connect now" as the database being unavailable, and logs it without parameters', () => {
    for (const code of ['57P03', '55000', 'ECONNREFUSED']) expect(isDatabaseUnavailable({ code, message: 'x' }), code).toBe(true);
    expect(isDatabaseUnavailable(new Error('connect ECONNREFUSED 127.0.0.1:5432'))).toBe(true);
    expect(isDatabaseUnavailable({ message: 'Failed query', cause: { code: '57P03', message: 'the database system is starting up' } })).toBe(true);
    expect(isDatabaseUnavailable({ code: '23505', message: 'duplicate key' })).toBe(false);
    const wrapped = Object.assign(new Error('Failed query: insert into "users" ("email","password_hash") values ($1, $2)\nparams: a@b.c,pbkdf2-sha256$100000$salt$key'), {
      cause: Object.assign(new Error('duplicate key value violates unique constraint "users_email_key"'), { name: 'PostgresError', code: '23505', detail: 'Key (email)=(a@b.c) already exists.' }),
    });
    const line = safeErrorLine(wrapped);
    expect(line).toBe('PostgresError 23505 duplicate key value violates unique constraint "users_email_key"');
    expect(safeErrorLine(new Error('Failed query: select 1\nparams: spk_secret'))).toBe('Error query failed');
  });

  it('answers 503 with Retry-After when Postgres cannot take connections', async () => {
    const deadLogs: string[] = [];
    const dead = await startSparkWorker({ databaseUrl: 'postgres://postgres@127.0.0.1:1/nowhere', direct: true, onLog: (l) => deadLogs.push(l.message) });
    try {
      const res = await dead.fetch('/api/auth/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'a@example.com', password: 'whatever words' }) });
      expect(res.status, deadLogs.join('\n')).toBe(503);
      expect(res.headers.get('retry-after')).toBe('5');
    } finally {
      await dead.dispose();
    }
  });

  it('a second sign-in of the same person keeps working (sanity of the helper above)', async () => {
    const again = await signUpAndLogIn(worker.url, `again-${Date.now()}@example.com`, 'violet otter harbour');
    expect(again.token.split('.')).toHaveLength(3);
  });
});
