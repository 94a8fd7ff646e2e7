"""1 Overview: organisation-level value per token and per dollar, and what changed."""

import pandas as pd
import streamlit as st

from mileage.app import charts, data, metrics, ui
from mileage.app.metrics import (
    compare_months,
    fmt_delta,
    fmt_metric,
    fmt_pct,
    is_complete_month,
    previous_month,
    roadmap_quarter,
    safe_ratio,
    six_month_trend,
    verdict,
)

ctx = ui.context("overview")


def attainment_spread(month, label: str, target: float) -> None:
    """Each team's roadmap attainment for the quarter: the organisation's ratio of sums can hide
    a team far under plan behind one far over it."""
    teams = ui.gate(data.team_months(wh), "team_months")
    teams = teams[pd.to_datetime(teams["month_start"]) == month].dropna(
        subset=["roadmap_attainment"]
    )
    if teams.empty:
        return
    st.altair_chart(
        charts.attainment_spread(teams, target, title=f"{label}: each team's attainment"),
        width="stretch",
    )
    under = int((teams["roadmap_attainment"] < metrics.UNDER_PLAN * target).sum())
    where = "of their planned points" if target >= 1 else f"of pace ({target:.0%} by now)"
    st.caption(
        f"{under} of {len(teams)} teams shown delivered under {metrics.UNDER_PLAN:.0%} {where} "
        "(dashed line: where the quarter should be). The organisation's figure is all "
        "delivered points over all planned points, so a team over plan can hide one under it. "
        "Teams with hidden figures are left out."
    )


wh, viewer = ctx.wh, ctx.viewer

st.title("Overview")
st.caption(
    "What AI assistance delivers for the whole organisation, per token and per dollar. "
    "Figures cover usage attributed to a team; ratios are computed from organisation totals."
)

org = data.org_months(wh)
if not org.empty:
    org = ui.gate(org, "org_months")
if org.empty:
    st.info("The warehouse has no team months yet.")
    st.stop()

has_usage = wh.has_table("marts.fct_ai_usage_daily")
usage = data.usage_window(wh) if has_usage else None
last_day = None if usage is None or usage.empty else usage.at[0, "last_day"]
month = ui.month_picker(org["month_start"], key="overview_month", last_day=last_day)
row = org[org["month_start"] == month].iloc[0]
if row["is_suppressed"]:
    st.warning(f"Organisation figures are hidden for this month: {viewer.note}.")
    st.stop()

changes = compare_months(org, month)
prev = previous_month(list(org["month_start"]), month)
partial = not is_complete_month(month, last_day)
heading = ui.month_label(month)
heading += f" compared with {ui.month_label(prev)}" if prev is not None else " (no earlier month)"
st.subheader(heading)
if partial:
    st.caption(
        f":material/info: {ui.month_label(month)} is a partial month (data up to "
        f"{pd.Timestamp(last_day):%d %B %Y}): totals are not comparable with a full month; "
        "ratios are."
    )

first = st.columns(4)
for column, key in zip(
    first,
    ("merged_prs_per_million_tokens", "merged_prs_per_1k_usd", "token_cost_usd", "merged_prs"),
    strict=True,
):
    with column:
        ui.metric(changes[key])
second = st.columns(4)
for column, key in zip(second[:2], ("median_cycle_time_hours", "bugs_per_merged_pr"), strict=True):
    with column:
        ui.metric(changes[key])
quarter = roadmap_quarter(org, month, last_day)
with second[2]:
    st.metric(
        quarter.label,
        fmt_metric("roadmap_attainment", quarter.value),
        delta=quarter.delta,
        delta_color="normal",
        help="Delivered over planned points of every team's roadmap items in the quarter.",
    )
with second[3]:
    ui.metric(
        changes["total_tokens"], help="Attributed tokens, all providers, cache reads included."
    )

if prev is not None:
    st.markdown(verdict(changes, ui.month_label(prev), partial=partial))
