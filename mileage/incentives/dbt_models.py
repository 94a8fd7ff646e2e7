"""Glue for the dbt Python models in models/marts/incentives/ (dbt-duckdb).

dbt finds a Python model's dependencies by reading its `dbt.ref(...)` calls, so the refs stay
in the model files; `lab_inputs` turns the referenced DuckDB relations into the lab's inputs
(only the columns it needs; usage and merged pull requests aggregated to person x team x month
inside DuckDB), and the helpers below read the models' settings from `config.meta` (set in
models/marts/incentives/_incentives.yml from dbt vars).

The three models read the same five tables, so `lab_inputs(..., cache=True)` builds the Facts
once per dbt invocation and hands the same object to the others (dbt-duckdb runs Python models in dbt's own
process). The cache key is dbt's invocation id plus, per input table, the database file, the
table's oid (new whenever dbt re-creates the table) and its estimated size; anything that
cannot be identified this way is simply not cached.
"""

from __future__ import annotations

import re
import threading
from pathlib import Path

import pandas as pd

from mileage.incentives.facts import REQUIRED, Facts, build_facts
from mileage.incentives.warehouse import PRS_MONTHLY_SQL, USAGE_MONTHLY_SQL

PAYOUT_COLUMNS_FOR_COMPARE = [
    "scheme",
    "scheme_kind",
    "grain",
    "period_type",
    "period_start",
    "pool_basis",
    "team_id",
    "employee_key",
    "payout_usd",
]

_LOCK = threading.Lock()  # dbt runs models on several threads: build the Facts once
_CACHE: dict = {}  # at most one entry: key -> Facts


def frame(relation) -> pd.DataFrame:
    """A DuckDB relation as a DataFrame through Arrow: ~2x faster than `.df()` on string
    columns, and the same frame for strings, numbers and timestamps (not for DATE columns,
    which Arrow turns into objects)."""
    to_arrow = getattr(relation, "to_arrow_table", None) or getattr(
        relation, "fetch_arrow_table", None
    )
    if to_arrow is None:
        return relation.df()
    return to_arrow().to_pandas()


def monthly_usage(relation) -> pd.DataFrame:
    """fct_ai_usage_daily aggregated to person x team x month inside DuckDB."""
    return relation.query("usage_daily", USAGE_MONTHLY_SQL.format(table="usage_daily")).df()


def monthly_prs(relation) -> pd.DataFrame:
    """fct_pull_requests aggregated to author x team x month inside DuckDB."""
    return relation.query("pull_requests", PRS_MONTHLY_SQL.format(table="pull_requests")).df()


_IDENT = re.compile(r'"((?:[^"]|"")*)"|([^."\s]+)')
_SELECT_STAR = re.compile(r"^\s*select\s+\*\s+from\s+(.+?)\s*;?\s*$", re.IGNORECASE | re.DOTALL)


def _table_identity(relation):
    """(database path, schema, table, table oid, estimated size) of a `select * from <table>`
    relation (what dbt-duckdb's dbt.ref returns), or None when it is anything else."""
    try:
        match = _SELECT_STAR.match(relation.sql_query())
        if not match:
            return None
        parts, pos, text = [], 0, match.group(1)
        while pos < len(text):
            m = _IDENT.match(text, pos)
            if not m:
                return None
            parts.append(m.group(1).replace('""', '"') if m.group(1) is not None else m.group(2))
            pos = m.end()
            if pos < len(text):
                if text[pos] != ".":
                    return None
                pos += 1
        if len(parts) == 2:
            parts = [None, *parts]
        if len(parts) != 3:
            return None
        database, schema, table = parts
        rows = relation.query(
            "lab_input",
            """
            select d.path, t.table_oid, t.estimated_size
            from duckdb_tables() t join duckdb_databases() d using (database_name)
            where t.database_name = coalesce(?, current_database())
              and t.schema_name = ? and t.table_name = ?
        """.replace("?", "{}").format(*(_literal(p) for p in (database, schema, table))),
        ).fetchall()
    except Exception:  # identification is an optimisation only
        return None
    if len(rows) != 1 or not rows[0][0]:
        return None  # in-memory databases have no path: never cached
    path, oid, size = rows[0]
    return (path, schema, table, oid, size)


def _literal(value) -> str:
    return "NULL" if value is None else "'" + str(value).replace("'", "''") + "'"


def _cache_key(relations: list):
    try:
        from dbt_common.invocation import get_invocation_id

        invocation = get_invocation_id()
    except Exception:  # no dbt installed: no cache
        return None
    identities = [_table_identity(r) for r in relations]
    if any(i is None for i in identities):
        return None
    return (invocation, *identities)


def lab_inputs(
    *, assignments, team_months, roadmap, pull_requests, usage_daily, cache: bool = False
) -> Facts:
    """Facts from the DuckDB relations dbt.ref() returns. With `cache` (the dbt models), built
    once per dbt invocation: inside one invocation the inputs are finished before any of the
    models runs, so the same tables hold the same rows."""
    relations = [assignments, team_months, roadmap, pull_requests, usage_daily]
    if not cache:
        return _build(*relations)
    with _LOCK:
        key = _cache_key(relations)
        if key is not None and key in _CACHE:
            return _CACHE[key]
        facts = _build(assignments, team_months, roadmap, pull_requests, usage_daily)
        _CACHE.clear()
        if key is not None:
            _CACHE[key] = facts
        return facts


def _build(assignments, team_months, roadmap, pull_requests, usage_daily) -> Facts:
    def columns(relation, table):
        return relation.project(", ".join(REQUIRED[table])).df()

    return build_facts(
        {
            "int_employee_assignments": columns(assignments, "int_employee_assignments"),
            "fct_team_months": columns(team_months, "fct_team_months"),
            "fct_roadmap_quarters": columns(roadmap, "fct_roadmap_quarters"),
            "fct_pull_requests": monthly_prs(pull_requests),
            "fct_ai_usage_daily": monthly_usage(usage_daily),
        }
    )


def payouts_for_compare(relation) -> pd.DataFrame:
    """The columns of int_incentive_payouts that compare() reads (not the reason texts)."""
    return frame(relation.project(", ".join(PAYOUT_COLUMNS_FOR_COMPARE)))


def _meta(dbt) -> dict:
    return dbt.config.get("meta") or {}


def schemes_dir(dbt) -> Path:
    from mileage import config

    folder = Path(str(_meta(dbt).get("schemes_dir") or "schemes"))
    return folder if folder.is_absolute() else config.PROJECT_DIR / folder


def float_config(dbt, key: str, default: float) -> float:
    value = _meta(dbt).get(key)
    return default if value in (None, "", "None") else float(value)
