"""Goodhart stress test: each gaming tactic played by a share of people, each scheme's pay
re-evaluated (mileage.incentives.stress_test)."""


def model(dbt, session):
    from mileage.incentives import load_schemes, stress_test
    from mileage.incentives.dbt_models import float_config, lab_inputs, schemes_dir

    facts = lab_inputs(
        assignments=dbt.ref("int_employee_assignments"),
        team_months=dbt.ref("fct_team_months"),
        roadmap=dbt.ref("fct_roadmap_quarters"),
        pull_requests=dbt.ref("fct_pull_requests"),
        usage_daily=dbt.ref("fct_ai_usage_daily"),
        cache=True,  # one build shared by the three lab models of this dbt invocation
    )
    return stress_test(
        load_schemes(schemes_dir(dbt)),
        facts,
        share=float_config(dbt, "gaming_share", 0.1),
        seed=int(float_config(dbt, "gaming_seed", 7)),
    )
