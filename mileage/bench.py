"""`mileage bench`: how long each stage takes, and how much memory, for an organisation of a size.

Simulates an organisation (or reuses one simulated before with the same options), then times
every stage separately on a fresh warehouse file:

  simulate    raw exports written by mileage.simulate (reported, not part of the pipeline)
  land        mileage.landing.land: raw files -> landing.* tables
  floor       ONE hand-written DuckDB query (bench/floor_team_months.sql) computing
              fct_team_months straight from the landing tables: the least work the answer
              needs, so `dbt build / floor` is the pipeline's overhead as a ratio
  dbt build   mileage.dbt_runner.run_dbt(BUILD_ARGS): every seed, model and data test
  gate        mileage.quality.run_gate (raw + mart expectations), when that module exists
  first query the app's Overview query on marts.fct_team_months, on a cold read-only attach

Peak memory is the resident set of this process plus all its children (dbt runs as a
subprocess), sampled every 50 ms by a background thread. Results print as a table and are
written as JSON (`--json`). The floor's answer is compared with dbt's fct_team_months and the
largest difference is reported, so a fast floor that computes something else is caught.

`--fixed-cost` also times the same dbt build on a tiny organisation (FIXED_COST_ORG): what a
build of this project costs before any data (dbt's start-up and its per-node work), so the
ratios above can be read net of it.
"""

from __future__ import annotations

import json
import os
import platform
import re
import shutil
import threading
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

import psutil
import typer

from mileage import config

BENCH_DIR = config.PROJECT_DIR / "bench"
FLOOR_SQL = BENCH_DIR / "floor_team_months.sql"
SEEDS_DIR = config.PROJECT_DIR / "seeds"
GIB = 1024**3

# Columns of fct_team_months compared between the floor and dbt (numbers only).
FLOOR_COMPARED = (
    "headcount",
    "ai_active_people",
    "total_tokens",
    "token_cost_usd",
    "unpriced_tokens",
    "merged_prs",
    "median_cycle_time_hours",
    "bugs",
    "roadmap_attainment",
    "outcome_score",
)


# --- memory -----------------------------------------------------------------------------------


