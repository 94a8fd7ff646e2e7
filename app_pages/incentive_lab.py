"""5 Incentive lab (HR): bonus schemes compared on the company's own data."""

import altair as alt
import streamlit as st

from mileage.app import data, ui
from mileage.app.privacy import present_people

ctx = ui.context("incentive_lab")
wh, viewer = ctx.wh, ctx.viewer

SCHEME_COLUMNS = ("scheme", "scheme_id", "scheme_name")

st.title("Incentive lab")
st.caption(
    "Bonus schemes side by side: what each pays, to whom, what it costs, how fair it is, and "
    "how it holds up when people game the meter (the Goodhart stress test)."
)


def scheme_column(frame) -> str | None:
    return next((c for c in SCHEME_COLUMNS if c in frame.columns), None)


def scheme_bars(frame, column: str, value: str, title: str, fmt: str) -> alt.Chart:
    return (
        alt.Chart(frame.dropna(subset=[value]))
        .mark_bar()
        .encode(
            x=alt.X(f"{value}:Q", title=title, axis=alt.Axis(format=fmt)),
            y=alt.Y(f"{column}:N", title="Scheme", sort="-x", axis=alt.Axis(labelLimit=220)),
            tooltip=[
                alt.Tooltip(f"{column}:N", title="Scheme"),
                alt.Tooltip(f"{value}:Q", title=title, format=fmt),
            ],
        )
        .properties(height=max(140, 36 * len(frame)))
    )


comparison = ui.later_table(wh, "scheme_comparison", "The scheme comparison is")
payouts = ui.later_table(wh, "bonus_payouts", "Bonus payouts are")
stress = None
if wh.has_table(data.LATER_TABLES["goodhart_stress_test"]):
    stress = data.later_table(wh, "goodhart_stress_test")

chosen = None
if comparison is not None and not comparison.empty:
    column = scheme_column(comparison)
    if column:
        options = sorted(comparison[column].astype(str).unique())
        chosen = st.multiselect("Schemes", options, default=options, key="lab_schemes")
        comparison = comparison[comparison[column].astype(str).isin(chosen)]
    st.subheader("Schemes compared")
    if column and not comparison.empty:
        left, right = st.columns(2)
        if "total_cost_usd" in comparison.columns:
            left.altair_chart(
                scheme_bars(comparison, column, "total_cost_usd", "Total cost (USD)", "$,.0f"),
                width="stretch",
            )
        if "flagged_share" in comparison.columns:
            right.altair_chart(
                scheme_bars(
                    comparison,
                    column,
                    "flagged_share",
                    "Share of the payout going to people flagged for gaming",
                    ".0%",
                ),
                width="stretch",
            )
    ui.table(comparison, "mileage_scheme_comparison.csv")

if stress is not None and not stress.empty:
    column = scheme_column(stress)
    if column and chosen is not None:
        stress = stress[stress[column].astype(str).isin(chosen)]
    st.subheader("Goodhart stress test")
    st.caption(
        "A share of people play a gaming tactic while real delivery stays the same: a scheme "
        "that pays for delivery barely moves, one that pays for tokens moves a lot."
    )
    if column and {"tactic", "gamers_gain_usd"} <= set(stress.columns):
        st.altair_chart(
            alt.Chart(stress)
            .mark_bar()
            .encode(
                x=alt.X(
                    "gamers_gain_usd:Q",
                    title="What the gamers gain (USD)",
                    axis=alt.Axis(format="$,.0f"),
                ),
                y=alt.Y(f"{column}:N", title="Scheme"),
                color=alt.Color("tactic:N", title="Gaming tactic"),
                yOffset="tactic:N",
                tooltip=[
                    c
                    for c in (column, "tactic", "gamers_gain_usd", "summary")
                    if c in stress.columns
                ],
            )
            .properties(height=max(160, 24 * len(stress))),
            width="stretch",
        )
    ui.table(stress, "mileage_goodhart_stress_test.csv")

if payouts is not None and not payouts.empty:
    column = scheme_column(payouts)
    if column and chosen is not None:
        payouts = payouts[payouts[column].astype(str).isin(chosen)]
    st.subheader("Payouts")
    identities = (
        data.identities(wh)
        if viewer.role.sees_names and wh.has_table("restricted.employee_identities")
        else None
    )
    shown = payouts.drop(columns=[c for c in ("payout_id",) if c in payouts.columns])
    if "team_id" in shown.columns:
        teams = data.teams(wh).set_index("team_id")["team_name"]
        shown.insert(list(shown.columns).index("team_id"), "team_name", shown["team_id"].map(teams))
    if "employee_key" in shown.columns:
        shown = present_people(shown, viewer, identities, missing_label="team pool")
    ui.table(shown, "mileage_bonus_payouts.csv")

st.caption(
    "Editing scheme parameters here arrives with the next version of this page; until then "
    "the lab shows the schemes in `schemes/` as the last build evaluated them."
)
