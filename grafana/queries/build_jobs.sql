-- Build jobs created in the time range, by status.
select status::text as status, count(*) as jobs
from build_jobs
where project_id = '$project' and $__timeFilter(created_at)
group by status
order by jobs desc, status