class RssSampler:
    """Peak resident set size of this process and all its descendants, sampled in a thread."""

    def __init__(self, interval: float = 0.05):
        self.interval = interval
        self._process = psutil.Process(os.getpid())
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self.peak = 0
        self.window_peak = 0

    def sample(self) -> int:
        total = 0
        try:
            procs = [self._process, *self._process.children(recursive=True)]
        except psutil.Error:
            procs = [self._process]
        for proc in procs:
            try:
                total += proc.memory_info().rss
            except psutil.Error:
                continue
        with self._lock:
            self.peak = max(self.peak, total)
            self.window_peak = max(self.window_peak, total)
        return total

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.sample()

    def start(self) -> RssSampler:
        self.sample()
        self._thread = threading.Thread(target=self._run, name="rss-sampler", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def reset_window(self) -> None:
        with self._lock:
            self.window_peak = 0
        self.sample()

    def read_window(self) -> int:
        self.sample()
        with self._lock:
            return self.window_peak


# --- results ----------------------------------------------------------------------------------


@dataclass
class StageResult:
    stage: str
    seconds: float
    peak_rss_bytes: int
    rows: int | None = None
    detail: str = ""

    @property
    def rows_per_second(self) -> float | None:
        if self.rows is None or self.seconds <= 0:
            return None
        return self.rows / self.seconds


@dataclass
class BenchReport:
    employees: int
    days: int
    bucket: str
    seed: int
    out_dir: str
    stages: list[StageResult] = field(default_factory=list)
    sizes: dict[str, int] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)
    floor_check: dict[str, float | int | str] = field(default_factory=dict)
    machine: dict[str, str | int | float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    incremental: dict | None = None
    # the dbt build on FIXED_COST_ORG (run_fixed_cost_bench)
    fixed_cost: dict | None = None
    # summed run time of fct_team_months and the models and seeds upstream of it
    core_path_seconds: float = 0.0

    def stage(self, name: str) -> StageResult | None:
        return next((s for s in self.stages if s.stage == name), None)

    @property
    def pipeline_seconds(self) -> float:
        """Land + dbt build + gate + first query: what `mileage build` and the app cost."""
        return sum(s.seconds for s in self.stages if s.stage in PIPELINE_STAGES)

    @property
    def peak_rss_bytes(self) -> int:
        return max((s.peak_rss_bytes for s in self.stages if s.stage in PIPELINE_STAGES), default=0)

    @property
    def dbt_floor_ratio(self) -> float | None:
        dbt, floor = self.stage("dbt build"), self.stage("floor")
        if dbt is None or floor is None or floor.seconds <= 0:
            return None
        return dbt.seconds / floor.seconds

    @property
    def dbt_above_fixed_cost_floor_ratio(self) -> float | None:
        """(dbt build - its fixed cost) / floor: the ratio net of what any build costs."""
        dbt, floor = self.stage("dbt build"), self.stage("floor")
        if dbt is None or floor is None or floor.seconds <= 0 or not self.fixed_cost:
            return None
        return (dbt.seconds - self.fixed_cost["dbt_seconds"]) / floor.seconds

    def as_dict(self) -> dict:
        out = asdict(self)
        for stage, result in zip(out["stages"], self.stages, strict=True):
            stage["rows_per_second"] = result.rows_per_second
        out["pipeline_seconds"] = self.pipeline_seconds
        out["peak_rss_bytes"] = self.peak_rss_bytes
        out["dbt_floor_ratio"] = self.dbt_floor_ratio
        out["dbt_above_fixed_cost_floor_ratio"] = self.dbt_above_fixed_cost_floor_ratio
        return out


PIPELINE_STAGES = ("land", "dbt build", "gate", "first query")


# --- stages -----------------------------------------------------------------------------------


def floor_sql() -> str:
    """The floor query with the seeds' paths and the outcome-score weights filled in."""
    import yaml

    project = yaml.safe_load((config.PROJECT_DIR / "dbt_project.yml").read_text())
    weights = project["vars"]["outcome_score_weights"]
    return FLOOR_SQL.read_text().format(
        model_families_csv=(SEEDS_DIR / "model_families.csv").as_posix(),
        token_prices_csv=(SEEDS_DIR / "token_prices.csv").as_posix(),
        w_throughput=float(weights["throughput"]),
        w_roadmap=float(weights["roadmap"]),
        w_quality=float(weights["quality"]),
    )


def run_floor(warehouse: Path, result_path: Path) -> int:
    """Compute fct_team_months from landing with one query; write it to `result_path` (Parquet)."""
    import duckdb

    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        target = result_path.as_posix().replace("'", "''")
        con.execute(f"copy ({floor_sql()}) to '{target}' (format parquet)")
        return con.execute(f"select count(*) from read_parquet('{target}')").fetchone()[0]
    finally:
        con.close()


def compare_floor(warehouse: Path, floor_path: Path) -> dict:
    """Largest relative difference per column between the floor's answer and dbt's mart."""
    import duckdb

    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        target = floor_path.as_posix().replace("'", "''")
        diffs = ", ".join(
            f"max(abs(coalesce(f.{c}, 0) - coalesce(m.{c}, 0)) "
            f"/ greatest(abs(coalesce(m.{c}, 0)), 1e-9)) as {c}"
            for c in FLOOR_COMPARED
        )
        row = con.execute(
            f"""
            select count(*) filter (where m.team_id is null) as only_in_floor,
                   count(*) filter (where f.team_id is null) as only_in_dbt,
                   count(*) as rows, {diffs}
            from read_parquet('{target}') as f
            full join marts.fct_team_months as m
                on f.team_id = m.team_id and f.month_start = m.month_start
            """
        ).fetchone()
    finally:
        con.close()
    names = ["only_in_floor", "only_in_dbt", "rows", *FLOOR_COMPARED]
    check = dict(zip(names, row, strict=True))
    worst = max(FLOOR_COMPARED, key=lambda c: check[c] or 0)
    check["worst_column"] = worst
    check["max_relative_difference"] = float(check[worst] or 0)
    return check


def first_query(warehouse: Path) -> int:
    """The Overview page's first query, as the app runs it (cold read-only attach)."""
    from mileage.app import data

    data.forget_all()
    wh = data.open_warehouse(warehouse)
    try:
        frame = data.org_months(wh)
    except Exception:  # the page's fallback: the team-month query on its own
        frame = data.team_months(wh)
    rows = len(frame)
    data.forget_all()
    wh.close()
    return rows


def run_gate_stage(warehouse: Path) -> tuple[int | None, str]:
    try:
        from mileage.quality import run_gate
    except ImportError:
        return None, "skipped: mileage.quality.run_gate is not available"
    result = run_gate(warehouse, stages=("raw", "mart"))
    summary = result.summary() if hasattr(result, "summary") else ""
    if not getattr(result, "passed", False):
        summary = f"FAILED: {summary}"
    return None, summary


def table_rows(warehouse: Path) -> dict[str, int]:
    import duckdb

    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        tables = con.execute(
            "select schema_name, table_name, estimated_size from duckdb_tables() "
            "order by schema_name, table_name"
        ).fetchall()
        return {f"{schema}.{name}": int(size) for schema, name, size in tables}
    finally:
        con.close()


def dir_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in Path(path).rglob("*") if p.is_file())


