"""The expectations gate: validate the warehouse with the GX suites in expectations/.

For each stage ("raw" = landing tables, "mart" = public marts) and each asset of that stage,
the gate reads the asset out of DuckDB into pandas (in hash-partitioned batches when large;
through Arrow, key-like strings as dictionary codes; a thread reads ahead), validates it with the suite `expectations/<asset>.<stage>.json` through Great Expectations'
pandas data source (never SQLAlchemy: GX's SQL path to DuckDB fails), and records one result
row per expectation in `quality.validation_results`, one run row in `quality.validation_runs`.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import queue
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import yaml

from mileage import config
from mileage.publication import is_derived
from mileage.quality.assets import (
    MART_ASSETS,
    NOT_PUBLIC_MARTS,
    PERIOD_SOURCES,
    RAW_ASSETS,
    STAGES,
    Asset,
    assets_for,
)

Progress = Callable[[str, int, int], None]

CRITICAL = "critical"
WARNING = "warning"
DETAIL_CHARS = 300


def expectations_dir() -> Path:
    return config.PROJECT_DIR / "expectations"


def default_docs_dir() -> Path:
    return config.PROJECT_DIR / "artifacts" / "data_docs"


# --- results ----------------------------------------------------------------------------------


@dataclass
class Outcome:
    """One expectation's result over every batch of its asset."""

    suite: str
    expectation_type: str
    column_name: str | None
    severity: str
    success: bool
    unexpected_count: int | None
    element_count: int | None
    detail: str
    check: str = ""
    mart: str | None = None  # the mart the expectation checks (a stage-mart suite), if any

    def describe(self) -> str:
        what = f"{self.suite}: {self.expectation_type}"
        if self.column_name:
            what += f"({self.column_name})"
        if self.success:
            return f"{what} passed"
        if self.unexpected_count:
            return f"{what} failed on {self.unexpected_count} rows"
        return f"{what} failed ({self.detail})" if self.detail else f"{what} failed"


@dataclass
class GateResult:
    run_id: str
    run_at: datetime
    stages: tuple[str, ...]
    outcomes: list[Outcome] = field(default_factory=list)
    seconds: float = 0.0
    persisted: bool = False
    notes: list[str] = field(default_factory=list)
    parameters: dict = field(default_factory=dict)
    docs_index: Path | None = None
    suites_run: list[str] = field(default_factory=list)
    # only these suites of the stages ran (run_gate(suites=...)); empty: all of them
    only_suites: tuple[str, ...] = ()

    @property
    def scope(self) -> str:
        """What ran, as recorded: the stages, and the suites when only some of them ran."""
        stages = ",".join(self.stages)
        return f"{stages} ({', '.join(self.only_suites)})" if self.only_suites else stages

    @property
    def critical_failures(self) -> list[Outcome]:
        """Failed critical expectations on what the core marts rest on: these block."""
        return [
            o
            for o in self.outcomes
            if not o.success and o.severity == CRITICAL and not is_derived(o.mart)
        ]

    @property
    def not_vouched(self) -> list[Outcome]:
        """Failed critical expectations confined to a derived mart (mileage/publication.py):
        they do not block; the mart is published as not vouched for."""
        return [
            o
            for o in self.outcomes
            if not o.success and o.severity == CRITICAL and is_derived(o.mart)
        ]

    @property
    def warnings(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.success and o.severity != CRITICAL]

    @property
    def passed(self) -> bool:
        return not self.critical_failures

    def summary(self) -> str:
        """One line: the first critical failure (suite, expectation, failing count), or a pass."""
        failures = self.critical_failures
        if failures:
            line = failures[0].describe()
            if len(failures) > 1:
                line += f" (+{len(failures) - 1} more critical failures)"
            return line
        unvouched = sorted({o.mart for o in self.not_vouched})
        return (
            f"passed: {len(self.outcomes)} expectations in {len(self.suites_run)} suites "
            f"({self.scope}), {len(self.warnings)} warnings"
            + (f", not vouched for: {', '.join(unvouched)}" if unvouched else "")
        )

    def warnings_summary(self) -> list[str]:
        lines = [
            f"{o.describe()}{f' ({o.detail})' if o.detail and o.unexpected_count else ''}"
            for o in self.warnings
        ]
        unvouched = [
            f"{o.mart} not vouched for (published anyway: a derived mart): {o.describe()}"
            f"{f' ({o.detail})' if o.detail and o.unexpected_count else ''}"
            for o in self.not_vouched
        ]
        return unvouched + lines + list(self.notes)


