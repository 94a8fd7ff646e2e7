"""Documented volume bounds of a simulation (with the default tool shares and gaming rates).

Records per person-day, by source (`SimulationSummary.records_by_source` keys). Telemetry is
per person-day of the telemetry pilot window (the last `telemetry_days` days). Small
organisations sit near the top of each range: every tool gets a few users whatever the size.
Tests hold every run to these bounds; the pipeline can size itself on them.

Measured (seed 42, default options, 1h buckets):
- 2,000 people x 365 days: 0.43 Messages rows, 0.18 Claude Code records, 0.18 Cursor events,
  0.10 Copilot lines, 0.14 OpenAI rows, 0.15 PRs and 0.009 Jira issues per person-day;
  0.36 telemetry events per person-day of the pilot; ~0.95M records, ~0.49 GB on disk.
- 60 people x 31 days (the test organisation): ~7,500 records, ~4.5 MB.
"""

from __future__ import annotations

RECORDS_PER_PERSON_DAY = {
    "anthropic_messages": (0.1, 2.0),
    "anthropic_claude_code": (0.05, 0.5),
    "openai_completions": (0.02, 1.0),
    "cursor_usage_events": (0.05, 2.0),
    "copilot_users": (0.03, 0.3),
    "telemetry_claude_code": (0.05, 5.0),  # per person-day of the telemetry window
    "github_pull_requests": (0.05, 0.4),
    "github_pull_requests_list": (0.002, 0.05),
    "jira_issues": (0.001, 0.03),
}
MAX_BYTES_PER_PERSON_DAY = 4_000
MAX_FILE_BYTES = 40_000_000
