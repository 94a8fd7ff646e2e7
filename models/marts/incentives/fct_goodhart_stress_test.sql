-- Goodhart stress test: for each scheme and gaming tactic, how much pay moves when a share
-- of people game, and to whom. Computed by mileage.incentives.stress_test in
-- int_incentive_stress_test.
-- Doubles pass finite_or_null: pandas NaN arrives as NULL but infinity stays infinity.
select
    cast(scheme as {{ dbt.type_string() }}) as scheme,
    cast(scheme_kind as {{ dbt.type_string() }}) as scheme_kind,
    cast(tactic as {{ dbt.type_string() }}) as tactic,
    {{ finite_or_null('share_gamed') }} as share_gamed,
    cast(gamers as {{ dbt.type_int() }}) as gamers,
    cast(population as {{ dbt.type_int() }}) as population,
    {{ finite_or_null('baseline_total_usd') }} as baseline_total_usd,
    {{ finite_or_null('gamed_total_usd') }} as gamed_total_usd,
    {{ finite_or_null('total_change_usd') }} as total_change_usd,
    {{ finite_or_null('total_change_pct') }} as total_change_pct,
    {{ finite_or_null('moved_usd') }} as moved_usd,
    {{ finite_or_null('moved_share') }} as moved_share,
    {{ finite_or_null('gamers_baseline_usd') }} as gamers_baseline_usd,
    {{ finite_or_null('gamers_gamed_usd') }} as gamers_gamed_usd,
    {{ finite_or_null('gamers_gain_usd') }} as gamers_gain_usd,
    {{ finite_or_null('honest_change_usd') }} as honest_change_usd,
    {{ finite_or_null('gamers_share_baseline') }} as gamers_share_baseline,
    {{ finite_or_null('gamers_share_gamed') }} as gamers_share_gamed,
    cast(people_gaining as {{ dbt.type_int() }}) as people_gaining,
    cast(people_losing as {{ dbt.type_int() }}) as people_losing,
    cast(honest_people_losing as {{ dbt.type_int() }}) as honest_people_losing,
    cast(summary as {{ dbt.type_string() }}) as summary
from {{ ref('int_incentive_stress_test') }}
