-- Preview success rate: preview.completed / (completed + failed), from the daily rollups.
select
  coalesce(sum(count) filter (where type = 'preview.completed'), 0)::float8
    / nullif(coalesce(sum(count), 0), 0) as "success rate"
from events_daily
where project_id = '$project'
  and day between $__timeFrom()::timestamptz::date and $__timeTo()::timestamptz::date
  and type in ('preview.completed', 'preview.failed')
