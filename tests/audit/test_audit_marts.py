"""The audit marts on a simulated organisation, checked against its ground truth and against
figures recomputed here from the raw exports and the seeds (never from the marts' own SQL).

One organisation (300 people, 92 days: three full months, so the 3-month outcome window of
tokens_without_outcomes is reached) is simulated, landed and built once for this module.
The bars are in audit_org.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from audit_evaluation import SIGNAL_PERSONA, heavy_productive, score
from audit_org import (
    OVERALL_PRECISION_BAR,
    PROJECT_DIR,
    RECALL_BAR,
    SIGNAL_PRECISION_BAR,
    AuditOrg,
    build_audit_org,
)

ORG = {"employees": 300, "days": 92, "seed": 7}


@pytest.fixture(scope="module")
def org(tmp_path_factory) -> AuditOrg:
    return build_audit_org(tmp_path_factory.mktemp("audit-org"), **ORG)


# --- gaming signals vs ground truth ----------------------------------------------------------
def test_every_planted_persona_is_detected(org):
    table = score(org.people).set_index("signal")
    print("\n" + table.to_string())
    for signal, persona in SIGNAL_PERSONA.items():
        row = table.loc[signal]
        assert row["planted"] >= 1, f"the simulation planted no {persona}"
        assert row["recall"] >= RECALL_BAR, f"{signal}: recall {row['recall']:.2f} for {persona}"
        assert row["precision"] >= SIGNAL_PRECISION_BAR, (
            f"{signal}: precision {row['precision']:.2f}"
        )
    overall = table.loc["any persona signal"]
    assert overall["precision"] >= OVERALL_PRECISION_BAR
    assert overall["recall"] >= RECALL_BAR


def test_heavy_but_productive_people_are_not_flagged(org):
    people = heavy_productive(org.people)
    assert len(people) >= 5, "too few heavy-and-productive engineers to say anything"
    flagged = people[people["flag_any"]]
    assert flagged.empty, flagged[["employee_id", "total_tokens", "nontrivial_merged_prs"]]
    normal = org.people[org.people["persona"] == "normal"]
    assert normal["flag_persona_signal"].mean() <= 0.01


def test_every_signal_row_has_numbers_and_a_consistent_severity(org):
    signals = org.tables["signals"]
    assert set(signals["signal"]) >= set(SIGNAL_PERSONA)
    assert signals["evidence"].str.contains(r"\d").all()
    assert (signals["score"] >= 1).all()
    np.testing.assert_allclose(
        signals["score"], signals["metric_value"] / signals["threshold_value"]
    )
    seed = pd.read_csv(PROJECT_DIR / "seeds" / "audit_signal_thresholds.csv").set_index("parameter")
    high = signals["signal"].map(lambda s: seed.loc[f"{s}.high_score", "value"])
    assert ((signals["score"] >= high) == (signals["severity"] == "high")).all()


def test_off_hours_share_uses_each_persons_local_time(org):
    """Recompute the night/weekend share of hourly-dated tokens with zoneinfo (bucket middle)."""
    usage = org.query("""
        select u.employee_key, u.usage_hour, u.usage_date, u.total_tokens, e.timezone
        from marts.fct_ai_usage_hourly u join marts.dim_employees e using (employee_key)
        where u.bucket_width in ('1h', 'request')
    """)
    usage["month_start"] = pd.to_datetime(usage["usage_date"]).dt.to_period("M").dt.start_time
    middle = pd.to_datetime(usage["usage_hour"]).dt.tz_localize("UTC") + pd.Timedelta(minutes=30)
    local = [m.tz_convert(tz) for m, tz in zip(middle, usage["timezone"], strict=True)]
    usage["off"] = [(t.hour < 6) or (t.isoweekday() >= 6) for t in local]
    usage["off_tokens"] = usage["total_tokens"] * usage["off"]
    expected = usage.groupby(["employee_key", "month_start"])[["off_tokens", "total_tokens"]].sum()
    expected = (expected["off_tokens"] / expected["total_tokens"]).rename("expected")
    pm = org.tables["person_months"].assign(month_start=lambda d: pd.to_datetime(d["month_start"]))
    joined = pm.join(expected, on=["employee_key", "month_start"], how="inner")
    assert len(joined) > 100
    np.testing.assert_allclose(joined["off_hours_share"], joined["expected"], rtol=1e-9)
    agents = org.people.loc[org.people["persona"] == "unattended_agent", "employee_key"]
    assert joined.loc[joined["employee_key"].isin(agents), "expected"].min() > 0.6


# --- reconciliation ---------------------------------------------------------------------------
def _raw_claude_code_tokens(raw: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(billed, reported) tokens per lower-case email and UTC day, straight from the raw files."""
    keys = pd.read_csv(raw / "hr" / "api_keys.csv")
    key_owner = dict(zip(keys["api_key_name"], keys["owner_email"].str.lower(), strict=True))
    billed, seen = [], set()
    for page in sorted((raw / "anthropic" / "claude_code").glob("*.json")):
        for record in json.loads(page.read_text())["data"]:
            actor = record["actor"]
            email = (actor.get("email_address") or "").lower() or key_owner.get(
                actor.get("api_key_name")
            )
            natural_key = (
                record["date"],
                actor.get("email_address"),
                actor.get("api_key_name"),
                record["terminal_type"],
            )
            if natural_key in seen or not isinstance(email, str):
                continue
            seen.add(natural_key)
            tokens = sum(sum(m["tokens"].values()) for m in record["model_breakdown"])
            billed.append({"email": email, "day": record["date"][:10], "billed": tokens})
    reported, request_ids = [], set()
    for page in sorted((raw / "telemetry" / "claude_code").glob("*.jsonl")):
        for line in page.read_text().splitlines():
            event = json.loads(line)
            a = event["attributes"]
            if a["request_id"] in request_ids:
                continue
            request_ids.add(a["request_id"])
            tokens = (
                a["input_tokens"]
                + a["output_tokens"]
                + a["cache_read_tokens"]
                + a["cache_creation_tokens"]
            )
            reported.append(
                {
                    "email": a["user.email"].lower(),
                    "day": event["timestamp"][:10],
                    "reported": tokens,
                }
            )
    billed = pd.DataFrame(billed).groupby(["email", "day"], as_index=False)["billed"].sum()
    reported = pd.DataFrame(reported).groupby(["email", "day"], as_index=False)["reported"].sum()
    return billed, reported


