"""What each expectation suite validates: the frames the gate reads out of the warehouse.

An *asset* is one pandas frame per suite `<asset>.<stage>`:
- stage "raw": the landing tables (after landing, before dbt), with the vendors' timestamps
  parsed into `_..._at` columns so Great Expectations can compare them with the export period;
- stage "mart": the public marts (`marts.*`), a few with a derived helper column;
- derived assets: small frames computed in SQL for the cross-table checks (month-over-month
  band, cost per token, attribution accounting, team sizes, shares), validated by GX like any
  other frame, so every check ends as a GX expectation with a result row.

SQL here is DuckDB's (the gate reads the DuckDB warehouse); `$name` placeholders are filled from
expectations/thresholds.yml (`settings`).
"""

from __future__ import annotations

from dataclasses import dataclass
from string import Template

from mileage.config import dbt_var

LANDING_KEY = ("_source_file", "_record_path")


@dataclass(frozen=True)
class Asset:
    """One frame to validate.

    `relation` is the table the frame comes from (its existence and column types are checked);
    `sql` selects the frame (default: every column of `relation`); `key` columns partition
    large frames into batches by hash so a key's duplicates always meet in the same batch.
    `derived` frames are computed (cross-table) and read whole.
    """

    name: str
    stage: str
    relation: str | None = None
    sql: str | None = None
    key: tuple[str, ...] = ()
    derived: bool = False
    description: str = ""

    @property
    def suite_name(self) -> str:
        return f"{self.name}.{self.stage}"

    def select_sql(self, settings: dict) -> str:
        sql = self.sql or f"select * from {self.relation}"
        return Template(sql).safe_substitute({k: _sql_literal(v) for k, v in settings.items()})


