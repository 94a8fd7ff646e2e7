"""Issue 23: per-record problems are per-record, and a valid small organisation builds.

One small raw directory written here (five people, January 2026) holds every case at once, and
goes through the main job's code path once (land -> dbt build -> gate -> publish):

- every accepted Cursor event carries the same token count, so the token leaderboard's token
  ranks all tie and the rank correlation is undefined (DuckDB's corr() gives NaN): it must be
  NULL, and the build must publish (it used to fail accepted_range on rank_correlation);
- implausible records are rejected with the field and value and the build goes on: a fractional
  token count, 1e19 and 9e18 tokens, a 2099 timestamp (Cursor event and pull request), a pull
  request `merged: true` with `merged_at: null`;
- E4 has two roster rows whose validity overlaps: the later one is rejected naming the earlier
  row's line and the employee_id, and E4 counts once, in T2;
- E5's roster row has no team_id: E5, their tokens, PR and bug count under team `unassigned`;
- E6's roster row has a valid_to no reader can read: rejected naming the value (it used to stop
  the whole build with a conversion error).

Every expected figure is worked out by hand below from the records written here.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

ROSTER = """employee_id,email,full_name,github_login,jira_account_id,openai_user_id,team_id,team_name,org,role,level,salary_usd,timezone,manager_id,valid_from,valid_to
E1,e1@example.com,Eve One,e1-gh,acc-e1,,T1,Payments,Core,engineer,L4,100000,UTC,,2026-01-01,
E2,e2@example.com,Eli Two,e2-gh,acc-e2,,T1,Payments,Core,engineer,L4,100000,UTC,,2026-01-01,
E3,e3@example.com,Eda Three,e3-gh,acc-e3,,T2,Search,Core,engineer,L4,100000,UTC,,2026-01-01,
E4,e4@example.com,Ezra Four,e4-gh,acc-e4,,T2,Search,Core,engineer,L4,100000,UTC,,2026-01-01,
E5,e5@example.com,Ema Five,e5-gh,acc-e5,,,,Core,engineer,L4,100000,UTC,,2026-01-01,
E4,e4@example.com,Ezra Four,e4-gh,acc-e4,,T1,Payments,Core,engineer,L4,100000,UTC,,2026-01-15,
E6,e6@example.com,Eon Six,e6-gh,acc-e6,,T1,Payments,Core,engineer,L4,100000,UTC,,2026-01-01,31/01/2026
"""
# Line numbers as a spreadsheet shows them (header = line 1): E4's first row is line 5, the
# overlapping one line 7.

TOKENS_PER_EVENT = 1_000  # every accepted event: 1,000 input tokens, nothing else


def _ms(ts: str) -> str:
    return str(int(datetime.fromisoformat(ts).replace(tzinfo=UTC).timestamp() * 1000))


def _event(email, ts="2026-01-08T14:00:00", input_tokens=TOKENS_PER_EVENT, output_tokens=0):
    return {
        "timestamp": _ms(ts),
        "userEmail": email,
        "model": "claude-4.5-sonnet",
        "kind": "Included in Business",
        "maxMode": False,
        "isTokenBasedCall": True,
        "tokenUsage": {
            "inputTokens": input_tokens,
            "outputTokens": output_tokens,
            "cacheWriteTokens": 0,
            "cacheReadTokens": 0,
            "totalCents": 1.0,
        },
    }


CURSOR_EVENTS = [
    _event("e1@example.com"),  # usageEvents[0] accepted
    _event("e2@example.com"),  # [1] accepted
    _event("e3@example.com"),  # [2] accepted
    _event("e4@example.com"),  # [3] accepted
    _event("e5@example.com"),  # [4] accepted: unassigned
    _event("e1@example.com", ts="2026-01-09T10:00:00", input_tokens=1.5),  # [5] not whole
    _event("e2@example.com", ts="2026-01-09T10:00:00", output_tokens=1e19),  # [6] > bound
    _event("e3@example.com", ts="2026-01-09T10:00:00", output_tokens=9 * 10**18),  # [7] > bound
    _event("e4@example.com", ts="2099-01-01T00:00:00"),  # [8] future
]
CURSOR_PAGE = {
    "totalUsageEventsCount": len(CURSOR_EVENTS),
    "pagination": {"numPages": 1, "currentPage": 1, "pageSize": 500, "hasNextPage": False},
    "usageEvents": CURSOR_EVENTS,
}


def _pr(pr_id, login, created, merged_at=None, merged=None):
    return {
        "id": pr_id,
        "number": pr_id,
        "state": "closed" if merged_at or merged else "open",
        "title": f"PR {pr_id}",
        "user": {"login": login, "id": pr_id * 10, "type": "User"},
        "labels": [],
        "draft": False,
        "created_at": created,
        "closed_at": merged_at,
        "merged_at": merged_at,
        "merged": merged if merged is not None else merged_at is not None,
        "merged_by": None,
        "merge_commit_sha": None,
        "base": {"ref": "main", "repo": {"full_name": "acme/shop"}},
        "head": {"ref": f"b{pr_id}", "sha": "abc"},
        "additions": 50,
        "deletions": 10,
        "changed_files": 3,
        "commits": 2,
        "comments": 1,
        "review_comments": 1,
    }


PULL_REQUESTS = [
    _pr(1, "e5-gh", "2026-01-05T10:00:00Z", merged_at="2026-01-06T10:00:00Z"),  # [0] unassigned
    _pr(2, "e2-gh", "2026-01-05T10:00:00Z", merged=True),  # [1] merged, no merged_at
    _pr(3, "e1-gh", "2099-01-05T10:00:00Z"),  # [2] future
]

JIRA_PAGE = {
    "startAt": 0,
    "maxResults": 50,
    "total": 1,
    "issues": [
        {
            "id": "20001",
            "key": "SHOP-1",
            "fields": {
                "issuetype": {"name": "Bug"},
                "priority": {"name": "High"},
                "status": {"name": "Open", "statusCategory": {"key": "new"}},
                "resolution": None,
                "created": "2026-01-07T10:00:00.000+0000",
                "resolutiondate": None,
                "updated": "2026-01-07T10:00:00.000+0000",
                "project": {"key": "SHOP"},
                "components": [],
                "labels": [],
                "assignee": {"accountId": "acc-e5"},
                "reporter": {"accountId": "acc-e1"},
            },
        }
    ],
}

BOUND = 1_000_000_000_000  # var max_tokens_per_record in dbt_project.yml
FUTURE = "is more than 15 minutes in the future (future_timestamp_tolerance_minutes)"
CURSOR_FILE = "cursor/usage_events/page-1.json"
PR_FILE = "github/pull_requests/acme-shop.json"
EXPECTED_REJECTS = {
    (CURSOR_FILE, "usageEvents[5]"): "tokenUsage.inputTokens 1.5 is not a whole number",
    (CURSOR_FILE, "usageEvents[6]"): (
        f"tokenUsage.outputTokens 1e+19 exceeds max_tokens_per_record ({BOUND})"
    ),
    (CURSOR_FILE, "usageEvents[7]"): (
        f"tokenUsage.outputTokens 9e+18 exceeds max_tokens_per_record ({BOUND})"
    ),
    (CURSOR_FILE, "usageEvents[8]"): f"timestamp 2099-01-01 00:00:00 {FUTURE}",
    (PR_FILE, "[1]"): "merged without a merge time (merged: true, merged_at: null)",
    (PR_FILE, "[2]"): f"created_at 2099-01-05 10:00:00 {FUTURE}",
    ("hr/roster.csv", "line 7"): (
        "validity 2026-01-15..open overlaps line 5 of the same employee_id E4"
    ),
    # a date no reader can read: rejected, never a build-stopping conversion error nor an
    # open-ended ("current") assignment
    ("hr/roster.csv", "line 8"): "valid_to '31/01/2026' is not a date",
}

# January 2026 by team, by hand: T1 = E1, E2 (E4's T1 row is rejected); T2 = E3, E4;
# unassigned = E5 with PR 1 and SHOP-1. One accepted 1,000-token event per person.
EXPECTED_TEAMS = {
    "T1": {"headcount": 2, "total_tokens": 2_000, "merged_prs": 0, "bugs": 0},
    "T2": {"headcount": 2, "total_tokens": 2_000, "merged_prs": 0, "bugs": 0},
    "unassigned": {"headcount": 1, "total_tokens": 1_000, "merged_prs": 1, "bugs": 1},
}


def write_raw(raw: Path) -> Path:
    files = {
        "hr/roster.csv": ROSTER,
        CURSOR_FILE: json.dumps(CURSOR_PAGE),
        PR_FILE: json.dumps(PULL_REQUESTS),
        "jira/issues/page-1.json": json.dumps(JIRA_PAGE),
    }
    for rel, text in files.items():
        (raw / rel).parent.mkdir(parents=True, exist_ok=True)
        (raw / rel).write_text(text)
    return raw


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The raw directory through mileage.pipeline.build once: (raw, published warehouse)."""
    from mileage.pipeline import StageFailed, build

    base = tmp_path_factory.mktemp("per-record")
    raw = write_raw(base / "raw")
    warehouse = base / "warehouse" / "mileage.duckdb"
    try:
        # E4's overlapping row and E5's missing team_id stop a default build (the loss check,
        # tests/loss); published anyway, nothing may disappear
        build(raw, warehouse, accept_loss=True)
    except StageFailed as exc:
        pytest.fail(f"a valid five-person organisation with bad records did not build: {exc}")
    return raw, warehouse