def test_reconciliation_ratio_recomputed_from_raw_files(org):
    billed, reported = _raw_claude_code_tokens(org.raw)
    both = billed.merge(reported, on=["email", "day"])
    expected = both.groupby("email")[["reported", "billed"]].sum()
    expected = (expected["reported"] / expected["billed"]).rename("expected")
    recon = org.tables["reconciliation"]
    recon = recon[(recon["billed_tokens"] > 0) & (recon["reported_tokens"] > 0)]
    mart = recon.groupby("employee_key")[["reported_tokens", "billed_tokens"]].sum()
    mart = (mart["reported_tokens"] / mart["billed_tokens"]).rename("mart")
    emails = org.query(
        "select employee_key, lower(email) as email from restricted.employee_identities"
    )
    joined = (
        emails.drop_duplicates("employee_key")
        .join(mart, on="employee_key", how="inner")
        .join(expected, on="email", how="inner")
    )
    assert len(joined) >= 3
    np.testing.assert_allclose(joined["mart"], joined["expected"], rtol=1e-9)

    truth = org.people.set_index("employee_key")
    inflaters = truth.index[truth["persona"] == "telemetry_inflater"]
    ratios = joined.set_index("employee_key")["mart"]
    assert inflaters.isin(ratios.index).all()
    assert ratios[inflaters].between(8, 12).all(), ratios[inflaters]
    honest = truth.index[(truth["persona"] == "normal") & truth["routed_to_employee_id"].isna()]
    assert ratios[ratios.index.isin(honest)].between(0.9, 1.1).all()


def test_reconciliation_statuses_follow_the_seed_tolerance(org):
    recon = org.tables["reconciliation"]
    tolerance = (
        pd.read_csv(PROJECT_DIR / "seeds" / "audit_signal_thresholds.csv")
        .set_index("parameter")
        .loc["reconciliation.tolerance", "value"]
    )
    b, r = recon["billed_tokens"], recon["reported_tokens"]
    expected = np.select(
        [(b == 0) & (r == 0), r == 0, b == 0, r > b * (1 + tolerance), r < b * (1 - tolerance)],
        ["matched", "billing-only", "telemetry-only", "over-reported", "under-reported"],
        default="matched",
    )
    assert (recon["status"] == expected).all()
    assert {"matched", "over-reported"} <= set(recon["status"])


