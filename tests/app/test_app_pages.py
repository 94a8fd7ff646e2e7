"""Every page under Streamlit's AppTest on the hand-made warehouse.

Expected values are computed here from the fixture's own rows, not with the app's code; only
the display formatting (itself unit-tested) is shared.
"""

from __future__ import annotations

import json
import shutil
import statistics
from dataclasses import replace
from datetime import date

import duckdb
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from app_warehouse import APP, MONTHS, TINY_TEAM, build_warehouse
from mileage.app import metrics as m

MARCH, FEBRUARY = MONTHS[-1], MONTHS[-2]
NAME_MARKERS = ("Zelda", "@example.com", "zfixture")


def run_app(role: str = "leadership", page: str | None = None, employee: str | None = None):
    at = AppTest.from_file(APP, default_timeout=30)
    at.session_state["demo_role"] = role
    if employee:
        at.session_state["demo_employee"] = employee
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    if page:
        at.switch_page(f"app_pages/{page}.py").run()
        assert not at.exception, [e.value for e in at.exception]
    return at


def metrics_of(at) -> dict[str, str]:
    return {metric.label: metric.value for metric in at.metric}


def deltas_of(at) -> dict[str, str]:
    return {metric.label: metric.delta for metric in at.metric}


def texts_of(at) -> str:
    """Everything textual on the page, dataframes included."""
    parts = [
        e.value
        for kind in (
            "markdown",
            "caption",
            "info",
            "warning",
            "error",
            "success",
            "title",
            "subheader",
        )
        for e in getattr(at, kind)
    ]
    parts += [str(m.label) + str(m.value) for m in at.metric]
    parts += [df.value.to_csv() for df in at.dataframe]
    parts += [str(s.options) for s in at.selectbox]
    return "\n".join(parts)


def frame_with(at, column: str) -> pd.DataFrame:
    """The first dataframe on the page having `column`."""
    for df in at.dataframe:
        if column in df.value.columns:
            return df.value
    raise AssertionError(f"no dataframe with column {column!r}")


def assert_no_names(at) -> None:
    text = texts_of(at)
    for marker in NAME_MARKERS:
        assert marker not in text


def assert_charts_have_axis_titles(at) -> None:
    charts = at.get("vega_lite_chart")
    assert charts
    for chart in charts:
        spec = json.loads(chart.proto.spec)
        layers = spec.get("layer", [spec])
        for channel in ("x", "y"):
            titles = [
                layer.get("encoding", {}).get(channel, {}).get("title")
                or layer.get("encoding", {}).get(channel, {}).get("axis", {}).get("title")
                for layer in layers
            ]
            assert any(titles), f"{channel} axis without a title in {spec.get('title')}"


def month_rows(fixture, month: date) -> pd.DataFrame:
    return fixture.team_months[fixture.team_months.month_start == month]


# ---- app shell -------------------------------------------------------------------------------


def test_missing_warehouse_explains_instead_of_crashing(tmp_path, monkeypatch):
    monkeypatch.setenv("MILEAGE_WAREHOUSE", str(tmp_path / "absent.duckdb"))
    at = AppTest.from_file(APP, default_timeout=30).run()
    assert not at.exception
    assert "No warehouse found" in at.error[0].value
    assert "mileage demo" in at.markdown[0].value


def test_missing_core_table_is_named(tmp_path, monkeypatch):
    fixture = build_warehouse(tmp_path / "partial.duckdb")
    con = duckdb.connect(str(fixture.path))
    con.execute("drop table marts.fct_team_months")
    con.close()
    monkeypatch.setenv("MILEAGE_WAREHOUSE", str(fixture.path))
    at = AppTest.from_file(APP, default_timeout=30).run()
    assert not at.exception
    assert "marts.fct_team_months" in at.error[0].value


def test_demo_mode_is_labelled_and_roles_gate_pages(serve, small_warehouse):
    serve(small_warehouse)
    at = run_app("leadership")
    assert at.sidebar.subheader[0].value == "Demo mode"
    assert at.sidebar.selectbox(key="demo_role").label.startswith("Demo mode")
    for role in ("leadership", "engineer"):
        at = run_app(role, employee=small_warehouse.key_in("t-pay"))
        with pytest.raises(ValueError):
            at.switch_page("app_pages/incentive_lab.py")
    run_app("hr", "incentive_lab")


# ---- 1 Overview ------------------------------------------------------------------------------


