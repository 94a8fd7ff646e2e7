"""2 Teams: value per token by team, spend vs outcome quadrant, and a team drill-down."""

import pandas as pd
import streamlit as st

from mileage.app import charts, data, labels, metrics, ranking, ui
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

RANK_CONFIG = {
    "headcount": st.column_config.NumberColumn("People", format="%d"),
    "rank": st.column_config.NumberColumn("Rank", format="%d"),
    "team_name": "Team",
    "org": "Org",
    "ai_active_people": st.column_config.NumberColumn("Using AI", format="%d"),
    "total_tokens": st.column_config.NumberColumn("Tokens", format="compact"),
    "token_cost_usd": st.column_config.NumberColumn("Spend (USD)", format="dollar"),
    "merged_prs": st.column_config.NumberColumn("Merged PRs", format="%d"),
    "reason": "Why it is not ranked",
    "note": "Note",
}


def ranking_section(shown: pd.DataFrame, months: pd.DataFrame, month, *, picked: bool) -> None:
    """Teams ranked by value per token or per dollar among teams with enough usage, shrunk
    toward the organisation's figure (mileage.app.ranking), with movers since last month."""
    measure = st.radio(
        "Rank by",
        list(ranking.MEASURES),
        format_func=lambda m: labels.label(ranking.MEASURES[m].key),
        horizontal=True,
        key="teams_rank_by",
    )
    spec = ranking.MEASURES[measure]
    fig = labels.figure(spec.key)
    ranked, below, prior = ranking.rank_teams(shown, measure)
    org_figure = None if prior.mean is None else prior.mean
    st.caption(
        f"Ranked: teams with {ranking.minimums_text()} ({len(ranked)} of {len(shown)} teams "
        f"shown). Each dot is the team's estimate, pulled toward the ranked teams' pooled figure "
        f"(dashed line) by as much as its own evidence is thin; the bar is its "
        f"{charts.ranking_interval()}. A team whose bar crosses the line is not clearly "
        "different from the organisation."
    )
    cols = st.columns(3)
    cols[0].metric(
        "Ranked teams together",
        "–" if org_figure is None else format(org_figure, fig.d3.replace("~", "")),
    )
    cols[1].metric("Teams ranked", f"{len(ranked):,}")
    cols[2].metric("Teams below the minimum", f"{len(below):,}")
    if ranked.empty:
        st.write("No team in this selection has enough usage to rank.")
    else:
        if picked or len(ranked) <= 2 * ranking.TOP_AND_BOTTOM:
            view, title = ranked, f"{fig.label}: teams chosen"
        else:
            n = ranking.TOP_AND_BOTTOM
            view = pd.concat([ranked.head(n), ranked.tail(n)])
            title = f"{fig.label}: top {n} and bottom {n} of {len(ranked)} ranked teams"
        view = ui.gate(view, "team_ranking")
        st.altair_chart(
            charts.ranking_dots(
                view, org_figure, labels.axis_title(spec.key), x_format=fig.d3, title=title
            ),
            width="stretch",
        )
        previous = metrics.previous_month(list(months["month_start"].unique()), month)
        if previous is not None:
            before = months[(months["month_start"] == previous) & ~months["is_suppressed"]]
            before = before[before["team_id"].isin(shown["team_id"])]
            earlier, _, _ = ranking.rank_teams(before, measure)
            up, down = ranking.movers(ranked, earlier)
            st.markdown(f"**Movers since {ui.month_label(previous)}** (change of the estimate)")
            left, right = st.columns(2)
            for column, frame, heading in ((left, up, "Up"), (right, down, "Down")):
                with column:
                    st.caption(heading)
                    if frame.empty:
                        st.write("None.")
                        continue
                    ui.table(
                        ui.gate(
                            frame[
                                [
                                    "team_name",
                                    "estimate_before",
                                    "estimate",
                                    "change",
                                    "rank",
                                    "ai_active_people",
                                ]
                            ],
                            "team_ranking",
                        ).drop(
                            columns=["ai_active_people", "is_suppressed", "note"], errors="ignore"
                        ),
                        f"mileage_movers_{heading.lower()}_{month:%Y-%m}.csv",
                        column_config={
                            "team_name": "Team",
                            "org": "Org",
                            "estimate_before": st.column_config.NumberColumn(
                                ui.month_label(previous), format=fig.column
                            ),
                            "estimate": st.column_config.NumberColumn(
                                ui.month_label(month), format=fig.column
                            ),
                            "change": st.column_config.NumberColumn("Change", format=fig.column),
                            "rank": st.column_config.NumberColumn("Rank now", format="%d"),
                        },
                    )
        by_org = ranked.groupby("org", as_index=False).agg(
            teams=("team_id", "nunique"),
            merged_prs=("merged_prs", "sum"),
            exposure=(spec.exposure, "sum"),
            best=("rank", "min"),
        )
        by_org["pooled"] = by_org["merged_prs"] / by_org["exposure"] * spec.scale
        with st.expander(f"By org: {fig.label.lower()} of each org's ranked teams, pooled"):
            st.altair_chart(
                charts.team_bars(
                    by_org, "pooled", labels.axis_title(spec.key), x_format=fig.d3, label="org"
                ),
                width="stretch",
            )
        with st.expander(f"Every ranked team ({len(ranked)})"):
            ui.table(
                ui.gate(ranked, "team_ranking").drop(columns=["team_id", "weight"]),
                f"mileage_team_ranking_{measure}_{month:%Y-%m}.csv",
                column_config={
                    **RANK_CONFIG,
                    "raw": st.column_config.NumberColumn(f"Raw ({fig.unit})", format=fig.column),
                    "estimate": st.column_config.NumberColumn(
                        f"Estimate ({fig.unit})", format=fig.column
                    ),
                    "low": st.column_config.NumberColumn("Interval low", format=fig.column),
                    "high": st.column_config.NumberColumn("Interval high", format=fig.column),
                },
            )
    if not below.empty:
        with st.expander(
            f"Not ranked: {len(below)} team{'' if len(below) == 1 else 's'} below the minimum usage"
        ):
            st.caption(
                f"A team is ranked with {ranking.minimums_text()}. Below that, one merged PR "
                "moves its ratio more than anything it did with AI."
            )
            ui.table(
                ui.gate(below, "team_below_minimum").drop(columns=["team_id"]),
                f"mileage_teams_not_ranked_{month:%Y-%m}.csv",
                column_config=RANK_CONFIG,
            )


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
controls = st.columns([1, 1, 2])
with controls[0]:
    usage = data.usage_window(wh) if wh.has_table("marts.fct_ai_usage_daily") else None
    last_day = None if usage is None or usage.empty else usage.at[0, "last_day"]
    month = ui.month_picker(months_all["month_start"], key="teams_month", last_day=last_day)
