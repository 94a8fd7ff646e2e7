"""Incremental builds: new raw files added to a copy of the live warehouse, facts updated by day.

The pipeline builds every warehouse into a new file and publishes it atomically
(mileage/pipeline.py). An incremental build starts that new file as a *copy of the live
warehouse* instead of an empty one, then:

1. plans: which raw files are new or changed since the live build (against
   `landing.file_manifest`), and whether anything forces a full build instead: no build state
   recorded in the live warehouse, a different raw directory, changed dbt code or seeds
   (models/, macros/, seeds/, dbt_project.yml), changed reference data (hr/roster.csv,
   hr/api_keys.csv, roadmap/roadmap_items.csv: a team move or a new key owner re-attributes
   history) or a raw file that disappeared;
2. lands only the new and changed files (mileage.landing.land on a scratch folder of links,
   paths mapped back to the raw directory, so landing rows are exactly those of a full landing)
   and swaps their rows into the copy's landing tables;
3. finds the first affected usage day: the earliest date of any usage row in those files (or
   in the rows of changed files they replace), one day earlier for safety;
4. runs `dbt build` on the models downstream of the landing tables whose rows changed (data
   tests included; unit tests are left to CI, as in every production build; the models that read only
   reference data and seeds are left as the live build made them, since the plan guarantees
   their inputs did not change) with
   the request {from_date, files_table, replaced_keys} in the environment variable
   MILEAGE_INCREMENTAL (read at run time only, so dbt's partial parsing survives; the files are
   listed in the table _mileage.increment_files): the vendor staging models stage only the
   rows of those files, re-rank them with the earlier rows of any natural key they touch and
   replace those rows in place (staging_files_filter, staging_select and the staging_merge
   strategy in macros/cross_db.sql; stg_anthropic__claude_code_models restages the records of
   those files and those whose parent's reject reason changed); the large facts
   (fct_ai_usage_hourly, reading the view int_token_usage_attributed for those days only,
   and fct_ai_usage_daily: whole days from from_date on; fct_pull_requests: the pull requests the new files hold or the changed files
   held before) delete and recompute
   only those rows (macros/cross_db.sql: incremental_window, incremental_delete), the audit's
   int_audit__usage_months whole months from from_date's month on (incremental_window, grain 'month');
   every other model rebuilds as a table, as in a full build;
5. records the build state (code and reference fingerprints, raw directory) in
   `_mileage.build_state`, for the next incremental build to check.

The caller then gates and publishes the file exactly as after a full build.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import duckdb

from mileage import config
from mileage.dbt_runner import BUILD_ARGS

STATE_SCHEMA = "_mileage"
STATE_TABLE = f"{STATE_SCHEMA}.build_state"
# Size and change time (ns) of every vendor file as the build found it before landing: a file
# whose size or change time differs since is re-landed. Size alone missed a re-sent page of the
# same length (a corrected count with as many digits). Like rsync's quick check, this trusts
# that a rewritten file gets a new change time.
RAW_FILES_TABLE = f"{STATE_SCHEMA}.raw_files"
# The pull request ids of the rows a re-delivered (changed) file had before: the file's new
# version may lack a pull request, or no longer hold the record staging kept, and fct_pull_requests
# (recomputed by id) must recompute those ids too. Named in the request's replaced_keys
# (see incremental_keys_in_files in macros/cross_db.sql).
REPLACED_PULL_REQUESTS = f"{STATE_SCHEMA}.replaced_pull_requests"
# The raw files an incremental build lands (new or changed); the request's files_table. A table,
# not a list in the request: a delivery may hold more file names than one environment variable
# (or command-line argument) can.
INCREMENT_FILES = f"{STATE_SCHEMA}.increment_files"
# Both tables are written for one build and dropped by record_build_state.
SCRATCH_TABLES = (REPLACED_PULL_REQUESTS, INCREMENT_FILES)
# The environment variable carrying the request to dbt (incremental_request in macros/cross_db.sql)
REQUEST_ENV = "MILEAGE_INCREMENTAL"
REFERENCE_FILES = ("hr/roster.csv", "hr/api_keys.csv", "roadmap/roadmap_items.csv")
LANDING_SOURCE = "landing"  # the dbt source of the landing tables (models/staging/_sources.yml)
# Landing's bookkeeping tables (one row per file, or per rejected record, of every source)
BOOKKEEPING_TABLES = ("file_manifest", "rejects", "unread_files")
CODE_PATHS = ("models", "macros", "seeds", "dbt_project.yml")
SAFETY_DAYS = 1  # the window starts this many days before the earliest new usage row

# The first day each landed usage source's row counts towards (the staging models' parsing,
# in DuckDB SQL). A row whose date does not parse is rejected by staging and affects no day.
USAGE_DATES = {
    "anthropic__usage_report_messages": "cast(timezone('UTC', try_cast(starting_at as timestamptz)) as date)",
    "anthropic__claude_code": "cast(timezone('UTC', try_cast(date as timestamptz)) as date)",
    "openai__usage_completions": "cast(make_timestamp(try_cast(start_time as bigint) * 1000000) as date)",
    "cursor__usage_events": "cast(make_timestamp(try_cast(timestamp as bigint) * 1000) as date)",
    "copilot__users": "try_cast(day as date)",
}


class IncrementalNotPossible(RuntimeError):
    """A full build is needed; `str()` says why (one line)."""


@dataclass
class BuildInputs:
    """What a build is built from, taken before it lands anything (record_build_state stores
    it): a file changed while the build ran then differs from the record, and is re-landed."""

    state: dict[str, str]  # raw_dir, code and reference fingerprints
    raw_files: dict[str, tuple[int, int]]  # vendor file -> (bytes, change time in ns)


@dataclass
class IncrementPlan:
    raw_dir: Path
    inputs: BuildInputs  # as found when planning, before anything is landed
    new_files: list[str] = field(default_factory=list)
    changed_files: list[str] = field(default_factory=list)
    full_reason: str | None = None

    @property
    def files(self) -> list[str]:
        return sorted(self.new_files + self.changed_files)


@dataclass
class IncrementalResult:
    warehouse: Path
    plan: IncrementPlan
    from_date: date | None
    # landing tables whose rows the increment added, replaced or removed
    touched_sources: list[str] = field(default_factory=list)
    stage_seconds: dict[str, float] = field(default_factory=dict)
    landing: object | None = None
    dbt: object | None = None

    @property
    def dbt_args(self) -> list[str]:
        """A production `dbt build` (data tests, no unit tests) of what the touched landing
        tables feed; nothing else can change."""
        selection = [f"source:{LANDING_SOURCE}.{table}+" for table in self.touched_sources]
        return [*BUILD_ARGS, "--select", *selection] if selection else list(BUILD_ARGS)

    @property
    def dbt_env(self) -> dict[str, str]:
        """The environment of the incremental dbt run: the request incremental_request() in
        macros/cross_db.sql reads."""
        request = {
            # no usage in the increment: no usage day needs recomputing
            "from_date": (self.from_date or date(9999, 1, 1)).isoformat(),
            "files_table": INCREMENT_FILES,
            "replaced_keys": {"pull_request_id": REPLACED_PULL_REQUESTS},
        }
        return {REQUEST_ENV: json.dumps(request)}


# --- fingerprints and state -----------------------------------------------------------------


def code_fingerprint(project_dir: Path = config.PROJECT_DIR) -> str:
    """sha256 over the dbt code and seeds: a change means history may compute differently."""
    digest = hashlib.sha256()
    for name in CODE_PATHS:
        root = project_dir / name
        paths = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
        for path in paths:
            digest.update(str(path.relative_to(project_dir)).encode() + b"\0")
            digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def reference_fingerprint(raw_dir: Path) -> str:
    digest = hashlib.sha256()
    for name in REFERENCE_FILES:
        path = Path(raw_dir) / name
        digest.update(name.encode() + b"\0")
        digest.update(path.read_bytes() if path.is_file() else b"<absent>")
    return digest.hexdigest()


def current_state(raw_dir: Path) -> dict[str, str]:
    return {
        "raw_dir": str(Path(raw_dir).resolve()),
        "code": code_fingerprint(),
        "reference": reference_fingerprint(raw_dir),
    }


def build_inputs(raw_dir: Path) -> BuildInputs:
    return BuildInputs(state=current_state(raw_dir), raw_files=raw_file_stats(raw_dir))


def record_build_state(warehouse: Path, inputs: BuildInputs) -> None:
    """Store what this warehouse was built from; call after every successful dbt build, with
    the `inputs` taken before landing (build_inputs, or the plan's)."""
    con = config.configure_duckdb(duckdb.connect(str(warehouse)))
    try:
        con.execute(f"create schema if not exists {STATE_SCHEMA}")
        for table in SCRATCH_TABLES:  # used by one build only
            con.execute(f"drop table if exists {table}")
        con.execute(f"create or replace table {STATE_TABLE} (key varchar, value varchar)")
        state = list(inputs.state.items())
        if state:
            con.executemany(f"insert into {STATE_TABLE} values (?, ?)", state)
        con.execute(
            f"create or replace table {RAW_FILES_TABLE} "
            "(source_file varchar, bytes bigint, changed_ns bigint)"
        )
        # DuckDB's executemany rejects an empty list: a raw directory with only the company
        # CSVs (no vendor file at all) is valid and records an empty table.
        raw_files = [(path, *stats) for path, stats in sorted(inputs.raw_files.items())]
        if raw_files:
            con.executemany(f"insert into {RAW_FILES_TABLE} values (?, ?, ?)", raw_files)
    finally:
        con.close()


def read_build_state(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    try:
        return dict(con.execute(f"select key, value from {STATE_TABLE}").fetchall())
    except duckdb.CatalogException:
        return {}


def read_raw_files(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[int, int]] | None:
    try:
        rows = con.execute(f"select source_file, bytes, changed_ns from {RAW_FILES_TABLE}")
        return {path: (size, changed) for path, size, changed in rows.fetchall()}
    except duckdb.CatalogException:
        return None


# --- planning ---------------------------------------------------------------------------------


def raw_file_stats(raw_dir: Path) -> dict[str, tuple[int, int]]:
    """Every vendor file the landing contract reads under `raw_dir`: absolute path -> (bytes,
    change time in ns)."""
    from mileage.landing import JSON_SOURCES, _files

    stats = {}
    for source in JSON_SOURCES:
        for path in _files(Path(raw_dir).resolve(), source.folder, source.patterns):
            stat = path.stat()
            stats[str(path)] = (stat.st_size, stat.st_mtime_ns)
    return stats


def plan_increment(raw_dir: Path, live_warehouse: Path) -> IncrementPlan:
    """What changed in `raw_dir` since `live_warehouse` was built; full_reason if it must be full."""
    raw_dir = Path(raw_dir).resolve()
    plan = IncrementPlan(raw_dir=raw_dir, inputs=build_inputs(raw_dir))
    if not Path(live_warehouse).exists():
        plan.full_reason = f"no live warehouse at {live_warehouse}"
        return plan
    con = config.configure_duckdb(duckdb.connect(str(live_warehouse), read_only=True))
    try:
        state = read_build_state(con)
        recorded = read_raw_files(con)
        landed = {
            row[0]
            for row in con.execute(
                "select source_file from landing.file_manifest "
                "where source_file like '%.json' or source_file like '%.jsonl' "
                "or source_file like '%.ndjson'"
            ).fetchall()
        }
    finally:
        con.close()
    wanted = plan.inputs.state
    if not state:
        plan.full_reason = "the live warehouse has no recorded build state"
    elif state.get("raw_dir") != wanted["raw_dir"]:
        plan.full_reason = f"the live warehouse was built from {state.get('raw_dir')}"
    elif state.get("code") != wanted["code"]:
        plan.full_reason = "dbt models, macros or seeds changed since the live build"
    elif state.get("reference") != wanted["reference"]:
        plan.full_reason = "the roster, API keys or roadmap changed since the live build"
    elif recorded is None:
        plan.full_reason = "the live warehouse has no record of its raw files' change times"
    if plan.full_reason:
        return plan
    on_disk = plan.inputs.raw_files
    removed = sorted(landed - set(on_disk))
    if removed:
        plan.full_reason = f"{len(removed)} landed file(s) are gone, e.g. {removed[0]}"
        return plan
    plan.new_files = sorted(set(on_disk) - landed)
    # landed but not recorded: it arrived while the live build was landing; land it again
    plan.changed_files = sorted(f for f in on_disk if f in landed and recorded.get(f) != on_disk[f])
    return plan


# --- landing the increment --------------------------------------------------------------------


def _scratch_raw(raw_dir: Path, files: list[str], scratch: Path) -> None:
    """A raw folder of symlinks to the increment's files."""
    for file in files:
        source = Path(file)
        if not source.is_file():
            continue
        link = scratch / source.relative_to(raw_dir)
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(source)


def _landing_tables(con, database: str) -> list[str]:
    return [
        r[0]
        for r in con.execute(
            "select table_name from duckdb_tables() where database_name = ? "
            "and schema_name = 'landing' order by table_name",
            [database],
        ).fetchall()
    ]


def first_affected_day(con, database: str, files: list[str] | None = None) -> date | None:
    """Earliest usage day among the rows of `files` in `database`.landing, or among all its
    rows when `files` is None (None if no usage)."""
    if files is not None and not files:
        return None
    days = []
    for table, expression in USAGE_DATES.items():
        where = "" if files is None else " where _source_file in (select unnest(?::varchar[]))"
        row = con.execute(
            f"select min({expression}) from {database}.landing.{table}{where}",
            [] if files is None else [files],
        ).fetchone()
        if row and row[0] is not None:
            days.append(row[0])
    return min(days) if days else None


def merge_increment(
    building: Path, scratch_warehouse: Path, scratch_raw: Path, raw_dir: Path, plan: IncrementPlan
) -> tuple[date | None, list[str]]:
    """Swap the increment's landing rows into `building`; return the first affected day and
    the landing tables whose rows changed."""
    con = config.configure_duckdb(duckdb.connect(str(building)))
    try:
        quoted = str(scratch_warehouse).replace("'", "''")
        con.execute(f"attach '{quoted}' as mileage_increment (read_only)")
        old_rows_day = first_affected_day(con, _db_name(con), plan.changed_files)
        prefix, real = str(scratch_raw), str(raw_dir)

        def mapped(column: str) -> str:
            return f"replace({column}, '{prefix}', '{real}')"

        touched: list[str] = []

        def rows(sql: str, params=None) -> int:
            return con.execute(sql, params or []).fetchone()[0]

        con.execute("begin")
        con.execute(f"create schema if not exists {STATE_SCHEMA}")
        con.execute(
            f"create or replace table {REPLACED_PULL_REQUESTS} as "
            "select distinct id as pull_request_id from landing.github__pull_requests "
            "where _source_file in (select unnest(?::varchar[]))",
            [plan.changed_files],
        )
        con.execute(
            f"create or replace table {INCREMENT_FILES} as "
            "select unnest(?::varchar[]) as source_file",
            [plan.files],
        )
        # the scratch landing holds vendor tables and bookkeeping only (land(reference=False))
        for table in _landing_tables(con, "mileage_increment"):
            column = file_column(table)
            # only a changed file has rows to replace (a new one is in no landing table)
            deleted = plan.changed_files and rows(
                f"delete from landing.{table} where {column} in (select unnest(?::varchar[]))",
                [plan.changed_files],
            )
            inserted = rows(
                f"insert into landing.{table} by name "
                f"select * replace ({mapped(column)} as {column}) "
                f"from mileage_increment.landing.{table}"
            )
            if deleted or inserted:
                touched.append(table)
        con.execute("commit")
        # the increment's own rows: the scratch landing holds nothing else (and is small)
        new_rows_day = first_affected_day(con, "mileage_increment")
        con.execute("detach mileage_increment")
    finally:
        con.close()
    days = [d for d in (old_rows_day, new_rows_day) if d is not None]
    return (min(days) if days else None), sorted(touched)


def file_column(table: str) -> str:
    """The column of a landing table naming the raw file each row came from."""
    return "source_file" if table in BOOKKEEPING_TABLES else "_source_file"


def _db_name(con) -> str:
    return con.execute("select current_database()").fetchone()[0]


# --- the build --------------------------------------------------------------------------------


def copy_warehouse(live: Path, building: Path) -> None:
    """Start `building` as a byte copy of the live warehouse (same folder: publish stays atomic)."""
    for suffix in ("", ".wal"):
        target = Path(str(building) + suffix)
        if target.exists():
            target.unlink()
    shutil.copyfile(live, building)
    wal = Path(str(live) + ".wal")
    if wal.exists():
        shutil.copyfile(wal, Path(str(building) + ".wal"))


def prepare_incremental(
    raw_dir: Path,
    live_warehouse: Path,
    building: Path,
    *,
    plan: IncrementPlan | None = None,
) -> IncrementalResult:
    """Steps 1-3: copy the live warehouse to `building`, land the new files into it, and work
    out the window. Then run `dbt <result.dbt_args>` with `result.dbt_env` (build_incremental
    does).

    Raises IncrementalNotPossible (with the reason) when a full build is needed.
    """
    from mileage.landing import land

    raw_dir = Path(raw_dir).resolve()
    plan = plan or plan_increment(raw_dir, live_warehouse)
    if plan.full_reason:
        raise IncrementalNotPossible(plan.full_reason)
    result = IncrementalResult(warehouse=Path(building), plan=plan, from_date=None)
    started = time.perf_counter()
    copy_warehouse(Path(live_warehouse), Path(building))
    result.stage_seconds["copy"] = time.perf_counter() - started

    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="mileage-increment-", dir=Path(building).parent) as tmp:
        scratch_raw = Path(tmp) / "raw"
        scratch_raw.mkdir()
        _scratch_raw(raw_dir, plan.files, scratch_raw)
        scratch_warehouse = Path(tmp) / "increment.duckdb"
        # vendor files only: the reference CSVs are unchanged (the plan checked)
        result.landing = land(scratch_raw, scratch_warehouse, reference=False)
        first_day, result.touched_sources = merge_increment(
            Path(building), scratch_warehouse, scratch_raw, raw_dir, plan
        )
    # what the contract does not read is a property of the whole raw directory, not of
    # the increment's files
    if _record_unread(raw_dir, Path(building), result.landing):
        result.touched_sources = sorted({*result.touched_sources, "unread_files"})
    result.stage_seconds["land"] = time.perf_counter() - started
    result.from_date = first_day - timedelta(days=SAFETY_DAYS) if first_day else None
    return result


def _record_unread(raw_dir: Path, building: Path, landing) -> bool:
    """Replace the live build's list of paths the contract does not read with the raw
    directory's; True if it changed (its mart must then be rebuilt)."""
    from mileage.landing import record_unread_paths, unread_paths

    found = unread_paths(raw_dir)
    landing.unread = found
    landing.problems.extend(p.message(raw_dir) for p in found)
    rows = sorted((p.path, p.files, p.bytes, p.reason, p.near_miss) for p in found)
    con = duckdb.connect(str(building))
    try:
        before = con.execute("select * from landing.unread_files order by all").fetchall()
        record_unread_paths(con, found)
    except duckdb.CatalogException:  # a live build from before the inventory existed
        record_unread_paths(con, found)
        before = None
    finally:
        con.close()
    return before != rows


def build_incremental(
    raw_dir: Path,
    live_warehouse: Path,
    building: Path,
    *,
    plan: IncrementPlan | None = None,
    on_dbt_node=None,
    target_path: Path | None = None,
) -> IncrementalResult:
    """Build `building` from the live warehouse plus what is new in `raw_dir` (steps 1-5).

    Raises IncrementalNotPossible (with the reason) when a full build is needed; the caller
    then builds in full as usual. Does not gate or publish.
    """
    from mileage.dbt_runner import run_dbt

    result = prepare_incremental(raw_dir, live_warehouse, building, plan=plan)
    started = time.perf_counter()
    result.dbt = run_dbt(
        result.dbt_args,
        warehouse=Path(building),
        extra_env=result.dbt_env,
        target_path=target_path,
        on_node_done=on_dbt_node,
    )
    result.stage_seconds["dbt build"] = time.perf_counter() - started
    record_build_state(Path(building), result.plan.inputs)
    return result


def describe(result: IncrementalResult) -> str:
    plan = result.plan
    return json.dumps(
        {
            "new_files": len(plan.new_files),
            "changed_files": len(plan.changed_files),
            "from_date": result.from_date.isoformat() if result.from_date else None,
            "touched_sources": result.touched_sources,
            "stage_seconds": {k: round(v, 2) for k, v in result.stage_seconds.items()},
        }
    )