def test_overview_shows_the_organisation_month_and_its_change(serve, small_warehouse):
    fx = serve(small_warehouse)
    at = run_app("leadership", "overview")
    shown, deltas = metrics_of(at), deltas_of(at)

    march, feb = month_rows(fx, MARCH), month_rows(fx, FEBRUARY)
    merged, tokens, cost = (
        march.merged_prs.sum(),
        march.total_tokens.sum(),
        march.token_cost_usd.sum(),
    )
    # per billion tokens, whole numbers (issue 25: per million read 0.08 every month)
    assert shown["Merged PRs per billion tokens"] == f"{merged / tokens * 1e9:,.0f}"
    assert shown["Merged PRs per $1k of tokens"] == f"{merged / cost * 1e3:,.1f}"
    assert shown["Token spend"] == m.fmt_usd(cost)
    assert shown["Merged PRs"] == f"{merged:,}"
    assert shown["Tokens used"] == m.fmt_count(tokens)
    assert shown["Bugs per merged PR"] == m.fmt_ratio(march.bugs.sum() / merged, 3)
    prs = fx.pull_requests
    march_prs = prs[prs.is_merged & ~prs.is_bot & (pd.to_datetime(prs.merged_at).dt.month == 3)]
    assert shown["Median cycle time"] == m.fmt_hours(statistics.median(march_prs.cycle_time_hours))
    attainment = fx.roadmap.delivered_points.sum() / fx.roadmap.planned_points.sum()
    # March closes Q1 2026 (usage runs to 31 March): a finished quarter, named as such
    assert shown["Roadmap, Q1 2026"] == f"{attainment * 100:.0f}%"

    feb_merged = feb.merged_prs.sum()
    assert deltas["Merged PRs"] == f"{(merged - feb_merged) / feb_merged * 100:+.1f}%"
    feb_per_token = feb_merged / feb.total_tokens.sum() * 1e6
    expected = (merged / tokens * 1e6 - feb_per_token) / feb_per_token
    assert deltas["Merged PRs per billion tokens"] == f"{expected * 100:+.1f}%"
    # no earlier quarter in the fixture: no delta (it used to compare Q1 with itself, +0.0 pts)
    assert deltas["Roadmap, Q1 2026"] == ""
    text = texts_of(at)
    assert "since February 2026.**" in text
    assert f"merged PRs per billion tokens ({expected * 100:+.1f}%)" in text

    table = frame_with(at, "merged_prs_per_1k_usd")
    assert len(table) == len(MONTHS)
    assert table.merged_prs.tolist() == [
        month_rows(fx, mo).merged_prs.sum() for mo in reversed(MONTHS)
    ]
    assert at.get("download_button")
    assert "partial" not in texts_of(at)  # usage runs to 31 March
    assert_charts_have_axis_titles(at)
    assert_no_names(at)


def test_overview_month_picker_changes_the_figures(serve, small_warehouse):
    fx = serve(small_warehouse)
    at = run_app("leadership", "overview")
    at.selectbox(key="overview_month").set_value(pd.Timestamp(MONTHS[0])).run()
    assert not at.exception
    jan = month_rows(fx, MONTHS[0])
    assert metrics_of(at)["Merged PRs"] == f"{jan.merged_prs.sum():,}"
    assert deltas_of(at)["Merged PRs"] == ""  # no earlier month to compare with
    assert "no earlier month" in at.subheader[0].value


def test_overview_hidden_when_the_whole_organisation_is_small(serve, small_warehouse):
    serve(small_warehouse, MILEAGE_MIN_GROUP_SIZE="100")
    at = run_app("leadership", "overview")
    assert "fewer than 100 people" in at.warning[0].value
    assert not at.metric


# ---- 2 Teams ---------------------------------------------------------------------------------


