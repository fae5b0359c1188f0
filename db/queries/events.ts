import { and, desc, eq, gte, lt, sql } from 'drizzle-orm';
import { rowsOf, type Db } from '../client';
import { functionCalls, sparkEvents } from '../schema';
import type { EventQueueMessage, FunctionCallPayload } from '../../contracts/event';

/**
 * Inserts a batch of events with ONE statement, and projects the events that were new into the
 * tables the UI reads (generated scripts, the change history, previews, build jobs).
 * Rows travel as a single JSON parameter expanded by jsonb_to_recordset: driver-independent and
 * nearly as fast as unnest() arrays. Duplicates of (project_id, id, occurred_at) — resends, in the
 * same batch or later — are ignored (ids are unique per project: another tenant cannot take
 * yours), and since only rows this statement inserted are projected, a redelivered batch projects
 * nothing twice. One statement is also one transaction: events and projections land together or
 * not at all. The change history and generated scripts come only from events the edge verified
 * as the agent's report of an op Spark dispatched (`producer.verifiedOp`); Undo writes them back.
 * Returns how many events were new.
 */
export async function insertEventBatch(db: Db, messages: EventQueueMessage[]): Promise<number> {
  if (messages.length === 0) return 0;
  const rows = firstOfEach(messages).map(({ projectId, event: e, receivedAt, producer }) => ({
    id: e.id,
    ts: e.ts,
    project_id: projectId,
    session_id: e.session_id,
    source: e.source,
    kind: e.kind,
    type: e.type,
    payload: e.payload,
    trace_id: e.trace_id ?? null,
    received_s: receivedAt / 1000,
    verified_op: producer?.verifiedOp === true,
  }));
  const result = await db.execute<{ inserted: number }>(sql`
    with r as (
      select * from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as r(
        id uuid, ts float8, project_id uuid, session_id text, source text, kind text, type text,
        payload jsonb, trace_id text, received_s float8, verified_op boolean)
    ),
    ins as (
      insert into ${sparkEvents} (id, occurred_at, project_id, session_id, source, kind, type, payload, trace_id, received_at)
      select r.id, to_timestamp(r.ts), r.project_id, r.session_id, r.source, r.kind, r.type, r.payload, r.trace_id, to_timestamp(r.received_s)
      from r
      on conflict (project_id, id, occurred_at) do nothing
      returning id, occurred_at, project_id, session_id, type, payload
    ),
    -- New events of a Spark session of the same project (other producers' session ids are free text).
    -- r holds one row per key (firstOfEach), so a join finds each new event's mark; a join, not a
    -- correlated subquery, because packed batches hold thousands of events.
    s as (
      select ins.*, se.id as sid, ins.payload->>'call_id' as call_id, coalesce(r.verified_op, false) as verified_op
      from ins
      join r on r.project_id = ins.project_id and r.id = ins.id and to_timestamp(r.ts) = ins.occurred_at
      join sessions se on se.project_id = ins.project_id
        and se.id = case when ins.session_id ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' then ins.session_id::uuid end
    ),
    scripts as (
      insert into generated_scripts (project_id, session_id, call_id, path, sha256, bytes, created_at)
      select project_id, sid, call_id, payload->>'path', payload->>'sha256', coalesce(${num('bytes')}::int, 0), occurred_at
      from s where verified_op and type = 'unity.script_generated' and payload ? 'path' and payload ? 'sha256'
    ),
    changes as (
      insert into patches (project_id, session_id, call_id, path, before_content, after_content, before_sha256, after_sha256, op, created_at)
      select project_id, sid, call_id, payload->>'path', payload->>'before', payload->>'after',
             payload->>'before_sha256', case when type = 'unity.script_deleted' then null else coalesce(payload->>'after_sha256', payload->>'sha256') end,
             case when type = 'unity.patch_applied' then 'modify'
                  when type = 'unity.script_deleted' then 'delete'
                  when payload->>'before_sha256' is null and payload->>'before' is null then 'create'
                  else 'modify' end,
             occurred_at
      from s where verified_op and type in ('unity.script_generated', 'unity.patch_applied', 'unity.script_deleted') and payload ? 'path'
    ),
    frames as (
      insert into previews (project_id, session_id, call_id, width, height, r2_key, content_type, bytes, sha256, status, created_at, completed_at)
      select project_id, sid, call_id, (payload->>'width')::int, (payload->>'height')::int, payload->>'r2_key',
             payload->>'content_type', ${num('bytes')}::int, payload->>'sha256', 'completed', occurred_at, occurred_at
      from s where type = 'preview.frame' and payload ? 'r2_key' and payload ? 'width' and payload ? 'height'
    ),
    -- Build events: the newest per call in this batch, upserted on (session, call).
    builds as (
      select distinct on (sid, call_id) project_id, sid, call_id, occurred_at, payload,
             split_part(type, '.', 2) as status,
             min(occurred_at) over (partition by sid, call_id) as first_at,
             max(payload->>'target') over (partition by sid, call_id) as target
      from s where type in ('build.started', 'build.progress', 'build.completed', 'build.failed', 'build.timeout') and call_id is not null
      order by sid, call_id, occurred_at desc
    ),
    jobs as (
      insert into build_jobs as b (project_id, session_id, call_id, target, status, progress, artifact_r2_key, artifact_bytes, error, started_at, updated_at, completed_at)
      select project_id, sid, call_id, coalesce(target, 'unknown'), status::build_status,
             least(1, greatest(0, coalesce(${num('progress')}::real, case when status = 'completed' then 1 else 0 end))),
             coalesce(payload->'artifact'->>'path', payload->>'artifact'),
             coalesce(${num('artifact_bytes')}, ${artifactSize})::bigint,
             coalesce(payload->'error'->>'message', payload->>'error'), first_at, occurred_at,
             case when status in ('completed', 'failed', 'timeout') then occurred_at end
      from builds
      on conflict (session_id, call_id) do update set
        status = case when b.updated_at <= excluded.updated_at then excluded.status else b.status end,
        progress = case when b.updated_at <= excluded.updated_at then excluded.progress else b.progress end,
        target = case when excluded.target <> 'unknown' then excluded.target else b.target end,
        artifact_r2_key = coalesce(excluded.artifact_r2_key, b.artifact_r2_key),
        artifact_bytes = coalesce(excluded.artifact_bytes, b.artifact_bytes),
        error = coalesce(excluded.error, b.error),
        started_at = least(b.started_at, excluded.started_at),
        completed_at = coalesce(b.completed_at, excluded.completed_at),
        updated_at = greatest(b.updated_at, excluded.updated_at)
    ),
    -- Agent presence: the newest connected/disconnected event per agent token wins.
    presence as (
      select distinct on (payload->>'token_id') project_id, occurred_at, payload,
             case when type = 'agent.connected' then 'online' else 'offline' end as status
      from ins where type in ('agent.connected', 'agent.disconnected')
        and payload->>'token_id' ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
      order by payload->>'token_id', occurred_at desc
    ),
    seen as (
      update agents a set status = p.status, last_seen_at = p.occurred_at,
             unity_profile = coalesce(p.payload->>'profile', a.unity_profile)
      from presence p
      where a.token_id = (p.payload->>'token_id')::uuid and a.project_id = p.project_id
        and (a.last_seen_at is null or a.last_seen_at <= p.occurred_at)
    )
    select count(*)::int as inserted from ins`);
  return rowsOf<{ inserted: number }>(result)[0]?.inserted ?? 0;
}

