"""Issue 19: every documented vendor shape lands, record by record.

One raw directory is built from tests/fixtures/vendor_examples (the vendors' documented example
responses adapted to two fixture people, see its README) plus gzip-compressed copies written
here, and goes through the main job's code path once. Every expected figure below is read off
the fixture files by hand.
"""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import duckdb
import pytest

EXAMPLES = Path(__file__).parent.parent / "fixtures" / "vendor_examples"
OTLP_LOGS = "telemetry/claude_code/otel-logs.jsonl"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    from mileage.pipeline import StageFailed, build

    base = tmp_path_factory.mktemp("vendor-examples")
    raw = base / "raw"
    shutil.copytree(EXAMPLES, raw, ignore=shutil.ignore_patterns("README.md"))
    # Collectors rotate and compress: the OTLP logs land from a .jsonl.gz, the Jira page from
    # a .json.gz; the uncompressed originals are removed so each record exists once.
    for rel, gz in (
        (OTLP_LOGS, "otel-logs-rotated.jsonl.gz"),
        ("jira/issues/search-jql.json", "search-jql.json.gz"),
    ):
        source = raw / rel
        with source.open("rb") as src, gzip.open(source.parent / gz, "wb") as dst:
            shutil.copyfileobj(src, dst)
        source.unlink()
    warehouse = base / "warehouse" / "mileage.duckdb"
    try:
        report = build(raw, warehouse)
    except StageFailed as exc:
        pytest.fail(f"the vendors' documented examples did not build: {exc}")
    return raw, warehouse, report