def test_teams_suppresses_small_teams_for_leadership(serve, small_warehouse):
    fx = serve(small_warehouse)
    at = run_app("leadership", "teams")
    table = frame_with(at, "merged_prs_per_million_tokens").set_index("team_name")
    march = month_rows(fx, MARCH).set_index("team_name")

    tiny = table.loc["Tiny Tools"]
    assert tiny.note == "fewer than 5 people"
    assert pd.isna(tiny.merged_prs_per_million_tokens) and pd.isna(tiny.total_tokens)
    assert pd.isna(tiny.headcount)
    # Platform (5 people) is hidden with it, or the total would give Tiny Tools away.
    assert table.loc["Platform"].note.startswith("hidden so a smaller group")
    for team in ("Payments", "Search", "Data"):
        assert table.loc[team].merged_prs_per_million_tokens == pytest.approx(
            march.loc[team].merged_prs_per_million_tokens
        )
        assert table.loc[team].token_cost_usd == pytest.approx(march.loc[team].token_cost_usd)
        assert table.loc[team].headcount == march.loc[team].headcount
    assert "fewer than 5 people" in at.info[0].value
    # The quadrant places only visible teams, and calls out the big spender.
    assert "High spend, low outcome this month: **Payments**" in texts_of(at)
    assert_charts_have_axis_titles(at)
    assert_no_names(at)


def test_teams_filter_and_drilldown(serve, small_warehouse):
    fx = serve(small_warehouse)
    at = run_app("leadership", "teams")
    at.multiselect(key="teams_filter").set_value(["t-pay", "t-search"]).run()
    assert not at.exception
    table = frame_with(at, "merged_prs_per_million_tokens")
    assert set(table.team_name) == {"Payments", "Search"}
    at.selectbox(key="teams_drilldown").set_value("t-search").run()
    trend = next(df.value for df in at.dataframe if "month_start" in df.value.columns)
    expected = fx.team_months[fx.team_months.team_id == "t-search"]
    assert trend.merged_prs.tolist() == expected.merged_prs.tolist()


def test_hr_sees_small_teams(serve, small_warehouse):
    fx = serve(small_warehouse)
    at = run_app("hr", "teams")
    table = frame_with(at, "merged_prs_per_million_tokens").set_index("team_name")
    tiny = month_rows(fx, MARCH).set_index("team_name").loc["Tiny Tools"]
    assert table.loc["Tiny Tools"].merged_prs_per_million_tokens == pytest.approx(
        tiny.merged_prs_per_million_tokens
    )
    assert (table.note == "").all()


def test_min_group_size_is_configurable(serve, small_warehouse):
    serve(small_warehouse, MILEAGE_MIN_GROUP_SIZE="3")
    at = run_app("leadership", "teams")
    table = frame_with(at, "merged_prs_per_million_tokens")
    assert (table.note == "").all() and table.merged_prs_per_million_tokens.notna().all()
    serve(small_warehouse, MILEAGE_MIN_GROUP_SIZE="7")
    at = run_app("leadership", "teams")
    table = frame_with(at, "merged_prs_per_million_tokens").set_index("team_name")
    assert table.loc["Search"].note == "fewer than 7 people"  # 6 people
    assert table.loc["Payments"].note == ""


def test_engineer_sees_own_team_and_own_figures(serve, small_warehouse):
    fx = serve(small_warehouse)
    me = fx.key_in("t-pay")
    at = run_app("engineer", "teams", employee=me)
    table = frame_with(at, "merged_prs_per_million_tokens")
    assert table.team_name.tolist() == ["Payments"]
    assert all("Fuel" not in s.value for s in at.subheader)  # no cross-team quadrant
    usage = fx.usage[
        (fx.usage.employee_key == me) & (pd.to_datetime(fx.usage.usage_date).dt.month == 3)
    ]
    assert metrics_of(at)["Your tokens, March 2026"] == m.fmt_count(usage.total_tokens.sum())
    prs = fx.pull_requests
    mine = prs[
        (prs.author_employee_key == me)
        & prs.is_merged
        & ~prs.is_bot
        & (pd.to_datetime(prs.merged_at).dt.month == 3)
    ]
    assert metrics_of(at)["Your merged PRs"] == m.fmt_count(len(mine))
    assert_no_names(at)


def test_engineer_in_a_small_team_sees_it_suppressed(serve, small_warehouse):
    fx = serve(small_warehouse)
    at = run_app("engineer", "teams", employee=fx.key_in(TINY_TEAM))
    table = frame_with(at, "merged_prs_per_million_tokens")
    assert table.team_name.tolist() == ["Tiny Tools"]
    assert table.note.tolist() == ["fewer than 5 people"]
    assert table.total_tokens.isna().all()


# ---- 3 Audit, 4 Leaderboard, 5 Incentive lab: not built yet, then built ---------------------