# --- the benchmark ----------------------------------------------------------------------------


def _options_stamp(employees: int, days: int, bucket: str, seed: int) -> dict:
    return {"employees": employees, "days": days, "bucket": bucket, "seed": seed}


def run_bench(
    employees: int,
    days: int,
    bucket: str = "1d",
    seed: int = 42,
    out_dir: Path | None = None,
    *,
    reuse_raw: bool = True,
    gate: bool = True,
    floor: bool = True,
    keep_warehouse: bool = True,
    log: Callable[[str], None] | None = None,
) -> BenchReport:
    """Simulate (or reuse) an organisation and time each stage; see the module docstring."""
    from mileage.dbt_runner import BUILD_ARGS, run_dbt
    from mileage.landing import land
    from mileage.simulate import SimulationOptions, simulate

    say = log or (lambda message: None)
    out_dir = Path(out_dir or config.DATA_DIR / "bench" / f"{employees}x{days}-{bucket}").resolve()
    raw = out_dir / "raw"
    warehouse = out_dir / "bench.duckdb"
    stamp_path = out_dir / "simulated.json"
    stamp = _options_stamp(employees, days, bucket, seed)
    out_dir.mkdir(parents=True, exist_ok=True)
    report = BenchReport(
        employees=employees, days=days, bucket=bucket, seed=seed, out_dir=str(out_dir)
    )
    report.machine = {
        "cpus": os.cpu_count() or 0,
        "memory_gib": round(psutil.virtual_memory().total / GIB, 1),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "load_average_at_start": round(os.getloadavg()[0], 2),
    }
    sampler = RssSampler().start()

    @contextmanager
    def stage(name: str):
        say(f"{name}...")
        holder: dict = {"rows": None, "detail": ""}
        sampler.reset_window()
        started = time.perf_counter()
        yield holder
        seconds = time.perf_counter() - started
        result = StageResult(name, seconds, sampler.read_window(), holder["rows"], holder["detail"])
        report.stages.append(result)
        say(f"{name}: {seconds:.1f} s, peak {result.peak_rss_bytes / GIB:.2f} GiB")

    try:
        reused = (
            reuse_raw
            and stamp_path.exists()
            and raw.is_dir()
            and json.loads(stamp_path.read_text()) == stamp
        )
        if reused:
            report.notes.append(f"raw exports reused from {raw} (simulated earlier, same options)")
        else:
            stamp_path.unlink(missing_ok=True)
            with stage("simulate") as s:
                summary = simulate(
                    raw, SimulationOptions(employees=employees, days=days, bucket=bucket, seed=seed)
                )
                s["rows"] = summary.total_records
                s["detail"] = f"{summary.files_written} files"
            stamp_path.write_text(json.dumps(stamp))
        report.sizes["raw_bytes"] = dir_bytes(raw)

        for leftover in (warehouse, warehouse.with_name(warehouse.name + ".wal")):
            leftover.unlink(missing_ok=True)
        with stage("land") as s:
            landing = land(raw, warehouse)
            s["rows"] = sum(landing.records_by_source.values())
            s["detail"] = f"{sum(landing.files_by_source.values())} files"
        landed_rows = s["rows"]
        report.sizes["landed_warehouse_bytes"] = warehouse.stat().st_size

        floor_path = out_dir / "floor_team_months.parquet"
        if floor:
            with stage("floor") as s:
                run_floor(warehouse, floor_path)
                s["rows"] = landed_rows
                s["detail"] = "one DuckDB query, landing -> fct_team_months"

        target_path = out_dir / "dbt-target"
        shutil.rmtree(target_path, ignore_errors=True)
        with stage("dbt build") as s:
            result = run_dbt(BUILD_ARGS, warehouse=warehouse, target_path=target_path)
            s["rows"] = landed_rows
            s["detail"] = f"{result.nodes_done} nodes" + _dbt_split(target_path)
        report.core_path_seconds = core_path_seconds(target_path)
        report.sizes["warehouse_bytes"] = warehouse.stat().st_size

        if gate:
            with stage("gate") as s:
                s["rows"], s["detail"] = run_gate_stage(warehouse)

        with stage("first query") as s:
            s["rows"] = first_query(warehouse)
            s["detail"] = "Overview: fct_team_months rolled up by month"

        report.rows = table_rows(warehouse)
        if floor:
            report.floor_check = compare_floor(warehouse, floor_path)
    finally:
        sampler.stop()
        # other work on the machine slows every stage: record how busy it was
        report.machine["load_average_at_end"] = round(os.getloadavg()[0], 2)
    if not keep_warehouse:
        warehouse.unlink(missing_ok=True)
    return report