# --- thresholds and run-time parameters -------------------------------------------------------


def load_thresholds(directory: Path | None = None) -> tuple[dict, dict]:
    """(parameters referenced by the suites, settings of the frames) from thresholds.yml."""
    path = (directory or expectations_dir()) / "thresholds.yml"
    data = yaml.safe_load(path.read_text()) or {}
    settings = dict(data.get("settings") or {})
    batch_rows = settings.get("batch_rows")
    if isinstance(batch_rows, bool) or not isinstance(batch_rows, int) or batch_rows < 1:
        raise ValueError(
            f"{path}: settings.batch_rows must be a whole number of rows above 0 "
            f"(the largest frame the gate validates at once), not {batch_rows!r}"
        )
    return dict(data.get("parameters") or {}), settings


def _as_datetime(value) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    return datetime.fromisoformat(str(value)).replace(tzinfo=None)


def export_period(con, settings: dict) -> tuple[datetime | None, datetime | None]:
    """The period the usage exports cover: declared in settings, else what the exports hold."""
    start = _as_datetime(settings.get("export_period_start"))
    end = _as_datetime(settings.get("export_period_end"))
    if start is not None and end is not None:
        return start, end
    parts = [
        f"select min({first}) as first_at, max({last}) as last_at from landing.{table}"
        for table, first, last in PERIOD_SOURCES
        if _relation_exists(con, f"landing.{table}")
    ]
    found_start = found_end = None
    if parts:
        try:
            found_start, found_end = con.execute(
                f"select min(first_at), max(last_at) from ({' union all '.join(parts)})"
            ).fetchone()
        except duckdb.Error:
            found_start = found_end = None
    if found_start is None and _relation_exists(con, "marts.fct_ai_usage_daily"):
        found_start, found_end = con.execute(
            "select min(usage_date)::timestamp, max(usage_date)::timestamp + interval 1 day "
            "from marts.fct_ai_usage_daily"
        ).fetchone()
    return start or _as_datetime(found_start), end or _as_datetime(found_end)


def run_parameters(con, parameters: dict, settings: dict, now: datetime) -> dict:
    skew = timedelta(minutes=float(settings.get("clock_skew_minutes", 15)))
    tolerance = timedelta(days=float(settings.get("export_period_tolerance_days", 1)))
    earliest = _as_datetime(settings.get("earliest_date")) or datetime(2000, 1, 1)
    latest = now + skew
    start, end = export_period(con, settings)
    not_before = (start - tolerance) if start else earliest
    not_after = min(end + tolerance, latest) if end else latest
    return {
        **parameters,
        "now": latest,
        "earliest_date": earliest,
        "not_before": not_before,
        "not_after": not_after,
    }


# --- reading assets ---------------------------------------------------------------------------


def _relation_exists(con, relation: str) -> bool:
    schema, _, name = relation.partition(".")
    return bool(
        con.execute(
            "select count(*) from information_schema.tables where table_schema = ? "
            "and table_name = ?",
            [schema, name],
        ).fetchone()[0]
    )


def _columns_of(con, sql: str) -> list[str]:
    return [d[0] for d in con.execute(f"select * from ({sql}) limit 0").description]


def _quote(column: str) -> str:
    return '"' + column.replace('"', '""') + '"'


def _identifiers(value) -> set[str]:
    """Every identifier-like word in expectation kwargs (columns they name, conditions included)."""
    return set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", json.dumps(value)))


def _referenced_columns(suite: dict, available: list[str]) -> list[str]:
    """Columns whose values the suite's expectations read (kwargs and row conditions).

    Table-level schema expectations only need column *names*: they do not count here.
    """
    kwargs = [
        e.get("kwargs", {})
        for e in suite.get("expectations", [])
        if e.get("type") not in SCHEMA_ONLY_EXPECTATIONS
    ]
    words = _identifiers(kwargs)
    return [c for c in available if c in words]


SCHEMA_ONLY_EXPECTATIONS = {"expect_table_columns_to_match_set", "expect_column_to_exist"}


@dataclass
class Frames:
    """The batches of one asset (or the reason it could not be read).

    `codes` maps `id(batch)` to the dictionaries of that batch's coded columns (see
    `_coded_columns`), so failing values can be reported as the strings they stand for.
    """

    batches: Iterable[pd.DataFrame]
    rows: int
    note: str = ""
    codes: dict[int, dict[str, pa.Array]] = field(default_factory=dict)