@pytest.mark.parametrize(
    ("page", "role", "expected"),
    [
        (
            "audit",
            "leadership",
            ["Gaming signals are not built yet", "Usage reconciliation is not built yet"],
        ),
        ("leaderboard", "leadership", ["The token leaderboard replay is not built yet"]),
        (
            "incentive_lab",
            "hr",
            ["The scheme comparison is not built yet", "Bonus payouts are not built yet"],
        ),
    ],
)
def test_later_pages_say_not_built_yet(serve, small_warehouse, page, role, expected):
    serve(small_warehouse)
    at = run_app(role, page)
    infos = [i.value for i in at.info]
    for text in expected:
        assert any(text in info for info in infos), infos


def test_audit_for_leadership_is_team_level(serve, full_warehouse):
    fx = serve(full_warehouse)
    at = run_app("leadership", "audit")
    by_team = frame_with(at, "people_flagged").set_index("team_name")
    # Payments (7 people) has one flagged person: how many, and their signals, are one
    # person's figures (issue 24)
    assert pd.isna(by_team.loc["Payments"].people_flagged)
    assert pd.isna(by_team.loc["Payments"].signals)
    assert by_team.loc["Search"].people_flagged == 0
    assert by_team.loc["Tiny Tools"].note == "fewer than 5 people"
    assert pd.isna(by_team.loc["Tiny Tools"].people_flagged)
    for df in at.dataframe:
        assert "employee_key" not in df.value.columns and "person" not in df.value.columns
    efficiency = frame_with(at, "spend_per_outcome_vs_org_median").set_index("team_name")
    mart = fx.later["fct_efficiency_audit"]
    mart = mart[mart.month_start == MARCH].set_index("team_id")
    assert efficiency.loc["Search"].spend_per_outcome_vs_org_median == pytest.approx(
        mart.loc["t-search"].spend_per_outcome_vs_org_median
    )
    assert pd.isna(efficiency.loc["Tiny Tools"].spend_per_outcome_point_usd)
    assert efficiency.loc["Tiny Tools"].note == "fewer than 5 people"
    assert_no_names(at)


def test_audit_efficiency_falls_back_to_team_months(serve, small_warehouse):
    fx = serve(small_warehouse)
    at = run_app("leadership", "audit")
    efficiency = frame_with(at, "spend_vs_org").set_index("team_name")
    march = month_rows(fx, MARCH).set_index("team_name")
    assert efficiency.loc["Search"].cost_per_merged_pr_usd == pytest.approx(
        march.loc["Search"].cost_per_merged_pr_usd
    )
    org = march.token_cost_usd.sum() / march.merged_prs.sum()
    assert efficiency.loc["Search"].spend_vs_org == pytest.approx(
        march.loc["Search"].cost_per_merged_pr_usd / org
    )
    assert pd.isna(efficiency.loc["Tiny Tools"].spend_vs_org)


def test_audit_for_hr_names_people(serve, full_warehouse):
    fx = serve(full_warehouse)
    at = run_app("hr", "audit")
    signals = frame_with(at, "signal")
    flagged = fx.later["fct_gaming_signals"]
    names = fx.identities.set_index("employee_key").full_name
    march = flagged[flagged.month_start == MARCH]
    assert set(signals.full_name) == set(march.employee_key.map(names))


def test_audit_engineer_sees_signals_about_themselves(serve, full_warehouse):
    fx = serve(full_warehouse)
    flagged = fx.key_in("t-pay")  # the fixture's PR spammer
    at = run_app("engineer", "audit", employee=flagged)
    assert "Signals about you" in texts_of(at)
    mine = next(df.value for df in at.dataframe if "evidence" in df.value.columns)
    assert mine.signal.tolist() == ["Trivial-PR spam"]  # pr_spam, by its human name
    assert_no_names(at)


def test_leaderboard_replay_by_role(serve, full_warehouse):
    fx = serve(full_warehouse)
    summary = fx.later["fct_leaderboard_summary"].set_index("month_start").loc[MARCH]
    at = run_app("leadership", "leaderboard")
    shown = metrics_of(at)
    assert shown["Rank correlation, tokens vs outcome"] == m.fmt_ratio(summary.rank_correlation)
    assert shown["Top tier flagged for gaming"] == m.fmt_pct(summary.top_tier_flagged_share)
    tiers = frame_with(at, "flagged_share")
    assert tiers.tier.tolist() == ["top", "middle", "bottom"]  # by tier_order, top first
    tiers = tiers.set_index("tier")
    board = fx.later["fct_token_leaderboard"]
    march = board[board.month_start == MARCH]
    assert tiers.loc["top"].people == (march.tier == "top").sum()
    for df in at.dataframe:
        assert "person" not in df.value.columns
    assert_no_names(at)

    at = run_app("hr", "leaderboard")
    people = frame_with(at, "token_rank")
    assert len(people) == len(march) and "full_name" in people.columns

    me = fx.key_in("t-search")
    at = run_app("engineer", "leaderboard", employee=me)
    row = march[march.employee_key == me].iloc[0]
    assert f"**#{row.token_rank}**" in texts_of(at)
    assert_no_names(at)


