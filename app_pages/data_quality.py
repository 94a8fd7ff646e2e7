"""7 Data quality: the last expectations run, source accounting, unpriced and unattributed usage."""

import pandas as pd
import streamlit as st

from mileage.app import data, ui
from mileage.app.metrics import fmt_count, fmt_pct, fmt_usd, safe_ratio

ctx = ui.context("data_quality")
wh = ctx.wh

st.title("Data quality")
st.caption("Whether the numbers on the other pages can be trusted, and what they leave out.")


def accepted_losses_section() -> None:
    """The losses this build published anyway (`--accept-loss`), first on the page: every
    figure elsewhere is missing what they held."""
    if not wh.has_table("quality.accepted_losses"):
        return
    losses = ui.gate(data.accepted_losses(wh), "accepted_losses")
    if losses.empty:
        return
    accepted_at = pd.Timestamp(losses["accepted_at"].max())
    st.error(
        f"**Published with {len(losses)} accepted loss(es)** (`--accept-loss`, "
        f"{accepted_at:%d %b %Y %H:%M} UTC): the figures on every page leave out what these "
        "records held."
    )
    for message in losses["message"]:
        st.markdown(f"- {message}")
    ui.table(
        losses.drop(columns=["message"]),
        "mileage_accepted_losses.csv",
        column_config={
            "accepted_at": st.column_config.DatetimeColumn("Accepted at"),
            "source": "Source",
            "rule": "Rule",
            "reason": "Reason",
            "records": "Records",
            "bytes": "Bytes",
            "tokens": st.column_config.NumberColumn("Tokens", format="compact"),
            "first_file": "First file",
        },
    )


def unread_files_section(unread: pd.DataFrame) -> None:
    """Files and folders under the raw directory that no source reads."""
    if unread.empty:
        return
    st.markdown("**Not read: files and folders the raw-directory contract does not have**")
    hints = [
        f"`{path}` looks like `{near}`"
        for path, near in zip(unread["path"], unread["near_miss"], strict=True)
        if isinstance(near, str)
    ]
    if hints:
        st.warning("Likely misspellings: " + "; ".join(hints) + ".")
    ui.table(
        unread,
        "mileage_unread_files.csv",
        column_config={
            "path": "Path",
            "files": "Files",
            "bytes": "Bytes",
            "reason": "Why not read",
            "near_miss": "Looks like",
        },
    )


accepted_losses_section()

# ---- expectations gate -----------------------------------------------------------------------
st.subheader("Last expectations run")
if not wh.has_table("quality.validation_runs"):
    st.info("Expectations results not built yet (`quality.validation_runs` is missing).")
else:
    run = ui.gate(data.last_validation_run(wh), "validation_run")
    if run.empty:
        st.info("The expectations gate has not recorded a run yet.")
    else:
        run_row = run.iloc[0]
        passed = bool(run_row["passed"])
        cols = st.columns(4)
        cols[0].metric("Gate", "passed" if passed else "failed")
        cols[1].metric("Critical failures", fmt_count(run_row["critical_failures"]))
        cols[2].metric("Warnings", fmt_count(run_row["warnings"]))
        run_at = pd.Timestamp(run_row["run_at"])
        cols[3].metric("Run on", f"{run_at:%d %b %Y}", help=f"At {run_at:%H:%M} (UTC).")
        (st.success if passed else st.error)(f"Run `{run_row['run_id']}`: {run_row['summary']}")
        if wh.has_table("quality.validation_results"):
            results = ui.gate(
                data.validation_results(wh, str(run_row["run_id"])), "validation_results"
            )
            failed = results[~results["success"].astype(bool)]
            st.caption(f"{len(results)} expectations, {len(failed)} not met (listed first).")
            ui.table(
                results,
                "mileage_validation_results.csv",
                column_config={
                    "suite": "Suite",
                    "expectation_type": "Expectation",
                    "column_name": "Column",
                    "severity": "Severity",
                    "success": st.column_config.CheckboxColumn("Met"),
                    "unexpected_count": "Unexpected rows",
                    "detail": "Detail",
                },
            )

# ---- source accounting -----------------------------------------------------------------------
st.subheader("Source accounting: raw = staged + rejected")
if not wh.has_table("marts.fct_source_accounting"):
    st.info("Source accounting not built yet (`marts.fct_source_accounting` is missing).")
