"""The semantic layer answers a headline metric with MetricFlow on the built warehouse."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from fixtures.tiny_raw import EXPECTED
from mileage import config
from mileage.dbt_runner import dbt_env


def test_mf_query_value_per_token_by_team(tiny_build):
    mf = Path(sys.executable).with_name("mf")
    if not mf.exists():
        pytest.fail("MetricFlow (dbt-metricflow) is part of the test extra but `mf` is missing")
    # mf reads the semantic manifest from the project's target/ (git-ignored)
    target = config.PROJECT_DIR / "target"
    target.mkdir(exist_ok=True)
    shutil.copy(
        tiny_build.dbt.target_path / "semantic_manifest.json", target / "semantic_manifest.json"
    )
    out = subprocess.run(
        [
            str(mf),
            "query",
            "--metrics",
            "merged_prs_per_million_tokens,cost_per_merged_pr_usd",
            "--group-by",
            "metric_time__month,team",
            "--csv",
            str(target / "mf_query.csv"),
        ],
        cwd=config.PROJECT_DIR,
        env=dbt_env(tiny_build.warehouse),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    import csv

    rows = {r["team"]: r for r in csv.DictReader((target / "mf_query.csv").open())}
    assert float(rows["T1"]["merged_prs_per_million_tokens"]) == pytest.approx(
        EXPECTED["T1"]["merged_prs_per_million_tokens"], rel=1e-6
    )
    assert float(rows["T1"]["cost_per_merged_pr_usd"]) == pytest.approx(
        EXPECTED["T1"]["cost_per_merged_pr_usd"], rel=1e-6
    )
