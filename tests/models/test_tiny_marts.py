"""Exact mart values on the tiny hand-made raw directory (tests/fixtures/tiny_raw.py).

Every expected figure is worked out by hand in the fixture's comments from the records it
writes and the list prices; nothing here is read back from Mileage's own rules.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import duckdb
import pytest

from fixtures.tiny_raw import EXPECTED, T1_COST, T1_TOKENS

TEAM_MONTH_COLUMNS = (
    "headcount",
    "ai_active_people",
    "total_tokens",
    "token_cost_usd",
    "merged_prs",
    "median_cycle_time_hours",
    "bugs",
    "bugs_per_merged_pr",
    "roadmap_attainment",
    "merged_prs_per_million_tokens",
    "cost_per_merged_pr_usd",
)


def team_month(tiny_build, team_id: str) -> dict:
    rows = tiny_build.query(
        f"select {', '.join(TEAM_MONTH_COLUMNS)} from marts.fct_team_months "
        "where team_id = ? and month_start = date '2026-01-01'",
        [team_id],
    )
    assert len(rows) == 1, f"expected one January row for {team_id}, got {rows}"
    return dict(zip(TEAM_MONTH_COLUMNS, rows[0], strict=True))


@pytest.mark.parametrize("team_id", ["T1", "T2"])
def test_team_month_matches_hand_computed_values(tiny_build, team_id):
    actual = team_month(tiny_build, team_id)
    for column, expected in EXPECTED[team_id].items():
        assert actual[column] == pytest.approx(expected, rel=1e-9), column


def test_value_per_token_is_merged_prs_per_million_tokens(tiny_build):
    t1 = team_month(tiny_build, "T1")
    assert t1["merged_prs_per_million_tokens"] == pytest.approx(2 / 8.9615)
    assert t1["cost_per_merged_pr_usd"] == pytest.approx(19.375 / 2)


def test_claude_code_on_an_api_key_is_counted_once(tiny_build):
    # ana's Claude Code record on her API key (1.1M tokens) is already in the Messages report.
    (claude_code_tokens,) = tiny_build.query(
        "select coalesce(sum(total_tokens), 0) from marts.fct_ai_usage_daily "
        "where tool = 'claude_code'"
    )[0]
    assert claude_code_tokens == 1_550_000  # ben's subscription record only
    (all_tokens,) = tiny_build.query("select sum(total_tokens) from marts.fct_ai_usage_daily")[0]
    assert all_tokens == T1_TOKENS + 1_000 + EXPECTED["unattributed_tokens"]


def test_unattributed_usage_is_kept_with_its_key(tiny_build):
    rows = tiny_build.query(
        "select api_key_id, total_tokens, list_cost_usd from marts.fct_ai_usage_daily "
        "where not is_attributed"
    )
    assert rows == [("apikey_shared", 2_000_000, pytest.approx(2.0))]


def test_unpriced_model_has_unknown_cost_not_zero(tiny_build):
    rows = tiny_build.query(
        "select model, list_cost_usd, is_priced from marts.fct_ai_usage_daily where not is_priced"
    )
    assert rows == [("mystery-model-1", None, False)]
    (unpriced,) = tiny_build.query(
        "select unpriced_tokens from marts.fct_team_months where team_id = 'T2'"
    )[0]
    assert unpriced == 1_000


def test_unpriced_models_are_named_in_build_warnings(tiny_build):
    from mileage.pipeline import unpriced_model_warnings

    warnings = unpriced_model_warnings(tiny_build.warehouse)
    assert len(warnings) == 1 and "mystery-model-1 (1,000 tokens)" in warnings[0]


def test_vendor_cost_sits_beside_list_cost(tiny_build):
    rows = tiny_build.query(
        "select list_cost_usd, vendor_cost_usd from marts.fct_ai_usage_daily where tool = 'claude_code'"
    )
    assert rows == [(pytest.approx(2.55), pytest.approx(2.70))]


def test_team_cost_is_the_sum_of_hand_priced_rows(tiny_build):
    (cost,) = tiny_build.query(
        "select sum(list_cost_usd) from marts.fct_ai_usage_daily where team_id = 'T1'"
    )[0]
    assert math.isclose(cost, T1_COST)


def test_bug_owned_by_team_at_creation_and_linked_to_its_pr(tiny_build):
    rows = dict(
        (key, (team, pr))
        for key, team, pr in tiny_build.query(
            "select bug_key, team_id, caused_by_pull_request_id from marts.fct_bugs"
        )
    )
    assert rows == {"SHOP-1": ("T1", 101), "SHOP-2": ("T1", None), "SHOP-3": ("T2", None)}


def test_pull_request_rules(tiny_build):
    rows = {
        pr: (team, merged, trivial, bot, hours)
        for pr, team, merged, trivial, bot, hours in tiny_build.query(
            "select pull_request_id, team_id, is_merged, is_trivial, is_bot, cycle_time_hours "
            "from marts.fct_pull_requests"
        )
    }
    assert rows[102] == ("T1", True, True, False, 12.0)  # 3 changed lines: trivial
    assert rows[103] == ("T2", True, False, False, 48.0)  # ben had moved to T2
    assert rows[104][3] is True and rows[104][0] is None  # the bot belongs to no team
    assert rows[105][1] is False and rows[105][4] is None  # closed unmerged


def _raw_record_counts(raw) -> dict[str, int]:
    """Count records in the raw files with plain json/csv, independently of landing."""

    def pages(folder):
        return [json.loads(p.read_text()) for p in sorted((raw / folder).glob("*.json"))]

    def lines(folder, pattern):
        return [
            line
            for p in sorted((raw / folder).glob(pattern))
            for line in p.read_text().splitlines()
            if line.strip()
        ]

    return {
        "hr__roster": len((raw / "hr/roster.csv").read_text().strip().splitlines()) - 1,
        "anthropic__usage_report_messages": sum(
            len(b["results"])
            for page in pages("anthropic/usage_report_messages")
            for b in page["data"]
        ),
        "anthropic__claude_code": sum(len(p["data"]) for p in pages("anthropic/claude_code")),
        "cursor__usage_events": sum(len(p["usageEvents"]) for p in pages("cursor/usage_events")),
        "github__pull_requests": sum(len(p) for p in pages("github/pull_requests")),
        "jira__issues": sum(len(p["issues"]) for p in pages("jira/issues")),
        "telemetry__claude_code_events": len(lines("telemetry/claude_code", "*.jsonl")),
        "copilot__users": len(lines("copilot/users", "*.ndjson")),
    }


def test_accounting_raw_equals_staged_plus_rejected(tiny_build):
    accounting = {
        source: (raw, staged, rejected, balanced)
        for source, raw, staged, rejected, balanced in tiny_build.query(
            "select source, raw_records, staged_records, rejected_records, is_balanced "
            "from marts.fct_source_accounting"
        )
    }
    for source, counted in _raw_record_counts(tiny_build.raw).items():
        raw, staged, rejected, balanced = accounting[source]
        assert raw == counted, source
        assert raw == staged + rejected and balanced, source
    # the overlapping page: one duplicate and one negative-token row rejected, with reasons
    assert accounting["anthropic__usage_report_messages"][2] == 2
    reasons = sorted(
        r
        for (r,) in tiny_build.query(
            "select reason from marts.fct_rejected_records "
            "where source = 'anthropic__usage_report_messages'"
        )
    )
    assert reasons == [
        "duplicate of an earlier record with the same natural key",
        "negative tokens",
    ]


def test_no_emails_outside_the_restricted_schema(tiny_build):
    hits = []
    for schema, table, column in tiny_build.query(
        "select table_schema, table_name, column_name from information_schema.columns "
        "where table_schema in ('marts', 'intermediate') and data_type = 'VARCHAR'"
    ):
        (found,) = tiny_build.query(
            f"select count(*) from {schema}.{table} where \"{column}\" like '%@example.com%'"
        )[0]
        if found:
            hits.append(f"{schema}.{table}.{column}")
    assert hits == []
    emails = {e for (e,) in tiny_build.query("select email from restricted.employee_identities")}
    assert "ana@example.com" in emails


def test_employee_key_is_hmac_of_employee_id(tiny_build):
    import hashlib
    import hmac

    from mileage import config

    key, _ = config.pseudonym_key()
    expected = hmac.new(key, b"E1", hashlib.sha256).hexdigest()
    (found,) = tiny_build.query(
        "select employee_key from restricted.employee_identities where employee_id = 'E1'"
    )[0]
    assert found == expected


def test_pseudonym_key_never_reaches_dbt_files(tiny_build):
    """The HMAC pads reach DuckDB as session variables (mileage/dbt_plugin.py), so neither the
    key nor the pads appear in what dbt writes: compiled and run SQL, logs, manifest, the
    partial-parse state."""
    from mileage import config
    from mileage.dbt_runner import hmac_pads

    key, _ = config.pseudonym_key()
    secrets = [key, *(pad.encode() for pad in hmac_pads(key))]
    files = [p for p in Path(tiny_build.dbt.target_path).rglob("*") if p.is_file()]
    assert any(p.name == "partial_parse.msgpack" for p in files)
    assert any("stg_hr__roster" in str(p) and p.suffix == ".sql" for p in files)
    leaks = [str(p) for p in files for s in secrets if s in p.read_bytes()]
    assert leaks == []


def test_no_nan_or_infinity_in_any_mart(tiny_build):
    from fixtures.warehouse_scan import assert_all_finite

    assert_all_finite(tiny_build.warehouse)


def test_the_nan_scan_finds_nan_and_infinity(tmp_path):
    """The scan itself can fail: a mart table with one NaN and one infinity is named."""
    from fixtures.warehouse_scan import non_finite_values

    path = tmp_path / "w.duckdb"
    con = duckdb.connect(str(path))
    con.execute("create schema marts; create schema restricted; create schema staging")
    con.execute("create table marts.t as select 'nan'::double as a, 1.0::double as b")
    con.execute("create table restricted.u as select '-inf'::float as c")
    con.execute("create table staging.v as select 'nan'::double as d")  # not published
    con.close()
    assert non_finite_values(path) == [
        "marts.t.a: 1 NaN, 0 infinite",
        "restricted.u.c: 0 NaN, 1 infinite",
    ]
