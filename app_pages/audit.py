"""3 Audit: gaming signals with evidence, client-reported vs billed usage, efficiency audit.

People appear only to roles allowed to see people (HR); engineers see what concerns them;
leadership sees teams and the organisation.
"""

import pandas as pd
import streamlit as st

from mileage.app import charts, data, labels, ui, vouching
from mileage.app.metrics import fmt_people, fmt_ratio, safe_ratio
from mileage.app.privacy import present_people

ctx = ui.context("audit")
wh, viewer = ctx.wh, ctx.viewer

st.title("Audit")
vouching.warn_not_vouched(
    wh, "marts.fct_gaming_signals", "marts.fct_usage_reconciliation", "marts.fct_efficiency_audit"
)
st.caption(
    "Signals that someone is gaming the meter, with their evidence; usage the client reports "
    "against what the vendor bills; and where tokens buy little. "
    + (
        "You see people, with names."
        if viewer.role.sees_names
        else "You see signals about yourself and your team."
        if viewer.employee_key
        else "You see teams and the organisation, never individuals."
    )
)

team_names = data.teams(wh).set_index("team_id")["team_name"]
last_day = ui.last_usage_day(wh)
team_months = data.team_months(wh)
team_months["month_start"] = pd.to_datetime(team_months["month_start"])
identities = (
    data.identities(wh)
    if viewer.role.sees_names and wh.has_table("restricted.employee_identities")
    else None
)


def team_level(frame: pd.DataFrame, month, figures: str) -> pd.DataFrame:
    """Per-team aggregates joined to the team's headcount that month, then gated."""
    heads = team_months.loc[team_months["month_start"] == month, ["team_id", "headcount"]]
    frame = heads.merge(frame, on="team_id", how="left")
    for column in data.FIGURES[figures].values:
        frame[column] = frame[column].fillna(0)
    frame.insert(1, "team_name", frame["team_id"].map(team_names))
    shown = ui.gate(frame, figures)
    return shown[shown["team_id"].map(viewer.may_see_team)]


# ---- gaming signals --------------------------------------------------------------------------
st.subheader("Gaming signals")
signals = ui.later_table(wh, "gaming_signals", "Gaming signals are")
if signals is not None and signals.empty:
    st.success("No gaming signals recorded.")
elif signals is not None:
    signals["month_start"] = pd.to_datetime(signals["month_start"])
    month = ui.month_picker(signals["month_start"], key="audit_month", last_day=last_day)
    in_month = signals[signals["month_start"] == month]
    mine = ui.own_rows(in_month, text=("evidence",))
    if viewer.role.person_level:
        st.caption(
            f"{fmt_people(in_month['employee_key'].nunique())} flagged in {ui.month_label(month)}."
        )
        people = present_people(
            mine.assign(team_name=mine["team_id"].map(team_names)), viewer, identities
        )
        ui.table(
            people.sort_values("score", ascending=False).assign(
                signal=lambda f: f["signal"].map(labels.signal_label)
            ),
            f"mileage_gaming_signals_{month:%Y-%m}.csv",
        )
    else:
        if viewer.employee_key:
            st.markdown("**Signals about you**")
            if mine.empty:
                st.write("None this month.")
            else:
                ui.table(
                    present_people(mine, viewer).assign(
                        signal=lambda f: f["signal"].map(labels.signal_label)
                    ),
                    "mileage_my_signals.csv",
                )
        by_team = (
            in_month.groupby("team_id")
            .agg(people_flagged=("employee_key", "nunique"), signals=("signal", "count"))
            .reset_index()
        )
        st.markdown("**By team**")
        ui.table(
            team_level(by_team, month, "gaming_by_team").drop(columns=["team_id", "is_suppressed"]),
            f"mileage_gaming_signals_by_team_{month:%Y-%m}.csv",
            column_config={
                "team_name": "Team",
                "headcount": "People",
                "people_flagged": "People flagged",
                "signals": "Signals",
                "note": "Note",
            },
        )
    by_signal = (
        in_month.assign(signal=in_month["signal"].map(labels.signal_label))
        .groupby("signal")
        .agg(people=("employee_key", "nunique"), mean_score=("score", "mean"))
        .reset_index()
        .sort_values("people", ascending=False)
    )
    by_signal = ui.gate(by_signal, "gaming_by_signal").drop(columns=["is_suppressed"])
    st.markdown("**By signal, whole organisation**")
    ui.table(
        by_signal,
        f"mileage_gaming_signals_by_signal_{month:%Y-%m}.csv",
        column_config={
            "signal": "Signal",
            "people": "People flagged",
            "mean_score": st.column_config.NumberColumn(
                f"Mean score ({labels.SCORE_UNIT})", format="%.1f"
            ),
            "note": "Note",
        },
    )
    with st.expander("What each signal means"):
        st.markdown(
            labels.glossary(labels.SIGNALS)
            + f"\n\nA score is what was observed over the signal's threshold ({labels.SCORE_UNIT}"
            "): 1.0 is just at it, 2.0 twice it."
        )

