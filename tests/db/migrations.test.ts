import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runMigrations } from '../../db/migrate';
import { createTestDatabase, type TestDatabase } from '../support/test-db';
import { journalEntries, utcMonth } from './helpers';

const expectedTables = [
  'users', 'projects', 'memberships', 'api_tokens', 'sessions', 'spark_events', 'function_calls',
  'telemetry', 'usage', 'previews', 'generated_scripts', 'build_jobs', 'usage_daily', 'errors_daily',
  'events_daily', 'agents', 'pairing_codes', 'patches', 'snapshots', 'snapshot_texts', 'webhook_sources',
  'webhook_deliveries', 'chips', 'chip_evaluations', 'digests', 'outgoing_webhooks', 'digest_deliveries', 'digest_delivery_attempts', 'audit_log', 'dead_letters', 'refresh_tokens',
  'rollup_watermarks', 'sessions_daily', 'queue_hourly', 'oauth_clients', 'oauth_grants', 'oauth_codes',
  'assistant_settings', 'assistant_runs', 'assistant_messages',
];

describe('migrations', () => {
  let tdb: TestDatabase;
  let sql: postgres.Sql;

  beforeAll(async () => {
    tdb = await createTestDatabase('spark_migrations', { migrate: false });
    sql = postgres(tdb.url, { max: 1, onnotice: () => {} });
  });
  afterAll(async () => {
    await sql?.end();
    await tdb?.drop();
  });

  it('apply on an empty database', async () => {
    const before = await sql`select count(*)::int as n from pg_tables where schemaname = 'public'`;
    expect(before[0]!.n).toBe(0);
    await runMigrations(tdb.url);
    const rows = await sql`
      select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = 'public' and c.relkind in ('r', 'p') and not c.relispartition`;
    expect(rows.map((r) => r.relname).sort()).toEqual([...expectedTables].sort());
  });

  it('apply again idempotently, and concurrently', async () => {
    const count = async () => (await sql`select count(*)::int as n from drizzle.__drizzle_migrations`)[0]!.n;
    const n = await count();
    expect(n).toBe(journalEntries());
    await runMigrations(tdb.url);
    await Promise.all([runMigrations(tdb.url), runMigrations(tdb.url)]);
    expect(await count()).toBe(n);
  });

  it('spark_events is range-partitioned with previous, current and next month, and no default', async () => {
    const [parent] = await sql`
      select pt.partstrat from pg_partitioned_table pt where pt.partrelid = 'spark_events'::regclass`;
    expect(parent?.partstrat).toBe('r');
    const parts = await sql`
      select c.relname, pg_get_expr(c.relpartbound, c.oid) as bound
      from pg_inherits i join pg_class c on c.oid = i.inhrelid
      where i.inhparent = 'spark_events'::regclass order by 1`;
    const now = new Date();
    const names = parts.map((p) => p.relname);
    expect(names).toContain(utcMonth(now, -1).tag);
    expect(names).toContain(utcMonth(now, 0).tag);
    expect(names).toContain(utcMonth(now, 1).tag);
    expect(parts.some((p) => String(p.bound).includes('DEFAULT'))).toBe(false);
  });

  it('spark_events indexes exist on the parent', async () => {
    const idx = await sql`select indexname from pg_indexes where tablename = 'spark_events' order by 1`;
    expect(idx.map((r) => r.indexname)).toEqual([
      'spark_events_pkey',
      'spark_events_project_occurred_idx',
      'spark_events_project_session_occurred_idx',
      'spark_events_project_type_occurred_idx',
      'spark_events_stored_at_idx',
      'spark_events_tool_call_idx',
    ]);
  });

  it('every foreign key column is the leading column of some index', async () => {
    const missing = await sql`
      select con.conrelid::regclass::text as tbl, a.attname as col
      from pg_constraint con
      join pg_attribute a on a.attrelid = con.conrelid and a.attnum = con.conkey[1]
      join pg_class rel on rel.oid = con.conrelid
      where con.contype = 'f' and not rel.relispartition
        and not exists (
          select 1 from pg_index i where i.indrelid = con.conrelid and i.indkey[0] = con.conkey[1]
        )`;
    expect(missing).toEqual([]);
  });

  it('newest-first listings are served by an index, without a sort', async () => {
    const plan = async (query: string) =>
      sql.begin(async (tx) => {
        await tx`set local enable_seqscan = off`;
        await tx`set local enable_bitmapscan = off`;
        const rows = await tx.unsafe(`explain ${query}`);
        return rows.map((r) => Object.values(r)[0] as string).join('\n');
      });
    const pid = '00000000-0000-0000-0000-000000000000';
    const sessionsPlan = await plan(`select * from sessions where project_id = '${pid}' order by created_at desc limit 20`);
    expect(sessionsPlan).toContain('sessions_project_created_idx');
    expect(sessionsPlan).not.toMatch(/\bSort\b/);
    const eventsPlan = await plan(
      `select * from spark_events where project_id = '${pid}' and (occurred_at, id) < (now(), '${pid}'::uuid)
       order by occurred_at desc, id desc limit 50`,
    );
    const auditPlan = await plan(`select * from audit_log where project_id = '${pid}' and id < 1000 order by id desc limit 50`);
    expect(auditPlan).toMatch(/Index Cond: \(\(project_id = '[0-9a-f-]+'::uuid\) AND \(id < 1000\)\)/);
    expect(auditPlan).not.toMatch(/\bSort\b/);
    const deliveriesPlan = await plan(`select * from webhook_deliveries where source_id = '${pid}' order by received_at desc, id desc limit 100`);
    expect(deliveriesPlan).toContain('webhook_deliveries_source_received_idx');
    expect(deliveriesPlan).not.toMatch(/\bSort\b/);
    // Partitions name their copies of the parent index themselves; an ordered Append, no Sort.
    expect(eventsPlan).toMatch(/project_id_occurred_at_id_idx/);
    expect(eventsPlan).not.toMatch(/\bSort\b/);
  });

  it("a write's change is found by its call, not by scanning the history (history-wait)", async () => {
    // A session with a long history (the planner needs rows to tell the indexes apart); rolled back.
    const Rollback = new Error('rollback');
    let plan = '';
    await sql
      .begin(async (tx) => {
        const [u] = await tx`insert into users (email, password_hash) values ('h@example.com', 'x') returning id`;
        const [p] = await tx`insert into projects (name, owner_id) values ('g', ${u!.id}) returning id`;
        const [s] = await tx`insert into sessions (project_id, name) values (${p!.id}, 's') returning id`;
        await tx`insert into patches (project_id, session_id, call_id, path, op, created_at)
                 select ${p!.id}, ${s!.id}, 'call-' || g, 'Assets/A.cs', 'modify', now() - g * interval '1 second' from generate_series(1, 5000) g`;
        await tx`analyze patches`;
        const rows = await tx`explain select id from patches where session_id = ${s!.id} and call_id = 'call-17' limit 1`;
        plan = rows.map((r) => Object.values(r)[0] as string).join('\n');
        throw Rollback;
      })
      .catch((err) => {
        if (err !== Rollback) throw err;
      });
    expect(plan).toMatch(/Index (Only )?Scan using patches_session_call_idx/);
  });
});
