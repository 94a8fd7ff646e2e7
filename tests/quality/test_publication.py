"""What blocks publication (issue 23, item 2), a failed build kept, and one writer per warehouse.

The dbt cases reuse the session's tiny warehouse: the pipeline lands and gates the tiny raw
directory for real, and its dbt stage is replaced by a copy of the tiny warehouse with one
planted fault, on which the real dbt then runs only the nodes the fault concerns (one dbt
invocation per test, not a full build).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from fixtures.tiny_raw import write_tiny_raw
from mileage import publication
from mileage.pipeline import StageFailed, build, failed_path
from mileage.publish_lock import lock_path, publish_lock
from quality.conftest import execute, query

LEADERBOARD_RANGE_TEST = "accepted_range_fct_leaderboard_summary_rank_correlation"


def _planted_dbt(monkeypatch, tiny_warehouse, faults: list[str], dbt_args: list[str]):
    """Make the pipeline's dbt stage copy the tiny warehouse into the build, plant `faults`
    (SQL), then run the real dbt with `dbt_args` on it (its own run_results and manifest)."""
    import mileage.dbt_runner as runner

    real = runner.run_dbt

    def fake(args, *, warehouse, target_path, **kwargs):
        shutil.copyfile(tiny_warehouse.warehouse, warehouse)
        execute(warehouse, *faults)
        return real(dbt_args, warehouse=warehouse, target_path=target_path, check=False)

    monkeypatch.setattr(runner, "run_dbt", fake)


def test_a_failure_confined_to_derived_marts_publishes_and_is_recorded(
    tiny_warehouse, tmp_path, monkeypatch
):
    # a rank correlation of 5 fails the dbt range test and the GX range expectation; the stress
    # test's input is gone, so its model errors in dbt
    _planted_dbt(
        monkeypatch,
        tiny_warehouse,
        [
            "update marts.fct_leaderboard_summary set rank_correlation = 5",
            "drop table intermediate.int_incentive_stress_test",
        ],
        [
            "build",
            "--select",
            "fct_goodhart_stress_test",
            "fct_leaderboard_summary,resource_type:test",
        ],
    )
    raw = write_tiny_raw(tmp_path / "raw")
    live = tmp_path / "warehouse" / "mileage.duckdb"
    before = datetime.now(UTC).replace(tzinfo=None)
    report = build(raw, live)

    assert live.is_file(), "the core marts were not published"
    core = "select count(*), sum(total_tokens), sum(merged_prs) from marts.fct_team_months"
    assert query(live, core) == tiny_warehouse.query(core)
    rows = query(
        live,
        "select mart, stage, check_name, failure, built_at from quality.marts_not_vouched "
        "order by mart, stage, check_name",
    )
    by_mart = {}
    for mart, stage, check, failure, built_at in rows:
        by_mart.setdefault(mart, []).append((stage, check, failure))
        assert before <= built_at <= datetime.now(UTC).replace(tzinfo=None)
    assert sorted(by_mart) == ["fct_goodhart_stress_test", "fct_leaderboard_summary"]
    leaderboard = by_mart["fct_leaderboard_summary"]
    (dbt_test,) = [c for s, c, _ in leaderboard if s == "dbt"]
    assert dbt_test.startswith(LEADERBOARD_RANGE_TEST)
    assert any(
        s == "expectations" and "expect_column_values_to_be_between(rank_correlation)" in c
        for s, c, _ in leaderboard
    )
    stress = by_mart["fct_goodhart_stress_test"]
    assert ("dbt", "model build") in [(s, c) for s, c, _ in stress]
    assert any("int_incentive_stress_test" in f for s, c, f in stress if c == "model build")
    # never served stale: the copy's old table is dropped, the app says "not built"
    assert not query(
        live,
        "select 1 from information_schema.tables "
        "where table_schema = 'marts' and table_name = 'fct_goodhart_stress_test'",
    )
    assert any("fct_leaderboard_summary not vouched for" in w for w in report.warnings)
    (passed,) = query(live, "select passed from quality.validation_runs where stages = 'mart'")[0]
    assert passed is True

    # the pages that read those marts say so, naming the mart and the check
    from streamlit.testing.v1 import AppTest

    from mileage.app import data

    monkeypatch.setenv("MILEAGE_WAREHOUSE", str(live))
    monkeypatch.setenv("MILEAGE_DEMO_MODE", "1")  # a test warehouse, served without sign-in
    try:
        for page, mart, check in (
            ("leaderboard", "fct_leaderboard_summary", LEADERBOARD_RANGE_TEST),
            ("incentive_lab", "fct_goodhart_stress_test", "model build"),
        ):
            at = AppTest.from_file(str(Path(__file__).parents[2] / "app.py"), default_timeout=60)
            at.session_state["demo_role"] = "hr"
            at.run()
            at.switch_page(f"app_pages/{page}.py").run()
            assert not at.exception, [e.value for e in at.exception]
            warnings = " ".join(w.value for w in at.warning)
            assert f"`{mart}` is not vouched for" in warnings and check in warnings, page
    finally:
        data.forget_all()


def test_a_core_failure_blocks_even_beside_a_derived_one_and_the_build_is_kept(
    tiny_warehouse, tmp_path, monkeypatch
):
    _planted_dbt(
        monkeypatch,
        tiny_warehouse,
        [
            "update marts.fct_bugs set bug_key = null",
            "update marts.fct_leaderboard_summary set rank_correlation = 5",
        ],
        ["test", "--select", "fct_bugs", "fct_leaderboard_summary"],
    )
    raw = write_tiny_raw(tmp_path / "raw")
    live = tmp_path / "warehouse" / "mileage.duckdb"
    with pytest.raises(StageFailed) as failure:
        build(raw, live, run_gate=False)
    kept = failed_path(live.resolve())
    assert failure.value.stage == "dbt build"
    assert failure.value.reason.startswith("not_null_fct_bugs_bug_key")
    assert f"build kept at {kept}; the live warehouse is unchanged" in failure.value.reason
    assert LEADERBOARD_RANGE_TEST not in failure.value.reason  # the derived one never blocks
    assert not live.exists()
    (bugs,) = tiny_warehouse.query("select count(*) from marts.fct_bugs")[0]
    assert bugs > 0
    assert query(kept, "select count(*) from marts.fct_bugs where bug_key is null") == [(bugs,)]


def test_dbt_failing_before_any_node_blocks(tmp_path):
    verdict = publication.judge_dbt_run(tmp_path, ["Runtime Error: bad profile"])
    assert verdict.blocking == ["Runtime Error: bad profile"] and not verdict.not_vouched


def test_the_classification_is_the_dbt_project_folders():
    assert publication.derived_folders() == ("audit", "incentives")
    assert publication.is_derived("marts.fct_leaderboard_summary")
    assert publication.is_derived("fct_bonus_payouts")
    for core in ("fct_ai_usage_hourly", "fct_team_months", "fct_source_accounting", "dim_teams"):
        assert not publication.is_derived(core)
    assert not publication.is_derived("employee_identities")


def test_the_gate_blocks_on_core_marts_only():
    from mileage.quality.gate import CRITICAL, WARNING, GateResult, Outcome

    def outcome(suite, mart, severity=CRITICAL):
        return Outcome(suite, "expect_x", "c", severity, False, 1, 10, "", mart=mart)

    derived = outcome("column_types.mart", "fct_bonus_payouts")
    result = GateResult("r", datetime(2026, 1, 1), ("mart",), outcomes=[derived])
    assert result.passed and result.not_vouched == [derived]
    assert "not vouched for: fct_bonus_payouts" in result.summary()
    result.outcomes.append(outcome("column_types.mart", "fct_team_months"))
    assert not result.passed
    # a derived mart's warning stays a warning; a raw suite is never derived
    warning = outcome("fct_gaming_signals.mart", "fct_gaming_signals", WARNING)
    raw = outcome("hr__roster.raw", None)
    result = GateResult("r", datetime(2026, 1, 1), ("raw",), outcomes=[warning, raw])
    assert not result.passed and result.not_vouched == [] and result.warnings == [warning]


# --- one writer -------------------------------------------------------------------------------

HOLDER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from mileage.publish_lock import publish_lock
    with publish_lock(Path(sys.argv[1])):
        print("locked", flush=True)
        time.sleep(float(sys.argv[2]))
    """
)


