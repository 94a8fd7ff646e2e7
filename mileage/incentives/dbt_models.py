"""Glue for the dbt Python models in models/marts/incentives/ (dbt-duckdb).

dbt finds a Python model's dependencies by reading its `dbt.ref(...)` calls, so the refs stay
in the model files; `lab_inputs` turns the referenced DuckDB relations into the lab's inputs
(only the columns it needs; usage aggregated to person x team x month inside DuckDB), and
the helpers below read the models' settings from `config.meta` (set in
models/marts/incentives/_incentives.yml from dbt vars).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from mileage.incentives.facts import REQUIRED, Facts, build_facts
from mileage.incentives.warehouse import USAGE_MONTHLY_SQL


def monthly_usage(relation) -> pd.DataFrame:
    """fct_ai_usage_daily aggregated to person x team x month inside DuckDB."""
    return relation.query("usage_daily", USAGE_MONTHLY_SQL.format(table="usage_daily")).df()


def lab_inputs(*, assignments, team_months, roadmap, pull_requests, usage_daily) -> Facts:
    """Facts from the DuckDB relations dbt.ref() returns."""
    def columns(relation, table):
        return relation.project(", ".join(REQUIRED[table])).df()

    return build_facts({
        "int_employee_assignments": columns(assignments, "int_employee_assignments"),
        "fct_team_months": columns(team_months, "fct_team_months"),
        "fct_roadmap_quarters": columns(roadmap, "fct_roadmap_quarters"),
        "fct_pull_requests": columns(pull_requests, "fct_pull_requests"),
        "fct_ai_usage_daily": monthly_usage(usage_daily),
    })


def _meta(dbt) -> dict:
    return dbt.config.get("meta") or {}


def schemes_dir(dbt) -> Path:
    from mileage import config

    folder = Path(str(_meta(dbt).get("schemes_dir") or "schemes"))
    return folder if folder.is_absolute() else config.PROJECT_DIR / folder


def float_config(dbt, key: str, default: float) -> float:
    value = _meta(dbt).get(key)
    return default if value in (None, "", "None") else float(value)
