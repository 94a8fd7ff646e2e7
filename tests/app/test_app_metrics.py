"""The arithmetic behind the numbers the app shows."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from mileage.app import metrics as m
from mileage.app.data import SEED_TOKEN_PRICES


@pytest.fixture(scope="module")
def prices() -> dict[str, m.ModelPrice]:
    return m.prices_from_frame(pd.read_csv(SEED_TOKEN_PRICES))


# ---- helpers ---------------------------------------------------------------------------------


def test_safe_ratio_handles_zero_and_missing():
    assert m.safe_ratio(3, 4) == 0.75
    assert m.safe_ratio(3, 4_000_000, 1e6) == pytest.approx(0.75)
    assert m.safe_ratio(1, 0) is None
    assert m.safe_ratio(None, 2) is None
    assert m.safe_ratio(1, float("nan")) is None


def test_change_and_relative_change():
    assert m.change(12, 10) == 2
    assert m.change(None, 10) is None
    assert m.relative_change(12, 10) == pytest.approx(0.2)
    assert m.relative_change(-5, -10) == pytest.approx(0.5)  # less negative is up
    assert m.relative_change(1, 0) is None


# ---- organisation roll-up and month comparison -----------------------------------------------


def _team_months() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "team_id": ["a", "b", "a", "b"],
            "month_start": pd.to_datetime(["2026-01-01"] * 2 + ["2026-02-01"] * 2),
            "headcount": [6, 4, 6, 5],
            "total_tokens": [2_000_000, 6_000_000, 3_000_000, 1_000_000],
            "token_cost_usd": [100.0, 300.0, 150.0, 50.0],
            "merged_prs": [10, 2, 12, 6],
            "bugs": [1, 1, 0, 3],
        }
    )


def test_rollup_sums_then_divides_never_averages_ratios():
    org = m.rollup_team_months(_team_months())
    jan, feb = org.iloc[0], org.iloc[1]
    assert jan.headcount == 10 and jan.merged_prs == 12 and jan.total_tokens == 8_000_000
    # 12 PRs / 8M tokens = 1.5 per M (the mean of the teams' ratios would be 2.67)
    assert jan.merged_prs_per_million_tokens == pytest.approx(1.5)
    assert jan.merged_prs_per_1k_usd == pytest.approx(12 / 400 * 1000)
    assert feb.bugs_per_merged_pr == pytest.approx(3 / 18)
    assert feb.cost_per_merged_pr_usd == pytest.approx(200 / 18)


def test_rollup_of_nothing_is_empty():
    assert m.rollup_team_months(_team_months().iloc[0:0]).empty


def test_compare_months_deltas_against_previous_month():
    org = m.rollup_team_months(_team_months())
    changes = m.compare_months(org, "2026-02-01")
    per_token = changes["merged_prs_per_million_tokens"]
    assert per_token.value == pytest.approx(18 / 4)
    assert per_token.previous == pytest.approx(1.5)
    assert per_token.delta == pytest.approx(3.0)
    assert per_token.relative == pytest.approx(2.0)
    assert per_token.higher_is_better is True
    assert changes["bugs_per_merged_pr"].higher_is_better is False
    assert changes["token_cost_usd"].higher_is_better is None
    first = m.compare_months(org, "2026-01-01")["merged_prs"]
    assert first.previous is None and first.delta is None
    with pytest.raises(KeyError):
        m.compare_months(org, "2025-12-01")


def test_fmt_delta_relative_for_values_points_for_attainment():
    rel = m.MetricChange(
        "merged_prs_per_million_tokens",
        "x",
        0.25,
        0.2523,
        -0.0023,
        m.relative_change(0.25, 0.2523),
        True,
    )
    assert m.fmt_delta(rel) == "-0.9%"
    pts = m.MetricChange("roadmap_attainment", "x", 0.8, 0.75, 0.05, 0.0667, True)
    assert m.fmt_delta(pts) == "+5.0 pts"
    none = m.MetricChange("merged_prs", "x", 3, None, None, None, True)
    assert m.fmt_delta(none) is None


# ---- quadrant ----------------------------------------------------------------------------------


def test_quadrants_against_medians_of_rows_given():
    frame = pd.DataFrame(
        {
            "team_name": ["burner", "star", "quiet", "mid", "unknown"],
            "token_cost_usd": [900.0, 200.0, 100.0, 500.0, None],
            "outcome_score": [1.0, 4.0, 0.5, 2.0, 3.0],
        }
    )
    placed, x_median, y_median = m.quadrants(frame)
    assert list(placed.team_name) == ["burner", "star", "quiet", "mid"]  # no spend: not placed
    assert x_median == pytest.approx(350.0) and y_median == pytest.approx(1.5)
    labels = dict(zip(placed.team_name, placed.quadrant, strict=True))
    assert labels["burner"] == "High spend, low outcome"
    assert labels["star"] == "Low spend, high outcome"
    assert labels["quiet"] == "Low spend, low outcome"
    assert labels["mid"] == "High spend, high outcome"


# ---- cost calculator -------------------------------------------------------------------------


def test_seed_prices_are_the_list_prices(prices):
    opus = prices["claude-opus-4"]
    assert (opus.input, opus.cache_write, opus.cache_read, opus.output) == (15, 18.75, 1.5, 75)
    # gpt-5 has no cache-write price: a miss written to cache costs plain input
    assert prices["gpt-5"].cache_write == prices["gpt-5"].input


def test_component_shares_sum_to_one():
    a = m.TrafficAssumptions(cache_hit_rate=0.7, output_share=0.02, miss_write_share=0.25)
    shares = a.component_shares()
    assert sum(shares.values()) == pytest.approx(1.0)
    assert shares["cache read"] == pytest.approx(0.98 * 0.7)
    assert shares["cache write"] == pytest.approx(0.98 * 0.3 * 0.25)


def test_usd_per_mtok_by_hand(prices):
    opus = prices["claude-opus-4"]
    a = m.TrafficAssumptions(cache_hit_rate=0.7, output_share=0.01, miss_write_share=0.0)
    # 99% input: 70% at $1.50, 30% at $15; 1% output at $75
    assert m.usd_per_mtok(opus, a) == pytest.approx(0.99 * (0.7 * 1.5 + 0.3 * 15) + 0.01 * 75)


def test_published_estimate_is_reproduced_under_stated_assumptions(prices):
    """≈ $5.5M per trillion tokens at 86% Opus (4/4.1 list prices) and a 70% cache-hit rate."""
    value = m.published_scenario(prices)
    opus = 0.99 * (0.7 * 1.5 + 0.3 * 15.0) + 0.01 * 75.0  # USD per M tokens
    sonnet = 0.99 * (0.7 * 0.3 + 0.3 * 3.0) + 0.01 * 15.0
    assert value == pytest.approx((0.86 * opus + 0.14 * sonnet) * 1e6)
    assert value == pytest.approx(5.5e6, rel=0.02)
    assert m.PUBLISHED_MAIN_SHARE == 0.86 and m.PUBLISHED_CACHE_HIT_RATE == 0.70


def test_cost_breakdown_adds_up(prices):
    mix = m.two_model_mix("claude-opus-4", 0.86, "claude-sonnet-4")
    a = m.TrafficAssumptions()
    breakdown = m.cost_breakdown(mix, prices, a)
    assert breakdown["tokens"].sum() == pytest.approx(1e12)
    assert breakdown["cost_usd"].sum() == pytest.approx(m.cost_per_trillion(mix, prices, a))


def test_more_cache_hits_cost_less_and_cache_writes_cost_more(prices):
    mix = {"claude-opus-4": 1.0}
    base = m.cost_per_trillion(mix, prices, m.TrafficAssumptions())
    assert m.cost_per_trillion(mix, prices, m.TrafficAssumptions(cache_hit_rate=0.9)) < base
    assert m.cost_per_trillion(mix, prices, m.TrafficAssumptions(miss_write_share=1.0)) > base


def test_mix_validation(prices):
    assert m.two_model_mix("claude-opus-4", 0.3, "claude-opus-4") == {"claude-opus-4": 1.0}
    with pytest.raises(ValueError):
        m.normalise_mix({"claude-opus-4": 0.5})
    with pytest.raises(ValueError):
        m.TrafficAssumptions(cache_hit_rate=1.2)
    with pytest.raises(KeyError):
        m.cost_breakdown({"no-such-model": 1.0}, prices, m.TrafficAssumptions())


def test_spend_relative_to_salary_helpers():
    assert m.annualise(100.0, 73) == pytest.approx(500.0)
    assert m.annualise(100.0, 0) is None
    # 10M tokens a working day for 230 days at $5.5M per trillion tokens
    assert m.annual_token_cost(10_000_000, 5.5e6) == pytest.approx(12_650.0)


def test_rank_correlation():
    assert m.rank_correlation([1, 2, 3, 4], [10, 20, 30, 40]) == pytest.approx(1.0)
    assert m.rank_correlation([1, 2, 3, 4], [4, 3, 2, 1]) == pytest.approx(-1.0)
    assert m.rank_correlation([1], [1]) is None
    assert m.rank_correlation([1, 1, 1], [1, 2, 3]) is None


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (5_545_123.0, "$5.55M"),
        (3234.17, "$3,234"),
        (12.5, "$12.50"),
        (None, "–"),
        (2.1e9, "$2.10B"),
        (-1500.0, "-$1,500"),
    ],
)
def test_fmt_usd(value, text):
    assert m.fmt_usd(value) == text


def test_other_formats():
    assert m.fmt_count(431_220_000) == "431.2M"
    assert m.fmt_count(106) == "106"
    assert m.fmt_pct(0.0312) == "3.1%"
    assert m.fmt_hours(45.04) == "45.0 h"
    assert m.fmt_metric("roadmap_attainment", 0.7833) == "78%"
    assert math.isnan(float("nan")) and m.fmt_ratio(float("nan")) == "–"


def test_complete_months_and_the_default_month():
    assert m.is_complete_month("2026-03-01", "2026-03-31")
    assert not m.is_complete_month("2026-03-01", "2026-03-30")
    assert m.is_complete_month("2026-02-01", "2026-03-01")
    assert m.is_complete_month("2026-02-01", None)
    newest_first = [pd.Timestamp("2026-03-01"), pd.Timestamp("2026-02-01")]
    assert m.default_month_index(newest_first, "2026-03-20") == 1
    assert m.default_month_index(newest_first, "2026-03-31") == 0
    assert m.default_month_index(newest_first[:1], "2026-03-20") == 0  # nothing complete


# ---- like-for-like headlines (issue 25) --------------------------------------------------------


def org_quarters(**attainment_by_month):
    return pd.DataFrame(
        {
            "month_start": pd.to_datetime(list(attainment_by_month)),
            "roadmap_attainment": list(attainment_by_month.values()),
        }
    )


def test_a_quarter_in_progress_is_compared_with_its_pace_not_a_finished_quarter():
    org = org_quarters(**{"2026-09-01": 0.65, "2026-10-01": 0.26})
    view = m.roadmap_quarter(org, "2026-10-01", pd.Timestamp("2026-10-31"))
    # 31 of Q4's 92 days gone: pace 33.7%; 26% is 7.7 points behind
    assert view.label == "Roadmap, Q4 2026 to date"
    assert view.value == 0.26
    assert view.delta == "-8 pts vs pace"
    assert view.target == pytest.approx(31 / 92)
    assert "behind pace by 8 points" in view.verdict and "34% of the quarter gone" in view.verdict


def test_a_finished_quarter_is_compared_with_the_previous_finished_quarter():
    org = org_quarters(**{"2026-06-01": 0.70, "2026-07-01": 0.65, "2026-09-01": 0.65})
    view = m.roadmap_quarter(org, "2026-09-01", pd.Timestamp("2026-10-31"))
    assert view.label == "Roadmap, Q3 2026"
    assert view.delta == "-5 pts vs Q2 2026"
    assert view.verdict == (
        "Roadmap, Q3 2026: 65% of planned points delivered, worse than Q2 2026 (70%)."
    )
    alone = m.roadmap_quarter(org.iloc[1:], "2026-09-01", pd.Timestamp("2026-10-31"))
    assert alone.delta is None


def test_verdict_says_what_got_better_and_worse():
    def change(key, label, rel, better):
        return m.MetricChange(key, label, 1.0, 1.0, rel, rel, better)

    changes = {
        "a": change("merged_prs_per_million_tokens", "Merged PRs per billion tokens", 0.12, True),
        "b": change("median_cycle_time_hours", "Median cycle time", 0.08, False),
        "c": change("bugs_per_merged_pr", "Bugs per merged PR", 0.004, False),
        "d": change("merged_prs", "Merged PRs", -0.5, True),  # a total: left out when partial
        "e": change("token_cost_usd", "Token spend", 0.3, None),  # neither good nor bad
    }
    assert m.verdict(changes, "September 2026", partial=True) == (
        "**Mixed since September 2026.** **better**: merged PRs per billion tokens (+12.0%); "
        "**worse**: median cycle time (+8.0%); **about the same**: bugs per merged PR (+0.4%)."
    )


def test_six_month_trend_pools_each_three_months():
    org = pd.DataFrame(
        {
            "month_start": pd.date_range("2026-05-01", periods=7, freq="MS"),
            "merged_prs": [999, 10, 20, 30, 40, 50, 60],
            "total_tokens": [1e9, 1e9, 1e9, 1e9, 1e9, 1e9, 1e9],
        }
    )
    first, last, since, until = m.six_month_trend(
        org, "2026-11-01", "merged_prs", "total_tokens", 1e9
    )
    # Jun-Aug: 60 PRs on 3B tokens = 20 per billion; Sep-Nov: 150 on 3B = 50
    assert (first, last) == (20.0, 50.0)
    assert (since, until) == (pd.Timestamp("2026-06-01"), pd.Timestamp("2026-11-01"))
    assert m.six_month_trend(org, "2026-09-01", "merged_prs", "total_tokens", 1e9) is None