# An organisation whose data costs dbt next to nothing: a build of it is dbt's fixed cost.
FIXED_COST_ORG = {"employees": 60, "days": 14}


def run_fixed_cost_bench(
    work_dir: Path, bucket: str, seed: int, *, log: Callable[[str], None] | None = None
) -> dict:
    """The production dbt build on FIXED_COST_ORG (simulated into `work_dir` once): what a build
    of this project costs whatever the data size."""
    tiny = run_bench(
        FIXED_COST_ORG["employees"],
        FIXED_COST_ORG["days"],
        bucket,
        seed,
        work_dir,
        gate=False,
        floor=False,
        log=log,
    )
    dbt = tiny.stage("dbt build")
    return {**FIXED_COST_ORG, "dbt_seconds": dbt.seconds, "detail": dbt.detail}


def _dbt_split(target_path: Path) -> str:
    """`; models X s, tests Y s` from dbt's run_results.json (summed node times)."""
    path = target_path / "run_results.json"
    if not path.exists():
        return ""
    results = json.loads(path.read_text()).get("results", [])
    kinds: dict[str, float] = {}
    for r in results:
        kind = r["unique_id"].split(".")[0]
        kinds[kind] = kinds.get(kind, 0.0) + float(r.get("execution_time") or 0)
    return "; " + ", ".join(f"{k}s {v:.0f} s" for k, v in sorted(kinds.items()))


def core_path_seconds(target_path: Path, mart: str = "model.mileage.fct_team_months") -> float:
    """Summed execution time of `mart` and every model and seed upstream of it: the part of
    `dbt build` that does the floor's work (no tests, no audit or incentive marts)."""
    manifest_path, results_path = target_path / "manifest.json", target_path / "run_results.json"
    if not manifest_path.exists() or not results_path.exists():
        return 0.0
    parents = json.loads(manifest_path.read_text()).get("parent_map", {})
    upstream, todo = set(), [mart]
    while todo:
        node = todo.pop()
        if node in upstream:
            continue
        upstream.add(node)
        todo.extend(parents.get(node, []))
    results = json.loads(results_path.read_text()).get("results", [])
    return sum(float(r.get("execution_time") or 0) for r in results if r["unique_id"] in upstream)


# --- one more day: the incremental benchmark -------------------------------------------------


# Where each vendor file keeps its records, and the UTC day of a record (for splitting only).
def _iso_day(value) -> str:
    return str(value)[:10]


def _epoch_day(seconds) -> str:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(int(seconds), UTC).date().isoformat()