# Expectations that only ask whether values are null or repeat: a string column read by these
# alone can be validated as integer dictionary codes (same nulls, same duplicates per batch).
CODABLE_EXPECTATIONS = {
    "expect_column_values_to_not_be_null",
    "expect_column_values_to_be_null",
    "expect_column_values_to_be_unique",
    "expect_compound_columns_to_be_unique",
}


def _coded_columns(suite: dict) -> set[str]:
    """Columns the suite only tests for nulls and uniqueness (never in a condition, a value
    set, a comparison or a pattern): read as dictionary codes when they hold strings."""
    candidates: set[str] = set()
    blocked: set[str] = set()
    for expectation in suite.get("expectations", []):
        if expectation.get("type") in SCHEMA_ONLY_EXPECTATIONS:
            continue
        kwargs = expectation.get("kwargs", {})
        targets = set(map(str, kwargs.get("column_list") or []))
        if "column" in kwargs:
            targets.add(str(kwargs["column"]))
        rest = {k: v for k, v in kwargs.items() if k not in ("column", "column_list")}
        blocked |= _identifiers(rest)
        if expectation.get("type") in CODABLE_EXPECTATIONS:
            candidates |= targets
        else:
            blocked |= targets
    return candidates - blocked


def for_gx(frame: pd.DataFrame, placeholders: Iterable[str] = ()) -> pd.DataFrame:
    """Shape a DuckDB frame so GX's pandas metrics stay vectorised and memory stays small.

    - GX compares datetimes vectorised only for datetime64[ns] (DuckDB gives [us]); other
      units fall back to a Python call per row (minutes on millions of rows).
    - GX compares numbers vectorised only for numpy int/float; nullable Int64 (DuckDB's
      integers with NULLs) also falls back per row, so those become float64 (exact to 2**53).
    - Strings become categoricals: GX filters the whole frame once per expectation (row
      conditions, non-null domains), and taking integer codes is far cheaper than taking
      Arrow strings (most of the time on wide usage frames went there).
    - Columns no expectation reads are carried as empty 1-byte placeholders, so table-level
      schema expectations see the table's real column set without loading its data.
    """
    for column in frame.columns:
        dtype = frame[column].dtype
        if isinstance(dtype, pd.StringDtype):
            frame[column] = frame[column].astype("category")
        elif isinstance(dtype, pd.api.extensions.ExtensionDtype):
            if pd.api.types.is_integer_dtype(dtype):
                frame[column] = frame[column].astype("float64")
        elif pd.api.types.is_datetime64_dtype(dtype) and str(dtype) != "datetime64[ns]":
            # a date beyond 2262 keeps its unit (slower, still correct)
            with contextlib.suppress(OverflowError, ValueError):
                frame[column] = frame[column].astype("datetime64[ns]")
    extra = [c for c in placeholders if c not in frame.columns]
    if extra:
        empty = pd.Categorical.from_codes(
            np.full(len(frame), -1, dtype=np.int8), categories=pd.Index([], dtype=object)
        )
        frame = frame.assign(**dict.fromkeys(extra, empty))
    return frame


# DuckDB types whose Arrow form converts to the pandas dtype `.df()` + `for_gx` would give
_NUMERIC_TYPES = {
    "TINYINT",
    "SMALLINT",
    "INTEGER",
    "BIGINT",
    "UTINYINT",
    "USMALLINT",
    "UINTEGER",
    "UBIGINT",
    "FLOAT",
    "DOUBLE",
}


