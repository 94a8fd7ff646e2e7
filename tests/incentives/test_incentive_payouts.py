"""Each built-in scheme's payouts on the hand-made marts (conftest.py), worked out by hand."""

from __future__ import annotations

import pandas as pd
import pytest

from mileage.incentives import build_facts, evaluate, load_schemes, parse_scheme, person_payouts


@pytest.fixture(scope="module")
def schemes():
    return load_schemes()


def paid(payouts: pd.DataFrame, key: str = "employee_key") -> dict:
    rows = payouts[payouts["payout_usd"] > 0]
    return {r[key]: round(r["payout_usd"], 2) for _, r in rows.iterrows()}


def test_facts_match_the_hand_made_numbers(marts):
    facts = build_facts(marts)
    q = facts.team_periods("quarter").set_index("team_id")
    assert q.loc["T1", "roadmap_attainment"] == pytest.approx(0.9)
    assert q.loc["T2", "roadmap_attainment"] == pytest.approx(0.5)
    assert q.loc["T1", "ai_active_share"] == pytest.approx(2 / 3)  # A, B use AI; C doesn't
    assert q.loc["T1", "nontrivial_merged_prs"] == 3 * (1 + 3 + 6)
    assert q.loc["T1", "merged_prs"] == 3 * (1 + 2 + 3 + 6)  # trivial PRs count as merged PRs
    assert q.loc["T1", "salary_period_usd"] == pytest.approx((120_000 + 120_000 + 240_000) / 4)
    # the unowned 999M tokens and the bot PR belong to no unit
    assert facts.members["total_tokens"].sum() == 3 * (100e6 + 10e6 + 50e6 + 3000e6)
    # outcome score of T1 in January, as macros/outcome_score.sql defines it:
    # PRs per head T1 12/3 = 4, T2 7/3; median of the two = 19/6; throughput min(4/(19/6), 2)/2
    # roadmap min(0.9, 1.5)/1.5 = 0.6; quality 1 - 1/12
    jan = facts.team_months.set_index(["team_id", "month_start"]).loc[("T1", "2026-01-01")]
    expected = 100 * (0.5 * (4 / (19 / 6)) / 2 + 0.3 * 0.6 + 0.2 * (1 - 1 / 12))
    assert jan["outcome_score"] == pytest.approx(expected)


def test_outcome_threshold(schemes, marts):
    p = evaluate(schemes["outcome_threshold"], marts)
    # T1: 0.9 / target 0.7 = 1.286 >= tier 1.25 -> x1.5; AI share 2/3 >= 0.3;
    #     3 heads x $3,000 x 1.5 = $13,500.   T2: 0.5 / 0.7 = 0.714 < 1.15 -> nothing.
    assert paid(p, "team_id") == {"T1": 13_500.0}
    t1 = p.set_index("team_id").loc["T1"]
    assert (t1["heads"], t1["multiplier"], t1["period"]) == (3, 1.5, "2026-Q1")
    assert t1["score"] == pytest.approx(0.9 / 0.7)
    assert p["employee_key"].isna().all()
    # a stricter AI gate fails T1 on its 2/3 share
    strict = schemes["outcome_threshold"].to_dict()
    strict["gates"] = [{"metric": "ai_active_share", "at_least": 0.7}]
    p2 = evaluate(parse_scheme(strict), marts)
    assert p2["payout_usd"].sum() == 0
    assert (
        "gate failed: ai_active_share 0.667 not >= 0.7"
        in p2.set_index("team_id").loc["T1", "reason"]
    )


def test_raised_goals(schemes, marts):
    p = evaluate(schemes["raised_goals"], marts)
    # goal = 0.7 x 1.2 = 0.84. T1: 0.9 / 0.84 = 1.0714 -> on the 1.0:1.0 .. 1.5:1.5 segment
    # x1.0714; base = 5% of the quarter's salary (480k / 4 = 120k) = $6,000 -> $6,428.57.
    # T2: 0.5 / 0.84 = 0.595 < 0.8 -> nothing.
    assert paid(p, "team_id") == {"T1": round(6000 * 0.9 / 0.84, 2)}
    # split by salary inside T1: A and B a quarter each, C half
    per = person_payouts(p, marts).set_index("employee_key")["payout_usd"]
    total = 6000 * 0.9 / 0.84
    assert per["A"] == pytest.approx(total / 4, abs=0.01)
    assert per["C"] == pytest.approx(total / 2, abs=0.01)
    assert set(per[per > 0].index) == {"A", "B", "C"}
    assert per.sum() == pytest.approx(total, abs=0.01)