def _query(warehouse: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def _staged(warehouse, model, columns, where="true"):
    return _query(
        warehouse,
        f"select regexp_extract(_source_file, '[^/]+$'), _record_path, {columns}, reject_reason "
        f"from staging.{model} where {where} order by 1, 2",
    )


def test_anthropic_rows_differing_only_in_a_group_by_dimension_are_all_kept(built):
    _, warehouse, _ = built
    rows = _staged(
        warehouse,
        "stg_anthropic__usage_report_messages",
        "inference_geo, speed, uncached_input_tokens, output_tokens, model",
    )
    sonnet = "claude-sonnet-4-5-20250929"
    assert rows == [
        ("grouped-1d.json", "data[0].results[0]", "global", "standard", 1500, 500, sonnet, None),
        ("grouped-1d.json", "data[0].results[1]", "us", "standard", 700, 300, sonnet, None),
        ("grouped-1d.json", "data[0].results[2]", "global", "fast", 100, 50, sonnet, None),
        # fetched without group_by: kept, unpriced
        (
            "ungrouped-1d.json",
            "data[0].results[0]",
            None,
            None,
            4000,
            1000,
            "(not grouped by model)",
            None,
        ),
    ]


def test_ungrouped_usage_is_kept_unpriced_with_a_warning_saying_how_to_re_export(built):
    _, warehouse, report = built
    # Anthropic: 4000 + 100 + 900 + 1000; OpenAI reference example: 1000 input (incl. 800
    # cached) + 500 output
    ungrouped = _query(
        warehouse,
        "select sum(total_tokens), bool_or(is_priced) from marts.fct_ai_usage_daily "
        "where model = '(not grouped by model)'",
    )
    assert ungrouped == [(6_000 + 1_500, False)]
    [warning] = [w for w in report.warnings if "without their model" in w]
    assert "7,500 tokens" in warning and "group_by[]=model" in warning


def test_openai_reference_example_lands_and_cached_input_is_not_counted_twice(built):
    _, warehouse, _ = built
    rows = _staged(
        warehouse,
        "stg_openai__usage_completions",
        "uncached_input_tokens, cache_read_tokens, output_tokens",
    )
    assert rows == [
        # input 5000 includes 3000 cached (and 1000 cache writes, billed at the input rate)
        ("grouped.json", "data[0].results[0]", 2000, 3000, 700, None),
        ("reference-ungrouped.json", "data[0].results[0]", 200, 800, 500, None),
    ]


def test_cursor_request_based_events_land_and_cost_is_what_was_charged(built):
    _, warehouse, _ = built
    rows = _staged(
        warehouse,
        "stg_cursor__usage_events",
        "is_token_based_call, uncached_input_tokens, output_tokens, vendor_cost_usd",
    )
    assert rows == [
        ("page-1.json", "usageEvents[0]", True, 126, 450, pytest.approx(0.215), None),
        ("page-1.json", "usageEvents[1]", False, 0, 0, pytest.approx(0.04), None),
    ]


def test_copilot_json_array_lands_record_by_record(built):
    _, warehouse, _ = built
    rows = _staged(warehouse, "stg_copilot__users", "cli_prompt_tokens, cli_output_tokens")
    assert rows == [
        ("users-1-day.json", "[0]", 2000, 300, None),
        ("users-1-day.json", "[1]", 0, 0, None),
    ]


def test_both_jira_envelopes_land(built):
    _, warehouse, _ = built
    rows = _query(
        warehouse,
        "select regexp_extract(_source_file, '[^/]+$'), issue_key, reject_reason "
        "from staging.stg_jira__issues order by 2",
    )
    assert rows == [
        ("search-startat.json", "SHOP-1", None),
        ("search-jql.json.gz", "SHOP-2", None),
    ]


def test_telemetry_events_land_from_otlp_gzip_and_flat_dotted_files(built):
    _, warehouse, _ = built
    rows = _staged(
        warehouse,
        "stg_telemetry__claude_code_events",
        "event_name, request_id, uncached_input_tokens, output_tokens",
    )
    assert rows == [
        ("loki-export.ndjson", "line 1", "claude_code.api_request", "req_ben_1", 400, 120, None),
        ("loki-export.ndjson", "line 2", "claude_code.tool_decision", None, None, None, None),
        (
            "otel-logs-rotated.jsonl.gz",
            "line 1 resourceLogs[0].scopeLogs[0].logRecords[0]",
            "claude_code.user_prompt",
            None,
            None,
            None,
            None,
        ),
        (
            "otel-logs-rotated.jsonl.gz",
            "line 1 resourceLogs[0].scopeLogs[0].logRecords[1]",
            "claude_code.api_request",
            "req_ana_1",
            900,
            300,
            None,
        ),
        (
            "otel-logs-rotated.jsonl.gz",
            "line 1 resourceLogs[0].scopeLogs[0].logRecords[2]",
            "claude_code.tool_result",
            None,
            None,
            None,
            None,
        ),
        (
            "otel-logs-rotated.jsonl.gz",
            "line 2 resourceLogs[0].scopeLogs[0].logRecords[0]",
            "claude_code.api_request",
            "req_ana_2",
            100,
            50,
            None,
        ),
    ]
    # the third line of the log-store export is not JSON: one reject naming its line
    assert _query(
        warehouse,
        "select regexp_extract(source_file, '[^/]+$'), record_path, reason from landing.rejects",
    ) == [("loki-export.ndjson", "line 3", "bad JSON line: not valid JSON")]


def test_telemetry_metrics_land_one_row_per_data_point(built):
    _, warehouse, _ = built
    rows = _query(
        warehouse,
        "select metric_name, metric_type, temporality, value from "
        "staging.stg_telemetry__claude_code_metrics where reject_reason is null "
        "order by _record_path",
    )
    assert rows == [
        ("claude_code.session.count", None, "cumulative", 1.0),
        ("claude_code.token.usage", "input", "cumulative", 900.0),
        ("claude_code.token.usage", "output", "cumulative", 300.0),
        ("claude_code.token.usage", "cacheRead", "cumulative", 12000.0),
        ("claude_code.token.usage", "cacheCreation", "cumulative", 0.0),
        ("claude_code.cost.usage", None, "cumulative", 0.0123),
        ("claude_code.lines_of_code.count", "added", "cumulative", 40.0),
        ("claude_code.lines_of_code.count", "removed", "cumulative", 7.0),
        ("claude_code.commit.count", None, "cumulative", 1.0),
        ("claude_code.pull_request.count", None, "cumulative", 1.0),
        ("claude_code.token.usage", "input", "cumulative", 1000.0),
        ("claude_code.active_time.total", None, "delta", 120.5),
        ("claude_code.active_time.total", None, "delta", 30.0),
    ]


def test_accounting_counts_events_and_data_points_not_lines(built):
    _, warehouse, _ = built
    rows = dict(
        (source, (raw, staged, rejected, balanced))
        for source, raw, staged, rejected, balanced in _query(
            warehouse,
            "select source, raw_records, staged_records, rejected_records, is_balanced "
            "from marts.fct_source_accounting",
        )
    )
    # OTLP logs: 2 lines holding 4 events; flat export: 3 lines, 2 events + 1 bad line
    assert rows["telemetry__claude_code_events"] == (7, 6, 1, True)
    # OTLP metrics: 2 lines holding 13 data points
    assert rows["telemetry__claude_code_metrics"] == (13, 13, 0, True)
    assert rows["anthropic__usage_report_messages"] == (4, 4, 0, True)
    assert rows["copilot__users"] == (2, 2, 0, True)
    assert rows["jira__issues"] == (2, 2, 0, True)


def test_reconciliation_is_populated_from_otlp_files(built):
    _, warehouse, _ = built
    # ana's two api_request events on 2026-01-05: 900+300+12000+0 and 100+50+0+200 tokens
    rows = _query(
        warehouse,
        "select usage_date, reported_tokens from marts.fct_usage_reconciliation "
        "where reported_tokens is not null order by usage_date",
    )
    assert (__import__("datetime").date(2026, 1, 5), 13_550) in rows
