"""5 Incentive lab (HR): bonus schemes compared on the company's own data."""

import pandas as pd
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


def scheme_column(frame: pd.DataFrame) -> str | None:
    return next((c for c in SCHEME_COLUMNS if c in frame.columns), None)


comparison = ui.later_table(wh, "scheme_comparison", "The scheme comparison is")
payouts = ui.later_table(wh, "bonus_payouts", "Bonus payouts are")

chosen = None
if comparison is not None and not comparison.empty:
    column = scheme_column(comparison)
    if column:
        options = sorted(comparison[column].astype(str).unique())
        chosen = st.multiselect("Schemes", options, default=options, key="lab_schemes")
        comparison = comparison[comparison[column].astype(str).isin(chosen)]
    st.subheader("Schemes compared")
    ui.table(comparison, "mileage_scheme_comparison.csv")

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
    shown = present_people(payouts, viewer, identities) if "employee_key" in payouts else payouts
    ui.table(shown, "mileage_bonus_payouts.csv")

st.caption(
    "Editing scheme parameters here arrives with the incentive engine; until then the lab "
    "shows the schemes as the last build computed them."
)
