"""The lab recomputes the outcome score in Python (gaming tactics change its inputs); on the
real data it must equal the dbt macro's figure in fct_team_months, so the rule cannot drift."""

from __future__ import annotations

import duckdb
import pytest

from mileage.incentives.facts import build_facts
from mileage.incentives.warehouse import load_marts


def test_python_outcome_score_equals_the_mart(pipeline_warehouse):
    facts = build_facts(load_marts(pipeline_warehouse))
    python = facts.team_months.set_index(["team_id", "month_start"])["outcome_score"]
    con = duckdb.connect(str(pipeline_warehouse), read_only=True)
    try:
        mart = con.execute(
            "select team_id, month_start, outcome_score from marts.fct_team_months"
        ).df()
    finally:
        con.close()
    mart["month_start"] = mart["month_start"].astype("datetime64[ns]")
    mart = mart.set_index(["team_id", "month_start"])["outcome_score"]
    python.index = python.index.set_levels(python.index.levels[1].astype("datetime64[ns]"), level=1)
    common = mart.index.intersection(python.index)
    assert len(common) > 0
    assert python.loc[common].to_numpy() == pytest.approx(mart.loc[common].to_numpy(), abs=1e-6)
