"""The expectation suites, defined in Python and written as the JSON the gate runs.

`python -m mileage.quality.suites` (re)writes expectations/<asset>.<stage>.json from the
definitions below; the committed JSON is what runs, and a test checks it matches.

Every expectation carries `meta.severity` ("critical" stops publication, "warning" is only
reported) and `meta.check` (which class of check of issue 7 it implements). Thresholds are
never written here: suites reference expectations/thresholds.yml as {"$PARAMETER": name}.

Raw-stage rule: a raw record that staging rejects with a reason (negative tokens, an
unparseable timestamp, a duplicate) is reported as a warning here, because it never reaches a
mart and fct_rejected_records shows it. What would flow into the marts unchecked (a future
timestamp, a usage row outside the export period, a missing column, a 10x month) is critical.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from mileage.quality.assets import ASSETS, MART_ASSETS, RAW_ASSETS, Asset

CRITICAL = "critical"
WARNING = "warning"

_TYPES = {
    "V": "VARCHAR",
    "B": "BIGINT",
    "I": "INTEGER",
    "D": "DOUBLE",
    "BOOL": "BOOLEAN",
    "DATE": "DATE",
    "TS": "TIMESTAMP",
}


def _cols(spec: str) -> dict[str, str]:
    return {name: _TYPES[code] for name, code in (item.split(":") for item in spec.split())}


# Column contracts: every column the pipeline and the app rely on, with its warehouse type.
# Extra columns are allowed; a missing column or a changed type fails the gate.
COLUMNS: dict[str, dict[str, str]] = {
    # raw (landing)
    "anthropic__usage_report_messages": _cols(
        "_source_file:V _record_path:V starting_at:V ending_at:V api_key_id:V workspace_id:V model:V service_tier:V context_window:V inference_geo:V speed:V account_id:V service_account_id:V uncached_input_tokens:D cache_creation_5m_input_tokens:D cache_creation_1h_input_tokens:D cache_read_input_tokens:D output_tokens:D web_search_requests:B"
    ),
    "anthropic__claude_code": _cols(
        "_source_file:V _record_path:V date:V actor_type:V actor_email_address:V actor_api_key_name:V organization_id:V customer_type:V terminal_type:V num_sessions:B lines_added:B lines_removed:B commits_by_claude_code:B pull_requests_by_claude_code:B tool_actions_accepted:B tool_actions_rejected:B model_breakdown_count:B"
    ),
    "anthropic__claude_code_models": _cols(
        "_source_file:V _record_path:V model_index:B model:V input_tokens:D output_tokens:D cache_read_tokens:D cache_creation_tokens:D estimated_cost_currency:V estimated_cost_amount:D"
    ),
    "openai__usage_completions": _cols(
        "_source_file:V _record_path:V start_time:B end_time:B input_tokens:D input_cached_tokens:D input_cache_write_tokens:D output_tokens:D input_audio_tokens:D output_audio_tokens:D num_model_requests:B project_id:V user_id:V api_key_id:V model:V batch:BOOL service_tier:V"
    ),
    "cursor__usage_events": _cols(
        "_source_file:V _record_path:V timestamp:V user_email:V model:V kind:V max_mode:BOOL is_token_based_call:BOOL input_tokens:D output_tokens:D cache_write_tokens:D cache_read_tokens:D total_cents:D charged_cents:D cursor_token_fee_cents:D discount_percent_off:D"
    ),
    "copilot__users": _cols(
        "_source_file:V _record_path:V day:V user_id:B user_login:V user_initiated_interaction_count:B code_generation_activity_count:B code_acceptance_activity_count:B loc_suggested_to_add_sum:B loc_added_sum:B used_agent:BOOL used_chat:BOOL used_cli:BOOL cli_prompt_tokens:D cli_output_tokens:D"
    ),
    "telemetry__claude_code_events": _cols(
        "_source_file:V _record_path:V event_name:V timestamp:V session_id:V organization_id:V user_account_uuid:V user_email:V user_install_id:V terminal_type:V model:V cost_usd:D duration_ms:B input_tokens:D output_tokens:D cache_read_tokens:D cache_creation_tokens:D request_id:V"
    ),
    "github__pull_requests": _cols(
        "_source_file:V _record_path:V id:B number:B state:V title:V user_login:V user_id:B user_type:V labels:V draft:BOOL created_at:V closed_at:V merged_at:V merged:BOOL merged_by_login:V repository:V additions:B deletions:B changed_files:B"
    ),
    "jira__issues": _cols(
        "_source_file:V _record_path:V id:V key:V issue_type:V priority:V status:V status_category:V resolution:V created:V resolution_date:V updated:V project_key:V labels:V assignee_account_id:V assignee_email:V"
    ),
    "hr__roster": _cols(
        "employee_id:V email:V full_name:V team_id:V team_name:V org:V role:V level:V salary_usd:V timezone:V valid_from:V github_login:V jira_account_id:V openai_user_id:V manager_id:V valid_to:V _source_file:V _record_path:V"
    ),
    "hr__api_keys": _cols(
        "provider:V api_key_id:V valid_from:V api_key_name:V owner_email:V valid_to:V _source_file:V _record_path:V"
    ),
    "roadmap__roadmap_items": _cols(
        "team_id:V quarter:V item_id:V planned_points:V delivered_points:V title:V status:V delivered_at:V _source_file:V _record_path:V"
    ),
    "file_manifest": _cols(
        "source:V source_file:V bytes:B records:B landed_records:B rejected_records:B status:V problem:V rejected_tokens:B"
    ),
    # marts
    "fct_ai_usage_daily": _cols(
        "usage_daily_id:V employee_key:V usage_date:DATE provider:V tool:V model:V model_family:V team_id:V api_key_id:V uncached_input_tokens:B cache_write_tokens:B cache_read_tokens:B output_tokens:B total_tokens:B requests:B list_cost_usd:D vendor_cost_usd:D is_attributed:BOOL is_priced:BOOL"
    ),
    "fct_ai_usage_hourly": _cols(
        "usage_hourly_id:V employee_key:V team_id:V usage_hour:TS usage_date:DATE bucket_width:V provider:V tool:V model:V model_family:V api_key_id:V uncached_input_tokens:B cache_write_tokens:B cache_read_tokens:B output_tokens:B total_tokens:B requests:B list_cost_usd:D vendor_cost_usd:D is_attributed:BOOL is_priced:BOOL"
    ),
    "fct_pull_requests": _cols(
        "pull_request_id:B repository:V pr_number:I author_employee_key:V team_id:V opened_at:TS merged_at:TS closed_at:TS is_merged:BOOL cycle_time_hours:D additions:I deletions:I changed_files:I is_trivial:BOOL is_bot:BOOL"
    ),
    "fct_bugs": _cols(
        "bug_key:V bug_id:V team_id:V priority:V status:V created_at:TS resolved_at:TS caused_by_pull_request_id:B"
    ),
    "fct_roadmap_quarters": _cols(
        "team_id:V quarter:V quarter_start:DATE items:I planned_points:D delivered_points:D attainment:D"
    ),
    "fct_team_months": _cols(
        "team_id:V month_start:DATE team_name:V org:V headcount:I ai_active_people:I total_tokens:B token_cost_usd:D merged_prs:I median_cycle_time_hours:D bugs:I bugs_per_merged_pr:D roadmap_attainment:D merged_prs_per_million_tokens:D cost_per_merged_pr_usd:D outcome_score:D"
    ),
    "dim_employees": _cols(
        "employee_key:V role:V level:V timezone:V team_id:V team_name:V org:V salary_usd:D hired_on:DATE left_on:DATE is_active:BOOL"
    ),
    "dim_teams": _cols("team_id:V team_name:V org:V current_headcount:I is_active:BOOL"),
    "fct_source_accounting": _cols(
        "source:V raw_records:B staged_records:B rejected_records:B is_balanced:BOOL duplicate_records:B lost_records:B lost_record_share:D lost_tokens:D raw_files:B raw_bytes:B rejected_files:B rejected_file_bytes:B"
    ),
    "fct_unread_files": _cols("path:V files:B bytes:B reason:V near_miss:V"),
    "fct_rejected_records": _cols("source:V source_file:V record_path:V reason:V"),
    # the audit's marts: the columns these suites check (the audit's dbt contracts own the rest)
    "fct_usage_reconciliation": _cols(
        "employee_key:V usage_date:DATE provider:V team_id:V billed_tokens:B reported_tokens:B ratio:D status:V"
    ),
    "fct_gaming_signals": _cols(
        "employee_key:V month_start:DATE team_id:V signal:V score:D severity:V evidence:V"
    ),
    "fct_token_leaderboard": _cols(
        "month_start:DATE employee_key:V team_id:V total_tokens:B token_rank:I tier:V outcome_rank:I is_flagged:BOOL"
    ),
    "fct_leaderboard_summary": _cols(
        "month_start:DATE rank_correlation:D top_tier_people:I top_tier_flagged_share:D"
    ),
    "fct_efficiency_audit": _cols(
        "team_id:V month_start:DATE headcount:I total_tokens:B spend_usd:D flagged_spend_share:D"
    ),
    # the incentive lab's marts: the columns these suites check
    "fct_bonus_payouts": _cols(
        "payout_id:V scheme:V period_start:DATE period_end:DATE team_id:V employee_key:V payout_usd:D budget_usd:D"
    ),
    "fct_scheme_comparison": _cols(
        "scheme:V population:I recipients:I total_cost_usd:D top_decile_share:D flagged_share:D"
    ),
    "fct_goodhart_stress_test": _cols("scheme:V tactic:V share_gamed:D gamers:I population:I"),
}

PROVIDERS = ["anthropic", "openai", "cursor", "copilot"]
TOOLS = ["api", "claude_code", "chatgpt_api", "cursor", "copilot", "copilot_cli"]
BUCKET_WIDTHS = ["1h", "1d", "request"]
FILE_STATUSES_OK = ["loaded"]


def P(name: str) -> dict:
    """A reference to a threshold or run-time parameter."""
    return {"$PARAMETER": name}


class SuiteBuilder:
    def __init__(self, asset: Asset):
        self.asset = asset
        self.expectations: list[dict] = []

    def add(self, type_: str, check: str, severity: str = CRITICAL, notes: str = "", **kwargs):
        meta = {"severity": severity, "check": check}
        if notes:
            meta["notes"] = notes
        self.expectations.append(
            {"type": type_, "kwargs": kwargs, "meta": meta, "severity": severity}
        )
        return self

    # -- shorthands ---------------------------------------------------------------------------
    def columns_exist(self, columns):
        """Every contract column is present (extra columns are allowed)."""
        return self.add(
            "expect_table_columns_to_match_set",
            "schema",
            column_set=list(columns),
            exact_match=False,
        )

    def unique(self, *columns, severity=CRITICAL):
        if len(columns) == 1:
            self.add("expect_column_values_to_not_be_null", "key", severity, column=columns[0])
            return self.add("expect_column_values_to_be_unique", "key", severity, column=columns[0])
        return self.add(
            "expect_compound_columns_to_be_unique", "key", severity, column_list=list(columns)
        )

    def not_null(self, column, check, severity=CRITICAL, **kwargs):
        return self.add(
            "expect_column_values_to_not_be_null", check, severity, column=column, **kwargs
        )

    def null(self, column, check, severity=CRITICAL, **kwargs):
        return self.add("expect_column_values_to_be_null", check, severity, column=column, **kwargs)

    def non_negative(self, *columns, severity=CRITICAL):
        for column in columns:
            self.add(
                "expect_column_values_to_be_between",
                "non_negative",
                severity,
                column=column,
                min_value=0,
            )
        return self

    def between(
        self, column, check, min_value=None, max_value=None, severity=CRITICAL, notes="", **kwargs
    ):
        args = {"column": column}
        if min_value is not None:
            args["min_value"] = min_value
        if max_value is not None:
            args["max_value"] = max_value
        return self.add(
            "expect_column_values_to_be_between", check, severity, notes, **args, **kwargs
        )

    def future_rejected(self):
        """A record with a timestamp beyond future_timestamp_tolerance_minutes (a dbt var) is a
        staging reject with its field and value: a warning here, by the raw-stage rule, and
        left out of the stage's other timestamp checks, which stay critical."""
        return self.in_set(
            "_in_future",
            [False],
            "timestamp",
            WARNING,
            notes="staging rejects a timestamp beyond future_timestamp_tolerance_minutes",
        )

    def in_usage_period(self, column, severity=CRITICAL, future_rejected=False):
        """`future_rejected`: the frame has `_in_future` (see future_rejected())."""
        return self.between(
            column,
            "timestamp",
            P("not_before"),
            P("not_after"),
            severity,
            "inside the export period (end exclusive) and not in the future",
            strict_max=True,
            **(self.when("_in_future", False) if future_rejected else {}),
        )

    def not_in_future(self, column, severity=CRITICAL, future_rejected=False):
        return self.between(
            column,
            "timestamp",
            P("earliest_date"),
            P("now"),
            severity,
            "not in the future (nor before earliest_date)",
            **(self.when("_in_future", False) if future_rejected else {}),
        )

    def in_set(self, column, values, check, severity=CRITICAL, **kwargs):
        return self.add(
            "expect_column_values_to_be_in_set",
            check,
            severity,
            column=column,
            value_set=list(values),
            **kwargs,
        )

    def a_ge_b(self, a, b, check, severity=CRITICAL, or_equal=True):
        return self.add(
            "expect_column_pair_values_a_to_be_greater_than_b",
            check,
            severity,
            column_A=a,
            column_B=b,
            or_equal=or_equal,
            ignore_row_if="either_value_is_missing",
        )

    def equal(self, a, b, check, severity=CRITICAL):
        return self.add(
            "expect_column_pair_values_to_be_equal",
            check,
            severity,
            column_A=a,
            column_B=b,
            ignore_row_if="both_values_are_missing",
        )

    def when(self, column: str, value) -> dict:
        """Only rows where `column == value` (a GX 1.x comparison condition, as JSON)."""
        return {
            "row_condition": {
                "type": "comparison",
                "column": {"name": column},
                "operator": "==",
                "parameter": value,
            }
        }

    def to_json(self) -> dict:
        return {
            "name": self.asset.suite_name,
            "expectations": self.expectations,
            "meta": {
                "asset": self.asset.name,
                "stage": self.asset.stage,
                "relation": self.asset.relation,
                "derived": self.asset.derived,
                "description": self.asset.description,
                "generated_by": "python -m mileage.quality.suites",
            },
            "notes": None,
        }