def _fetch(
    con, query: str, coded: set[str], placeholders: Iterable[str]
) -> tuple[pd.DataFrame, dict[str, pa.Array]]:
    """Read `query` through Arrow into the frame `for_gx(con.execute(query).df())` gives.

    Strings are dictionary-encoded once in Arrow (pandas categoricals without a Python string
    per value); `coded` string columns become categoricals of the integer codes themselves
    (nulls stay null), and their dictionaries are returned to decode failing values. Other types
    convert as DuckDB's pandas conversion would (integers with nulls as float64, dates as
    datetimes); any type not listed here is converted by DuckDB itself.
    """
    # a cursor of its own: `con` may hold an unfinished result, which `sql()` refuses
    with con.cursor() as cursor:
        relation = cursor.sql(query)
        names = list(relation.columns)
        types = dict(zip(names, (str(t) for t in relation.types), strict=True))
        table = relation.to_arrow_table()
    columns: dict[str, object] = {}
    dictionaries: dict[str, pa.Array] = {}
    by_duckdb: list[str] = []
    for name in table.column_names:
        kind = types[name]
        values = table[name]
        if kind == "VARCHAR":
            encoded = values.combine_chunks().dictionary_encode()
            if name in coded:
                # a categorical of the codes themselves (categories 0..n-1: nothing to hash
                # or convert per string); null stays null
                dictionaries[name] = encoded.dictionary
                columns[name] = pd.Categorical.from_codes(
                    pc.fill_null(encoded.indices, -1).to_numpy(zero_copy_only=False),
                    categories=pd.RangeIndex(len(encoded.dictionary)),
                )
            else:
                columns[name] = encoded.to_pandas()
        elif kind in _NUMERIC_TYPES or (kind == "BOOLEAN" and values.null_count == 0):
            columns[name] = values.to_pandas()
        elif kind in ("DATE", "TIMESTAMP"):
            columns[name] = values.cast(pa.timestamp("us")).to_pandas()
        else:
            by_duckdb.append(name)
    if by_duckdb:
        converted = duckdb.from_arrow(table.select(by_duckdb)).df()
        for name in by_duckdb:
            columns[name] = converted[name]
    del table
    frame = pd.DataFrame({name: pd.Series(columns[name]).reset_index(drop=True) for name in names})
    return for_gx(frame, placeholders), dictionaries


def read_asset(con, asset: Asset, suite: dict, settings: dict) -> Frames:
    if asset.name == "column_types":
        frame = _column_types_frame(con, asset)
        return Frames([frame], len(frame))
    if asset.name == "mart_coverage":
        frame = con.execute(
            "select table_name from information_schema.tables where table_schema = 'marts' "
            "and table_name not in (select unnest(?)) order by table_name",
            [list(NOT_PUBLIC_MARTS)],
        ).df()
        return Frames([frame], len(frame))
    if asset.relation and not _relation_exists(con, asset.relation):
        return Frames([pd.DataFrame()], 0, f"{asset.relation} does not exist")
    sql = asset.select_sql(settings)
    note = ""
    try:
        available = _columns_of(con, sql)
    except duckdb.Error as exc:
        if not asset.relation:
            return Frames([pd.DataFrame()], 0, _first_line(exc))
        # e.g. a derived column over a column that is gone: read the table as it is
        note = _first_line(exc)
        sql = f"select * from {asset.relation}"
        available = _columns_of(con, sql)
    columns = _referenced_columns(suite, available) or available[:1]
    placeholders = [c for c in available if c not in columns]
    coded = _coded_columns(suite) & set(columns)
    select = ", ".join(_quote(c) for c in columns)
    key = [c for c in asset.key if c in available]
    if len(key) != len(asset.key) or not key:
        # read whole, at once (counting first would run a derived frame's query twice)
        frame, dictionaries = _fetch(con, f"select {select} from ({sql})", coded, placeholders)
        frames = Frames([frame], len(frame), note)
        if dictionaries:
            frames.codes[id(frame)] = dictionaries
        return frames
    rows = con.execute(f"select count(*) from ({sql})").fetchone()[0]
    batch_rows = settings["batch_rows"]  # thresholds.yml (checked by load_thresholds)
    if rows <= batch_rows:
        queries = [f"select {select} from ({sql})"]
    else:
        # a key's duplicates hash to the same batch, so uniqueness holds across batches
        parts = math.ceil(rows / batch_rows)
        key_sql = ", ".join(_quote(c) for c in key)
        queries = [
            f"select {select} from ({sql}) where hash({key_sql}) % {parts} = {part}"
            for part in range(parts)
        ]
    frames = Frames([], rows, note)

    def batches():
        for query in queries:
            frame, dictionaries = _fetch(con, query, coded, placeholders)
            if dictionaries:
                frames.codes[id(frame)] = dictionaries
            yield frame

    frames.batches = batches()
    return frames


