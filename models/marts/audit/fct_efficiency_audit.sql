-- Efficiency audit per team and month: spend per outcome point against the organisation's
-- median team, spend growth against outcome growth since the previous month, and the share
-- of spend by people a gaming signal flagged that month. Outcome points are the individual
-- measure of the leaderboard replay (non-trivial merged PRs less a bug penalty), summed over
-- the people in the team that month.
with outcomes as (
    select
        team_id,
        month_start,
        sum(outcome_points) as outcome_points
    from {{ ref('int_audit__person_months') }}
    group by team_id, month_start
),

flagged as (
    select distinct employee_key, month_start
    from {{ ref('fct_gaming_signals') }}
),

spend as (
    select
        usage.team_id,
        cast({{ dbt.date_trunc('month', 'usage.usage_date') }} as date) as month_start,
        sum(usage.list_cost_usd) as spend_usd,
        sum(case when flagged.employee_key is not null then usage.list_cost_usd else 0 end)
            as flagged_spend_usd,
        count(distinct flagged.employee_key) as flagged_people
    from {{ ref('fct_ai_usage_daily') }} as usage
    left join flagged
        on usage.employee_key = flagged.employee_key
        and cast({{ dbt.date_trunc('month', 'usage.usage_date') }} as date) = flagged.month_start
    where usage.team_id is not null
    group by usage.team_id, cast({{ dbt.date_trunc('month', 'usage.usage_date') }} as date)
),

teams as (
    select
        team_months.team_id,
        team_months.month_start,
        team_months.headcount,
        team_months.total_tokens,
        coalesce(spend.spend_usd, 0) as spend_usd,
        coalesce(spend.flagged_spend_usd, 0) as flagged_spend_usd,
        cast(coalesce(spend.flagged_people, 0) as {{ dbt.type_int() }}) as flagged_people,
        coalesce(outcomes.outcome_points, 0) as outcome_points,
        team_months.outcome_score,
        {{ safe_divide('coalesce(spend.spend_usd, 0)', 'outcomes.outcome_points') }}
            as spend_per_outcome_point_usd
    from {{ ref('fct_team_months') }} as team_months
    left join spend
        on team_months.team_id = spend.team_id and team_months.month_start = spend.month_start
    left join outcomes
        on team_months.team_id = outcomes.team_id and team_months.month_start = outcomes.month_start
),

benchmarks as (
    select month_start, {{ median('spend_per_outcome_point_usd') }} as org_median_spend_per_outcome_point_usd
    from teams
    group by month_start
),

with_previous as (
    select
        teams.*,
        benchmarks.org_median_spend_per_outcome_point_usd,
        lag(teams.spend_usd) over (partition by teams.team_id order by teams.month_start)
            as previous_spend_usd,
        lag(teams.outcome_points) over (partition by teams.team_id order by teams.month_start)
            as previous_outcome_points,
        lag(teams.month_start) over (partition by teams.team_id order by teams.month_start)
            as previous_month_start
    from teams
    inner join benchmarks on teams.month_start = benchmarks.month_start
),

growth as (
    select
        *,
        -- growth only against the calendar month just before (no gaps bridged)
        case when previous_month_start = cast({{ dbt.dateadd('month', -1, 'month_start') }} as date)
            then {{ safe_divide('spend_usd', 'previous_spend_usd') }} - 1 end as spend_growth,
        case when previous_month_start = cast({{ dbt.dateadd('month', -1, 'month_start') }} as date)
            then {{ safe_divide('outcome_points', 'previous_outcome_points') }} - 1 end as outcome_growth
    from with_previous
)

select
    team_id,
    month_start,
    headcount,
    total_tokens,
    spend_usd,
    outcome_points,
    outcome_score,
    spend_per_outcome_point_usd,
    org_median_spend_per_outcome_point_usd,
    {{ safe_divide('spend_per_outcome_point_usd', 'org_median_spend_per_outcome_point_usd') }}
        as spend_per_outcome_vs_org_median,
    spend_growth,
    outcome_growth,
    spend_growth - outcome_growth as spend_growth_minus_outcome_growth,
    flagged_people,
    flagged_spend_usd,
    {{ safe_divide('flagged_spend_usd', 'spend_usd') }} as flagged_spend_share
from growth
