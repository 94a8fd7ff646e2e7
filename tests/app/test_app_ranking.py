"""Issue 25: rankings that cannot be won by not using AI, and a Teams page built for 180 teams.

Expected numbers are worked by hand in the comments, or computed here from the fixture's rows.
"""

from __future__ import annotations

import pandas as pd
import pytest
from test_app_pages import run_app

from app_warehouse import MONTHS, build_warehouse, many_teams
from mileage.app import charts, ranking

MARCH = pd.Timestamp(MONTHS[-1])


def team(name, people, tokens, spend, prs, **extra):
    return {
        "team_id": name,
        "team_name": name,
        "org": "Org",
        "headcount": people + 2,
        "ai_active_people": people,
        "total_tokens": tokens,
        "token_cost_usd": spend,
        "merged_prs": prs,
        **extra,
    }


def test_the_issue_team_is_not_ranked_and_says_why():
    # The issue's example: 6.48 merged PRs per million tokens from $4.35, 3 of 9 using AI.
    month = pd.DataFrame(
        [
            team("barely", 3, 1_080_000, 4.35, 7),  # 7 / 1.08M = 6.48 per million
            team("big", 40, 3_000_000_000, 9_000.0, 240),
            team("mid", 12, 600_000_000, 1_800.0, 60),
        ]
    )
    ranked, below, _ = ranking.rank_teams(month, "per_token")
    assert list(ranked.team_name) == ["mid", "big"]  # 100 and 80 per billion
    assert list(below.team_name) == ["barely"]
    assert below.at[0, "reason"] == "3 people using AI (minimum 5)"
    # with enough people, thin usage is the reason
    thin = team("thin", 6, 1_080_000, 4.35, 7)
    assert ranking.below_minimum(thin) == "1.1M tokens (minimum 100M); $4.35 spend (minimum $250)"
    # the privacy gate blanked the count (fewer than the minimum group size): no figure leaks
    assert ranking.below_minimum({**thin, "ai_active_people": None}) == (
        "fewer than 5 people using AI (their usage is hidden)"
    )


def test_a_team_exactly_at_every_minimum_is_ranked():
    at_minimum = team(
        "edge",
        ranking.MIN_AI_ACTIVE_PEOPLE,
        ranking.MIN_TOKENS,
        ranking.MIN_SPEND_USD,
        3,
    )
    assert ranking.below_minimum(at_minimum) == ""
    assert ranking.below_minimum({**at_minimum, "token_cost_usd": None}) == (
        "no spend (minimum $250)"
    )
    assert ranking.below_minimum({**at_minimum, "total_tokens": 90_000_000}) == (
        "90.0M tokens (minimum 100M)"
    )


def test_shrinkage_by_hand():
    # Three teams of one unit of exposure each: 0, 100 and 50 PRs. Pooled m = 150 / 3 = 50.
    # s2 = (50^2 + 50^2 + 0) / 3 = 1666.67; v = s2 - m / mean(exposure) = 1616.67;
    # w = v / (v + m / 1) = 0.97; estimates 50 + 0.97 * (0 - 50) = 1.5, 98.5 and 50.
    fitted = ranking.shrink([0, 100, 50], [1, 1, 1])
    assert fitted["weight"].tolist() == pytest.approx([0.97] * 3)
    assert fitted["estimate"].tolist() == pytest.approx([1.5, 98.5, 50.0])
    assert fitted["raw"].tolist() == [0, 100, 50]
    assert (fitted["low"] < fitted["estimate"]).all() and (
        fitted["estimate"] < fitted["high"]
    ).all()


def test_teams_that_differ_by_chance_all_get_the_organisation_figure():
    # 10 PRs on 1 unit and 30 on 2: m = 40 / 3; s2 = (1 * (10 - m)^2 + 2 * (15 - m)^2) / 3
    # = 5.56 < m / 1.5 = 8.89, so v = 0 and both estimates are 13.33.
    fitted = ranking.shrink([10, 30], [1, 2])
    assert fitted["estimate"].tolist() == pytest.approx([40 / 3, 40 / 3])
    assert fitted["weight"].tolist() == [0, 0]


