"""compare(): concentration and correlation figures against independent numpy computations,
and a scheme comparison on the hand-made marts worked out by hand."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from mileage.incentives import compare, evaluate_all, gini, load_schemes, spearman, top_share


def gini_by_pairs(x) -> float:
    """Gini as the mean absolute difference over all pairs / (2 x mean)."""
    x = np.asarray(x, dtype=float)
    return np.abs(x[:, None] - x[None, :]).sum() / (2 * x.size**2 * x.mean())


def average_ranks(x) -> np.ndarray:
    """Rank = number below + (number equal + 1) / 2 (the average rank of a tie group)."""
    x = np.asarray(x, dtype=float)
    below = (x[None, :] < x[:, None]).sum(axis=1)
    equal = (x[None, :] == x[:, None]).sum(axis=1)
    return below + (equal + 1) / 2


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_gini_top_share_and_spearman_match_independent_formulas(seed):
    rng = np.random.default_rng(seed)
    x = np.where(rng.random(200) < 0.4, 0.0, rng.lognormal(7, 1.2, 200))
    assert gini(x) == pytest.approx(gini_by_pairs(x), rel=1e-9)
    paid = np.sort(x[x > 0])[::-1]
    k = math.ceil(0.1 * paid.size)
    assert top_share(x) == pytest.approx(paid[:k].sum() / paid.sum())
    y = np.round(x / 500) + rng.integers(0, 3, 200)  # many ties on both sides
    expected = np.corrcoef(average_ranks(x), average_ranks(y))[0, 1]
    assert spearman(x, y) == pytest.approx(expected)


def test_degenerate_inputs():
    assert gini([5, 5, 5, 5]) == pytest.approx(0.0)
    assert gini([0, 0, 0, 12]) == pytest.approx(0.75)  # (n - 1) / n for one winner
    assert math.isnan(gini([0, 0]))
    assert math.isnan(top_share([0, 0]))
    assert top_share([10, 0, 0]) == 1.0
    assert math.isnan(spearman([1, 1, 1, 1], [1, 2, 3, 4]))
    assert spearman([1, 2, 3, 4], [10, 20, 30, 40]) == pytest.approx(1.0)


def test_comparison_on_hand_made_marts(marts):
    payouts = evaluate_all(load_schemes(), marts)
    flags = pd.DataFrame(
        {
            "employee_key": ["E", "E"],
            "month_start": ["2026-01-01", "2026-02-01"],
            "signal": ["tokens_without_outcomes"] * 2,
            "severity": ["high"] * 2,
        }
    )
    c = compare(payouts, marts, flags).set_index("scheme")
    assert list(c.index) == [
        "outcome_threshold",
        "raised_goals",
        "shipped_work",
        "token_budget",
        "token_leaderboard",
    ]
    assert (c["population"] == 6).all() and (c["delivered_points"] == 14).all()

    board = c.loc["token_leaderboard"]
    # E: $15,000, A: $750 (test_incentive_payouts); nobody else
    assert board["total_cost_usd"] == 15_750
    assert board["recipients"] == 2
    assert board["cost_per_outcome_point_usd"] == pytest.approx(15_750 / 14)
    assert board["top_decile_share"] == pytest.approx(15_000 / 15_750)  # ceil(0.2) = 1 person
    assert board["gini"] == pytest.approx(gini_by_pairs([15_000, 750, 0, 0, 0, 0]))
    assert board["flagged_people"] == 1
    assert board["flagged_share"] == pytest.approx(15_000 / 15_750)
    # pay vs non-trivial PRs per person (A..F): [750, 0, 0, 0, 15000, 0] vs [3, 9, 18, 6, 3, 12]
    expected = np.corrcoef(
        average_ranks([750, 0, 0, 0, 15_000, 0]), average_ranks([3, 9, 18, 6, 3, 12])
    )[0, 1]
    assert board["spearman_person_outcome"] == pytest.approx(expected)
    assert math.isnan(board["spearman_team_outcome"])  # two teams: too few to rank

    axon = c.loc["outcome_threshold"]
    # T1's $13,500 split equally: $4,500 each to A, B, C
    assert (axon["total_cost_usd"], axon["recipients"]) == (13_500, 3)
    assert axon["top_decile_share"] == pytest.approx(1 / 3)
    assert axon["gini"] == pytest.approx(gini_by_pairs([4500, 4500, 4500, 0, 0, 0]))
    assert axon["flagged_share"] == 0
    assert axon["cost_per_head_usd"] == pytest.approx(13_500 / 6)


def test_flags_are_optional(marts):
    payouts = evaluate_all(load_schemes(), marts)
    c = compare(payouts, marts, None)
    assert (c["flagged_people"] == 0).all()
    assert (c.loc[c["total_cost_usd"] > 0, "flagged_share"] == 0).all()