# --- raw suites -------------------------------------------------------------------------------


def _raw(asset: Asset) -> SuiteBuilder:
    s = SuiteBuilder(asset)
    s.columns_exist(COLUMNS[asset.name])
    if asset.name != "file_manifest":
        s.unique(*asset.key)
    return s


def raw_suites() -> dict[str, SuiteBuilder]:
    by = {a.name: _raw(a) for a in RAW_ASSETS}
    rejected = WARNING  # staging rejects these rows with a reason; they never reach a mart

    m = by["anthropic__usage_report_messages"]
    m.non_negative(
        "uncached_input_tokens",
        "cache_creation_5m_input_tokens",
        "cache_creation_1h_input_tokens",
        "cache_read_input_tokens",
        "output_tokens",
        severity=rejected,
    )
    m.not_null("_bucket_start_at", "parse", rejected, notes="starting_at is RFC 3339")
    m.future_rejected()
    m.in_usage_period("_bucket_start_at", future_rejected=True)
    m.a_ge_b("_bucket_end_at", "_bucket_start_at", "timestamp", or_equal=False)

    c = by["anthropic__claude_code"]
    c.not_null("_activity_at", "parse", rejected)
    c.future_rejected()
    c.in_usage_period("_activity_at", future_rejected=True)
    c.in_set("customer_type", ["api", "subscription"], "schema", rejected)
    c.non_negative("num_sessions", "lines_added", "lines_removed", severity=rejected)

    cm = by["anthropic__claude_code_models"]
    cm.non_negative(
        "input_tokens",
        "output_tokens",
        "cache_read_tokens",
        "cache_creation_tokens",
        "estimated_cost_amount",
        severity=rejected,
    )
    cm.not_null("model", "schema", rejected)

    o = by["openai__usage_completions"]
    o.non_negative(
        "input_tokens",
        "input_cached_tokens",
        "output_tokens",
        "num_model_requests",
        severity=rejected,
    )
    o.a_ge_b("input_tokens", "input_cached_tokens", "non_negative", rejected)
    o.not_null("_bucket_start_at", "parse", rejected)
    o.future_rejected()
    o.in_usage_period("_bucket_start_at", future_rejected=True)
    o.a_ge_b("_bucket_end_at", "_bucket_start_at", "timestamp", or_equal=False)

    cu = by["cursor__usage_events"]
    cu.non_negative(
        "input_tokens",
        "output_tokens",
        "cache_write_tokens",
        "cache_read_tokens",
        "total_cents",
        severity=rejected,
    )
    cu.not_null("_requested_at", "parse", rejected, notes="timestamp is epoch milliseconds")
    cu.future_rejected()
    cu.in_usage_period("_requested_at", future_rejected=True)

    cp = by["copilot__users"]
    cp.non_negative(
        "cli_prompt_tokens",
        "cli_output_tokens",
        "user_initiated_interaction_count",
        severity=rejected,
    )
    cp.not_null("_activity_at", "parse", rejected)
    cp.future_rejected()
    cp.in_usage_period("_activity_at", future_rejected=True)

    t = by["telemetry__claude_code_events"]
    t.non_negative(
        "input_tokens",
        "output_tokens",
        "cache_read_tokens",
        "cache_creation_tokens",
        "cost_usd",
        severity=rejected,
    )
    t.not_null("_requested_at", "parse", rejected)
    t.future_rejected()
    t.in_usage_period("_requested_at", future_rejected=True)

    g = by["github__pull_requests"]
    g.not_null("id", "key", rejected)
    g.non_negative("additions", "deletions", "changed_files", severity=rejected)
    g.not_null("_created_at", "parse", rejected)
    g.future_rejected()
    g.not_in_future("_created_at", future_rejected=True)
    g.not_in_future("_merged_at", future_rejected=True)

    j = by["jira__issues"]
    j.not_null("key", "key", rejected)
    j.not_null("_created_at", "parse", rejected, notes="Jira style +hhmm offsets")
    j.future_rejected()
    j.not_in_future("_created_at", future_rejected=True)
    j.not_in_future("_resolved_at", future_rejected=True)

    r = by["hr__roster"]
    for column in ("employee_id", "email", "team_id", "_valid_from"):
        r.not_null(column, "schema", rejected)
    r.unique("employee_id", "valid_from", severity=rejected)
    r.non_negative("_salary_usd", severity=rejected)

    k = by["hr__api_keys"]
    k.not_null("api_key_id", "key", rejected)
    k.in_set("provider", ["anthropic", "openai"], "schema", rejected)

    rm = by["roadmap__roadmap_items"]
    rm.not_null("item_id", "key", rejected)
    rm.non_negative("_planned_points", "_delivered_points", severity=rejected)
    rm.add(
        "expect_column_values_to_match_regex",
        "schema",
        rejected,
        column="quarter",
        regex=r"^\d{4}-Q[1-4]$",
    )

    f = by["file_manifest"]
    f.unique("source", "source_file")
    f.non_negative("records", "landed_records", "rejected_records", "rejected_tokens")
    f.a_ge_b("records", "landed_records", "accounting")
    f.in_set(
        "status",
        FILE_STATUSES_OK,
        "accounting",
        WARNING,
        notes="a file that did not load cleanly (see landing.rejects)",
    )
    return by