else:
    accounting = ui.gate(data.source_accounting(wh), "source_accounting")
    unbalanced = accounting[~accounting["is_balanced"].astype(bool)]
    unread = ui.gate(
        data.unread_files(wh) if wh.has_table("marts.fct_unread_files") else pd.DataFrame(),
        "unread_files",
    )
    if not unbalanced.empty:
        st.error("Sources that do not balance: " + ", ".join(unbalanced["source"]))
    elif not unread.empty:
        st.warning(
            f"The {len(accounting)} sources balance, but {int(unread['files'].sum())} file(s) "
            f"under the raw directory were not read ({len(unread)} path(s), listed below)."
        )
    else:
        st.success(
            f"All {len(accounting)} sources balance: every raw record is staged or "
            "rejected with a reason, and every raw file is read."
        )
    ui.table(
        accounting,
        "mileage_source_accounting.csv",
        column_config={
            "source": "Source",
            "raw_records": "Raw records",
            "staged_records": "Staged",
            "rejected_records": "Rejected",
            "lost_records": st.column_config.NumberColumn(
                "Lost", help="Rejected and not a duplicate: what the marts miss."
            ),
            "lost_tokens": st.column_config.NumberColumn(
                "Lost tokens", format="compact", help="Where known (at least)."
            ),
            "rejected_files": "Files rejected whole",
            "rejected_file_bytes": "Their bytes",
            "is_balanced": st.column_config.CheckboxColumn("Balanced"),
        },
    )
    unread_files_section(unread)
    if wh.has_table("landing.rejects"):
        reasons = ui.gate(data.reject_reasons(wh), "reject_reasons")
        if not reasons.empty:
            st.markdown("**Why records were rejected**")
            ui.table(
                reasons,
                "mileage_reject_reasons.csv",
                column_config={"source": "Source", "reason": "Reason", "records": "Records"},
            )

# ---- usage coverage --------------------------------------------------------------------------
if not wh.has_table("marts.fct_ai_usage_daily"):
    st.info("Usage facts not built yet (`marts.fct_ai_usage_daily` is missing).")
    st.stop()

st.subheader("Unattributed usage")
attribution = data.attribution_by_provider(wh)
total_tokens = attribution["total_tokens"].sum()
total_cost = attribution["list_cost_usd"].sum()
loose = data.unattributed_usage(wh)  # headline figures rest on the unattributed keys
unattributed_tokens = ui.figure(loose.at[0, "total_tokens"], loose.at[0, "people"])
unattributed_cost = ui.figure(loose.at[0, "list_cost_usd"], loose.at[0, "people"])
cols = st.columns(3)
cols[0].metric(
    "Unattributed share of tokens", fmt_pct(safe_ratio(unattributed_tokens, total_tokens))
)
cols[1].metric(
    "Unattributed share of list spend", fmt_pct(safe_ratio(unattributed_cost, total_cost))
)
cols[2].metric(
    "Unattributed tokens",
    fmt_count(unattributed_tokens),
    help=f"Unattributed list spend: {fmt_usd(unattributed_cost)}",
)
st.caption(
    "Usage that no key owner, actor or email ties to an employee: shared keys, keys "
    "without an owner, leavers' keys. It counts in totals but in no team's figures."
)
attribution["unattributed_token_share"] = [
    safe_ratio(u, t)
    for u, t in zip(
        attribution["unattributed_tokens"].fillna(0), attribution["total_tokens"], strict=True
    )
]
attribution = ui.gate(attribution, "attribution_by_provider").drop(columns=["is_suppressed"])
ui.table(
    attribution,
    "mileage_usage_attribution.csv",
    column_config={
        "provider": "Provider",
        "tool": "Tool",
        "total_tokens": st.column_config.NumberColumn("Tokens", format="compact"),
        "unattributed_tokens": st.column_config.NumberColumn(
            "Unattributed tokens", format="compact"
        ),
        "list_cost_usd": st.column_config.NumberColumn("List spend (USD)", format="dollar"),
        "unattributed_cost_usd": st.column_config.NumberColumn(
            "Unattributed spend (USD)", format="dollar"
        ),
        "unattributed_token_share": st.column_config.NumberColumn(
            "Unattributed share", format="percent"
        ),
        "people": "People or keys",
        "unattributed_people": "Unattributed keys",
        "note": "Note",
    },
)

st.subheader("Unpriced models")
unpriced = ui.gate(data.unpriced_models(wh), "unpriced_models")
if unpriced.empty:
    st.success("Every model in the usage data has a list price.")
else:
    hidden = bool(unpriced["is_suppressed"].any())
    unpriced = unpriced.drop(columns=["is_suppressed"])
    st.warning(
        f"{len(unpriced)} model(s) have no list price, so their "
        + ("" if hidden else f"{fmt_count(unpriced['total_tokens'].sum())} ")
        + "tokens cost $0 in every figure. Add them to `seeds/token_prices.csv`."
    )
    ui.table(
        unpriced,
        "mileage_unpriced_models.csv",
        column_config={
            "provider": "Provider",
            "model": "Model",
            "usage_rows": "Usage rows",
            "total_tokens": st.column_config.NumberColumn("Tokens", format="compact"),
            "requests": "Requests",
            "first_day": st.column_config.DateColumn("First day"),
            "last_day": st.column_config.DateColumn("Last day"),
            "people": "People or keys",
            "note": "Note",
        },
    )
