-- Tokens and cost per model, from the daily rollups of usage.* events.
select provider, model, sum(requests) as requests, sum(input_tokens) as "input tokens",
  sum(output_tokens) as "output tokens", sum(cost_usd)::float8 as "cost (USD)"
from usage_daily
where project_id = '$project'
  and day between $__timeFrom()::timestamptz::date and $__timeTo()::timestamptz::date
group by provider, model
order by 6 desc, provider, model
