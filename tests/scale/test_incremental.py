"""An incremental build (one more day on a copy of the live warehouse) equals a full rebuild.

A small simulated organisation is split into "the warehouse so far" and "the next delivery"
(mileage.bench.split_last_day): the delivery holds the last day's records, a third of the
records of two days earlier (late-arriving data) and a quarter of the previous day's records
again (an overlapping page). The live warehouse is built in full from the first part by the pipeline
(`mileage build`, which records its build state); the delivery's files are then added to the
same raw directory and built twice: incrementally (`mileage build --incremental`, gated and
published like any build) and in full. Every table of every layer must be equal.
"""

from __future__ import annotations

import json
import os
import shutil
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from mileage.bench import split_last_day
from mileage.cli import app
from mileage.dbt_runner import run_dbt
from mileage.incremental import (
    RAW_FILES_TABLE,
    IncrementalNotPossible,
    build_incremental,
    build_inputs,
    file_column,
    plan_increment,
    read_raw_files,
    record_build_state,
)
from mileage.landing import land
from mileage.pipeline import build, dbt_run_path
from mileage.simulate import SimulationOptions, simulate
from mileage.spark import compare_frames

pytestmark = [pytest.mark.slow]

START = date(2026, 2, 20)  # February and March: a monthly model keeps February's rows
DAYS = 20
LAST_DAY = START + timedelta(days=DAYS - 1)
LATE_DAYS = 2
SCHEMAS = ("landing", "staging", "intermediate", "marts", "restricted")
VENDOR_STAGING = (
    "stg_anthropic__claude_code",
    "stg_anthropic__usage_report_messages",
    "stg_copilot__users",
    "stg_cursor__usage_events",
    "stg_github__pull_requests",
    "stg_jira__issues",
    "stg_openai__usage_completions",
    "stg_telemetry__claude_code_events",
)


def _build_full(raw: Path, warehouse: Path, target: Path) -> None:
    """The reference: land everything and build every model (tests change no table)."""
    land(raw, warehouse)
    run_dbt(
        ["build", "--exclude-resource-type", "unit_test", "--exclude-resource-type", "test"],
        warehouse=warehouse,
        target_path=target,
    )


def _claude_code_pages(raw: Path) -> list[Path]:
    return sorted((raw / "anthropic" / "claude_code").glob("*.json"))


def _plant_duplicates(raw: Path) -> tuple[Path, dict[str, tuple[str, str]]]:
    """Before the live build: two pages of the last live day. The second sends a record of the
    first again ("repeated"), which staging rejects (with its model rows) as a duplicate, and
    one of its own ("gained", which the first page will gain when re-sent). The records are
    copies of a real one with terminals of their own, so their keys are new. Returns the
    first page and, per case, the second page's record (file, record path)."""
    folder = raw / "anthropic" / "claude_code"
    real = json.loads(_claude_code_pages(raw)[-1].read_text())["data"]
    last_day = max(record["date"] for record in real)
    template = next(record for record in real if record["date"] == last_day)
    repeated, kept, gained = ({**template, "terminal_type": f"planted-{n}"} for n in (1, 2, 3))
    day = last_day[:10].replace("-", "")
    first, second = (folder / f"claude_code_{day}_{day}_0099_p0{n}.json" for n in (1, 2))
    first.write_text(json.dumps({"data": [repeated, kept], "has_more": True, "next_page": "p02"}))
    second.write_text(
        json.dumps({"data": [repeated, gained], "has_more": False, "next_page": None})
    )
    where = str(second.resolve())
    return first, {"repeated": (where, "data[0]"), "gained": (where, "data[1]")}


def _redeliver_changed_files(raw: Path, planted_page: Path) -> list[Path]:
    """Vendors re-send pages: rewrite files landed before, each without one of its records
    (and two with another repeated), so the incremental build must drop their old rows, rank
    the duplicates again and forget the record that is gone (here: a pull request). The planted
    Claude Code page (_plant_duplicates) drops the record its next page repeats, whose copy there
    becomes the first of its key, and gains the next page's own record, which becomes a
    duplicate there: the model rows of both records must follow their parents."""
    pulls = next((raw / "github" / "pull_requests").glob("pulls_*_p01.json"))
    records = json.loads(pulls.read_text())
    pulls.write_text(json.dumps([*records[1:], records[2]]))

    telemetry = next((raw / "telemetry" / "claude_code").glob("*_p01.jsonl"))
    lines = telemetry.read_text().splitlines()
    telemetry.write_text("\n".join([*lines[1:], lines[2]]) + "\n")

    page = json.loads(planted_page.read_text())
    next_page = json.loads(
        planted_page.with_name(planted_page.name.replace("_p01", "_p02")).read_text()
    )
    page["data"] = [*page["data"][1:], next_page["data"][1]]
    planted_page.write_text(json.dumps(page))
    return [pulls, telemetry, planted_page]


