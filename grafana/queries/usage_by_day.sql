-- Tokens and cost per day.
select day::timestamp at time zone 'UTC' as time, sum(input_tokens) as "input tokens",
  sum(output_tokens) as "output tokens", sum(cost_usd)::float8 as "cost (USD)"
from usage_daily
where project_id = '$project'
  and day between $__timeFrom()::timestamptz::date and $__timeTo()::timestamptz::date
group by day
order by 1
