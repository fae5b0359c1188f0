-- The 10 sessions whose finished calls had the highest p95 latency (ranked on the calls, then named).
select t.session_id, s.name, t.calls, t."p95 ms", t."max ms"
from (
  select session_id, count(*) as calls,
    percentile_disc(0.95) within group (order by latency_ms) as "p95 ms",
    max(latency_ms) as "max ms"
  from function_calls
  where project_id = '$project'
    and status in ('succeeded', 'failed', 'timeout') and latency_ms is not null
    and $__timeFilter(completed_at)
  group by session_id
  order by 3 desc, 4 desc, session_id
  limit 10
) t
left join sessions s on s.project_id = '$project' and s.id::text = t.session_id
order by t."p95 ms" desc, t."max ms" desc, t.session_id