@pytest.fixture(scope="module")
def builds(tmp_path_factory):
    base = tmp_path_factory.mktemp("incremental")
    simulate(
        base / "sim" / "raw",
        SimulationOptions(employees=60, days=DAYS, start=START, seed=11, bucket="1h"),
    )
    raw = base / "raw"
    split = split_last_day(
        base / "sim" / "raw", raw, base / "delivery", LAST_DAY.isoformat(), late_days=LATE_DAYS
    )
    assert split.increment_files and split.late_records and split.overlapping_records
    planted_page, planted = _plant_duplicates(raw)

    live = base / "live.duckdb"
    # asked for incremental with no live warehouse yet: built in full, saying why
    first = build(raw, live, run_gate=False, incremental=True)
    # the live warehouse, updated in place below; each warehouse in a folder of its own under
    # one file name, as the pipeline builds (dbt's partial-parse state carries over)
    published = base / "published" / live.name
    published.parent.mkdir()
    shutil.copy(live, published)

    for file in split.increment_files:  # the delivery arrives in the raw directory
        destination = raw / file.relative_to(base / "delivery")
        shutil.copy(file, destination)
    changed = _redeliver_changed_files(raw, planted_page)
    plan = plan_increment(raw, published)
    report = build(raw, published, incremental=True)

    full = base / "full" / live.name
    full.parent.mkdir()
    _build_full(raw, full, base / "target-full")
    return {
        "base": base,
        "raw": raw,
        "live": live,
        "split": split,
        "plan": plan,
        "changed": changed,
        "first": first,
        "report": report,
        "incremental": report.increment,
        "published": published,
        "full": full,
        "planted": planted,
    }


def test_the_pipeline_built_incrementally_and_published(builds):
    report = builds["report"]
    assert report.mode == "incremental" and report.full_reason is None
    assert "land (new files)" in report.stage_seconds and "land" not in report.stage_seconds
    assert report.gate is not None and report.gate.passed  # gated like a full build
    # what it landed is what the plan found; the built file is gone, published in its place
    assert report.increment.plan.files == builds["plan"].files
    assert not report.increment.warehouse.exists() and builds["published"].exists()
    assert not report.increment.warehouse.parent.exists()  # the build's own folder too
    # dbt's artefacts kept in one place beside the warehouse, replacing the live build's
    assert report.dbt.target_path == dbt_run_path(builds["published"])
    assert (report.dbt.target_path / "run_results.json").is_file()


def test_without_a_live_warehouse_the_first_build_is_full(builds):
    first = builds["first"]
    assert first.mode == "full" and "no live warehouse" in first.full_reason
    assert "land" in first.stage_seconds and first.increment is None


def test_the_plan_lands_exactly_the_delivered_files(builds):
    plan = builds["plan"]
    assert plan.full_reason is None
    assert plan.changed_files == sorted(str(f.resolve()) for f in builds["changed"])
    delivered = {
        str((builds["raw"] / f.relative_to(builds["base"] / "delivery")).resolve())
        for f in builds["split"].increment_files
    }
    assert set(plan.new_files) == delivered


def test_the_window_starts_before_the_late_records(builds):
    # the earliest new usage row is LATE_DAYS before the last day; one day of margin
    expected = LAST_DAY - timedelta(days=LATE_DAYS + 1)
    assert builds["incremental"].from_date == expected