orgs = sorted(months_all["org"].dropna().unique())
with controls[1]:
    org_choice = (
        st.selectbox("Org", ["All orgs", *orgs], key="teams_org")
        if viewer.role.all_teams and len(orgs) > 1
        else "All orgs"
    )
in_org = (
    names.index
    if org_choice == "All orgs"
    else names.index[names.index.isin(months_all.loc[months_all["org"] == org_choice, "team_id"])]
)
with controls[2]:
    if viewer.role.all_teams:
        # Empty by default: at 180 teams the page shows the top and bottom of the ranking and
        # the movers; picking teams here narrows every chart and table to them.
        chosen = st.multiselect(
            "Teams",
            options=list(in_org),
            default=[],
            format_func=names.get,
            key="teams_filter",
            placeholder="Search teams (empty: all, charts show the top and bottom)",
        )
    else:
        chosen = []
        st.text_input(
            "Team", value=", ".join(names), disabled=True, help="Engineers see their own team."
        )
picked = bool(chosen)
chosen = chosen or list(in_org)

selected = months_all[months_all["team_id"].isin(chosen)]
current = selected[selected["month_start"] == month].sort_values("team_name")
hidden = current[current["is_suppressed"]]
shown = current[~current["is_suppressed"]]

if not hidden.empty:
    names_hidden = [
        f"**{n}** ({note})" for n, note in zip(hidden.team_name, hidden.note, strict=True)
    ]
    more = len(names_hidden) - ui.LIST_LIMIT
    st.info(
        ":material/visibility_off: Figures hidden for "
        + "; ".join(names_hidden[: ui.LIST_LIMIT])
        + (f"; and {more} more teams (see the table)" if more > 0 else "")
        + "."
    )

st.subheader(f"Value per token, {ui.month_label(month)}")
if shown.empty:
    st.write("No team figures to show for this selection.")
elif not viewer.role.all_teams:
    per_token = shown.dropna(subset=["merged_prs_per_million_tokens"]).assign(
        merged_prs_per_billion_tokens=lambda f: (
            f["merged_prs_per_million_tokens"] * labels.PER_BILLION
        )
    )
    st.altair_chart(
        charts.team_bars(
            per_token,
            "merged_prs_per_billion_tokens",
            labels.axis_title("merged_prs_per_billion_tokens"),
            x_format=labels.figure("merged_prs_per_billion_tokens").d3,
        ),
        width="stretch",
    )
else:
    # Rows hidden only in their usage figures (fewer than 5 people using AI) are below the
    # ranking's minimum and listed with that reason; wholly hidden teams are named above.
    ranking_section(current[current["headcount"].notna()], months_all, month, picked=picked)

table_columns = ["team_name", "org", "headcount", *VALUE_COLUMNS, "note"]
ui.table(
    current[table_columns],
    f"mileage_teams_{month:%Y-%m}.csv",
    column_config=COLUMN_CONFIG,
)

if viewer.role.all_teams:
    st.subheader("Fuel vs mileage: spend against outcome")
    placed, x_median, y_median = quadrants(shown)
    if len(placed) < 2:
        st.write("At least two teams with figures are needed for the quadrant.")
    else:
        st.caption(
            "Dashed lines are the medians of the teams shown. Top left gets the most outcome "
            "for its fuel; **bottom right (red) burns the most for the least**. Only the teams "
            "farthest from the medians are named; hover any dot for its team."
        )
        st.altair_chart(charts.spend_outcome_quadrant(placed, x_median, y_median), width="stretch")
        flagged = placed[placed["quadrant"] == "High spend, low outcome"].sort_values(
            "token_cost_usd", ascending=False
        )
        if not flagged.empty:
            named = flagged.head(ui.LIST_LIMIT)
            more = len(flagged) - len(named)
            st.markdown(
                "High spend, low outcome this month: "
                + ", ".join(
                    f"**{n}** ({fmt_usd(c)})"
                    for n, c in zip(named.team_name, named.token_cost_usd, strict=True)
                )
                + (
                    f", and {more} more (largest spend first; the table lists every team)"
                    if more > 0
                    else ""
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
