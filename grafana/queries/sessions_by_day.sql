-- Sessions with events, per day.
select date_trunc('day', occurred_at at time zone 'UTC') at time zone 'UTC' as time,
  count(distinct session_id) as sessions
from spark_events
where project_id = '$project' and $__timeFilter(occurred_at)
group by 1
order by 1