def test_the_facts_were_updated_incrementally(builds):
    """The incremental run deleted and recomputed the window, rather than rebuilding."""
    log = (builds["report"].dbt.target_path / "logs" / "dbt.log").read_text()
    window = f"usage_date >= cast('{builds['incremental'].from_date.isoformat()}' as date)"
    for model in ("fct_ai_usage_hourly", "fct_ai_usage_daily"):
        assert f'{model}\\" where {window}' in log, model
    # the hourly fact reads only the window's days of the attribution view
    models = builds["report"].dbt.target_path / "compiled" / "mileage" / "models"
    hourly = (models / "marts" / "fct_ai_usage_hourly.sql").read_text()
    assert f'int_token_usage_attributed"\n    where {window}' in hourly
    assert 'fct_pull_requests\\" where pull_request_id in' in log
    # the audit's usage months: whole months from the window's month on (March), February kept
    assert "int_audit__usage_months\\\" where month_start >= cast(date_trunc('month', cast('" in log
    # the vendor staging models staged only the delivered files, ranked them with the earlier
    # rows they may duplicate, and replaced those rows in place (no rewrite of the table)
    compiled = models / "staging"
    touched = builds["incremental"].touched_sources
    staged = [m for m in VENDOR_STAGING if m.removeprefix("stg_") in touched]
    assert {"stg_telemetry__claude_code_events", "stg_github__pull_requests"} <= set(staged)
    for model in staged:
        sql = (compiled / f"{model}.sql").read_text()
        assert "_source_file in ('" in sql and "union all by name" in sql, model
        assert f'{model}\\" as p\\nwhere p._source_file in (' in log, model


def test_model_rows_follow_their_record_when_a_re_sent_page_changes_who_is_first(builds):
    """In the live build the repeated record's copy was a rejected duplicate and the gained
    record counted; after the first page is re-sent (without the one, with the other), the copy
    and its model rows count and the gained record's rows are rejected with it, restaged in
    place rather than rebuilt."""
    sql = """
        select count(*), count(reject_reason), min(reject_reason)
        from staging.stg_anthropic__claude_code_models
        where _source_file = ? and _record_path = ?
    """

    def model_rows(warehouse, case):
        con = duckdb.connect(str(warehouse), read_only=True)
        try:
            return con.execute(sql, list(builds["planted"][case])).fetchone()
        finally:
            con.close()

    duplicate = "parent record rejected: duplicate"
    rows, rejected, reason = model_rows(builds["live"], "repeated")
    assert rows >= 1 and rejected == rows and reason.startswith(duplicate)
    assert model_rows(builds["published"], "repeated") == (rows, 0, None)

    rows, rejected, _ = model_rows(builds["live"], "gained")
    assert rows >= 1 and rejected == 0
    _, rejected, reason = model_rows(builds["published"], "gained")
    assert rejected == rows and reason.startswith(duplicate)

    log = (builds["report"].dbt.target_path / "logs" / "dbt.log").read_text()
    assert 'stg_anthropic__claude_code_models\\" as p\\nwhere p._source_file in (' in log


def test_only_what_the_touched_landing_tables_feed_is_rebuilt(builds):
    """dbt builds the models downstream of the landing tables whose rows changed; models that
    read only reference data and seeds keep the live build's tables (equal to a full rebuild's:
    the test below compares them)."""
    files = builds["plan"].files
    con = duckdb.connect(str(builds["published"]), read_only=True)
    try:
        tables = [
            r[0]
            for r in con.execute(
                "select table_name from duckdb_tables() where schema_name = 'landing'"
            ).fetchall()
        ]
        with_rows = sorted(
            table
            for table in tables
            if con.execute(
                f"select count(*) from landing.{table} "
                f"where {file_column(table)} in (select unnest(?))",
                [files],
            ).fetchone()[0]
        )
    finally:
        con.close()
    assert builds["incremental"].touched_sources == with_rows
    assert "hr__roster" not in with_rows and "telemetry__claude_code_events" in with_rows

    results = json.loads((builds["report"].dbt.target_path / "run_results.json").read_text())
    ran = {r["unique_id"].split(".")[-1] for r in results["results"]}
    assert {"fct_ai_usage_daily", "fct_team_months", "int_incentive_payouts"} <= ran
    assert not ran & {"stg_hr__roster", "dim_teams", "int_identities", "token_prices"}


def test_every_table_equals_a_full_rebuild(builds):
    con = duckdb.connect()
    try:
        con.execute(f"attach '{builds['published']}' as inc (read_only)")
        con.execute(f"attach '{builds['full']}' as full_build (read_only)")
        tables = [
            r[0]
            for r in con.execute(
                "select schema_name || '.' || table_name from duckdb_tables() "
                f"where database_name = 'full_build' and schema_name in {SCHEMAS} order by 1"
            ).fetchall()
        ]
        differences = {}
        for table in tables:
            ours = con.execute(f"select * from inc.{table}").df()
            theirs = con.execute(f"select * from full_build.{table}").df()
            problems = compare_frames(ours, theirs, names=("incremental", "full"))
            if problems:
                differences[table] = problems
    finally:
        con.close()
    assert "marts.fct_ai_usage_daily" in tables and "landing.file_manifest" in tables
    assert not differences, differences


