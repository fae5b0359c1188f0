// The daily rollups (usage_daily, errors_daily, events_daily, sessions_daily), the hourly
// queue_hourly, and their watermark.
//
// Each incremental run counts the events STORED (spark_events.stored_at, Postgres's clock) in
// [watermark, horizon) into the days they HAPPENED on (queue_hourly: the hours the edge received
// them in), and moves the watermark to the horizon in the same statement: a crash or a rerun
// changes nothing, and a late or re-sent event is counted once (re-sends are never stored twice:
// the consumer dedupes on (project_id, id, occurred_at)).
//
// The horizon is what makes "exactly once" hold while the consumer is inserting. A row's stored_at
// is its transaction's start, but the row only becomes visible at commit, possibly after a later
// transaction's rows. So the horizon stops before the start of every transaction still open in this
// database: every row stored before it is already committed when the counting statement takes its
// snapshot. (pg_stat_activity shows other backends' xact_start to the same role, or to
// pg_read_all_stats; the consumer and the cron use the same DATABASE_URL.)
import { sql, type SQL } from 'drizzle-orm';
import { rowsOf, type Db } from '../client';

/** The name of the spark_events watermark row in rollup_watermarks. */
export const EVENTS_WATERMARK = 'events';

/**
 * Covers the instant between a transaction taking its start time and publishing it in
 * pg_stat_activity (microseconds in practice). Tests that run one thing at a time pass 0.
 */
export const DEFAULT_HORIZON_MARGIN_MS = 1000;

export interface RollupRun {
  /** The watermark before and after the run (Postgres timestamptz text). */
  from: string;
  to: string;
  /** Events counted by this run. */
  events: number;
}

/** The stored_at before which every event is committed and visible: see the file comment. */
export async function rollupHorizon(db: Db, marginMs = DEFAULT_HORIZON_MARGIN_MS): Promise<string> {
  const result = await db.execute(sql`
    with ensure as (
      insert into rollup_watermarks (name, stored_before) values (${EVENTS_WATERMARK}, '-infinity')
      on conflict (name) do nothing
    )
    select least(
      now() - make_interval(secs => ${marginMs / 1000}::float8),
      -- Client backends only: autovacuum and other workers insert no events, and must not hold it back.
      (select min(xact_start) from pg_stat_activity
        where datname = current_database() and pid <> pg_backend_pid() and xact_start is not null
          and backend_type = 'client backend')
    )::text as horizon`);
  return rowsOf<{ horizon: string }>(result)[0]!.horizon;
}

/**
 * One incremental run: counts the events stored since the watermark and before the horizon, and
 * moves the watermark, in ONE statement (so it works on every driver, neon-http included).
 * Concurrent runs queue on the watermark row; the later one counts only what is left.
 */
export async function rollUpEvents(db: Db, opts: { marginMs?: number } = {}): Promise<RollupRun> {
  const horizon = await rollupHorizon(db, opts.marginMs);
  const result = await db.execute(sql`
    with w as (
      select stored_before from rollup_watermarks where name = ${EVENTS_WATERMARK} for update
    ),
    ev as materialized (
      select ${columns} from spark_events e, w
      where e.stored_at >= w.stored_before and e.stored_at < ${horizon}::timestamptz
    ),
    ${addSums()},
    advanced as (
      update rollup_watermarks r set stored_before = ${horizon}::timestamptz, updated_at = now()
      from w where r.name = ${EVENTS_WATERMARK} and w.stored_before < ${horizon}::timestamptz
      returning r.stored_before
    ),
    ${addQueueSums(sql.raw('ev'))}
    select (select stored_before::text from w) as "from",
           coalesce((select stored_before::text from advanced), (select stored_before::text from w)) as "to",
           (select count(*)::int from ev) as events`);
  const row = rowsOf<{ from: string | null; to: string | null; events: number }>(result)[0];
  if (!row?.from) throw new Error('rollup watermark row is missing');
  return { from: row.from, to: row.to!, events: row.events };
}

export interface BackfillRange {
  /** First and last UTC day, 'YYYY-MM-DD', inclusive. */
  from: string;
  to: string;
}

/**
 * Recomputes the rollups of whole days from the raw events: deletes the days' rows and sums every
 * event of those days stored before the watermark (the incremental runs add the rest); queue_hourly
 * the same for the hours of those days, from the events received in them. Under the watermark's
 * row lock, so no incremental run interleaves. Refuses days that have rollups but no
 * month partition (retention dropped it): those rollups are all that is left and are kept as they are.
 * Needs an interactive transaction (postgres.js).
 */
