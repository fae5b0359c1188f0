// The dashboard's panels for one project and a range of UTC days. Panels over counts read the
// daily rollups, queue depth the hourly one; latency, in-flight operations, sessions and builds
// read their own tables.
// The same SQL, written for Grafana's Postgres data source, is in grafana/.
import { sql, type SQL } from 'drizzle-orm';
import type { DashboardView } from '../../contracts/dashboard';
import { executeRead, rowsOf, type Db } from '../client';
import { EVENTS_WATERMARK } from './rollups';

export interface DashboardRange {
  /** UTC days, both included. */
  from: string;
  to: string;
}

// Every panel only reads: on the replica when the caller passes a lag-tolerant handle.
const rows = async <T extends Record<string, unknown>>(db: Db, query: SQL) => rowsOf<T>(await executeRead(db, query));
const share = (part: number, whole: number) => (whole > 0 ? part / whole : null);

/** Every day of the range, in order: days without data still get a point on a chart. */
export function daysOf(range: DashboardRange): string[] {
  const out: string[] = [];
  for (let t = Date.parse(`${range.from}T00:00:00Z`); t <= Date.parse(`${range.to}T00:00:00Z`); t += 86_400_000) {
    out.push(new Date(t).toISOString().slice(0, 10));
  }
  return out;
}

