// build_jobs: one row per build call, kept at the newest state its events report.
import { sql } from 'drizzle-orm';
import { defineStatementProjection, keyOf, producedBySpark, recordset, sameEvent, type EventKey } from './projection';

export type BuildRow = EventKey & {
  call_id: string;
  status: 'started' | 'progress' | 'timeout' | 'completed' | 'failed';
  target: string | null;
  progress: number | null;
  artifact: string | null;
  artifact_bytes: number | null;
  error: string | null;
};

export const builds = defineStatementProjection({
  name: 'builds',
  reads: ['build.started', 'build.progress', 'build.timeout', 'build.completed', 'build.failed'],
  rows: (events) =>
    events.filter(producedBySpark).map((e): BuildRow => {
      const row = { ...keyOf(e), call_id: e.payload.call_id, target: null, progress: null, artifact: null, artifact_bytes: null, error: null };
      switch (e.type) {
        case 'build.started':
          return { ...row, status: 'started', target: e.payload.target };
        case 'build.progress':
          return { ...row, status: 'progress', progress: e.payload.progress ?? null };
        case 'build.timeout':
          return { ...row, status: 'timeout', target: e.payload.target, progress: e.payload.progress };
        case 'build.completed':
          return { ...row, status: 'completed', target: e.payload.target, artifact: e.payload.artifact?.path ?? null, artifact_bytes: e.payload.artifact?.sizeBytes ?? null };
        case 'build.failed':
          return { ...row, status: 'failed', target: e.payload.target, error: e.payload.error.message };
      }
    }),
  // The newest event per call in this batch wins, upserted on (session, call); an older event
  // arriving later never moves a job back.
  write: (rows) => sql`
    insert into build_jobs as b (project_id, session_id, call_id, target, status, progress, artifact_r2_key, artifact_bytes, error, started_at, updated_at, completed_at)
    select project_id, sid, call_id, coalesce(target, 'unknown'), status::build_status,
           least(1, greatest(0, coalesce(progress::real, case when status = 'completed' then 1 else 0 end))),
           artifact, artifact_bytes::bigint, error, first_at, occurred_at,
           case when status in ('completed', 'failed', 'timeout') then occurred_at end
    from (
      select distinct on (s.sid, p.call_id) s.project_id, s.sid, p.call_id, s.occurred_at, p.status, p.progress, p.artifact, p.artifact_bytes, p.error,
             min(s.occurred_at) over (partition by s.sid, p.call_id) as first_at,
             max(p.target) over (partition by s.sid, p.call_id) as target
      from ${recordset(rows, 'call_id text, status text, target text, progress float8, artifact text, artifact_bytes float8, error text')} join s on ${sameEvent('s')}
      order by s.sid, p.call_id, s.occurred_at desc
    ) newest
    on conflict (session_id, call_id) do update set
      status = case when b.updated_at <= excluded.updated_at then excluded.status else b.status end,
      progress = case when b.updated_at <= excluded.updated_at then excluded.progress else b.progress end,
      target = case when excluded.target <> 'unknown' then excluded.target else b.target end,
      artifact_r2_key = coalesce(excluded.artifact_r2_key, b.artifact_r2_key),
      artifact_bytes = coalesce(excluded.artifact_bytes, b.artifact_bytes),
      error = coalesce(excluded.error, b.error),
      started_at = least(b.started_at, excluded.started_at),
      completed_at = coalesce(b.completed_at, excluded.completed_at),
      updated_at = greatest(b.updated_at, excluded.updated_at)`,
});