RECORD_LISTS = {
    # folder: (shape, key of the record list or None for a top-level list, day of a record)
    "anthropic/usage_report_messages": ("document", "data", lambda r: _iso_day(r["starting_at"])),
    "anthropic/claude_code": ("document", "data", lambda r: _iso_day(r["date"])),
    "openai/usage_completions": ("document", "data", lambda r: _epoch_day(r["start_time"])),
    "cursor/usage_events": (
        "document",
        "usageEvents",
        lambda r: _epoch_day(int(r["timestamp"]) // 1000),
    ),
    "github/pull_requests": ("document", None, lambda r: _iso_day(r["created_at"])),
    "jira/issues": ("document", "issues", lambda r: _iso_day(r["fields"]["created"])),
    "copilot/users": ("lines", None, lambda r: _iso_day(r["day"])),
    "telemetry/claude_code": ("lines", None, lambda r: _iso_day(r["timestamp"])),
}
_NAME_RANGE = re.compile(r"_(\d{8})_(\d{8})_")


@dataclass
class SplitSummary:
    day: str
    base_files: int = 0
    increment_files: list[Path] = field(default_factory=list)
    increment_records: int = 0
    late_records: int = 0
    overlapping_records: int = 0


def split_last_day(
    full_raw: Path, base_raw: Path, increment_dir: Path, day: str, *, late_days: int = 2
) -> SplitSummary:
    """Split a simulated raw directory into "the warehouse so far" and "the next delivery".

    `base_raw` gets every record dated before `day`; `increment_dir` gets, per vendor file, a
    new file `<name>_late<ext>` (same folder layout) holding the records dated `day` or later,
    plus the awkward cases an incremental build must handle: a third of the records dated
    `day - late_days` are *moved* there (late-arriving data), and a quarter of those dated
    `day - 1` are *also* there (an overlapping page re-delivering records already landed).
    Files whose name's date range ends before `day` are hard-linked, not parsed. CSVs go to
    `base_raw` unchanged.
    """
    from datetime import date as _date
    from datetime import timedelta

    late_day = (_date.fromisoformat(day) - timedelta(days=late_days)).isoformat()
    overlap_day = (_date.fromisoformat(day) - timedelta(days=1)).isoformat()
    cutoff = day.replace("-", "")
    summary = SplitSummary(day=day)
    full_raw = Path(full_raw)
    for path in sorted(p for p in full_raw.rglob("*") if p.is_file()):
        rel = path.relative_to(full_raw)
        if rel.parts[0] == "ground_truth" or rel.name.startswith("."):
            continue
        folder = "/".join(rel.parts[:2])
        target = Path(base_raw) / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        spec = RECORD_LISTS.get(folder)
        names = _NAME_RANGE.search(rel.name)
        # nothing on or after the late day in it (by its name): link it whole
        if spec is None or (names and names.group(2) < _shift(cutoff, -late_days)):
            if not target.exists():
                os.link(path, target)
            summary.base_files += 1
            continue
        shape, key, day_of = spec
        if shape == "lines":
            records = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
        else:
            doc = json.loads(path.read_text())
            records = doc if key is None else doc[key]
        old, new = [], []
        for i, record in enumerate(records):
            record_day = day_of(record)
            if record_day >= day:
                new.append(record)
            elif record_day == late_day and i % 3 == 0:
                new.append(record)
                summary.late_records += 1
            else:
                old.append(record)
                if record_day == overlap_day and i % 4 == 0:
                    new.append(record)
                    summary.overlapping_records += 1

        def write(out: Path, subset: list, doc=None, shape=shape, key=key):
            if shape == "lines":
                out.write_text("".join(json.dumps(r) + "\n" for r in subset))
            elif key is None:
                out.write_text(json.dumps(subset))
            else:
                out.write_text(json.dumps({**doc, key: subset}))

        write(target, old, None if shape == "lines" else doc)
        summary.base_files += 1
        if new:
            out = Path(increment_dir) / rel.with_name(f"{rel.stem}_late{rel.suffix}")
            out.parent.mkdir(parents=True, exist_ok=True)
            write(out, new, None if shape == "lines" else doc)
            summary.increment_files.append(out)
            summary.increment_records += len(new)
    return summary


@dataclass
class IncrementalBench:
    day: str
    split: dict = field(default_factory=dict)
    live_seconds: float = 0.0
    incremental: StageResult | None = None
    incremental_stages: dict[str, float] = field(default_factory=dict)
    full: StageResult | None = None
    full_stages: dict[str, float] = field(default_factory=dict)
    model_seconds: dict[str, dict[str, float]] = field(default_factory=dict)
    facts_equal: dict[str, bool] = field(default_factory=dict)
    from_date: str | None = None

    @property
    def ratio(self) -> float | None:
        if not self.incremental or not self.full or self.full.seconds <= 0:
            return None
        return self.incremental.seconds / self.full.seconds

    def as_dict(self) -> dict:
        out = asdict(self)
        out["ratio"] = self.ratio
        return out


INCREMENTAL_FACTS = (
    "fct_ai_usage_hourly",
    "fct_ai_usage_daily",
    "fct_pull_requests",
)


def run_incremental_bench(
    full_raw: Path,
    work_dir: Path,
    day: str | None = None,
    *,
    log: Callable[[str], None] | None = None,
) -> IncrementalBench:
    """One more day on a warehouse: incremental build vs full rebuild of the same raw files.

    Splits `full_raw` (a simulated organisation) at `day` (default: its last day) with
    split_last_day, builds the live warehouse from everything before, adds the delivery, then
    times mileage.incremental.build_incremental against land + dbt build from scratch, and
    checks the facts agree (row counts and token and cost totals).
    """
    from mileage.dbt_runner import BUILD_ARGS, run_dbt
    from mileage.incremental import build_incremental, build_inputs, record_build_state
    from mileage.landing import land

    say = log or (lambda message: None)
    work_dir = Path(work_dir).resolve()
    shutil.rmtree(work_dir, ignore_errors=True)
    work_dir.mkdir(parents=True)
    raw, delivery = work_dir / "raw", work_dir / "delivery"
    if day is None:
        day = _last_usage_day(full_raw)
    say(f"splitting {full_raw} at {day}...")
    split = split_last_day(full_raw, raw, delivery, day)
    result = IncrementalBench(
        day=day,
        split={
            "increment_files": len(split.increment_files),
            "increment_records": split.increment_records,
            "late_records": split.late_records,
            "overlapping_records": split.overlapping_records,
        },
    )
    sampler = RssSampler().start()
    try:
        say("live warehouse (everything before the day)...")
        live = work_dir / "live.duckdb"
        started = time.perf_counter()
        inputs = build_inputs(raw)
        land(raw, live)
        run_dbt(BUILD_ARGS, warehouse=live, target_path=work_dir / "target-live")
        record_build_state(live, inputs)
        result.live_seconds = time.perf_counter() - started
        for file in split.increment_files:
            shutil.copy(file, raw / file.relative_to(delivery))

        say("incremental build...")
        sampler.reset_window()
        started = time.perf_counter()
        # each build in a folder of its own under the live warehouse's file name, as the
        # pipeline builds (dbt's partial-parse state carries over between them)
        incremental = work_dir / "incremental" / live.name
        incremental.parent.mkdir()
        inc = build_incremental(raw, live, incremental, target_path=work_dir / "target-incremental")
        result.incremental = StageResult(
            "incremental",
            time.perf_counter() - started,
            sampler.read_window(),
            split.increment_records,
        )
        result.incremental_stages = inc.stage_seconds
        result.from_date = inc.from_date.isoformat() if inc.from_date else None

        say("full rebuild...")
        full = work_dir / "full" / live.name
        full.parent.mkdir()
        sampler.reset_window()
        started = time.perf_counter()
        land(raw, full)
        result.full_stages["land"] = time.perf_counter() - started
        run_dbt(BUILD_ARGS, warehouse=full, target_path=work_dir / "target-full")
        result.full_stages["dbt build"] = time.perf_counter() - started - result.full_stages["land"]
        result.full = StageResult("full", time.perf_counter() - started, sampler.read_window())
    finally:
        sampler.stop()
    for label, target in (("incremental", inc.dbt.target_path), ("full", work_dir / "target-full")):
        timings = _node_seconds(target)
        result.model_seconds[label] = {m: timings.get(m, 0.0) for m in INCREMENTAL_FACTS}
    result.facts_equal = _facts_agree(incremental, full)
    return result


def _last_usage_day(raw: Path) -> str:
    names = [m.group(2) for p in Path(raw).rglob("*.json*") if (m := _NAME_RANGE.search(p.name))]
    last = max(names)
    return f"{last[:4]}-{last[4:6]}-{last[6:]}"


def _node_seconds(target_path: Path) -> dict[str, float]:
    path = Path(target_path) / "run_results.json"
    if not path.exists():
        return {}
    return {
        r["unique_id"].split(".")[-1]: float(r.get("execution_time") or 0)
        for r in json.loads(path.read_text()).get("results", [])
        if r["unique_id"].startswith("model.")
    }


def _facts_agree(a: Path, b: Path) -> dict[str, bool]:
    import duckdb

    checks = {
        "marts.fct_ai_usage_daily": "count(*), sum(total_tokens), round(sum(list_cost_usd), 4)",
        "marts.fct_ai_usage_hourly": "count(*), sum(total_tokens), count(distinct usage_hourly_id)",
        "marts.fct_pull_requests": "count(*), count(team_id), sum(additions)",
        "marts.fct_team_months": "count(*), sum(total_tokens), sum(merged_prs), round(sum(outcome_score), 6)",
    }
    con = duckdb.connect()
    try:
        con.execute(f"attach '{a}' as a (read_only)")
        con.execute(f"attach '{b}' as b (read_only)")
        return {
            table: con.execute(f"select {cols} from a.{table}").fetchone()
            == con.execute(f"select {cols} from b.{table}").fetchone()
            for table, cols in checks.items()
        }
    finally:
        con.close()


def _shift(yyyymmdd: str, days: int) -> str:
    from datetime import datetime, timedelta

    moved = datetime.strptime(yyyymmdd, "%Y%m%d") + timedelta(days=days)
    return moved.strftime("%Y%m%d")


# --- presentation -----------------------------------------------------------------------------


def render(report: BenchReport):
    from rich.table import Table

    table = Table(
        title=f"mileage bench: {report.employees:,} people x {report.days} days "
        f"(bucket {report.bucket}, seed {report.seed})"
    )
    for column, justify in (
        ("stage", "left"),
        ("seconds", "right"),
        ("peak RSS", "right"),
        ("rows", "right"),
        ("rows/s", "right"),
        ("detail", "left"),
    ):
        table.add_column(column, justify=justify)
    for s in report.stages:
        table.add_row(
            s.stage,
            f"{s.seconds:,.1f}",
            f"{s.peak_rss_bytes / GIB:.2f} GiB",
            "" if s.rows is None else f"{s.rows:,}",
            "" if s.rows_per_second is None else f"{s.rows_per_second:,.0f}",
            s.detail,
        )
    table.add_section()
    table.add_row(
        "pipeline",
        f"{report.pipeline_seconds:,.1f}",
        f"{report.peak_rss_bytes / GIB:.2f} GiB",
        "",
        "",
        "land + dbt build + gate + first query",
    )
    return table


def summary_lines(report: BenchReport) -> list[str]:
    lines = []
    sizes = report.sizes
    if sizes:
        lines.append(
            "sizes: raw {:.2f} GiB, landed warehouse {:.2f} GiB, built warehouse {:.2f} GiB".format(
                sizes.get("raw_bytes", 0) / GIB,
                sizes.get("landed_warehouse_bytes", 0) / GIB,
                sizes.get("warehouse_bytes", 0) / GIB,
            )
        )
    for name in (
        "marts.fct_ai_usage_hourly",
        "marts.fct_ai_usage_daily",
        "marts.fct_pull_requests",
        "marts.fct_team_months",
    ):
        if name in report.rows:
            lines.append(f"rows: {name} {report.rows[name]:,}")
    if report.dbt_floor_ratio is not None:
        lines.append(f"dbt build / floor: {report.dbt_floor_ratio:.1f}x")
        floor = report.stage("floor")
        if report.core_path_seconds and floor is not None and floor.seconds > 0:
            lines.append(
                f"dbt models on fct_team_months' path (summed node times): "
                f"{report.core_path_seconds:.1f} s = {report.core_path_seconds / floor.seconds:.1f}x the floor"
            )
    if report.floor_check:
        check = report.floor_check
        lines.append(
            f"floor vs dbt fct_team_months: {check['rows']} rows, {check['only_in_floor']} only in "
            f"floor, {check['only_in_dbt']} only in dbt, largest relative difference "
            f"{check['max_relative_difference']:.2e} ({check['worst_column']})"
        )
    fixed = report.fixed_cost
    if fixed:
        lines.append(
            f"dbt's fixed cost (the same build on {fixed['employees']} people x {fixed['days']} "
            f"days): {fixed['dbt_seconds']:.1f} s"
        )
        if report.dbt_above_fixed_cost_floor_ratio is not None:
            lines.append(
                f"(dbt build - fixed cost) / floor: {report.dbt_above_fixed_cost_floor_ratio:.1f}x"
            )
    inc = report.incremental
    if inc and inc.get("incremental") and inc.get("full"):
        lines.append(
            f"one more day ({inc['day']}, {inc['split']['increment_records']:,} records in "
            f"{inc['split']['increment_files']} files, window from {inc['from_date']}): incremental "
            f"{inc['incremental']['seconds']:.1f} s vs full rebuild {inc['full']['seconds']:.1f} s "
            f"= {inc['ratio']:.0%}; facts agree: {all(inc['facts_equal'].values())}"
        )
        if fixed:
            lines.append(
                f"  a tenth of the full rebuild is {inc['full']['seconds'] / 10:.1f} s; "
                f"dbt's fixed cost alone is {fixed['dbt_seconds']:.1f} s"
            )
        for model in INCREMENTAL_FACTS:
            lines.append(
                f"  {model}: {inc['model_seconds']['incremental'].get(model, 0):.1f} s incremental, "
                f"{inc['model_seconds']['full'].get(model, 0):.1f} s full"
            )
    lines.extend(report.notes)
    return lines


def bench_command(
    employees: int = typer.Option(
        2000, "--employees", help="People in the simulated roster (default: the demo's)."
    ),
    days: int = typer.Option(365, "--days", help="Days simulated (default: the demo's)."),
    bucket: str = typer.Option("1h", "--bucket", help="Anthropic/OpenAI usage bucket: 1h or 1d."),
    seed: int = typer.Option(42, "--seed", help="Simulation seed."),
    out: Path = typer.Option(None, "--out", help="Working folder (default data/bench/<size>)."),
    json_path: Path = typer.Option(
        None, "--json", help="Write the report as JSON here ('-' = stdout)."
    ),
    reuse_raw: bool = typer.Option(
        True,
        "--reuse-raw/--resimulate",
        help="Reuse raw exports simulated earlier with the same options.",
    ),
    gate: bool = typer.Option(True, "--gate/--no-gate", help="Time the expectations gate."),
    floor: bool = typer.Option(
        True, "--floor/--no-floor", help="Time the hand-written floor query."
    ),
    incremental: bool = typer.Option(
        False,
        "--incremental/--no-incremental",
        help="Also time one more day: incremental build vs full rebuild (three more builds).",
    ),
    fixed_cost: bool = typer.Option(
        False,
        "--fixed-cost/--no-fixed-cost",
        help="Also time the same dbt build on a tiny organisation: its cost before any data.",
    ),
) -> None:
    """Simulate an organisation and time land, dbt build, the gate and the app's first query."""
    from rich.console import Console

    console = Console(stderr=True)

    def say(message: str) -> None:
        console.print(f"[dim]{message}[/]")

    report = run_bench(
        employees,
        days,
        bucket,
        seed,
        out,
        reuse_raw=reuse_raw,
        gate=gate,
        floor=floor,
        log=say,
    )
    if incremental:
        inc = run_incremental_bench(
            Path(report.out_dir) / "raw",
            Path(report.out_dir) / "incremental",
            log=say,
        )
        report.incremental = inc.as_dict()
    if fixed_cost:
        report.fixed_cost = run_fixed_cost_bench(
            Path(report.out_dir) / "fixed-cost",
            bucket,
            seed,
            log=say,
        )
    console.print(render(report))
    for line in summary_lines(report):
        console.print(line)
    path = json_path or Path(report.out_dir) / "bench.json"
    text = json.dumps(report.as_dict(), indent=2, default=str)
    if str(path) == "-":
        print(text)
    else:
        Path(path).write_text(text + "\n")
        console.print(f"JSON report: {path}")