export async function backfillRollups(db: Db, range: BackfillRange): Promise<{ days: number; events: number }> {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(range.from) || !/^\d{4}-\d{2}-\d{2}$/.test(range.to)) {
    throw new RangeError(`from and to must be YYYY-MM-DD days, got ${range.from} and ${range.to}`);
  }
  if (range.from > range.to) throw new RangeError(`from (${range.from}) is after to (${range.to})`);
  await rollupHorizon(db, 0); // makes sure the watermark row exists
  return db.transaction(async (tx) => {
    await tx.execute(sql`select 1 from rollup_watermarks where name = ${EVENTS_WATERMARK} for update`);
    const missing = rowsOf<{ month: string }>(
      await tx.execute(sql`
        select to_char(m, 'YYYY-MM') as month
        from generate_series(date_trunc('month', ${range.from}::date), ${range.to}::date, interval '1 month') m
        where not exists (
          select 1 from pg_inherits i join pg_class c on c.oid = i.inhrelid
          where i.inhparent = 'spark_events'::regclass
            and c.relname = 'spark_events_y' || to_char(m, 'YYYY') || 'm' || to_char(m, 'MM'))
          and exists (
            select 1 from events_daily d
            where d.day >= m and d.day < m + interval '1 month' and d.day between ${range.from}::date and ${range.to}::date)`),
    );
    if (missing.length > 0) {
      throw new RangeError(
        `no events are kept for ${missing.map((m) => m.month).join(', ')} (no partition): their rollups stay as they are; backfill a range inside the kept months`,
      );
    }
    const inRange = (table: string) =>
      sql.raw(`delete from ${table} where day between '${range.from}'::date and '${range.to}'::date`);
    for (const table of ['usage_daily', 'errors_daily', 'events_daily', 'sessions_daily']) await tx.execute(inRange(table));
    const rangeStart = sql`${range.from}::date::timestamp at time zone 'UTC'`;
    const rangeEnd = sql`(${range.to}::date + 1)::timestamp at time zone 'UTC'`;
    await tx.execute(sql`delete from queue_hourly where hour >= ${rangeStart} and hour < ${rangeEnd}`);
    const result = await tx.execute(sql`
      with w as (select stored_before from rollup_watermarks where name = ${EVENTS_WATERMARK}),
      ev as materialized (
        select ${columns} from spark_events e, w
        where e.occurred_at >= ${rangeStart} and e.occurred_at < ${rangeEnd} and e.stored_at < w.stored_before
      ),
      ${addSums()},
      -- The queue's hours are those the events were received in, whatever month they happened in:
      -- no partition pruning here (a backfill is rare). An event in a month retention dropped is
      -- no longer in its hour's sums after a backfill of that hour.
      received as materialized (
        select e.project_id, e.received_at, e.stored_at from spark_events e, w
        where e.received_at >= ${rangeStart} and e.received_at < ${rangeEnd} and e.stored_at < w.stored_before
      ),
      ${addQueueSums(sql.raw('received'))}
      select (select count(*)::int from ev) as events`);
    const events = rowsOf<{ events: number }>(result)[0]?.events ?? 0;
    const days = Math.round((Date.parse(range.to) - Date.parse(range.from)) / 86_400_000) + 1;
    return { days, events };
  });
}

/**
 * CTEs that add the sums of the events in `ev` (spark_events rows) to the rollup tables. Shared by
 * the incremental run and the backfill, and the definition the property test checks against.
 */
function addSums(): SQL {
  return sql`
    usage_rows as (
      insert into usage_daily as t (project_id, day, provider, model, requests, input_tokens, output_tokens, cost_usd)
      select project_id, day, provider, model, count(*), sum(input_tokens), sum(output_tokens), sum(cost_usd)
      from (${usageOf(sql.raw('ev'))}) u
      group by project_id, day, provider, model
      on conflict (project_id, day, provider, model) do update set
        requests = t.requests + excluded.requests,
        input_tokens = t.input_tokens + excluded.input_tokens,
        output_tokens = t.output_tokens + excluded.output_tokens,
        cost_usd = t.cost_usd + excluded.cost_usd,
        updated_at = now()
    ),
    call_rows as (
      insert into errors_daily as t (project_id, day, tool, calls, failures)
      select project_id, day, tool, count(*), count(*) filter (where failed)
      from (${finishedCallsOf(sql.raw('ev'))}) c
      group by project_id, day, tool
      on conflict (project_id, day, tool) do update set
        calls = t.calls + excluded.calls,
        failures = t.failures + excluded.failures,
        updated_at = now()
    ),
    session_rows as (
      insert into sessions_daily (project_id, day, session_id)
      select distinct project_id, ${utcDay}, session_id from ev
      on conflict do nothing
    ),
    count_rows as (
      insert into events_daily as t (project_id, day, type, source, count)
      select project_id, ${utcDay}, type, source, count(*) from ev
      group by project_id, ${utcDay}, type, source
      on conflict (project_id, day, type, source) do update set
        count = t.count + excluded.count,
        updated_at = now()
    )`;
}

