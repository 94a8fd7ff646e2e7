"""Read-only warehouse access for the app: cached, parameterised, returning pandas DataFrames.

The warehouse is a DuckDB file that `mileage build` replaces atomically (`os.replace`) when a
rebuild passes the gate. Opening it with `duckdb.connect(path, read_only=True)` would keep
serving the old database inside this process for as long as any connection to it lives, so
instead each version of the file gets a private in-memory DuckDB connection that runs
`ATTACH '<path>' AS wh (READ_ONLY)`, cached under the file's (path, inode, mtime). A rebuild
changes the inode, the next call attaches the new file, and results cached for the old file are
never served again. Every query text is a constant of this module; values from widgets travel
as parameters only.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from mileage import config
from mileage.app.privacy import Figures

SEED_TOKEN_PRICES = config.PROJECT_DIR / "seeds" / "token_prices.csv"

# The tables without which no page can say anything.
CORE_TABLES = ("marts.dim_teams", "marts.dim_employees", "marts.fct_team_months")

QUERY_CACHE_ENTRIES = 256


class WarehouseMissing(FileNotFoundError):
    """The warehouse file does not exist (not built yet, or a wrong MILEAGE_WAREHOUSE)."""

    def __init__(self, path: Path):
        super().__init__(f"no warehouse at {path}")
        self.path = path


class TableMissing(LookupError):
    """A table the page needs is not in this warehouse (yet)."""

    def __init__(self, table: str):
        super().__init__(f"table {table} is not in the warehouse")
        self.table = table


@dataclass(frozen=True)
class FileVersion:
    """Identifies one version of the warehouse file: a rebuild swaps in a new inode."""

    path: str
    inode: int
    mtime_ns: int
    size: int


def file_version(path: Path | str) -> FileVersion:
    path = Path(path)
    try:
        stat = path.stat()
    except FileNotFoundError:
        raise WarehouseMissing(path) from None
    return FileVersion(str(path), stat.st_ino, stat.st_mtime_ns, stat.st_size)


class Warehouse:
    """One version of the warehouse file, attached read-only to a private in-memory database."""

    def __init__(self, version: FileVersion):
        self.version = version
        self._con = config.configure_duckdb(duckdb.connect(":memory:"))
        # ATTACH takes no parameters; the path comes from configuration, never from a widget.
        quoted = version.path.replace("'", "''")
        self._con.execute(f"ATTACH '{quoted}' AS wh (READ_ONLY)")
        self._lock = threading.Lock()
        self._cache: OrderedDict[tuple, pd.DataFrame] = OrderedDict()
        rows = self._con.execute(
            """
            select schema_name, table_name from duckdb_tables() where database_name = 'wh'
            union all
            select schema_name, view_name from duckdb_views() where database_name = 'wh'
            """
        ).fetchall()
        self.tables = frozenset(f"{schema}.{name}" for schema, name in rows)

    @property
    def path(self) -> Path:
        return Path(self.version.path)

    def has_table(self, table: str) -> bool:
        return table in self.tables

    def missing(self, tables: Iterable[str]) -> list[str]:
        return [t for t in tables if t not in self.tables]

    def require(self, *tables: str) -> None:
        for table in tables:
            if table not in self.tables:
                raise TableMissing(table)

    def query(self, sql: str, params: Sequence = (), requires: Sequence[str] = ()) -> pd.DataFrame:
        """Run a constant query with parameters; results are cached per file version."""
        self.require(*requires)
        key = (sql, tuple(params))
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key].copy()
        cursor = self._con.cursor()  # a cursor per query: safe across Streamlit's threads
        try:
            frame = cursor.execute(sql, list(params)).df()
        finally:
            cursor.close()
        with self._lock:
            self._cache[key] = frame
            while len(self._cache) > QUERY_CACHE_ENTRIES:
                self._cache.popitem(last=False)
        return frame.copy()

    def scalar(self, sql: str, params: Sequence = (), requires: Sequence[str] = ()):
        frame = self.query(sql, params, requires)
        return None if frame.empty else frame.iat[0, 0]

    def close(self) -> None:
        self._con.close()


_open: dict[str, Warehouse] = {}
_open_lock = threading.Lock()


def open_warehouse(path: Path | str | None = None) -> Warehouse:
    """The attached warehouse for the current version of `path` (default: the configured one).

    Raises WarehouseMissing when the file does not exist.
    """
    path = Path(path) if path is not None else config.warehouse_path()
    version = file_version(path)
    with _open_lock:
        current = _open.get(version.path)
        if current is not None and current.version == version:
            return current
        fresh = Warehouse(version)
        _open[version.path] = fresh
    # The old version's connection closes when the last query still using it lets go of it.
    return fresh


def forget_all() -> None:
    """Drop every cached attachment (tests)."""
    with _open_lock:
        _open.clear()


# --------------------------------------------------------------------------------------------
# Queries. Table names are constants; everything variable is a parameter.
# --------------------------------------------------------------------------------------------


def teams(wh: Warehouse) -> pd.DataFrame:
    return wh.query(
        "select team_id, team_name, org, current_headcount, is_active "
        "from wh.marts.dim_teams order by org, team_name",
        requires=["marts.dim_teams"],
    )


def team_months(wh: Warehouse) -> pd.DataFrame:
    return wh.query(
        """
        select team_id, month_start, team_name, org, headcount, ai_active_people,
               total_tokens, token_cost_usd, merged_prs, median_cycle_time_hours, bugs,
               bugs_per_merged_pr, roadmap_attainment, merged_prs_per_million_tokens,
               cost_per_merged_pr_usd, outcome_score
        from wh.marts.fct_team_months
        order by month_start, team_name
        """,
        requires=["marts.fct_team_months"],
    )


def org_cycle_time_by_month(wh: Warehouse) -> pd.DataFrame:
    """Median cycle time of merged human pull requests, by the month they merged."""
    return wh.query(
        """
        select date_trunc('month', merged_at)::date as month_start,
               median(cycle_time_hours) as median_cycle_time_hours,
               count(*) as merged_human_prs
        from wh.marts.fct_pull_requests
        where is_merged and not is_bot and merged_at is not null
        group by 1
        order by 1
        """,
        requires=["marts.fct_pull_requests"],
    )


def org_roadmap_by_quarter(wh: Warehouse) -> pd.DataFrame:
    """Organisation roadmap attainment per quarter: delivered points over planned points."""
    return wh.query(
        """
        select quarter, quarter_start,
               sum(planned_points) as planned_points,
               sum(delivered_points) as delivered_points,
               sum(delivered_points) / nullif(sum(planned_points), 0) as roadmap_attainment
        from wh.marts.fct_roadmap_quarters
        group by quarter, quarter_start
        order by quarter_start
        """,
        requires=["marts.fct_roadmap_quarters"],
    )


def org_months(wh: Warehouse) -> pd.DataFrame:
    """Organisation-level months: team months rolled up, plus cycle time and roadmap."""
    from mileage.app.metrics import rollup_team_months

    org = rollup_team_months(team_months(wh))
    if org.empty:
        return org
    org["month_start"] = pd.to_datetime(org["month_start"])
    if wh.has_table("marts.fct_pull_requests"):
        cycle = org_cycle_time_by_month(wh)
        cycle["month_start"] = pd.to_datetime(cycle["month_start"])
        org = org.merge(cycle[["month_start", "median_cycle_time_hours"]], how="left")
    else:
        org["median_cycle_time_hours"] = None
    if wh.has_table("marts.fct_roadmap_quarters"):
        roadmap = org_roadmap_by_quarter(wh)
        quarter_start = org["month_start"].dt.to_period("Q").dt.start_time
        by_quarter = dict(
            zip(
                pd.to_datetime(roadmap["quarter_start"]), roadmap["roadmap_attainment"], strict=True
            )
        )
        org["roadmap_attainment"] = [by_quarter.get(q) for q in quarter_start]
    else:
        org["roadmap_attainment"] = None
    return org


def usage_window(wh: Warehouse) -> pd.DataFrame:
    """First and last usage day, and totals, over all usage (attributed or not)."""
    return wh.query(
        """
        select min(usage_date) as first_day, max(usage_date) as last_day,
               sum(total_tokens) as total_tokens, sum(list_cost_usd) as list_cost_usd
        from wh.marts.fct_ai_usage_daily
        """,
        requires=["marts.fct_ai_usage_daily"],
    )


def recent_spend(wh: Warehouse, days: int) -> pd.DataFrame:
    """List-price spend, tokens and people using AI over the last `days` days of usage."""
    return wh.query(
        """
        with bounds as (select max(usage_date) as last_day from wh.marts.fct_ai_usage_daily)
        select min(u.usage_date) as first_day,
               max(u.usage_date) as last_day,
               sum(u.list_cost_usd) as list_cost_usd,
               sum(u.total_tokens) as total_tokens,
               count(distinct u.employee_key) as active_people
        from wh.marts.fct_ai_usage_daily u, bounds b
        where u.usage_date > b.last_day - ?::integer
        """,
        [int(days)],
        requires=["marts.fct_ai_usage_daily"],
    )


def salary_summary(wh: Warehouse) -> pd.DataFrame:
    """Organisation salary figures over active employees (never per person)."""
    return wh.query(
        """
        select count(*) as people,
               sum(salary_usd) as total_salary_usd,
               median(salary_usd) as median_salary_usd
        from wh.marts.dim_employees
        where is_active
        """,
        requires=["marts.dim_employees"],
    )


def active_employees(wh: Warehouse) -> pd.DataFrame:
    """Pseudonymous keys with their current team (for the demo's "who am I" picker)."""
    return wh.query(
        """
        select e.employee_key, e.team_id, e.team_name, e.role
        from wh.marts.dim_employees e
        where e.is_active
        order by e.team_name, e.employee_key
        """,
        requires=["marts.dim_employees"],
    )


def employee(wh: Warehouse, employee_key: str) -> pd.DataFrame:
    return wh.query(
        "select employee_key, role, level, team_id, team_name, org, is_active "
        "from wh.marts.dim_employees where employee_key = ?",
        [employee_key],
        requires=["marts.dim_employees"],
    )


def employee_key_for_email(wh: Warehouse, email: str) -> str | None:
    """The pseudonymous key of a logged-in user (the lookup never reaches the screen)."""
    if not wh.has_table("restricted.employee_identities"):
        return None
    return wh.scalar(
        "select employee_key from wh.restricted.employee_identities "
        "where lower(email) = lower(?) limit 1",
        [email],
    )


def identities(wh: Warehouse) -> pd.DataFrame:
    """Names and emails. Call only for roles with `sees_names` (HR)."""
    return wh.query(
        "select employee_key, full_name, email, github_login "
        "from wh.restricted.employee_identities",
        requires=["restricted.employee_identities"],
    )


def identity_values(wh: Warehouse) -> pd.DataFrame:
    """Every identity HR holds, to scrub from free text shown to roles without names (never
    shown itself)."""
    return wh.query(
        "select employee_key, employee_id, full_name, email, github_login "
        "from wh.restricted.employee_identities",
        requires=["restricted.employee_identities"],
    )


def person_months(wh: Warehouse, employee_key: str) -> pd.DataFrame:
    """One person's own tokens, spend and merged PRs by month (the engineer's self-view)."""
    return wh.query(
        """
        with usage as (
            select date_trunc('month', usage_date)::date as month_start,
                   sum(total_tokens) as total_tokens,
                   sum(list_cost_usd) as token_cost_usd
            from wh.marts.fct_ai_usage_daily
            where employee_key = ?
            group by 1
        ),
        prs as (
            select date_trunc('month', merged_at)::date as month_start,
                   count(*) as merged_prs,
                   median(cycle_time_hours) as median_cycle_time_hours
            from wh.marts.fct_pull_requests
            where author_employee_key = ? and is_merged and not is_bot
            group by 1
        )
        select coalesce(u.month_start, p.month_start) as month_start,
               coalesce(u.total_tokens, 0) as total_tokens,
               coalesce(u.token_cost_usd, 0) as token_cost_usd,
               coalesce(p.merged_prs, 0) as merged_prs,
               p.median_cycle_time_hours
        from usage u full outer join prs p on u.month_start = p.month_start
        order by 1
        """,
        [employee_key, employee_key],
        requires=["marts.fct_ai_usage_daily", "marts.fct_pull_requests"],
    )


def token_prices(wh: Warehouse | None) -> tuple[pd.DataFrame, str]:
    """List prices: the warehouse's reference.token_prices if present, else the seed CSV."""
    if wh is not None and wh.has_table("reference.token_prices"):
        return wh.query("select * from wh.reference.token_prices"), "reference.token_prices"
    return pd.read_csv(SEED_TOKEN_PRICES), "seeds/token_prices.csv"


# ---- data quality ----------------------------------------------------------------------------


def last_validation_run(wh: Warehouse) -> pd.DataFrame:
    return wh.query(
        "select run_id, run_at, passed, critical_failures, warnings, summary "
        "from wh.quality.validation_runs order by run_at desc limit 1",
        requires=["quality.validation_runs"],
    )


def validation_results(wh: Warehouse, run_id: str) -> pd.DataFrame:
    return wh.query(
        """
        select suite, expectation_type, column_name, severity, success, unexpected_count, detail
        from wh.quality.validation_results
        where run_id = ?
        order by success, severity, suite, expectation_type, column_name
        """,
        [run_id],
        requires=["quality.validation_results"],
    )


def source_accounting(wh: Warehouse) -> pd.DataFrame:
    return wh.query(
        "select source, raw_records, staged_records, rejected_records, lost_records, "
        "lost_tokens, rejected_files, rejected_file_bytes, is_balanced "
        "from wh.marts.fct_source_accounting order by source",
        requires=["marts.fct_source_accounting"],
    )


def accepted_losses(wh: Warehouse) -> pd.DataFrame:
    """Losses the build was told to publish anyway (`--accept-loss`), largest first."""
    return wh.query(
        "select accepted_at, source, rule, reason, records, bytes, tokens, first_file, message "
        "from wh.quality.accepted_losses order by records desc, source",
        requires=["quality.accepted_losses"],
    )


def unread_files(wh: Warehouse) -> pd.DataFrame:
    """Files and folders under the raw directory the contract does not read."""
    return wh.query(
        "select path, files, bytes, reason, near_miss from wh.marts.fct_unread_files order by path",
        requires=["marts.fct_unread_files"],
    )


def reject_reasons(wh: Warehouse) -> pd.DataFrame:
    """Rejected records counted by source and reason (raw records are not shown: they may
    hold personal data)."""
    return wh.query(
        "select source, reason, count(*) as records from wh.landing.rejects "
        "group by source, reason order by source, records desc",
        requires=["landing.rejects"],
    )


def unpriced_models(wh: Warehouse) -> pd.DataFrame:
    return wh.query(
        """
        select provider, model,
               count(distinct coalesce(employee_key, api_key_id)) as people,
               count(*) as usage_rows, sum(total_tokens) as total_tokens,
               sum(requests) as requests, min(usage_date) as first_day, max(usage_date) as last_day
        from wh.marts.fct_ai_usage_daily
        where not is_priced
        group by provider, model
        order by total_tokens desc
        """,
        requires=["marts.fct_ai_usage_daily"],
    )


def attribution_by_provider(wh: Warehouse) -> pd.DataFrame:
    """Tokens and list cost by provider and tool, split attributed / unattributed."""
    return wh.query(
        """
        select provider, tool,
               count(distinct coalesce(employee_key, api_key_id)) as people,
               count(distinct api_key_id) filter (where not is_attributed)
                   as unattributed_people,
               sum(total_tokens) as total_tokens,
               coalesce(sum(total_tokens) filter (where not is_attributed), 0)
                   as unattributed_tokens,
               sum(list_cost_usd) as list_cost_usd,
               coalesce(sum(list_cost_usd) filter (where not is_attributed), 0)
                   as unattributed_cost_usd
        from wh.marts.fct_ai_usage_daily
        group by provider, tool
        order by provider, tool
        """,
        requires=["marts.fct_ai_usage_daily"],
    )


def unattributed_usage(wh: Warehouse) -> pd.DataFrame:
    """All unattributed usage: tokens, list cost and the distinct API keys it came through (a
    key may be one person's: a leaver's, or a personal key without an owner on the roster)."""
    return wh.query(
        """
        select coalesce(sum(total_tokens), 0) as total_tokens,
               coalesce(sum(list_cost_usd), 0) as list_cost_usd,
               count(distinct api_key_id) as people
        from wh.marts.fct_ai_usage_daily
        where not is_attributed
        """,
        requires=["marts.fct_ai_usage_daily"],
    )


# ---- later marts (audit, leaderboard, incentives) --------------------------------------------

LATER_TABLES = {
    "gaming_signals": "marts.fct_gaming_signals",
    "usage_reconciliation": "marts.fct_usage_reconciliation",
    "token_leaderboard": "marts.fct_token_leaderboard",
    "leaderboard_summary": "marts.fct_leaderboard_summary",
    "bonus_payouts": "marts.fct_bonus_payouts",
    "scheme_comparison": "marts.fct_scheme_comparison",
    "goodhart_stress_test": "marts.fct_goodhart_stress_test",
    "efficiency_audit": "marts.fct_efficiency_audit",
}

_LATER_SQL = {name: f"select * from wh.{table}" for name, table in LATER_TABLES.items()}


def later_table(wh: Warehouse, name: str) -> pd.DataFrame:
    """A whole later mart by its short name (raises TableMissing until it is built)."""
    return wh.query(_LATER_SQL[name], requires=[LATER_TABLES[name]])


# ---- incentive lab inputs (schemes evaluated in-process with edited parameters) ------------

# What mileage.incentives.load_marts reads: without these the lab can only show the marts.
LAB_INPUTS = (
    "intermediate.int_employee_assignments",
    "marts.fct_team_months",
    "marts.fct_roadmap_quarters",
    "marts.fct_pull_requests",
    "marts.fct_ai_usage_daily",
)
LAB_CACHE_VERSIONS = 2

_lab_facts: OrderedDict[FileVersion, tuple] = OrderedDict()
_lab_lock = threading.Lock()


def lab_inputs_missing(wh: Warehouse) -> list[str]:
    """The lab's input tables this warehouse lacks (empty: schemes can be evaluated here)."""
    return wh.missing(LAB_INPUTS)


def lab_marts(wh: Warehouse) -> dict[str, pd.DataFrame]:
    """The incentive lab's inputs from the attached warehouse (mileage.incentives.load_marts:
    constant queries, usage aggregated to person x team x month in DuckDB)."""
    from mileage.incentives import load_marts

    wh.require(*LAB_INPUTS)
    cursor = wh._con.cursor()  # a cursor per load: safe across Streamlit's threads
    try:
        return load_marts(cursor, prefix="wh.")
    finally:
        cursor.close()


def lab_facts(wh: Warehouse):
    """(Facts, gaming signals or None) for this version of the warehouse, built once per file
    version and shared by every session (schemes only read them; tactics copy them)."""
    from mileage.incentives import build_facts

    with _lab_lock:
        if wh.version in _lab_facts:
            _lab_facts.move_to_end(wh.version)
            return _lab_facts[wh.version]
    marts = lab_marts(wh)
    entry = (build_facts(marts), marts.get("fct_gaming_signals"))
    with _lab_lock:
        _lab_facts[wh.version] = entry
        while len(_lab_facts) > LAB_CACHE_VERSIONS:
            _lab_facts.popitem(last=False)
    return entry


# --------------------------------------------------------------------------------------------
# What each figure rests on: the declarations privacy.gate suppresses by (issue 24). A query
# whose result reaches a role without person-level access is named here; ui.table refuses a
# frame that did not pass the gate. Usage without an employee counts its API key as one person.
# --------------------------------------------------------------------------------------------

_TEAM_VALUES = (
    "ai_active_people",
    "total_tokens",
    "token_cost_usd",
    "merged_prs",
    "median_cycle_time_hours",
    "bugs",
    "bugs_per_merged_pr",
    "roadmap_attainment",
    "merged_prs_per_million_tokens",
    "cost_per_merged_pr_usd",
    "outcome_score",
)
# A team's usage rests on the people in it who used AI, not on its headcount.
_USAGE_OF_AI_ACTIVE = {
    column: "ai_active_people"
    for column in (
        "ai_active_people",
        "total_tokens",
        "token_cost_usd",
        "merged_prs_per_million_tokens",
        "cost_per_merged_pr_usd",
    )
}

FIGURES: dict[str, Figures] = {
    # teams in a month add up to the organisation's month
    "team_months": Figures(
        "headcount", _TEAM_VALUES, partition="month_start", narrower=_USAGE_OF_AI_ACTIVE
    ),
    # the organisation itself: a total, nothing beside it to subtract from
    "org_months": Figures(
        "headcount",
        (*_TEAM_VALUES, "teams", "merged_prs_per_1k_usd"),
        partition="month_start",
        complement=False,
    ),
    # Teams page rankings (mileage.app.ranking): built only from team_months rows that passed
    # the gate, and each ranked team has at least ranking.MIN_AI_ACTIVE_PEOPLE people using AI;
    # gated again so no figure reaches the screen undeclared. No complements: the rows are a
    # subset of already-gated teams, and the organisation figure is not shown beside them as a
    # total to subtract from.
    "team_ranking": Figures(
        "ai_active_people",
        (
            "total_tokens",
            "token_cost_usd",
            "merged_prs",
            "raw",
            "estimate",
            "low",
            "high",
            "weight",
            "change",
            "estimate_before",
        ),
        complement=False,
    ),
    # Teams below the ranking minimums: their own gated team-month figures and the reason
    "team_below_minimum": Figures(
        "headcount",
        ("ai_active_people", "total_tokens", "token_cost_usd", "merged_prs"),
        complement=False,
        narrower=_USAGE_OF_AI_ACTIVE,
    ),
    "team_efficiency": Figures(
        "headcount",
        (
            "total_tokens",
            "token_cost_usd",
            "merged_prs",
            "cost_per_merged_pr_usd",
            "tokens_per_ai_active_person",
            "spend_vs_org",
        ),
        partition="month_start",
        narrower={**_USAGE_OF_AI_ACTIVE, "tokens_per_ai_active_person": "ai_active_people"},
    ),
    # fct_efficiency_audit: every numeric column but the keys; flagged spend rests on the
    # flagged people
    "efficiency_audit": Figures(
        "headcount",
        (
            "total_tokens",
            "spend_usd",
            "outcome_points",
            "outcome_score",
            "spend_per_outcome_point_usd",
            "org_median_spend_per_outcome_point_usd",
            "spend_per_outcome_vs_org_median",
            "spend_growth",
            "outcome_growth",
            "spend_growth_minus_outcome_growth",
            "flagged_people",
            "flagged_spend_usd",
            "flagged_spend_share",
        ),
        partition="month_start",
        narrower={
            "flagged_people": "flagged_people",
            "flagged_spend_usd": "flagged_people",
            "flagged_spend_share": "flagged_people",
        },
    ),
    # Audit page aggregates of fct_gaming_signals (people = distinct flagged people)
    "gaming_by_team": Figures(
        "headcount",
        ("people_flagged", "signals"),
        narrower={"people_flagged": "people_flagged", "signals": "people_flagged"},
    ),
    "gaming_by_signal": Figures("people", ("mean_score",)),
    "reconciliation_by_status": Figures(
        "people", ("days", "billed_tokens", "reported_tokens", "reported_per_billed")
    ),
    # Leaderboard tiers add up to everyone on the board
    "leaderboard_tiers": Figures(
        "people",
        ("total_tokens", "median_token_rank", "median_outcome_rank", "flagged", "flagged_share"),
    ),
    "attribution_by_provider": Figures(
        "people",
        (
            "unattributed_people",
            "total_tokens",
            "unattributed_tokens",
            "list_cost_usd",
            "unattributed_cost_usd",
            "unattributed_token_share",
        ),
        narrower={
            column: "unattributed_people"
            for column in (
                "unattributed_people",
                "unattributed_tokens",
                "unattributed_cost_usd",
                "unattributed_token_share",
            )
        },
    ),
    "unpriced_models": Figures(
        "people", ("usage_rows", "total_tokens", "requests", "first_day", "last_day")
    ),
    # not about people: record counts and check results; free text still loses identities
    "validation_results": Figures(None, text=("detail",)),
    "validation_run": Figures(None, text=("summary",)),
    "source_accounting": Figures(None),
    "reject_reasons": Figures(None, text=("reason",)),
    # losses a build published anyway: roster reasons name employee ids (HR only)
    "accepted_losses": Figures(None, text=("reason", "message")),
    # paths under the raw directory, not people
    "unread_files": Figures(None),
    "cost_scenario": Figures(None),
}
