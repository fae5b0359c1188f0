-- Operations started and not yet finished, at every hour and at the end of the range: those
-- never finished plus those finished at or after the point (each an index range, however long
-- the project's history).
select t as time,
  (select count(*) from function_calls f
    where f.project_id = '$project' and f.started_at < t and f.completed_at is null)
  + (select count(*) from function_calls f
    where f.project_id = '$project' and f.completed_at >= t and f.started_at < t) as "ops in flight"
from (
  select generate_series(date_trunc('hour', $__timeFrom()::timestamptz) + interval '1 hour',
                         least($__timeTo()::timestamptz, now()), interval '1 hour') as t
  union
  select least($__timeTo()::timestamptz, now())
) points
order by 1
