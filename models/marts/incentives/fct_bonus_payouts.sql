-- What each bonus scheme in schemes/ would pay: one row per scheme, period and unit (a team,
-- or a person where the scheme pays people), computed by mileage.incentives in
-- int_incentive_payouts. This model fixes the public column types.
-- Doubles pass finite_or_null: pandas NaN arrives as NULL but infinity stays infinity.
select
    cast(payout_id as {{ dbt.type_string() }}) as payout_id,
    cast(scheme as {{ dbt.type_string() }}) as scheme,
    cast(scheme_kind as {{ dbt.type_string() }}) as scheme_kind,
    cast(grain as {{ dbt.type_string() }}) as grain,
    cast(period_type as {{ dbt.type_string() }}) as period_type,
    cast(period as {{ dbt.type_string() }}) as period,
    cast(period_start as date) as period_start,
    cast(period_end as date) as period_end,
    cast(pool_basis as {{ dbt.type_string() }}) as pool_basis,
    cast(team_id as {{ dbt.type_string() }}) as team_id,
    cast(employee_key as {{ dbt.type_string() }}) as employee_key,
    cast(heads as {{ dbt.type_int() }}) as heads,
    cast(metric as {{ dbt.type_string() }}) as metric,
    {{ finite_or_null('metric_value') }} as metric_value,
    {{ finite_or_null('score') }} as score,
    cast(gates_passed as boolean) as gates_passed,
    {{ finite_or_null('multiplier') }} as multiplier,
    {{ finite_or_null('base_usd') }} as base_usd,
    {{ finite_or_null('payout_usd') }} as payout_usd,
    {{ finite_or_null('budget_usd') }} as budget_usd,
    {{ finite_or_null('budget_utilisation') }} as budget_utilisation,
    cast(budget_status as {{ dbt.type_string() }}) as budget_status,
    cast(reason as {{ dbt.type_string() }}) as reason
from {{ ref('int_incentive_payouts') }}