# ---- reconciliation --------------------------------------------------------------------------
st.subheader("Reconciliation: client-reported vs billed tokens")
recon = ui.later_table(wh, "usage_reconciliation", "Usage reconciliation is")
if recon is not None and not recon.empty:
    by_status = (
        recon.groupby("status")
        .agg(
            people=("employee_key", "nunique"),
            days=("usage_date", "count"),
            billed_tokens=("billed_tokens", "sum"),
            reported_tokens=("reported_tokens", "sum"),
        )
        .reset_index()
    )
    by_status["reported_per_billed"] = [
        safe_ratio(r, b)
        for r, b in zip(by_status.reported_tokens, by_status.billed_tokens, strict=True)
    ]
    shown = ui.gate(by_status, "reconciliation_by_status").drop(columns=["is_suppressed"])
    overall = ui.figure(
        safe_ratio(recon["reported_tokens"].sum(), recon["billed_tokens"].sum()),
        recon["employee_key"].nunique(),
    )
    st.metric(
        "Client-reported tokens per billed token, all people",
        fmt_ratio(overall),
        help="Tokens the clients' telemetry reported, divided by the tokens the vendor billed "
        "for the same people and days. Honest clients report about what is billed (1.00); 3.00 "
        "means clients reported three times what was billed, which the vendor did not charge.",
    )
    ui.table(
        shown,
        "mileage_reconciliation_by_status.csv",
        column_config={
            "status": "Status",
            "people": "People",
            "days": "Person-days",
            "billed_tokens": st.column_config.NumberColumn("Billed tokens", format="compact"),
            "reported_tokens": st.column_config.NumberColumn("Reported tokens", format="compact"),
            "reported_per_billed": st.column_config.NumberColumn(
                "Reported / billed", format="%.2f"
            ),
            "note": "Note",
        },
    )
    rows = ui.own_rows(recon)
    if not rows.empty:
        st.markdown("**People**" if viewer.role.person_level else "**Your days**")
        ui.table(
            present_people(rows, viewer, identities).sort_values("ratio", ascending=False),
            "mileage_reconciliation_people.csv",
        )
elif recon is not None:
    st.success("Nothing to reconcile.")

# ---- efficiency ------------------------------------------------------------------------------
st.subheader("Efficiency audit")
efficiency = None
if wh.has_table(data.LATER_TABLES["efficiency_audit"]):
    efficiency = data.later_table(wh, "efficiency_audit")
if efficiency is not None and not efficiency.empty:
    st.caption(
        "Where tokens buy the least: spend per outcome point against the organisation's median, "
        "spend growth against outcome growth, and the share of spend by people with gaming "
        "signals."
    )
    efficiency["month_start"] = pd.to_datetime(efficiency["month_start"])
    month = ui.month_picker(
        efficiency["month_start"], key="audit_efficiency_month", last_day=last_day
    )
    shown = ui.gate(efficiency, "efficiency_audit")
    shown = shown[(shown["month_start"] == month) & shown["team_id"].map(viewer.may_see_team)]
    shown.insert(0, "team_name", shown["team_id"].map(team_names))
    ratio = "spend_per_outcome_vs_org_median"
    if ratio in shown.columns and shown[ratio].notna().any():
        st.altair_chart(
            charts.team_bars(
                shown.dropna(subset=[ratio]),
                ratio,
                "Spend per outcome point vs the organisation's median (x)",
            ),
            width="stretch",
        )
        shown = shown.sort_values(ratio, ascending=False)
    ui.table(
        shown.drop(columns=["team_id", "month_start", "is_suppressed"]),
        f"mileage_efficiency_{month:%Y-%m}.csv",
    )
else:
    st.caption(
        "Where tokens buy the least: spend per merged PR and tokens per AI-active person, "
        "against the organisation."
    )
    if team_months.empty:
        st.info("The warehouse has no team months yet.")
    else:
        month = ui.month_picker(
            team_months["month_start"], key="audit_efficiency_month", last_day=last_day
        )
        values = [
            "total_tokens",
            "token_cost_usd",
            "merged_prs",
            "cost_per_merged_pr_usd",
            "tokens_per_ai_active_person",
            "spend_vs_org",
        ]
        frame = team_months.copy()
        frame["tokens_per_ai_active_person"] = [
            safe_ratio(t, a)
            for t, a in zip(frame.total_tokens, frame.ai_active_people, strict=True)
        ]
        in_month = frame[frame["month_start"] == month]
        org_cost_per_pr = safe_ratio(in_month.token_cost_usd.sum(), in_month.merged_prs.sum())
        frame["spend_vs_org"] = [
            safe_ratio(c, org_cost_per_pr) for c in frame.cost_per_merged_pr_usd
        ]
        shown = ui.gate(frame, "team_efficiency")
        shown = shown[(shown["month_start"] == month) & shown["team_id"].map(viewer.may_see_team)]
        st.metric(
            "Organisation spend per merged PR",
            f"${org_cost_per_pr:,.2f}" if org_cost_per_pr is not None else "–",
        )
        ui.table(
            shown[["team_name", "headcount", *values, "note"]].sort_values(
                "spend_vs_org", ascending=False
            ),
            f"mileage_efficiency_{month:%Y-%m}.csv",
            column_config={
                "team_name": "Team",
                "headcount": "People",
                "total_tokens": st.column_config.NumberColumn("Tokens", format="compact"),
                "token_cost_usd": st.column_config.NumberColumn("Spend (USD)", format="dollar"),
                "merged_prs": "Merged PRs",
                "cost_per_merged_pr_usd": st.column_config.NumberColumn(
                    "Spend / merged PR (USD)", format="dollar"
                ),
                "tokens_per_ai_active_person": st.column_config.NumberColumn(
                    "Tokens / AI-active person", format="compact"
                ),
                "spend_vs_org": st.column_config.NumberColumn(
                    "Spend per PR vs org (x)", format="%.2f"
                ),
                "note": "Note",
            },
        )
