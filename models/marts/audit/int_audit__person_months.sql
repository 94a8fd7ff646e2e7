{{ config(schema='intermediate') }}
-- One row per person and month they were employed: the usage shape (int_audit__usage_months)
-- and delivery facts every gaming signal and the leaderboard replay read. Times of day are
-- local (the person's roster timezone).
{%- set request_tools = audit_request_tools() %}
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
        cast(coalesce(u.active_weekdays, 0) as {{ dbt.type_int() }}) as active_weekdays,
        cast(coalesce(u.covered_working_slots, 0) as {{ dbt.type_int() }}) as covered_working_slots,
        coalesce(u.working_hours_with_usage, 0) as working_hours_with_usage,
        coalesce(u.least_covered_hour_days, 0) as least_covered_hour_days,
        cast(coalesce(m.merged_prs, 0) as {{ dbt.type_int() }}) as merged_prs,
        cast(coalesce(m.trivial_merged_prs, 0) as {{ dbt.type_int() }}) as trivial_merged_prs,
        cast(coalesce(m.merged_prs, 0) - coalesce(m.trivial_merged_prs, 0) as {{ dbt.type_int() }})
            as nontrivial_merged_prs,
        cast(coalesce(m.merged_changed_lines, 0) as {{ dbt.type_bigint() }}) as merged_changed_lines,
        cast(coalesce(o.opened_prs, 0) as {{ dbt.type_int() }}) as opened_prs,
        cast(coalesce(o.opened_prs_off_hours, 0) as {{ dbt.type_int() }}) as opened_prs_off_hours,
        cast(coalesce(b.bugs_caused, 0) as {{ dbt.type_int() }}) as bugs_caused
    from people
    left join {{ ref('int_audit__usage_months') }} as u
        on people.employee_key = u.employee_key and people.month_start = u.month_start
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