/**
 * A CTE that adds the queue's sums of the events in `events` to queue_hourly: per hour the edge
 * received them in, how many, and the sum and longest of their waits until stored. Sums add up
 * run by run; the longest is the greatest of what the runs saw.
 *
 * An event counts in the hour of its received_at with all of its wait: for waits much shorter than
 * an hour (the normal case) wait_ms_sum / 1 hour is the time-averaged number waiting in that hour.
 */
function addQueueSums(events: SQL): SQL {
  return sql`
    queue_rows as (
      insert into queue_hourly as t (project_id, hour, events, wait_ms_sum, wait_ms_max)
      select project_id, hour, count(*), sum(wait_ms), max(wait_ms)
      from (${queueWaitsOf(events)}) q
      group by project_id, hour
      on conflict (project_id, hour) do update set
        events = t.events + excluded.events,
        wait_ms_sum = t.wait_ms_sum + excluded.wait_ms_sum,
        wait_ms_max = greatest(t.wait_ms_max, excluded.wait_ms_max),
        updated_at = now()
    )`;
}

/**
 * One row per event: the UTC hour the edge received it in and how long it waited until stored, in
 * ms (numeric, exact to the microsecond). Negative waits (the edge's clock ahead of Postgres's) count 0.
 */
function queueWaitsOf(events: SQL): SQL {
  return sql`
    select project_id, date_trunc('hour', received_at, 'UTC') as hour,
      greatest(0, (extract(epoch from stored_at) - extract(epoch from received_at)) * 1000) as wait_ms
    from ${events}`;
}

/** What the sums read of an event; the payload only of the events whose payload they read. */
const columns = sql.raw(`e.project_id, e.id, e.occurred_at, e.received_at, e.stored_at, e.session_id, e.source, e.kind, e.type,
  case when e.type like 'usage.%' or e.kind = 'tool' then e.payload end as payload`);

/** The UTC calendar day an event happened on. */
const utcDay = sql.raw(`(occurred_at at time zone 'UTC')::date`);

/** A non-negative whole number from a payload field, else 0 (never a cast error: one bad event must not stop the rollup). */
const count = (field: string) =>
  sql.raw(`(case when payload->>'${field}' ~ '^[0-9]{1,15}$' then (payload->>'${field}')::bigint else 0 end)`);

/**
 * One row per `usage.*` event: provider, model, tokens and cost. The payload convention:
 * `{ provider, model, input_tokens, output_tokens, cost_usd }`; missing or malformed numbers count 0.
 */
export function usageOf(events: SQL): SQL {
  return sql`
    select project_id, ${utcDay} as day,
      coalesce(nullif(payload->>'provider', ''), 'unknown') as provider,
      coalesce(nullif(payload->>'model', ''), 'unknown') as model,
      ${count('input_tokens')} as input_tokens,
      ${count('output_tokens')} as output_tokens,
      ${sql.raw(`(case when payload->>'cost_usd' ~ '^[0-9]{1,15}(\\.[0-9]{1,15})?([eE]-?[0-9]{1,2})?$' then (payload->>'cost_usd')::numeric else 0 end)`)} as cost_usd
    from ${events} where type like 'usage.%'`;
}

/** A tool event that finishes a function call: `kind: 'tool'`, a `call_id`, a `name` and a final status. */
const finishesCall = (e: string) =>
  sql.raw(`(${e}.kind = 'tool' and jsonb_typeof(${e}.payload->'call_id') = 'string' and jsonb_typeof(${e}.payload->'name') = 'string'
    and ${e}.payload->>'status' in ('succeeded', 'failed', 'timeout'))`);

/**
 * One row per finished function call, on the day and with the status of the first event that
 * finished it. The edge and the agent both report a call's end (same session and call_id): only
 * the first stored is counted, and "first" in stored order never changes once counted.
 */
export function finishedCallsOf(events: SQL): SQL {
  return sql`
    select e.project_id, (e.occurred_at at time zone 'UTC')::date as day, e.payload->>'name' as tool,
      e.payload->>'status' in ('failed', 'timeout') as failed
    from ${events} e
    where ${finishesCall('e')}
      and not exists (
        select 1 from spark_events p
        where p.project_id = e.project_id and p.session_id = e.session_id
          and p.payload->>'call_id' = e.payload->>'call_id' and ${finishesCall('p')}
          and (p.stored_at, p.id) < (e.stored_at, e.id))`;
}

/** The watermark: every event stored before it is counted. */
export async function rollupWatermark(db: Db): Promise<string | null> {
  const rows = rowsOf<{ at: string }>(
    await db.execute(sql`select stored_before::text as at from rollup_watermarks where name = ${EVENTS_WATERMARK}`),
  );
  return rows[0]?.at ?? null;
}
