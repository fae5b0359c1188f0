// The local stack's session pool (scripts/pg-session-pool.ts) against the real Postgres, with
// postgres.js as the Worker uses it.
import net from 'node:net';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSessionPool, type SessionPool } from '../../scripts/pg-session-pool';
import { isDatabaseUnavailable } from '../../workers/db-errors';
import { createTestDatabase, type TestDatabase } from '../support/test-db';

let db: TestDatabase;
let pool: SessionPool;

beforeAll(async () => {
  db = await createTestDatabase('pg_pool', { migrate: false });
  pool = await startSessionPool(db.url, { idleMs: 60_000 });
});
afterAll(async () => {
  await pool?.close();
  await db?.drop();
});

const row = <T>(rows: T[]): T => rows[0]!;

/** One client of one connection, as the Worker opens per request. */
const client = () => postgres(pool.url, { max: 1, fetch_types: false, onnotice: () => {} });

async function waitFor(check: () => boolean, what: string) {
  const end = Date.now() + 5_000;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('the local session pool', () => {
  it('hands a backend a client left to the next client, with the session reset', async () => {
    const first = client();
    const { pid: firstPid } = row(await first<{ pid: number }[]>`select pg_backend_pid() as pid`);
    await first`set application_name = 'first client'`;
    await first`create temp table scratch (x int)`;
    await first`select pg_advisory_lock(4242)`;
    // A named prepared statement (postgres.js prepares by default): the next client prepares the same one.
    await first`select ${1}::int as one`;
    const idleBefore = pool.stats().idle;
    await first.end();
    await waitFor(() => pool.stats().idle > idleBefore, 'the backend to be parked');

    const reusedBefore = pool.stats().reused;
    const second = client();
    try {
      const { pid, app, scratch } = row(await second<{ pid: number; app: string; scratch: string | null }[]>`
        select pg_backend_pid() as pid, current_setting('application_name') as app, to_regclass('pg_temp.scratch')::text as scratch`);
      expect(pid).toBe(firstPid);
      expect(pool.stats().reused).toBe(reusedBefore + 1);
      expect(app).not.toBe('first client');
      expect(scratch).toBeNull();
      const { one } = row(await second<{ one: number }[]>`select ${1}::int as one`);
      expect(one).toBe(1);
      const { locks } = row(await second<{ locks: number }[]>`select count(*)::int as locks from pg_locks where locktype = 'advisory' and pid = pg_backend_pid()`);
      expect(locks).toBe(0);
    } finally {
      await second.end();
    }
  });

  it('closes, not parks, a backend whose client left inside a transaction; the transaction is rolled back', async () => {
    const setup = postgres(db.url, { max: 1, onnotice: () => {} });
    await setup`create table if not exists pool_t (x int)`;
    await setup.end();

    const leaving = client();
    const { pid: leftPid } = row(await leaving<{ pid: number }[]>`select pg_backend_pid() as pid`);
    const tx = leaving.begin(async (sql) => {
      await sql`insert into pool_t values (1)`;
      await new Promise(() => {}); // never commits
    });
    tx.catch(() => {});
    // Wait until the insert is in (the transaction holds a lock on the table), then drop the client.
    const watcher = postgres(db.url, { max: 1, onnotice: () => {} });
    await (async () => {
      const end = Date.now() + 5_000;
      for (;;) {
        const { n } = row(await watcher<{ n: number }[]>`select count(*)::int as n from pg_locks l join pg_class c on c.oid = l.relation where c.relname = 'pool_t' and l.pid = ${leftPid}`);
        if (n > 0) return;
        if (Date.now() > end) throw new Error('the insert never began');
        await new Promise((r) => setTimeout(r, 10));
      }
    })();
    await leaving.end({ timeout: 0 });

    // The backend ends (Postgres rolls its transaction back), and the next client gets another.
    for (const end = Date.now() + 5_000; ; ) {
      const { n } = row(await watcher<{ n: number }[]>`select count(*)::int as n from pg_stat_activity where pid = ${leftPid}`);
      if (n === 0) break;
      if (Date.now() > end) throw new Error('the abandoned backend is still there');
      await new Promise((r) => setTimeout(r, 10));
    }
    const next = client();
    try {
      const { pid } = row(await next<{ pid: number }[]>`select pg_backend_pid() as pid`);
      expect(pid).not.toBe(leftPid);
      const { n } = row(await next<{ n: number }[]>`select count(*)::int as n from pool_t`);
      expect(n).toBe(0);
    } finally {
      await next.end();
      await watcher.end();
    }
  });

  it('serves many clients at once, each query answered to its own client', async () => {
    const answers = await Promise.all(
      Array.from({ length: 24 }, async (_, i) => {
        const c = client();
        try {
          const { n } = row(await c<{ n: number }[]>`select ${i}::int * 2 as n, pg_sleep(0.02)`);
          return n;
        } finally {
          await c.end();
        }
      }),
    );
    expect(answers).toEqual(Array.from({ length: 24 }, (_, i) => i * 2));
  });

  it('carries a message of megabytes and a result of many rows', async () => {
    const c = client();
    try {
      const big = 'é'.repeat(3_000_000); // 6 MB of UTF-8 in one Bind message
      const { length, md5 } = row(await c<{ length: number; md5: string }[]>`select length(${big}::text)::int as length, md5(${big}::text) as md5`);
      expect(length).toBe(big.length);
      expect(md5).toBe((await import('node:crypto')).createHash('md5').update(big).digest('hex'));
      const rows = await c<{ n: number }[]>`select n from generate_series(1, 100000) as n`;
      expect(rows.length).toBe(100_000);
      expect(rows[99_999]!.n).toBe(100_000);
    } finally {
      await c.end();
    }
  });

  it('answers a connection-class error when Postgres cannot be reached', async () => {
    // A port with nothing listening on it.
    const probe = net.createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', () => r()));
    const deadPort = (probe.address() as net.AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const deadUrl = new URL(db.url);
    deadUrl.port = String(deadPort);
    const lonely = await startSessionPool(deadUrl.toString());
    const c = postgres(lonely.url, { max: 1, fetch_types: false, onnotice: () => {} });
    try {
      const err = await c`select 1`.then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).not.toBeNull();
      expect((err as { code?: string }).code).toBe('08006');
      expect(isDatabaseUnavailable(err)).toBe(true);
    } finally {
      await c.end({ timeout: 0 });
      await lonely.close();
    }
  });
});
