"""Every enabled scheme in schemes/ evaluated on the marts (mileage.incentives.evaluate_all)."""


def model(dbt, session):
    from mileage.incentives import evaluate_all, load_schemes
    from mileage.incentives.dbt_models import lab_inputs, schemes_dir

    facts = lab_inputs(
        assignments=dbt.ref("int_employee_assignments"),
        team_months=dbt.ref("fct_team_months"),
        roadmap=dbt.ref("fct_roadmap_quarters"),
        pull_requests=dbt.ref("fct_pull_requests"),
        usage_daily=dbt.ref("fct_ai_usage_daily"),
        cache=True,  # one build shared by the three lab models of this dbt invocation
    )
    return evaluate_all(load_schemes(schemes_dir(dbt)), facts)