# --- leaderboard replay ------------------------------------------------------------------------
def test_leaderboard_tiers_and_ranks_follow_the_seed(org):
    board = org.tables["leaderboard"]
    tiers = pd.read_csv(PROJECT_DIR / "seeds" / "audit_leaderboard_tiers.csv").sort_values(
        "min_monthly_tokens"
    )
    position = (
        np.searchsorted(
            tiers["min_monthly_tokens"].to_numpy(), board["total_tokens"].to_numpy(), side="right"
        )
        - 1
    )
    assert (board["tier"].to_numpy() == tiers["tier"].to_numpy()[position]).all()
    for _, month in board.groupby("month_start"):
        ordered = month.sort_values(["total_tokens", "employee_key"], ascending=[False, True])
        assert ordered["token_rank"].tolist() == list(range(1, len(month) + 1))
        expected = month["outcome_points"].rank(method="min", ascending=False).astype(int)
        assert (month["outcome_rank"] == expected).all()
    assert board["tier"].nunique() >= 4


def test_board_is_everyone_with_attributed_tokens(org):
    usage = org.query("""
        select employee_key, date_trunc('month', usage_date) as month_start, sum(total_tokens) as tokens
        from marts.fct_ai_usage_daily where employee_key is not null group by all having sum(total_tokens) > 0
    """)
    board = org.tables["leaderboard"]
    merged = usage.assign(month_start=pd.to_datetime(usage["month_start"])).merge(
        board.assign(month_start=pd.to_datetime(board["month_start"])),
        on=["employee_key", "month_start"],
        how="outer",
        indicator=True,
    )
    assert (merged["_merge"] == "both").all()
    assert (merged["tokens"] == merged["total_tokens"]).all()


def test_rank_correlation_and_top_tier_share_match_pandas(org):
    board = org.tables["leaderboard"]
    flags = (
        org.tables["signals"][["employee_key", "month_start"]].drop_duplicates().assign(flag=True)
    )
    board = board.merge(flags, on=["employee_key", "month_start"], how="left")
    board["flag"] = board["flag"].fillna(False).astype(bool)
    assert (board["flag"] == board["is_flagged"]).all()
    summary = org.tables["summary"].set_index("month_start")
    top_tiers = set(org.tables["tiers"].query("is_top_tier")["tier"])
    for month, rows in board.groupby("month_start"):
        expected = rows["total_tokens"].corr(rows["outcome_points"], method="spearman")
        assert summary.loc[month, "rank_correlation"] == pytest.approx(expected, abs=1e-9)
        top = rows[rows["tier"].isin(top_tiers)]
        assert summary.loc[month, "top_tier_people"] == len(top)
        assert summary.loc[month, "people"] == len(rows)
        if len(top):
            assert summary.loc[month, "top_tier_flagged_share"] == pytest.approx(top["flag"].mean())


# --- efficiency audit ---------------------------------------------------------------------------
def test_efficiency_audit_flagged_spend_and_medians(org):
    usage = org.query("""
        select team_id, employee_key, date_trunc('month', usage_date) as month_start,
               sum(list_cost_usd) as cost
        from marts.fct_ai_usage_daily where team_id is not null group by all
    """)
    usage["month_start"] = pd.to_datetime(usage["month_start"])
    flags = org.tables["signals"][["employee_key", "month_start"]].drop_duplicates()
    flags = flags.assign(month_start=pd.to_datetime(flags["month_start"]), flagged=True)
    usage = usage.merge(flags, on=["employee_key", "month_start"], how="left")
    usage["flagged_cost"] = usage["cost"].where(usage["flagged"].fillna(False).astype(bool), 0.0)
    expected = usage.groupby(["team_id", "month_start"])[["cost", "flagged_cost"]].sum()
    audit = org.query("select * from marts.fct_efficiency_audit")
    audit["month_start"] = pd.to_datetime(audit["month_start"])
    joined = audit.join(expected, on=["team_id", "month_start"], how="inner")
    np.testing.assert_allclose(
        joined["flagged_spend_usd"], joined["flagged_cost"], rtol=1e-9, atol=1e-9
    )
    np.testing.assert_allclose(joined["spend_usd"], joined["cost"], rtol=1e-9, atol=1e-9)
    assert joined["flagged_spend_share"].max() > 0
    for _, month in audit.groupby("month_start"):
        ratio = month["spend_per_outcome_vs_org_median"].dropna()
        assert ratio.median() == pytest.approx(1.0)
