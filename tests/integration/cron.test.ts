import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SparkWorker } from '../support/spark-worker';
import { createTestDatabase } from '../support/test-db';
import { CRON_DAILY, PARTITION_MONTHS_AHEAD } from '../../workers/cron';
import { startWorkerWithDb, type WorkerWithDb } from '../support/worker-db';

describe('cron in workerd', () => {
  let h: WorkerWithDb;
  let worker: SparkWorker;
  let sql: postgres.Sql;
  beforeAll(async () => {
    h = await startWorkerWithDb('cron');
    ({ worker, sql } = h);
  });
  afterAll(async () => {
    await h?.dispose();
  });

  const partitions = async () =>
    (await sql`select c.relname from pg_inherits i join pg_class c on c.oid = i.inhrelid join pg_class p on p.oid = i.inhparent where p.relname = 'spark_events' order by 1`).map((r) => r.relname as string);

  it('the daily trigger keeps event partitions months ahead, idempotently', async () => {
    const before = await partitions();
    expect(before).toHaveLength(3); // the migrations' previous, current and next month
    const w = await worker.mf.getWorker();
    await w.scheduled({ cron: CRON_DAILY, scheduledTime: new Date() });
    const after = await partitions();
    expect(after).toHaveLength(PARTITION_MONTHS_AHEAD + 2);
    const now = new Date();
    const last = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + PARTITION_MONTHS_AHEAD, 1));
    expect(after.at(-1)).toBe(`spark_events_y${last.getUTCFullYear()}m${String(last.getUTCMonth() + 1).padStart(2, '0')}`);
    await w.scheduled({ cron: CRON_DAILY, scheduledTime: new Date() });
    expect(await partitions()).toEqual(after);
  });
});

/** Runs `fn` against a database of its own (migrated), dropped afterwards. */
async function withOwnDatabase(name: string, fn: (sql: postgres.Sql, url: string) => Promise<void>) {
  const db = await createTestDatabase(name);
  const sql = postgres(db.url, { max: 1, onnotice: () => {} });
  try {
    await fn(sql, db.url);
  } finally {
    await sql.end();
    await db.drop();
  }
}

describe('history pruning', () => {
  it('keeps the newest 50 changes of each session', async () => {
    await withOwnDatabase('prune', async (sql, url) => {
      const [u] = await sql`insert into users (email, password_hash) values ('p@example.com', 'x') returning id`;
      const [p] = await sql`insert into projects (name, owner_id) values ('g', ${u!.id}) returning id`;
      const sessions = await sql`insert into sessions (project_id, name) values (${p!.id}, 'a'), (${p!.id}, 'b') returning id`;
      for (const [s, count] of [[sessions[0]!.id, 60], [sessions[1]!.id, 10]] as const) {
        await sql`insert into patches (project_id, session_id, path, op, created_at)
          select ${p!.id}, ${s}, 'Assets/F' || g || '.cs', 'modify', now() - (g || ' minutes')::interval from generate_series(1, ${count}) g`;
      }
      const { runCron, CRON_FREQUENT } = await import('../../workers/cron');
      const { createDb } = await import('../../db/client');
      const h = createDb({ url });
      expect(await runCron(CRON_FREQUENT, h.db)).toMatchObject({ historyPruned: 10, rollup: { events: 0 } });
      await h.close();
      const counts = await sql`select session_id, count(*)::int as n, max(path) filter (where path = 'Assets/F1.cs') as newest from patches group by session_id order by n desc`;
      expect(counts.map((r) => [r.n, r.newest])).toEqual([[50, 'Assets/F1.cs'], [10, 'Assets/F1.cs']]);
    });
  });
});

