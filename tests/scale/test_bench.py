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
from mileage.bench import RssSampler, render, run_bench, summary_lines

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
