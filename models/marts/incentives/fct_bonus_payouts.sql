-- What each bonus scheme in schemes/ would pay: one row per scheme, period and unit (a team,
-- or a person where the scheme pays people), computed by mileage.incentives in
-- int_incentive_payouts. This model fixes the public column types.
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
    cast(metric_value as double) as metric_value,
    cast(score as double) as score,
    cast(gates_passed as boolean) as gates_passed,
    cast(multiplier as double) as multiplier,
    cast(base_usd as double) as base_usd,
    cast(payout_usd as double) as payout_usd,
    cast(budget_usd as double) as budget_usd,
    cast(budget_utilisation as double) as budget_utilisation,
    cast(budget_status as {{ dbt.type_string() }}) as budget_status,
    cast(reason as {{ dbt.type_string() }}) as reason
from {{ ref('int_incentive_payouts') }}
