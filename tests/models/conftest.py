"""One landing + dbt build of the tiny hand-made raw directory, shared by this folder's tests."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from fixtures.tiny_raw import write_tiny_raw
from mileage.dbt_runner import DbtResult, run_dbt
from mileage.landing import LandingResult, land


@dataclass
class TinyBuild:
    raw: Path
    warehouse: Path
    landing: LandingResult
    dbt: DbtResult

    def query(self, sql: str, params=None) -> list[tuple]:
        con = duckdb.connect(str(self.warehouse), read_only=True)
        try:
            return con.execute(sql, params or []).fetchall()
        finally:
            con.close()


@pytest.fixture(scope="session")
def tiny_build(tmp_path_factory) -> TinyBuild:
    base = tmp_path_factory.mktemp("tiny")
    raw = write_tiny_raw(base / "raw")
    warehouse = base / "warehouse.duckdb"
    landing = land(raw, warehouse)
    result = run_dbt(["build"], warehouse=warehouse, target_path=base / "target", check=False)
    if result.returncode != 0:
        pytest.fail("dbt build failed on the tiny raw directory: " + "; ".join(result.failures))
    return TinyBuild(raw=raw, warehouse=warehouse, landing=landing, dbt=result)
