{{ config(schema='intermediate') }}
-- One row per person and month they were employed: the usage shape and delivery facts every
-- gaming signal and the leaderboard replay read. Times of day are local (the person's roster
-- timezone); only usage dated to the hour or the request ('1h', 'request') has a time of day,
-- daily buckets (Claude Code, Copilot, daily pulls) count in totals only. An hour bucket is
-- placed at its middle (start + 30 minutes), so half-hour timezones land in the right hour.
-- Per-request measures use the exports that count model requests (Cursor events, OpenAI
-- num_model_requests); Copilot's count is of IDE interactions, not of its CLI's token use.
{%- set request_tools = {'cursor': "provider = 'cursor'", 'openai': "provider = 'openai'"} %}
{%- set working_hours = audit_threshold('always_on.working_hour_end') ~ ' - ' ~ audit_threshold('always_on.working_hour_start') %}
with months as (
    select distinct
        month_start,
        cast({{ dbt.dateadd('month', 1, 'month_start') }} as date) as next_month_start
    from {{ ref('fct_team_months') }}
),

-- the person's assignment in the month (the latest one that overlaps it)
assignments as (
    select
        a.employee_key,
        months.month_start,
        a.team_id,
        a.role,
        a.level,
        row_number() over (
            partition by a.employee_key, months.month_start order by a.valid_from desc
        ) as recency
    from {{ ref('int_employee_assignments') }} as a
    inner join months
        on a.valid_from < months.next_month_start
        and a.valid_to > months.month_start
),

people as (
    select
        assignments.employee_key,
        assignments.month_start,
        assignments.team_id,
        assignments.role,
        assignments.level,
        employees.timezone
    from assignments
    inner join {{ ref('dim_employees') }} as employees
        on assignments.employee_key = employees.employee_key
    where assignments.recency = 1
),

usage as (
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
        {%- for tool, condition in request_tools.items() %}
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
),

prs as (
    select
        prs.*,
        cast({{ dbt.date_trunc('month', 'prs.merged_at') }} as date) as merged_month,
        cast({{ dbt.date_trunc('month', 'prs.opened_at') }} as date) as opened_month,
        {{ to_local_timestamp('prs.opened_at', 'employees.timezone') }} as local_opened_at
    from {{ ref('fct_pull_requests') }} as prs
    inner join {{ ref('dim_employees') }} as employees
        on prs.author_employee_key = employees.employee_key
    where not prs.is_bot
),

merged as (
    select
        author_employee_key as employee_key,
        merged_month as month_start,
        count(*) as merged_prs,
        sum(case when is_trivial then 1 else 0 end) as trivial_merged_prs,
        sum(coalesce(additions, 0) + coalesce(deletions, 0)) as merged_changed_lines
    from prs
    where is_merged
    group by author_employee_key, merged_month
),

opened as (
    select
        author_employee_key as employee_key,
        opened_month as month_start,
        count(*) as opened_prs,
        sum(case when {{ hour_of('local_opened_at') }} < {{ audit_threshold('unattended_agent.night_end_hour') }}
                  or {{ iso_day_of_week('local_opened_at') }} >= 6
             then 1 else 0 end) as opened_prs_off_hours
    from prs
    group by author_employee_key, opened_month
),

bugs as (
    select
        prs.author_employee_key as employee_key,
        cast({{ dbt.date_trunc('month', 'bugs.created_at') }} as date) as month_start,
        count(*) as bugs_caused
    from {{ ref('fct_bugs') }} as bugs
    inner join prs on bugs.caused_by_pull_request_id = prs.pull_request_id
    group by prs.author_employee_key, cast({{ dbt.date_trunc('month', 'bugs.created_at') }} as date)
),

