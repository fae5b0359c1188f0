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

  describe('at its backend limit', () => {
    /** Backends Postgres holds now for clients that start with this application name (the name outlives DISCARD ALL). */
    const backendsOf = async (watcher: postgres.Sql, app: string) =>
      row(await watcher<{ n: number }[]>`select count(*)::int as n from pg_stat_activity where application_name = ${app}`).n;

    it('makes a burst larger than the limit wait its turn, and never holds more backends than the limit', async () => {
      const small = await startSessionPool(db.url, { maxBackends: 3, idleMs: 60_000 });
      const watcher = postgres(db.url, { max: 1, fetch_types: false, onnotice: () => {} });
      let most = 0;
      let watching = true;
      const watching_ = (async () => {
        while (watching) most = Math.max(most, await backendsOf(watcher, 'burst'));
      })();
      try {
        const pids = await Promise.all(
          Array.from({ length: 12 }, async (_, i) => {
            const c = postgres(small.url, { max: 1, fetch_types: false, connection: { application_name: 'burst' }, onnotice: () => {} });
            try {
              const { n, pid } = row(await c<{ n: number; pid: number }[]>`select ${i}::int as n, pg_backend_pid() as pid, pg_sleep(0.05)`);
              expect(n).toBe(i);
              return pid;
            } finally {
              await c.end();
            }
          }),
        );
        watching = false;
        await watching_;
        expect(new Set(pids).size).toBeLessThanOrEqual(3);
        expect(most).toBeGreaterThan(0); // the watcher saw them
        expect(most).toBeLessThanOrEqual(3);
        const stats = small.stats();
        expect(stats.opened).toBeLessThanOrEqual(3);
        expect(stats.waited).toBeGreaterThan(0);
        expect(stats.refused).toBe(0);
        expect(stats.waiting).toBe(0);
      } finally {
        watching = false;
        await watching_;
        await watcher.end();
        await small.close();
      }
    });

    it('tells a client 53300 when no backend frees in time, and a client that gave up waiting costs no backend', async () => {
      const small = await startSessionPool(db.url, { maxBackends: 1, waitMs: 300, idleMs: 60_000 });
      const holder = postgres(small.url, { max: 1, fetch_types: false, onnotice: () => {} });
      try {
        await holder`select 1`; // holds the one backend until it ends
        const late = postgres(small.url, { max: 1, fetch_types: false, onnotice: () => {} });
        const err = await late`select 1`.then(
          () => null,
          (e: unknown) => e,
        );
        await late.end({ timeout: 0 });
        expect((err as { code?: string } | null)?.code).toBe('53300');
        expect(isDatabaseUnavailable(err)).toBe(true);
        expect(small.stats().refused).toBe(1);

        // A client that leaves while it waits (its own connect timeout) is taken off the line.
        const impatient = postgres(small.url, { max: 1, fetch_types: false, connect_timeout: 0.1, onnotice: () => {} });
        await impatient`select 1`.then(
          () => null,
          () => null,
        );
        await impatient.end({ timeout: 0 });
        await waitFor(() => small.stats().waiting === 0, 'the impatient client to leave the line');
        await holder.end();
        const next = postgres(small.url, { max: 1, fetch_types: false, onnotice: () => {} });
        try {
          const { one } = row(await next<{ one: number }[]>`select 1 as one`);
          expect(one).toBe(1);
          expect(small.stats().backends).toBe(1);
        } finally {
          await next.end();
        }
      } finally {
        await holder.end({ timeout: 0 });
        await small.close();
      }
    });

    it('closes a parked backend of another database or user to make room for a client that needs one', async () => {
      const small = await startSessionPool(db.url, { maxBackends: 1, waitMs: 5_000, idleMs: 60_000 });
      try {
        const first = postgres(small.url, { max: 1, fetch_types: false, onnotice: () => {} });
        await first`select 1`;
        await first.end();
        await waitFor(() => small.stats().idle === 1, 'the backend to be parked');
        // Another application name is another startup packet: a session of its own kind.
        const other = postgres(small.url, { max: 1, fetch_types: false, connection: { application_name: 'other' }, onnotice: () => {} });
        try {
          const { app } = row(await other<{ app: string }[]>`select current_setting('application_name') as app`);
          expect(app).toBe('other');
          expect(small.stats().opened).toBe(2);
          expect(small.stats().backends).toBe(1);
        } finally {
          await other.end();
        }
      } finally {
        await small.close();
      }
    });
  });
});
