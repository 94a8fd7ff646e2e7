"""The incentive marts on the session's small simulated organisation (tests/conftest.py:
`mileage demo` on 60 people): built by dbt through the same functions the app calls, and the
Goodhart stress test shows token schemes moving and outcome schemes holding still."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest

from mileage.incentives import (
    build_facts,
    compare,
    evaluate_all,
    load_marts,
    load_schemes,
    person_payouts,
    stress_test,
)
from mileage.incentives.warehouse import OPTIONAL


@pytest.fixture(scope="module")
def warehouse(pipeline_warehouse):
    return pipeline_warehouse


@pytest.fixture(scope="module")
def marts_df(warehouse):
    return load_marts(warehouse)


@pytest.fixture(scope="module")
def tables(warehouse):
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return {
            name: con.execute(f"select * from marts.{name}").df()
            for name in ("fct_bonus_payouts", "fct_scheme_comparison", "fct_goodhart_stress_test")
        }
    finally:
        con.close()


def test_marts_hold_every_scheme(tables):
    schemes = set(load_schemes())
    for name, frame in tables.items():
        assert set(frame["scheme"]) == schemes, name
    stress = tables["fct_goodhart_stress_test"]
    assert set(stress["tactic"]) == {"tokens_x10", "pr_split", "always_on"}


def test_dbt_and_the_app_path_compute_the_same_payouts(tables, marts_df):
    """One implementation: evaluate_all on the warehouse's marts (what the app does) gives the
    mart's payouts to the cent."""
    here = evaluate_all(load_schemes(), marts_df)
    mart = tables["fct_bonus_payouts"]
    merged = here.merge(mart, on="payout_id", suffixes=("", "_mart"), validate="one_to_one")
    assert len(merged) == len(mart) == len(here)
    assert np.allclose(merged["payout_usd"], merged["payout_usd_mart"])
    totals = mart.groupby("scheme")["payout_usd"].sum()
    comparison = tables["fct_scheme_comparison"].set_index("scheme")
    assert np.allclose(totals.reindex(comparison.index), comparison["total_cost_usd"])


def test_flagged_share_matches_the_gaming_signals(tables, marts_df):
    assert "fct_gaming_signals" in marts_df, "the audit mart should exist in a full build"
    flagged = set(marts_df["fct_gaming_signals"]["employee_key"])
    mart = tables["fct_bonus_payouts"]
    per = person_payouts(mart, marts_df)
    comparison = tables["fct_scheme_comparison"].set_index("scheme")
    for scheme, rows in per.groupby("scheme"):
        total = rows["payout_usd"].sum()
        if total == 0:
            continue
        share = rows.loc[rows["employee_key"].isin(flagged), "payout_usd"].sum() / total
        assert comparison.loc[scheme, "flagged_share"] == pytest.approx(share, abs=1e-6)
        assert comparison.loc[scheme, "flagged_people"] == len(
            flagged & set(build_facts(marts_df).members["employee_key"])
        )


def assert_goodhart(stress: pd.DataFrame) -> None:
    """Token leaderboard: inflated and always-on tokens move a large share of its pay to the
    gamers. Outcome schemes: more tokens or split PRs move nothing; an always-on bot can only
    move them through the "uses AI tools" gate, and far less than the leaderboard."""
    stress = stress.set_index(["scheme", "tactic"])
    board = stress.loc["token_leaderboard"]
    for tactic in ("tokens_x10", "always_on"):
        assert board.loc[tactic, "moved_share"] > 0.1, tactic
        assert board.loc[tactic, "gamers_gain_usd"] > 0, tactic
    outcome = stress[stress["scheme_kind"] == "outcome"]
    for (scheme, tactic), row in outcome.iterrows():
        if tactic in ("tokens_x10", "pr_split"):
            assert row["moved_usd"] == 0, (scheme, tactic)
        else:
            assert row["moved_share"] < board.loc["always_on", "moved_share"] / 3, (scheme, tactic)


def test_stress_mart_token_leaderboard_moves_outcome_schemes_do_not(tables):
    assert_goodhart(tables["fct_goodhart_stress_test"])


def test_stress_with_paying_outcome_schemes(marts_df):
    """Lower the outcome schemes' targets so they pay on this short window, then game: the
    token leaderboard still moves far more than either outcome scheme."""
    schemes = load_schemes()
    facts = build_facts(marts_df)
    attainment = facts.team_periods("quarter")["roadmap_attainment"].median()
    assert attainment > 0
    edited = {
        "outcome_threshold": schemes["outcome_threshold"].with_changes(target=attainment / 1.15),
        "raised_goals": schemes["raised_goals"].with_changes(target=attainment / 1.2),
        "token_leaderboard": schemes["token_leaderboard"],
    }
    table = stress_test(edited, facts, share=0.1, seed=11)
    assert (table.loc[table["scheme_kind"] == "outcome", "baseline_total_usd"] > 0).all()
    assert_goodhart(table)
    cmp = compare(evaluate_all(edited, facts), facts, marts_df.get("fct_gaming_signals"))
    assert (
        cmp.set_index("scheme").loc[["outcome_threshold", "raised_goals"], "total_cost_usd"] > 0
    ).all()


def test_optional_audit_marts_are_read_when_present(marts_df):
    for key in OPTIONAL:
        assert key in marts_df
        assert isinstance(marts_df[key], pd.DataFrame)


def test_token_ranks_match_the_leaderboard_replay(marts_df):
    """The token_leaderboard scheme ranks people exactly as the audit's fct_token_leaderboard."""
    facts = build_facts(marts_df)
    board = marts_df["fct_token_leaderboard"].assign(
        month_start=lambda d: pd.to_datetime(d["month_start"])
    )
    board = board[board["month_start"].isin(set(facts.months))]  # months the lab evaluates
    people = facts.person_periods("month")
    people = people[people["total_tokens"] > 0].assign(
        my_rank=lambda d: d.groupby("period_start")["total_tokens"].rank(
            method="min", ascending=False
        )
    )
    joined = people.merge(
        board,
        left_on=["period_start", "employee_key"],
        right_on=["month_start", "employee_key"],
        how="outer",
        indicator=True,
    )
    assert (joined["_merge"] == "both").all()
    assert (joined["my_rank"] == joined["token_rank"]).all()


def test_write_incentive_marts_outside_dbt(warehouse, tables, tmp_path):
    """The fallback for engines without dbt Python models writes the same figures."""
    import shutil

    from mileage.incentives import write_incentive_marts

    copy = tmp_path / "copy.duckdb"
    shutil.copy(warehouse, copy)
    counts = write_incentive_marts(copy)
    assert counts["fct_bonus_payouts"] == len(tables["fct_bonus_payouts"])
    con = duckdb.connect(str(copy), read_only=True)
    try:
        written = con.execute(
            "select scheme, total_cost_usd, flagged_share "
            "from marts.fct_scheme_comparison order by scheme"
        ).df()
    finally:
        con.close()
    mart = tables["fct_scheme_comparison"].sort_values("scheme").reset_index(drop=True)
    assert np.allclose(written["total_cost_usd"], mart["total_cost_usd"])
    assert np.allclose(written["flagged_share"].fillna(-1), mart["flagged_share"].fillna(-1))
