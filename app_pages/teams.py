"""2 Teams: value per token by team, spend vs outcome quadrant, and a team drill-down."""

import pandas as pd
import streamlit as st

from mileage.app import charts, data, ui
from mileage.app.metrics import fmt_count, fmt_usd, quadrants
from mileage.app.privacy import short_key

ctx = ui.context("teams")
wh, viewer = ctx.wh, ctx.viewer

VALUE_COLUMNS = list(data.FIGURES["team_months"].values)
COLUMN_CONFIG = {
    "team_name": "Team",
    "org": "Org",
    "month_start": st.column_config.DateColumn("Month", format="MMM YYYY"),
    "headcount": "People",
    "ai_active_people": "Using AI",
    "total_tokens": st.column_config.NumberColumn("Tokens", format="compact"),
    "token_cost_usd": st.column_config.NumberColumn("Spend (USD)", format="dollar"),
    "merged_prs": "Merged PRs",
    "merged_prs_per_million_tokens": st.column_config.NumberColumn(
        "Merged PRs / M tokens", format="%.2f"
    ),
    "cost_per_merged_pr_usd": st.column_config.NumberColumn(
        "Spend / merged PR (USD)", format="dollar"
    ),
    "median_cycle_time_hours": st.column_config.NumberColumn(
        "Median cycle time (h)", format="%.1f"
    ),
    "bugs": "Bugs",
    "bugs_per_merged_pr": st.column_config.NumberColumn("Bugs / merged PR", format="%.3f"),
    "roadmap_attainment": st.column_config.NumberColumn("Roadmap attainment", format="percent"),
    "outcome_score": st.column_config.NumberColumn("Outcome score", format="%.2f"),
    "note": "Note",
}

st.title("Teams")
st.caption(
    "Value per token by team, where spend buys outcome and where it does not. "
    f"Figures for groups of {ctx.viewer.note} are hidden for roles without person-level access."
)

raw = data.team_months(wh)
if raw.empty:
    st.info("The warehouse has no team months yet.")
    st.stop()
raw["month_start"] = pd.to_datetime(raw["month_start"])
# Suppression is decided over every team of a month (the organisation total is shown
# elsewhere), then the viewer's own filter applies.
months_all = ui.gate(raw, "team_months")
months_all = months_all[months_all["team_id"].map(viewer.may_see_team)]
if months_all.empty:
    st.info("No team figures are visible to you.")
    st.stop()

names = (
    months_all.sort_values("team_name").drop_duplicates("team_id").set_index("team_id")["team_name"]
)
controls = st.columns([1, 3])
with controls[0]:
    usage = data.usage_window(wh) if wh.has_table("marts.fct_ai_usage_daily") else None
    last_day = None if usage is None or usage.empty else usage.at[0, "last_day"]
    month = ui.month_picker(months_all["month_start"], key="teams_month", last_day=last_day)
with controls[1]:
    if viewer.role.all_teams:
        chosen = st.multiselect(
            "Teams",
            options=list(names.index),
            default=list(names.index),
            format_func=names.get,
            key="teams_filter",
        )
    else:
        chosen = list(names.index)
        st.text_input(
            "Team", value=", ".join(names), disabled=True, help="Engineers see their own team."
        )

selected = months_all[months_all["team_id"].isin(chosen)]
current = selected[selected["month_start"] == month].sort_values("team_name")
hidden = current[current["is_suppressed"]]
shown = current[~current["is_suppressed"]]

if not hidden.empty:
    st.info(
        ":material/visibility_off: Figures hidden for "
        + "; ".join(
            f"**{n}** ({note})" for n, note in zip(hidden.team_name, hidden.note, strict=True)
        )
        + "."
    )

st.subheader(f"Value per token, {ui.month_label(month)}")
if shown.empty:
    st.write("No team figures to show for this selection.")