def raw_derived_suites(raw: dict[str, SuiteBuilder]) -> list[SuiteBuilder]:
    from mileage.quality.assets import RAW_DERIVED

    months = SuiteBuilder(RAW_DERIVED[0])
    months.columns_exist(["source", "month_start", "tokens_per_day", "month_over_month_ratio"])
    months.non_negative("tokens")
    months.between(
        "month_over_month_ratio",
        "month_over_month",
        P("min_month_over_month_ratio"),
        P("max_month_over_month_ratio"),
        notes="tokens per active day within the band of the previous month's",
    )
    types = _column_types_suite(RAW_DERIVED[1], [a.name for a in RAW_ASSETS])
    return [months, types]


# --- mart suites ------------------------------------------------------------------------------


def _usage_mart(s: SuiteBuilder, key: str, date_column: str) -> None:
    s.unique(key)
    s.non_negative(
        "uncached_input_tokens",
        "cache_write_tokens",
        "cache_read_tokens",
        "output_tokens",
        "total_tokens",
        "requests",
        "list_cost_usd",
        "vendor_cost_usd",
    )
    s.between(
        "_token_class_gap",
        "consistency",
        0,
        0,
        notes="total_tokens = uncached input + cache writes + cache reads + output",
    )
    s.in_usage_period(date_column)
    s.in_set("provider", PROVIDERS, "schema")
    s.in_set("tool", TOOLS, "schema", WARNING, notes="a tool the app does not know yet")
    # every usage row is either attributed to a person or counted as unattributed
    s.not_null("is_attributed", "attribution")
    s.not_null("employee_key", "attribution", **s.when("is_attributed", True))
    s.null("employee_key", "attribution", **s.when("is_attributed", False))
    s.not_null(
        "team_id",
        "attribution",
        WARNING,
        notes="attributed usage outside any assignment",
        **s.when("is_attributed", True),
    )
    # priced rows carry a family and a cost; unpriced rows are counted, never costed at 0
    s.not_null("is_priced", "pricing")
    s.not_null("model_family", "pricing", **s.when("is_priced", True))
    s.not_null("list_cost_usd", "pricing", **s.when("is_priced", True))
    s.null("list_cost_usd", "pricing", **s.when("is_priced", False))


