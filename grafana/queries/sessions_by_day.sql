-- Sessions with events, per day (from the daily rollups).
select day::timestamp at time zone 'UTC' as time, count(*) as sessions
from sessions_daily
where project_id = '$project'
  and day between $__timeFrom()::timestamptz::date and $__timeTo()::timestamptz::date
group by day
order by 1
