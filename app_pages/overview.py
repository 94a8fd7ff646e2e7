"""1 Overview: organisation-level value per token and per dollar, and what changed."""

import pandas as pd
import streamlit as st

from mileage.app import charts, data, ui
from mileage.app.metrics import (
    compare_months,
    fmt_pct,
    is_complete_month,
    previous_month,
    safe_ratio,
)

ctx = ui.context("overview")
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
for column, key in zip(
    second[:3], ("median_cycle_time_hours", "bugs_per_merged_pr", "roadmap_attainment"), strict=True
):
    with column:
        ui.metric(changes[key])
with second[3]:
    ui.metric(
        changes["total_tokens"], help="Attributed tokens, all providers, cache reads included."
    )

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
ui.trend_grid(
    org,
    ["merged_prs_per_million_tokens", "merged_prs_per_1k_usd", "token_cost_usd", "total_tokens"],
)
outcomes = org.melt(
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
    st.altair_chart(charts.trend(org, "median_cycle_time_hours"), width="stretch")
ui.trend_grid(org, ["bugs_per_merged_pr", "roadmap_attainment"])

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
