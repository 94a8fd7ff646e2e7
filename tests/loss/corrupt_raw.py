"""The tiny raw directory (tests/fixtures/tiny_raw.py) with one corruption of each kind the
loss check and the raw-directory inventory know, batched so one build sees them all.

Every figure below is worked out by hand from what is written here.
"""

from __future__ import annotations

from pathlib import Path

from fixtures.tiny_raw import write_tiny_raw

# A truncated Anthropic Messages page: 500 results were exported, the download stopped inside
# result 301, before its marker key (uncached_input_tokens). Each result holds
# 1,000 + 0 + 0 + 200 + 30 = 1,230 tokens, so the readable bytes show 300 records and
# 300 x 1,230 = 369,000 tokens.
RESULT = (
    '{"api_key_id": "apikey_ana", "workspace_id": null, '
    '"model": "claude-sonnet-4-5-20250929", "service_tier": "standard", '
    '"context_window": "0-200k", "uncached_input_tokens": 1000, '
    '"cache_creation": {"ephemeral_5m_input_tokens": 0, "ephemeral_1h_input_tokens": 0}, '
    '"cache_read_input_tokens": 200, "output_tokens": 30, '
    '"server_tool_use": {"web_search_requests": 0}}'
)
TRUNCATED_RECORDS = 300
TRUNCATED_TOKENS = 300 * 1_230
TRUNCATED_PAGE = (
    '{"data": [{"starting_at": "2026-01-06T09:00:00Z", "ending_at": "2026-01-06T10:00:00Z", '
    '"results": [' + ", ".join([RESULT] * TRUNCATED_RECORDS) + ', {"api_key_id": "apikey_ana", "mod'
)

# A roster row without team_id (line 7: the header is line 1, the tiny roster has 5 rows).
ROSTER_ROW_WITHOUT_TEAM = (
    "E5,eve@example.com,Eve Ek,eve-gh,acc-eve,,,,Core,engineer,L3,100000,UTC,,2026-01-01,\n"
)

# 25 lines of the Copilot file that are not JSON: 25 of its 26 records lost (96.2%), past the
# 5% threshold with more than the 20 records a share needs.
COPILOT_BAD_LINES = 25


def write_corrupt_raw(raw: Path) -> Path:
    write_tiny_raw(raw)
    (raw / "anthropic/usage_report_messages/page-3.json").write_text(TRUNCATED_PAGE)
    with (raw / "hr/roster.csv").open("a") as f:
        f.write(ROSTER_ROW_WITHOUT_TEAM)
    with (raw / "copilot/users/2026-01-09.ndjson").open("a") as f:
        f.write("not json\n" * COPILOT_BAD_LINES)
    # what the contract does not read
    (raw / "cursor/usage-events").mkdir()
    (raw / "cursor/usage-events/page-1.json").write_text('{"usageEvents": []}')
    (raw / "hr/roster_2.csv").write_text("employee_id,email\n")
    (raw / "jira/issues/export.csv").write_text("key\nSHOP-9\n")
    (raw / "notes").mkdir()
    (raw / ".DS_Store").write_text("hidden: skipped")
    return raw
