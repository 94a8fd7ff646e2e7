-- Goodhart stress test: for each scheme and gaming tactic, how much pay moves when a share
-- of people game, and to whom. Computed by mileage.incentives.stress_test in
-- int_incentive_stress_test.
select
    cast(scheme as {{ dbt.type_string() }}) as scheme,
    cast(scheme_kind as {{ dbt.type_string() }}) as scheme_kind,
    cast(tactic as {{ dbt.type_string() }}) as tactic,
    cast(share_gamed as double) as share_gamed,
    cast(gamers as {{ dbt.type_int() }}) as gamers,
    cast(population as {{ dbt.type_int() }}) as population,
    cast(baseline_total_usd as double) as baseline_total_usd,
    cast(gamed_total_usd as double) as gamed_total_usd,
    cast(total_change_usd as double) as total_change_usd,
    cast(total_change_pct as double) as total_change_pct,
    cast(moved_usd as double) as moved_usd,
    cast(moved_share as double) as moved_share,
    cast(gamers_baseline_usd as double) as gamers_baseline_usd,
    cast(gamers_gamed_usd as double) as gamers_gamed_usd,
    cast(gamers_gain_usd as double) as gamers_gain_usd,
    cast(honest_change_usd as double) as honest_change_usd,
    cast(gamers_share_baseline as double) as gamers_share_baseline,
    cast(gamers_share_gamed as double) as gamers_share_gamed,
    cast(people_gaining as {{ dbt.type_int() }}) as people_gaining,
    cast(people_losing as {{ dbt.type_int() }}) as people_losing,
    cast(honest_people_losing as {{ dbt.type_int() }}) as honest_people_losing,
    cast(summary as {{ dbt.type_string() }}) as summary
from {{ ref('int_incentive_stress_test') }}
