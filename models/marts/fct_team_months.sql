-- Value per token per team and month: the headline mart. One row per team (as in the
-- roster) per month in which the team had anyone assigned and the organisation had any
-- activity. The outcome score's formula lives in macros/outcome_score.sql.
with activity_months as (
    select distinct cast({{ dbt.date_trunc('month', 'usage_date') }} as date) as month_start
    from {{ ref('fct_ai_usage_daily') }}
    union
    select distinct cast({{ dbt.date_trunc('month', 'merged_at') }} as date)
    from {{ ref('fct_pull_requests') }} where merged_at is not null
    union
    select distinct cast({{ dbt.date_trunc('month', 'created_at') }} as date)
    from {{ ref('fct_bugs') }}
),

months as (
    select
        month_start,
        cast({{ dbt.dateadd('month', 1, 'month_start') }} as date) as next_month_start
    from activity_months
),

staffing as (
    select
        assignments.team_id,
        months.month_start,
        cast(count(distinct assignments.employee_key) as {{ dbt.type_int() }}) as headcount
    from {{ ref('int_employee_assignments') }} as assignments
    inner join months
        on assignments.valid_from < months.next_month_start
        and assignments.valid_to > months.month_start
    group by assignments.team_id, months.month_start
),

usage as (
    select
        team_id,
        cast({{ dbt.date_trunc('month', 'usage_date') }} as date) as month_start,
        cast(count(distinct employee_key) as {{ dbt.type_int() }}) as ai_active_people,
        sum(total_tokens) as total_tokens,
        sum(list_cost_usd) as token_cost_usd,
        sum(case when is_priced then 0 else total_tokens end) as unpriced_tokens
    from {{ ref('fct_ai_usage_daily') }}
    where team_id is not null
    group by 1, 2
),

delivery as (
    select
        team_id,
        cast({{ dbt.date_trunc('month', 'merged_at') }} as date) as month_start,
        cast(count(*) as {{ dbt.type_int() }}) as merged_prs,
        {{ median('cycle_time_hours') }} as median_cycle_time_hours
    from {{ ref('fct_pull_requests') }}
    where is_merged and not is_bot and team_id is not null
    group by 1, 2
),

bugs as (
    select
        team_id,
        cast({{ dbt.date_trunc('month', 'created_at') }} as date) as month_start,
        cast(count(*) as {{ dbt.type_int() }}) as bugs
    from {{ ref('fct_bugs') }}
    where team_id is not null
    group by 1, 2
),

teams as (
    select team_id, team_name, org from {{ ref('dim_teams') }}
),

joined as (
    select
        staffing.team_id,
        staffing.month_start,
        teams.team_name,
        teams.org,
        staffing.headcount,
        coalesce(usage.ai_active_people, 0) as ai_active_people,
        cast(coalesce(usage.total_tokens, 0) as {{ dbt.type_bigint() }}) as total_tokens,
        coalesce(usage.token_cost_usd, 0) as token_cost_usd,
        cast(coalesce(usage.unpriced_tokens, 0) as {{ dbt.type_bigint() }}) as unpriced_tokens,
        coalesce(delivery.merged_prs, 0) as merged_prs,
        delivery.median_cycle_time_hours,
        coalesce(bugs.bugs, 0) as bugs,
        roadmap.attainment as roadmap_attainment
    from staffing
    inner join teams on staffing.team_id = teams.team_id
    left join usage on staffing.team_id = usage.team_id and staffing.month_start = usage.month_start
    left join delivery
        on staffing.team_id = delivery.team_id and staffing.month_start = delivery.month_start
    left join bugs on staffing.team_id = bugs.team_id and staffing.month_start = bugs.month_start
    left join {{ ref('fct_roadmap_quarters') }} as roadmap
        on staffing.team_id = roadmap.team_id
        and cast({{ dbt.date_trunc('quarter', 'staffing.month_start') }} as date) = roadmap.quarter_start
),

with_ratios as (
    select
        *,
        {{ safe_divide('bugs', 'merged_prs') }} as bugs_per_merged_pr,
        {{ safe_divide('merged_prs', 'total_tokens / 1000000.0') }} as merged_prs_per_million_tokens,
        {{ safe_divide('token_cost_usd', 'merged_prs') }} as cost_per_merged_pr_usd,
        {{ safe_divide('merged_prs', 'headcount') }} as merged_prs_per_head
    from joined
),

benchmarks as (
    -- the organisation's median team for the month: the score's yardstick
    select month_start, {{ median('merged_prs_per_head') }} as median_merged_prs_per_head
    from with_ratios
    group by month_start
)

select
    with_ratios.team_id,
    with_ratios.month_start,
    with_ratios.team_name,
    with_ratios.org,
    with_ratios.headcount,
    with_ratios.ai_active_people,
    with_ratios.total_tokens,
    with_ratios.token_cost_usd,
    with_ratios.unpriced_tokens,
    with_ratios.merged_prs,
    with_ratios.median_cycle_time_hours,
    with_ratios.bugs,
    with_ratios.bugs_per_merged_pr,
    with_ratios.roadmap_attainment,
    with_ratios.merged_prs_per_million_tokens,
    with_ratios.cost_per_merged_pr_usd,
    {{ outcome_score('with_ratios.merged_prs_per_head', 'benchmarks.median_merged_prs_per_head',
        'with_ratios.roadmap_attainment', 'with_ratios.bugs_per_merged_pr') }} as outcome_score
from with_ratios
inner join benchmarks on with_ratios.month_start = benchmarks.month_start