trend = six_month_trend(org, month, "merged_prs", "total_tokens", 1e9)
if trend is not None and None not in trend[:2]:
    first, last, since, until = trend
    moved = changes["merged_prs_per_million_tokens"]
    direction = (
        "held steady"
        if abs(last - first) < metrics.STEADY_WITHIN * first
        else "rose"
        if last > first
        else "fell"
    )
    st.markdown(
        f"**Is it improving?** Over six months, merged PRs per billion tokens {direction}: "
        f"{first:,.0f} in {since:%b}–{(since + pd.DateOffset(months=2)):%b %Y} against "
        f"{last:,.0f} in {(until - pd.DateOffset(months=2)):%b}–{until:%b %Y} (pooled over "
        f"each three months; this month {fmt_delta(moved) or 'has no earlier month'})."
    )
if quarter.verdict:
    st.markdown(quarter.verdict)

if has_usage:
    spend = data.usage_window(wh).at[0, "list_cost_usd"]
    loose = data.unattributed_usage(wh)
    # one leaver's key is one person's spend
    unattributed = ui.figure(safe_ratio(loose.at[0, "list_cost_usd"], spend), loose.at[0, "people"])
    if unattributed:
        st.caption(
            f"{fmt_pct(unattributed)} of all list-price spend is not attributed to anyone and is "
            "left out of these figures: see Data quality."
        )

st.divider()
# Trends over the last twelve months up to the chosen month: long enough to see a direction.
recent = org[
    (org["month_start"] <= month) & (org["month_start"] > month - pd.DateOffset(months=12))
]
st.caption(
    f"Trends: the twelve months to {ui.month_label(month)}"
    + (" (the last one partial)" if partial else "")
    + "."
)
ui.trend_grid(
    recent,
    ["merged_prs_per_million_tokens", "merged_prs_per_1k_usd", "token_cost_usd", "total_tokens"],
)
outcomes = recent.melt(
    id_vars="month_start",
    value_vars=["merged_prs", "bugs"],
    var_name="measure",
    value_name="count",
).replace({"measure": {"merged_prs": "Merged PRs", "bugs": "Bugs"}})
left, right = st.columns(2)
with left:
    st.altair_chart(
        charts.monthly_line(
            outcomes,
            "count",
            "Count per month",
            color="measure",
            color_title="Measure",
            y_format=",.0f",
            title="Delivery: merged PRs and bugs",
        ),
        width="stretch",
    )
with right:
    st.altair_chart(charts.trend(recent, "median_cycle_time_hours"), width="stretch")
ui.trend_grid(recent, ["bugs_per_merged_pr", "roadmap_attainment"])
attainment_spread(month, quarter.label, quarter.target)

st.subheader("Organisation months")
table = org[
    [
        "month_start",
        "teams",
        "headcount",
        "total_tokens",
        "token_cost_usd",
        "merged_prs",
        "merged_prs_per_million_tokens",
        "merged_prs_per_1k_usd",
        "median_cycle_time_hours",
        "bugs",
        "bugs_per_merged_pr",
        "roadmap_attainment",
    ]
].sort_values("month_start", ascending=False)
ui.table(
    table,
    "mileage_org_months.csv",
    column_config={
        "month_start": st.column_config.DateColumn("Month", format="MMM YYYY"),
        "teams": "Teams",
        "headcount": "People",
        "total_tokens": st.column_config.NumberColumn("Tokens", format="compact"),
        "token_cost_usd": st.column_config.NumberColumn("Spend (USD)", format="dollar"),
        "merged_prs": "Merged PRs",
        "merged_prs_per_million_tokens": st.column_config.NumberColumn(
            "Merged PRs / M tokens", format="%.2f"
        ),
        "merged_prs_per_1k_usd": st.column_config.NumberColumn("Merged PRs / $1k", format="%.2f"),
        "median_cycle_time_hours": st.column_config.NumberColumn(
            "Median cycle time (h)", format="%.1f"
        ),
        "bugs": "Bugs",
        "bugs_per_merged_pr": st.column_config.NumberColumn("Bugs / merged PR", format="%.3f"),
        "roadmap_attainment": st.column_config.NumberColumn("Roadmap attainment", format="percent"),
    },
)
