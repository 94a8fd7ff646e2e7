{{ config(
    schema='intermediate',
    materialized=incremental_materialization(),
    incremental_strategy='append',
    pre_hook="{{ incremental_delete(incremental_window('month_start', 'month')) }}",
    on_schema_change='fail',
) }}
-- One row per person and month with attributed usage: the usage shape int_audit__person_months
-- joins to each person-month. Split out because it is the audit's one large scan (every usage
-- row, converted to local time): a month's row depends only on that month's usage rows (by
-- UTC day), so an incremental run (DuckDB) recomputes whole months from the first affected
-- day's month on. Times of day are local (the person's roster timezone); only usage dated to
-- the hour or the request ('1h', 'request') has a time of day, daily buckets (Claude Code,
-- Copilot, daily pulls) count in totals only. An hour bucket is placed at its middle (start +
-- 30 minutes), so half-hour timezones land in the right hour. Per-request measures use the
-- exports that count model requests (Cursor events, OpenAI num_model_requests); Copilot's
-- count is of IDE interactions, not of its CLI's token use.
{%- set request_tools = audit_request_tools() %}
with usage as (
    select
        usage.employee_key,
        cast({{ dbt.date_trunc('month', 'usage.usage_date') }} as date) as month_start,
        usage.bucket_width in ('1h', 'request') as is_timed,
        usage.provider,
        usage.tool,
        usage.uncached_input_tokens,
        usage.cache_write_tokens,
        usage.cache_read_tokens,
        usage.output_tokens,
        usage.total_tokens,
        usage.requests,
        usage.list_cost_usd,
        {{ to_local_timestamp(dbt.dateadd('minute', 30, 'usage.usage_hour'), 'employees.timezone') }} as local_hour
    from {{ ref('fct_ai_usage_hourly') }} as usage
    inner join {{ ref('dim_employees') }} as employees
        on usage.employee_key = employees.employee_key
    where usage.employee_key is not null
      and {{ incremental_window('usage.usage_date', 'month') }}
),

usage_local as (
    select
        *,
        cast(local_hour as date) as local_date,
        {{ hour_of('local_hour') }} as local_hour_of_day,
        {{ iso_day_of_week('local_hour') }} as local_day_of_week
    from usage
),

usage_months as (
    select
        employee_key,
        month_start,
        sum(total_tokens) as total_tokens,
        sum(list_cost_usd) as list_cost_usd,
        sum(uncached_input_tokens + cache_write_tokens + cache_read_tokens) as input_tokens,
        sum(cache_read_tokens) as cache_read_tokens,
        sum(output_tokens) as output_tokens,
        sum(case when is_timed then total_tokens else 0 end) as timed_tokens,
        sum(case when is_timed
                  and (local_hour_of_day < {{ audit_threshold('unattended_agent.night_end_hour') }}
                       or local_day_of_week >= 6)
             then total_tokens else 0 end) as off_hours_tokens,
        {%- for tool in request_tools %}
        {%- set condition = "provider = '" ~ tool ~ "'" %}
        sum(case when {{ condition }} then coalesce(requests, 0) else 0 end) as {{ tool }}_requests,
        sum(case when {{ condition }}
             then uncached_input_tokens + cache_write_tokens + cache_read_tokens else 0 end)
            as {{ tool }}_input_tokens,
        sum(case when {{ condition }} then cache_read_tokens else 0 end) as {{ tool }}_cache_read_tokens,
        sum(case when {{ condition }} then output_tokens else 0 end) as {{ tool }}_output_tokens,
        {%- endfor %}
        -- Anthropic API buckets (no request counts): the token-class mix
        sum(case when provider = 'anthropic' and tool = 'api'
             then uncached_input_tokens + cache_write_tokens + cache_read_tokens else 0 end)
            as api_input_tokens,
        sum(case when provider = 'anthropic' and tool = 'api' then uncached_input_tokens else 0 end)
            as api_uncached_input_tokens,
        sum(case when provider = 'anthropic' and tool = 'api' then output_tokens else 0 end)
            as api_output_tokens
    from usage_local
    group by employee_key, month_start
),

-- working-hour slots (local weekday x hour) with their tokens, on weekdays with timed usage
slots as (
    select
        employee_key,
        month_start,
        local_date,
        local_hour_of_day,
        sum(total_tokens) as slot_tokens
    from usage_local
    where is_timed and local_day_of_week <= 5
    group by employee_key, month_start, local_date, local_hour_of_day
),

active_weekdays as (
    select employee_key, month_start, count(distinct local_date) as active_weekdays
    from slots
    group by employee_key, month_start
),

working_hours_of_day as (
    select
        employee_key,
        month_start,
        local_hour_of_day,
        count(*) as days_with_usage
    from slots
    where local_hour_of_day >= {{ audit_threshold('always_on.working_hour_start') }}
      and local_hour_of_day < {{ audit_threshold('always_on.working_hour_end') }}
      and slot_tokens > 0
    group by employee_key, month_start, local_hour_of_day
),

working_slots as (
    select
        employee_key,
        month_start,
        sum(days_with_usage) as covered_working_slots,
        count(*) as working_hours_with_usage,
        min(days_with_usage) as least_covered_hour_days
    from working_hours_of_day
    group by employee_key, month_start
)

select
    u.employee_key,
    u.month_start,
    cast(u.total_tokens as {{ dbt.type_bigint() }}) as total_tokens,
    u.list_cost_usd,
    cast(u.input_tokens as {{ dbt.type_bigint() }}) as input_tokens,
    cast(u.cache_read_tokens as {{ dbt.type_bigint() }}) as cache_read_tokens,
    cast(u.output_tokens as {{ dbt.type_bigint() }}) as output_tokens,
    cast(u.timed_tokens as {{ dbt.type_bigint() }}) as timed_tokens,
    cast(u.off_hours_tokens as {{ dbt.type_bigint() }}) as off_hours_tokens,
    {%- for tool in request_tools %}
    {%- for measure in ['requests', 'input_tokens', 'cache_read_tokens', 'output_tokens'] %}
    cast(u.{{ tool }}_{{ measure }} as {{ dbt.type_bigint() }}) as {{ tool }}_{{ measure }},
    {%- endfor %}
    {%- endfor %}
    cast(u.api_input_tokens as {{ dbt.type_bigint() }}) as api_input_tokens,
    cast(u.api_uncached_input_tokens as {{ dbt.type_bigint() }}) as api_uncached_input_tokens,
    cast(u.api_output_tokens as {{ dbt.type_bigint() }}) as api_output_tokens,
    cast(coalesce(aw.active_weekdays, 0) as {{ dbt.type_int() }}) as active_weekdays,
    cast(coalesce(ws.covered_working_slots, 0) as {{ dbt.type_int() }}) as covered_working_slots,
    cast(coalesce(ws.working_hours_with_usage, 0) as {{ dbt.type_int() }}) as working_hours_with_usage,
    cast(coalesce(ws.least_covered_hour_days, 0) as {{ dbt.type_int() }}) as least_covered_hour_days
from usage_months as u
left join active_weekdays as aw
    on u.employee_key = aw.employee_key and u.month_start = aw.month_start
left join working_slots as ws
    on u.employee_key = ws.employee_key and u.month_start = ws.month_start
