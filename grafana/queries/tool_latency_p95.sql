-- p95 latency per tool (nearest rank), over calls finished in the time range.
select name as tool, count(*) as calls,
  percentile_disc(0.95) within group (order by latency_ms) as "p95 ms"
from function_calls
where project_id = '$project'
  and status in ('succeeded', 'failed', 'timeout') and latency_ms is not null
  and $__timeFilter(completed_at)
group by name
order by 3 desc, name