export async function dashboard(db: Db, projectId: string, range: DashboardRange, now = new Date()): Promise<DashboardView> {
  const start = sql`(${range.from}::date)::timestamp at time zone 'UTC'`;
  const end = sql`(${range.to}::date + 1)::timestamp at time zone 'UTC'`;
  const inDays = sql`project_id = ${projectId} and day between ${range.from}::date and ${range.to}::date`;
  const days = daysOf(range);
  const finished = sql`status in ('succeeded', 'failed', 'timeout') and latency_ms is not null
    and completed_at >= ${start} and completed_at < ${end}`;

  const previewDays = await rows<{ day: string; completed: number; failed: number }>(db, sql`
    select day::text, coalesce(sum(count) filter (where type = 'preview.completed'), 0)::int as completed,
      coalesce(sum(count) filter (where type = 'preview.failed'), 0)::int as failed
    from events_daily where ${inDays} and type in ('preview.completed', 'preview.failed') group by day`);

  const latency = await rows<{ tool: string; calls: number; p95_ms: number }>(db, sql`
    select name as tool, count(*)::int as calls, percentile_disc(0.95) within group (order by latency_ms)::int as p95_ms
    from function_calls where project_id = ${projectId} and ${finished}
    group by name order by p95_ms desc, name`);

  const errors = await rows<{ tool: string; calls: number; failures: number }>(db, sql`
    select tool, sum(calls)::int as calls, sum(failures)::int as failures
    from errors_daily where ${inDays} group by tool order by failures desc, calls desc, tool`);

  // Hourly buckets for up to two days, else daily; a bucket that has not begun yet gets no point.
  // What was in flight at the start (started before it, not finished before it) counts from the
  // first point; inside the range each start is +1 and each end -1 from the first point after it,
  // and a running sum over the points gives what was in flight at each. Every part is an index
  // range, so the cost follows the range, not the project's whole history of calls.
  const bucket = days.length <= 2 ? 'hour' : 'day';
  const stepS = bucket === 'hour' ? 3600 : 86_400;
  const nowTs = sql`${now.toISOString()}::timestamptz`;
  const stop = sql`least(${end}, ${nowTs})`;
  const inFlight = await rows<{ at: string; ops: number }>(db, sql`
    with points as (
      select i, least(${start} + i * make_interval(secs => ${stepS}), ${nowTs}) as at
      from generate_series(1, ${days.length * (86_400 / stepS)}) i
      where ${start} + (i - 1) * make_interval(secs => ${stepS}) <= ${nowTs}
    ),
    changes as (
      select ${start} as at, 1 as delta from function_calls
      where project_id = ${projectId} and started_at < ${start} and completed_at is null
      union all
      select ${start}, 1 from function_calls
      where project_id = ${projectId} and started_at < ${start} and completed_at >= ${start}
      union all
      select started_at, 1 from function_calls
      where project_id = ${projectId} and started_at >= ${start} and started_at < ${stop}
      union all
      select completed_at, -1 from function_calls
      where project_id = ${projectId} and completed_at >= ${start} and completed_at < ${stop} and started_at <= completed_at
      union all
      -- An end reported before its start (two machines' clocks) ends the call at its start.
      select started_at, -1 from function_calls
      where project_id = ${projectId} and started_at >= ${start} and started_at < ${stop} and completed_at < started_at
    ),
    per_point as (
      select greatest(1, floor(extract(epoch from (at - ${start})) / ${stepS})::int + 1) as i, sum(delta) as delta
      from changes group by 1
    )
    select to_char(points.at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') as at,
      (sum(coalesce(per_point.delta, 0)) over (order by points.i))::int as ops
    from points left join per_point using (i) order by points.i`);

  // The queue's hours summed into the same buckets; averages count only the time that has passed.
  const queueBuckets = await rows<QueueBucket>(db, sql`
    with points as (
      select i, ${start} + (i - 1) * make_interval(secs => ${stepS}) as at,
        extract(epoch from least(${start} + i * make_interval(secs => ${stepS}), ${nowTs}) - (${start} + (i - 1) * make_interval(secs => ${stepS}))) * 1000 as ran_ms
      from generate_series(1, ${days.length * (86_400 / stepS)}) i
      where ${start} + (i - 1) * make_interval(secs => ${stepS}) <= ${nowTs}
    )
    select to_char(p.at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') as at, coalesce(sum(q.events), 0)::int as events,
      coalesce(sum(q.wait_ms_sum), 0)::float8 as wait_ms_sum, coalesce(max(q.wait_ms_max), 0)::float8 as max_wait_ms, p.ran_ms::float8 as ran_ms
    from points p
    left join queue_hourly q on q.project_id = ${projectId} and q.hour >= p.at and q.hour < p.at + make_interval(secs => ${stepS})
    group by p.i, p.at, p.ran_ms order by p.i`);

  // Ranked on the calls alone; only the ten get their names (joining first sorted every call with its name).
  const slowest = await rows<{ session_id: string; name: string | null; calls: number; p95_ms: number; max_ms: number }>(db, sql`
    select t.session_id, s.name, t.calls, t.p95_ms, t.max_ms from (
      select session_id, count(*)::int as calls,
        percentile_disc(0.95) within group (order by latency_ms)::int as p95_ms, max(latency_ms)::int as max_ms
      from function_calls where project_id = ${projectId} and ${finished}
      group by session_id order by p95_ms desc, max_ms desc, session_id limit 10
    ) t
    left join sessions s on s.project_id = ${projectId} and s.id::text = t.session_id
    order by t.p95_ms desc, t.max_ms desc, t.session_id`);

  const [calls] = await rows<{ succeeded: number; failed: number; timeout: number; started: number }>(db, sql`
    select count(*) filter (where status = 'succeeded')::int as succeeded, count(*) filter (where status = 'failed')::int as failed,
      count(*) filter (where status = 'timeout')::int as timeout, count(*) filter (where status = 'started')::int as started
    from function_calls
    where project_id = ${projectId}
      and coalesce(completed_at, started_at, created_at) >= ${start} and coalesce(completed_at, started_at, created_at) < ${end}`);

  const models = await rows<{ provider: string; model: string; requests: number; input_tokens: number; output_tokens: number; cost_usd: number }>(db, sql`
    select provider, model, sum(requests)::float8 as requests, sum(input_tokens)::float8 as input_tokens,
      sum(output_tokens)::float8 as output_tokens, sum(cost_usd)::float8 as cost_usd
    from usage_daily where ${inDays} group by provider, model order by cost_usd desc, provider, model`);
  const usageDays = await rows<{ day: string; input_tokens: number; output_tokens: number; cost_usd: number }>(db, sql`
    select day::text, sum(input_tokens)::float8 as input_tokens, sum(output_tokens)::float8 as output_tokens, sum(cost_usd)::float8 as cost_usd
    from usage_daily where ${inDays} group by day`);

  const [active] = await rows<{ n: number }>(db, sql`
    select count(*)::int as n from sessions where project_id = ${projectId} and state = 'active'`);
  const sessionDays = await rows<{ day: string; sessions: number }>(db, sql`
    select day::text, count(*)::int as sessions from sessions_daily where ${inDays} group by day`);

  const builds = await rows<{ status: string; jobs: number }>(db, sql`
    select status::text, count(*)::int as jobs from build_jobs
    where project_id = ${projectId} and created_at >= ${start} and created_at < ${end}
    group by status order by jobs desc, status`);

  const byDay = <T extends { day: string }>(list: T[]) => new Map(list.map((r) => [r.day, r]));
  const previews = byDay(previewDays);
  const usage = byDay(usageDays);
  const sessionsByDay = byDay(sessionDays);
  const completed = previewDays.reduce((n, r) => n + r.completed, 0);
  const failed = previewDays.reduce((n, r) => n + r.failed, 0);
  const c = calls ?? { succeeded: 0, failed: 0, timeout: 0, started: 0 };
  const sum = (k: 'requests' | 'input_tokens' | 'output_tokens' | 'cost_usd') => models.reduce((n, m) => n + Number(m[k]), 0);

  return {
    range: { from: range.from, to: range.to },
    generated_at: now.toISOString(),
    rolled_up_to: await rollupWatermarkIso(db),
    preview: {
      completed,
      failed,
      success_rate: share(completed, completed + failed),
      days: days.map((day) => ({ day, completed: previews.get(day)?.completed ?? 0, failed: previews.get(day)?.failed ?? 0 })),
    },
    latency,
    errors: errors.map((e) => ({ ...e, error_rate: share(e.failures, e.calls) })),
    in_flight: { bucket, points: inFlight },
    queue_depth: queueDepth(bucket, queueBuckets),
    slowest_sessions: slowest,
    function_calls: { ...c, success_rate: share(c.succeeded, c.succeeded + c.failed + c.timeout) },
    usage: {
      models: models.map((m) => ({ ...m, requests: Number(m.requests), input_tokens: Number(m.input_tokens), output_tokens: Number(m.output_tokens), cost_usd: Number(m.cost_usd) })),
      days: days.map((day) => {
        const u = usage.get(day);
        return { day, input_tokens: Number(u?.input_tokens ?? 0), output_tokens: Number(u?.output_tokens ?? 0), cost_usd: Number(u?.cost_usd ?? 0) };
      }),
      total: { requests: sum('requests'), input_tokens: sum('input_tokens'), output_tokens: sum('output_tokens'), cost_usd: sum('cost_usd') },
    },
    sessions: { active_now: active?.n ?? 0, days: days.map((day) => ({ day, sessions: sessionsByDay.get(day)?.sessions ?? 0 })) },
    builds,
  };
}

