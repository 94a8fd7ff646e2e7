"""Write the vendors' files from numpy columns, through DuckDB's JSON writer.

Each source buffers a few days of rows (`PageBuffer`) and, at a month boundary or when the
buffer holds a page's worth, writes one "pull" of the API: its rows split into pages of at
most `cap` records, each page one file. DuckDB renders the records (`COPY ... (FORMAT json)`
to a scratch NDJSON file); the page envelope is then wrapped around the lines. Rows are
ordered explicitly, so the bytes are the same for the same seed.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

from mileage.simulate import catalog as C
from mileage.simulate.org import NEVER, Org, base62
from mileage.simulate.rng import hash64

RFC3339 = "%Y-%m-%dT%H:%M:%SZ"

# Folder, file prefix, extension and largest records per file (keeps files well under 40 MB).
SOURCES = {
    "anthropic_messages": ("anthropic/usage_report_messages", "messages", "json", 100_000),
    "anthropic_claude_code": ("anthropic/claude_code", "claude_code", "json", 30_000),
    "openai_completions": ("openai/usage_completions", "completions", "json", 80_000),
    "cursor_usage_events": ("cursor/usage_events", "usage_events", "json", 100_000),
    "copilot_users": ("copilot/users", "copilot_users_1_day", "ndjson", 50_000),
    "telemetry_claude_code": ("telemetry/claude_code", "otel_api_request", "jsonl", 50_000),
    "github_pull_requests": ("github/pull_requests", "pulls", "json", 30_000),
    "github_pull_requests_list": ("github/pull_requests", "pulls-list-export", "json", 30_000),
    "jira_issues": ("jira/issues", "search", "json", 1_000),
}


@dataclass
class PageMeta:
    source: str
    seq: int  # pull number within the source
    page: int  # 0-based page within the pull
    pages: int
    pull_records: int
    cap: int
    first_day: int
    last_day: int

    @property
    def last(self) -> bool:
        return self.page == self.pages - 1


def _sql_list(values) -> str:
    return "[" + ", ".join("'" + str(v).replace("'", "''") + "'" for v in values) + "]"


def _ts(expr_seconds: str, fmt: str = RFC3339) -> str:
    return f"strftime(make_timestamp(({expr_seconds})::BIGINT * 1000000), '{fmt}')"


def _jira_ts(sec: str, off: str) -> str:
    return (
        f"(strftime(make_timestamp(({sec} + {off} * 60)::BIGINT * 1000000), "
        f"'%Y-%m-%dT%H:%M:%S') || '.' || lpad(({sec} * 7 % 1000)::VARCHAR, 3, '0') "
        f"|| CASE WHEN {off} < 0 THEN '-' ELSE '+' END "
        f"|| lpad((abs({off}) // 60)::VARCHAR, 2, '0') "
        f"|| lpad((abs({off}) % 60)::VARCHAR, 2, '0'))"
    )


class RawWriter:
    """Owns the DuckDB connection, the scratch folder and the bookkeeping of written files."""

    def __init__(self, org: Org, out_dir: Path, scratch: Path, start_epoch: int):
        self.org = org
        self.out = out_dir
        self.scratch = scratch
        self.E = start_epoch
        self.hourly = org.options.bucket == "1h"
        self.paths: list[Path] = []
        self.bytes = 0
        self.records: dict[str, int] = {}
        self.con = duckdb.connect(config={"preserve_insertion_order": True})
        seed = org.options.seed
        self.org_uuid = self._uuid(hash64(seed, 31, 1), hash64(seed, 31, 2))
        self.org_id = "org_" + base62(hash64(seed, 31, np.array([3])), 10)[0]
        self._register_dimensions()

    @staticmethod
    def _uuid(a, b) -> str:
        h = f"{int(a):016x}{int(b):016x}"
        return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-8{h[17:20]}-{h[20:32]}"

    def _register_dimensions(self) -> None:
        """String dimensions, referenced from page columns as dictionary arrays (no joins)."""
        org, s = self.org, self.org.s
        email_cap = [
            ".".join(part.capitalize() for part in e.split("@")[0].split("."))
            + "@"
            + e.split("@")[1]
            for e in s["email"]
        ]
        ak, ok = org.anthropic_keys, org.openai_keys
        self.dims = {
            "email": pa.array(s["email"] + email_cap),  # index + P = as Cursor capitalises it
            "login": pa.array([x or None for x in s["github_login"]]),
            "jira_id": pa.array(s["jira_id"]),
            "openai_uid": pa.array([x or None for x in s["openai_uid"]]),
            "install_id": pa.array(s["install_id"]),
            "account_uuid": pa.array(s["account_uuid"]),
            "akey_id": pa.array(ak.key_id, pa.string()),
            "akey_name": pa.array(ak.name, pa.string()),
            "okey_id": pa.array(ok.key_id, pa.string()),
            "amodel": pa.array([m for m, _ in C.ANTHROPIC_MODELS]),
            "ccmodel": pa.array([C.ANTHROPIC_MODELS[i][0] for i in C.CLAUDE_CODE_MODELS]),
            "omodel": pa.array([m for m, _ in C.OPENAI_MODELS]),
            "cmodel": pa.array([m for m, _ in C.CURSOR_MODELS]),
            "terminal": pa.array(C.TERMINALS),
            "ide": pa.array(C.COPILOT_IDES),
            "repo": pa.array(org.repo_name),
            "team_name": pa.array(org.ts["team_name"]),
            "project": pa.array(org.org_project),
        }

    def _d(self, idx, dim: str) -> pa.DictionaryArray:
        """Strings of `dim` at `idx` (-1 = null) as a dictionary array DuckDB reads directly."""
        idx = np.asarray(idx)
        indices = pa.array(np.maximum(idx, 0).astype(np.int32), mask=idx < 0)
        return pa.DictionaryArray.from_arrays(indices, self.dims[dim])

    def _with(self, table: pa.Table, **columns) -> pa.Table:
        for name, values in columns.items():
            table = table.append_column(name, values)
        return table

    def _col(self, table: pa.Table, name: str) -> np.ndarray:
        return table.column(name).to_numpy()

    # --- plumbing ------------------------------------------------------------------------------
    def _path(self, meta: PageMeta) -> Path:
        folder, prefix, ext, _ = SOURCES[meta.source]
        d0 = self.org.date_of(meta.first_day).strftime("%Y%m%d")
        d1 = self.org.date_of(meta.last_day).strftime("%Y%m%d")
        path = self.out / folder / f"{prefix}_{d0}_{d1}_{meta.seq:04d}_p{meta.page + 1:02d}.{ext}"
        path.parent.mkdir(parents=True, exist_ok=True)
        return path

    def _lines(self, sql: str) -> bytes:
        tmp = self.scratch / "page.ndjson"
        self.con.execute(f"COPY ({sql}) TO '{tmp}' (FORMAT json)")
        data = tmp.read_bytes()
        tmp.unlink()
        return data

    def _done(self, path: Path, source: str, records: int) -> None:
        self.paths.append(path)
        self.bytes += path.stat().st_size
        self.records[source] = self.records.get(source, 0) + records

    def _envelope(self, path: Path, head: bytes, body: bytes, tail: bytes) -> None:
        """One JSON document: the NDJSON records become the envelope's array."""
        with path.open("wb") as fh:
            fh.write(head)
            fh.write(body.rstrip(b"\n").replace(b"\n", b","))
            fh.write(tail)

    def _next_page(self, meta: PageMeta) -> bytes:
        if meta.last:
            return b'false,"next_page":null'
        token = base62(
            hash64(
                self.org.options.seed, 41, np.array([meta.seq * 1000 + meta.page]), len(meta.source)
            ),
            10,
        )[0]
        return b'true,"next_page":"page_' + token.encode() + b'"'

    def _page_table(self, table: pa.Table) -> None:
        self.con.register("pg", table)

    # --- Anthropic ---------------------------------------------------------------------------
    def anthropic_messages(self, table: pa.Table, meta: PageMeta) -> None:
        table = self._with(
            table,
            key_id=self._d(self._col(table, "key"), "akey_id"),
            model_name=self._d(self._col(table, "model"), "amodel"),
        )
        self._page_table(table)
        width = 3600 if self.hourly else 86400
        sql = f"""
        SELECT {_ts("ts")} AS starting_at, {_ts(f"ts + {width}")} AS ending_at,
               list({{'api_key_id': pg.key_id, 'workspace_id': NULL::VARCHAR,
                     'model': pg.model_name,
                     'service_tier': 'standard', 'context_window': '0-200k',
                     'uncached_input_tokens': pg.uncached,
                     'cache_creation': {{'ephemeral_5m_input_tokens': pg.cw5m,
                                         'ephemeral_1h_input_tokens': pg.cw1h}},
                     'cache_read_input_tokens': pg."read", 'output_tokens': pg."out",
                     'server_tool_use': {{'web_search_requests': pg.web}}}} ORDER BY pg.rn)
                   AS results
        FROM (SELECT *, {self.E} + day * 86400 + hour * 3600 AS ts FROM pg) pg
        GROUP BY ts ORDER BY ts"""
        path = self._path(meta)
        self._envelope(
            path, b'{"data":[', self._lines(sql), b'],"has_more":' + self._next_page(meta) + b"}"
        )
        self._done(path, meta.source, table.num_rows)

    def anthropic_claude_code(self, table: pa.Table, meta: PageMeta) -> None:
        api = self._col(table, "customer_type") == 2
        actor = self._col(table, "actor")
        table = self._with(
            table,
            email=self._d(np.where(api, -1, actor), "email"),
            key_name=self._d(np.where(api, self._col(table, "key"), -1), "akey_name"),
            terminal_name=self._d(self._col(table, "terminal"), "terminal"),
        )
        self._page_table(table)
        models = [C.ANTHROPIC_MODELS[i][0] for i in C.CLAUDE_CODE_MODELS]
        breakdown = ", ".join(
            f"""{{'model': '{name}', 'tokens': {{'input': t{m}_0, 'output': t{m}_1,
                 'cache_read': t{m}_2, 'cache_creation': t{m}_3}},
                 'estimated_cost': {{'currency': 'USD', 'amount': c{m}}}}}"""
            for m, name in enumerate(models)
        )

        def tool(name):
            return f"{{'accepted': {name}_accepted, 'rejected': {name}_rejected}}"

        sql = f"""
        SELECT {_ts(f"{self.E} + day * 86400")} AS date,
               CASE WHEN customer_type = 2
                    THEN json_object('type', 'api_actor', 'api_key_name', pg.key_name)
                    ELSE json_object('type', 'user_actor', 'email_address', pg.email) END
                   AS actor,
               '{self.org_id}' AS organization_id,
               CASE WHEN customer_type = 2 THEN 'api' ELSE 'subscription' END AS customer_type,
               pg.terminal_name AS terminal_type,
               {{'num_sessions': sessions,
                 'lines_of_code': {{'added': lines_added, 'removed': lines_removed}},
                 'commits_by_claude_code': commits,
                 'pull_requests_by_claude_code': prs}} AS core_metrics,
               {{'edit_tool': {tool("edit")}, 'multi_edit_tool': {tool("multi")},
                 'write_tool': {tool("write")}, 'notebook_edit_tool': {tool("nb")}}}
                   AS tool_actions,
               list_filter([{breakdown}], lambda x: x.tokens.input + x.tokens.output
                           + x.tokens.cache_read + x.tokens.cache_creation > 0)
                   AS model_breakdown
        FROM pg"""
        path = self._path(meta)
        self._envelope(
            path, b'{"data":[', self._lines(sql), b'],"has_more":' + self._next_page(meta) + b"}"
        )
        self._done(path, meta.source, table.num_rows)

    def telemetry_claude_code(self, table: pa.Table, meta: PageMeta) -> None:
        actor, device = self._col(table, "actor"), self._col(table, "device")
        table = self._with(
            table,
            email=self._d(actor, "email"),
            account=self._d(actor, "account_uuid"),
            install=self._d(device, "install_id"),
            terminal_name=self._d(self.org.p["terminal"][device], "terminal"),
            model_name=self._d(self._col(table, "model"), "ccmodel"),
        )
        self._page_table(table)
        sess = "md5(pg.session::VARCHAR)"
        uuid = (
            f"substr({sess}, 1, 8) || '-' || substr({sess}, 9, 4) || '-4' || "
            f"substr({sess}, 14, 3) || '-a' || substr({sess}, 18, 3) || '-' || "
            f"substr({sess}, 21, 12)"
        )
        sql = f"""
        SELECT 'claude_code.api_request' AS name,
               strftime(make_timestamp(({self.E} + day * 86400) * 1000000 + ts_ms * 1000),
                        '%Y-%m-%dT%H:%M:%S.%gZ') AS timestamp,
               {{'session.id': {uuid}, 'organization.id': '{self.org_uuid}',
                 'user.account_uuid': pg.account, 'user.email': pg.email,
                 'user.id': pg.install, 'terminal.type': pg.terminal_name,
                 'model': pg.model_name, 'cost_usd': pg.cost_usd, 'duration_ms': pg.duration_ms,
                 'input_tokens': pg.input, 'output_tokens': pg.output,
                 'cache_read_tokens': pg.cache_read,
                 'cache_creation_tokens': pg.cache_creation,
                 'request_id': 'req_011C' || printf('%016x', pg.req_a)
                               || substr(printf('%016x', pg.req_b), 1, 6)}} AS attributes
        FROM pg"""
        path = self._path(meta)
        path.write_bytes(self._lines(sql))
        self._done(path, meta.source, table.num_rows)

    # --- OpenAI, Cursor, Copilot ---------------------------------------------------------------
    def openai_completions(self, table: pa.Table, meta: PageMeta) -> None:
        table = self._with(
            table,
            user_id=self._d(self._col(table, "user"), "openai_uid"),
            key_id=self._d(self._col(table, "key"), "okey_id"),
            model_name=self._d(self._col(table, "model"), "omodel"),
        )
        self._page_table(table)
        width = 3600 if self.hourly else 86400
        sql = f"""
        SELECT 'bucket' AS object, ts AS start_time, ts + {width} AS end_time,
               list({{'object': 'organization.usage.completions.result',
                     'input_tokens': pg.input, 'input_cached_tokens': pg.cached,
                     'output_tokens': pg.output, 'input_audio_tokens': 0,
                     'output_audio_tokens': 0, 'num_model_requests': pg.requests,
                     'project_id': NULL::VARCHAR, 'user_id': pg.user_id,
                     'api_key_id': pg.key_id, 'model': pg.model_name, 'batch': pg.batch = 1,
                     'service_tier': 'default'}} ORDER BY pg.rn) AS results
        FROM (SELECT *, {self.E} + day * 86400 + hour * 3600 AS ts FROM pg) pg
        GROUP BY ts ORDER BY ts"""
        path = self._path(meta)
        self._envelope(
            path,
            b'{"object":"page","data":[',
            self._lines(sql),
            b'],"has_more":' + self._next_page(meta) + b"}",
        )
        self._done(path, meta.source, table.num_rows)

    def cursor_usage_events(self, table: pa.Table, meta: PageMeta) -> None:
        person = self._col(table, "person")
        capitalised = self.org.p["cursor_upper"][person]
        table = self._with(
            table,
            email=self._d(person + capitalised * self.org.P, "email"),
            model_name=self._d(self._col(table, "model"), "cmodel"),
        )
        self._page_table(table)
        sql = f"""
        SELECT ((({self.E} + day * 86400)::BIGINT * 1000) + ts_ms)::VARCHAR AS "timestamp",
               pg.email AS "userEmail", pg.model_name AS "model",
               CASE WHEN usage_based THEN 'Usage-based' ELSE 'Included in Business' END AS "kind",
               max_mode AS "maxMode", true AS "isTokenBasedCall",
               {{'inputTokens': pg.input, 'outputTokens': pg.output,
                 'cacheWriteTokens': pg.cache_write, 'cacheReadTokens': pg.cache_read,
                 'totalCents': pg.cents}} AS "tokenUsage"
        FROM pg"""
        path = self._path(meta)
        head = (
            f'{{"totalUsageEventsCount":{meta.pull_records},"pagination":{{"numPages":'
            f'{meta.pages},"currentPage":{meta.page + 1},"pageSize":{meta.cap},'
            f'"hasNextPage":{"false" if meta.last else "true"}}},"usageEvents":['
        ).encode()
        self._envelope(path, head, self._lines(sql), b"]}")
        self._done(path, meta.source, table.num_rows)

    def copilot_users(self, table: pa.Table, meta: PageMeta) -> None:
        person = self._col(table, "person")
        table = self._with(
            table,
            login=self._d(person, "login"),
            uid=pa.array(self.org.p["github_uid"][person]),
            ide_name=self._d(self._col(table, "ide"), "ide"),
        )
        self._page_table(table)
        counts = (
            "'user_initiated_interaction_count': {0}, 'code_generation_activity_count': "
            "{1}, 'code_acceptance_activity_count': {2}, 'loc_suggested_to_add_sum': {3}, "
            "'loc_added_sum': {4}"
        )
        all_counts = counts.format(
            "interactions", "generations", "acceptances", "loc_suggested", "loc_added"
        )
        sql = f"""
        SELECT {_ts(f"{self.E} + pg.day * 86400", "%Y-%m-%d")} AS "day",
               pg.uid AS user_id, pg.login AS user_login,
               interactions AS user_initiated_interaction_count,
               generations AS code_generation_activity_count,
               acceptances AS code_acceptance_activity_count,
               loc_suggested AS loc_suggested_to_add_sum, loc_added AS loc_added_sum,
               used_agent, used_chat, used_cli,
               [{{'ide': pg.ide_name, {all_counts}}}]
                   AS totals_by_ide,
               [{{'feature': 'code_completion',
                  {
            counts.format("0::BIGINT", "generations", "acceptances", "loc_suggested", "loc_added")
        }}},
                {{'feature': 'chat_panel_ask_mode',
                  {
            counts.format("interactions", "0::BIGINT", "0::BIGINT", "0::BIGINT", "0::BIGINT")
        }}}] AS totals_by_feature,
               {{'token_usage': {{'prompt_tokens_sum': prompt_tokens,
                                 'output_tokens_sum': output_tokens}}}} AS totals_by_cli
        FROM pg"""
        path = self._path(meta)
        path.write_bytes(self._lines(sql))
        self._done(path, meta.source, table.num_rows)

    # --- GitHub --------------------------------------------------------------------------------
    def _pull_sql(self, list_export: bool) -> str:
        verbs, objs = _sql_list(C.PR_TITLE_VERBS), _sql_list(C.PR_TITLE_OBJECTS)
        spam, deps = _sql_list(C.SPAM_TITLES), _sql_list(C.DEPENDENCIES)
        labels = _sql_list(C.PR_LABELS)
        bot_logins = _sql_list([b for b, _ in C.BOTS])
        bot_ids = "[" + ", ".join(str(i) for _, i in C.BOTS) + "]"
        dep = f"{deps}[pg.title_b % {len(C.DEPENDENCIES)} + 1]"
        minor = "(pg.title_a % 30)"
        title = f"""CASE WHEN pg.bot >= 0 THEN 'Bump ' || {dep} || ' from 1.' || {minor}
                              || '.0 to 1.' || ({minor} + 1) || '.0'
                         WHEN pg.spam THEN {spam}[pg.title_a % {len(C.SPAM_TITLES)} + 1]
                         ELSE {verbs}[pg.title_a % {len(C.PR_TITLE_VERBS)} + 1] || ' '
                              || {objs}[pg.title_b % {len(C.PR_TITLE_OBJECTS)} + 1] END"""
        sizes = "" if list_export else "pg.merged_ts >= 0 AS merged,"
        size_cols = "" if list_export else "additions, deletions, changed_files,"
        return f"""
        SELECT id, number,
               CASE WHEN pg.closed_ts >= 0 THEN 'closed' ELSE 'open' END AS state,
               {title} AS title,
               CASE WHEN pg.bot >= 0
                    THEN {{'login': {bot_logins}[pg.bot + 1], 'id': {bot_ids}[pg.bot + 1],
                          'type': 'Bot'}}
                    ELSE {{'login': pg.login, 'id': pg.uid, 'type': 'User'}} END AS "user",
               CASE WHEN pg.bot >= 0 THEN [{{'name': 'dependencies'}}]
                    WHEN pg.label % {len(C.PR_LABELS)} IN (0, 1) THEN []
                    ELSE [{{'name': {labels}[pg.label % {len(C.PR_LABELS)} + 1]}}] END AS labels,
               draft,
               {_ts("pg.created")} AS created_at,
               CASE WHEN pg.closed_ts >= 0 THEN {_ts("pg.closed_ts")} END AS closed_at,
               CASE WHEN pg.merged_ts >= 0 THEN {_ts("pg.merged_ts")} END AS merged_at,
               {sizes}
               CASE WHEN pg.merged_ts >= 0 THEN {{'login': pg.merger_login}} END AS merged_by,
               CASE WHEN pg.merged_ts >= 0 THEN printf('%016x%016x%08x', pg.merge_a, pg.merge_b,
                                                       pg.merge_c) END AS merge_commit_sha,
               {{'ref': 'main', 'repo': {{'full_name': pg.repo_name}}}} AS base,
               {{'ref': CASE WHEN pg.bot >= 0
                            THEN 'dependabot/npm_and_yarn/' || {dep} || '-1.' || ({minor} + 1)
                                 || '.0'
                            ELSE 'feature/' || pg.login || '-' || number END,
                 'sha': printf('%016x%016x%08x', pg.head_a, pg.head_b, pg.head_c)}} AS head,
               {size_cols}
               commits, comments, review_comments
        FROM pg"""

    def _pull_table(self, table: pa.Table) -> None:
        author = self._col(table, "author")
        table = self._with(
            table,
            login=self._d(author, "login"),
            uid=pa.array(self.org.p["github_uid"][author]),
            merger_login=self._d(self._col(table, "merged_by"), "login"),
            repo_name=self._d(self._col(table, "repo"), "repo"),
        )
        self._page_table(table)

    def github_pull_requests(self, table: pa.Table, meta: PageMeta) -> None:
        self._pull_table(table)
        tmp = self.scratch / "page.json"
        self.con.execute(f"COPY ({self._pull_sql(False)}) TO '{tmp}' (FORMAT json, ARRAY true)")
        path = self._path(meta)
        tmp.replace(path)
        self._done(path, meta.source, table.num_rows)

    def github_pull_requests_list(self, table: pa.Table, meta: PageMeta) -> None:
        """Bot PRs, as an export built from the list endpoint (no sizes, no `merged`)."""
        self._pull_table(table)
        tmp = self.scratch / "page.json"
        self.con.execute(f"COPY ({self._pull_sql(True)}) TO '{tmp}' (FORMAT json, ARRAY true)")
        path = self._path(meta)
        tmp.replace(path)
        self._done(path, meta.source, table.num_rows)

    # --- Jira ----------------------------------------------------------------------------------
    def jira_issues(self, issues: dict) -> None:
        source = "jira_issues"
        if not issues:
            return
        org = self.org
        n = issues["created"].size
        rng = np.random.default_rng([org.options.seed, 51])
        base = rng.integers(100, 4000, len(org.org_project))
        reporter, assignee = issues["reporter"], issues["assignee"]
        table = pa.table(
            {
                **{k: v for k, v in issues.items()},
                "rn": np.arange(n),
                "key_base": base[issues["project"]],
                "project_key": self._d(issues["project"], "project"),
                "team_name": self._d(issues["team"], "team_name"),
                "assignee_id": self._d(assignee, "jira_id"),
                "assignee_email": self._d(assignee, "email"),
                "reporter_id": self._d(reporter, "jira_id"),
                "reporter_email": self._d(reporter, "email"),
            }
        )
        self.con.register("all_issues", table)
        summary = _sql_list(C.BUG_SUMMARIES)
        task = _sql_list(C.TASK_SUMMARIES)
        objs = _sql_list(C.PR_TITLE_OBJECTS)
        obj = f"{objs}[i.summary_b % {len(C.PR_TITLE_OBJECTS)} + 1]"
        self.con.execute(f"""
        CREATE OR REPLACE TEMP TABLE issues_out AS
        SELECT i.rn,
               (10000 + i.rn)::VARCHAR AS id,
               i.project_key || '-' || (i.key_base + row_number() OVER (
                   PARTITION BY i.project_key ORDER BY i.rn)) AS "key",
               {{'summary': replace(CASE WHEN i.issue_type = 0
                                        THEN {summary}[i.summary_a % {len(C.BUG_SUMMARIES)} + 1]
                                        ELSE {task}[i.summary_a % {len(C.TASK_SUMMARIES)} + 1]
                                   END, '{{obj}}', {obj}),
                 'issuetype': {{'name': CASE WHEN i.issue_type = 0 THEN 'Bug' ELSE 'Task' END}},
                 'priority': {{'name': ['Highest', 'High', 'Medium', 'Low'][i.priority + 1]}},
                 'status': {{'name': ['To Do', 'In Progress', 'Done'][i.status + 1],
                            'statusCategory': {{'key': ['new', 'indeterminate', 'done']
                                                       [i.status + 1]}}}},
                 'resolution': CASE WHEN i.resolved >= 0 THEN {{'name': CASE WHEN i.wont_do
                                    THEN 'Won''t Do' ELSE 'Done' END}} END,
                 'created': {_jira_ts("i.created", "i.created_off")},
                 'resolutiondate': CASE WHEN i.resolved >= 0
                                        THEN {_jira_ts("i.resolved", "i.resolved_off")} END,
                 'updated': {_jira_ts("i.updated", "i.updated_off")},
                 'project': {{'key': i.project_key}},
                 'components': [{{'name': i.team_name}}],
                 'labels': CASE WHEN i.pr_id >= 0 THEN ['caused-by-pr:' || i.pr_id]
                                ELSE []::VARCHAR[] END,
                 'assignee': CASE WHEN i.assignee >= 0
                                  THEN {{'accountId': i.assignee_id,
                                        'emailAddress': i.assignee_email}} END,
                 'reporter': {{'accountId': i.reporter_id, 'emailAddress': i.reporter_email}},
                 'issuelinks': []::VARCHAR[]}} AS fields
        FROM all_issues i""")
        cap = SOURCES[source][3]
        pages = math.ceil(n / cap)
        day = (issues["created"] - self.E) // 86400
        for k in range(pages):
            lo, hi = k * cap, min(n, (k + 1) * cap)
            meta = PageMeta(
                source,
                k + 1,
                0,
                1,
                n,
                cap,
                int(max(0, day[lo])),
                int(min(org.days - 1, day[hi - 1])),
            )
            body = self._lines(
                f'SELECT id, "key", fields FROM issues_out '
                f"WHERE rn >= {lo} AND rn < {hi} ORDER BY rn"
            )
            head = (
                f'{{"expand":"schema,names","startAt":{lo},"maxResults":{cap},'
                f'"total":{n},"issues":['
            ).encode()
            path = self._path(meta)
            self._envelope(path, head, body, b"]}")
            self._done(path, source, hi - lo)
        self.con.unregister("all_issues")

    # --- company CSVs ------------------------------------------------------------------------
    def _csv(self, rel: str, header: list[str], rows) -> Path:
        path = self.out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        count = 0
        with path.open("w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh, lineterminator="\n")
            w.writerow(header)
            for row in rows:
                w.writerow(row)
                count += 1
        self._done(path, rel.replace("/", "_").removesuffix(".csv"), count)
        return path

    def roster(self) -> None:
        org, p, s = self.org, self.org.p, self.org.s
        role = np.array(C.ROLES)[p["role"]]
        level = np.array(C.LEVELS)[p["level"]]

        def day(d: int) -> str:
            return "" if d >= NEVER else org.date_of(d).isoformat()

        def rows():
            for i in range(org.P):
                segments = [
                    (
                        p["team0"][i],
                        p["manager0"][i],
                        p["start_day"][i],
                        min(p["move_day"][i], p["end_day"][i]),
                    )
                ]
                if p["move_day"][i] < NEVER and p["move_day"][i] < p["end_day"][i]:
                    segments.append(
                        (p["team1"][i], p["manager1"][i], p["move_day"][i], p["end_day"][i])
                    )
                for team, mgr, lo, hi in segments:
                    yield [
                        s["emp_id"][i],
                        s["email"][i],
                        s["full_name"][i],
                        s["github_login"][i],
                        s["jira_id"][i],
                        s["openai_uid"][i],
                        org.ts["team_id"][team],
                        org.ts["team_name"][team],
                        org.org_names[org.t["org"][team]],
                        role[i],
                        level[i],
                        f"{p['salary'][i]:.0f}",
                        org.tz_names[p["tz"][i]],
                        s["emp_id"][mgr] if mgr >= 0 else "",
                        day(lo),
                        day(hi),
                    ]

        self._csv(
            "hr/roster.csv",
            [
                "employee_id",
                "email",
                "full_name",
                "github_login",
                "jira_account_id",
                "openai_user_id",
                "team_id",
                "team_name",
                "org",
                "role",
                "level",
                "salary_usd",
                "timezone",
                "manager_id",
                "valid_from",
                "valid_to",
            ],
            rows(),
        )

    def api_keys(self) -> None:
        org, s = self.org, self.org.s

        def day(d: int) -> str:
            return "" if d >= NEVER else org.date_of(d).isoformat()

        def rows():
            for provider, keys in (("anthropic", org.anthropic_keys), ("openai", org.openai_keys)):
                for i in range(len(keys)):
                    owner = keys.owner[i]
                    yield [
                        provider,
                        keys.key_id[i],
                        keys.name[i],
                        s["email"][owner] if owner >= 0 else "",
                        day(keys.valid_from[i]),
                        day(keys.valid_to[i]),
                    ]

        self._csv(
            "hr/api_keys.csv",
            ["provider", "api_key_id", "api_key_name", "owner_email", "valid_from", "valid_to"],
            rows(),
        )

    def roadmap(self, items: dict) -> None:
        rows = zip(
            items["team_id"],
            items["quarter"],
            items["item_id"],
            items["title"],
            items["planned_points"],
            items["delivered_points"],
            items["status"],
            items["delivered_at"],
            strict=True,
        )
        self._csv(
            "roadmap/roadmap_items.csv",
            [
                "team_id",
                "quarter",
                "item_id",
                "title",
                "planned_points",
                "delivered_points",
                "status",
                "delivered_at",
            ],
            rows,
        )

    def close(self) -> None:
        self.con.close()


class PageBuffer:
    """Collects a source's rows day by day and writes them as pulls of <= cap-record pages."""

    def __init__(
        self, source: str, write: Callable[[pa.Table, PageMeta], None], org: Org, cap: int
    ):
        self.source = source
        self.write = write
        self.org = org
        self.cap = cap
        self.chunks: list[pa.Table] = []
        self.rows = 0
        self.seq = 0

    def add(self, day: int, columns: dict) -> None:
        if not columns:
            return
        n = len(next(iter(columns.values())))
        if n == 0:
            return
        self.chunks.append(pa.table({**columns, "day": np.full(n, day, dtype=np.int64)}))
        self.rows += n

    def end_of_day(self, day: int) -> None:
        month_ends = (self.org.date_of(day) + timedelta(days=1)).day == 1
        if self.rows >= self.cap or (month_ends and self.rows):
            self.flush()

    def flush(self) -> None:
        if not self.rows:
            return
        table = pa.concat_tables(self.chunks)
        n = table.num_rows
        pages = math.ceil(n / self.cap)
        bounds = [round(i * n / pages) for i in range(pages + 1)]
        day = table.column("day").to_numpy()
        self.seq += 1
        for k in range(pages):
            lo, hi = bounds[k], bounds[k + 1]
            part = table.slice(lo, hi - lo)
            part = part.append_column("rn", pa.array(np.arange(hi - lo, dtype=np.int64)))
            meta = PageMeta(
                self.source, self.seq, k, pages, n, self.cap, int(day[lo]), int(day[hi - 1])
            )
            self.write(part, meta)
        self.chunks, self.rows = [], 0
