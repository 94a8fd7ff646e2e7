"""Paths, environment variables and defaults: the one place the rest of Mileage reads them from."""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

import yaml

PROJECT_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("MILEAGE_DATA_DIR", PROJECT_DIR / "data"))

DEMO_DIR = DATA_DIR / "demo"
DEMO_RAW_DIR = DEMO_DIR / "raw"
DEMO_GROUND_TRUTH_DIR = DEMO_DIR / "ground_truth"
DEMO_WAREHOUSE = DATA_DIR / "warehouse" / "mileage.duckdb"

# Environment variables understood by the CLI, dbt and the app.
ENV_WAREHOUSE = "MILEAGE_WAREHOUSE"
ENV_PSEUDONYM_KEY = "MILEAGE_PSEUDONYM_KEY"
ENV_MIN_GROUP_SIZE = "MILEAGE_MIN_GROUP_SIZE"
# "1": serve a warehouse other than the demo's without sign-in (`mileage app --demo`): anyone
# can pick any role, HR included. The app refuses to start that way without it.
ENV_DEMO_MODE = "MILEAGE_DEMO_MODE"
# Where `mileage app` listens unless told otherwise: this machine only.
DEFAULT_APP_ADDRESS = "127.0.0.1"
ENV_MAX_DOCUMENT_BYTES = "MILEAGE_MAX_DOCUMENT_BYTES"

# The demo's pseudonymisation key is public on purpose: demo data is synthetic.
# Real deployments must set MILEAGE_PSEUDONYM_KEY; `mileage build` warns when they don't.
DEMO_PSEUDONYM_KEY = "mileage-demo-key-not-secret"

DEFAULT_MIN_GROUP_SIZE = 5
# Landing parses a JSON document (one value per file: an API page, a PR array) whole, at about
# 6.5 times its size in memory, so it rejects a larger one, naming this limit (mileage.landing;
# line files are read in pieces and have no limit). Vendors' API pages are a few MB.
DEFAULT_MAX_DOCUMENT_BYTES = 256 * 1024 * 1024


def warehouse_path() -> Path:
    """The warehouse the app and `mileage validate` read: $MILEAGE_WAREHOUSE or the demo's."""
    return Path(os.environ.get(ENV_WAREHOUSE, DEMO_WAREHOUSE)).expanduser().resolve()


def is_demo_warehouse(path: Path | str) -> bool:
    """Whether `path` is the demo's warehouse (synthetic people, safe without sign-in)."""
    return Path(path).expanduser().resolve() == DEMO_WAREHOUSE.expanduser().resolve()


def demo_mode_requested() -> bool:
    return os.environ.get(ENV_DEMO_MODE, "").strip().lower() in ("1", "true", "yes")


def pseudonym_key() -> tuple[bytes, bool]:
    """The HMAC key for employee_key, and whether it is the public demo key."""
    key = os.environ.get(ENV_PSEUDONYM_KEY)
    if key:
        return key.encode(), False
    return DEMO_PSEUDONYM_KEY.encode(), True


def max_document_bytes() -> int:
    value = os.environ.get(ENV_MAX_DOCUMENT_BYTES, str(DEFAULT_MAX_DOCUMENT_BYTES))
    try:
        limit = int(value)
    except ValueError as exc:
        raise ValueError(
            f"{ENV_MAX_DOCUMENT_BYTES} must be a number of bytes, got {value!r}"
        ) from exc
    if limit < 1:
        raise ValueError(f"{ENV_MAX_DOCUMENT_BYTES} must be at least 1, got {limit}")
    return limit


def min_group_size() -> int:
    value = os.environ.get(ENV_MIN_GROUP_SIZE, str(DEFAULT_MIN_GROUP_SIZE))
    try:
        size = int(value)
    except ValueError as exc:
        raise ValueError(f"{ENV_MIN_GROUP_SIZE} must be an integer, got {value!r}") from exc
    if size < 1:
        raise ValueError(f"{ENV_MIN_GROUP_SIZE} must be at least 1, got {size}")
    return size


@cache
def dbt_var(name: str):
    """A dbt var as dbt_project.yml sets it: Python checks that apply a dbt rule (the raw
    gate's future-timestamp check) read its one value from there."""
    project = yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text())
    return project["vars"][name]


# DuckDB reads a timestamp without an offset, and a bare date, in its session time zone, which
# defaults to the host's (TZ): a bare date landed a day early east of UTC. The raw contract's
# times are UTC (docs/raw-contract.md), so every DuckDB session Mileage opens sets these first:
# landing, dbt (mileage.dbt_plugin, on each connection and cursor), the gate and the app. Spark
# gets the same zone from profiles.yml (spark.sql.session.timeZone).
DUCKDB_SESSION_SETTINGS: dict[str, str] = {"TimeZone": "UTC"}


def configure_duckdb(con):
    """Apply DUCKDB_SESSION_SETTINGS to the database instance of a DuckDB connection and
    return the connection. GLOBAL, because a plain SET holds for one session only: the cursors
    landing, the gate and the app query on would not inherit it."""
    for name, value in DUCKDB_SESSION_SETTINGS.items():
        con.execute(f"set global {name} = '{value}'")
    return con
