-- One row per bonus scheme: total cost, cost per outcome point, concentration (top-decile
-- share, Gini), rank correlation of pay with outcomes, and the share flagged gamers would
-- capture. Computed by mileage.incentives.compare in int_incentive_comparison.
-- Doubles pass finite_or_null: pandas NaN arrives as NULL but infinity stays infinity.
select
    cast(scheme as {{ dbt.type_string() }}) as scheme,
    cast(scheme_kind as {{ dbt.type_string() }}) as scheme_kind,
    cast(grain as {{ dbt.type_string() }}) as grain,
    cast(period_type as {{ dbt.type_string() }}) as period_type,
    cast(periods as {{ dbt.type_int() }}) as periods,
    cast(population as {{ dbt.type_int() }}) as population,
    cast(recipients as {{ dbt.type_int() }}) as recipients,
    {{ finite_or_null('total_cost_usd') }} as total_cost_usd,
    {{ finite_or_null('cost_per_head_usd') }} as cost_per_head_usd,
    {{ finite_or_null('delivered_points') }} as delivered_points,
    {{ finite_or_null('cost_per_outcome_point_usd') }} as cost_per_outcome_point_usd,
    {{ finite_or_null('top_decile_share') }} as top_decile_share,
    {{ finite_or_null('gini') }} as gini,
    {{ finite_or_null('spearman_team_outcome') }} as spearman_team_outcome,
    {{ finite_or_null('spearman_person_outcome') }} as spearman_person_outcome,
    cast(flagged_people as {{ dbt.type_int() }}) as flagged_people,
    {{ finite_or_null('flagged_payout_usd') }} as flagged_payout_usd,
    {{ finite_or_null('flagged_share') }} as flagged_share
from {{ ref('int_incentive_comparison') }}
