"""The gate on clean data: every suite passes, warnings are reported, the run is recorded."""

from __future__ import annotations

import json

import pytest

from mileage.quality import run_gate
from mileage.quality.assets import assets_for
from mileage.quality.gate import expectations_dir, load_thresholds
from quality.conftest import query


def _expectations_in(stages) -> int:
    return sum(
        len(json.loads((expectations_dir() / f"{a.suite_name}.json").read_text())["expectations"])
        for stage in stages
        for a in assets_for(stage)
    )


def test_tiny_warehouse_passes_every_suite_and_reports_its_known_flaws(tiny_warehouse, copy_of):
    warehouse = copy_of(tiny_warehouse)
    result = run_gate(warehouse)
    assert result.passed, result.summary()
    assert result.summary().startswith("passed:")
    assert len(result.outcomes) == _expectations_in(("raw", "mart"))
    assert result.seconds > 0

    # The tiny raw directory holds one usage row with negative tokens (staging rejects it):
    # at the raw stage that is a warning with the count, never a stop.
    (negative_rows,) = query(
        warehouse,
        "select count(*) from landing.anthropic__usage_report_messages where output_tokens < 0",
    )[0]
    assert negative_rows == 1
    warnings = result.warnings_summary()
    assert any(
        line.startswith(
            "anthropic__usage_report_messages.raw: expect_column_values_to_be_between"
            f"(output_tokens) failed on {negative_rows} rows"
        )
        for line in warnings
    ), warnings

    # Unattributed share: the shared key's 2.0M tokens over all tokens of January.
    unattributed, total = query(
        warehouse,
        "select sum(total_tokens) filter (where not is_attributed), sum(total_tokens) "
        "from marts.fct_ai_usage_daily",
    )[0]
    assert unattributed == 2_000_000
    share_warned = any(
        w.startswith("usage_shares.mart: expect_column_values_to_be_between(unattributed_share)")
        for w in warnings
    )
    assert share_warned == (
        unattributed / total > result.parameters["max_unattributed_token_share"]
    )


def test_the_run_and_every_result_are_recorded_in_the_warehouse(tiny_warehouse, copy_of):
    warehouse = copy_of(tiny_warehouse)
    first = run_gate(warehouse, ("mart",))
    second = run_gate(warehouse, ("raw",))
    runs = query(
        warehouse,
        "select run_id, stages, passed, critical_failures, warnings, summary "
        "from quality.validation_runs order by run_at, stages desc",
    )
    assert [r[0] for r in runs] == [first.run_id, second.run_id]
    assert runs[0][1:] == ("mart", True, 0, len(first.warnings), first.summary())
    assert runs[1][1] == "raw"
    for run in (first, second):
        rows = query(
            warehouse,
            "select count(*), count(*) filter (where not success), "
            "count(distinct suite) from quality.validation_results where run_id = ?",
            [run.run_id],
        )[0]
        assert rows == (
            _expectations_in(run.stages),
            len(run.warnings),
            len([a for s in run.stages for a in assets_for(s)]),
        )
    severities = {
        r[0] for r in query(warehouse, "select distinct severity from quality.validation_results")
    }
    assert severities == {"critical", "warning"}


def test_small_simulated_org_passes_every_suite(sim_warehouse, copy_of):
    result = run_gate(copy_of(sim_warehouse))
    assert result.passed, result.summary()
    assert not result.critical_failures
    # the export period comes from the usage exports: Nov 2025 .. Jan 1 2026 (+1 day slack)
    assert result.parameters["not_before"].date().isoformat() == "2025-10-31"
    assert result.parameters["not_after"].date().isoformat() == "2026-01-03"


def test_a_declared_export_period_is_enforced(sim_warehouse, copy_of, tmp_path):
    """Thresholds can declare the window the exports were pulled for; usage outside fails."""
    import shutil

    import yaml

    folder = tmp_path / "expectations"
    shutil.copytree(expectations_dir(), folder)
    thresholds = yaml.safe_load((folder / "thresholds.yml").read_text())
    thresholds["settings"]["export_period_start"] = "2025-11-01"
    thresholds["settings"]["export_period_end"] = "2025-12-01"
    thresholds["settings"]["export_period_tolerance_days"] = 0
    (folder / "thresholds.yml").write_text(yaml.safe_dump(thresholds))
    warehouse = copy_of(sim_warehouse)
    (outside,) = query(
        warehouse,
        "select count(*) from marts.fct_ai_usage_daily where usage_date >= date '2025-12-01'",
    )[0]
    assert outside > 0
    result = run_gate(warehouse, ("mart",), expectations=folder)
    assert not result.passed
    assert result.summary().startswith(
        "fct_ai_usage_daily.mart: expect_column_values_to_be_between(usage_date) "
        f"failed on {outside} rows"
    )


def _thresholds_copy(tmp_path, **settings):
    import shutil

    import yaml

    folder = tmp_path / "expectations"
    shutil.copytree(expectations_dir(), folder)
    thresholds = yaml.safe_load((folder / "thresholds.yml").read_text())
    thresholds["settings"].update(settings)
    (folder / "thresholds.yml").write_text(yaml.safe_dump(thresholds))
    return folder