def mart_suites() -> dict[str, SuiteBuilder]:
    by = {a.name: SuiteBuilder(a).columns_exist(COLUMNS[a.name]) for a in MART_ASSETS}

    _usage_mart(by["fct_ai_usage_daily"], "usage_daily_id", "usage_date")
    hourly = by["fct_ai_usage_hourly"]
    _usage_mart(hourly, "usage_hourly_id", "usage_hour")
    hourly.in_set("bucket_width", BUCKET_WIDTHS, "schema")

    pr = by["fct_pull_requests"]
    pr.unique("pull_request_id")
    pr.not_in_future("opened_at")
    pr.not_in_future("merged_at")
    pr.not_in_future("closed_at")
    pr.a_ge_b("merged_at", "opened_at", "timestamp")
    pr.a_ge_b("closed_at", "opened_at", "timestamp")
    pr.non_negative("additions", "deletions", "changed_files", "cycle_time_hours")
    pr.not_null("is_merged", "schema")
    pr.not_null("merged_at", "consistency", **pr.when("is_merged", True))
    pr.not_null("is_bot", "schema")

    b = by["fct_bugs"]
    b.unique("bug_key")
    b.not_in_future("created_at")
    b.not_in_future("resolved_at")
    b.a_ge_b("resolved_at", "created_at", "timestamp", WARNING)

    rq = by["fct_roadmap_quarters"]
    rq.unique("team_id", "quarter")
    rq.non_negative("items", "planned_points", "delivered_points", "attainment")
    rq.add(
        "expect_column_values_to_match_regex", "schema", column="quarter", regex=r"^\d{4}-Q[1-4]$"
    )

    tm = by["fct_team_months"]
    tm.unique("team_id", "month_start")
    tm.between("headcount", "team_size", 1)
    tm.non_negative("ai_active_people", "total_tokens", "token_cost_usd", "merged_prs", "bugs")
    tm.a_ge_b("headcount", "ai_active_people", "team_size")
    tm.not_in_future("month_start")

    e = by["dim_employees"]
    e.unique("employee_key")
    e.non_negative("salary_usd")
    e.not_null("team_id", "team_size")
    e.a_ge_b("left_on", "hired_on", "timestamp", or_equal=False)

    t = by["dim_teams"]
    t.unique("team_id")
    t.non_negative("current_headcount")
    t.not_null("is_active", "schema")

    a = by["fct_source_accounting"]
    a.unique("source")
    a.non_negative(
        "raw_records",
        "staged_records",
        "rejected_records",
        "duplicate_records",
        "lost_records",
        "lost_tokens",
        "raw_files",
        "raw_bytes",
        "rejected_files",
        "rejected_file_bytes",
    )
    a.a_ge_b("rejected_records", "duplicate_records", "accounting")
    a.a_ge_b("raw_files", "rejected_files", "accounting")
    a.a_ge_b("raw_bytes", "rejected_file_bytes", "accounting")
    a.between("lost_record_share", "share", 0, 1)
    a.in_set(
        "is_balanced", [True], "accounting", notes="raw records = staged + rejected, per source"
    )
    a.between(
        "_rejected_share",
        "share",
        0,
        P("max_rejected_record_share"),
        WARNING,
        notes="share of a source's raw records rejected",
    )

    uf = by["fct_unread_files"]
    uf.unique("path")
    uf.not_null("reason", "accounting")
    uf.non_negative("files", "bytes")

    rr = by["fct_rejected_records"]
    rr.not_null("source", "accounting")
    rr.not_null("reason", "accounting")

    ur = by["fct_usage_reconciliation"]
    ur.unique("employee_key", "usage_date", "provider")
    ur.non_negative("billed_tokens", "reported_tokens", "ratio")
    ur.in_usage_period("usage_date")

    gs = by["fct_gaming_signals"]
    gs.unique("employee_key", "month_start", "signal")
    gs.not_null("employee_key", "key")
    gs.not_null("signal", "key")
    gs.not_in_future("month_start")

    tl = by["fct_token_leaderboard"]
    tl.unique("month_start", "employee_key")
    tl.non_negative("total_tokens")
    tl.between("token_rank", "consistency", 1)
    tl.between("outcome_rank", "consistency", 1)
    tl.not_in_future("month_start")

    ls = by["fct_leaderboard_summary"]
    ls.unique("month_start")
    ls.between("rank_correlation", "consistency", -1, 1)
    ls.between("top_tier_flagged_share", "share", 0, 1)
    ls.non_negative("top_tier_people")

    ea = by["fct_efficiency_audit"]
    ea.unique("team_id", "month_start")
    ea.non_negative("headcount", "total_tokens", "spend_usd")
    ea.between("flagged_spend_share", "share", 0, 1)
    ea.not_in_future("month_start")

    bp = by["fct_bonus_payouts"]
    bp.unique("payout_id")
    bp.unique("scheme", "period_start", "team_id", "employee_key")
    bp.non_negative("payout_usd", "budget_usd")
    bp.a_ge_b("period_end", "period_start", "timestamp")

    sc = by["fct_scheme_comparison"]
    sc.unique("scheme")
    sc.non_negative("population", "recipients", "total_cost_usd")
    sc.a_ge_b("population", "recipients", "consistency")
    sc.between("top_decile_share", "share", 0, 1)
    sc.between("flagged_share", "share", 0, 1)

    st = by["fct_goodhart_stress_test"]
    st.unique("scheme", "tactic")
    st.between("share_gamed", "share", 0, 1)
    st.a_ge_b("population", "gamers", "consistency")
    return by


