"""Build the Mileage dbt project on local Spark (session mode) from landing tables as Parquet.

Runs inside the Spark environment (.venv-spark: dbt-core 1.11, dbt-spark[session], pyspark),
never inside Mileage's own .venv (pyspark there breaks Great Expectations). Steps:

1. start one local SparkSession (UTC, Hive metastore and warehouse under --work-dir);
2. register every `<table>.parquet` under --landing as the external table `landing.<table>`
   (the dbt sources), replacing what was registered before;
3. run `dbt <args> --target spark` in this process: dbt-spark's session mode calls
   `SparkSession.builder.getOrCreate()` and so reuses the session started here;
4. optionally (--export) write every table of the given schemas to `<export>/<schema>.<table>/`
   as Parquet, for comparison with a DuckDB build.

The pseudonymisation pads (MILEAGE_PSEUDONYM_IPAD_HEX / _OPAD_HEX) come from the environment,
as for any dbt run (mileage/dbt_runner.py::dbt_env sets them); profiles.yml hands them to Spark
as session settings, never as SQL text. Exit code: dbt's.

Usage:
  .venv-spark/bin/python scripts/spark/build_on_spark.py --landing DIR --work-dir DIR \
      [--export DIR] [--export-schemas marts,restricted] [-- build --select ...]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[2]


def spark_session(work_dir: Path, catalog: str = "in-memory"):
    """The local session dbt-spark will reuse. `catalog` "in-memory" keeps table definitions in
    this process only (fast: no metastore; the build exports what it needs before exiting);
    "hive" keeps them in an embedded Derby metastore under `work_dir` for later sessions."""
    from pyspark.sql import SparkSession

    work_dir.mkdir(parents=True, exist_ok=True)
    builder = (
        SparkSession.builder.appName("mileage-dbt")
        .master(os.environ.get("MILEAGE_SPARK_MASTER", "local[2]"))
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.warehouse.dir", str(work_dir / "spark-warehouse"))
        .config("spark.sql.shuffle.partitions", os.environ.get("MILEAGE_SPARK_SHUFFLE", "2"))
        .config("spark.ui.enabled", "false")
        .config("spark.driver.memory", os.environ.get("MILEAGE_SPARK_DRIVER_MEMORY", "2g"))
    )
    # any other setting, e.g. MILEAGE_SPARK_CONF="spark.sql.adaptive.enabled=false,k=v"
    for setting in filter(None, os.environ.get("MILEAGE_SPARK_CONF", "").split(",")):
        key, _, value = setting.partition("=")
        builder = builder.config(key.strip(), value.strip())
    if catalog == "hive":
        # the embedded Derby metastore lives in the work dir, not in the caller's cwd
        builder = (
            builder.config("spark.driver.extraJavaOptions", f"-Dderby.system.home={work_dir}")
            .config(
                "spark.hadoop.javax.jdo.option.ConnectionURL",
                f"jdbc:derby:;databaseName={work_dir / 'metastore_db'};create=true",
            )
            .enableHiveSupport()
        )
    else:
        builder = builder.config("spark.sql.catalogImplementation", "in-memory")
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def register_landing(spark, landing_dir: Path) -> list[str]:
    """`landing.<name>` over `<landing_dir>/<name>.parquet` for every Parquet file there."""
    spark.sql("create database if not exists landing")
    names = []
    for path in sorted(landing_dir.glob("*.parquet")):
        name = path.stem
        spark.sql(f"drop table if exists landing.{name}")
        spark.sql(f"create table landing.{name} using parquet location '{path.resolve()}'")
        names.append(name)
    return names


def run_dbt(args: list[str], target_path: Path, project_dir: Path = PROJECT_DIR) -> int:
    from dbt.cli.main import dbtRunner

    os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    os.environ["MILEAGE_DBT_TARGET"] = "spark"
    cli = [
        *args,
        "--target",
        "spark",
        "--project-dir",
        str(project_dir),
        "--profiles-dir",
        str(project_dir),
        "--target-path",
        str(target_path),
        "--log-path",
        str(target_path / "logs"),
    ]
    result = dbtRunner().invoke(cli)
    if result.exception is not None:
        print(f"dbt raised: {result.exception}", file=sys.stderr)
    return 0 if result.success else 1


def export_schemas(spark, schemas: list[str], export_dir: Path) -> list[str]:
    exported = []
    for schema in schemas:
        if not spark.catalog.databaseExists(schema):
            continue
        for table in spark.catalog.listTables(schema):
            if table.tableType == "TEMPORARY":
                continue
            out = export_dir / f"{schema}.{table.name}"
            spark.table(f"{schema}.{table.name}").coalesce(1).write.mode("overwrite").parquet(
                str(out)
            )
            exported.append(f"{schema}.{table.name}")
    return exported


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--landing", type=Path, required=True, help="folder of <table>.parquet")
    parser.add_argument(
        "--work-dir",
        type=Path,
        required=True,
        help="Spark warehouse + metastore (created; reused between runs)",
    )
    parser.add_argument("--export", type=Path, help="write built tables here as Parquet")
    parser.add_argument("--export-schemas", default="marts,restricted")
    parser.add_argument("--fresh", action="store_true", help="empty --work-dir first")
    parser.add_argument(
        "--catalog",
        choices=("in-memory", "hive"),
        default="in-memory",
        help="table catalog: this process only (default) or a Derby metastore",
    )
    parser.add_argument(
        "--project-dir", type=Path, default=PROJECT_DIR, help="dbt project (default: this checkout)"
    )
    parser.add_argument("dbt_args", nargs="*", help="dbt arguments after `--` (default: build)")
    ns = parser.parse_args(argv)
    work_dir = ns.work_dir.resolve()
    if ns.fresh and work_dir.exists():
        shutil.rmtree(work_dir)
    started = time.perf_counter()
    spark = spark_session(work_dir, ns.catalog)
    names = register_landing(spark, ns.landing.resolve())
    print(
        f"registered {len(names)} landing tables in {time.perf_counter() - started:.1f} s",
        flush=True,
    )
    started = time.perf_counter()
    code = run_dbt(ns.dbt_args or ["build"], work_dir / "target", ns.project_dir.resolve())
    print(f"dbt on spark exited {code} after {time.perf_counter() - started:.1f} s", flush=True)
    if code == 0 and ns.export:
        ns.export.mkdir(parents=True, exist_ok=True)
        exported = export_schemas(spark, ns.export_schemas.split(","), ns.export.resolve())
        print(f"exported {len(exported)} tables to {ns.export}", flush=True)
    spark.stop()
    return code


if __name__ == "__main__":
    sys.exit(main())