else:
    per_token = shown.dropna(subset=["merged_prs_per_million_tokens"])
    st.altair_chart(
        charts.team_bars(
            per_token,
            "merged_prs_per_million_tokens",
            "Merged PRs per million tokens (PRs / M tokens)",
        ),
        width="stretch",
    )

table_columns = ["team_name", "org", "headcount", *VALUE_COLUMNS, "note"]
ui.table(current[table_columns], f"mileage_teams_{month:%Y-%m}.csv", column_config=COLUMN_CONFIG)

if viewer.role.all_teams:
    st.subheader("Fuel vs mileage: spend against outcome")
    placed, x_median, y_median = quadrants(shown)
    if len(placed) < 2:
        st.write("At least two teams with figures are needed for the quadrant.")
    else:
        st.caption(
            "Dashed lines are the medians of the teams shown. Top left gets the most outcome "
            "for its fuel; **bottom right (red) burns the most for the least**."
        )
        st.altair_chart(charts.spend_outcome_quadrant(placed, x_median, y_median), width="stretch")
        flagged = placed[placed["quadrant"] == "High spend, low outcome"]
        if not flagged.empty:
            st.markdown(
                "High spend, low outcome this month: "
                + ", ".join(
                    f"**{n}** ({fmt_usd(c)})"
                    for n, c in zip(flagged.team_name, flagged.token_cost_usd, strict=True)
                )
            )

st.subheader("Team drill-down")
drill_options = [t for t in names.index if t in chosen] or list(names.index)
team_id = st.selectbox("Team", drill_options, format_func=names.get, key="teams_drilldown")
trend = months_all[months_all["team_id"] == team_id].sort_values("month_start")
visible_trend = trend[~trend["is_suppressed"]]
if visible_trend.empty:
    st.warning(f"{names[team_id]}: figures hidden in every month ({trend['note'].iloc[0]}).")
else:
    if len(visible_trend) < len(trend):
        st.caption(
            f"{len(trend) - len(visible_trend)} month(s) hidden: "
            + ", ".join(sorted(set(trend.loc[trend.is_suppressed, "note"])))
        )
    ui.trend_grid(
        visible_trend,
        [
            "merged_prs_per_million_tokens",
            "token_cost_usd",
            "merged_prs",
            "median_cycle_time_hours",
            "bugs_per_merged_pr",
            "outcome_score",
        ],
    )
ui.table(
    trend[["month_start", "team_name", "headcount", *VALUE_COLUMNS, "note"]],
    f"mileage_team_{team_id}_months.csv",
    column_config=COLUMN_CONFIG,
)

if viewer.employee_key:
    st.subheader("Your own figures")
    st.caption(
        f"Only you see these ({short_key(viewer.employee_key)}). They are not ranked against "
        "anyone."
    )
    mine = ui.own_rows(
        data.person_months(wh, viewer.employee_key).assign(employee_key=viewer.employee_key)
    ).drop(columns="employee_key")
    if mine.empty:
        st.write("No usage or merged pull requests of yours in the warehouse.")
    else:
        mine["month_start"] = pd.to_datetime(mine["month_start"])
        latest = mine.iloc[-1]
        cols = st.columns(3)
        cols[0].metric(
            f"Your tokens, {ui.month_label(latest.month_start)}", fmt_count(latest.total_tokens)
        )
        cols[1].metric("Your token spend", fmt_usd(latest.token_cost_usd))
        cols[2].metric("Your merged PRs", fmt_count(latest.merged_prs))
        ui.table(
            mine,
            "mileage_my_months.csv",
            column_config={
                "month_start": st.column_config.DateColumn("Month", format="MMM YYYY"),
                "total_tokens": st.column_config.NumberColumn("Tokens", format="compact"),
                "token_cost_usd": st.column_config.NumberColumn("Spend (USD)", format="dollar"),
                "merged_prs": "Merged PRs",
                "median_cycle_time_hours": st.column_config.NumberColumn(
                    "Median cycle time (h)", format="%.1f"
                ),
            },
        )