def mart_derived_suites() -> list[SuiteBuilder]:
    from mileage.quality.assets import MART_DERIVED

    d = {a.name: SuiteBuilder(a) for a in MART_DERIVED}

    months = d["usage_months"]
    months.columns_exist(
        ["provider", "tool", "month_start", "tokens_per_day", "month_over_month_ratio"]
    )
    months.non_negative("tokens")
    months.between(
        "month_over_month_ratio",
        "month_over_month",
        P("min_month_over_month_ratio"),
        P("max_month_over_month_ratio"),
        notes="tokens per active day within the band of the previous month's",
    )

    cost = d["usage_cost_per_token"]
    cost.not_null(
        "max_usd_per_mtok",
        "pricing",
        notes="a priced row's model family is in reference.token_prices",
    )
    cost.a_ge_b("usd_per_mtok", "min_usd_per_mtok", "pricing")
    cost.a_ge_b("max_usd_per_mtok", "usd_per_mtok", "pricing")

    shares = d["usage_shares"]
    shares.between(
        "unpriced_share",
        "share",
        0,
        P("max_unpriced_token_share"),
        WARNING,
        notes="tokens on models missing from the price table",
    )
    shares.between(
        "unattributed_share",
        "share",
        0,
        P("max_unattributed_token_share"),
        WARNING,
        notes="tokens nobody could be attributed",
    )

    sizes = d["team_sizes"]
    sizes.columns_exist(["team_id", "period", "mart_headcount", "roster_headcount"])
    sizes.equal("mart_headcount", "roster_headcount", "team_size")

    rec = d["usage_reconciliation"]
    rec.between(
        "unaccounted_tokens",
        "attribution",
        0,
        0,
        notes="staged tokens = attributed + unattributed tokens in fct_ai_usage_daily",
    )
    rec.between("unclassified_tokens", "attribution", 0, 0)
    rec.between("hourly_minus_daily_tokens", "consistency", 0, 0)

    cov = d["mart_coverage"]
    cov.in_set(
        "table_name",
        [a.name for a in MART_ASSETS],
        "coverage",
        WARNING,
        notes="a mart without a suite is published unchecked",
    )

    types = d["column_types"]
    _fill_column_types(types, [a.name for a in MART_ASSETS])
    return list(d.values())


