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
from mileage.dbt_runner import BUILD_ARGS, dbt_env

# Unit tests are engine-independent and already run on DuckDB; on local Spark each would cost
# 10-100 s, so the Spark build is a production build without them.
DEFAULT_SPARK_ARGS = BUILD_ARGS

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


def failed_nodes(run_results: Path) -> list[str]:
    """`node: first line of its error` for every node that did not succeed."""
    import json

    if not run_results.exists():
        return []
    out = []
    for result in json.loads(run_results.read_text()).get("results", []):
        if result.get("status") in ("success", "pass", "skipped"):
            continue
        message = " ".join(str(result.get("message") or "").split())[:400]
        out.append(f"{result['unique_id']}: {result.get('status')}: {message}")
    return out


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
    project_dir: Path | None = None,
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
    project_dir = project_dir or os.environ.get("MILEAGE_SPARK_PROJECT_DIR")
    if project_dir:
        cmd += ["--project-dir", str(Path(project_dir).resolve())]
    cmd += ["--", *(dbt_args or DEFAULT_SPARK_ARGS)]
    env = dbt_env(None, target="spark")
    env.pop("MILEAGE_DBT_DUCKDB_PATH", None)
    started = time.perf_counter()
    proc = subprocess.run(
        cmd, env=env, cwd=work_dir, capture_output=True, text=True, timeout=timeout, check=False
    )
    seconds = time.perf_counter() - started
    output = proc.stdout + proc.stderr
    (work_dir / "spark-build.log").write_text(output)
    if proc.returncode != 0:
        failures = failed_nodes(work_dir / "spark" / "target" / "run_results.json")
        detail = "\n".join(failures) or "\n".join(output.strip().splitlines()[-20:])
        raise SparkBuildError(
            f"Spark build exited {proc.returncode} (log: {work_dir / 'spark-build.log'}):\n{detail}"
        )
    tables = (
        sorted(p.name for p in export_dir.iterdir() if p.is_dir()) if export_dir.exists() else []
    )
    return SparkBuild(
        work_dir=work_dir, export_dir=export_dir, seconds=seconds, output=output, tables=tables
    )


def read_tables(warehouse: Path, spark_build: SparkBuild, table: str):
    """(DuckDB frame, Spark frame) of one `schema.table`, both read through DuckDB."""
    con = duckdb.connect()
    try:
        quoted = str(Path(warehouse).resolve()).replace("'", "''")
        con.execute(f"attach '{quoted}' as wh (read_only)")
        ours = con.execute(f"select * from wh.{table}").df()
        glob = spark_build.parquet(table).replace("'", "''")
        theirs = con.execute(f"select * from read_parquet('{glob}')").df()
    finally:
        con.close()
    return ours, theirs


def compare_frames(
    ours, theirs, *, rel: float = 1e-9, abs_tol: float = 1e-9, names=("DuckDB", "Spark")
) -> list[str]:
    """Differences between two frames of one table, ignoring row order and column order.

    Floats compare with a tolerance (engines sum in different orders); everything else,
    including hash ids, must be equal. Column *types* are not compared: the engines name them
    differently (varchar/string, integer/int), and the contracts already pin them per engine.
    """
    import numpy as np
    import pandas as pd

    problems = []
    ours = ours.rename(columns=str.lower)
    theirs = theirs.rename(columns=str.lower)
    only_ours = sorted(set(ours.columns) - set(theirs.columns))
    only_theirs = sorted(set(theirs.columns) - set(ours.columns))
    if only_ours or only_theirs:
        problems.append(f"columns only on {names[0]} {only_ours}, only on {names[1]} {only_theirs}")
    if len(ours) != len(theirs):
        problems.append(f"{len(ours)} rows on {names[0]}, {len(theirs)} on {names[1]}")
        return problems
    columns = sorted(set(ours.columns) & set(theirs.columns))
    floats = [c for c in columns if ours[c].dtype.kind == "f" or theirs[c].dtype.kind == "f"]
    keys = [c for c in columns if c not in floats]

    def ordered(frame):
        frame = frame[columns].copy()
        for c in floats:
            frame[c] = pd.to_numeric(frame[c], errors="coerce").astype("float64")
        rounded = {f"_r_{c}": frame[c].round(6) for c in floats}
        frame = frame.assign(**rounded)
        by = [*keys, *rounded]
        frame = frame.sort_values(by, na_position="first", kind="mergesort") if by else frame
        return frame[columns].reset_index(drop=True)

    a, b = ordered(ours), ordered(theirs)
    for c in columns:
        if c in floats:
            x, y = a[c].to_numpy(dtype="float64"), b[c].to_numpy(dtype="float64")
            same = np.isclose(x, y, rtol=rel, atol=abs_tol, equal_nan=True)
        else:
            x, y = a[c].astype(object), b[c].astype(object)
            same = ((x == y) | (x.isna() & y.isna())).to_numpy()
        if not same.all():
            first = int(np.argmin(same))
            problems.append(
                f"{c}: {int((~same).sum())} row(s) differ, e.g. {names[0]} {a[c].iloc[first]!r} "
                f"vs {names[1]} {b[c].iloc[first]!r}"
            )
    return problems
