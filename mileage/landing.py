"""Land raw exports into the warehouse's `landing` schema, one flat table per source.

Landing only *parses*: it reads every file of the raw-directory contract (docs/raw-contract.md)
with DuckDB's own readers, flattens the vendors' page envelopes to one row per record and keeps
the vendors' values as they were (types declared here; a value of the wrong type becomes NULL,
which staging then rejects with a reason). Renaming, casting and validation belong to dbt's
staging models, which read these tables as sources.

Nothing is dropped silently:
- a file that is not valid JSON, or a JSON line that does not parse, becomes a row in
  `landing.rejects` with the file, the position and the reason;
- `landing.file_manifest` counts, per file, the records it held, landed and rejected, so the
  accounting mart can prove raw = staged + rejected.

A malformed file is named in `LandingResult.problems` and the other files still load; only a
missing or unusable `hr/roster.csv` stops the pipeline (LandingError), because nothing can be
attributed without it.
"""

from __future__ import annotations

import difflib
import gzip
import json
import shutil
import tempfile
import zlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from mileage.config import ENV_MAX_DOCUMENT_BYTES, configure_duckdb, max_document_bytes

Progress = Callable[[str, int, int], None]

SCHEMA = "landing"
MAX_REJECT_TEXT = 2000  # characters of the offending record kept for evidence


@dataclass(frozen=True)
class JsonSource:
    """A vendor export: files under `folder`, parsed with `structure` and flattened by `select`.

    `shape` is "document" (one JSON value per file) or "lines" (one JSON object per line).
    `records` is the SQL list expression (over the parsed document `p`) whose length is the
    number of records a file holds; `select` flattens `parsed(_source_file, p)` to records and
    must yield `_source_file` and `_record_path` plus the landing columns.

    A file rejected whole (not JSON, truncated, another shape) is measured by what its bytes
    still show: `record_marker` is a key the format writes exactly once per record, so its
    occurrences count the records the file held (at least: a record cut before its marker is
    missed), and `token_fields` are the keys whose numeric values sum to the tokens it held.
    """

    name: str
    folder: str
    patterns: tuple[str, ...]
    shape: str
    structure: dict
    records: str
    select: str
    extra_tables: tuple[tuple[str, str], ...] = ()  # (table, select over the same `parsed`)
    record_marker: str | None = None
    token_fields: tuple[str, ...] = ()


@dataclass(frozen=True)
class CsvSource:
    name: str
    path: str
    required_columns: tuple[str, ...]
    optional_columns: tuple[str, ...] = ()
    required: bool = False


@dataclass
class LandingResult:
    warehouse: Path
    records_by_source: dict[str, int] = field(default_factory=dict)
    rejected_by_source: dict[str, int] = field(default_factory=dict)
    files_by_source: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    unread: list = field(default_factory=list)  # UnreadPath: what the contract does not read


class LandingError(RuntimeError):
    """The raw directory cannot be landed at all (the message says why, in one line)."""


def _bucketed_results_select(bucket_start: str, bucket_end: str, columns: str) -> str:
    """Flatten a usage-report page `{data: [{<start>, <end>, results: [...]}]}` to one row per
    result; `columns` selects from the bucket bounds and the result `r`."""
    return f"""
        with buckets as (
            select _source_file, unnest(p.data) as b, generate_subscripts(p.data, 1) as bi
            from parsed
        ),
        results as (
            select _source_file, bi, b.{bucket_start}, b.{bucket_end},
                   unnest(b.results) as r, generate_subscripts(b.results, 1) as ri
            from buckets
        )
        select
            _source_file,
            'data[' || (bi - 1) || '].results[' || (ri - 1) || ']' as _record_path,
            {columns}
        from results
    """


# Token counts land as DOUBLE, not BIGINT: a count of 1.5 or 1e19 then reaches staging as
# the value the vendor wrote, where it is rejected with that value (models/staging), instead
# of being rounded (1.5 -> 2) or read as "non-numeric" (1e19 does not fit BIGINT). Staging
# casts the counts it accepts to BIGINT.
TOKEN_COUNT = "DOUBLE"

# Claude Code telemetry lands one row per event (any shape) in the source's own table and one
# row per OTLP metric data point in this one (_land_telemetry).
TELEMETRY_METRICS = "telemetry__claude_code_metrics"

# --- the contract: one entry per source ------------------------------------------------------


def _spellings(*patterns: str) -> tuple[str, ...]:
    """`patterns` and their gzip-compressed forms: collectors rotate and compress their files,
    and a compressed export is the same export (landing reads it decompressed)."""
    return (*patterns, *(f"{pattern}.gz" for pattern in patterns))


ANTHROPIC_MESSAGES = JsonSource(
    name="anthropic__usage_report_messages",
    folder="anthropic/usage_report_messages",
    patterns=_spellings("*.json"),
    shape="document",
    structure={
        "data": [
            {
                "starting_at": "VARCHAR",
                "ending_at": "VARCHAR",
                "results": [
                    {
                        "api_key_id": "VARCHAR",
                        "workspace_id": "VARCHAR",
                        "model": "VARCHAR",
                        "service_tier": "VARCHAR",
                        "context_window": "VARCHAR",
                        # every group_by[] dimension the report documents: rows that differ
                        # only here are different usage, not duplicates
                        "inference_geo": "VARCHAR",
                        "speed": "VARCHAR",
                        "account_id": "VARCHAR",
                        "service_account_id": "VARCHAR",
                        "uncached_input_tokens": TOKEN_COUNT,
                        "cache_creation": {
                            "ephemeral_5m_input_tokens": TOKEN_COUNT,
                            "ephemeral_1h_input_tokens": TOKEN_COUNT,
                        },
                        "cache_read_input_tokens": TOKEN_COUNT,
                        "output_tokens": TOKEN_COUNT,
                        "server_tool_use": {"web_search_requests": "BIGINT"},
                    }
                ],
            }
        ]
    },
    records="flatten(list_transform(p.data, lambda b: b.results))",
    select=_bucketed_results_select(
        "starting_at",
        "ending_at",
        """starting_at, ending_at,
            r.api_key_id, r.workspace_id, r.model, r.service_tier, r.context_window,
            r.inference_geo, r.speed, r.account_id, r.service_account_id,
            r.uncached_input_tokens,
            r.cache_creation.ephemeral_5m_input_tokens as cache_creation_5m_input_tokens,
            r.cache_creation.ephemeral_1h_input_tokens as cache_creation_1h_input_tokens,
            r.cache_read_input_tokens, r.output_tokens,
            r.server_tool_use.web_search_requests as web_search_requests""",
    ),
    record_marker="uncached_input_tokens",
    token_fields=(
        "uncached_input_tokens",
        "ephemeral_5m_input_tokens",
        "ephemeral_1h_input_tokens",
        "cache_read_input_tokens",
        "output_tokens",
    ),
)

CLAUDE_CODE = JsonSource(
    name="anthropic__claude_code",
    folder="anthropic/claude_code",
    patterns=_spellings("*.json"),
    shape="document",
    structure={
        "data": [
            {
                "date": "VARCHAR",
                "actor": {"type": "VARCHAR", "email_address": "VARCHAR", "api_key_name": "VARCHAR"},
                "organization_id": "VARCHAR",
                "customer_type": "VARCHAR",
                "terminal_type": "VARCHAR",
                "core_metrics": {
                    "num_sessions": "BIGINT",
                    "lines_of_code": {"added": "BIGINT", "removed": "BIGINT"},
                    "commits_by_claude_code": "BIGINT",
                    "pull_requests_by_claude_code": "BIGINT",
                },
                "tool_actions": {
                    tool: {"accepted": "BIGINT", "rejected": "BIGINT"}
                    for tool in ("edit_tool", "multi_edit_tool", "write_tool", "notebook_edit_tool")
                },
                "model_breakdown": [
                    {
                        "model": "VARCHAR",
                        "tokens": {
                            "input": TOKEN_COUNT,
                            "output": TOKEN_COUNT,
                            "cache_read": TOKEN_COUNT,
                            "cache_creation": TOKEN_COUNT,
                        },
                        "estimated_cost": {"currency": "VARCHAR", "amount": "DOUBLE"},
                    }
                ],
            }
        ]
    },
    records="p.data",
    select="""
        with records as (
            select _source_file, unnest(p.data) as d, generate_subscripts(p.data, 1) as di
            from parsed
        )
        select
            _source_file,
            'data[' || (di - 1) || ']' as _record_path,
            d.date, d.actor.type as actor_type, d.actor.email_address as actor_email_address,
            d.actor.api_key_name as actor_api_key_name, d.organization_id, d.customer_type,
            d.terminal_type,
            d.core_metrics.num_sessions as num_sessions,
            d.core_metrics.lines_of_code.added as lines_added,
            d.core_metrics.lines_of_code.removed as lines_removed,
            d.core_metrics.commits_by_claude_code as commits_by_claude_code,
            d.core_metrics.pull_requests_by_claude_code as pull_requests_by_claude_code,
            coalesce(d.tool_actions.edit_tool.accepted, 0)
              + coalesce(d.tool_actions.multi_edit_tool.accepted, 0)
              + coalesce(d.tool_actions.write_tool.accepted, 0)
              + coalesce(d.tool_actions.notebook_edit_tool.accepted, 0) as tool_actions_accepted,
            coalesce(d.tool_actions.edit_tool.rejected, 0)
              + coalesce(d.tool_actions.multi_edit_tool.rejected, 0)
              + coalesce(d.tool_actions.write_tool.rejected, 0)
              + coalesce(d.tool_actions.notebook_edit_tool.rejected, 0) as tool_actions_rejected,
            coalesce(len(d.model_breakdown), 0) as model_breakdown_count
        from records
    """,
    # Token counts per model of each record: a child table keyed by the record's position,
    # so landing tables stay flat (the same layout lands on Spark as Parquet).
    extra_tables=(
        (
            "anthropic__claude_code_models",
            """
            with records as (
                select _source_file, unnest(p.data) as d, generate_subscripts(p.data, 1) as di
                from parsed
            ),
            models as (
                select _source_file, di, unnest(d.model_breakdown) as m,
                       generate_subscripts(d.model_breakdown, 1) as mi
                from records
            )
            select
                _source_file,
                'data[' || (di - 1) || ']' as _record_path,
                mi - 1 as model_index,
                m.model, m.tokens.input as input_tokens, m.tokens.output as output_tokens,
                m.tokens.cache_read as cache_read_tokens,
                m.tokens.cache_creation as cache_creation_tokens,
                m.estimated_cost.currency as estimated_cost_currency,
                m.estimated_cost.amount as estimated_cost_amount
            from models
            """,
        ),
    ),
    record_marker="customer_type",
    token_fields=("input", "output", "cache_read", "cache_creation"),
)

