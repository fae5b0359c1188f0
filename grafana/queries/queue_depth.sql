-- Events accepted by the edge and not yet stored, on average per hour: by Little's law, the hour's
-- total wait (queue_hourly, by the hour the edge received them in) over the part of the hour that
-- has passed.
select h as time,
  coalesce(q.wait_ms_sum, 0)
    / nullif(extract(epoch from least(h + interval '1 hour', $__timeTo()::timestamptz) - h) * 1000, 0) as "events waiting"
from generate_series(date_trunc('hour', $__timeFrom()::timestamptz),
                     least($__timeTo()::timestamptz, now()), interval '1 hour') h
left join queue_hourly q on q.project_id = '$project' and q.hour = h
order by 1
