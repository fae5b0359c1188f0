-- The longest wait of an event from accepted by the edge to stored, in the hours of the range
-- (queue_hourly, by the hour the edge received it in).
select coalesce(max(wait_ms_max), 0) as "longest wait ms"
from queue_hourly
where project_id = '$project'
  and hour >= date_trunc('hour', $__timeFrom()::timestamptz) and hour < $__timeTo()::timestamptz