OPENAI_COMPLETIONS = JsonSource(
    name="openai__usage_completions",
    folder="openai/usage_completions",
    patterns=_spellings("*.json"),
    shape="document",
    structure={
        "data": [
            {
                "start_time": "BIGINT",
                "end_time": "BIGINT",
                "results": [
                    {
                        "input_tokens": TOKEN_COUNT,
                        "input_cached_tokens": TOKEN_COUNT,
                        "input_cache_write_tokens": TOKEN_COUNT,
                        "output_tokens": TOKEN_COUNT,
                        "input_audio_tokens": TOKEN_COUNT,
                        "output_audio_tokens": TOKEN_COUNT,
                        "num_model_requests": "BIGINT",
                        "project_id": "VARCHAR",
                        "user_id": "VARCHAR",
                        "api_key_id": "VARCHAR",
                        "model": "VARCHAR",
                        "batch": "BOOLEAN",
                        "service_tier": "VARCHAR",
                    }
                ],
            }
        ]
    },
    records="flatten(list_transform(p.data, lambda b: b.results))",
    select=_bucketed_results_select(
        "start_time",
        "end_time",
        """start_time, end_time,
            r.input_tokens, r.input_cached_tokens, r.input_cache_write_tokens, r.output_tokens,
            r.input_audio_tokens,
            r.output_audio_tokens, r.num_model_requests, r.project_id, r.user_id, r.api_key_id,
            r.model, r.batch, r.service_tier""",
    ),
    record_marker="num_model_requests",
    token_fields=("input_tokens", "output_tokens"),
)

CURSOR_EVENTS = JsonSource(
    name="cursor__usage_events",
    folder="cursor/usage_events",
    patterns=_spellings("*.json"),
    shape="document",
    structure={
        "usageEvents": [
            {
                "timestamp": "VARCHAR",
                "userEmail": "VARCHAR",
                "model": "VARCHAR",
                "kind": "VARCHAR",
                "maxMode": "BOOLEAN",
                "isTokenBasedCall": "BOOLEAN",
                "tokenUsage": {
                    "inputTokens": TOKEN_COUNT,
                    "outputTokens": TOKEN_COUNT,
                    "cacheWriteTokens": TOKEN_COUNT,
                    "cacheReadTokens": TOKEN_COUNT,
                    "totalCents": "DOUBLE",
                },
                # what was billed: model cost plus Cursor's token fee, after any discount
                "chargedCents": "DOUBLE",
                "cursorTokenFee": "DOUBLE",
                "discountPercentOff": "DOUBLE",
                "requestsCosts": "DOUBLE",
            }
        ]
    },
    records="p.usageEvents",
    select="""
        with events as (
            select _source_file, unnest(p.usageEvents) as e,
                   generate_subscripts(p.usageEvents, 1) as ei
            from parsed
        )
        select
            _source_file,
            'usageEvents[' || (ei - 1) || ']' as _record_path,
            e.timestamp, e.userEmail as user_email, e.model, e.kind, e.maxMode as max_mode,
            e.isTokenBasedCall as is_token_based_call,
            e.tokenUsage.inputTokens as input_tokens, e.tokenUsage.outputTokens as output_tokens,
            e.tokenUsage.cacheWriteTokens as cache_write_tokens,
            e.tokenUsage.cacheReadTokens as cache_read_tokens,
            e.tokenUsage.totalCents as total_cents, e.chargedCents as charged_cents,
            e.cursorTokenFee as cursor_token_fee_cents,
            e.discountPercentOff as discount_percent_off, e.requestsCosts as requests_costs
        from events
    """,
    record_marker="timestamp",
    token_fields=("inputTokens", "outputTokens", "cacheWriteTokens", "cacheReadTokens"),
)

COPILOT_USERS = JsonSource(
    name="copilot__users",
    folder="copilot/users",
    # `.json`: the docs' example is a JSON array of the same records (_land_line_documents)
    patterns=_spellings("*.ndjson", "*.jsonl", "*.json"),
    shape="lines",
    structure={
        "day": "VARCHAR",
        "user_id": "BIGINT",
        "user_login": "VARCHAR",
        "user_initiated_interaction_count": "BIGINT",
        "code_generation_activity_count": "BIGINT",
        "code_acceptance_activity_count": "BIGINT",
        "loc_suggested_to_add_sum": "BIGINT",
        "loc_added_sum": "BIGINT",
        "used_agent": "BOOLEAN",
        "used_chat": "BOOLEAN",
        "used_cli": "BOOLEAN",
        "totals_by_cli": {
            "token_usage": {"prompt_tokens_sum": TOKEN_COUNT, "output_tokens_sum": TOKEN_COUNT}
        },
    },
    records="",
    select="""
        select
            _source_file, _record_path,
            p.day, p.user_id, p.user_login, p.user_initiated_interaction_count,
            p.code_generation_activity_count, p.code_acceptance_activity_count,
            p.loc_suggested_to_add_sum, p.loc_added_sum, p.used_agent, p.used_chat, p.used_cli,
            p.totals_by_cli.token_usage.prompt_tokens_sum as cli_prompt_tokens,
            p.totals_by_cli.token_usage.output_tokens_sum as cli_output_tokens
        from parsed
    """,
)

TELEMETRY_API_REQUESTS = JsonSource(
    name="telemetry__claude_code_events",
    folder="telemetry/claude_code",
    patterns=_spellings("*.jsonl", "*.ndjson", "*.json"),
    # OTLP/JSON from the Collector's file exporter, or flat events: _land_telemetry
    shape="telemetry",
    structure={
        "name": "VARCHAR",
        "timestamp": "VARCHAR",
        "attributes": {
            "session.id": "VARCHAR",
            "organization.id": "VARCHAR",
            "user.account_uuid": "VARCHAR",
            "user.email": "VARCHAR",
            "user.id": "VARCHAR",
            "terminal.type": "VARCHAR",
            "model": "VARCHAR",
            "cost_usd": "DOUBLE",
            "duration_ms": "BIGINT",
            "input_tokens": TOKEN_COUNT,
            "output_tokens": TOKEN_COUNT,
            "cache_read_tokens": TOKEN_COUNT,
            "cache_creation_tokens": TOKEN_COUNT,
            "request_id": "VARCHAR",
        },
    },
    records="",
    select="""
        select
            _source_file, _record_path,
            p.name as event_name, p.timestamp,
            p.attributes['session.id'] as session_id,
            p.attributes['organization.id'] as organization_id,
            p.attributes['user.account_uuid'] as user_account_uuid,
            p.attributes['user.email'] as user_email,
            p.attributes['user.id'] as user_install_id,
            p.attributes['terminal.type'] as terminal_type,
            p.attributes.model as model, p.attributes.cost_usd as cost_usd,
            p.attributes.duration_ms as duration_ms,
            p.attributes.input_tokens as input_tokens,
            p.attributes.output_tokens as output_tokens,
            p.attributes.cache_read_tokens as cache_read_tokens,
            p.attributes.cache_creation_tokens as cache_creation_tokens,
            p.attributes.request_id as request_id
        from parsed
    """,
)

GITHUB_PULL_REQUESTS = JsonSource(
    name="github__pull_requests",
    folder="github/pull_requests",
    patterns=_spellings("*.json"),
    shape="document",
    structure=[
        {
            "id": "BIGINT",
            "number": "BIGINT",
            "state": "VARCHAR",
            "title": "VARCHAR",
            "user": {"login": "VARCHAR", "id": "BIGINT", "type": "VARCHAR"},
            "labels": [{"name": "VARCHAR"}],
            "draft": "BOOLEAN",
            "created_at": "VARCHAR",
            "closed_at": "VARCHAR",
            "merged_at": "VARCHAR",
            "merged": "BOOLEAN",
            "merged_by": {"login": "VARCHAR"},
            "merge_commit_sha": "VARCHAR",
            "base": {"ref": "VARCHAR", "repo": {"full_name": "VARCHAR"}},
            "head": {"ref": "VARCHAR", "sha": "VARCHAR"},
            "additions": "BIGINT",
            "deletions": "BIGINT",
            "changed_files": "BIGINT",
            "commits": "BIGINT",
            "comments": "BIGINT",
            "review_comments": "BIGINT",
        }
    ],
    records="p",
    select="""
        with prs as (
            select _source_file, unnest(p) as pr, generate_subscripts(p, 1) as pi from parsed
        )
        select
            _source_file,
            '[' || (pi - 1) || ']' as _record_path,
            pr.id, pr.number, pr.state, pr.title,
            pr.user.login as user_login, pr.user.id as user_id, pr.user.type as user_type,
            array_to_string(list_transform(pr.labels, lambda l: l.name), '|') as labels,
            pr.draft, pr.created_at, pr.closed_at, pr.merged_at, pr.merged,
            pr.merged_by.login as merged_by_login, pr.merge_commit_sha,
            pr.base.ref as base_ref, pr.base.repo.full_name as repository,
            pr.head.ref as head_ref, pr.head.sha as head_sha,
            pr.additions, pr.deletions, pr.changed_files, pr.commits, pr.comments,
            pr.review_comments
        from prs
    """,
    record_marker="merge_commit_sha",
)