class _ReadAhead:
    """Reads the assets' batches in a thread, one batch ahead of validation.

    DuckDB and Arrow release the GIL while they scan, encode and convert, so the next batches
    are read while Great Expectations validates the current one. The thread works on a cursor
    of its own; at most `ahead` queue items (batches and asset markers) wait, which bounds the
    extra memory to a few batches.
    """

    def __init__(self, con, assets: list[Asset], suites: dict, settings: dict, ahead: int = 3):
        self._queue: queue.Queue = queue.Queue(maxsize=ahead)
        self._stop = threading.Event()
        self._cursor = con.cursor()
        self._thread = threading.Thread(
            target=self._work, args=(assets, suites, settings), name="gate-read", daemon=True
        )
        self._thread.start()

    def _put(self, item) -> bool:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.2)
                return True
            except queue.Full:
                continue
        return False

    def _work(self, assets, suites, settings) -> None:
        try:
            for asset in assets:
                frames = read_asset(self._cursor, asset, suites[asset.suite_name], settings)
                if not self._put(("asset", frames)):
                    return
                for frame in frames.batches:
                    if not self._put(("batch", frame, frames.codes.pop(id(frame), None))):
                        return
                if not self._put(("end", None)):
                    return
        except BaseException as exc:  # handed to the validating thread, raised there
            self._put(("error", exc))

    def _get(self):
        item = self._queue.get()
        if item[0] == "error":
            raise item[1]
        return item

    def next_asset(self) -> Frames:
        """The next asset's Frames; its batches arrive as the thread reads them."""
        _, source = self._get()
        frames = Frames([], source.rows, source.note)

        def batches():
            while True:
                item = self._get()
                if item[0] == "end":
                    return
                _, frame, codes = item
                if codes:
                    frames.codes[id(frame)] = codes
                yield frame

        frames.batches = batches()
        return frames

    def close(self) -> None:
        self._stop.set()
        with contextlib.suppress(queue.Empty):
            while True:
                self._queue.get_nowait()
        self._thread.join()
        self._cursor.close()


def _column_types_frame(con, asset: Asset) -> pd.DataFrame:
    """One row per column of the stage's tables: `typed_column` is `column:TYPE`."""
    schema = "landing" if asset.stage == "raw" else "marts"
    tables = [a.name for a in (RAW_ASSETS if asset.stage == "raw" else MART_ASSETS)]
    return con.execute(
        "select table_name, column_name || ':' || data_type as typed_column "
        "from information_schema.columns "
        "where table_schema = ? and table_name in (select unnest(?)) "
        "order by table_name, ordinal_position",
        [schema, tables],
    ).df()


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


# --- running GX -------------------------------------------------------------------------------


def _gx():
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations as gx

    return gx


def _context(gx, docs_dir: Path | None):
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    if docs_dir is not None:
        context.add_data_docs_site(
            site_name="mileage",
            site_config={
                "class_name": "SiteBuilder",
                "store_backend": {
                    "class_name": "TupleFilesystemStoreBackend",
                    "base_directory": str(docs_dir),
                },
                "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
            },
        )
    return context


def load_suite(name: str, directory: Path | None = None) -> dict:
    path = (directory or expectations_dir()) / f"{name}.json"
    if not path.is_file():
        raise FileNotFoundError(
            f"{path} is missing: run `python -m mileage.quality.suites` to write the suites"
        )
    return json.loads(path.read_text())


def _severity(expectation: dict) -> str:
    meta = expectation.get("meta") or {}
    severity = str(meta.get("severity") or expectation.get("severity") or CRITICAL).lower()
    return CRITICAL if severity == CRITICAL else WARNING


def _column_name(kwargs: dict) -> str | None:
    if "column" in kwargs:
        return str(kwargs["column"])
    if "column_A" in kwargs:
        return f"{kwargs['column_A']},{kwargs['column_B']}"
    if "column_list" in kwargs:
        return ",".join(map(str, kwargs["column_list"]))
    return None


def _condition(kwargs: dict) -> str:
    condition = kwargs.get("row_condition")
    if isinstance(condition, dict):
        if condition.get("type") == "comparison":
            column = (condition.get("column") or {}).get("name")
            condition = f"{column} {condition.get('operator')} {condition.get('parameter')!r}"
        else:
            condition = condition.get("pass_through_filter") or json.dumps(condition)
    return f"where {condition}" if condition else ""


def _is_missing(value) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _short(value) -> str:
    text = str(value)
    return text if len(text) <= DETAIL_CHARS else text[: DETAIL_CHARS - 3] + "..."


def _exception_message(result) -> str:
    info = getattr(result, "exception_info", None) or {}
    if isinstance(info, dict):
        if info.get("raised_exception"):
            return str(info.get("exception_message") or "raised an exception")
        for value in info.values():
            if isinstance(value, dict) and value.get("raised_exception"):
                return str(value.get("exception_message") or "raised an exception")
    return ""