/** A bucket's sums from queue_hourly, and how much of the bucket has passed. */
type QueueBucket = { at: string; events: number; wait_ms_sum: number; max_wait_ms: number; ran_ms: number };

/**
 * Little's law per bucket and over the range: the time-averaged number of events waiting is their
 * total wait over the time that has passed.
 */
function queueDepth(
  bucket: 'hour' | 'day',
  buckets: QueueBucket[],
): DashboardView['queue_depth'] {
  const perMs = (waitMs: number, ranMs: number) => (ranMs > 0 ? waitMs / ranMs : 0);
  const total = (k: 'events' | 'wait_ms_sum' | 'ran_ms') => buckets.reduce((n, b) => n + b[k], 0);
  return {
    bucket,
    points: buckets.map((b) => ({ at: b.at, events: b.events, avg_waiting: perMs(b.wait_ms_sum, b.ran_ms), max_wait_ms: b.max_wait_ms })),
    total: {
      events: total('events'),
      avg_waiting: perMs(total('wait_ms_sum'), total('ran_ms')),
      max_wait_ms: buckets.reduce((n, b) => Math.max(n, b.max_wait_ms), 0),
    },
  };
}

/** The rollup watermark as ISO, or null before the first run ('-infinity'). */
async function rollupWatermarkIso(db: Db): Promise<string | null> {
  const [row] = await rows<{ at: string }>(db, sql`
    select to_char(stored_before at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as at
    from rollup_watermarks where name = ${EVENTS_WATERMARK} and isfinite(stored_before)`);
  return row?.at ?? null;
}