@pytest.mark.parametrize("batch_rows", [None, 0, "4M", True])
def test_a_missing_or_unusable_batch_size_is_named(tmp_path, batch_rows):
    folder = _thresholds_copy(tmp_path, batch_rows=batch_rows)
    with pytest.raises(ValueError, match=r"thresholds\.yml: settings\.batch_rows must be"):
        load_thresholds(folder)


@pytest.mark.slow  # three gate runs over the simulated organisation's marts (~100 s)
def test_batches_give_the_same_results_and_still_find_duplicate_keys(
    sim_warehouse, copy_of, tmp_path
):
    """Frames larger than batch_rows are read in hash partitions of their key."""
    from quality.conftest import execute

    wh = copy_of(sim_warehouse)
    (rows,) = query(wh, "select count(*) from marts.fct_ai_usage_hourly")[0]
    small = _thresholds_copy(tmp_path, batch_rows=max(rows // 7, 100))
    whole = run_gate(wh, ("mart",))
    seen = []
    batched = run_gate(
        wh,
        ("mart",),
        lambda item, done, total: seen.append((item, done, total)),
        expectations=small,
    )
    assert whole.passed and batched.passed
    key = [
        (o.suite, o.expectation_type, o.column_name, o.success, o.unexpected_count)
        for o in whole.outcomes
    ]
    assert key == [
        (o.suite, o.expectation_type, o.column_name, o.success, o.unexpected_count)
        for o in batched.outcomes
    ]
    elements = {
        (o.suite, o.expectation_type, o.column_name): o.element_count for o in batched.outcomes
    }
    assert (
        elements[
            ("fct_ai_usage_hourly.mart", "expect_column_values_to_be_unique", "usage_hourly_id")
        ]
        == rows
    )
    assert ("fct_ai_usage_hourly.mart", 1, len(whole.suites_run)) in seen

    # a duplicated key lands in one batch with its original, wherever the batches split
    execute(
        wh,
        "insert into marts.fct_ai_usage_hourly select * from marts.fct_ai_usage_hourly "
        "order by usage_hourly_id desc limit 3",
    )
    failed = run_gate(wh, ("mart",), expectations=small)
    assert failed.summary().startswith(
        "fct_ai_usage_hourly.mart: expect_column_values_to_be_unique(usage_hourly_id) "
        "failed on 6 rows"
    ), failed.summary()


def test_a_warehouse_open_elsewhere_is_validated_read_only(tiny_warehouse, copy_of):
    """The app may hold the live file: the gate still validates, and says it recorded nothing."""
    import subprocess
    import sys

    wh = copy_of(tiny_warehouse)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time; c = duckdb.connect(sys.argv[1], read_only=True); "
            "print('open', flush=True); time.sleep(120)",
            str(wh),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "open"
        result = run_gate(wh, ("mart",))
    finally:
        holder.kill()
        holder.wait()
    assert result.passed
    assert not result.persisted
    assert any("validated read-only" in n for n in result.warnings_summary())
    tables = query(
        wh, "select count(*) from information_schema.tables where table_schema = 'quality'"
    )
    assert tables == [(0,)]


def test_a_mart_without_a_suite_is_named_in_a_warning(tiny_warehouse, copy_of):
    from quality.conftest import execute

    wh = copy_of(tiny_warehouse)
    execute(wh, "create table marts.fct_new_thing as select 1 as x")
    result = run_gate(wh, ("mart",))
    assert result.passed
    assert (
        "mart_coverage.mart: expect_column_values_to_be_in_set(table_name) failed on 1 rows "
        "(e.g. fct_new_thing)"
    ) in result.warnings_summary()


def test_the_gate_keeps_none_of_its_frames_afterwards(tiny_warehouse, copy_of):
    """The pipeline runs dbt right after the raw gate, so what the gate read must not outlive
    it: Great Expectations keeps its last context (with the data source's frames) in a
    module-level project manager unless the gate lets go of it."""
    import gc

    import pandas as pd
    from great_expectations.data_context.data_context.context_factory import project_manager
    from great_expectations.exceptions import DataContextRequiredError

    def landing_frames() -> int:
        gc.collect()
        return sum(
            1
            for o in gc.get_objects()
            if isinstance(o, pd.DataFrame) and "_source_file" in o.columns and len(o) > 0
        )

    before = landing_frames()
    result = run_gate(copy_of(tiny_warehouse), ("raw",))
    assert result.passed, result.summary()
    with pytest.raises(DataContextRequiredError):
        project_manager.get_current_project()
    assert landing_frames() == before


def test_a_gate_that_fails_midway_lets_go_too(tiny_warehouse, copy_of, monkeypatch):
    from great_expectations.data_context.data_context.context_factory import project_manager
    from great_expectations.exceptions import DataContextRequiredError

    import mileage.quality.gate as gate

    def broken(*args, **kwargs):
        raise RuntimeError("validation broke")

    monkeypatch.setattr(gate, "validate_suite", broken)
    with pytest.raises(RuntimeError, match="validation broke"):
        run_gate(copy_of(tiny_warehouse), ("raw",))
    with pytest.raises(DataContextRequiredError):
        project_manager.get_current_project()