def _detail(result, expectation: dict) -> str:
    error = _exception_message(result)
    if error:
        lowered = error.lower()
        if "column" in lowered and ("not found" in lowered or "does not exist" in lowered):
            return "column missing"
        return _first_line(Exception(error))
    body = result.result or {}
    kwargs = expectation.get("kwargs", {})
    if expectation["type"] == "expect_table_columns_to_match_set":
        missing = ((body.get("details") or {}).get("mismatched") or {}).get("missing") or []
        return "missing " + ", ".join(map(str, missing)) if missing else ""
    if expectation["type"] == "expect_column_distinct_values_to_contain_set":
        missing = body.get("partial_missing_list")
        if missing is None:
            observed = set(map(str, body.get("observed_value") or []))
            missing = [v for v in kwargs.get("value_set", []) if str(v) not in observed]
        return "missing or retyped " + ", ".join(map(str, missing)) if missing else ""
    values = [v for v in body.get("partial_unexpected_list") or [] if not _is_missing(v)]
    if values:
        return "e.g. " + ", ".join(_short(v) for v in values[:5])
    if body.get("observed_value") is not None:
        return f"observed {_short(body['observed_value'])}"
    details = body.get("details")
    return _short(details) if details else ""


def _decode_unexpected(body: dict, codes: dict[str, pa.Array]) -> None:
    """Replace the dictionary codes among a result's sample of failing values by their strings
    (a compound-key sample is a list of {column: value} dicts)."""

    def decode(column, value):
        dictionary = codes.get(column)
        if dictionary is None or _is_missing(value):
            return value
        try:
            return dictionary[int(value)].as_py()
        except (TypeError, ValueError, IndexError):
            return value

    values = body.get("partial_unexpected_list")
    if not values:
        return
    column = next(iter(codes)) if len(codes) == 1 else None
    body["partial_unexpected_list"] = [
        {k: decode(k, v) for k, v in value.items()}
        if isinstance(value, dict)
        else decode(column, value)
        for value in values
    ]


class _Merged:
    """Accumulates one expectation's results over the batches of its asset."""

    def __init__(self, suite: str, expectation: dict):
        self.suite = suite
        self.expectation = expectation
        self.success = True
        self.unexpected: int | None = None
        self.elements: int | None = None
        self.detail = ""
        self.errored = False

    def add(self, result, codes: dict[str, pa.Array] | None = None) -> None:
        body = result.result or {}
        if body.get("unexpected_count") is not None:
            self.unexpected = (self.unexpected or 0) + int(body["unexpected_count"])
        if body.get("element_count") is not None:
            self.elements = (self.elements or 0) + int(body["element_count"])
        if not result.success:
            self.success = False
            self.errored = self.errored or bool(_exception_message(result))
            if not self.detail:
                if codes:
                    _decode_unexpected(body, codes)
                self.detail = _detail(result, self.expectation)

    def fail(self, detail: str) -> None:
        self.success = False
        self.detail = self.detail or detail

    def outcome(self) -> Outcome:
        kwargs = self.expectation.get("kwargs", {})
        condition = _condition(kwargs)
        detail = "; ".join(x for x in (condition, self.detail) if x) if not self.success else ""
        return Outcome(
            suite=self.suite,
            expectation_type=self.expectation["type"],
            column_name=_column_name(kwargs),
            severity=_severity(self.expectation),
            success=self.success,
            unexpected_count=self.unexpected,
            element_count=self.elements,
            detail=_short(detail),
            check=str((self.expectation.get("meta") or {}).get("check", "")),
            mart=_mart_of(self.suite, kwargs),
        )


def _mart_of(suite: str, kwargs: dict) -> str | None:
    """The mart a stage-mart expectation checks: the suite's asset, or the table a
    cross-table suite's row condition selects (column_types: `table_name == 'fct_x'`)."""
    name, _, stage = suite.rpartition(".")
    if stage != "mart":
        return None
    condition = kwargs.get("row_condition")
    if isinstance(condition, dict) and (condition.get("column") or {}).get("name") == "table_name":
        return str(condition.get("parameter"))
    return name