def _column_types_suite(asset: Asset, tables: list[str]) -> SuiteBuilder:
    s = SuiteBuilder(asset)
    _fill_column_types(s, tables)
    return s


def _fill_column_types(s: SuiteBuilder, tables: list[str]) -> None:
    """Per table: its columns in the warehouse include every `column:TYPE` of the contract."""
    s.columns_exist(["table_name", "typed_column"])
    for table in tables:
        s.add(
            "expect_column_distinct_values_to_contain_set",
            "type",
            column="typed_column",
            value_set=typed_columns(table),
            **s.when("table_name", table),
        )


def typed_column(column: str, data_type: str) -> str:
    return f"{column}:{data_type}"


def typed_columns(table: str) -> list[str]:
    return [typed_column(c, t) for c, t in COLUMNS[table].items()]


# --- all suites -------------------------------------------------------------------------------


def build_suites() -> dict[str, dict]:
    """Every suite as GX JSON, keyed by suite name, in the order the gate runs them."""
    raw = raw_suites()
    builders = [
        *raw.values(),
        *raw_derived_suites(raw),
        *mart_suites().values(),
        *mart_derived_suites(),
    ]
    suites = {b.asset.suite_name: b.to_json() for b in builders}
    missing = {a.suite_name for a in ASSETS} - set(suites)
    if missing:
        raise RuntimeError(f"assets without a suite: {sorted(missing)}")
    return suites


def write_suites(directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, suite in build_suites().items():
        path = directory / f"{name}.json"
        path.write_text(json.dumps(suite, indent=2) + "\n")
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    from mileage.quality.gate import expectations_dir

    args = sys.argv[1:] if argv is None else argv
    directory = Path(args[0]) if args else expectations_dir()
    for path in write_suites(directory):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
