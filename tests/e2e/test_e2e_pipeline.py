"""End to end: the main job's code path on a small organisation, checked against the raw files.

The expected figures are computed here straight from the raw vendor exports with plain Python,
independently of landing and dbt.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest


def _raw_merged_human_prs(raw: Path) -> int:
    merged = 0
    for page in sorted((raw / "github" / "pull_requests").glob("*.json")):
        seen = set()
        for pr in json.loads(page.read_text()):
            if pr["id"] in seen:
                continue
            seen.add(pr["id"])
            if pr.get("merged_at") and pr["user"]["type"] != "Bot":
                merged += 1
    return merged


def _raw_openai_tokens(raw: Path) -> int:
    total = 0
    for page in sorted((raw / "openai" / "usage_completions").glob("*.json")):
        for bucket in json.loads(page.read_text())["data"]:
            for row in bucket["results"]:
                total += row["input_tokens"] + row["output_tokens"]
    return total


def _query(warehouse: Path, sql: str):
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_demo_command_publishes_a_warehouse(pipeline_run):
    result, paths = pipeline_run
    assert result.exit_code == 0, result.output
    assert paths["warehouse"].exists()
    # The build file is swapped in, never left beside the live warehouse.
    leftovers = [p.name for p in paths["warehouse"].parent.iterdir() if "building" in p.name]
    assert leftovers == []
    # dbt's artefacts of this build are kept beside it (one copy, replaced by the next build)
    from mileage.pipeline import dbt_run_path

    kept = dbt_run_path(paths["warehouse"])
    assert (kept / "run_results.json").is_file() and (kept / "logs" / "dbt.log").is_file()


def _result_types(run_results: Path) -> dict[str, int]:
    counts: dict[str, int] = {}
    for result in json.loads(run_results.read_text())["results"]:
        kind = result["unique_id"].split(".")[0]
        counts[kind] = counts.get(kind, 0) + 1
    return counts


def test_the_pipeline_runs_data_tests_and_the_suite_runs_the_unit_tests(pipeline_run, tiny_build):
    """Production builds leave unit tests (fixed mocked rows) to CI; the suite's tiny build runs
    every unit test the project declares."""
    from mileage.pipeline import dbt_run_path

    result, paths = pipeline_run
    assert result.exit_code == 0, result.output
    pipeline = _result_types(dbt_run_path(paths["warehouse"]) / "run_results.json")
    assert pipeline.get("unit_test", 0) == 0
    assert pipeline["test"] > 100 and pipeline["model"] > 40

    manifest = json.loads((tiny_build.dbt.target_path / "manifest.json").read_text())
    declared = {uid for uid in manifest["unit_tests"] if uid.startswith("unit_test.mileage.")}
    tiny = _result_types(tiny_build.dbt.target_path / "run_results.json")
    assert len(declared) >= 10 and tiny["unit_test"] == len(declared)


def test_team_months_cover_every_team_with_plausible_numbers(pipeline_warehouse):
    rows = _query(
        pipeline_warehouse,
        """
        select team_id, month_start, headcount, total_tokens, token_cost_usd,
               merged_prs, merged_prs_per_million_tokens, roadmap_attainment
        from marts.fct_team_months
        """,
    )
    assert rows, "fct_team_months is empty"
    teams = {r[0] for r in rows}
    roster_teams = {
        r[0] for r in _query(pipeline_warehouse, "select distinct team_id from marts.dim_teams")
    }
    assert teams == roster_teams
    for team_id, _month, headcount, tokens, cost, merged, per_mtok, attainment in rows:
        assert headcount >= 1, team_id
        assert tokens >= 0 and cost >= 0
        assert merged >= 0
        if tokens and merged is not None:
            assert per_mtok == pytest.approx(merged / (tokens / 1e6), rel=1e-9)
        if attainment is not None:
            assert 0 <= attainment < 5


def test_merged_prs_match_the_raw_github_export(pipeline_run, pipeline_warehouse):
    _, paths = pipeline_run
    expected = _raw_merged_human_prs(paths["raw"])
    (in_team_months,) = _query(
        pipeline_warehouse, "select sum(merged_prs) from marts.fct_team_months"
    )[0]
    (in_prs,) = _query(
        pipeline_warehouse,
        "select count(*) from marts.fct_pull_requests where is_merged and not is_bot",
    )[0]
    assert in_prs == expected
    # PRs whose author can't be placed in a team are not in team months; there are none here.
    assert in_team_months == expected


def test_openai_tokens_match_the_raw_usage_pages(pipeline_run, pipeline_warehouse):
    _, paths = pipeline_run
    if not (paths["raw"] / "openai").exists():
        pytest.skip("this simulation wrote no OpenAI usage")
    expected = _raw_openai_tokens(paths["raw"])
    (actual,) = _query(
        pipeline_warehouse,
        "select sum(total_tokens) from marts.fct_ai_usage_daily where provider = 'openai'",
    )[0]
    assert actual == expected


def test_a_failed_dbt_build_names_its_log_and_keeps_it(tmp_path, monkeypatch):
    """dbt fails (here: a memory limit DuckDB rejects): the stage error points at dbt's log,
    which is kept beside the warehouse; the live warehouse is not created."""
    from fixtures.tiny_raw import write_tiny_raw
    from mileage.pipeline import StageFailed, build, dbt_run_path, failed_path
    from mileage.publish_lock import lock_path

    raw = write_tiny_raw(tmp_path / "raw")
    warehouse = tmp_path / "wh" / "mileage.duckdb"
    monkeypatch.setenv("MILEAGE_DUCKDB_MEMORY_LIMIT", "not-a-size")
    with pytest.raises(StageFailed) as failed:
        build(raw, warehouse, run_gate=False)
    log = dbt_run_path(warehouse) / "logs" / "dbt.log"
    assert failed.value.stage == "dbt build" and str(log) in failed.value.reason
    assert log.is_file() and "MainEncounteredError" in log.read_text()  # the error is in it
    assert not warehouse.exists()
    # the failed build is kept for inspection, and the message says where
    kept = failed_path(warehouse.resolve())
    assert f"build kept at {kept}" in failed.value.reason and kept.is_file()
    assert sorted(p.name for p in warehouse.parent.iterdir()) == sorted(
        [dbt_run_path(warehouse).name, kept.name, lock_path(warehouse).name]
    )


def test_no_nan_or_infinity_in_any_mart(pipeline_warehouse):
    from fixtures.warehouse_scan import assert_all_finite

    assert_all_finite(pipeline_warehouse)
