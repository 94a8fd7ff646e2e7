"""4 Leaderboard replay: what a token leaderboard would have shown, and why it misleads.

The only page where anything is ranked by tokens. Leadership sees tiers, not people; an
engineer sees their own row; HR sees the people.
"""

import pandas as pd
import streamlit as st

from mileage.app import charts, data, ui, vouching
from mileage.app.metrics import fmt_count, fmt_pct, fmt_ratio, rank_correlation, safe_ratio
from mileage.app.privacy import present_people

ctx = ui.context("leaderboard")
wh, viewer = ctx.wh, ctx.viewer

st.title("Leaderboard replay")
vouching.warn_not_vouched(wh, "marts.fct_token_leaderboard", "marts.fct_leaderboard_summary")
st.caption(
    "Some companies rank people by tokens burned. This page replays what such a leaderboard "
    "would have shown on our own data, next to the outcome ranks, to show why it misleads: "
    "tokens reward burning, and the top tiers fill up with people gaming the meter."
)

board = ui.later_table(wh, "token_leaderboard", "The token leaderboard replay is")
summary = None
if wh.has_table(data.LATER_TABLES["leaderboard_summary"]):
    summary = data.later_table(wh, "leaderboard_summary")
if board is None or board.empty:
    if board is not None:
        st.info("The leaderboard replay is empty.")
    st.stop()

board["month_start"] = pd.to_datetime(board["month_start"])
month = ui.month_picker(
    board["month_start"], key="leaderboard_month", last_day=ui.last_usage_day(wh)
)
ranks = board[board["month_start"] == month].copy()

row = None
if summary is not None and not summary.empty:
    summary["month_start"] = pd.to_datetime(summary["month_start"])
    match = summary[summary["month_start"] == month]
    row = None if match.empty else match.iloc[0]
correlation = (
    row["rank_correlation"]
    if row is not None
    else rank_correlation(ranks["token_rank"], ranks["outcome_rank"])
)

order = (
    ranks.groupby("tier")["tier_order"].min()
    if "tier_order" in ranks.columns
    else -ranks.groupby("tier")["token_rank"].median()
)
tiers = (
    ranks.groupby("tier")
    .agg(
        people=("employee_key", "nunique"),
        total_tokens=("total_tokens", "sum"),
        median_token_rank=("token_rank", "median"),
        median_outcome_rank=("outcome_rank", "median"),
        flagged=("is_flagged", "sum"),
    )
    .reset_index()
)
tiers = tiers.assign(_order=tiers["tier"].map(order)).sort_values("_order", ascending=False)
tiers = tiers.drop(columns="_order").reset_index(drop=True)
tiers["flagged_share"] = [
    safe_ratio(f, p) for f, p in zip(tiers.flagged, tiers.people, strict=True)
]
# Tiers add up to everyone on the board: a hidden tier is hidden with another, and the
# headline's top tier is the table's top row, hidden when it is.
tiers = ui.gate(tiers, "leaderboard_tiers")
top = tiers.iloc[0] if not tiers.empty else None
top_hidden = top is None or bool(top["is_suppressed"])
tiers = tiers.drop(columns=["is_suppressed"])

cols = st.columns(3)
cols[0].metric(
    "Rank correlation, tokens vs outcome",
    fmt_ratio(ui.figure(correlation, ranks["employee_key"].nunique())),
    help="Spearman: 1 would mean the token leaderboard ranks people by what they "
    "deliver; near 0 means it ranks something else.",
)
if row is not None:
    if top_hidden and not viewer.role.person_level:
        hidden = f"Hidden with the top tier: {top['note'] if top is not None else viewer.note}."
        cols[1].metric("People in the top tier", "–", help=hidden)
        cols[2].metric("Top tier flagged for gaming", "–", help=hidden)
    else:
        cols[1].metric("People in the top tier", fmt_count(row["top_tier_people"]))
        cols[2].metric("Top tier flagged for gaming", fmt_pct(row["top_tier_flagged_share"]))

st.subheader(f"Tiers, {ui.month_label(month)}")
left, right = st.columns(2)
with left:
    st.altair_chart(charts.tier_flagged_share(tiers), width="stretch")
with right:
    if summary is not None and len(summary) > 1:
        st.altair_chart(
            charts.monthly_line(
                summary.sort_values("month_start"),
                "rank_correlation",
                "Spearman correlation",
                title="Rank correlation, tokens vs outcome, by month",
            ),
            width="stretch",
        )
ui.table(
    tiers,
    f"mileage_leaderboard_tiers_{month:%Y-%m}.csv",
    column_config={
        "tier": "Tier",
        "people": "People",
        "total_tokens": st.column_config.NumberColumn("Tokens", format="compact"),
        "median_token_rank": st.column_config.NumberColumn("Median token rank", format="%.0f"),
        "median_outcome_rank": st.column_config.NumberColumn("Median outcome rank", format="%.0f"),
        "flagged": "Flagged",
        "flagged_share": st.column_config.NumberColumn("Flagged share", format="percent"),
        "note": "Note",
    },
)

if viewer.role.person_level:
    people = present_people(
        ranks,
        viewer,
        data.identities(wh)
        if viewer.role.sees_names and wh.has_table("restricted.employee_identities")
        else None,
    )
    st.subheader("Token rank against outcome rank")
    st.altair_chart(charts.rank_scatter(people), width="stretch")
    ui.table(people.sort_values("token_rank"), f"mileage_leaderboard_{month:%Y-%m}.csv")
elif viewer.employee_key:
    mine = ui.own_rows(ranks)
    st.subheader("Where the leaderboard would have put you")
    if mine.empty:
        st.write("You are not on this month's replay.")
    else:
        me = mine.iloc[0]
        st.markdown(
            f"By tokens you would have ranked **#{int(me.token_rank)}** (tier "
            f"**{me.tier}**); by what you delivered, **#{int(me.outcome_rank)}**."
        )
