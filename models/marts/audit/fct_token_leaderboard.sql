-- The token-leaderboard replay: what a Claudeonomics-style board would have shown each month
-- (rank by tokens, a tier from seed audit_leaderboard_tiers), beside each person's outcome
-- rank and whether any gaming signal fired for them that month. On the board: everyone with
-- attributed tokens in the month.
with board as (
    select
        employee_key,
        month_start,
        team_id,
        role,
        level,
        total_tokens,
        outcome_points,
        nontrivial_merged_prs
    from {{ ref('int_audit__person_months') }}
    where total_tokens > 0
),

tiers as (
    select
        board.employee_key,
        board.month_start,
        max(tiers.tier_order) as tier_order
    from board
    inner join {{ ref('audit_leaderboard_tiers') }} as tiers
        on board.total_tokens >= tiers.min_monthly_tokens
    group by board.employee_key, board.month_start
),

flags as (
    select
        employee_key,
        month_start,
        count(*) as signals_fired
    from {{ ref('fct_gaming_signals') }}
    group by employee_key, month_start
)

select
    board.month_start,
    board.employee_key,
    board.team_id,
    board.role,
    board.level,
    board.total_tokens,
    cast(row_number() over (
        partition by board.month_start order by board.total_tokens desc, board.employee_key
    ) as {{ dbt.type_int() }}) as token_rank,
    tier_names.tier,
    cast(tiers.tier_order as {{ dbt.type_int() }}) as tier_order,
    tier_names.is_top_tier,
    board.outcome_points,
    cast(board.nontrivial_merged_prs as {{ dbt.type_int() }}) as nontrivial_merged_prs,
    cast(rank() over (
        partition by board.month_start order by board.outcome_points desc
    ) as {{ dbt.type_int() }}) as outcome_rank,
    cast(coalesce(flags.signals_fired, 0) as {{ dbt.type_int() }}) as signals_fired,
    coalesce(flags.signals_fired, 0) > 0 as is_flagged
from board
inner join tiers
    on board.employee_key = tiers.employee_key and board.month_start = tiers.month_start
inner join {{ ref('audit_leaderboard_tiers') }} as tier_names
    on tiers.tier_order = tier_names.tier_order
left join flags
    on board.employee_key = flags.employee_key and board.month_start = flags.month_start