def test_incentive_lab_for_hr(serve, full_warehouse):
    fx = serve(full_warehouse)
    at = run_app("hr", "incentive_lab")
    comparison = frame_with(at, "goodhart_inflation")
    assert set(comparison.scheme) == {"per_token", "outcome"}
    assert len(frame_with(at, "tactic")) == 4
    at.multiselect(key="lab_schemes").set_value(["outcome"]).run()
    assert frame_with(at, "goodhart_inflation").scheme.tolist() == ["outcome"]
    assert set(frame_with(at, "tactic").scheme) == {"outcome"}
    payouts = frame_with(at, "payout_usd")
    assert set(payouts.scheme) == {"outcome"}
    assert payouts.full_name.notna().all()
    assert list(payouts.columns[:3]) == ["person", "full_name", "email"]
    assert len(payouts) == len(fx.employees) * len(MONTHS)
    assert len(at.get("download_button")) >= 3  # comparison, stress test, payouts
    assert_charts_have_axis_titles(at)


# ---- 6 Cost calculator -----------------------------------------------------------------------


def test_cost_calculator_reproduces_the_published_estimate(serve, small_warehouse):
    fx = serve(small_warehouse)
    at = run_app("leadership", "cost_calculator")
    opus = 0.99 * (0.7 * 1.5 + 0.3 * 15) + 0.01 * 75  # USD per M tokens, by hand
    sonnet = 0.99 * (0.7 * 0.3 + 0.3 * 3) + 0.01 * 15
    expected = (0.86 * opus + 0.14 * sonnet) * 1e6
    assert abs(expected - 5.5e6) / 5.5e6 < 0.02
    assert metrics_of(at)["Cost per trillion tokens"] == m.fmt_usd(expected) == "$5.55M"
    assert "about **$5.5M per trillion tokens** at 86% Opus" in texts_of(at)

    at.slider(key="calc_cache_hit").set_value(90).run()
    opus90 = 0.99 * (0.9 * 1.5 + 0.1 * 15) + 0.01 * 75
    sonnet90 = 0.99 * (0.9 * 0.3 + 0.1 * 3) + 0.01 * 15
    assert metrics_of(at)["Cost per trillion tokens"] == m.fmt_usd(
        (0.86 * opus90 + 0.14 * sonnet90) * 1e6
    )
    at.button(key="calc_reset").click().run()
    assert metrics_of(at)["Cost per trillion tokens"] == "$5.55M"

    # Spend relative to salary, from dim_employees and the last 90 days of usage.
    usage = fx.usage
    days = (max(usage.usage_date) - min(usage.usage_date)).days + 1  # < 90 days of data
    annual = usage.list_cost_usd.sum() / days * 365
    salaries = fx.employees.salary_usd.sum()
    shown = metrics_of(at)
    assert shown["Annualised token spend"] == m.fmt_usd(annual)
    assert shown["Annual salaries (active employees)"] == m.fmt_usd(salaries)
    assert shown["Token spend as share of salaries"] == m.fmt_pct(annual / salaries, 2)
    assert at.get("download_button")


# ---- 7 Data quality --------------------------------------------------------------------------


def test_data_quality(serve, small_warehouse):
    fx = serve(small_warehouse)
    at = run_app("engineer", "data_quality", employee=small_warehouse.key_in("t-pay"))
    shown = metrics_of(at)
    assert shown["Gate"] == "passed" and shown["Critical failures"] == "0"
    assert shown["Warnings"] == "1"
    assert len(frame_with(at, "expectation_type")) == 3  # the last run's results only
    assert "cursor_usage_events" in at.error[0].value  # the unbalanced source
    unpriced = frame_with(at, "usage_rows")
    assert unpriced.model.tolist() == ["claude-3-opus-20240229"]
    # the unpriced model's usage came through one API key: as much as one person's (issue 24)
    assert unpriced.total_tokens.isna().all() and unpriced.first_day.isna().all()
    usage = fx.usage
    share = usage.loc[~usage.is_attributed, "total_tokens"].sum() / usage.total_tokens.sum()
    assert shown["Unattributed share of tokens"] == "–"  # all unattributed usage: one key
    reasons = frame_with(at, "reason")
    assert "raw_record" not in reasons.columns
    assert_no_names(at)
    at = run_app("hr", "data_quality")
    assert metrics_of(at)["Unattributed share of tokens"] == m.fmt_pct(share)
    unpriced = frame_with(at, "usage_rows")
    assert unpriced.total_tokens.tolist() == [usage.loc[~usage.is_priced, "total_tokens"].sum()]


