"""Gaming tactics on the hand-made marts: exact effects, and the stress test's bookkeeping."""

from __future__ import annotations

import numpy as np
import pytest

from mileage.incentives import (
    TACTICS,
    apply_tactic,
    build_facts,
    choose_gamers,
    evaluate,
    load_schemes,
    stress_test,
)


@pytest.fixture(scope="module")
def schemes():
    return load_schemes()


def by_person(scheme, facts):
    return evaluate(scheme, facts).groupby("employee_key")["payout_usd"].sum()


def test_tokens_x10_moves_the_leaderboard_not_the_outcome_schemes(schemes, marts):
    facts = build_facts(marts)
    gamed = apply_tactic(facts, "tokens_x10", ["B"])
    b = gamed.members.set_index("employee_key").loc["B"]
    assert (b["total_tokens"] == 100_000_000).all() and (b["token_cost_usd"] == 100).all()
    # B ties A at 100M, rank 2: both in the top 20% (2 people) -> $250 a month each
    before, after = (
        by_person(schemes["token_leaderboard"], facts),
        by_person(schemes["token_leaderboard"], gamed),
    )
    assert after["B"] - before["B"] == 750 and after["A"] == before["A"] == 750
    for name in ("outcome_threshold", "raised_goals", "shipped_work"):
        assert (
            evaluate(schemes[name], gamed)["payout_usd"].sum()
            == evaluate(schemes[name], facts)["payout_usd"].sum()
        )
    # x10 on E's $6,000 is still over budget; on A ($1,000 of $5,000) still within
    gamed_a = apply_tactic(facts, "tokens_x10", ["A"])
    assert by_person(schemes["token_budget"], gamed_a)["A"] == 900


def test_pr_split_adds_only_trivial_prs(schemes, marts):
    facts = build_facts(marts)
    gamed = apply_tactic(facts, "pr_split", ["A"], parts=5)
    a = gamed.members.set_index("employee_key").loc["A"]
    # A merges 3 PRs a month (1 non-trivial, 2 trivial): split in 5 -> 15, 12 more trivial
    assert (a["merged_prs"] == 15).all() and (a["trivial_merged_prs"] == 14).all()
    assert (a["nontrivial_merged_prs"] == 1).all()
    # the team's PR throughput (and so its outcome score) rises; delivery schemes don't move
    t1 = gamed.team_periods("quarter").set_index("team_id").loc["T1"]
    assert t1["merged_prs"] == 3 * (15 + 3 + 6)
    for name, scheme in schemes.items():
        assert (
            evaluate(scheme, gamed)["payout_usd"].sum()
            == evaluate(scheme, facts)["payout_usd"].sum()
        ), name


def test_always_on_burns_working_hours(schemes, marts):
    facts = build_facts(marts)
    gamed = apply_tactic(facts, "always_on", ["C"], tokens_per_hour=1_000_000, hours_per_day=8)
    c = gamed.members.set_index(["employee_key", "month_start"]).loc["C"]
    # weekdays: January 2026 22, February 20, March 22; 8 h x 1M tokens each
    assert c["total_tokens"].tolist() == [22 * 8e6, 20 * 8e6, 22 * 8e6]
    assert c["active_days"].tolist() == [22, 20, 22]
    per_token = (100 + 10 + 50 + 6000) / 3_160_000_000  # the window's cost per token
    assert c["token_cost_usd"].tolist() == pytest.approx(
        [22 * 8e6 * per_token, 20 * 8e6 * per_token, 22 * 8e6 * per_token]
    )
    # C (176M in Jan) overtakes A (100M): C takes A's $250 in January and March (160M vs
    # 100M in February too)
    before, after = (
        by_person(schemes["token_leaderboard"], facts),
        by_person(schemes["token_leaderboard"], gamed),
    )
    assert (after["C"], after["A"]) == (750, 0)
    assert before["A"] == 750 and before.get("C", 0) == 0


def test_stress_table_bookkeeping(schemes, marts):
    table, detail = stress_test(schemes, marts, share=0.5, seed=3, return_detail=True)
    assert len(table) == len(schemes) * len(TACTICS)
    gamers = set(choose_gamers(build_facts(marts), 0.5, seed=3))
    assert len(gamers) == 3 and (table["gamers"] == 3).all()
    assert set(detail.loc[detail["is_gamer"], "employee_key"]) == gamers
    for _, row in table.iterrows():
        d = detail[(detail["scheme"] == row["scheme"]) & (detail["tactic"] == row["tactic"])]
        assert d["baseline_usd"].sum() == pytest.approx(row["baseline_total_usd"], abs=0.05)
        assert d["change_usd"].sum() == pytest.approx(row["total_change_usd"], abs=0.05)
        assert d["change_usd"].abs().sum() == pytest.approx(row["moved_usd"], abs=0.05)
        assert row["gamers_gain_usd"] + row["honest_change_usd"] == pytest.approx(
            row["total_change_usd"], abs=0.05
        )
    outcome = table[table["scheme_kind"] == "outcome"]
    assert np.allclose(outcome["moved_usd"], 0)
    assert choose_gamers(build_facts(marts), 0.5, seed=3) == sorted(gamers)  # reproducible