def test_the_last_day_is_in_the_incremental_facts(builds):
    con = duckdb.connect(str(builds["published"]), read_only=True)
    try:
        last = con.execute("select max(usage_date) from marts.fct_ai_usage_daily").fetchone()[0]
    finally:
        con.close()
    assert last == LAST_DAY


def test_a_changed_roster_or_a_vanished_file_forces_a_full_build(builds, tmp_path):
    raw = builds["raw"]
    live = tmp_path / "live.duckdb"
    shutil.copy(builds["published"], live)  # its state was recorded by the build
    plan = plan_increment(raw, live)
    assert plan.full_reason is None and plan.files == []  # nothing new: nothing to do

    roster = raw / "hr" / "roster.csv"
    original = roster.read_bytes()
    try:
        roster.write_bytes(original + b"\n")
        assert "roster" in plan_increment(raw, live).full_reason
        with pytest.raises(IncrementalNotPossible):
            build_incremental(raw, live, tmp_path / "never.duckdb")
    finally:
        roster.write_bytes(original)

    page = next(p for p in (raw / "cursor").rglob("*.json"))
    moved = tmp_path / page.name
    shutil.move(page, moved)
    try:
        assert "gone" in plan_increment(raw, live).full_reason
    finally:
        shutil.move(moved, page)


def test_a_file_rewritten_with_the_same_size_is_landed_again(builds, tmp_path):
    """Change times, not sizes alone: a page re-sent with a corrected count of as many digits
    keeps its size (so does the planted Claude Code page, whose rewrite the plan found)."""
    raw = builds["raw"]
    live = tmp_path / "live.duckdb"
    shutil.copy(builds["published"], live)
    page = next((raw / "cursor").rglob("*.json"))
    original = page.read_bytes()
    stat = page.stat()
    corrected = original.replace(b"1", b"2", 1)
    assert corrected != original and len(corrected) == len(original)
    try:
        page.write_bytes(corrected)
        plan = plan_increment(raw, live)
        assert plan.full_reason is None and plan.files == [str(page.resolve())]
        assert plan.changed_files == plan.files
    finally:
        page.write_bytes(original)
        os.utime(page, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert plan_increment(raw, live).files == []  # as recorded again

    con = duckdb.connect(str(live))
    try:
        con.execute(f"drop table {RAW_FILES_TABLE}")  # a warehouse built before the record
    finally:
        con.close()
    assert "change times" in plan_increment(raw, live).full_reason


def test_nothing_new_leaves_the_live_warehouse_as_it_is(builds, tmp_path):
    live = tmp_path / "live.duckdb"
    shutil.copy(builds["published"], live)
    before = live.stat().st_mtime_ns
    result = CliRunner().invoke(
        app, ["build", "--incremental", "--raw-dir", str(builds["raw"]), "--warehouse", str(live)]
    )
    assert result.exit_code == 0, result.output
    assert "nothing new" in " ".join(result.output.split())
    assert live.stat().st_mtime_ns == before
    # nothing left behind but the build lock's file (mileage/publish_lock.py)
    assert sorted(p.name for p in tmp_path.iterdir()) == [".live.duckdb.lock", "live.duckdb"]


def test_a_warehouse_without_build_state_is_never_built_incrementally(builds, tmp_path):
    live = tmp_path / "live.duckdb"
    shutil.copy(builds["full"], live)  # built in full, state never recorded
    assert "no recorded build state" in plan_increment(builds["raw"], live).full_reason


def test_the_request_leaves_dbt_partial_parsing_intact(builds):
    """The request reaches dbt in the environment, read at run time, not as dbt vars (which
    force a full re-parse whenever they change): the incremental run reuses the partial-parse
    state the live build of the same warehouse name left (mileage.dbt_runner.PARSE_STATE_DIR)."""
    log = (builds["report"].dbt.target_path / "logs" / "dbt.log").read_text()
    assert "PartialParsingEnabled" in log
    assert "UnableToPartialParse" not in log


def test_build_state_of_a_raw_directory_without_vendor_files(tmp_path):
    """A roster-only raw directory is valid; recording its build state must not crash (DuckDB's
    executemany rejects an empty list), and it records that no vendor file was read."""
    raw = tmp_path / "raw"
    (raw / "hr").mkdir(parents=True)
    (raw / "hr" / "roster.csv").write_text("employee_id\n")
    warehouse = tmp_path / "w.duckdb"
    record_build_state(warehouse, build_inputs(raw))
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        assert read_raw_files(con) == {}
    finally:
        con.close()
