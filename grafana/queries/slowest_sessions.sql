-- The 10 sessions whose finished calls had the highest p95 latency.
select f.session_id, s.name, count(*) as calls,
  percentile_disc(0.95) within group (order by f.latency_ms) as "p95 ms",
  max(f.latency_ms) as "max ms"
from function_calls f
left join sessions s on s.project_id = f.project_id and s.id::text = f.session_id
where f.project_id = '$project'
  and f.status in ('succeeded', 'failed', 'timeout') and f.latency_ms is not null
  and $__timeFilter(f.completed_at)
group by f.session_id, s.name
order by 4 desc, 5 desc, f.session_id
limit 10