JIRA_ISSUES = JsonSource(
    name="jira__issues",
    folder="jira/issues",
    patterns=_spellings("*.json"),
    shape="document",
    structure={
        "issues": [
            {
                "id": "VARCHAR",
                "key": "VARCHAR",
                "fields": {
                    "issuetype": {"name": "VARCHAR"},
                    "priority": {"name": "VARCHAR"},
                    "status": {"name": "VARCHAR", "statusCategory": {"key": "VARCHAR"}},
                    "resolution": {"name": "VARCHAR"},
                    "created": "VARCHAR",
                    "resolutiondate": "VARCHAR",
                    "updated": "VARCHAR",
                    "project": {"key": "VARCHAR"},
                    "components": [{"name": "VARCHAR"}],
                    "labels": ["VARCHAR"],
                    "assignee": {"accountId": "VARCHAR", "emailAddress": "VARCHAR"},
                    "reporter": {"accountId": "VARCHAR", "emailAddress": "VARCHAR"},
                },
            }
        ]
    },
    records="p.issues",
    select="""
        with issues as (
            select _source_file, unnest(p.issues) as i, generate_subscripts(p.issues, 1) as ii
            from parsed
        )
        select
            _source_file,
            'issues[' || (ii - 1) || ']' as _record_path,
            i.id, i.key, i.fields.issuetype.name as issue_type,
            i.fields.priority.name as priority, i.fields.status.name as status,
            i.fields.status.statusCategory.key as status_category,
            i.fields.resolution.name as resolution, i.fields.created as created,
            i.fields.resolutiondate as resolution_date, i.fields.updated as updated,
            i.fields.project.key as project_key,
            array_to_string(list_transform(i.fields.components, lambda c: c.name), '|') as components,
            array_to_string(i.fields.labels, '|') as labels,
            i.fields.assignee.accountId as assignee_account_id,
            i.fields.assignee.emailAddress as assignee_email,
            i.fields.reporter.accountId as reporter_account_id,
            i.fields.reporter.emailAddress as reporter_email
        from issues
    """,
    record_marker="resolutiondate",
)

JSON_SOURCES: tuple[JsonSource, ...] = (
    ANTHROPIC_MESSAGES,
    CLAUDE_CODE,
    OPENAI_COMPLETIONS,
    CURSOR_EVENTS,
    COPILOT_USERS,
    TELEMETRY_API_REQUESTS,
    GITHUB_PULL_REQUESTS,
    JIRA_ISSUES,
)

CSV_SOURCES: tuple[CsvSource, ...] = (
    CsvSource(
        name="hr__roster",
        path="hr/roster.csv",
        required_columns=(
            "employee_id",
            "email",
            "full_name",
            "team_id",
            "team_name",
            "org",
            "role",
            "level",
            "salary_usd",
            "timezone",
            "valid_from",
        ),
        optional_columns=(
            "github_login",
            "jira_account_id",
            "openai_user_id",
            "manager_id",
            "valid_to",
        ),
        required=True,
    ),
    CsvSource(
        name="hr__api_keys",
        path="hr/api_keys.csv",
        required_columns=("provider", "api_key_id", "valid_from"),
        optional_columns=("api_key_name", "owner_email", "valid_to"),
    ),
    CsvSource(
        name="roadmap__roadmap_items",
        path="roadmap/roadmap_items.csv",
        required_columns=("team_id", "quarter", "item_id", "planned_points", "delivered_points"),
        optional_columns=("title", "status", "delivered_at"),
    ),
)

# The flat landing tables and their columns, derived once so an empty or absent source
# still gets its (empty) table: dbt sources always exist and a missing tool reads as zero.
SOURCE_NAMES: tuple[str, ...] = tuple(
    [s.name for s in JSON_SOURCES]
    + [t for s in JSON_SOURCES for t, _ in s.extra_tables]
    + [TELEMETRY_METRICS]
    + [s.name for s in CSV_SOURCES]
)


def land(
    raw_dir: Path, warehouse: Path, progress: Progress | None = None, *, reference: bool = True
) -> LandingResult:
    """Land every source of `raw_dir` into `warehouse` (created if missing). With `reference`
    False the company CSVs (roster, API keys, roadmap) are neither required nor landed: an
    incremental build lands only a delivery of vendor files (mileage/incremental.py)."""
    raw_dir = Path(raw_dir)
    warehouse = Path(warehouse)
    roster = raw_dir / "hr" / "roster.csv"
    if reference and not roster.is_file():
        raise LandingError(f"{roster} is missing: hr/roster.csv is the one required raw file")
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    result = LandingResult(warehouse=warehouse)
    report = progress or (lambda item, done, total: None)
    con = configure_duckdb(duckdb.connect(str(warehouse)))
    try:
        con.execute("set enable_progress_bar = false")  # progress is ours to report
        con.execute(f"set memory_limit = '{landing_memory_limit() // 2**20}MiB'")
        _create_bookkeeping(con)
        csv_sources = CSV_SOURCES if reference else ()
        steps = len(csv_sources) + len(JSON_SOURCES)
        done = 0
        for source in csv_sources:
            report(source.name, done, steps)
            _land_csv(con, raw_dir, source, result)
            done += 1
        for source in JSON_SOURCES:
            report(source.name, done, steps)
            _land_json(con, raw_dir, source, result)
            done += 1
        report("landed", done, steps)
        _note_unknown_paths(raw_dir, result)
        record_unread_paths(con, result.unread)
    finally:
        con.close()
    return result


# --- helpers ------------------------------------------------------------------------------