def _query(warehouse: Path, sql: str, params=None) -> list[tuple]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def test_each_implausible_record_is_rejected_naming_file_record_field_and_value(built):
    raw, warehouse = built
    rows = _query(
        warehouse,
        "select source_file, record_path, reason from marts.fct_rejected_records "
        "where source_file is not null",
    )
    found = {(str(Path(f).relative_to(raw)), path): reason for f, path, reason in rows}
    assert found == EXPECTED_REJECTS


def test_overlapping_roster_rows_keep_one_row_per_person(built):
    _, warehouse = built
    # five people, each once in dim_employees; E4 (two rows, one rejected) once
    assert _query(warehouse, "select count(*) from marts.dim_employees") == [(5,)]


def test_team_months_count_everyone_including_unassigned(built):
    _, warehouse = built
    rows = _query(
        warehouse,
        "select team_id, headcount, total_tokens, merged_prs, bugs from marts.fct_team_months "
        "where month_start = date '2026-01-01'",
    )
    got = {
        team: {"headcount": h, "total_tokens": t, "merged_prs": p, "bugs": b}
        for team, h, t, p, b in rows
    }
    assert got == EXPECTED_TEAMS
    # the organisation's total is every accepted event: 5 x 1,000
    assert _query(warehouse, "select sum(total_tokens) from marts.fct_ai_usage_daily") == [
        (5 * TOKENS_PER_EVENT,)
    ]
    assert _query(
        warehouse, "select team_name from marts.dim_teams where team_id = 'unassigned'"
    ) == [("Unassigned",)]


def test_constant_token_ranks_give_a_null_rank_correlation(built):
    from fixtures.warehouse_scan import assert_all_finite

    _, warehouse = built
    rows = _query(
        warehouse,
        "select people, rank_correlation from marts.fct_leaderboard_summary "
        "where month_start = date '2026-01-01'",
    )
    assert rows == [(5, None)]
    assert_all_finite(warehouse)


def test_a_future_record_does_not_stretch_the_export_period(built):
    from mileage.quality.gate import export_period

    _, warehouse = built
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        start, end = export_period(con, {})
    finally:
        con.close()
    # what the export covers, the 2099 event left out: the events of 2026-01-08 14:00 UTC to
    # those of 2026-01-09 10:00 (rejected for their token counts, but exported in the period)
    assert (start, end) == (datetime(2026, 1, 8, 14), datetime(2026, 1, 9, 10))


def test_the_unplaceable_roster_rows_were_accepted_as_a_loss(built):
    _, warehouse = built
    rows = _query(
        warehouse, "select source, rule, records from quality.accepted_losses order by source"
    )
    # E4's overlapping row (line 7), E5's row without a team (line 6) and E6's unreadable
    # valid_to (line 8): three roster rows
    assert rows == [("hr__roster", "roster", 3)]