def _hold(warehouse: Path, seconds: float) -> subprocess.Popen:
    """A second process holding the warehouse's lock for `seconds`, once it says so."""
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).parents[2]))
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(warehouse), str(seconds)],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert proc.stdout.readline().strip() == "locked"
    return proc


def _cheap_build(monkeypatch, calls: list):
    import mileage.pipeline as pipeline

    monkeypatch.setattr(pipeline, "_build", lambda raw, wh, **kw: calls.append(time.monotonic()))


def test_a_second_build_stops_at_once_naming_the_holder(tmp_path, monkeypatch):
    calls: list = []
    _cheap_build(monkeypatch, calls)
    live = tmp_path / "mileage.duckdb"
    holder = _hold(live, 30)
    try:
        started = time.monotonic()
        with pytest.raises(StageFailed) as failure:
            build(tmp_path, live)
        assert time.monotonic() - started < 2
        reason = failure.value.reason
        assert failure.value.stage == "lock" and f"pid {holder.pid}" in reason
        assert f"started {datetime.now(UTC):%Y-%m-%d}" in reason
        assert "--wait-for-lock" in reason and not calls
    finally:
        holder.kill()
        holder.wait()


def test_a_second_build_waits_for_the_first_within_its_bound(tmp_path, monkeypatch):
    calls: list = []
    _cheap_build(monkeypatch, calls)
    live = tmp_path / "mileage.duckdb"
    holder = _hold(live, 1.5)
    started = time.monotonic()
    try:
        build(tmp_path, live, lock_wait=20)
        # it ran only after the holder let go (the holder sleeps 1.5 s once locked)
        assert holder.wait(timeout=1) == 0
        assert len(calls) == 1 and 1.0 < calls[0] - started < 20
        holder2 = _hold(live, 30)
        try:
            started = time.monotonic()
            with pytest.raises(StageFailed, match=r"after waiting 0\.5 s"):
                build(tmp_path, live, lock_wait=0.5)
            assert 0.5 <= time.monotonic() - started < 3
        finally:
            holder2.kill()
            holder2.wait()
    finally:
        holder.kill()
        holder.wait()


def test_a_lock_left_by_a_dead_build_does_not_block(tmp_path):
    live = tmp_path / "mileage.duckdb"
    holder = _hold(live, 60)
    holder.send_signal(signal.SIGKILL)  # dies holding the lock, its pid left in the file
    holder.wait()
    assert f'"pid": {holder.pid}' in lock_path(live).read_text()
    with publish_lock(live, wait=0):
        assert f'"pid": {os.getpid()}' in lock_path(live).read_text()