def _sql_literal(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


def _utc(expression: str) -> str:
    """A vendor timestamp string (RFC 3339 `Z`, Jira `+hhmm`) as a naive UTC timestamp."""
    return f"timezone('UTC', try_cast({expression} as timestamptz))"


def _epoch_ms(expression: str) -> str:
    return f"make_timestamp(try_cast({expression} as bigint) * 1000)"


def _unix_s(expression: str) -> str:
    return f"make_timestamp(try_cast({expression} as bigint) * 1000000)"


# dbt vars (dbt_project.yml) that the gate's own SQL applies too, read from their one place.
UNASSIGNED_TEAM_ID = dbt_var("unassigned_team")["team_id"]
FUTURE_TOLERANCE_MINUTES = int(dbt_var("future_timestamp_tolerance_minutes"))
_FUTURE_LIMIT = f"(timezone('UTC', current_timestamp) + to_minutes({FUTURE_TOLERANCE_MINUTES}))"


def _in_future(*expressions: str) -> str:
    """True where any timestamp lies beyond the tolerance staging rejects it at
    (macros/staging_checks.sql): such a record is a staging reject, a warning at this stage."""
    return "coalesce(" + " or ".join(f"{e} > {_FUTURE_LIMIT}" for e in expressions) + ", false)"


def _landing(name: str, extra: str = "", description: str = "", key=LANDING_KEY) -> Asset:
    relation = f"landing.{name}"
    sql = f"select *{', ' + extra if extra else ''} from {relation}"
    return Asset(name, "raw", relation, sql, tuple(key), description=description)


# --- raw: the landing tables ------------------------------------------------------------------

RAW_ASSETS: tuple[Asset, ...] = (
    _landing(
        "anthropic__usage_report_messages",
        f"{_utc('starting_at')} as _bucket_start_at, {_utc('ending_at')} as _bucket_end_at, "
        f"{_in_future(_utc('starting_at'))} as _in_future",
        "Anthropic Messages usage report rows (bucket x api key x model).",
    ),
    _landing(
        "anthropic__claude_code",
        f"{_utc('date')} as _activity_at, {_in_future(_utc('date'))} as _in_future",
        "Claude Code Analytics records (actor x UTC day).",
    ),
    _landing(
        "anthropic__claude_code_models",
        description="Per-model token counts of each Claude Code record.",
        key=(*LANDING_KEY, "model_index"),
    ),
    _landing(
        "openai__usage_completions",
        f"{_unix_s('start_time')} as _bucket_start_at, {_unix_s('end_time')} as _bucket_end_at, "
        f"{_in_future(_unix_s('start_time'))} as _in_future",
        "OpenAI completions usage rows (bucket x user x key x model).",
    ),
    _landing(
        "cursor__usage_events",
        f"{_epoch_ms('timestamp')} as _requested_at, "
        f"{_in_future(_epoch_ms('timestamp'))} as _in_future",
        "Cursor usage events (one per request).",
    ),
    _landing(
        "copilot__users",
        "cast(try_cast(day as date) as timestamp) as _activity_at, "
        f"{_in_future('cast(try_cast(day as date) as timestamp)')} as _in_future",
        "Copilot users-1-day report rows.",
    ),
    _landing(
        "telemetry__claude_code_events",
        f"{_utc('timestamp')} as _requested_at, {_in_future(_utc('timestamp'))} as _in_future",
        "Client-reported Claude Code api_request events (telemetry, not billing).",
    ),
    _landing(
        "github__pull_requests",
        f"{_utc('created_at')} as _created_at, {_utc('merged_at')} as _merged_at, "
        f"{_in_future(_utc('created_at'), _utc('merged_at'))} as _in_future",
        "GitHub pull requests (one REST object per record).",
    ),
    _landing(
        "jira__issues",
        f"{_utc('created')} as _created_at, {_utc('resolution_date')} as _resolved_at, "
        f"{_in_future(_utc('created'), _utc('resolution_date'))} as _in_future",
        "Jira issues from search pages.",
    ),
    _landing(
        "hr__roster",
        "try_cast(valid_from as date) as _valid_from, try_cast(salary_usd as double) as _salary_usd",
        "HR roster rows (effective-dated assignments).",
    ),
    _landing("hr__api_keys", description="API key owners."),
    _landing(
        "roadmap__roadmap_items",
        "try_cast(planned_points as double) as _planned_points, "
        "try_cast(delivered_points as double) as _delivered_points",
        "Roadmap items per team and quarter.",
    ),
    Asset(
        "file_manifest",
        "raw",
        "landing.file_manifest",
        key=("source", "source_file"),
        description="One row per raw file: records held, landed and rejected.",
    ),
)

# Usage sources whose timestamps define the export period, and how to read them. Telemetry is
# left out on purpose: it is the client's claim, checked against the period the vendors bill.
# A record staging rejects as future (beyond FUTURE_TOLERANCE_MINUTES) does not stretch the
# period: one 2099 timestamp would otherwise make "the export period" run to 2099.
_PERIOD_SOURCES_AS_READ: tuple[tuple[str, str, str], ...] = (
    ("anthropic__usage_report_messages", _utc("starting_at"), _utc("ending_at")),
    ("openai__usage_completions", _unix_s("start_time"), _unix_s("end_time")),
    ("anthropic__claude_code", _utc("date"), f"{_utc('date')} + interval 1 day"),
    ("cursor__usage_events", _epoch_ms("timestamp"), _epoch_ms("timestamp")),
    (
        "copilot__users",
        "cast(try_cast(day as date) as timestamp)",
        "cast(try_cast(day as date) as timestamp) + interval 1 day",
    ),
)
PERIOD_SOURCES: tuple[tuple[str, str, str], ...] = tuple(
    (
        table,
        f"case when not {_in_future(first)} then {first} end",
        f"case when not {_in_future(first)} then {last} end",
    )
    for table, first, last in _PERIOD_SOURCES_AS_READ
)

_RAW_USAGE_SQL = f"""
with usage as (
    select 'anthropic__usage_report_messages' as source, {_utc("starting_at")} as usage_at,
           coalesce(uncached_input_tokens, 0) + coalesce(cache_creation_5m_input_tokens, 0)
           + coalesce(cache_creation_1h_input_tokens, 0) + coalesce(cache_read_input_tokens, 0)
           + coalesce(output_tokens, 0) as tokens
    from landing.anthropic__usage_report_messages
    union all
    select 'anthropic__claude_code_models', {_utc("records.date")},
           coalesce(models.input_tokens, 0) + coalesce(models.output_tokens, 0)
           + coalesce(models.cache_read_tokens, 0) + coalesce(models.cache_creation_tokens, 0)
    from landing.anthropic__claude_code_models as models
    inner join landing.anthropic__claude_code as records
        on models._source_file = records._source_file and models._record_path = records._record_path
    union all
    -- input_tokens includes cached input
    select 'openai__usage_completions', {_unix_s("start_time")},
           coalesce(input_tokens, 0) + coalesce(output_tokens, 0)
    from landing.openai__usage_completions
    union all
    select 'cursor__usage_events', {_epoch_ms("timestamp")},
           coalesce(input_tokens, 0) + coalesce(output_tokens, 0)
           + coalesce(cache_write_tokens, 0) + coalesce(cache_read_tokens, 0)
    from landing.cursor__usage_events
    union all
    select 'copilot__users', cast(try_cast(day as date) as timestamp),
           coalesce(cli_prompt_tokens, 0) + coalesce(cli_output_tokens, 0)
    from landing.copilot__users
    union all
    select 'telemetry__claude_code_events', {_utc("timestamp")},
           coalesce(input_tokens, 0) + coalesce(output_tokens, 0)
           + coalesce(cache_read_tokens, 0) + coalesce(cache_creation_tokens, 0)
    from landing.telemetry__claude_code_events
)"""

# Month-over-month band: tokens per active day of a month against the previous month's, so
# partial first and last months compare fairly. A month whose predecessor is too small to
# compare (mom_min_previous_month_tokens), or either of which has too few active days
# (mom_min_active_days: a 1-day month is a sample, not a month), gets no ratio (not checked).
_MONTHLY_RATIO_SQL = """
monthly as (
    select $group_columns, cast(date_trunc('month', usage_at) as date) as month_start,
           count(distinct cast(usage_at as date)) as active_days,
           sum(tokens) as tokens
    from usage
    where usage_at is not null
    group by all
),
with_previous as (
    select *,
           tokens / active_days as tokens_per_day,
           lag(month_start) over (partition by $group_columns order by month_start) as previous_month,
           lag(tokens) over (partition by $group_columns order by month_start) as previous_tokens,
           lag(active_days) over (partition by $group_columns order by month_start)
               as previous_active_days,
           lag(tokens / active_days) over (partition by $group_columns order by month_start)
               as previous_tokens_per_day
    from monthly
)
select $group_columns, month_start, active_days, tokens, tokens_per_day, previous_tokens_per_day,
       case when previous_month = cast(month_start - interval 1 month as date)
                 and previous_tokens >= $mom_min_previous_month_tokens
                 and active_days >= $mom_min_active_days
                 and previous_active_days >= $mom_min_active_days
                 and previous_tokens_per_day > 0
            then tokens_per_day / previous_tokens_per_day end as month_over_month_ratio
from with_previous
order by all
"""

RAW_DERIVED: tuple[Asset, ...] = (
    Asset(
        "raw_usage_months",
        "raw",
        sql=_RAW_USAGE_SQL
        + ",\n"
        + Template(_MONTHLY_RATIO_SQL).safe_substitute(group_columns="source"),
        derived=True,
        description="Tokens per active day per raw usage source and month, with the ratio to "
        "the previous month (a sudden 10x jump is a broken export or telemetry inflation).",
    ),
    Asset(
        "column_types",
        "raw",
        derived=True,
        description="One row: the warehouse type of every landing column the suites rely on, "
        "one column per `<table>__<column>`.",
    ),
)

# --- mart: the public marts -------------------------------------------------------------------

MART_ASSETS: tuple[Asset, ...] = (
    Asset(
        "fct_ai_usage_daily",
        "mart",
        "marts.fct_ai_usage_daily",
        "select *, total_tokens - (uncached_input_tokens + cache_write_tokens + cache_read_tokens "
        "+ output_tokens) as _token_class_gap from marts.fct_ai_usage_daily",
        ("usage_daily_id",),
        description="Tokens and cost per person, day, provider, tool and model.",
    ),
    Asset(
        "fct_ai_usage_hourly",
        "mart",
        "marts.fct_ai_usage_hourly",
        "select *, total_tokens - (uncached_input_tokens + cache_write_tokens + cache_read_tokens "
        "+ output_tokens) as _token_class_gap from marts.fct_ai_usage_hourly",
        ("usage_hourly_id",),
        description="Tokens and cost per person, hour, provider, tool and model.",
    ),
    Asset(
        "fct_pull_requests",
        "mart",
        "marts.fct_pull_requests",
        key=("pull_request_id",),
        description="Pull requests with author, team at the time and cycle time.",
    ),
    Asset(
        "fct_bugs", "mart", "marts.fct_bugs", key=("bug_key",), description="Bugs owned by teams."
    ),
    Asset(
        "fct_roadmap_quarters",
        "mart",
        "marts.fct_roadmap_quarters",
        key=("team_id", "quarter"),
        description="Roadmap attainment per team and quarter.",
    ),
    Asset(
        "fct_team_months",
        "mart",
        "marts.fct_team_months",
        key=("team_id", "month_start"),
        description="Value per token per team and month.",
    ),
    Asset(
        "dim_employees",
        "mart",
        "marts.dim_employees",
        key=("employee_key",),
        description="Pseudonymised people.",
    ),
    Asset(
        "dim_teams", "mart", "marts.dim_teams", key=("team_id",), description="Teams of the roster."
    ),
    Asset(
        "fct_source_accounting",
        "mart",
        "marts.fct_source_accounting",
        "select *, case when raw_records > 0 then rejected_records / raw_records end "
        "as _rejected_share from marts.fct_source_accounting",
        ("source",),
        description="Per source: raw records = staged + rejected.",
    ),
    Asset(
        "fct_unread_files",
        "mart",
        "marts.fct_unread_files",
        key=("path",),
        description="Files and folders under the raw directory the contract does not read.",
    ),
    Asset(
        "fct_rejected_records",
        "mart",
        "marts.fct_rejected_records",
        key=("source", "source_file", "record_path"),
        description="Every rejected raw record with its reason.",
    ),
    # the audit's marts (issue 5)
    Asset(
        "fct_usage_reconciliation",
        "mart",
        "marts.fct_usage_reconciliation",
        key=("employee_key", "usage_date", "provider"),
        description="Client telemetry against billed tokens per person, day and provider.",
    ),
    Asset(
        "fct_gaming_signals",
        "mart",
        "marts.fct_gaming_signals",
        key=("employee_key", "month_start", "signal"),
        description="Gaming signals per person and month.",
    ),
    Asset(
        "fct_token_leaderboard",
        "mart",
        "marts.fct_token_leaderboard",
        key=("month_start", "employee_key"),
        description="Token leaderboard per month with outcome ranks and flags.",
    ),
    Asset(
        "fct_leaderboard_summary",
        "mart",
        "marts.fct_leaderboard_summary",
        key=("month_start",),
        description="Per month: how token rank and outcome rank relate.",
    ),
    Asset(
        "fct_efficiency_audit",
        "mart",
        "marts.fct_efficiency_audit",
        key=("team_id", "month_start"),
        description="Spend per outcome point per team and month.",
    ),
    # the incentive lab's marts (issue 6)
    Asset(
        "fct_bonus_payouts",
        "mart",
        "marts.fct_bonus_payouts",
        key=("payout_id",),
        description="Bonus payouts per scheme, period and recipient.",
    ),
    Asset(
        "fct_scheme_comparison",
        "mart",
        "marts.fct_scheme_comparison",
        key=("scheme",),
        description="Incentive schemes side by side.",
    ),
    Asset(
        "fct_goodhart_stress_test",
        "mart",
        "marts.fct_goodhart_stress_test",
        key=("scheme", "tactic"),
        description="What each gaming tactic would move under each scheme.",
    ),
)

# Tables in schema marts that are plumbing, not published figures.
NOT_PUBLIC_MARTS: tuple[str, ...] = ("metricflow_time_spine",)

_MART_USAGE_SQL = """
with usage as (
    select provider, tool, cast(usage_date as timestamp) as usage_at, total_tokens as tokens
    from marts.fct_ai_usage_daily
)"""

MART_DERIVED: tuple[Asset, ...] = (
    Asset(
        "usage_months",
        "mart",
        sql=_MART_USAGE_SQL
        + ",\n"
        + Template(_MONTHLY_RATIO_SQL).safe_substitute(group_columns="provider, tool"),
        derived=True,
        description="Tokens per active day per provider, tool and month in fct_ai_usage_daily, "
        "with the ratio to the previous month.",
    ),
    Asset(
        "usage_cost_per_token",
        "mart",
        sql="""
        with bounds as (
            -- cheapest token class (batch-discounted) .. dearest token class, per family
            select model_family,
                   least(input_usd_per_mtok, cache_write_5m_usd_per_mtok,
                         cache_write_1h_usd_per_mtok, cache_read_usd_per_mtok, output_usd_per_mtok)
                       * (1 - coalesce(batch_discount, 0)) as min_usd_per_mtok,
                   greatest(input_usd_per_mtok, cache_write_5m_usd_per_mtok,
                            cache_write_1h_usd_per_mtok, cache_read_usd_per_mtok,
                            output_usd_per_mtok) as max_usd_per_mtok
            from reference.token_prices
        )
        select usage.usage_daily_id, usage.model_family, usage.total_tokens, usage.list_cost_usd,
               usage.list_cost_usd * 1000000.0 / usage.total_tokens as usd_per_mtok,
               bounds.min_usd_per_mtok * (1 - $cost_per_token_tolerance) as min_usd_per_mtok,
               bounds.max_usd_per_mtok * (1 + $cost_per_token_tolerance) as max_usd_per_mtok
        from marts.fct_ai_usage_daily as usage
        left join bounds on usage.model_family = bounds.model_family
        where usage.is_priced and usage.total_tokens > 0
        """,
        key=("usage_daily_id",),
        derived=True,
        description="List cost per million tokens of every priced usage row, beside the bounds "
        "of its model family in reference.token_prices.",
    ),
    Asset(
        "usage_shares",
        "mart",
        sql="""
        select strftime(cast(date_trunc('month', usage_date) as date), '%Y-%m') as month,
               sum(total_tokens) as total_tokens,
               coalesce(sum(case when not is_priced then total_tokens end), 0) as unpriced_tokens,
               coalesce(sum(case when not is_attributed then total_tokens end), 0)
                   as unattributed_tokens,
               coalesce(sum(case when not is_priced then total_tokens end), 0)
                   / nullif(sum(total_tokens), 0) as unpriced_share,
               coalesce(sum(case when not is_attributed then total_tokens end), 0)
                   / nullif(sum(total_tokens), 0) as unattributed_share
        from marts.fct_ai_usage_daily
        group by all
        order by all
        """,
        derived=True,
        description="Per month: share of tokens on models missing from the price table and of "
        "tokens nobody could be attributed.",
    ),
    Asset(
        "team_sizes",
        "mart",
        sql=f"""
        with roster_rows as (
            -- the roster's valid rows, read straight from landing (independently of dbt); a
            -- row without team_id counts under the unassigned team
            select distinct employee_id,
                   coalesce(team_id, '{UNASSIGNED_TEAM_ID}') as team_id,
                   try_cast(valid_from as date) as valid_from,
                   coalesce(try_cast(valid_to as date), date '9999-12-31') as valid_to,
                   valid_to is null as is_current
            from landing.hr__roster
            where employee_id is not null and email is not null
              and try_cast(valid_from as date) is not null
              and (valid_to is null
                   or try_cast(valid_to as date) > try_cast(valid_from as date))
              and (salary_usd is null or try_cast(salary_usd as double) is not null)
        ),
        roster as (
            -- one team at a time: a row overlapping an earlier-starting row of the same person
            -- is not counted (staging rejects it)
            select * from roster_rows as later
            where not exists (
                select 1 from roster_rows as earlier
                where earlier.employee_id = later.employee_id
                  and earlier.valid_from < later.valid_from
                  and later.valid_from < earlier.valid_to
            )
        ),
        months as (select distinct month_start from marts.fct_team_months),
        roster_months as (
            select roster.team_id, months.month_start,
                   count(distinct roster.employee_id) as roster_headcount
            from roster
            inner join months
                on roster.valid_from < months.month_start + interval 1 month
                and roster.valid_to > months.month_start
            group by all
        ),
        team_months as (
            select coalesce(mart.team_id, roster_months.team_id) as team_id,
                   strftime(coalesce(mart.month_start, roster_months.month_start), '%Y-%m')
                       as period,
                   coalesce(mart.headcount, 0) as mart_headcount,
                   coalesce(roster_months.roster_headcount, 0) as roster_headcount
            from marts.fct_team_months as mart
            full outer join roster_months
                on mart.team_id = roster_months.team_id
                and mart.month_start = roster_months.month_start
        ),
        current_teams as (
            select coalesce(teams.team_id, roster_now.team_id) as team_id, 'current' as period,
                   coalesce(teams.current_headcount, 0) as mart_headcount,
                   coalesce(roster_now.roster_headcount, 0) as roster_headcount
            from marts.dim_teams as teams
            full outer join (
                select team_id, count(distinct employee_id) as roster_headcount
                from roster where is_current group by team_id
            ) as roster_now on teams.team_id = roster_now.team_id
        ),
        people as (
            select '(all teams)' as team_id, 'people' as period,
                   (select count(*) from marts.dim_employees) as mart_headcount,
                   (select count(distinct employee_id) from roster) as roster_headcount
        )
        select * from team_months
        union all select * from current_teams
        union all select * from people
        order by period, team_id
        """,
        derived=True,
        description="Team sizes in fct_team_months (per month), dim_teams (current) and "
        "dim_employees (people) beside the same counts from the roster.",
    ),
    Asset(
        "usage_reconciliation",
        "mart",
        sql="""
        with staged as (
            select provider, tool,
                   sum(coalesce(uncached_input_tokens, 0) + coalesce(cache_write_5m_tokens, 0)
                       + coalesce(cache_write_1h_tokens, 0) + coalesce(cache_read_tokens, 0)
                       + coalesce(output_tokens, 0)) as staged_tokens
            from intermediate.int_token_usage_unioned
            group by all
        ),
        daily as (
            select provider, tool,
                   coalesce(sum(case when is_attributed then total_tokens end), 0)
                       as attributed_tokens,
                   coalesce(sum(case when not is_attributed then total_tokens end), 0)
                       as unattributed_tokens,
                   coalesce(sum(case when is_attributed is null then total_tokens end), 0)
                       as unclassified_tokens
            from marts.fct_ai_usage_daily
            group by all
        ),
        hourly as (
            select provider, tool, sum(total_tokens) as hourly_tokens
            from marts.fct_ai_usage_hourly
            group by all
        )
        select coalesce(staged.provider, daily.provider, hourly.provider) as provider,
               coalesce(staged.tool, daily.tool, hourly.tool) as tool,
               coalesce(staged.staged_tokens, 0) as staged_tokens,
               coalesce(daily.attributed_tokens, 0) as attributed_tokens,
               coalesce(daily.unattributed_tokens, 0) as unattributed_tokens,
               coalesce(daily.unclassified_tokens, 0) as unclassified_tokens,
               coalesce(staged.staged_tokens, 0) - coalesce(daily.attributed_tokens, 0)
                   - coalesce(daily.unattributed_tokens, 0) as unaccounted_tokens,
               coalesce(hourly.hourly_tokens, 0) - coalesce(daily.attributed_tokens, 0)
                   - coalesce(daily.unattributed_tokens, 0) - coalesce(daily.unclassified_tokens, 0)
                   as hourly_minus_daily_tokens
        from staged
        full outer join daily on staged.provider = daily.provider and staged.tool = daily.tool
        full outer join hourly
            on coalesce(staged.provider, daily.provider) = hourly.provider
            and coalesce(staged.tool, daily.tool) = hourly.tool
        order by all
        """,
        derived=True,
        description="Per provider and tool: every billed token after staging is in the usage "
        "marts either attributed to a person or counted as unattributed, never lost or doubled.",
    ),
    Asset(
        "mart_coverage",
        "mart",
        derived=True,
        description="One row per table in schema marts (plumbing aside): each should have a "
        "mart suite.",
    ),
    Asset(
        "column_types",
        "mart",
        derived=True,
        description="One row: the warehouse type of every mart column the suites rely on, "
        "one column per `<table>__<column>`.",
    ),
)

ASSETS: tuple[Asset, ...] = RAW_ASSETS + RAW_DERIVED + MART_ASSETS + MART_DERIVED
STAGES: tuple[str, ...] = ("raw", "mart")


def assets_for(stage: str) -> tuple[Asset, ...]:
    return tuple(a for a in ASSETS if a.stage == stage)


def asset(suite_name: str) -> Asset:
    for candidate in ASSETS:
        if candidate.suite_name == suite_name:
            return candidate
    raise KeyError(suite_name)
