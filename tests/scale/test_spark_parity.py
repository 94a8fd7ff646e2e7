"""The same dbt project on Spark gives the same public marts as on DuckDB.

Two organisations, each built on both engines: the tiny hand-made raw directory
(tests/fixtures/tiny_raw.py: offsets, rejects, duplicates, team moves; with every data test on
Spark too) and the session's small simulated organisation (the `pipeline_warehouse` fixture;
models and seeds only on Spark). The Spark side runs in its own
environment (.venv-spark, created here if missing by scripts/install-spark-env.sh) from the
DuckDB warehouse's landing tables exported as Parquet (mileage.spark). Every table in `marts`
and `restricted` must have the same columns and rows on both engines: floats within 1e-9
(relative), everything else, hash ids included, exactly; type names are not compared.
"""

from __future__ import annotations

import json
import shutil

import duckdb
import pytest

from mileage.spark import SparkBuild, build_on_spark, compare_frames, ensure_spark_env, read_tables

# Spark's session start-up and ~180 data tests on the tiny build take ~2.5 min here, the most
# of any check in the suite: Spark runs in the slow lane (make test-slow), which CI runs too.
pytestmark = [pytest.mark.spark, pytest.mark.slow]

PUBLIC_SCHEMAS = ("marts", "restricted")
CORE_MARTS = (
    "marts.fct_team_months",
    "marts.fct_ai_usage_daily",
    "marts.fct_ai_usage_hourly",
    "marts.fct_pull_requests",
    "marts.fct_bugs",
    "marts.dim_employees",
    "marts.dim_teams",
)


@pytest.fixture(scope="module")
def spark_python():
    if shutil.which("java") is None:
        pytest.fail("Spark needs Java 17 on PATH (apt-get install openjdk-17-jre-headless)")
    return ensure_spark_env()


def duckdb_tables(warehouse) -> set[str]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        rows = con.execute(
            "select schema_name || '.' || table_name from duckdb_tables() "
            f"where schema_name in {PUBLIC_SCHEMAS}"
        ).fetchall()
    finally:
        con.close()
    return {r[0] for r in rows}


def disabled_on_spark(build: SparkBuild) -> set[str]:
    """Models the project disables on Spark (DuckDB-only by design), from dbt's manifest."""
    manifest = json.loads((build.work_dir / "spark" / "target" / "manifest.json").read_text())
    names = set()
    for nodes in manifest.get("disabled", {}).values():
        for node in nodes:
            if node.get("resource_type") == "model":
                names.add(f"{node['schema']}.{node.get('alias') or node['name']}")
    return names


@pytest.fixture(scope="module")
def tiny_pair(tmp_path_factory, tiny_build, spark_python):
    base = tmp_path_factory.mktemp("spark-tiny")
    return tiny_build.warehouse, build_on_spark(tiny_build.warehouse, base / "spark-work")


@pytest.fixture(scope="module")
def small_org_pair(tmp_path_factory, pipeline_warehouse, spark_python):
    base = tmp_path_factory.mktemp("spark-small-org")
    # models only: the tiny pair runs every data test on Spark, and marts equal to DuckDB's
    # (where `mileage demo` ran those tests) pass them too; saves ~35 s of Spark queries
    models_only = [
        "build",
        "--exclude-resource-type",
        "unit_test",
        "--exclude-resource-type",
        "test",
    ]
    return pipeline_warehouse, build_on_spark(
        pipeline_warehouse, base / "spark-work", dbt_args=models_only
    )


@pytest.fixture(params=["tiny", "small_org"])
def pair(request):
    return request.getfixturevalue(f"{request.param}_pair")


def test_spark_builds_every_public_mart_duckdb_has(pair):
    warehouse, build = pair
    on_duckdb = duckdb_tables(warehouse)
    expected = on_duckdb - disabled_on_spark(build)
    assert set(CORE_MARTS) <= set(build.tables)
    assert set(build.tables) == expected, (
        f"only on DuckDB: {sorted(expected - set(build.tables))}; "
        f"only on Spark: {sorted(set(build.tables) - expected)}"
    )


def test_public_marts_are_equal_on_both_engines(pair):
    warehouse, build = pair
    differences = {}
    rows = {}
    for table in build.tables:
        ours, theirs = read_tables(warehouse, build, table)
        rows[table] = len(ours)
        problems = compare_frames(ours, theirs)
        if problems:
            differences[table] = problems
    assert not differences, json.dumps(differences, indent=1)
    # the comparison compared something: the core facts have rows on both engines
    assert all(rows[t] > 0 for t in ("marts.fct_team_months", "marts.fct_ai_usage_daily"))


def test_compare_frames_catches_a_difference():
    """The comparison itself: a changed value, a missing row and float noise."""
    import pandas as pd

    a = pd.DataFrame({"k": ["x", "y"], "n": [1, 2], "f": [0.1 + 0.2, 1.0]})
    b = pd.DataFrame({"f": [1.0, 0.3], "n": [2, 1], "k": ["y", "x"]})  # reordered
    assert compare_frames(a, b) == []
    b.loc[0, "n"] = 3
    assert any(p.startswith("n:") for p in compare_frames(a, b))
    assert compare_frames(a, b.iloc[:1])[0] == "2 rows on DuckDB, 1 on Spark"
