"""The main job: raw exports -> landing -> dbt build -> expectations gate -> atomic publish.

Every stage runs against a new warehouse file beside the live one; only a build that passes
the gate replaces the live file (os.replace, atomic on one filesystem), so an open app keeps
serving the previous numbers until the new ones are vouched for.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

StageCallback = Callable[[str, str], None]


class StageFailed(RuntimeError):
    """A pipeline stage failed; `str()` is the one-line reason shown to the user."""

    def __init__(self, stage: str, reason: str):
        self.stage = stage
        self.reason = " ".join(str(reason).split())
        super().__init__(f"stage '{stage}' failed: {self.reason}")


@dataclass
class BuildReport:
    warehouse: Path
    stage_seconds: dict[str, float] = field(default_factory=dict)
    landing: object | None = None
    dbt: object | None = None
    gate: object | None = None
    warnings: list[str] = field(default_factory=list)
    # "full"; "incremental" (a copy of the live warehouse plus the new raw files); "current"
    # (incremental asked for, nothing new since the live build: nothing built or published)
    mode: str = "full"
    full_reason: str | None = None  # why an incremental build was asked for but built in full
    increment: object | None = None  # mileage.incremental.IncrementalResult when incremental
    # failed checks on derived marts, published anyway (mileage/publication.py)
    not_vouched: list = field(default_factory=list)


def building_path(warehouse: Path) -> Path:
    """Where a build is written before it is published: a folder of its own beside the live
    warehouse (same file system: os.replace stays atomic), under the live warehouse's file name
    (dbt's partial-parse state carries over only between warehouses of one name:
    mileage.dbt_runner.PARSE_STATE_DIR)."""
    return warehouse.parent / f".{warehouse.stem}.building-{os.getpid()}" / warehouse.name


def dbt_run_path(warehouse: Path) -> Path:
    """Where the last build's dbt artefacts are kept (its logs, run_results.json, compiled SQL),
    failed or not: each build replaces them, so daily builds leave one copy, not one each."""
    return warehouse.parent / f".{warehouse.stem}.dbt-run"


def failed_path(warehouse: Path) -> Path:
    """Where a build that failed after landing (dbt, the gate) is kept for inspection."""
    return warehouse.with_name(f"{warehouse.stem}.failed{warehouse.suffix}")


def build(raw_dir: Path, warehouse: Path, *, lock_wait: float = 0.0, **options) -> BuildReport:
    """Build and publish `warehouse` (see `_build` for `options`), one build per warehouse
    at a time: a second build waits up to `lock_wait` seconds for the first, then stops with a
    StageFailed naming it (mileage/publish_lock.py)."""
    from mileage.publish_lock import LockHeld, publish_lock

    warehouse = Path(warehouse).resolve()
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    try:
        with publish_lock(warehouse, wait=lock_wait):
            return _build(raw_dir, warehouse, **options)
    except LockHeld as exc:
        raise StageFailed("lock", str(exc)) from exc


def _build(
    raw_dir: Path,
    warehouse: Path,
    *,
    run_gate: bool = True,
    incremental: bool = False,
    accept_loss: bool = False,
    on_stage: StageCallback | None = None,
    on_progress: Callable[[str, int, int], None] | None = None,
    on_dbt_node: Callable[[str, str], None] | None = None,
) -> BuildReport:
    """Build a warehouse from `raw_dir` and publish it at `warehouse`.

    With `incremental`, start from a copy of the live warehouse and land only the raw files
    that are new or changed since it was built (mileage/incremental.py); whenever that is not
    safe (no live build, changed code, seeds or reference data, a vanished file) build in full
    and say why in `report.full_reason`. Either way the result is gated and published alike.

    A large loss in the raw exports (mileage/loss.py) stops the build after dbt unless
    `accept_loss`, which publishes anyway and records the accepted losses in the warehouse.

    Raises StageFailed naming the stage on any failure; the live warehouse is then untouched,
    and a build that failed after landing is kept at `failed_path` for inspection.
    """
    from mileage import incremental as inc
    from mileage.dbt_runner import BUILD_ARGS
    from mileage.landing import LandingError, land

    raw_dir = Path(raw_dir).resolve()
    warehouse = Path(warehouse).resolve()
    if not raw_dir.is_dir():
        raise StageFailed("land", f"raw directory {raw_dir} does not exist")
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    building = building_path(warehouse)
    report = BuildReport(warehouse=warehouse)
    notify = on_stage or (lambda stage, status: None)

    def timed(stage: str, fn):
        notify(stage, "start")
        started = time.perf_counter()
        result = fn()
        report.stage_seconds[stage] = time.perf_counter() - started
        notify(stage, "done")
        return result

    plan = None
    if incremental:
        plan = inc.plan_increment(raw_dir, warehouse)
        report.full_reason = plan.full_reason
        report.mode = "full" if plan.full_reason else "incremental"
        if report.mode == "incremental" and not plan.files:
            report.mode = "current"
            return report
    shutil.rmtree(building.parent, ignore_errors=True)  # what a crashed build of this pid left
    building.parent.mkdir()
    # what the build is built from, as found before landing (recorded after dbt, below)
    inputs = plan.inputs if plan is not None else inc.build_inputs(raw_dir)
    dbt_args, dbt_extra_env = list(BUILD_ARGS), None
    try:
        try:
            if report.mode == "incremental":
                report.increment = timed(
                    "land (new files)",
                    lambda: inc.prepare_incremental(raw_dir, warehouse, building, plan=plan),
                )
                report.landing = report.increment.landing
                dbt_args, dbt_extra_env = report.increment.dbt_args, report.increment.dbt_env
            else:
                report.landing = timed(
                    "land", lambda: land(raw_dir, building, progress=on_progress)
                )
        except LandingError as exc:
            raise StageFailed("land", str(exc)) from exc
        report.warnings.extend(report.landing.problems)
        if run_gate:
            # Raw contracts first: a broken export should stop before dbt spends minutes on it.
            _gate(report, building, warehouse, ("raw",), "expectations (raw)", timed)
        report.dbt = timed(
            "dbt build",
            lambda: _dbt_stage(report, building, warehouse, dbt_args, dbt_extra_env, on_dbt_node),
        )
        # what the next incremental build checks its raw files and code against
        inc.record_build_state(building, inputs)
        report.warnings.extend(report.dbt.warnings)
        report.warnings.extend(unpriced_model_warnings(building))
        timed("loss check", lambda: _check_loss(report, building, warehouse, accept_loss))
        if run_gate:
            _gate(report, building, warehouse, ("mart",), "expectations (marts)", timed)
        _record_not_vouched(report, building)
        timed("publish", lambda: os.replace(building, warehouse))
    except StageFailed as exc:
        raise _kept_for_inspection(exc, building, warehouse) from exc.__cause__
    finally:
        _keep_dbt_run(building.parent / "dbt", warehouse, report)
        shutil.rmtree(building.parent, ignore_errors=True)  # the build's file, WAL, spill files
    return report


def _dbt_stage(report, building, warehouse, dbt_args, dbt_extra_env, on_dbt_node):
    """Run dbt; a failure blocks unless every failed node is a derived mart's (or its test):
    those marts are then recorded as not vouched for, and the tables dbt could not build are
    dropped rather than served stale (mileage/publication.py)."""
    from mileage import publication
    from mileage.dbt_runner import run_dbt

    target = building.parent / "dbt"
    result = run_dbt(
        dbt_args,
        warehouse=building,
        extra_env=dbt_extra_env,
        target_path=target,
        on_node_done=on_dbt_node,
        check=False,
    )
    verdict = publication.judge_dbt_run(target, result.failures)
    if result.returncode != 0 and verdict.blocking:
        log = dbt_run_path(warehouse) / "logs" / "dbt.log"
        reasons = verdict.blocking
        reason = "; ".join(reasons[:5]) + (" ..." if len(reasons) > 5 else "")
        raise StageFailed("dbt build", f"{reason} (dbt's log: {log})")
    publication.drop_unbuilt(building, verdict.unbuilt)
    report.not_vouched.extend(verdict.not_vouched)
    return result


def _record_not_vouched(report: BuildReport, building: Path) -> None:
    """Record, in the build, the derived marts dbt or the gate could not vouch for."""
    from mileage import publication

    if report.gate is not None and "mart" in report.gate.stages:
        report.not_vouched.extend(
            publication.NotVouched(o.mart, o.describe(), "expectations", o.detail or "failed")
            for o in report.gate.not_vouched
        )
    publication.record(building, report.not_vouched, datetime.now(UTC).replace(tzinfo=None))
    lines = [entry.describe() for entry in report.not_vouched]
    report.warnings[:0] = lines


def _kept_for_inspection(exc: StageFailed, building: Path, warehouse: Path) -> StageFailed:
    """Keep a build that failed after landing at failed_path (the gate keeps its own) and
    say where; a failed landing leaves nothing worth inspecting."""
    if exc.stage == "land" or not building.exists():
        return exc
    kept = failed_path(warehouse)
    _remove_duckdb_file(kept)
    os.replace(building, kept)
    return StageFailed(
        exc.stage, f"{exc.reason} (build kept at {kept}; the live warehouse is unchanged)"
    )


def _keep_dbt_run(produced: Path, warehouse: Path, report: BuildReport) -> None:
    """Move this build's dbt artefacts to dbt_run_path, replacing the previous build's."""
    if not produced.is_dir():
        return
    kept = dbt_run_path(warehouse)
    shutil.rmtree(kept, ignore_errors=True)
    os.replace(produced, kept)
    if report.dbt is not None:
        report.dbt.target_path = kept


def _gate(report: BuildReport, building: Path, warehouse: Path, stages, label: str, timed) -> None:
    from mileage.quality import run_gate

    result = timed(label, lambda: run_gate(building, stages=stages))
    report.gate = result
    report.warnings.extend(result.warnings_summary())
    if not result.passed:
        kept = failed_path(warehouse)
        _remove_duckdb_file(kept)
        os.replace(building, kept)
        raise StageFailed(
            label,
            f"{result.summary()} (build kept at {kept}; the live warehouse is unchanged)",
        )


def _check_loss(report: BuildReport, building: Path, warehouse: Path, accept: bool) -> None:
    """Stop on a large loss (mileage/loss.py), keeping the build for inspection as a gate
    failure does; with `accept`, record the losses in the build and publish on."""
    from mileage import loss

    losses = loss.find_losses(building)
    if losses and not accept:
        kept = failed_path(warehouse)
        _remove_duckdb_file(kept)
        os.replace(building, kept)
        raise StageFailed(
            "loss check",
            f"{loss.stop_message(losses)} (build kept at {kept}; the live warehouse is unchanged)",
        )
    loss.record_accepted(building, losses)
    report.warnings.extend(f"loss accepted ({loss.ACCEPT_OPTION}): {x.message}" for x in losses)


def unpriced_model_warnings(warehouse: Path) -> list[str]:
    """Name every model without a price: its cost is unknown, and a silent $0 would flatter it."""
    import duckdb

    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        rows = con.execute(
            """select model, sum(total_tokens) as tokens
               from marts.fct_ai_usage_daily where not is_priced
               group by model order by tokens desc"""
        ).fetchall()
    finally:
        con.close()
    warnings = []
    ungrouped = [tokens for model, tokens in rows if model == UNGROUPED_MODEL]
    if ungrouped:
        warnings.append(
            f"{int(ungrouped[0]):,} tokens were exported without their model (a usage report "
            "fetched without group_by): kept as unattributed, unpriced usage; re-export with "
            "group_by[]=api_key_id&group_by[]=model (Anthropic) or "
            "group_by=user_id,api_key_id,model (OpenAI) to price and attribute them"
        )
    rows = [(model, tokens) for model, tokens in rows if model != UNGROUPED_MODEL]
    if not rows:
        return warnings
    listed = ", ".join(f"{model} ({int(tokens):,} tokens)" for model, tokens in rows)
    return [
        *warnings,
        f"{len(rows)} unpriced model(s), cost unknown, add them to seeds/model_families.csv "
        f"and seeds/token_prices.csv: {listed}",
    ]


# The model of usage exported without group_by model (macros/staging_checks.sql
# ungrouped_model() writes it; the two must be equal).
UNGROUPED_MODEL = "(not grouped by model)"


def _remove_duckdb_file(path: Path) -> None:
    for candidate in (path, path.with_name(path.name + ".wal")):
        if candidate.exists():
            candidate.unlink()
