"""`mileage bench` on a small organisation: every stage timed, the floor computes the same mart.

The floor (bench/floor_team_months.sql) is an independent, hand-written implementation of
fct_team_months straight from the landing tables; that it agrees with dbt's mart to 1e-9 on a
simulated organisation is checked here, so the dbt/floor ratio compares equal work.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from mileage import config
from mileage.bench import BenchReport, RssSampler, StageResult, render, run_bench, summary_lines

pytestmark = [pytest.mark.slow]


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    out = tmp_path_factory.mktemp("bench")
    return run_bench(60, 14, "1d", 3, out, gate=False)


def test_every_stage_is_timed_with_memory(report):
    stages = [s.stage for s in report.stages]
    assert stages == ["simulate", "land", "floor", "dbt build", "first query"]
    for stage in report.stages:
        assert stage.seconds > 0
        assert 50 * 2**20 < stage.peak_rss_bytes < 8 * 2**30
    # dbt runs as a subprocess: its memory is counted, so its stage peaks above landing's
    assert report.stage("dbt build").peak_rss_bytes > report.stage("land").peak_rss_bytes
    # rows/s of landing: the records landed, which the accounting mart also counts
    assert report.stage("land").rows == report.stage("dbt build").rows > 1000


def test_the_floor_computes_the_same_team_months_as_dbt(report):
    check = report.floor_check
    assert check["rows"] == report.rows["marts.fct_team_months"] > 0
    assert check["only_in_floor"] == check["only_in_dbt"] == 0
    assert check["max_relative_difference"] < 1e-9, check


def test_the_report_renders_and_serialises(report):
    data = json.loads(json.dumps(report.as_dict(), default=str))
    assert data["dbt_floor_ratio"] == pytest.approx(
        report.stage("dbt build").seconds / report.stage("floor").seconds
    )
    assert data["pipeline_seconds"] == pytest.approx(
        sum(
            s["seconds"]
            for s in data["stages"]
            if s["stage"] in ("land", "dbt build", "first query")
        )
    )
    assert any(line.startswith("dbt build / floor:") for line in summary_lines(report))
    assert render(report).row_count == len(report.stages) + 1


def test_the_sampler_sees_a_child_process():
    import subprocess
    import sys

    sampler = RssSampler(interval=0.02).start()
    try:
        alone = sampler.read_window()
        sampler.reset_window()
        code = "b = bytearray(300 * 2**20); import time; time.sleep(0.5)"
        subprocess.run([sys.executable, "-c", code], check=True)
        with_child = sampler.read_window()
    finally:
        sampler.stop()
    assert with_child > alone + 250 * 2**20


def test_contract_types_are_valid_on_both_engines():
    """Spark rejects `varchar` without a length; `string` means VARCHAR on DuckDB."""
    spark_safe = re.compile(
        r"^(string|bigint|integer|int|double|boolean|date|timestamp"
        r"|decimal\(\d+, ?\d+\))$"
    )
    bad = []
    for path in Path(config.PROJECT_DIR, "models").rglob("_*.yml"):
        doc = yaml.safe_load(path.read_text()) or {}
        for node in (doc.get("models") or []) + (doc.get("seeds") or []):
            for column in node.get("columns") or []:
                data_type = column.get("data_type")
                if data_type and not spark_safe.match(str(data_type).lower()):
                    bad.append(f"{path.name}: {node['name']}.{column['name']} {data_type}")
            for name, data_type in ((node.get("config") or {}).get("column_types") or {}).items():
                if not spark_safe.match(str(data_type).lower()):
                    bad.append(f"{path.name}: {node['name']}.{name} {data_type}")
    assert not bad, bad


def _timed(report: BenchReport, **seconds: float) -> BenchReport:
    for stage, value in seconds.items():
        report.stages.append(StageResult(stage.replace("_", " "), value, 2**20))
    return report


def test_the_fixed_cost_run_builds_the_tiny_organisation_and_nets_out_of_the_ratio(
    monkeypatch, tmp_path
):
    """`mileage bench --fixed-cost`: the same build on FIXED_COST_ORG, reported net of the floor."""
    from typer.testing import CliRunner

    from mileage import bench
    from mileage.cli import app

    calls = []

    def fake_run_bench(employees, days, bucket, seed, out_dir=None, **options):
        calls.append((employees, days, bucket, seed, Path(out_dir), options.get("floor", True)))
        report = BenchReport(employees, days, bucket, seed, str(out_dir))
        if employees == 85000:  # the organisation asked for: floor 12 s, dbt 66 s
            return _timed(report, land=30.0, floor=12.0, dbt_build=66.0)
        return _timed(report, land=0.5, dbt_build=21.0)  # the tiny one: dbt's fixed cost

    monkeypatch.setattr(bench, "run_bench", fake_run_bench)
    json_path = tmp_path / "report.json"
    args = ["bench", "--employees", "85000", "--days", "90", "--bucket", "1d", "--seed", "7"]
    result = CliRunner().invoke(
        app, [*args, "--out", str(tmp_path), "--fixed-cost", "--json", str(json_path)]
    )
    assert result.exit_code == 0, result.output
    assert calls == [
        (85000, 90, "1d", 7, tmp_path, True),
        (60, 14, "1d", 7, tmp_path / "fixed-cost", False),
    ]
    data = json.loads(json_path.read_text())
    assert data["fixed_cost"]["dbt_seconds"] == 21.0
    assert data["dbt_floor_ratio"] == pytest.approx(66 / 12)
    assert data["dbt_above_fixed_cost_floor_ratio"] == pytest.approx((66 - 21) / 12)
    output = " ".join(result.output.split())
    assert "dbt's fixed cost (the same build on 60 people x 14 days): 21.0 s" in output
    assert "(dbt build - fixed cost) / floor: 3.8x" in output


def test_without_the_fixed_cost_run_there_is_no_net_ratio(tmp_path):
    report = _timed(BenchReport(60, 14, "1d", 3, str(tmp_path)), floor=10.0, dbt_build=50.0)
    assert report.dbt_above_fixed_cost_floor_ratio is None
    assert not any("fixed cost" in line for line in summary_lines(report))
    report.fixed_cost = {"employees": 60, "days": 14, "dbt_seconds": 20.0}
    report.incremental = {
        "day": "2026-01-29",
        "split": {"increment_records": 10, "increment_files": 2},
        "from_date": "2026-01-27",
        "incremental": {"seconds": 80.0},
        "full": {"seconds": 180.0},
        "ratio": 80 / 180,
        "facts_equal": {"marts.fct_team_months": True},
        "model_seconds": {"incremental": {}, "full": {}},
    }
    assert report.dbt_above_fixed_cost_floor_ratio == pytest.approx(3.0)
    lines = summary_lines(report)
    assert "(dbt build - fixed cost) / floor: 3.0x" in lines
    assert "  a tenth of the full rebuild is 18.0 s; dbt's fixed cost alone is 20.0 s" in lines
