"""Fixtures of the simulator tests: one small organisation per session, and DuckDB views that
read its raw files directly (independently of landing and dbt)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from mileage.simulate import SimulationOptions, SimulationSummary, simulate

# The organisation of the e2e tests; MILEAGE_SIM_TEST_SEED re-runs these tests on another seed.
SMALL = {"employees": 60, "days": 31, "seed": int(os.environ.get("MILEAGE_SIM_TEST_SEED", "7"))}


@dataclass
class SimRun:
    raw: Path
    gt: Path
    summary: SimulationSummary
    options: SimulationOptions


def run_sim(root: Path, **kwargs) -> SimRun:
    options = SimulationOptions(**{**SMALL, **kwargs})
    summary = simulate(root / "raw", options)
    return SimRun(root / "raw", root / "ground_truth", summary, options)


@pytest.fixture(scope="session")
def small_sim(tmp_path_factory) -> SimRun:
    return run_sim(tmp_path_factory.mktemp("sim-small"))


def raw_views(con: duckdb.DuckDBPyConnection, raw: Path, gt: Path | None = None) -> None:
    """Flat views over the raw exports, written from the vendors' documented formats."""
    big = "maximum_object_size = 64000000"
    if gt is not None:
        con.execute(
            f"create or replace view people as select * from "
            f"read_csv('{gt}/people.csv', all_varchar = true)"
        )
        con.execute(
            f"create or replace view truth_keys as select * from "
            f"read_csv('{gt}/api_keys.csv', all_varchar = true)"
        )
    con.execute(
        f"create or replace view roster as select * from "
        f"read_csv('{raw}/hr/roster.csv', all_varchar = true)"
    )
    con.execute(
        f"create or replace view keys as select * from "
        f"read_csv('{raw}/hr/api_keys.csv', all_varchar = true)"
    )
    con.execute(f"""
        create or replace view msg as
        with pages as (
            select unnest(data) as b
            from read_json('{raw}/anthropic/usage_report_messages/*.json', {big})),
        r as (select b.starting_at as starting_at, b.ending_at as ending_at,
                     unnest(b.results) as x from pages)
        select starting_at::timestamptz as ts, ending_at::timestamptz as ts_end,
               x.api_key_id as key, x.model as model,
               x.uncached_input_tokens as uncached,
               x.cache_creation.ephemeral_5m_input_tokens
                 + x.cache_creation.ephemeral_1h_input_tokens as cache_write,
               x.cache_read_input_tokens as cache_read, x.output_tokens as output,
               uncached + cache_write + cache_read + output as tokens
        from r""")
    con.execute(f"""
        create or replace view cc as
        with d as (select unnest(data) as r
                   from read_json('{raw}/anthropic/claude_code/*.json', {big})),
        m as (select r, unnest(r.model_breakdown) as mb from d)
        select r.date::timestamptz as day, r.actor.type as actor_type,
               r.actor.email_address as email, r.actor.api_key_name as key_name,
               r.customer_type as customer_type, r.terminal_type as terminal,
               r.core_metrics.num_sessions as sessions, mb.model as model,
               mb.tokens.input as input, mb.tokens.output as output,
               mb.tokens.cache_read as cache_read, mb.tokens.cache_creation as cache_creation,
               mb.tokens.input + mb.tokens.output + mb.tokens.cache_read
                 + mb.tokens.cache_creation as tokens,
               mb.estimated_cost.amount as cost_cents
        from m""")
    con.execute(f"""
        create or replace view tel as
        select timestamp::timestamptz as ts, attributes."user.email" as email,
               attributes."user.id" as install, attributes."session.id" as session,
               attributes.request_id as request_id, attributes.model as model,
               attributes.input_tokens + attributes.output_tokens + attributes.cache_read_tokens
                 + attributes.cache_creation_tokens as tokens
        from read_json('{raw}/telemetry/claude_code/*.jsonl', format = 'newline_delimited')""")
    con.execute(f"""
        create or replace view oai as
        with pages as (select unnest(data) as b
                       from read_json('{raw}/openai/usage_completions/*.json', {big})),
        r as (select b.start_time as start_time, b.end_time as end_time,
                     unnest(b.results) as x from pages)
        select start_time, end_time, x.user_id as user_id, x.api_key_id as key,
               x.model as model, x.input_tokens as input, x.input_cached_tokens as cached,
               x.output_tokens as output, x.batch as batch
        from r""")
    con.execute(f"""
        create or replace view cur as
        with d as (select unnest(usageEvents) as e
                   from read_json('{raw}/cursor/usage_events/*.json', {big}))
        select e."timestamp" as ts_ms, lower(e.userEmail) as email, e.model as model,
               e.tokenUsage.inputTokens as input, e.tokenUsage.cacheReadTokens as cache_read,
               e.tokenUsage.cacheWriteTokens as cache_write,
               e.tokenUsage.outputTokens as output, e.tokenUsage.totalCents as cents
        from d""")
    con.execute(f"""
        create or replace view pr as
        select * from read_json('{raw}/github/pull_requests/*.json', format = 'array',
                                union_by_name = true, {big})""")
    con.execute(f"""
        create or replace view jira as
        with d as (select unnest(issues) as i
                   from read_json('{raw}/jira/issues/*.json', {big}))
        select i.id as id, i.key as key, i.fields.issuetype.name as issue_type,
               i.fields.labels as labels, i.fields.assignee.emailAddress as assignee,
               i.fields.created as created
        from d""")


@pytest.fixture(scope="session")
def duck(small_sim):
    con = duckdb.connect()
    con.execute("set timezone = 'UTC'")
    raw_views(con, small_sim.raw, small_sim.gt)
    yield con
    con.close()
