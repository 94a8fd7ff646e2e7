"""Warehouses for the gate's tests, each built once per session and only ever copied.

- `tiny_warehouse`: the hand-made tiny raw directory (4 people, January 2026), landed and built
  once per session for every test area (`tiny_build` in tests/conftest.py).
- `sim_warehouse`: a small simulated organisation over two full months (Nov-Dec 2025 plus
  1 January day), landed and built: enough months for the month-over-month band to bite.
- `sim_landing`: the same simulation, landed only (raw-stage tests need no dbt).

Corruption tests copy a warehouse (`copy_of`), corrupt the copy with SQL and run the gate on it.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from mileage.dbt_runner import BUILD_ARGS, run_dbt
from mileage.landing import land

SIM = {"employees": 60, "days": 62, "seed": 11}


@dataclass
class Built:
    raw: Path
    warehouse: Path

    def query(self, sql: str, params=None) -> list[tuple]:
        return query(self.warehouse, sql, params)


def query(warehouse: Path, sql: str, params=None) -> list[tuple]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def execute(warehouse: Path, *statements: str) -> None:
    con = duckdb.connect(str(warehouse))
    try:
        for sql in statements:
            con.execute(sql)
    finally:
        con.close()


def _build(base: Path, raw: Path, *, dbt: bool = True) -> Built:
    warehouse = base / "warehouse.duckdb"
    land(raw, warehouse)
    if dbt:
        result = run_dbt(BUILD_ARGS, warehouse=warehouse, target_path=base / "target", check=False)
        if result.returncode != 0:
            pytest.fail("dbt build failed: " + "; ".join(result.failures))
    return Built(raw=raw, warehouse=warehouse)


@pytest.fixture(scope="session")
def tiny_warehouse(tiny_build) -> Built:
    return Built(raw=tiny_build.raw, warehouse=tiny_build.warehouse)


@pytest.fixture(scope="session")
def sim_raw(tmp_path_factory) -> Path:
    from mileage.simulate import SimulationOptions, simulate

    base = tmp_path_factory.mktemp("quality-sim")
    simulate(base / "raw", SimulationOptions(**SIM))
    return base / "raw"


@pytest.fixture(scope="session")
def sim_warehouse(sim_raw, tmp_path_factory) -> Built:
    return _build(tmp_path_factory.mktemp("quality-sim-built"), sim_raw)


@pytest.fixture(scope="session")
def sim_landing(sim_raw, tmp_path_factory) -> Built:
    return _build(tmp_path_factory.mktemp("quality-sim-landed"), sim_raw, dbt=False)


@pytest.fixture
def copy_of(tmp_path):
    """copy_of(built) -> a private copy of its warehouse file, safe to corrupt."""
    counter = iter(range(1000))

    def make(built: Built) -> Path:
        target = tmp_path / f"copy-{next(counter)}.duckdb"
        shutil.copyfile(built.warehouse, target)
        return target

    return make
