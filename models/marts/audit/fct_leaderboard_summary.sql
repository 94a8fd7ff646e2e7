-- What the token leaderboard would have rewarded, per month: how well token rank agrees with
-- outcome rank (Spearman: the Pearson correlation of average ranks, ties sharing the mean of
-- their positions), and how many of the top tiers are flagged by a gaming signal.
with ranked as (
    select
        month_start,
        is_top_tier,
        is_flagged,
        rank() over (partition by month_start order by total_tokens)
            + (count(*) over (partition by month_start, total_tokens) - 1) / 2.0 as token_rank_avg,
        rank() over (partition by month_start order by outcome_points)
            + (count(*) over (partition by month_start, outcome_points) - 1) / 2.0 as outcome_rank_avg
    from {{ ref('fct_token_leaderboard') }}
)

select
    month_start,
    cast(count(*) as {{ dbt.type_int() }}) as people,
    -- NULL, not NaN, when every token rank or every outcome rank ties (a constant side)
    {{ finite_or_null('corr(token_rank_avg, outcome_rank_avg)') }} as rank_correlation,
    cast(sum(case when is_flagged then 1 else 0 end) as {{ dbt.type_int() }}) as flagged_people,
    cast(sum(case when is_top_tier then 1 else 0 end) as {{ dbt.type_int() }}) as top_tier_people,
    cast(sum(case when is_top_tier and is_flagged then 1 else 0 end) as {{ dbt.type_int() }})
        as top_tier_flagged_people,
    {{ safe_divide('sum(case when is_top_tier and is_flagged then 1 else 0 end)',
        'sum(case when is_top_tier then 1 else 0 end)') }} as top_tier_flagged_share
from ranked
group by month_start
