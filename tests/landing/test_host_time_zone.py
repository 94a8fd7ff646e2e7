"""The build host's time zone changes nothing: the raw contract's times are UTC.

The tiny raw directory holds an Anthropic bucket whose `starting_at` has no offset
(2026-01-05T10:00:00) and a Claude Code record with a bare `date` (2026-01-06), as the
Analytics API documents it. DuckDB reads such values in its session time zone, which defaults
to the host's, so they used to land nine hours early in Tokyo (a day early for the bare date)
and eight hours late in Los Angeles. Two real `mileage build` processes, one per TZ, must
publish identical marts, with those records at the UTC hour and day the contract says.
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date, datetime

import duckdb
import pytest

from fixtures.tiny_raw import OPUS45, write_tiny_raw

# two real builds side by side (~1 min): the slow lane (make test-slow), which CI runs too
pytestmark = [pytest.mark.slow]

ZONES = ("Asia/Tokyo", "America/Los_Angeles")  # +09:00 and -08:00 in January
MART_SCHEMAS = ("marts", "restricted")


@pytest.fixture(scope="module")
def builds(tmp_path_factory):
    """{TZ: warehouse} built by `mileage build` in subprocesses with TZ set, run side by side."""
    base = tmp_path_factory.mktemp("host-tz")
    raw = write_tiny_raw(base / "raw")
    cli = [sys.executable, "-c", "from mileage.cli import app; app()"]
    procs = {}
    for zone in ZONES:
        warehouse = base / zone.replace("/", "_") / "mileage.duckdb"
        env = dict(os.environ, TZ=zone)
        procs[zone] = (
            warehouse,
            subprocess.Popen(
                [*cli, "build", "--raw-dir", str(raw), "--warehouse", str(warehouse)],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            ),
        )
    warehouses = {}
    for zone, (warehouse, proc) in procs.items():
        output, _ = proc.communicate(timeout=900)
        assert proc.returncode == 0, f"mileage build under TZ={zone} failed:\n{output[-3000:]}"
        warehouses[zone] = warehouse
    return warehouses


def _tables(con, alias: str) -> list[str]:
    return [
        f"{schema}.{name}"
        for schema, name in con.execute(
            "select schema_name, table_name from duckdb_tables() "
            "where database_name = ? and schema_name in (select unnest(?::varchar[])) "
            "order by all",
            [alias, list(MART_SCHEMAS)],
        ).fetchall()
    ]


def test_the_host_time_zone_changes_no_mart(builds):
    """Every table of every mart schema, row for row (EXCEPT ALL both ways, so duplicates and
    NULLs count), is the same whichever TZ the build ran under."""
    first, second = (builds[zone] for zone in ZONES)
    con = duckdb.connect()
    try:
        con.execute(f"attach '{first}' as a (read_only)")
        con.execute(f"attach '{second}' as b (read_only)")
        tables = _tables(con, "a")
        assert tables == _tables(con, "b")
        assert "marts.fct_ai_usage_hourly" in tables and "marts.fct_team_months" in tables
        differing = {}
        for table in tables:
            rows = con.execute(f"select count(*) from a.{table}").fetchone()[0]
            only_a = con.execute(
                f"select count(*) from (from a.{table} except all from b.{table})"
            ).fetchone()[0]
            only_b = con.execute(
                f"select count(*) from (from b.{table} except all from a.{table})"
            ).fetchone()[0]
            if only_a or only_b:
                differing[table] = (rows, only_a, only_b)
        assert differing == {}, f"(rows, only in {ZONES[0]}, only in {ZONES[1]}): {differing}"
    finally:
        con.close()


@pytest.mark.parametrize("zone", ZONES)
def test_offset_less_times_land_at_their_utc_hour(builds, zone):
    con = duckdb.connect(str(builds[zone]), read_only=True)
    try:
        # "2026-01-05T10:00:00" in the Messages report: the 10:00 UTC hour of 5 January
        assert con.execute(
            "select distinct usage_hour from marts.fct_ai_usage_hourly where model = ?", [OPUS45]
        ).fetchall() == [(datetime(2026, 1, 5, 10, 0),)]
        # Claude Code "date": "2026-01-06" (ben's subscription record): the UTC day 6 January
        assert con.execute(
            "select distinct usage_date from marts.fct_ai_usage_daily where tool = 'claude_code'"
        ).fetchall() == [(date(2026, 1, 6),)]
    finally:
        con.close()
