"""The dbt models' glue (mileage.incentives.dbt_models.lab_inputs) and the lab's fast paths.

Usage and merged PRs aggregated to months inside DuckDB must give exactly the Facts that the
row-level marts give; with cache=True the Facts are built once per dbt invocation and built
again for a new invocation or a re-created input table; the stress test's per-person sums on
cached positions equal the plain groupby; reasons format numbers exactly like f-strings.
"""

from __future__ import annotations

import math

import duckdb
import numpy as np
import pandas as pd
import pytest
from dbt_common.invocation import reset_invocation_id

from mileage.incentives import apply_tactic, build_facts, choose_gamers, load_schemes
from mileage.incentives.dbt_models import lab_inputs
from mileage.incentives.evaluate import _formatted, payout_by_person, payout_per_person

TABLES = {
    "assignments": "int_employee_assignments",
    "team_months": "fct_team_months",
    "roadmap": "fct_roadmap_quarters",
    "pull_requests": "fct_pull_requests",
    "usage_daily": "fct_ai_usage_daily",
}


@pytest.fixture
def con(tmp_path, marts):
    con = duckdb.connect(str(tmp_path / "wh.duckdb"))
    for table in TABLES.values():
        con.register("frame", marts[table])
        con.execute(f"create table {table} as select * from frame")
        con.unregister("frame")
    yield con
    con.close()


def inputs(con, **kwargs):
    # what dbt-duckdb's dbt.ref() hands a Python model
    return lab_inputs(
        **{arg: con.query(f'select * from "wh"."main"."{table}"') for arg, table in TABLES.items()},
        **kwargs,
    )


def test_aggregated_inputs_give_the_row_level_facts(con, marts):
    got, expected = inputs(con), build_facts(marts)
    pd.testing.assert_frame_equal(got.members, expected.members)
    assert got.span == expected.span
    assert got.unmatched == expected.unmatched
    assert got.dropped_months == expected.dropped_months
    # hand numbers: A has 3 merged PRs a month (2 trivial); the unmerged and bot PRs count for
    # nobody; usage on 2 days a month
    a = got.members[got.members["employee_key"] == "A"]
    assert a["merged_prs"].tolist() == [3.0, 3.0, 3.0]
    assert a["trivial_merged_prs"].tolist() == [2.0, 2.0, 2.0]
    assert a["active_days"].tolist() == [2.0, 2.0, 2.0]


def test_built_once_per_invocation_when_cached(con):
    first = inputs(con, cache=True)
    assert inputs(con, cache=True) is first
    assert inputs(con) is not first  # callers outside dbt always read afresh
    reset_invocation_id()  # what dbt does at the start of every command
    again = inputs(con, cache=True)
    assert again is not first
    pd.testing.assert_frame_equal(again.members, first.members)


def test_recreated_input_is_read_again(con):
    first = inputs(con, cache=True)
    con.execute(
        "create or replace table fct_pull_requests as "
        "select * from fct_pull_requests where author_employee_key <> 'C'"
    )
    second = inputs(con, cache=True)
    assert second is not first
    c = second.members[second.members["employee_key"] == "C"]
    assert c["merged_prs"].sum() == 0
    assert first.members.loc[first.members["employee_key"] == "C", "merged_prs"].sum() == 18


def test_in_memory_relations_are_not_cached(marts):
    mem = duckdb.connect()
    for table in TABLES.values():
        mem.register("frame", marts[table])
        mem.execute(f"create table {table} as select * from frame")
    rels = {arg: mem.query(f"select * from {table}") for arg, table in TABLES.items()}
    assert lab_inputs(**rels, cache=True) is not lab_inputs(**rels, cache=True)


def test_per_person_pay_on_positions_equals_the_plain_groupby(schemes, marts):
    facts = build_facts(marts)
    people = pd.Index(sorted(facts.members["employee_key"].unique()), name="employee_key")
    gamed = apply_tactic(facts, "pr_split", choose_gamers(facts, 0.5, seed=3))
    assert gamed.structure is facts.structure  # activity edits share the groupings
    for f in (gamed, facts, gamed):  # cold, warm and cached mapping
        for scheme in schemes.values():
            fast = payout_per_person(scheme, f, people)
            plain = payout_by_person(scheme, f).reindex(people, fill_value=0.0)
            assert fast.to_numpy().tolist() == plain.to_numpy().tolist(), scheme.name


def test_moving_someone_does_not_reuse_the_groupings(marts):
    facts = build_facts(marts)
    before = facts.person_periods("quarter")
    moved = facts.members.copy()
    moved.loc[moved["employee_key"] == "A", "team_id"] = "T2"
    other = facts.with_members(moved)
    assert other.structure is not facts.structure
    after = other.person_periods("quarter")
    assert before.loc[before["employee_key"] == "A", "team_id"].tolist() == ["T1"]
    assert after.loc[after["employee_key"] == "A", "team_id"].tolist() == ["T2"]
    assert other.team_periods("quarter")["headcount"].tolist() == [2, 4]


def test_formatted_matches_fstrings():
    values = [
        0.0,
        -0.0,
        1.0,
        1 / 3,
        2.5e-7,
        1e16,
        123456.789,
        -42.0,
        math.inf,
        -math.inf,
        math.nan,
        1 / 3,
    ]
    got = _formatted(pd.Series(values), ".4g").tolist()
    assert got == ["n/a" if v != v else f"{v:.4g}" for v in values]
    assert _formatted(np.array([math.nan, 0.5]), ".3g", na=None).tolist() == ["nan", "0.5"]


@pytest.fixture
def schemes():
    from mileage import config

    return load_schemes(config.PROJECT_DIR / "schemes")