def test_demo_engineer_picks_a_team_then_a_person(serve, small_warehouse):
    fx = serve(small_warehouse)
    at = run_app("engineer", "teams")
    at.sidebar.selectbox(key="demo_team").set_value(TINY_TEAM).run()
    assert not at.exception
    tiny_people = set(fx.employees.loc[fx.employees.team_id == TINY_TEAM, "employee_key"])
    assert at.sidebar.selectbox(key="demo_employee").value in tiny_people
    table = frame_with(at, "merged_prs_per_million_tokens")
    assert table.team_name.tolist() == ["Tiny Tools"]


def test_a_partial_last_month_is_marked_and_not_the_default(serve, small_warehouse, tmp_path):
    path = tmp_path / "partial.duckdb"
    shutil.copy(small_warehouse.path, path)
    con = duckdb.connect(str(path))
    # usage rows fall on the 3rd, 10th and 17th, and on the last day of the month
    con.execute("delete from marts.fct_ai_usage_daily where usage_date > date '2026-03-20'")
    con.close()
    serve(replace(small_warehouse, path=path))
    at = run_app("leadership", "overview")
    picker = at.selectbox(key="overview_month")
    assert picker.value == pd.Timestamp(FEBRUARY)  # the newest complete month
    assert "March 2026 (partial)" in picker.options
    picker.set_value(pd.Timestamp(MARCH)).run()
    assert "partial month (data up to 17 March 2026)" in texts_of(at)


def test_a_missing_mart_is_explained_on_the_page(serve, small_warehouse, tmp_path):
    path = tmp_path / "no-prs.duckdb"
    shutil.copy(small_warehouse.path, path)
    con = duckdb.connect(str(path))
    con.execute("drop table marts.fct_pull_requests")
    con.execute("drop table marts.fct_ai_usage_daily")
    con.close()
    fx = serve(replace(small_warehouse, path=path))
    for page in ("overview", "teams", "cost_calculator", "data_quality"):
        at = run_app("engineer", page, employee=fx.key_in("t-pay"))
        assert not at.exception
    at = run_app("engineer", "teams", employee=fx.key_in("t-pay"))
    assert "marts.fct_ai_usage_daily" in at.info[-1].value
    at = run_app("leadership", "overview")
    assert metrics_of(at)["Merged PRs"] == f"{month_rows(fx, MARCH).merged_prs.sum():,}"


def test_a_small_top_tier_hides_its_flagged_share(serve, full_warehouse, tmp_path):
    path = tmp_path / "small-top.duckdb"
    shutil.copy(full_warehouse.path, path)
    con = duckdb.connect(str(path))
    # ranks 3-6 drop to the middle tier: the top tier is 2 people, the middle 12, bottom 15
    con.execute(
        "update marts.fct_token_leaderboard set tier = 'middle', tier_order = 2 "
        "where token_rank between 3 and 6"
    )
    con.execute("update marts.fct_leaderboard_summary set top_tier_people = 2")
    con.close()
    serve(replace(full_warehouse, path=path))
    at = run_app("leadership", "leaderboard")
    shown = metrics_of(at)
    # Privacy by subtraction (issue 24): neither the headline's size nor its share, and the
    # tier table hides another tier with it, so "everyone minus the shown tiers" gives nothing.
    assert shown["Top tier flagged for gaming"] == "–"
    assert shown["People in the top tier"] == "–"
    tiers = frame_with(at, "flagged_share").set_index("tier")
    assert pd.isna(tiers.loc["top"].people) and pd.isna(tiers.loc["top"].flagged)
    assert tiers.people.isna().sum() >= 2
    at = run_app("hr", "leaderboard")
    assert metrics_of(at)["Top tier flagged for gaming"] != "–"
    assert metrics_of(at)["People in the top tier"] == "2"
