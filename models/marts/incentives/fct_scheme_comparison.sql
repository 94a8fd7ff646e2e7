-- One row per bonus scheme: total cost, cost per outcome point, concentration (top-decile
-- share, Gini), rank correlation of pay with outcomes, and the share flagged gamers would
-- capture. Computed by mileage.incentives.compare in int_incentive_comparison.
select
    cast(scheme as {{ dbt.type_string() }}) as scheme,
    cast(scheme_kind as {{ dbt.type_string() }}) as scheme_kind,
    cast(grain as {{ dbt.type_string() }}) as grain,
    cast(period_type as {{ dbt.type_string() }}) as period_type,
    cast(periods as {{ dbt.type_int() }}) as periods,
    cast(population as {{ dbt.type_int() }}) as population,
    cast(recipients as {{ dbt.type_int() }}) as recipients,
    cast(total_cost_usd as double) as total_cost_usd,
    cast(cost_per_head_usd as double) as cost_per_head_usd,
    cast(delivered_points as double) as delivered_points,
    cast(cost_per_outcome_point_usd as double) as cost_per_outcome_point_usd,
    cast(top_decile_share as double) as top_decile_share,
    cast(gini as double) as gini,
    cast(spearman_team_outcome as double) as spearman_team_outcome,
    cast(spearman_person_outcome as double) as spearman_person_outcome,
    cast(flagged_people as {{ dbt.type_int() }}) as flagged_people,
    cast(flagged_payout_usd as double) as flagged_payout_usd,
    cast(flagged_share as double) as flagged_share
from {{ ref('int_incentive_comparison') }}