def test_thin_evidence_ranks_below_a_slightly_lower_ratio_on_much_more_usage():
    # "thin" has the best raw ratio (130 per billion) on 0.1B tokens; "solid" 120 on 5B.
    # The spread of the others makes v > 0, but thin's own evidence is weak, so it is pulled
    # to the pooled figure harder and ends below solid.
    month = pd.DataFrame(
        [
            team("thin", 6, 100_000_000, 300.0, 13),
            team("solid", 50, 5_000_000_000, 15_000.0, 600),
            team("low", 50, 5_000_000_000, 15_000.0, 300),
            team("middle", 50, 5_000_000_000, 15_000.0, 450),
        ]
    )
    ranked, below, prior = ranking.rank_teams(month, "per_token")
    assert below.empty
    assert prior.mean == pytest.approx((13 + 600 + 300 + 450) / 15.1)  # per billion
    by_name = ranked.set_index("team_name")
    assert by_name.at["thin", "raw"] == pytest.approx(130.0)
    assert by_name.at["solid", "raw"] == pytest.approx(120.0)
    assert list(ranked.team_name[:2]) == ["solid", "thin"]
    # less evidence, wider interval
    width = by_name["high"] - by_name["low"]
    assert width["thin"] > 3 * width["solid"]


def test_movers_by_change_of_the_estimate():
    now = pd.DataFrame(
        {"team_id": ["a", "b", "c"], "estimate": [10.0, 5.0, 7.0], "rank": [1, 3, 2]}
    )
    before = pd.DataFrame(
        {"team_id": ["a", "b", "d"], "estimate": [4.0, 9.0, 1.0], "rank": [2, 1, 3]}
    )
    up, down = ranking.movers(now, before)
    assert up.team_id.tolist() == ["a"] and up.change.tolist() == [6.0]
    assert down.team_id.tolist() == ["b"] and down.change.tolist() == [-4.0]


# ---- the Teams page on 180 teams ----------------------------------------------------------


@pytest.fixture(scope="module")
def org_of_180(tmp_path_factory):
    return build_warehouse(tmp_path_factory.mktemp("wh-180") / "wh.duckdb", teams=many_teams())


def chart_specs(at) -> list[dict]:
    import json

    return [json.loads(chart.proto.spec) for chart in at.get("vega_lite_chart")]


def test_teams_page_for_a_leader_of_180_teams(serve, org_of_180):
    fx = serve(org_of_180)
    march = fx.team_months[pd.to_datetime(fx.team_months.month_start) == MARCH]
    at = run_app("leadership", "teams")

    # The raw top team barely uses AI; the ranking's top has the minimum usage.
    visible = march[march.headcount >= 5]  # smaller teams are hidden from leadership
    raw_top = visible.nlargest(1, "merged_prs_per_million_tokens").iloc[0]
    assert raw_top.total_tokens < ranking.MIN_TOKENS  # one of the teams barely using AI
    ranked = next(df.value for df in at.dataframe if "raw" in df.value.columns)
    top = march.set_index("team_name").loc[ranked.iloc[0].team_name]
    assert top.ai_active_people >= ranking.MIN_AI_ACTIVE_PEOPLE
    assert top.total_tokens >= ranking.MIN_TOKENS
    assert top.token_cost_usd >= ranking.MIN_SPEND_USD
    eligible = visible[
        (visible.ai_active_people >= ranking.MIN_AI_ACTIVE_PEOPLE)
        & (visible.total_tokens >= ranking.MIN_TOKENS)
        & (visible.token_cost_usd >= ranking.MIN_SPEND_USD)
    ]
    assert sorted(ranked.team_name) == sorted(eligible.team_name)
    below = next(df.value for df in at.dataframe if "reason" in df.value.columns)
    assert raw_top.team_name in set(below.team_name)
    reason = below.set_index("team_name").at[raw_top.team_name, "reason"]
    assert f"{raw_top.total_tokens / 1e6:,.1f}M tokens (minimum 100M)" in reason

    # No chart taller than a screen; the ranking shows the top and bottom five.
    for spec in chart_specs(at):
        assert spec.get("height", 0) <= charts.MAX_CHART_HEIGHT, spec.get("title")
    text = " ".join(m.value for m in at.markdown)
    high_spend = next(m.value for m in at.markdown if m.value.startswith("High spend, low"))
    assert high_spend.count("**") <= 2 * 5
    assert "more" in high_spend
    assert "Movers since February 2026" in text
