"""The same dbt project on Spark: landing tables out as Parquet, `dbt build --target spark`.

Spark runs in its own environment (.venv-spark, made by scripts/install-spark-env.sh), because
dbt-spark[session] + pyspark installed beside Great Expectations broke `import
great_expectations`. This module therefore never imports pyspark: it exports the DuckDB
warehouse's `landing` schema with `COPY ... TO (FORMAT parquet)` and runs
scripts/spark/build_on_spark.py with the Spark environment's Python, which registers the
Parquet files as `landing.*` tables, runs dbt in session mode and (optionally) exports the
built marts as Parquet so they can be compared with the DuckDB build. See docs/spark.md.
"""

from __future__ import annotations

import os
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from mileage import config
from mileage.dbt_runner import dbt_env

SPARK_VENV = Path(os.environ.get("MILEAGE_SPARK_VENV", config.PROJECT_DIR / ".venv-spark"))
INSTALL_SCRIPT = config.PROJECT_DIR / "scripts" / "install-spark-env.sh"
BUILD_SCRIPT = config.PROJECT_DIR / "scripts" / "spark" / "build_on_spark.py"


class SparkBuildError(RuntimeError):
    """The Spark build failed; the message holds the tail of its output."""


@dataclass
class SparkBuild:
    work_dir: Path
    export_dir: Path
    seconds: float
    output: str = ""
    tables: list[str] = field(default_factory=list)

    def parquet(self, schema_table: str) -> str:
        """A glob DuckDB's read_parquet accepts for one exported table, e.g. 'marts.dim_teams'."""
        return str(self.export_dir / schema_table / "*.parquet")


def spark_python() -> Path:
    return SPARK_VENV / "bin" / "python"


def ensure_spark_env() -> Path:
    """Create .venv-spark if needed (idempotent; a no-op when it is current)."""
    subprocess.run(["bash", str(INSTALL_SCRIPT), str(SPARK_VENV)], check=True)
    return spark_python()


def export_landing(warehouse: Path, out_dir: Path) -> list[str]:
    """Write every `landing.*` table of `warehouse` to `out_dir/<table>.parquet`."""
    out_dir.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        tables = [
            row[0]
            for row in con.execute(
                "select table_name from information_schema.tables "
                "where table_schema = 'landing' order by table_name"
            ).fetchall()
        ]
        for table in tables:
            target = (out_dir / f"{table}.parquet").as_posix().replace("'", "''")
            con.execute(f"copy landing.{table} to '{target}' (format parquet)")
    finally:
        con.close()
    return tables


def build_on_spark(
    warehouse: Path,
    work_dir: Path,
    *,
    dbt_args: list[str] | None = None,
    export_schemas: tuple[str, ...] = ("marts", "restricted"),
    fresh: bool = True,
    timeout: float | None = 1800,
) -> SparkBuild:
    """Build the project on local Spark from `warehouse`'s landing tables.

    `work_dir` receives `landing/` (Parquet), `spark/` (metastore + Spark warehouse) and
    `export/<schema>.<table>/` (the built tables as Parquet).
    """
    work_dir = Path(work_dir).resolve()
    landing_dir = work_dir / "landing"
    export_dir = work_dir / "export"
    export_landing(Path(warehouse), landing_dir)
    python = spark_python()
    if not python.exists():
        raise SparkBuildError(f"{python} not found: run scripts/install-spark-env.sh first")
    cmd = [
        str(python),
        str(BUILD_SCRIPT),
        "--landing",
        str(landing_dir),
        "--work-dir",
        str(work_dir / "spark"),
        "--export",
        str(export_dir),
        "--export-schemas",
        ",".join(export_schemas),
    ]
    if fresh:
        cmd.append("--fresh")
    cmd += ["--", *(dbt_args or ["build"])]
    env = dbt_env(None, target="spark")
    env.pop("MILEAGE_DBT_DUCKDB_PATH", None)
    started = time.perf_counter()
    proc = subprocess.run(
        cmd, env=env, cwd=work_dir, capture_output=True, text=True, timeout=timeout, check=False
    )
    seconds = time.perf_counter() - started
    output = proc.stdout + proc.stderr
    if proc.returncode != 0:
        tail = "\n".join(output.strip().splitlines()[-40:])
        raise SparkBuildError(f"Spark build exited {proc.returncode}:\n{tail}")
    tables = (
        sorted(p.name for p in export_dir.iterdir() if p.is_dir()) if export_dir.exists() else []
    )
    return SparkBuild(
        work_dir=work_dir, export_dir=export_dir, seconds=seconds, output=output, tables=tables
    )
