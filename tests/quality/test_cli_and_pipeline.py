"""`mileage validate` and the gate as a pipeline stage: a critical failure stops publication."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from fixtures.tiny_raw import write_tiny_raw
from mileage.cli import app
from quality.conftest import execute, query


def _words(text: str) -> str:
    return " ".join(text.split())


def test_validate_exits_1_with_the_one_line_summary(sim_warehouse, copy_of):
    wh = copy_of(sim_warehouse)
    execute(wh, "alter table marts.fct_bugs drop column created_at")
    result = CliRunner().invoke(app, ["validate", "--warehouse", str(wh), "--stage", "mart"])
    assert result.exit_code == 1, result.output
    assert "fct_bugs.mart: expect_table_columns_to_match_set failed (missing created_at)" in (
        _words(result.output)
    )


def test_validate_passes_prints_warnings_and_builds_data_docs(
    tiny_warehouse, copy_of, tmp_path, monkeypatch
):
    import mileage.quality.gate as gate

    docs = tmp_path / "data_docs"
    monkeypatch.setattr(gate, "default_docs_dir", lambda: docs)
    wh = copy_of(tiny_warehouse)
    result = CliRunner().invoke(app, ["validate", "--warehouse", str(wh), "--docs"])
    assert result.exit_code == 0, result.output
    output = _words(result.output)
    assert "passed:" in output
    assert "warning: usage_shares.mart" in output
    index = docs / "index.html"
    assert index.is_file()
    html = index.read_text()
    assert "fct_ai_usage_daily.mart" in html and "raw_usage_months.raw" in html
    (runs,) = query(wh, "select count(*) from quality.validation_runs")[0]
    assert runs == 1


def test_validate_runs_only_the_named_suites_and_records_which(tiny_warehouse, copy_of):
    from mileage.quality.gate import expectations_dir

    suite = json.loads((expectations_dir() / "fct_bugs.mart.json").read_text())
    wh = copy_of(tiny_warehouse)
    result = CliRunner().invoke(
        app, ["validate", "--warehouse", str(wh), "--stage", "mart", "--suite", "fct_bugs.mart"]
    )
    assert result.exit_code == 0, result.output
    scope = "mart (fct_bugs.mart)"
    assert f"passed: {len(suite['expectations'])} expectations in 1 suites ({scope})" in (
        _words(result.output)
    )
    assert query(wh, "select stages from quality.validation_runs") == [(scope,)]
    (suites,) = query(wh, "select count(distinct suite) from quality.validation_results")[0]
    assert suites == 1

    unknown = CliRunner().invoke(
        app, ["validate", "--warehouse", str(wh), "--stage", "raw", "--suite", "fct_bugs.mart"]
    )
    assert unknown.exit_code == 2
    assert "unknown suite(s) ['fct_bugs.mart'] in stage(s) ['raw']" in _words(unknown.output)


def test_validate_rejects_an_unknown_stage(tiny_warehouse):
    result = CliRunner().invoke(
        app, ["validate", "--warehouse", str(tiny_warehouse.warehouse), "--stage", "gold"]
    )
    assert result.exit_code == 2
    assert "unknown stage gold" in _words(result.output)


def test_a_build_that_fails_the_gate_is_not_published(tmp_path, monkeypatch):
    """A declared export period that ends before the tiny exports do: usage outside it is a
    critical raw-stage failure (a record from the future is no longer one: staging rejects it,
    tests/models/test_per_record_problems.py)."""
    import shutil

    import yaml

    from mileage.pipeline import StageFailed, build, failed_path
    from mileage.quality import gate

    folder = tmp_path / "expectations"
    shutil.copytree(gate.expectations_dir(), folder)
    thresholds = yaml.safe_load((folder / "thresholds.yml").read_text())
    thresholds["settings"]["export_period_start"] = "2026-01-01"
    thresholds["settings"]["export_period_end"] = "2026-01-06"  # the tiny exports run to the 9th
    thresholds["settings"]["export_period_tolerance_days"] = 0
    (folder / "thresholds.yml").write_text(yaml.safe_dump(thresholds))
    monkeypatch.setattr(gate, "expectations_dir", lambda: folder)

    raw = write_tiny_raw(tmp_path / "raw")
    live = tmp_path / "warehouse" / "mileage.duckdb"
    with pytest.raises(StageFailed) as failure:
        build(raw, live)
    assert failure.value.stage == "expectations (raw)"
    assert ".raw: expect_column_values_to_be_between(" in failure.value.reason
    assert not live.exists(), "a build that failed the gate replaced the live warehouse"
    kept = failed_path(live.resolve())
    (passed, summary) = query(kept, "select passed, summary from quality.validation_runs")[0]
    assert passed is False and ".raw: expect_column_values_to_be_between(" in summary


def test_the_demo_pipeline_records_a_passing_gate_run(pipeline_warehouse):
    # the pipeline gates the raw exports before dbt and the marts after it
    runs = query(
        pipeline_warehouse,
        "select stages, passed, critical_failures from quality.validation_runs order by run_at",
    )
    assert runs == [("raw", True, 0), ("mart", True, 0)]
    (results,) = query(pipeline_warehouse, "select count(*) from quality.validation_results")[0]
    assert results > 200
