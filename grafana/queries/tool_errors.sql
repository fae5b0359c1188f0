-- Error rate per tool: failed or timed-out calls / finished calls, from the daily rollups.
select tool, sum(calls) as calls, sum(failures) as failures,
  sum(failures)::float8 / nullif(sum(calls), 0) as "error rate"
from errors_daily
where project_id = '$project'
  and day between $__timeFrom()::timestamptz::date and $__timeTo()::timestamptz::date
group by tool
order by failures desc, calls desc, tool
