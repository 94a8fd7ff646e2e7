"""One row per scheme: cost, concentration, fit to outcomes and the share flagged gamers
would capture (mileage.incentives.compare)."""


def model(dbt, session):
    from mileage.incentives import compare
    from mileage.incentives.dbt_models import lab_inputs, payouts_for_compare

    facts = lab_inputs(
        assignments=dbt.ref("int_employee_assignments"),
        team_months=dbt.ref("fct_team_months"),
        roadmap=dbt.ref("fct_roadmap_quarters"),
        pull_requests=dbt.ref("fct_pull_requests"),
        usage_daily=dbt.ref("fct_ai_usage_daily"),
        cache=True,  # one build shared by the three lab models of this dbt invocation
    )
    payouts = payouts_for_compare(dbt.ref("int_incentive_payouts"))
    flags = dbt.ref("fct_gaming_signals").df()
    return compare(payouts, facts, flags)
