"""`mileage fetch` against a local fake of each vendor API (fake_vendors.py).

One test fetches every source twice and builds the result once (one dbt build); the others
are fast: an expired key, the retry arithmetic, atomic writes and where credentials may live.
Expected values come from the fixture pages themselves, never from Mileage's output.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import httpx
import pytest
from typer.testing import CliRunner

from fake_vendors import EXPIRED, SECRETS, FakeVendors, fixture
from fixtures.tiny_raw import API_KEYS, ROSTER
from mileage.cli import app
from mileage.fetch import SOURCES, fetch
from mileage.fetch.http import server_wait
from mileage.fetch.settings import SettingsError, load
from mileage.fetch.store import STATE_DIR, resume_date, write_atomic

ALL = list(SOURCES)
DAILY = ["anthropic", "claude_code", "openai", "cursor", "copilot"]


@pytest.fixture
def fake(httpserver) -> FakeVendors:
    vendors = FakeVendors(httpserver.url_for("").rstrip("/"))
    httpserver.expect_request(re.compile(".*")).respond_with_handler(vendors)
    assert httpserver.host == "127.0.0.1"
    return vendors


def _records(name: str, key: str) -> list:
    return json.loads(fixture(name))[key]


def _files(raw: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(raw)): p.read_bytes()
        for p in sorted(raw.rglob("*"))
        if p.is_file() and STATE_DIR not in p.parts
    }


def test_fetch_twice_then_build(fake, tmp_path):
    raw = tmp_path / "raw"
    waits: list[float] = []

    # Run 1: 2026-01-05 and 2026-01-06 (the 6th still partial at the vendor).
    first = fetch(
        ALL,
        raw,
        since=date(2026, 1, 5),
        until=datetime(2026, 1, 7, tzinfo=UTC),
        environ=fake.env(),
        sleep=waits.append,
    )
    assert [r.error for r in first.results] == [None] * len(ALL)
    # The 429 said Retry-After: 2 and was obeyed; the 500 backed off (jitter: 1..2 s).
    assert waits[0] == 2.0 and 1.0 <= waits[1] <= 2.0 and len(waits) == 2
    files = _files(raw)
    # Pages are what the API returned, byte for byte.
    assert files["anthropic/usage_report_messages/2026-01-05-p2.json"] == fixture(
        "anthropic_messages_2026-01-05_p2.json"
    )
    assert files["copilot/users/2026-01-05-p1.ndjson"] == fixture("copilot_users_2026-01-05.ndjson")
    assert files["github/pull_requests/acme__shop__11.json"] == (
        b"[" + fixture("github_pull_11.json") + b"]"
    )
    # PR 14 was last updated before --since: the listing stopped there.
    assert "github/pull_requests/acme__shop__14.json" not in files
    for name in DAILY:
        assert resume_date(raw, name) == date(2026, 1, 6)  # the partial day is re-fetched
    assert not [p for p in raw.rglob("*.partial")]

    # Run 2, resuming from the state files, up to 2026-01-08.
    fake.requests.clear()
    fake.second_run = True
    before = _files(raw)
    second = fetch(
        ALL,
        raw,
        until=datetime(2026, 1, 8, tzinfo=UTC),
        environ=fake.env(),
        sleep=waits.append,
    )
    assert [r.error for r in second.results] == [None] * len(ALL)
    days_asked = {(api, day) for api, day, _ in fake.requests if api in DAILY}
    assert days_asked == {(api, d) for api in DAILY for d in ("2026-01-06", "2026-01-07")}
    # GitHub: one listing page, every PR older than the last run's day: nothing re-fetched.
    assert [r for r in fake.requests if r[0] == "github"] == [("github", "", "list-1")]
    after = _files(raw)
    unchanged = [f for f in before if "2026-01-05" in f or f.startswith("github/")]
    assert all(after[f] == before[f] for f in unchanged)
    # The re-fetched day replaced its partial page instead of sitting beside it.
    assert after["anthropic/usage_report_messages/2026-01-06-p1.json"] == fixture(
        "anthropic_messages_2026-01-06_p1.json"
    )

    # Credentials appear in no file the fetcher wrote (pages, state), nor the signed URL.
    written = [p.read_bytes() for p in raw.rglob("*") if p.is_file()]
    for secret in [*SECRETS.values(), "SIGNEDURLSECRET"]:
        assert not any(secret.encode() in content for content in written), secret

    # One build of the fetched directory plus a roster.
    (raw / "hr").mkdir()
    (raw / "hr" / "roster.csv").write_text(ROSTER)
    (raw / "hr" / "api_keys.csv").write_text(API_KEYS)
    from mileage.pipeline import build

    warehouse = tmp_path / "wh" / "mileage.duckdb"
    build(raw, warehouse, run_gate=False)
    for path in [p for p in (tmp_path / "wh").rglob("*") if p.is_file()]:
        content = path.read_bytes()
        for secret in SECRETS.values():
            assert secret.encode() not in content, (secret, path)

    # Expected staged records, from the pages the fake served last for each day.
    messages = [
        r["output_tokens"]
        for name in (
            "anthropic_messages_2026-01-05_p1.json",
            "anthropic_messages_2026-01-05_p2.json",
            "anthropic_messages_2026-01-06_p1.json",
            "anthropic_messages_2026-01-07_p1.json",
        )
        for b in _records(name, "data")
        for r in b["results"]
    ]
    assert messages == [100, 200, 350, 400, 500]  # by hand: the partial 300 is gone
    openai = [
        r["output_tokens"]
        for name in (
            "openai_2026-01-05_p1.json",
            "openai_2026-01-06_p1.json",
            "openai_2026-01-06_p2.json",
        )
        for b in _records(name, "data")
        for r in b["results"]
    ]
    cursor = [
        e["tokenUsage"]["outputTokens"]
        for name in (
            "cursor_2026-01-05_p1.json",
            "cursor_2026-01-05_p2.json",
            "cursor_2026-01-06_p1.json",
        )
        for e in _records(name, "usageEvents")
    ]
    con = duckdb.connect(str(warehouse), read_only=True)

    def staged(table: str, column: str) -> list:
        rows = con.execute(
            f"select {column} from staging.{table} where reject_reason is null order by 1"
        ).fetchall()
        return [r[0] for r in rows]

    def rejected(table: str) -> list:
        return con.execute(
            f"select reject_reason from staging.{table} where reject_reason is not null"
        ).fetchall()

    try:
        assert staged("stg_anthropic__usage_report_messages", "output_tokens") == sorted(messages)
        assert staged("stg_openai__usage_completions", "output_tokens") == sorted(openai)
        assert staged("stg_cursor__usage_events", "output_tokens") == sorted(cursor)
        assert staged("stg_anthropic__claude_code", "num_sessions") == [2, 3, 4]
        assert staged("stg_copilot__users", "copilot_user_id") == [1, 1, 2]
        assert staged("stg_github__pull_requests", "pull_request_id") == [9001, 9002, 9003]
        assert [str(i) for i in staged("stg_jira__issues", "issue_id")] == ["10001", "10002"]
        for table in (
            "stg_anthropic__usage_report_messages",
            "stg_openai__usage_completions",
            "stg_cursor__usage_events",
            "stg_anthropic__claude_code",
            "stg_copilot__users",
            "stg_github__pull_requests",
        ):
            assert rejected(table) == [], table
    finally:
        con.close()


def test_expired_key_is_one_line_and_other_sources_still_fetch(fake, tmp_path, monkeypatch):
    env = {**fake.env(), "OPENAI_ADMIN_KEY": EXPIRED}
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    fake.faults.clear()
    raw = tmp_path / "raw"
    result = CliRunner().invoke(
        app,
        [
            "fetch",
            "openai",
            "cursor",
            "--raw-dir",
            str(raw),
            "--since",
            "2026-01-05",
            "--until",
            "2026-01-06",
        ],
    )
    assert result.exit_code == 1
    line = next(x for x in result.output.splitlines() if x.startswith("openai:"))
    assert "HTTP 401" in line and "expired, revoked or wrong" in line
    assert "OPENAI_ADMIN_KEY" in line and EXPIRED not in result.output
    assert (raw / "cursor/usage_events/2026-01-05-p2.json").is_file()
    assert not (raw / "openai").exists() and resume_date(raw, "openai") is None


def test_server_wait_reads_retry_after_and_github_reset():
    request = httpx.Request("GET", "https://example.invalid/")
    assert server_wait(httpx.Response(429, headers={"retry-after": "7"}, request=request)) == 7
    dated = httpx.Response(
        429, headers={"retry-after": "Wed, 21 Oct 2026 07:28:30 GMT"}, request=request
    )
    now = datetime(2026, 10, 21, 7, 28, 0, tzinfo=UTC).timestamp()
    assert server_wait(dated, now=now) == 30
    github = httpx.Response(
        403,
        headers={"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(int(now) + 90)},
        request=request,
    )
    assert server_wait(github, now=now) == 90
    assert server_wait(httpx.Response(500, request=request)) is None


def test_a_failed_write_leaves_the_old_page(tmp_path, monkeypatch):
    page = tmp_path / "cursor" / "usage_events" / "2026-01-05-p1.json"
    write_atomic(page, b'{"old": true}')

    def crash(*_):
        raise OSError("disk full")

    monkeypatch.setattr("mileage.fetch.store.os.replace", crash)
    with pytest.raises(OSError):
        write_atomic(page, b'{"new": tru')
    assert page.read_bytes() == b'{"old": true}'


def test_credentials_file_inside_the_raw_dir_is_refused(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    inside = raw / "fetch.toml"
    inside.write_text('CURSOR_API_KEY = "key_x"\n')
    with pytest.raises(SettingsError, match="inside the raw directory"):
        load(raw, {"MILEAGE_FETCH_CONFIG": str(inside)})
    outside = tmp_path / "fetch.toml"
    outside.write_text('CURSOR_API_KEY = "key_from_file"\n')
    assert load(raw, {"MILEAGE_FETCH_CONFIG": str(outside)})["CURSOR_API_KEY"] == "key_from_file"
    both = load(raw, {"MILEAGE_FETCH_CONFIG": str(outside), "CURSOR_API_KEY": "key_env"})
    assert both["CURSOR_API_KEY"] == "key_env"