/** The first message of each (project, id, ts): a resend in the same batch is a duplicate, not a second event. */
function firstOfEach(messages: EventQueueMessage[]): EventQueueMessage[] {
  const seen = new Set<string>();
  return messages.filter(({ projectId, event }) => {
    const key = `${projectId}|${event.id}|${event.ts}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** A numeric payload field, or null when it is missing or not a number (never a cast error). */
const num = (field: string) =>
  sql.raw(`(case when payload->>'${field}' ~ '^-?[0-9]+(\\.[0-9]+)?([eE][-+]?[0-9]+)?$' then (payload->>'${field}')::float8 end)`);

/** The agent reports a build artifact as { path, sizeBytes, sha256 }. */
const artifactSize = sql.raw(`(case when payload->'artifact'->>'sizeBytes' ~ '^[0-9]+$' then (payload->'artifact'->>'sizeBytes')::float8 end)`);

/** One call's newest known state, merged from the call's events in timestamp order. */
export interface FunctionCallUpdate {
  projectId: string;
  sessionId: string;
  ts: number;
  call: FunctionCallPayload;
}

/**
 * Upserts function calls on (project_id, session_id, call_id). Within a batch the updates of one
 * call are merged first (Postgres refuses to update a row twice in one statement); across
 * batches an older event never overwrites a newer status.
 */
export async function upsertFunctionCalls(db: Db, updates: FunctionCallUpdate[]): Promise<void> {
  if (updates.length === 0) return;
  const merged = new Map<string, Record<string, unknown>>();
  for (const u of [...updates].sort((a, b) => a.ts - b.ts)) {
    const key = `${u.projectId}\u0000${u.sessionId}\u0000${u.call.call_id}`;
    const prev = merged.get(key) ?? {};
    const c = u.call;
    merged.set(key, {
      project_id: u.projectId,
      session_id: u.sessionId,
      call_id: c.call_id,
      name: c.name,
      status: c.status,
      args: c.args ?? prev.args ?? null,
      result: c.result ?? prev.result ?? null,
      error: c.error ?? prev.error ?? null,
      latency_ms: c.latency_ms ?? prev.latency_ms ?? null,
      started_s: c.started_at ?? prev.started_s ?? (c.status === 'started' ? u.ts : null),
      completed_s: c.completed_at ?? prev.completed_s ?? (c.status !== 'started' ? u.ts : null),
      updated_s: u.ts,
    });
  }
  await db.execute(sql`
    insert into ${functionCalls} as f (project_id, session_id, call_id, name, status, args, result, error, latency_ms, started_at, completed_at, updated_at)
    select r.project_id, r.session_id, r.call_id, r.name, r.status, r.args, r.result, r.error, r.latency_ms,
           to_timestamp(r.started_s), to_timestamp(r.completed_s), to_timestamp(r.updated_s)
    from jsonb_to_recordset(${JSON.stringify([...merged.values()])}::jsonb) as r(
      project_id uuid, session_id text, call_id text, name text, status text, args jsonb, result jsonb,
      error text, latency_ms int, started_s float8, completed_s float8, updated_s float8)
    on conflict (project_id, session_id, call_id) do update set
      name = excluded.name,
      status = case when f.updated_at <= excluded.updated_at then excluded.status else f.status end,
      args = coalesce(excluded.args, f.args),
      result = coalesce(excluded.result, f.result),
      error = coalesce(excluded.error, f.error),
      latency_ms = coalesce(excluded.latency_ms, f.latency_ms),
      started_at = least(f.started_at, excluded.started_at),
      completed_at = coalesce(excluded.completed_at, f.completed_at),
      updated_at = greatest(f.updated_at, excluded.updated_at)`);
}

export interface EventFilter {
  projectId: string;
  sessionId?: string;
  type?: string;
  since?: number;
  until?: number;
  limit: number;
  cursor?: EventCursor;
}
/** Position after the last item of a page: its exact timestamp (text, microseconds) and id. */
export interface EventCursor {
  at: string;
  id: string;
}

/** A page of events, newest first, keyset-paginated on (occurred_at, id). */
export async function listEvents(db: Db, f: EventFilter) {
  const conds = [eq(sparkEvents.projectId, f.projectId)];
  if (f.sessionId !== undefined) conds.push(eq(sparkEvents.sessionId, f.sessionId));
  if (f.type !== undefined) conds.push(eq(sparkEvents.type, f.type));
  if (f.since !== undefined) conds.push(gte(sparkEvents.occurredAt, sql`to_timestamp(${f.since})`));
  if (f.until !== undefined) conds.push(lt(sparkEvents.occurredAt, sql`to_timestamp(${f.until})`));
  if (f.cursor) conds.push(sql`(${sparkEvents.occurredAt}, ${sparkEvents.id}) < (${f.cursor.at}::timestamptz, ${f.cursor.id}::uuid)`);
  const rows = await db
    .select({
      id: sparkEvents.id,
      ts: sql<number>`extract(epoch from ${sparkEvents.occurredAt})::float8`.mapWith(Number),
      at: sql<string>`to_char(${sparkEvents.occurredAt} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`,
      projectId: sparkEvents.projectId,
      sessionId: sparkEvents.sessionId,
      source: sparkEvents.source,
      kind: sparkEvents.kind,
      type: sparkEvents.type,
      payload: sparkEvents.payload,
      traceId: sparkEvents.traceId,
      receivedAt: sparkEvents.receivedAt,
    })
    .from(sparkEvents)
    .where(and(...conds))
    .orderBy(desc(sparkEvents.occurredAt), desc(sparkEvents.id))
    .limit(f.limit + 1);
  const page = rows.slice(0, f.limit);
  const last = page[page.length - 1];
  const next = rows.length > f.limit && last ? { at: last.at, id: last.id } : null;
  return { items: page, next };
}

export async function countEvents(db: Db, projectId: string): Promise<number> {
  const rows = await db.select({ n: sql<number>`count(*)::int` }).from(sparkEvents).where(eq(sparkEvents.projectId, projectId));
  return rows[0]?.n ?? 0;
}