joined as (
    select
        people.employee_key,
        people.month_start,
        people.team_id,
        people.role,
        people.level,
        people.timezone,
        cast(coalesce(u.total_tokens, 0) as {{ dbt.type_bigint() }}) as total_tokens,
        coalesce(u.list_cost_usd, 0) as list_cost_usd,
        cast(coalesce(u.input_tokens, 0) as {{ dbt.type_bigint() }}) as input_tokens,
        cast(coalesce(u.cache_read_tokens, 0) as {{ dbt.type_bigint() }}) as cache_read_tokens,
        cast(coalesce(u.output_tokens, 0) as {{ dbt.type_bigint() }}) as output_tokens,
        cast(coalesce(u.timed_tokens, 0) as {{ dbt.type_bigint() }}) as timed_tokens,
        cast(coalesce(u.off_hours_tokens, 0) as {{ dbt.type_bigint() }}) as off_hours_tokens,
        {%- for tool in request_tools %}
        {%- for measure in ['requests', 'input_tokens', 'cache_read_tokens', 'output_tokens'] %}
        cast(coalesce(u.{{ tool }}_{{ measure }}, 0) as {{ dbt.type_bigint() }}) as {{ tool }}_{{ measure }},
        {%- endfor %}
        {%- endfor %}
        cast(coalesce(u.api_input_tokens, 0) as {{ dbt.type_bigint() }}) as api_input_tokens,
        cast(coalesce(u.api_uncached_input_tokens, 0) as {{ dbt.type_bigint() }})
            as api_uncached_input_tokens,
        cast(coalesce(u.api_output_tokens, 0) as {{ dbt.type_bigint() }}) as api_output_tokens,
        cast(coalesce(aw.active_weekdays, 0) as {{ dbt.type_int() }}) as active_weekdays,
        cast(coalesce(ws.covered_working_slots, 0) as {{ dbt.type_int() }}) as covered_working_slots,
        coalesce(ws.working_hours_with_usage, 0) as working_hours_with_usage,
        coalesce(ws.least_covered_hour_days, 0) as least_covered_hour_days,
        cast(coalesce(m.merged_prs, 0) as {{ dbt.type_int() }}) as merged_prs,
        cast(coalesce(m.trivial_merged_prs, 0) as {{ dbt.type_int() }}) as trivial_merged_prs,
        cast(coalesce(m.merged_prs, 0) - coalesce(m.trivial_merged_prs, 0) as {{ dbt.type_int() }})
            as nontrivial_merged_prs,
        cast(coalesce(m.merged_changed_lines, 0) as {{ dbt.type_bigint() }}) as merged_changed_lines,
        cast(coalesce(o.opened_prs, 0) as {{ dbt.type_int() }}) as opened_prs,
        cast(coalesce(o.opened_prs_off_hours, 0) as {{ dbt.type_int() }}) as opened_prs_off_hours,
        cast(coalesce(b.bugs_caused, 0) as {{ dbt.type_int() }}) as bugs_caused
    from people
    left join usage_months as u
        on people.employee_key = u.employee_key and people.month_start = u.month_start
    left join active_weekdays as aw
        on people.employee_key = aw.employee_key and people.month_start = aw.month_start
    left join working_slots as ws
        on people.employee_key = ws.employee_key and people.month_start = ws.month_start
    left join merged as m
        on people.employee_key = m.employee_key and people.month_start = m.month_start
    left join opened as o
        on people.employee_key = o.employee_key and people.month_start = o.month_start
    left join bugs as b
        on people.employee_key = b.employee_key and people.month_start = b.month_start
),

shaped as (
    select
        *,
        {{ working_hours }} as working_hours_per_day,
        active_weekdays * ({{ working_hours }}) as possible_working_slots
    from joined
)

select
    employee_key,
    month_start,
    team_id,
    role,
    level,
    timezone,
    total_tokens,
    list_cost_usd,
    input_tokens,
    cache_read_tokens,
    output_tokens,
    timed_tokens,
    off_hours_tokens,
    {%- for tool in request_tools %}
    {{ tool }}_requests,
    {{ tool }}_input_tokens,
    {{ tool }}_cache_read_tokens,
    {{ tool }}_output_tokens,
    {%- endfor %}
    api_input_tokens,
    api_uncached_input_tokens,
    api_output_tokens,
    active_weekdays,
    covered_working_slots,
    merged_prs,
    trivial_merged_prs,
    nontrivial_merged_prs,
    merged_changed_lines,
    opened_prs,
    opened_prs_off_hours,
    bugs_caused,
    -- the individual outcome measure: non-trivial merged PRs, less a penalty per caused bug
    cast(greatest(
        nontrivial_merged_prs - {{ audit_threshold('outcome.bug_penalty') }} * bugs_caused, 0
    ) as double) as outcome_points,
    -- working-hour slots (local weekday x working hour) on active weekdays: the covered
    -- share, and the share of active weekdays on which the least-used working hour had usage
    -- (low for a human's day, which starts and ends unevenly; near 1 for a flat burn)
    {{ safe_divide('covered_working_slots', 'possible_working_slots') }} as working_hour_coverage,
    case
        when active_weekdays = 0 then null
        when working_hours_with_usage < working_hours_per_day then 0.0
        else cast(least_covered_hour_days as double) / active_weekdays
    end as least_covered_hour_share,
    {{ safe_divide('off_hours_tokens', 'timed_tokens') }} as off_hours_share,
    {{ safe_divide('opened_prs_off_hours', 'opened_prs') }} as opened_prs_off_hours_share,
    {%- for tool in request_tools %}
    {{ safe_divide(tool ~ '_input_tokens', tool ~ '_requests') }} as {{ tool }}_input_tokens_per_request,
    {{ safe_divide(tool ~ '_cache_read_tokens', tool ~ '_input_tokens') }} as {{ tool }}_cache_reuse,
    {{ safe_divide(tool ~ '_output_tokens', tool ~ '_input_tokens') }} as {{ tool }}_output_per_input,
    {%- endfor %}
    {{ safe_divide('api_uncached_input_tokens', 'api_input_tokens') }} as api_uncached_share,
    {{ safe_divide('api_output_tokens', 'api_input_tokens') }} as api_output_per_input
from shaped