def test_token_leaderboard(schemes, marts):
    p = evaluate(schemes["token_leaderboard"], marts)
    # each month: E 3,000M (rank 1), A 100M (2), D 50M (3), B 10M (4); C, F have no tokens.
    # Six people: top 1% and 5% are ceil(0.06) = ceil(0.3) = 1 person, top 20% ceil(1.2) = 2.
    # E: top_n 1 -> x5 = $5,000; A: top 20% -> x0.25 = $250. Three months.
    assert p.groupby("employee_key")["payout_usd"].sum()[lambda s: s > 0].to_dict() == {
        "A": 750.0,
        "E": 15_000.0,
    }
    assert p["period"].unique().tolist() == ["2026-01", "2026-02", "2026-03"]


def test_token_budget(schemes, marts):
    p = evaluate(schemes["token_budget"], marts)
    # budget = 50% of monthly salary: $5,000 for everyone but C ($10,000).
    # E spends $6,000 -> 1.2 of budget: over, unpaid. C spends nothing but ships: within
    # budget (utilisation 0 <= 1) and delivering -> paid. Everyone else is under 20% of budget
    # and ships >= 1 non-trivial PR a month -> $300 a month each.
    by_person = p.groupby("employee_key")["payout_usd"].sum()
    assert by_person.to_dict() == {
        "A": 900.0,
        "B": 900.0,
        "C": 900.0,
        "D": 900.0,
        "E": 0.0,
        "F": 900.0,
    }
    status = p.groupby("employee_key")["budget_status"].first().to_dict()
    assert status == {
        "A": "under",
        "B": "under",
        "C": "under",
        "D": "under",
        "E": "over",
        "F": "under",
    }
    e = p[p["employee_key"] == "E"].iloc[0]
    assert (e["budget_usd"], e["budget_utilisation"]) == (5000.0, pytest.approx(1.2))


def test_shipped_work_custom_scheme(schemes, marts):
    p = evaluate(schemes["shipped_work"], marts)
    # quarter non-trivial PRs: A 3, B 9, C 18 | D 6, E 3, F 12.
    # peer medians: L4 (A, B, D, E) = median(3, 9, 6, 3) = 4.5; L5 (C, F) = median(18, 12) = 15.
    # scores: A 3/4.5 = 0.667 -> 0.25 + (0.167/0.5) x 0.75 = 0.5; B 9/4.5 = 2 -> 1.5;
    #         C 18/15 = 1.2 -> 1 + 0.2 x 0.5 = 1.1. T2 delivered 50% < 80%: D, E, F gated out.
    # base 4% of the quarter's salary: A, B $1,200; C $2,400.
    assert paid(p) == {"A": 600.0, "B": 1800.0, "C": 2640.0}
    f = p.set_index("employee_key").loc["F"]
    assert not f["gates_passed"]
    assert "team.roadmap_attainment 0.5 not >= 0.8" in f["reason"]


def test_fixed_pool_and_cap_share_money(marts):
    base = {
        "name": "pool",
        "grain": "person",
        "period": "quarter",
        "metric": "nontrivial_merged_prs",
        "rule": {"type": "threshold", "at_least": 10},
    }
    p = evaluate(parse_scheme({**base, "pool": {"fixed_usd": 9000}}), marts)
    # C (18) and F (12) qualify and share the $9,000 equally
    assert paid(p) == {"C": 4500.0, "F": 4500.0}
    capped = evaluate(
        parse_scheme({**base, "pool": {"per_head_usd": 5000, "cap_usd": 6000}}), marts
    )
    # two people x $5,000 = $10,000, scaled down to the $6,000 cap
    assert paid(capped) == {"C": 3000.0, "F": 3000.0}


def test_a_trailing_month_with_a_day_of_data_is_left_out(schemes, marts):
    """Data ending on 1 April must not pay a whole April of leaderboard prizes."""
    marts["fct_team_months"] = pd.concat(
        [
            marts["fct_team_months"],
            pd.DataFrame(
                [
                    {"team_id": t, "month_start": pd.Timestamp("2026-04-01"), "bugs": 0}
                    for t in ("T1", "T2")
                ]
            ),
        ],
        ignore_index=True,
    )
    marts["fct_ai_usage_daily"] = pd.concat(
        [
            marts["fct_ai_usage_daily"],
            pd.DataFrame(
                [
                    {
                        "employee_key": "B",
                        "team_id": "T1",
                        "usage_date": pd.Timestamp("2026-04-01"),
                        "total_tokens": 5_000_000_000,
                        "list_cost_usd": 5.0,
                    }
                ]
            ),
        ],
        ignore_index=True,
    )
    facts = build_facts(marts)
    assert facts.dropped_months == ["2026-04-01"]
    assert facts.span == (pd.Timestamp("2026-01-04"), pd.Timestamp("2026-04-01"))
    p = evaluate(schemes["token_leaderboard"], facts)
    assert p["period"].unique().tolist() == ["2026-01", "2026-02", "2026-03"]
    # with a lower bar April stays, and B's one day of 5,000M tokens wins it
    kept = build_facts(marts, min_month_coverage=0.0)
    april = evaluate(schemes["token_leaderboard"], kept).query("period == '2026-04'")
    assert paid(april) == {"B": 5000.0}
