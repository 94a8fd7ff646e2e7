"""Reading the marts the lab needs out of a DuckDB warehouse (for the app and scripts).

The dbt Python models in models/marts/incentives/ read the same tables through `dbt.ref`;
`load_marts` is the equivalent for code holding a DuckDB connection (the app) or a path.
Usage is aggregated to person x team x month in SQL so a year of daily rows never reaches
pandas.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from mileage.incentives.facts import REQUIRED

USAGE_MONTHLY_SQL = """
select employee_key, team_id,
       cast(date_trunc('month', usage_date) as date) as month_start,
       sum(total_tokens) as total_tokens,
       sum(coalesce(list_cost_usd, 0)) as list_cost_usd,
       -- distinct usage days of the month: one bit per day of month (count(distinct) is ~4x
       -- slower at 4.6M daily rows)
       coalesce(bit_count(bit_or(cast(1 as ubigint) << cast(day(usage_date) - 1 as ubigint))),
                0)::bigint as active_days,
       min(usage_date) as first_usage_date,
       max(usage_date) as last_usage_date
from {table}
where employee_key is not null and team_id is not null
group by all
"""

# fct_pull_requests aggregated to author x team x month inside DuckDB (what facts._prs makes of
# the row-level table), plus the first and last merged_at of *every* row for the data span.
PRS_MONTHLY_SQL = """
select author_employee_key, team_id,
       date_trunc('month', merged_at) as month_start,
       count(*) filter (where coalesce(is_merged, false) and not coalesce(is_bot, false))
           as merged_prs,
       count(*) filter (where coalesce(is_merged, false) and not coalesce(is_bot, false)
                        and coalesce(is_trivial, false)) as trivial_merged_prs,
       min(merged_at) as first_merged_at,
       max(merged_at) as last_merged_at
from {table}
group by all
"""

TABLES = {
    "int_employee_assignments": "intermediate.int_employee_assignments",
    "fct_team_months": "marts.fct_team_months",
    "fct_roadmap_quarters": "marts.fct_roadmap_quarters",
    "fct_pull_requests": "marts.fct_pull_requests",
}
OPTIONAL = {
    "fct_gaming_signals": "marts.fct_gaming_signals",
    "fct_token_leaderboard": "marts.fct_token_leaderboard",
}


def _exists(con, qualified: str, prefix: str = "") -> bool:
    schema, name = qualified.split(".")
    catalog = prefix.rstrip(".") or None
    sql = (
        "select count(*) from information_schema.tables where table_schema = ? "
        "and table_name = ?" + (" and table_catalog = ?" if catalog else "")
    )
    params = [schema, name] + ([catalog] if catalog else [])
    return con.execute(sql, params).fetchone()[0] > 0


def load_marts(source, *, prefix: str = "") -> dict[str, pd.DataFrame]:
    """The lab's inputs as DataFrames. `source` is a DuckDB connection or a warehouse path;
    `prefix` qualifies table names (e.g. "wh." for a warehouse ATTACHed as wh). Optional audit
    marts (gaming signals, token leaderboard) are included when they exist."""
    import duckdb

    own = not hasattr(source, "execute")
    con = duckdb.connect(str(Path(source)), read_only=True) if own else source
    try:
        marts = {
            key: con.execute(f"select {', '.join(REQUIRED[key])} from {prefix}{table}").df()
            for key, table in TABLES.items()
        }
        marts["fct_ai_usage_daily"] = con.execute(
            USAGE_MONTHLY_SQL.format(table=f"{prefix}marts.fct_ai_usage_daily")
        ).df()
        for key, table in OPTIONAL.items():
            if _exists(con, table, prefix):
                marts[key] = con.execute(f"select * from {prefix}{table}").df()
        return marts
    finally:
        if own:
            con.close()


def write_incentive_marts(
    warehouse: Path, schemes_dir: Path | None = None, share: float | None = None
) -> dict[str, int]:
    """Compute the incentive marts outside dbt and write them into `warehouse` (schema marts).
    The dbt Python models are the normal path; this is for engines where they cannot run."""
    import duckdb

    from mileage.incentives.compare import compare
    from mileage.incentives.evaluate import evaluate_all
    from mileage.incentives.facts import build_facts
    from mileage.incentives.schemes import load_schemes
    from mileage.incentives.stress import DEFAULT_SHARE, stress_test

    marts = load_marts(warehouse)
    schemes = load_schemes(schemes_dir)
    facts = build_facts(marts)
    payouts = evaluate_all(schemes, facts)
    comparison = compare(payouts, facts, marts.get("fct_gaming_signals"))
    stress = stress_test(schemes, facts, share=share or DEFAULT_SHARE)
    out = {
        "fct_bonus_payouts": payouts,
        "fct_scheme_comparison": comparison,
        "fct_goodhart_stress_test": stress,
    }
    con = duckdb.connect(str(warehouse))
    try:
        con.execute("create schema if not exists marts")
        for name, frame in out.items():
            con.register("frame", frame)
            con.execute(f"create or replace table marts.{name} as select * from frame")
            con.unregister("frame")
    finally:
        con.close()
    return {name: len(frame) for name, frame in out.items()}