def validate_suite(
    context, gx, suite_json: dict, frames: Frames, parameters: dict
) -> list[Outcome]:
    """Run one suite over every batch of its frames; one Outcome per expectation."""
    name = suite_json["name"]
    suite = gx.ExpectationSuite(
        name=name,
        expectations=suite_json.get("expectations", []),
        meta=suite_json.get("meta") or {},
    )
    suite = context.suites.add(suite)
    position = {e.id: i for i, e in enumerate(suite.expectations)}
    merged = [_Merged(name, e) for e in suite_json.get("expectations", [])]
    data_asset = context.data_sources.get("mileage").add_dataframe_asset(name)
    batch = data_asset.add_batch_definition_whole_dataframe("whole")
    definition = context.validation_definitions.add(
        gx.ValidationDefinition(name=name, data=batch, suite=suite)
    )
    used = {k for e in suite_json.get("expectations", []) for k in _parameter_names(e)}
    run_parameters = {k: v for k, v in parameters.items() if k in used}
    for frame in frames.batches:
        codes = frames.codes.pop(id(frame), None)
        result = definition.run(
            batch_parameters={"dataframe": frame},
            expectation_parameters=run_parameters,
            result_format={"result_format": "SUMMARY", "partial_unexpected_count": 5},
        )
        for expectation_result in result.results:
            index = position.get(expectation_result.expectation_config.id)
            if index is not None:
                merged[index].add(expectation_result, _codes_of(merged[index], codes))
    outcomes = []
    for m in merged:
        # why the frame could not be read as defined explains the errors it caused
        if frames.note and not m.success and (m.errored or not m.detail):
            m.detail = f"{m.detail}; {frames.note}" if m.detail else frames.note
        outcomes.append(m.outcome())
    return outcomes


def _codes_of(merged: _Merged, codes: dict[str, pa.Array] | None) -> dict[str, pa.Array]:
    """The dictionaries of the coded columns one expectation reads."""
    if not codes:
        return {}
    kwargs = merged.expectation.get("kwargs", {})
    names = [kwargs["column"]] if "column" in kwargs else list(kwargs.get("column_list") or [])
    return {n: codes[n] for n in names if n in codes}


def _parameter_names(expectation: dict) -> set[str]:
    text = json.dumps(expectation.get("kwargs", {}))
    return set(re.findall(r'"\$PARAMETER": "([^"]+)"', text))


# --- persistence ------------------------------------------------------------------------------

RUNS_DDL = """
create table if not exists quality.validation_runs (
    run_id varchar, run_at timestamp, stages varchar, passed boolean,
    critical_failures integer, warnings integer, summary varchar
)"""
RESULTS_DDL = """
create table if not exists quality.validation_results (
    run_id varchar, suite varchar, expectation_type varchar, column_name varchar,
    severity varchar, success boolean, unexpected_count bigint, detail varchar
)"""


def persist(con, result: GateResult) -> None:
    con.execute("create schema if not exists quality")
    con.execute(RUNS_DDL)
    con.execute(RESULTS_DDL)
    # warehouses recorded before `stages` existed
    con.execute("alter table quality.validation_runs add column if not exists stages varchar")
    con.execute(
        "insert into quality.validation_runs "
        "(run_id, run_at, stages, passed, critical_failures, warnings, summary) "
        "values (?, ?, ?, ?, ?, ?, ?)",
        [
            result.run_id,
            result.run_at,
            result.scope,
            result.passed,
            len(result.critical_failures),
            len(result.warnings),
            result.summary(),
        ],
    )
    rows = pd.DataFrame(
        {
            "run_id": [result.run_id] * len(result.outcomes),
            "suite": [o.suite for o in result.outcomes],
            "expectation_type": [o.expectation_type for o in result.outcomes],
            "column_name": [o.column_name for o in result.outcomes],
            "severity": [o.severity for o in result.outcomes],
            "success": [o.success for o in result.outcomes],
            "unexpected_count": pd.array(
                [o.unexpected_count for o in result.outcomes], dtype="Int64"
            ),
            "detail": [o.detail or None for o in result.outcomes],
        }
    )
    con.register("_gate_results", rows)
    try:
        con.execute(
            "insert into quality.validation_results "
            "(run_id, suite, expectation_type, column_name, severity, success, unexpected_count, "
            "detail) select run_id, suite, expectation_type, column_name, severity, success, "
            "unexpected_count, detail from _gate_results"
        )
    finally:
        con.unregister("_gate_results")


# --- the gate ---------------------------------------------------------------------------------