def _create_bookkeeping(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(f"create schema if not exists {SCHEMA}")
    con.execute(
        f"""
        create or replace table {SCHEMA}.file_manifest (
            source varchar, source_file varchar, bytes bigint, records bigint,
            landed_records bigint, rejected_records bigint, status varchar, problem varchar,
            rejected_tokens bigint
        )"""
    )
    con.execute(
        f"""
        create or replace table {SCHEMA}.rejects (
            source varchar, source_file varchar, record_path varchar, reason varchar,
            raw_record varchar
        )"""
    )


def record_unread_paths(con: duckdb.DuckDBPyConnection, found: list) -> None:
    """Replace `landing.unread_files` with `found` (UnreadPath rows)."""
    con.execute(
        f"""
        create or replace table {SCHEMA}.unread_files (
            source_file varchar, files bigint, bytes bigint, reason varchar, near_miss varchar
        )"""
    )
    if found:
        con.executemany(
            f"insert into {SCHEMA}.unread_files values (?, ?, ?, ?, ?)",
            [(p.path, p.files, p.bytes, p.reason, p.near_miss) for p in found],
        )


def _files(raw_dir: Path, folder: str, patterns: tuple[str, ...]) -> list[Path]:
    base = raw_dir / folder
    if not base.is_dir():
        return []
    found = {p for pattern in patterns for p in base.glob(pattern) if p.is_file()}
    return sorted(found)


def _sql_str(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _file_list(files: list[Path]) -> str:
    return "[" + ", ".join(_sql_str(str(f)) for f in files) + "]"


def _land_csv(
    con: duckdb.DuckDBPyConnection, raw_dir: Path, source: CsvSource, result: LandingResult
) -> None:
    path = raw_dir / source.path
    columns = (*source.required_columns, *source.optional_columns)
    column_defs = ", ".join(f"{c} varchar" for c in columns)
    table = f"{SCHEMA}.{source.name}"
    con.execute(
        f"create or replace table {table} "
        f"({column_defs}, _source_file varchar, _record_path varchar)"
    )
    result.files_by_source[source.name] = 0
    result.records_by_source[source.name] = 0
    result.rejected_by_source[source.name] = 0
    if not path.is_file():
        return
    result.files_by_source[source.name] = 1
    encoding, problem = _csv_encoding(path)
    if problem:
        _csv_problem(con, source, path, problem, result)
        return
    try:
        header = con.execute(
            "select * from read_csv(?, header = true, all_varchar = true, encoding = ?) limit 0",
            [str(path), encoding],
        ).description
    except duckdb.Error as exc:
        _csv_problem(con, source, path, f"unreadable CSV: {_first_line(exc)}", result)
        return
    present = {d[0].strip().lower() for d in header}
    missing = [c for c in source.required_columns if c not in present]
    if missing:
        _csv_problem(con, source, path, f"missing required column(s) {', '.join(missing)}", result)
        return
    select_list = ", ".join(
        (f"nullif(trim(\"{c}\"), '') as {c}" if c in present else f"null as {c}") for c in columns
    )
    # Line numbers as a spreadsheet shows them: the header is line 1.
    con.execute(
        f"""
        insert into {table}
        select {select_list}, ? as _source_file,
               'line ' || (row_number() over () + 1) as _record_path
        from read_csv(?, header = true, all_varchar = true, encoding = ?)
        """,
        [str(path), str(path), encoding],
    )
    landed = con.execute(f"select count(*) from {table}").fetchone()[0]
    result.records_by_source[source.name] = landed
    con.execute(
        f"insert into {SCHEMA}.file_manifest values (?, ?, ?, ?, ?, 0, 'loaded', null, null)",
        [source.name, str(path), path.stat().st_size, landed, landed],
    )


# Company CSVs are read as UTF-8 (a UTF-8 byte-order mark is fine) or, when a UTF-16
# little-endian byte-order mark says so, as UTF-16 (Excel's "Unicode Text"): both name their
# encoding. Anything else stops (the roster) or is rejected (the optional CSVs) with the first
# byte that is not UTF-8, rather than guessed: DuckDB 2.0's read_csv reads only utf-8, utf-16
# and latin-1 (windows-1252 needs the `encodings` extension, downloaded at run time), and
# Latin-1, Windows-1252 and the other 8-bit code pages cannot be told apart from their bytes. A
# wrong guess would quietly change names and emails, and email is the join key of most vendors.
SAVE_AS_UTF8 = "save it as UTF-8 (in Excel: Save As > CSV UTF-8) and build again"
_UTF16_LE_MARK = b"\xff\xfe"
_UTF16_BE_MARK = b"\xfe\xff"


def _csv_encoding(path: Path) -> tuple[str, str | None]:
    """(read_csv encoding, None) for a CSV Mileage can read, else ("", the one-line reason)."""
    with path.open("rb") as f:
        head = f.read(4096)
    if head.startswith(_UTF16_LE_MARK):
        return "utf-16", None
    if head.startswith(_UTF16_BE_MARK):
        return "", f"UTF-16 big-endian text, which Mileage does not read: {SAVE_AS_UTF8}"
    where = _first_non_utf8(path)
    if where:
        return "", f"not UTF-8 text: {where} (Latin-1 or Windows-1252?): {SAVE_AS_UTF8}"
    if b"\x00" in head:
        return "", f"NUL bytes: UTF-16 without a byte-order mark?: {SAVE_AS_UTF8}"
    return "utf-8", None


def _first_non_utf8(path: Path, chunk_bytes: int = 1 << 20) -> str | None:
    """Where `path` stops being UTF-8 ("byte 0xE9 at line 2, byte 41 of the file"), or None.
    Reads the file in chunks, so its size does not matter."""
    carry, line, offset = b"", 1, 0  # offset: where `carry` starts in the file
    with path.open("rb") as f:
        while True:
            chunk = f.read(chunk_bytes)
            data = carry + chunk
            if not data:
                return None
            try:
                data.decode("utf-8")
                good = len(data)
            except UnicodeDecodeError as exc:
                if chunk and exc.reason == "unexpected end of data":
                    good = exc.start  # a character split across chunks: decode it with the next
                else:
                    line += data.count(b"\n", 0, exc.start)
                    utf16 = offset + exc.start == 0 and data[:2] in (_UTF16_LE_MARK, _UTF16_BE_MARK)
                    mark = " (a UTF-16 byte-order mark)" if utf16 else ""
                    return (
                        f"byte 0x{data[exc.start]:02X}{mark} at line {line}, "
                        f"byte {offset + exc.start + 1} of the file"
                    )
            line += data.count(b"\n", 0, good)
            offset += good
            carry = data[good:]
            if not chunk:
                return None


def _csv_problem(con, source: CsvSource, path: Path, problem: str, result: LandingResult) -> None:
    if source.required:
        raise LandingError(f"{path}: {problem}")
    result.problems.append(f"{path}: {problem}; the file was not loaded")
    result.rejected_by_source[source.name] = 1
    con.execute(
        f"insert into {SCHEMA}.file_manifest values (?, ?, ?, 1, 0, 1, 'malformed', ?, null)",
        [source.name, str(path), path.stat().st_size, problem],
    )
    con.execute(
        f"insert into {SCHEMA}.rejects values (?, ?, null, ?, null)",
        [source.name, str(path), problem],
    )


def _land_json(
    con: duckdb.DuckDBPyConnection, raw_dir: Path, source: JsonSource, result: LandingResult
) -> None:
    files = _files(raw_dir, source.folder, source.patterns)
    result.files_by_source[source.name] = len(files)
    structure = json.dumps(source.structure)
    # Create the (empty) landing tables with the right columns, whatever the files hold.
    con.execute(
        f"""create or replace temp view parsed as
            select null::varchar as _source_file, null::varchar as _record_path,
                   from_json(j, {_sql_str(structure)}) as p
            from (select '{{}}'::json as j) where false"""
    )
    con.execute(f"create or replace table {SCHEMA}.{source.name} as {source.select}")
    for table, select in source.extra_tables:
        con.execute(f"create or replace table {SCHEMA}.{table} as {select}")
    if source.shape == "telemetry":
        _create_metrics_table(con)
    if not files:
        result.records_by_source[source.name] = 0
        result.rejected_by_source[source.name] = 0
        return
    with _decompressed(files) as (readable, originals, unreadable):
        _land_unreadable(con, source, unreadable)
        if not readable:
            _summarise(con, source, result)
        elif source.shape == "document":
            _land_documents(con, source, readable, structure, result)
        elif source.shape == "telemetry":
            _land_telemetry(con, source, readable, result)
        else:
            line_files = [f for f in readable if not f.name.endswith(".json")]
            _land_line_documents(
                con, source, [f for f in readable if f.name.endswith(".json")], structure
            )
            if line_files:
                _land_lines(con, source, line_files, structure, result)
            else:
                _summarise(con, source, result)
        _restore_names(con, source, originals)


# A page of raw bytes parsed per statement: parsed documents are held until their records are
# flattened, so landing's memory follows this, not the number of days exported.
BATCH_BYTES = 256 * 1024 * 1024

# The line (whitespace aside) starts an object: with a JSON parse this tells "a JSON object"
# from a JSON scalar or array.
_OBJECT_START = "starts_with(ltrim(line, ' ' || chr(9) || chr(13)), '{')"


def _batches(files: list[Path], limit: int = BATCH_BYTES) -> list[list[Path]]:
    """Consecutive files in groups of at most `limit` bytes (a larger file is a group alone)."""
    groups: list[list[Path]] = []
    size = 0
    for path in files:
        bytes_ = path.stat().st_size
        if groups and size + bytes_ <= limit:
            groups[-1].append(path)
            size += bytes_
        else:
            groups.append([path])
            size = bytes_
    return groups


# DuckDB parses a document (one row of read_text) on one thread, and numbers the lines of one
# statement's files on one thread, so batches are landed by this many connections at once,
# each holding its share of BATCH_BYTES.
LANDING_WORKERS = 2


def landing_memory_limit() -> int:
    """Bytes of memory landing's DuckDB may use: what the largest documents allowed need at
    once (parsed whole, about 6.5 times their size: 8 for margin) or a piece of a line file
    (about 3 times LINE_CHUNK_BYTES), per worker. Beyond it DuckDB evicts the landing tables'
    blocks it caches, which otherwise grow with the data (a clean 1.5 GB NDJSON file: 1.1 GB
    without a limit, 0.63 GB at 512 MiB). 4 GiB with the default document limit."""
    return LANDING_WORKERS * max(8 * max_document_bytes(), 4 * LINE_CHUNK_BYTES)


def _land_batches(con, source: JsonSource, land_batch: Callable, files: list[Path]) -> list:
    """`land_batch(connection, batch)` for each batch of `files`, on LANDING_WORKERS
    connections of their own (temp tables are per connection; appends to one landing table do
    not conflict); returns the results of all batches."""
    batches = _batches(files, max(1, BATCH_BYTES // LANDING_WORKERS))
    cursors = [con.cursor() for _ in range(max(1, min(LANDING_WORKERS, len(batches))))]
    try:
        with ThreadPoolExecutor(max_workers=len(cursors)) as pool:
            jobs = [
                pool.submit(
                    lambda cursor, share: [
                        _land_utf8(cursor, source, land_batch, batch) for batch in share
                    ],
                    cursor,
                    batches[i :: len(cursors)],
                )
                for i, cursor in enumerate(cursors)
            ]
            return [outcome for job in jobs for outcome in job.result()]
    finally:
        for cursor in cursors:
            cursor.close()


def _land_documents(con, source: JsonSource, files: list[Path], structure: str, result) -> None:
    """One JSON value per file: a malformed file is one reject naming the file.

    A document is parsed whole, at about 6.5 times its size in memory (a 512 MB Anthropic page
    peaked at 3.2 GB), so a file above config.max_document_bytes() is rejected with the limit
    instead: vendors' API pages are far smaller, and a larger export can be split into pages."""
    limit = max_document_bytes()
    for path in [path for path in files if path.stat().st_size > limit]:
        _reject_file(
            con,
            source,
            path,
            f"a JSON document of {path.stat().st_size:,} bytes, above the per-file limit of "
            f"{limit:,} ({ENV_MAX_DOCUMENT_BYTES}): a document is parsed whole, at about 6.5 "
            "times its size in memory; split it into pages (or raise the limit)",
        )
        files = [f for f in files if f != path]
    _land_batches(
        con,
        source,
        lambda cursor, batch: _land_document_batch(cursor, source, batch, structure),
        files,
    )
    _summarise(con, source, result)


def _land_utf8(con, source: JsonSource, land_batch: Callable, batch: list[Path]):
    """`land_batch(con, batch)`, rejecting first the files that are not UTF-8 text, which make
    DuckDB's read_text fail the whole statement. They are looked for only after such a
    failure, so the normal path reads no file twice."""
    try:
        return land_batch(con, batch)
    except (duckdb.InvalidInputException, UnicodeDecodeError):  # UnicodeDecodeError: _line_chunks
        bad = {path: where for path in batch if (where := _first_non_utf8(path))}
        if not bad:
            raise
    names = [str(path) for path in bad]
    for table in (source.name, *(table for table, _ in source.extra_tables)):
        con.execute(  # what pieces of a large file landed before its bad byte
            f"delete from {SCHEMA}.{table} where _source_file in (select unnest(?::varchar[]))",
            [names],
        )
    con.execute(
        f"delete from {SCHEMA}.rejects where source = ? "
        "and source_file in (select unnest(?::varchar[]))",
        [source.name, names],
    )
    for path, where in bad.items():
        _reject_file(
            con,
            source,
            path,
            f"not UTF-8 text: {where}; JSON exports are UTF-8 (RFC 8259): download the file "
            "again unchanged, or convert it to UTF-8",
        )
    rest = [path for path in batch if path not in bad]
    return land_batch(con, rest) if rest else []


def _reject_file(con, source: JsonSource, path: Path, problem: str) -> None:
    """Reject a whole file before parsing: one reject, and its manifest row."""
    con.execute(
        f"insert into {SCHEMA}.file_manifest values (?, ?, ?, 1, 0, 1, 'rejected', ?, null)",
        [source.name, str(path), path.stat().st_size, problem],
    )
    con.execute(
        f"insert into {SCHEMA}.rejects values (?, ?, null, ?, null)",
        [source.name, str(path), problem],
    )


# A UTF-8 byte-order mark (Windows tools write one) is not JSON, but names the encoding JSON
# has anyway (RFC 8259 lets a parser ignore it): drop it before parsing.
def _without_bom(text: str) -> str:
    return f"(case when starts_with({text}, chr(65279)) then substr({text}, 2) else {text} end)"


def _land_document_batch(con, source: JsonSource, files: list[Path], structure: str) -> None:
    # One parse per file: try() makes a file that does not parse NULL, and only those files
    # are checked again to tell "not JSON" from "JSON of another shape". A file that parses but
    # lacks the format's record list (wrong export, wrong folder) is rejected whole too.
    records_expr = f"len({source.records})"
    con.execute(
        f"""
        create or replace temp table _parsed as
        select _source_file, bytes, p,
               case when p is null and not json_valid(content)
                    then 'malformed JSON file: not valid JSON'
                    when p is null or {records_expr} is null
                    then 'unexpected JSON shape: no record list where the format has one'
               end as problem,
               case when p is null or {records_expr} is null
                    then left(content, {MAX_REJECT_TEXT}) end as raw,
               case when p is null or {records_expr} is null
                    then greatest({_marked_records(source)}, 1) end as rejected_records,
               case when p is null or {records_expr} is null
                    then {_readable_tokens(source)} end as rejected_tokens
        from (
            select _source_file, bytes, content,
                   try(from_json(content, {_sql_str(structure)})) as p
            from (select filename as _source_file, size as bytes,
                         {_without_bom("content")} as content
                  from read_text({_file_list(files)}))
        )
        """
    )
    con.execute(
        f"""
        insert into {SCHEMA}.file_manifest
        select {_sql_str(source.name)}, _source_file, bytes,
               case when problem is null then {records_expr} else rejected_records end,
               case when problem is null then {records_expr} else 0 end,
               case when problem is null then 0 else rejected_records end,
               case when problem is null then 'loaded' else 'rejected' end,
               problem, rejected_tokens
        from _parsed
        """
    )
    con.execute(
        f"""
        insert into {SCHEMA}.rejects
        select {_sql_str(source.name)}, _source_file, null, problem, raw
        from _parsed where problem is not null
        """
    )
    con.execute(
        "create or replace temp view parsed as "
        "select _source_file, p from _parsed where problem is null"
    )
    con.execute(f"insert into {SCHEMA}.{source.name} {source.select}")
    for table, select in source.extra_tables:
        con.execute(f"insert into {SCHEMA}.{table} {select}")
    con.execute("drop view parsed")
    con.execute("drop table _parsed")


def _marked_records(source: JsonSource) -> str:
    """SQL over a file's `content`: how many records its bytes still show (0 if unknown)."""
    if not source.record_marker:
        return "0"
    return f"len(regexp_extract_all(content, {_sql_str(_key_pattern(source.record_marker))}))"


def _readable_tokens(source: JsonSource) -> str:
    """SQL over a file's `content`: the sum of the token counts its bytes still show; NULL
    where the format has no token fields or none is readable (unknown, not zero)."""
    if not source.token_fields:
        return "null::bigint"
    # a number needs its terminator: digits cut off by a truncation are not a count
    keys = "|".join(source.token_fields)
    pattern = _sql_str(_key_pattern(f"({keys})") + r"\s*(\d+)\s*[,}\]]")
    return (
        f"try_cast(list_sum(list_transform(regexp_extract_all(content, {pattern}, 2), "
        "lambda v: try_cast(v as hugeint))) as bigint)"
    )


def _key_pattern(key: str) -> str:
    """A regular expression for `"key":` as JSON writes it (whitespace allowed)."""
    return f'"{key}"' + r"\s*:"


def _lines_sql(files: list[Path]) -> str:
    """The non-empty lines of `files` with their 1-based line numbers."""
    return f"""
        select filename as _source_file, line, line_number
        from (
            select filename, unnest(lines) as line, generate_subscripts(lines, 1) as line_number
            from (
                select filename, string_split({_without_bom("content")}, chr(10)) as lines
                from read_text({_file_list(files)})
            )
        )
        where trim(line) <> ''"""


def _land_lines(con, source: JsonSource, files: list[Path], structure: str, result) -> None:
    """One JSON object per line: a bad line is one reject naming the file and line number.

    Each batch goes first through DuckDB's own NDJSON reader (`_land_clean_line_files`), which
    lands it if every line is a record of the format; a batch with a bad or blank line takes
    the text path (`_land_line_text`), which names each bad line.
    """

    columns = _reader_columns(con, source.structure)

    def land_batch(cursor, batch: list[Path]) -> list[tuple[str, int, int]]:
        counts = _land_clean_line_files(cursor, source, batch, columns)
        if counts is not None:
            return counts
        big = [path for path in batch if path.stat().st_size > LINE_CHUNK_BYTES]
        small = [path for path in batch if path not in big]
        counts = _land_line_text(cursor, source, small) if small else []
        return counts + [row for path in big for row in _land_line_chunks(cursor, source, path)]

    counts = [row for rows in _land_batches(con, source, land_batch, files) for row in rows]
    con.execute(
        "create or replace temp table _line_counts "
        "(_source_file varchar, records bigint, landed bigint)"
    )
    if counts:  # none when every file was rejected whole
        con.executemany("insert into _line_counts values (?, ?, ?)", counts)
    con.execute(
        f"""
        insert into {SCHEMA}.file_manifest
        select {_sql_str(source.name)}, f.filename, f.size, coalesce(c.records, 0),
               coalesce(c.landed, 0), coalesce(c.records - c.landed, 0),
               case when c.records > c.landed then 'loaded with rejects' else 'loaded' end,
               case when c.records > c.landed then (c.records - c.landed) || ' bad JSON line(s)' end,
               null
        from read_blob({_file_list(files)}) f
        left join _line_counts c on c._source_file = f.filename
        where not exists (  -- rejected whole, with its row, by _land_utf8
            select 1 from {SCHEMA}.file_manifest m
            where m.source = {_sql_str(source.name)} and m.source_file = f.filename)
        """
    )
    con.execute("drop table _line_counts")
    _summarise(con, source, result)


def _land_line_text(con, source: JsonSource, batch: list[Path]) -> list[tuple[str, int, int]]:
    """Land `batch` split into lines as text, so each record keeps its physical line number and
    each bad line its reason and text; returns (file, non-empty lines, records landed).

    The lines are held as text (bounded by BATCH_BYTES) and each is parsed once: try() gives
    NULL for a line that is not a JSON object. Only files with more non-empty lines than
    landed records are parsed again, to name their bad lines.
    """
    con.execute(f"create or replace temp table _lines as {_lines_sql(batch)}")
    return _land_lines_table(con, source, [str(f) for f in batch])


def _land_lines_table(
    con, source: JsonSource, names: list[str], landed_before: int = 0
) -> list[tuple[str, int, int]]:
    """Land the lines in `_lines` (of the files `names`), name the bad ones, drop `_lines`;
    returns (file, non-empty lines, records landed), less `landed_before` records of a file
    landed by earlier pieces (_land_line_chunks: one file)."""
    parse = f"try(from_json(line, {_sql_str(json.dumps(source.structure))}))"
    con.execute(
        f"""create or replace temp view parsed as
            select _source_file, 'line ' || line_number as _record_path, p
            from (select _source_file, line_number,
                         case when {_OBJECT_START} then {parse} end as p
                  from _lines)
            where p is not null"""
    )
    con.execute(f"insert into {SCHEMA}.{source.name} {source.select}")
    con.execute("drop view parsed")
    counts = con.execute(
        f"""
        select l._source_file, l.records, coalesce(x.landed, 0)
        from (select _source_file, count(*) as records from _lines group by _source_file) l
        left join (select _source_file, count(*) as landed from {SCHEMA}.{source.name}
                   where _source_file in (select unnest(?::varchar[]))
                   group by _source_file) x on x._source_file = l._source_file
        """,
        [names],
    ).fetchall()
    counts = [(file, records, landed - landed_before) for file, records, landed in counts]
    dirty = [file for file, records, landed in counts if records > landed]
    if dirty:
        _reject_bad_lines(con, source, dirty, parse)
    con.execute("drop table _lines")
    return counts


# The text path holds lines as text several times over (a 512 MB file with one bad line peaked
# at 1.3 GB, measured), so a file larger than this takes it in line-aligned pieces of this size,
# and a file of any size lands in bounded memory (bench figures: docs/raw-contract.md).
LINE_CHUNK_BYTES = 64 * 1024 * 1024


def _line_chunks(path: Path, size: int):
    """`path`'s text in pieces of about `size` bytes that end at a line end (a UTF-8 byte-order
    mark dropped); UnicodeDecodeError if it is not UTF-8."""
    carry, first = b"", True
    with path.open("rb") as f:
        while chunk := f.read(size):
            data = carry + chunk
            cut = data.rfind(b"\n") + 1
            carry = data[cut:]
            if cut:
                text = data[:cut].decode("utf-8")
                yield text.removeprefix("\ufeff") if first else text
                first = False
    if carry:
        text = carry.decode("utf-8")
        yield text.removeprefix("\ufeff") if first else text


def _land_line_chunks(con, source: JsonSource, path: Path) -> list[tuple[str, int, int]]:
    """The text path for one large file, a piece at a time: (file, non-empty lines, landed)."""
    records = landed = lines_before = 0
    for text in _line_chunks(path, LINE_CHUNK_BYTES):
        con.execute(
            """create or replace temp table _lines as
               select ?::varchar as _source_file, line, line_number + ? as line_number
               from (select unnest(l) as line, generate_subscripts(l, 1) as line_number
                     from (select string_split(?, chr(10)) as l))
               where trim(line) <> ''""",
            [str(path), lines_before, text],
        )
        for _, piece_records, piece_landed in _land_lines_table(con, source, [str(path)], landed):
            records += piece_records
            landed += piece_landed
        lines_before += text.count("\n")
    return [(str(path), records, landed)]


# A line longer than this is not a record of any vendor's export; the NDJSON reader fails the
# batch on it and the batch takes the text path, which rejects the line with its number.
MAX_LINE_BYTES = 64 * 1024 * 1024
_BYTE_ORDER_MARK = b"\xef\xbb\xbf"


def _physical_lines(path: Path) -> tuple[int, bool]:
    """The file's number of lines as the text path counts them, and whether it starts with a
    UTF-8 byte-order mark (both paths skip it; such rare files take the text path)."""
    lines, last, first = 0, b"", b""
    with path.open("rb") as f:
        while chunk := f.read(16 * 1024 * 1024):
            first = first or chunk[:3]
            lines += chunk.count(b"\n")
            last = chunk[-1:]
    return lines + (1 if last not in (b"", b"\n") else 0), first == _BYTE_ORDER_MARK


def _reader_columns(con, structure: dict) -> str:
    """`structure`'s top-level keys as read_json's `columns` map (DuckDB type names)."""
    types = {}
    for key, shape in structure.items():
        if isinstance(shape, str):
            types[key] = shape
        else:
            empty = "{}" if isinstance(shape, dict) else "[]"
            types[key] = con.execute(
                "select typeof(from_json(?::json, ?))", [empty, json.dumps(shape)]
            ).fetchone()[0]
    return "{" + ", ".join(f"{_sql_str(k)}: {_sql_str(t)}" for k, t in types.items()) + "}"


def _land_clean_line_files(
    con, source: JsonSource, files: list[Path], columns: str
) -> list[tuple[str, int, int]] | None:
    """Land `files` with DuckDB's NDJSON reader (`columns`: the source's `_reader_columns`) if
    every line of each is a record of the format, returning (file, lines, records landed);
    None, with nothing landed, if not.

    The reader (strict: a line that does not parse or fit the format fails the statement)
    skips blank lines and cannot give a bad line's text, so its n-th record of a file is the
    file's line n only when it read as many records as the files have lines. Line n of each
    file is found from the files' line counts, in order (an empty OVER () numbers rows in the
    files' order: DuckDB's order guarantee; file_index is the file's place in the list).
    Where a value has the wrong type, from_json (the text path) gives NULL and the reader
    fails, so such a batch goes to the text path whole.
    """
    counted = [(path, *_physical_lines(path)) for path in files]
    if not counted or any(bom for _, _, bom in counted):
        return None
    expected = sum(lines for _, lines, _ in counted)
    first_rows, first_row = [], 1
    for _, lines, _ in counted:
        first_rows.append(first_row)
        first_row += lines
    record = "{" + ", ".join(f'{_sql_str(k)}: t."{k}"' for k in source.structure) + "}"
    con.execute(
        f"""
        create or replace temp view parsed as
        select _source_file,
               'line ' || (row_in_batch - {first_rows}[file_index::bigint + 1] + 1) as _record_path, p
        from (
            select t.filename as _source_file, file_index,
                   row_number() over () as row_in_batch, {record} as p
            from read_json({_file_list(files)}, format = 'newline_delimited',
                           columns = {columns}, filename = true,
                           maximum_object_size = {MAX_LINE_BYTES}) t
        )
        """
    )
    try:
        landed = con.execute(f"insert into {SCHEMA}.{source.name} {source.select}").fetchone()[0]
    except duckdb.Error:
        landed = None  # a line that is not a record of the format: the text path names it
    finally:
        con.execute("drop view parsed")
    if landed != expected:
        if landed:
            con.execute(
                f"delete from {SCHEMA}.{source.name} "
                "where _source_file in (select unnest(?::varchar[]))",
                [[str(f) for f in files]],
            )
        return None
    return [(str(path), lines, lines) for path, lines, _ in counted]


def _reject_bad_lines(con, source: JsonSource, dirty: list[str], parse: str) -> None:
    """Name the lines of `dirty` files (in `_lines`) that did not land, with the reason."""
    con.execute(
        f"""
        insert into {SCHEMA}.rejects
        select {_sql_str(source.name)}, _source_file, 'line ' || line_number,
               case when {_OBJECT_START} and json_valid(line)
                    then 'bad JSON line: a JSON object that does not fit the format'
                    else 'bad JSON line: not a JSON object' end,
               left(line, {MAX_REJECT_TEXT})
        from _lines
        where _source_file in (select unnest(?::varchar[]))
          and not coalesce({_OBJECT_START} and {parse} is not null, false)
        """,
        [dirty],
    )


def _summarise(con, source: JsonSource, result: LandingResult) -> None:
    landed, rejected = con.execute(
        f"""select coalesce(sum(landed_records), 0), coalesce(sum(rejected_records), 0)
            from {SCHEMA}.file_manifest where source = ?""",
        [source.name],
    ).fetchone()
    result.records_by_source[source.name] = int(landed)
    result.rejected_by_source[source.name] = int(rejected)
    for file, status, problem in con.execute(
        f"""select source_file, status, problem from {SCHEMA}.file_manifest
            where source = ? and problem is not null order by source_file""",
        [source.name],
    ).fetchall():
        result.problems.append(f"{file}: {problem} ({status}); the rest of the source loaded")


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


# The raw directory's top-level folders, from the sources above (the simulator writes these).
RAW_TOP_LEVEL: tuple[str, ...] = tuple(
    sorted(
        {source.folder.split("/")[0] for source in JSON_SOURCES}
        | {source.path.split("/")[0] for source in CSV_SOURCES}
    )
)


# What the contract reads, relative to the raw directory (folders end with "/").
CONTRACT_FOLDERS: tuple[str, ...] = tuple(sorted(source.folder + "/" for source in JSON_SOURCES))
CONTRACT_FILES: tuple[str, ...] = tuple(sorted(source.path for source in CSV_SOURCES))
# A path this similar (difflib's ratio) to a contract path is named as its likely misspelling.
NEAR_MISS_CUTOFF = 0.6


@dataclass(frozen=True)
class UnreadPath:
    """A file or folder under the raw directory that the contract does not read."""

    path: str  # relative to the raw directory; a folder ends with "/"
    files: int  # files under it (1 for a file), hidden files aside
    bytes: int
    reason: str
    near_miss: str | None  # the contract path it most resembles, if any

    def message(self, raw_dir: Path) -> str:
        hint = f"; `{self.path}` looks like `{self.near_miss}`" if self.near_miss else ""
        return f"{raw_dir / self.path}: {self.reason}; not read{hint}"


def unread_paths(raw_dir: Path) -> list[UnreadPath]:
    """Every file and folder under `raw_dir` the contract does not read, with the reason and
    the contract path it most resembles. Hidden files and folders (dot-names: editor and OS
    litter) are skipped, as docs/raw-contract.md says."""
    raw_dir = Path(raw_dir)
    contract_dirs = {
        "/".join(path.split("/")[: i + 1]) + "/"
        for path in (*CONTRACT_FOLDERS, *CONTRACT_FILES)
        for i in range(path.rstrip("/").count("/"))
    } | set(CONTRACT_FOLDERS)
    found: list[UnreadPath] = []

    def unread(path: Path, rel: str, reason: str, candidates) -> None:
        files = [path] if path.is_file() else _visible_files(path)
        hint = difflib.get_close_matches(rel, sorted(candidates), n=1, cutoff=NEAR_MISS_CUTOFF)
        size = sum(f.stat().st_size for f in files)
        found.append(UnreadPath(rel, len(files), size, reason, hint[0] if hint else None))

    def visit(folder: Path, prefix: str) -> None:
        for child in sorted(folder.iterdir()):
            if child.name.startswith("."):
                continue
            rel = prefix + child.name + ("/" if child.is_dir() else "")
            if rel in CONTRACT_FOLDERS:
                patterns = next(s.patterns for s in JSON_SOURCES if s.folder + "/" == rel)
                read_here(child, rel, patterns)
            elif rel in contract_dirs:
                visit(child, rel)
            elif child.is_dir():
                unread(
                    child, rel, "a folder the raw-directory contract does not have", contract_dirs
                )
            elif rel not in CONTRACT_FILES:
                unread(
                    child, rel, "a file the raw-directory contract does not have", CONTRACT_FILES
                )

    def read_here(folder: Path, prefix: str, patterns: tuple[str, ...]) -> None:
        read = "/".join(patterns)
        for child in sorted(folder.iterdir()):
            if child.name.startswith("."):
                continue
            if child.is_dir():
                reason = f"a folder inside {prefix}, which reads only its own {read} files"
                unread(child, prefix + child.name + "/", reason, ())
            elif not any(child.match(p) for p in patterns):
                unread(child, prefix + child.name, f"not a {read} file, which {prefix} reads", ())

    visit(raw_dir, "")
    return found


def _visible_files(folder: Path) -> list[Path]:
    return sorted(
        p
        for p in folder.rglob("*")
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(folder).parts)
    )


def _note_unknown_paths(raw_dir: Path, result: LandingResult) -> None:
    """Name what the contract does not read (warning) and list it in `landing.unread_files`,
    so a misplaced or misspelt export is accounted, not silently ignored."""
    found = unread_paths(raw_dir)
    result.unread = found
    result.problems.extend(p.message(raw_dir) for p in found)


# --- vendor shapes beyond "one document" and "one record per line" -------------------------
# Compressed files, JSON-array files of line records (the Copilot docs' example) and Claude
# Code telemetry as the OpenTelemetry Collector's file exporter writes it (OTLP/JSON), or as log
# stores export it (flat objects with dotted keys). docs/decisions.md says why each is read so.


@contextmanager
def _decompressed(files: list[Path]):
    """`files` with each `.gz` file replaced by a decompressed copy in a temporary folder
    (streamed: memory stays bounded): yields (readable files, {copy: original},
    [(original, problem)] for gzip files that do not decompress)."""
    compressed = [f for f in files if f.name.endswith(".gz")]
    if not compressed:
        yield files, {}, []
        return
    with tempfile.TemporaryDirectory(prefix="mileage-gunzip-") as tmp:
        readable, originals, unreadable = [], {}, []
        for index, path in enumerate(files):
            if not path.name.endswith(".gz"):
                readable.append(path)
                continue
            copy = Path(tmp) / str(index) / path.name[: -len(".gz")]
            copy.parent.mkdir()
            try:
                with gzip.open(path, "rb") as src, copy.open("wb") as dst:
                    shutil.copyfileobj(src, dst, 16 * 1024 * 1024)
            except (OSError, EOFError, zlib.error) as exc:
                unreadable.append((path, f"not a readable gzip file: {_first_line(exc)}"))
                continue
            readable.append(copy)
            originals[str(copy)] = path
        yield readable, originals, unreadable


def _land_unreadable(con, source: JsonSource, unreadable: list[tuple[Path, str]]) -> None:
    for path, problem in unreadable:
        con.execute(
            f"insert into {SCHEMA}.file_manifest values (?, ?, ?, 1, 0, 1, 'rejected', ?, null)",
            [source.name, str(path), path.stat().st_size, problem],
        )
        con.execute(
            f"insert into {SCHEMA}.rejects values (?, ?, null, ?, null)",
            [source.name, str(path), problem],
        )


def _restore_names(con, source: JsonSource, originals: dict[str, Path]) -> None:
    """Name each decompressed copy's rows after the compressed file the company dropped."""
    if not originals:
        return
    tables = [source.name, *(t for t, _ in source.extra_tables)]
    if source.shape == "telemetry":
        tables.append(TELEMETRY_METRICS)
    for copy, original in originals.items():
        for table in tables:
            con.execute(
                f"update {SCHEMA}.{table} set _source_file = ? where _source_file = ?",
                [str(original), copy],
            )
        con.execute(
            f"update {SCHEMA}.rejects set source_file = ? where source_file = ?",
            [str(original), copy],
        )
        con.execute(
            f"update {SCHEMA}.file_manifest set source_file = ?, bytes = ? where source_file = ?",
            [str(original), original.stat().st_size, copy],
        )


def _document_items_sql(files: list[Path]) -> str:
    """The records of `.json` files as JSON text, one row each: the elements of a top-level
    array (`[i]`), a lone object (`document`); a file that is not one JSON value is read as
    lines (`line N`: NDJSON saved as `.json`)."""
    return f"""
        with docs as (
            select filename, content, json_valid(content) as valid
            from read_text({_file_list(files)})
        )
        select filename as _source_file, '[' || (i - 1) || ']' as item_path, item::varchar as item
        from (
            select filename, unnest(json_extract(content, '$[*]')) as item,
                   generate_subscripts(json_extract(content, '$[*]'), 1) as i
            from docs where valid and json_type(content::json) = 'ARRAY'
        )
        union all
        select filename, 'document', content
        from docs where valid and json_type(content::json) <> 'ARRAY'
        union all
        select _source_file, 'line ' || line_number, line
        from ({_lines_sql(files)}) l
        where _source_file in (select filename from docs where not valid)"""


def _land_line_documents(con, source: JsonSource, files: list[Path], structure: str) -> None:
    """Land `.json` files of a line-per-record source: each element of the file's array is one
    record (`[i]`); a record that does not fit the format is rejected with its position."""
    if not files:
        return
    parse = f"try(from_json(item, {_sql_str(structure)}))"
    con.execute(f"create or replace temp table _items as {_document_items_sql(files)}")
    con.execute(
        f"""create or replace temp view parsed as
            select _source_file, item_path as _record_path, p
            from (select _source_file, item_path,
                         case when json_type(try(item::json)) = 'OBJECT' then {parse} end as p
                  from _items)
            where p is not null"""
    )
    con.execute(f"insert into {SCHEMA}.{source.name} {source.select}")
    con.execute("drop view parsed")
    con.execute(
        f"""
        insert into {SCHEMA}.rejects
        select {_sql_str(source.name)}, _source_file, item_path,
               case when json_type(try(item::json)) = 'OBJECT'
                    then 'a JSON object that does not fit the format'
                    else 'not a JSON object where the format has one record' end,
               left(item, {MAX_REJECT_TEXT})
        from _items
        where json_type(try(item::json)) is distinct from 'OBJECT' or {parse} is null
        """
    )
    _manifest_from_items(con, source.name, files, "_items")
    con.execute("drop table _items")


def _manifest_from_items(con, source_name: str, files: list[Path], items: str) -> None:
    """One file_manifest row per file: its records are its items; rejected = its rejects."""
    con.execute(
        f"""
        insert into {SCHEMA}.file_manifest
        select {_sql_str(source_name)}, f.filename, f.size,
               coalesce(i.records, 0), coalesce(i.records, 0) - coalesce(r.rejected, 0),
               coalesce(r.rejected, 0),
               case when coalesce(r.rejected, 0) = 0 then 'loaded'
                    when r.rejected = i.records then 'rejected' else 'loaded with rejects' end,
               case when r.rejected > 0 then r.rejected || ' record(s) that do not fit the format' end,
               null
        from read_blob({_file_list(files)}) f
        left join (select _source_file, count(*) as records from {items} group by 1) i
            on i._source_file = f.filename
        left join (select source_file, count(*) as rejected from {SCHEMA}.rejects
                   where source = {_sql_str(source_name)} group by 1) r
            on r.source_file = f.filename
        """
    )


_OTLP_ATTRIBUTES = [
    {
        "key": "VARCHAR",
        "value": {
            "stringValue": "VARCHAR",
            "intValue": "VARCHAR",  # int64 is a JSON string in OTLP/JSON
            "doubleValue": "DOUBLE",
            "boolValue": "BOOLEAN",
        },
    }
]
_OTLP_LOGS = {
    "resourceLogs": [
        {
            "resource": {"attributes": _OTLP_ATTRIBUTES},
            "scopeLogs": [
                {
                    "logRecords": [
                        {
                            "timeUnixNano": "VARCHAR",
                            "observedTimeUnixNano": "VARCHAR",
                            "body": {"stringValue": "VARCHAR"},
                            "attributes": _OTLP_ATTRIBUTES,
                        }
                    ]
                }
            ],
        }
    ]
}
_OTLP_POINTS = [
    {
        "attributes": _OTLP_ATTRIBUTES,
        "startTimeUnixNano": "VARCHAR",
        "timeUnixNano": "VARCHAR",
        "asDouble": "DOUBLE",
        "asInt": "VARCHAR",
    }
]
_OTLP_METRICS = {
    "resourceMetrics": [
        {
            "resource": {"attributes": _OTLP_ATTRIBUTES},
            "scopeMetrics": [
                {
                    "metrics": [
                        {
                            "name": "VARCHAR",
                            "unit": "VARCHAR",
                            "sum": {
                                # an enum: 1/2 or "AGGREGATION_TEMPORALITY_DELTA/CUMULATIVE"
                                "aggregationTemporality": "VARCHAR",
                                "isMonotonic": "BOOLEAN",
                                "dataPoints": _OTLP_POINTS,
                            },
                            "gauge": {"dataPoints": _OTLP_POINTS},
                        }
                    ]
                }
            ],
        }
    ]
}


def _otlp_ctes(
    kind: str, parse: str, name: str, signal: str, items: str, alias: str, index: str
) -> str:
    """The CTEs that unnest OTLP/JSON `_items` of `kind` down to one row per item: `otlp`
    (parsed by `parse`), `resources` (`resource<signal>`), `scopes` (`scope<signal>`, with the
    resource's attributes as `ra`) and `name` (each scope's `items` as `alias`, numbered by
    `index`). Logs and metrics nest the same way under their own key names."""
    return f"""otlp as (
            select _source_file, item_path, {parse} as p from _items where kind = '{kind}'
        ),
        resources as (
            select _source_file, item_path, unnest(p.resource{signal}) as r,
                   generate_subscripts(p.resource{signal}, 1) as ri
            from otlp
        ),
        scopes as (
            select _source_file, item_path, ri, r.resource.attributes as ra,
                   unnest(r.scope{signal}) as s, generate_subscripts(r.scope{signal}, 1) as si
            from resources
        ),
        {name} as (
            select _source_file, item_path, ri, si, ra, unnest(s.{items}) as {alias},
                   generate_subscripts(s.{items}, 1) as {index}
            from scopes
        )"""


def _kv(attributes: str) -> str:
    """OTLP attributes as [{k, v}] with every value as text (typed once, below)."""
    return (
        f"coalesce(list_transform({attributes}, lambda a: {{'k': a.key, 'v': coalesce("
        "a.value.stringValue, a.value.intValue, cast(a.value.doubleValue as varchar), "
        "cast(a.value.boolValue as varchar))}), [])"
    )


def _attr(name: str) -> str:
    """The value of attribute `name` in `kv` (the last wins: a record's own attributes come
    after its resource's)."""
    return f"list_filter(kv, lambda a: a.k = {_sql_str(name)})[-1].v"


def _iso_from_nanos(nanos: str) -> str:
    """OTLP's unix-nanosecond text as an RFC 3339 UTC string (0 means unknown)."""
    micros = f"try_cast({nanos} as hugeint) // 1000"
    return (
        f"case when {micros} > 0 then "
        f"strftime(make_timestamp(cast({micros} as bigint)), '%Y-%m-%dT%H:%M:%S.%fZ') end"
    )


def _create_metrics_table(con) -> None:
    con.execute(
        f"""
        create or replace table {SCHEMA}.{TELEMETRY_METRICS} (
            _source_file varchar, _record_path varchar, metric_name varchar, unit varchar,
            aggregation_temporality varchar, start_time varchar, time varchar, value double,
            metric_type varchar, model varchar, session_id varchar, organization_id varchar,
            user_account_uuid varchar, user_email varchar, user_install_id varchar,
            terminal_type varchar
        )"""
    )


def _land_flat_telemetry_files(con, source: JsonSource, files: list[Path]) -> list[Path]:
    """Land the line files whose every line is a flat `claude_code.*` event with DuckDB's NDJSON
    reader (as `_land_lines` does: several times faster than parsing each line as text, which
    matters at tens of millions of events); returns the files left for `_land_telemetry`'s
    general path (OTLP/JSON, dotted keys, bad lines). The reader ignores keys the flat format
    lacks, so a batch counts as flat only if every row it landed has a Claude Code event name
    and a timestamp."""
    if not files:
        return []
    columns = _reader_columns(con, source.structure)

    def land_batch(cursor, batch: list[Path]) -> list[tuple[str, int, int]] | list[Path]:
        counts = _land_clean_line_files(cursor, source, batch, columns)
        if counts is None:
            return [batch]
        names = [str(f) for f in batch]
        not_flat = cursor.execute(
            f"""select count(*) from {SCHEMA}.{source.name}
                where _source_file in (select unnest(?::varchar[]))
                  and (timestamp is null or event_name is null
                       or event_name not like 'claude_code.%')""",
            [names],
        ).fetchone()[0]
        if not_flat:
            cursor.execute(
                f"delete from {SCHEMA}.{source.name} "
                "where _source_file in (select unnest(?::varchar[]))",
                [names],
            )
            return [batch]
        cursor.execute(
            f"""insert into {SCHEMA}.file_manifest
                select {_sql_str(source.name)}, f.filename, f.size, c.lines, c.lines, 0,
                       'loaded', null, null
                from read_blob(?::varchar[]) f
                join (select unnest(?::varchar[]) as filename,
                             unnest(?::bigint[]) as lines) c on c.filename = f.filename""",
            [names, [n for n, _, _ in counts], [lines for _, lines, _ in counts]],
        )
        return []

    outcomes = _land_batches(con, source, land_batch, files)
    return [path for outcome in outcomes for batch in outcome for path in batch]


def _land_telemetry(con, source: JsonSource, files: list[Path], result: LandingResult) -> None:
    """Land Claude Code telemetry in any of its on-disk shapes, counting events and data points
    (not lines): per line (or per element of a `.json` array) an OTLP LogsData or MetricsData
    object, a flat event `{name, timestamp, attributes}`, or a flat event with dotted keys."""
    line_files = _land_flat_telemetry_files(
        con, source, [f for f in files if not f.name.endswith(".json")]
    )
    doc_files = [f for f in files if f.name.endswith(".json")]
    # a file that is not UTF-8 is rejected whole, naming its first bad byte (_land_utf8)
    _land_utf8(
        con,
        source,
        lambda cursor, rest: _land_telemetry_items(cursor, source, rest),
        [*line_files, *doc_files],
    )
    _summarise(con, source, result)
    points = con.execute(f"select count(*) from {SCHEMA}.{TELEMETRY_METRICS}").fetchone()[0]
    result.files_by_source[TELEMETRY_METRICS] = len(files)
    result.records_by_source[TELEMETRY_METRICS] = int(points)
    result.rejected_by_source[TELEMETRY_METRICS] = 0


def _land_telemetry_items(con, source: JsonSource, files: list[Path]) -> list:
    """_land_telemetry's general path: every item of `files` parsed from its text."""
    line_files = [f for f in files if not f.name.endswith(".json")]
    doc_files = [f for f in files if f.name.endswith(".json")]
    parts = []
    if line_files:
        parts.append(
            "select _source_file, 'line ' || line_number as item_path, line as item "
            f"from ({_lines_sql(line_files)})"
        )
    if doc_files:
        parts.append(f"select * from ({_document_items_sql(doc_files)})")
    if not parts:  # every file was flat events, landed by the reader
        return []
    con.execute(
        f"""
        create or replace temp table _items as
        select _source_file, item_path, item, j,
               case when json_type(j) is distinct from 'OBJECT' then null
                    when json_extract(j, '$.resourceLogs') is not null then 'logs'
                    when json_extract(j, '$.resourceMetrics') is not null then 'metrics'
                    when json_type(json_extract(j, '$.attributes')) = 'OBJECT' and json_extract_string(j, '$.name') is not null
                        then 'flat'
                    when json_extract_string(j, '$."event.name"') is not null
                      or json_extract_string(j, '$."event.timestamp"') is not null then 'dotted'
               end as kind
        from (select *, try(item::json) as j from ({" union all ".join(parts)}))
        """
    )
    logs = f"try(from_json(j, {_sql_str(json.dumps(_OTLP_LOGS))}))"
    metrics = f"try(from_json(j, {_sql_str(json.dumps(_OTLP_METRICS))}))"
    flat_kv = (
        "list_transform(map_entries(cast({obj} as map(varchar, json))), "
        "lambda e: {{'k': e.key, 'v': json_extract_string(e.value, '$')}})"
    )
    con.execute(
        f"""
        create or replace temp table _events as
        with {_otlp_ctes("logs", logs, "records", "Logs", "logRecords", "l", "li")}
        select _source_file,
               item_path || ' resourceLogs[' || (ri - 1) || '].scopeLogs[' || (si - 1)
                   || '].logRecords[' || (li - 1) || ']' as _record_path,
               l.body.stringValue as name,
               coalesce({_iso_from_nanos("l.timeUnixNano")},
                        {_iso_from_nanos("l.observedTimeUnixNano")}) as time,
               list_concat({_kv("ra")}, {_kv("l.attributes")}) as kv
        from records
        union all
        select _source_file, item_path, json_extract_string(j, '$.name'), json_extract_string(j, '$.timestamp'),
               {flat_kv.format(obj="json_extract(j, '$.attributes')")}
        from _items where kind = 'flat'
        union all
        select _source_file, item_path, null,
               coalesce(json_extract_string(j, '$.timestamp'), json_extract_string(j, '$."@timestamp"')), {flat_kv.format(obj="j")}
        from _items where kind = 'dotted'
        """
    )
    # A Claude Code event is named `claude_code.<event>` in the log body and `<event>` in its
    # event.name attribute: both spellings land as the first.
    name = f"coalesce(name, {_attr('event.name')})"
    tokens = ("input_tokens", "output_tokens", "cache_read_tokens", "cache_creation_tokens")
    con.execute(
        f"""
        insert into {SCHEMA}.{source.name} by name
        select _source_file, _record_path,
               case when {name} like 'claude_code.%' then {name}
                    else 'claude_code.' || {name} end as event_name,
               coalesce({_attr("event.timestamp")}, time) as timestamp,
               {_attr("session.id")} as session_id,
               {_attr("organization.id")} as organization_id,
               {_attr("user.account_uuid")} as user_account_uuid,
               {_attr("user.email")} as user_email,
               {_attr("user.id")} as user_install_id,
               {_attr("terminal.type")} as terminal_type,
               {_attr("model")} as model,
               try_cast({_attr("cost_usd")} as double) as cost_usd,
               try_cast({_attr("duration_ms")} as bigint) as duration_ms,
               {", ".join(f"try_cast({_attr(t)} as {TOKEN_COUNT}) as {t}" for t in tokens)},
               {_attr("request_id")} as request_id
        from _events
        """
    )
    con.execute(
        f"""
        insert into {SCHEMA}.{TELEMETRY_METRICS} by name
        with {_otlp_ctes("metrics", metrics, "metrics", "Metrics", "metrics", "m", "mi")},
        points as (
            select _source_file, item_path, ri, si, mi, ra, m.name, m.unit,
                   m.sum.aggregationTemporality as temporality,
                   case when m.sum.dataPoints is not null then 'sum' else 'gauge' end as kind,
                   unnest(coalesce(m.sum.dataPoints, m.gauge.dataPoints)) as d,
                   generate_subscripts(coalesce(m.sum.dataPoints, m.gauge.dataPoints), 1) as di
            from metrics
        ),
        typed as (
            select *, list_concat({_kv("ra")}, {_kv("d.attributes")}) as kv from points
        )
        select _source_file,
               item_path || ' resourceMetrics[' || (ri - 1) || '].scopeMetrics[' || (si - 1)
                   || '].metrics[' || (mi - 1) || '].' || kind || '.dataPoints[' || (di - 1)
                   || ']' as _record_path,
               name as metric_name, unit, temporality as aggregation_temporality,
               {_iso_from_nanos("d.startTimeUnixNano")} as start_time,
               {_iso_from_nanos("d.timeUnixNano")} as time,
               coalesce(d.asDouble, try_cast(d.asInt as double)) as value,
               {_attr("type")} as metric_type, {_attr("model")} as model,
               {_attr("session.id")} as session_id,
               {_attr("organization.id")} as organization_id,
               {_attr("user.account_uuid")} as user_account_uuid,
               {_attr("user.email")} as user_email, {_attr("user.id")} as user_install_id,
               {_attr("terminal.type")} as terminal_type
        from typed
        """
    )
    # What is neither shape (or an OTLP object that does not parse) is one reject per item.
    con.execute(
        f"""
        insert into {SCHEMA}.rejects
        select {_sql_str(source.name)}, _source_file, item_path,
               case when j is null then 'bad JSON line: not valid JSON'
                    when kind is null then 'bad JSON line: neither OTLP/JSON (resourceLogs, '
                        || 'resourceMetrics) nor a flat event (name, timestamp, attributes; '
                        || 'or event.name, event.timestamp)'
                    else 'bad JSON line: OTLP/JSON whose structure does not parse' end,
               left(item, {MAX_REJECT_TEXT})
        from _items
        where kind is null or (kind = 'logs' and {logs} is null)
           or (kind = 'metrics' and {metrics} is null)
        """
    )
    con.execute(
        f"""
        insert into {SCHEMA}.file_manifest
        select {_sql_str(source.name)}, f.filename, f.size,
               coalesce(e.events, 0) + coalesce(r.rejected, 0), coalesce(e.events, 0),
               coalesce(r.rejected, 0),
               case when coalesce(r.rejected, 0) = 0 then 'loaded'
                    when coalesce(e.events, 0) + coalesce(m.points, 0) = 0 then 'rejected'
                    else 'loaded with rejects' end,
               case when r.rejected > 0 then r.rejected || ' bad JSON line(s)' end,
               null
        from read_blob({_file_list(files)}) f
        left join (select _source_file, count(*) as events from _events group by 1) e
            on e._source_file = f.filename
        left join (select _source_file, count(*) as points
                   from {SCHEMA}.{TELEMETRY_METRICS} group by 1) m
            on m._source_file = f.filename
        left join (select source_file, count(*) as rejected from {SCHEMA}.rejects
                   where source = {_sql_str(source.name)} group by 1) r
            on r.source_file = f.filename
        """
    )
    # Data points are accounted as records of their own source, per file that holds any.
    con.execute(
        f"""
        insert into {SCHEMA}.file_manifest
        select {_sql_str(TELEMETRY_METRICS)}, f.filename, f.size, m.points, m.points, 0,
               'loaded', null, null
        from read_blob({_file_list(files)}) f
        join (select _source_file, count(*) as points
              from {SCHEMA}.{TELEMETRY_METRICS} group by 1) m on m._source_file = f.filename
        """
    )
    con.execute("drop table _events")
    con.execute("drop table _items")
    return []
