"""Session-wide fixtures shared by every test area.

`pipeline_warehouse` runs the main job's own code path (the `mileage demo` command without
serving) once per test session on a small simulated organisation; tests of the app, the audit
and the incentives read that warehouse instead of building their own.

`tiny_build` lands and builds the tiny hand-made raw directory (tests/fixtures/tiny_raw.py) once
per session, unit tests included; the models' tests read it, the gate's tests copy it
(quality/conftest.py) and the Spark parity test exports its landing tables. Nobody writes to it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

# Small enough for CI, large enough that every team clears the minimum group size and every
# planted persona appears at least once.
SMALL_ORG = {"employees": 60, "days": 31, "seed": 7}


@pytest.fixture(scope="session")
def small_org_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("small-org")


@pytest.fixture(scope="session")
def pipeline_run(small_org_dir):
    """Run `mileage demo --no-serve` on the small organisation; return (result, paths)."""
    from typer.testing import CliRunner

    from mileage.cli import app

    raw = small_org_dir / "raw"
    warehouse = small_org_dir / "warehouse" / "mileage.duckdb"
    result = CliRunner().invoke(
        app,
        [
            "demo",
            "--no-serve",
            "--out",
            str(raw),
            "--warehouse",
            str(warehouse),
            "--employees",
            str(SMALL_ORG["employees"]),
            "--days",
            str(SMALL_ORG["days"]),
            "--seed",
            str(SMALL_ORG["seed"]),
        ],
    )
    return result, {
        "raw": raw,
        "warehouse": warehouse,
        "ground_truth": small_org_dir / "ground_truth",
    }


@pytest.fixture(scope="session")
def pipeline_warehouse(pipeline_run) -> Path:
    result, paths = pipeline_run
    if result.exit_code != 0:
        pytest.fail(f"mileage demo failed (exit {result.exit_code}):\n{result.output}")
    return paths["warehouse"]


@dataclass
class TinyBuild:
    raw: Path
    warehouse: Path
    landing: object  # mileage.landing.LandingResult
    dbt: object  # mileage.dbt_runner.DbtResult

    def query(self, sql: str, params=None) -> list[tuple]:
        con = duckdb.connect(str(self.warehouse), read_only=True)
        try:
            return con.execute(sql, params or []).fetchall()
        finally:
            con.close()


@pytest.fixture(scope="session")
def tiny_build(tmp_path_factory) -> TinyBuild:
    from fixtures.tiny_raw import write_tiny_raw
    from mileage.dbt_runner import run_dbt
    from mileage.landing import land

    base = tmp_path_factory.mktemp("tiny")
    raw = write_tiny_raw(base / "raw")
    warehouse = base / "warehouse.duckdb"
    landing = land(raw, warehouse)
    result = run_dbt(["build"], warehouse=warehouse, target_path=base / "target", check=False)
    if result.returncode != 0:
        pytest.fail("dbt build failed on the tiny raw directory: " + "; ".join(result.failures))
    return TinyBuild(raw=raw, warehouse=warehouse, landing=landing, dbt=result)