def _connect(warehouse: Path) -> tuple[duckdb.DuckDBPyConnection, str]:
    """Read-write (a build's private file); read-only when someone else has the file open."""
    try:
        return config.configure_duckdb(duckdb.connect(str(warehouse))), ""
    except (duckdb.IOException, duckdb.ConnectionException) as exc:
        text = str(exc).lower()
        if "lock" not in text and "different configuration" not in text:
            raise
        note = (
            f"{warehouse} is open elsewhere (the app?): validated read-only, "
            "results not recorded in quality.*"
        )
        return config.configure_duckdb(duckdb.connect(str(warehouse), read_only=True)), note


def run_gate(
    warehouse: Path,
    stages: tuple[str, ...] = ("raw", "mart"),
    progress: Progress | None = None,
    *,
    docs_dir: Path | None = None,
    expectations: Path | None = None,
    now: datetime | None = None,
    suites: tuple[str, ...] = (),
) -> GateResult:
    """Validate `warehouse` stage by stage; record the run; return the result.

    `suites` (names such as "fct_bugs.mart") runs only those suites of the stages, e.g. while
    working on one mart's expectations; the recorded run says which. `docs_dir` also builds GX
    Data Docs there (offline HTML). `expectations` overrides the suites' folder and `now` the
    clock (tests).
    """
    started = time.perf_counter()
    warehouse = Path(warehouse)
    stages = tuple(stages)
    unknown = [s for s in stages if s not in STAGES]
    if unknown:
        raise ValueError(f"unknown stage(s) {unknown}: choose from {list(STAGES)}")
    if not warehouse.exists():
        raise FileNotFoundError(f"warehouse {warehouse} does not exist")
    report = progress or (lambda item, done, total: None)
    directory = expectations or expectations_dir()
    parameters, settings = load_thresholds(directory)
    run_at = (now or datetime.now(UTC)).replace(tzinfo=None)
    result = GateResult(
        run_id=f"{run_at:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}",
        run_at=run_at,
        stages=stages,
        only_suites=tuple(dict.fromkeys(suites)),
    )
    assets = [a for stage in stages for a in assets_for(stage)]
    if suites:
        known = [a.suite_name for a in assets]
        unknown = [s for s in suites if s not in known]
        if unknown:
            raise ValueError(
                f"unknown suite(s) {unknown} in stage(s) {list(stages)}: choose from {known}"
            )
        assets = [a for a in assets if a.suite_name in suites]
    suites = {a.suite_name: load_suite(a.suite_name, directory) for a in assets}
    report("great_expectations", 0, len(assets))
    con, note = _connect(warehouse)
    if note:
        result.notes.append(note)
    context = None
    try:
        try:
            result.parameters = run_parameters(con, parameters, settings, run_at)
            # the first frames are read while Great Expectations is imported
            reader = _ReadAhead(con, assets, suites, settings)
            try:
                gx = _gx()
                context = _context(gx, docs_dir)
                context.data_sources.add_pandas("mileage")
                for done, asset in enumerate(assets):
                    report(asset.suite_name, done, len(assets))
                    frames = reader.next_asset()
                    result.outcomes.extend(
                        validate_suite(
                            context, gx, suites[asset.suite_name], frames, result.parameters
                        )
                    )
                    result.suites_run.append(asset.suite_name)
            finally:
                reader.close()
            report("recording", len(assets), len(assets))
            result.seconds = time.perf_counter() - started
            if not note:
                persist(con, result)
                result.persisted = True
        finally:
            con.close()
        if docs_dir is not None:
            sites = context.build_data_docs(site_names=["mileage"])
            index = sites.get("mileage", "")
            result.docs_index = Path(index.removeprefix("file://")) if index else None
    finally:
        _release(context)
    result.seconds = time.perf_counter() - started
    return result


def _release(context) -> None:
    """Free what the gate held once it is done, passed or failed: the pipeline runs dbt right
    after the raw stage, in a child process, so memory the gate keeps adds to dbt's.

    Great Expectations keeps the last context in a module-level project manager, and with it
    the data source's last frames (0.9 GiB after a gate at 85,000 x 90); glibc then keeps the
    freed heap (1.3 GiB more) until asked to return it.
    """
    import gc

    from great_expectations.data_context.data_context.context_factory import project_manager

    if context is not None:  # release what can be released, whatever GX does
        with contextlib.suppress(Exception):
            context.data_sources.delete("mileage")
        with contextlib.suppress(Exception):
            if project_manager.get_current_project() is context:
                project_manager.set_project(None)
    gc.collect()
    with contextlib.suppress(OSError, AttributeError):
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
