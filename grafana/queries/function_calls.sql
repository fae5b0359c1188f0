-- Function calls by status (started: not finished yet).
select status, count(*) as calls
from function_calls
where project_id = '$project'
  and $__timeFilter(coalesce(completed_at, started_at, created_at))
group by status
order by status