describe('OAuth clean-up', () => {
  it('drops codes a day past their expiry and grants whose consent never finished, and keeps the rest', async () => {
    await withOwnDatabase('oauth_prune', async (sql, url) => {
      const [u] = await sql`insert into users (email, password_hash) values ('o@example.com', 'x') returning id`;
      const [p] = await sql`insert into projects (name, owner_id) values ('g', ${u!.id}) returning id`;
      const [c] = await sql`insert into oauth_clients (name, redirect_uris) values ('client', ${['http://127.0.0.1/cb']}) returning id`;
      const grant = async (label: string, opts: { tokens?: boolean; revoked?: boolean; ageHours: number }) => {
        const [g] = await sql`insert into oauth_grants (client_id, user_id, project_id, access_token_hash, refresh_token_hash, revoked_at, created_at)
          values (${c!.id}, ${u!.id}, ${p!.id}, ${opts.tokens ? `a-${label}` : null}, ${opts.tokens ? `r-${label}` : null},
                  ${opts.revoked ? new Date() : null}, now() - ${`${opts.ageHours} hours`}::interval) returning id`;
        return g!.id as string;
      };
      const code = (label: string, grantId: string, expiredHoursAgo: number, used: boolean) =>
        sql`insert into oauth_codes (code_hash, grant_id, redirect_uri, code_challenge, expires_at, used_at)
            values (${label}, ${grantId}, 'http://127.0.0.1/cb', 'x', now() - ${`${expiredHoursAgo} hours`}::interval, ${used ? new Date() : null})`;
      const live = await grant('live', { tokens: true, ageHours: 48 });
      await code('spent-long-ago', live, 30, true);
      await code('spent-recently', live, 2, true); // a replay now still revokes the grant
      const abandoned = await grant('abandoned', { ageHours: 48 });
      await code('never-used', abandoned, 47, false);
      const fresh = await grant('fresh', { ageHours: 0 }); // consent under way
      await code('fresh-code', fresh, -0.01, false);
      const revoked = await grant('revoked', { revoked: true, ageHours: 48 });

      const { runCron } = await import('../../workers/cron');
      const { createDb } = await import('../../db/client');
      const h = createDb({ url });
      expect(await runCron(CRON_DAILY, h.db)).toMatchObject({ oauthPruned: { codes: 2, unfinishedGrants: 1 } });
      await h.close();
      expect((await sql`select code_hash from oauth_codes order by 1`).map((r) => r.code_hash)).toEqual(['fresh-code', 'spent-recently']);
      expect(new Set((await sql`select id from oauth_grants`).map((r) => r.id))).toEqual(new Set([live, fresh, revoked]));
    });
  });
});

describe('sign-in and pairing clean-up', () => {
  it('drops refresh tokens a week past expiry and unused pairing codes a day past it, keeps the rest', async () => {
    await withOwnDatabase('refresh_prune', async (sql, url) => {
      const [u] = await sql`insert into users (email, password_hash) values ('r@example.com', 'x') returning id`;
      const family = crypto.randomUUID();
      const token = (label: string, expiresInDays: number, used: boolean) =>
        sql`insert into refresh_tokens (user_id, family_id, token_hash, expires_at, used_at)
            values (${u!.id}, ${family}, ${label}, now() + ${`${expiresInDays} days`}::interval, ${used ? new Date() : null})`;
      const [p] = await sql`insert into projects (name, owner_id) values ('g', ${u!.id}) returning id`;
      const code = (label: string, expiresInHours: number, used: boolean) =>
        sql`insert into pairing_codes (project_id, code_hash, expires_at, used_at)
            values (${p!.id}, ${label}, now() + ${`${expiresInHours} hours`}::interval, ${used ? new Date() : null})`;
      await code('unused-long-ago', -25, false);
      await code('used-long-ago', -25 * 30, true); // records which code paired which agent
      await code('unused-lately', -2, false);
      await code('live', 0.1, false);
      await token('expired-long-ago', -8, true);
      await token('expired-lately', -6, true); // a replay now still revokes the family
      await token('live', 29, false);

      const { runCron } = await import('../../workers/cron');
      const { createDb } = await import('../../db/client');
      const { listRefreshFamilies } = await import('../../db/queries/identity');
      const h = createDb({ url });
      expect(await runCron(CRON_DAILY, h.db)).toMatchObject({ refreshTokensPruned: 1, pairingCodesPruned: 1 });
      expect((await listRefreshFamilies(h.db, u!.id)).map((f) => f.familyId)).toEqual([family]);
      await h.close();
      expect((await sql`select token_hash from refresh_tokens order by 1`).map((r) => r.token_hash)).toEqual(['expired-lately', 'live']);
      expect((await sql`select code_hash from pairing_codes order by 1`).map((r) => r.code_hash)).toEqual(['live', 'unused-lately', 'used-long-ago']);
    });
  });
});
