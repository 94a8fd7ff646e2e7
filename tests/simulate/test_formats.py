"""Every file the simulator writes parses and matches its vendor's format: field names, units,
timestamp styles (RFC 3339 Z, unix seconds, epoch-ms strings, Jira +hhmm)."""

from __future__ import annotations

import csv
import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from mileage.simulate.writers import SOURCES

RFC3339_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
RFC3339_MS_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
JIRA_TS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d{4}$")
EPOCH_MS = re.compile(r"^\d{13}$")
DAY = re.compile(r"^\d{4}-\d\d-\d\d$")
PROJECT_DIR = Path(__file__).resolve().parents[2]
UNPRICED = "claude-3-opus-20240229"


def _files(raw: Path, source: str) -> list[Path]:
    folder, prefix, ext, _ = SOURCES[source]
    files = sorted((raw / folder).glob(f"{prefix}_*.{ext}"))
    assert files, f"no {source} files in {raw / folder}"
    return files


def _docs(raw: Path, source: str):
    for path in _files(raw, source):
        yield path, json.loads(path.read_text())


def _lines(raw: Path, source: str):
    for path in _files(raw, source):
        for line in path.read_text().splitlines():
            yield json.loads(line)


def _period(sim):
    start = datetime(
        sim.options.start.year, sim.options.start.month, sim.options.start.day, tzinfo=UTC
    )
    return start, start + timedelta(days=sim.options.days)


def _parse_z(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_only_contract_paths_are_written(small_sim):
    allowed = {"hr/roster.csv", "hr/api_keys.csv", "roadmap/roadmap_items.csv"}
    folders = {spec[0]: spec[2] for spec in SOURCES.values()}
    for path in small_sim.raw.rglob("*"):
        if path.is_dir():
            continue
        rel = path.relative_to(small_sim.raw).as_posix()
        if rel in allowed:
            continue
        folder, _, name = rel.rpartition("/")
        assert folder in folders and name.endswith("." + folders[folder]), rel
    assert not list(small_sim.raw.glob(".*")), "scratch files left behind"


def test_every_file_parses_and_stays_under_40_mb(small_sim):
    count = 0
    for path in small_sim.raw.rglob("*"):
        if not path.is_file():
            continue
        assert path.stat().st_size < 40_000_000, path
        if path.suffix == ".json":
            json.loads(path.read_text())
        elif path.suffix in (".ndjson", ".jsonl"):
            for line in path.read_text().splitlines():
                assert isinstance(json.loads(line), dict)
        count += 1
    assert count == small_sim.summary.files_written


def test_anthropic_messages_pages(small_sim):
    start, end = _period(small_sim)
    keys = {
        "api_key_id",
        "workspace_id",
        "model",
        "service_tier",
        "context_window",
        "uncached_input_tokens",
        "cache_creation",
        "cache_read_input_tokens",
        "output_tokens",
        "server_tool_use",
    }
    pages = list(_docs(small_sim.raw, "anthropic_messages"))
    assert len(pages) >= 2, "pages are split by time range"
    models, null_keys = set(), 0
    for path, doc in pages:
        assert set(doc) == {"data", "has_more", "next_page"}, path
        assert (doc["next_page"] is None) == (doc["has_more"] is False)
        for bucket in doc["data"]:
            assert RFC3339_Z.match(bucket["starting_at"]) and RFC3339_Z.match(bucket["ending_at"])
            t0, t1 = _parse_z(bucket["starting_at"]), _parse_z(bucket["ending_at"])
            assert t1 - t0 == timedelta(hours=1) and t0.minute == 0 and start <= t0 < end
            for row in bucket["results"]:
                assert set(row) == keys
                assert set(row["cache_creation"]) == {
                    "ephemeral_5m_input_tokens",
                    "ephemeral_1h_input_tokens",
                }
                for value in (
                    row["uncached_input_tokens"],
                    row["cache_read_input_tokens"],
                    row["output_tokens"],
                    *row["cache_creation"].values(),
                ):
                    assert isinstance(value, int) and value >= 0
                if row["api_key_id"] is None:
                    null_keys += 1
                else:
                    assert row["api_key_id"].startswith("apikey_01")
                models.add(row["model"])
    assert UNPRICED in models, "the unpriced model never appears"
    assert null_keys > 0, "no Console (null key) usage"


def test_claude_code_records(small_sim):
    customer_types, actor_types = set(), set()
    for path, doc in _docs(small_sim.raw, "anthropic_claude_code"):
        assert set(doc) == {"data", "has_more", "next_page"}, path
        for rec in doc["data"]:
            assert set(rec) == {
                "date",
                "actor",
                "organization_id",
                "customer_type",
                "terminal_type",
                "core_metrics",
                "tool_actions",
                "model_breakdown",
            }
            assert RFC3339_Z.match(rec["date"]) and rec["date"].endswith("T00:00:00Z")
            actor = rec["actor"]
            actor_types.add(actor["type"])
            if actor["type"] == "user_actor":
                assert set(actor) == {"type", "email_address"} and "@" in actor["email_address"]
            else:
                assert set(actor) == {"type", "api_key_name"}
            customer_types.add(rec["customer_type"])
            assert (rec["customer_type"] == "api") == (actor["type"] == "api_actor")
            assert set(rec["core_metrics"]) == {
                "num_sessions",
                "lines_of_code",
                "commits_by_claude_code",
                "pull_requests_by_claude_code",
            }
            assert set(rec["tool_actions"]) == {
                "edit_tool",
                "multi_edit_tool",
                "write_tool",
                "notebook_edit_tool",
            }
            assert rec["model_breakdown"]
            for mb in rec["model_breakdown"]:
                assert set(mb["tokens"]) == {"input", "output", "cache_read", "cache_creation"}
                assert mb["estimated_cost"]["currency"] == "USD"
                assert isinstance(mb["estimated_cost"]["amount"], int | float)
    assert customer_types == {"api", "subscription"}
    assert actor_types == {"user_actor", "api_actor"}


def test_claude_code_cost_is_in_cents(duck):
    # Sonnet 4.x list prices: $3 in, $15 out, $0.30 cache read, $3.75 cache write per MTok.
    rows = duck.execute("""
        select cost_cents, (input * 3 + output * 15 + cache_read * 0.3
                            + cache_creation * 3.75) / 1e6 * 100 as expected
        from cc where model like 'claude-sonnet-4-5%'""").fetchall()
    assert rows
    for cost, expected in rows:
        assert cost == pytest.approx(expected, abs=0.011)


def test_openai_pages_use_unix_seconds_and_inclusive_input(small_sim):
    start, end = _period(small_sim)
    users = 0
    for path, doc in _docs(small_sim.raw, "openai_completions"):
        assert doc["object"] == "page" and set(doc) == {
            "object",
            "data",
            "has_more",
            "next_page",
        }, path
        for bucket in doc["data"]:
            assert bucket["object"] == "bucket"
            assert isinstance(bucket["start_time"], int)
            assert bucket["end_time"] - bucket["start_time"] == 3600
            assert start.timestamp() <= bucket["start_time"] < end.timestamp()
            for row in bucket["results"]:
                assert row["object"] == "organization.usage.completions.result"
                assert {
                    "input_tokens",
                    "input_cached_tokens",
                    "output_tokens",
                    "num_model_requests",
                    "project_id",
                    "user_id",
                    "api_key_id",
                    "model",
                    "batch",
                    "service_tier",
                } <= set(row)
                assert 0 <= row["input_cached_tokens"] <= row["input_tokens"]
                assert row["num_model_requests"] >= 1
                assert row["api_key_id"].startswith("key_")
                users += row["user_id"] is not None
                if row["user_id"] is not None:
                    assert row["user_id"].startswith("user-")
    assert users > 0


def test_cursor_events_use_epoch_ms_strings_and_fractional_cents(small_sim):
    start, end = _period(small_sim)
    fractional = 0
    for path, doc in _docs(small_sim.raw, "cursor_usage_events"):
        assert set(doc) == {"totalUsageEventsCount", "pagination", "usageEvents"}, path
        assert set(doc["pagination"]) == {"numPages", "currentPage", "pageSize", "hasNextPage"}
        assert len(doc["usageEvents"]) <= doc["totalUsageEventsCount"]
        previous = 0
        for event in doc["usageEvents"]:
            assert isinstance(event["timestamp"], str) and EPOCH_MS.match(event["timestamp"])
            ms = int(event["timestamp"])
            assert start.timestamp() * 1000 <= ms < end.timestamp() * 1000
            assert ms >= previous
            previous = ms
            assert set(event["tokenUsage"]) == {
                "inputTokens",
                "outputTokens",
                "cacheWriteTokens",
                "cacheReadTokens",
                "totalCents",
            }
            assert event["isTokenBasedCall"] is True
            fractional += event["tokenUsage"]["totalCents"] != int(
                event["tokenUsage"]["totalCents"]
            )
    assert fractional > 0


def test_copilot_lines(small_sim, duck):
    logins = {r[0] for r in duck.execute("select github_login from roster").fetchall()}
    for line in _lines(small_sim.raw, "copilot_users"):
        assert DAY.match(line["day"]) and isinstance(line["user_id"], int)
        assert line["user_login"] in logins
        assert {
            "user_initiated_interaction_count",
            "code_generation_activity_count",
            "code_acceptance_activity_count",
            "loc_suggested_to_add_sum",
            "loc_added_sum",
            "used_agent",
            "used_chat",
            "used_cli",
            "totals_by_ide",
            "totals_by_feature",
            "totals_by_cli",
        } <= set(line)
        tokens = line["totals_by_cli"]["token_usage"]
        if not line["used_cli"]:
            assert tokens == {"prompt_tokens_sum": 0, "output_tokens_sum": 0}
        assert line["code_acceptance_activity_count"] <= line["code_generation_activity_count"]


def test_telemetry_events(small_sim):
    ids = set()
    for event in _lines(small_sim.raw, "telemetry_claude_code"):
        assert event["name"] == "claude_code.api_request"
        assert RFC3339_MS_Z.match(event["timestamp"])
        attrs = event["attributes"]
        assert {
            "session.id",
            "organization.id",
            "user.account_uuid",
            "user.email",
            "user.id",
            "terminal.type",
            "model",
            "cost_usd",
            "duration_ms",
            "input_tokens",
            "output_tokens",
            "cache_read_tokens",
            "cache_creation_tokens",
            "request_id",
        } == set(attrs)
        assert attrs["request_id"].startswith("req_")
        ids.add(attrs["request_id"])
    assert ids, "no telemetry"


def test_telemetry_ids_are_unique(duck):
    n, distinct = duck.execute("select count(*), count(distinct request_id) from tel").fetchone()
    assert n == distinct > 0


def test_github_pull_requests(small_sim):
    ids, states = set(), {"open": 0, "closed_merged": 0, "closed_unmerged": 0, "draft": 0}
    bots = 0
    for path, doc in _docs(small_sim.raw, "github_pull_requests"):
        assert isinstance(doc, list), path
        for pr in doc:
            assert {
                "id",
                "number",
                "state",
                "title",
                "user",
                "labels",
                "draft",
                "created_at",
                "closed_at",
                "merged_at",
                "merged",
                "merged_by",
                "merge_commit_sha",
                "base",
                "head",
                "additions",
                "deletions",
                "changed_files",
                "commits",
                "comments",
                "review_comments",
            } == set(pr)
            assert pr["id"] not in ids
            ids.add(pr["id"])
            assert pr["merged"] == (pr["merged_at"] is not None)
            assert RFC3339_Z.match(pr["created_at"])
            if pr["merged_at"]:
                assert pr["state"] == "closed" and pr["merged_by"]["login"]
                assert pr["merged_at"] >= pr["created_at"]
                states["closed_merged"] += 1
            elif pr["state"] == "closed":
                assert RFC3339_Z.match(pr["closed_at"]) and pr["merged_by"] is None
                states["closed_unmerged"] += 1
            else:
                states["open"] += 1
                states["draft"] += pr["draft"]
            assert pr["user"]["type"] == "User"
            assert len(pr["head"]["sha"]) == 40 and pr["base"]["repo"]["full_name"]
    for path, doc in _docs(small_sim.raw, "github_pull_requests_list"):
        for pr in doc:
            # Built from the list endpoint: no sizes, no `merged`.
            assert not {"additions", "deletions", "changed_files", "merged"} & set(pr), path
            assert pr["user"]["type"] == "Bot" and pr["user"]["login"].endswith("[bot]")
            assert pr["id"] not in ids
            ids.add(pr["id"])
            bots += 1
    assert bots > 0 and states["closed_merged"] > 0 and states["closed_unmerged"] > 0
    assert states["open"] > 0 and states["draft"] > 0


def test_jira_search_pages(small_sim, duck):
    tz_of = dict(
        duck.execute("select email, any_value(timezone) from roster group by 1").fetchall()
    )
    emails = set(tz_of)
    pr_ids = {r[0] for r in duck.execute("select id from pr").fetchall()}
    total, linked, offsets = 0, 0, set()
    for path, doc in _docs(small_sim.raw, "jira_issues"):
        assert {"startAt", "maxResults", "total", "issues"} <= set(doc), path
        assert doc["startAt"] == total
        total += len(doc["issues"])
        for issue in doc["issues"]:
            f = issue["fields"]
            assert issue["key"].startswith(f["project"]["key"] + "-")
            assert JIRA_TS.match(f["created"]) and JIRA_TS.match(f["updated"])
            offsets.add(f["created"][-5:])
            who = (f["assignee"] or f["reporter"])["emailAddress"]
            created = datetime.strptime(f["created"], "%Y-%m-%dT%H:%M:%S.%f%z")
            # Shown in the person's own timezone (the offset of that date, DST included).
            assert created.utcoffset() == created.astimezone(ZoneInfo(tz_of[who])).utcoffset()
            if f["resolutiondate"] is not None:
                assert JIRA_TS.match(f["resolutiondate"])
                assert f["status"]["statusCategory"]["key"] == "done"
            assert f["issuetype"]["name"] in {"Bug", "Task"}
            if f["assignee"] is not None:
                assert f["assignee"]["emailAddress"] in emails
            for label in f["labels"]:
                if label.startswith("caused-by-pr:"):
                    linked += 1
                    assert int(label.split(":")[1]) in pr_ids
    assert total == doc["total"] > 0
    assert linked > 0
    assert offsets


def test_model_ids_have_date_suffixes_and_known_families(duck):
    families = [
        re.compile(row["model_regex"])
        for row in csv.DictReader((PROJECT_DIR / "seeds" / "model_families.csv").open())
    ]
    models = set()
    for view in ("msg", "cc", "tel", "oai", "cur"):
        models |= {r[0] for r in duck.execute(f"select distinct model from {view}").fetchall()}
    for model in models:
        if model == UNPRICED:
            continue
        assert any(f.search(model) for f in families), f"{model} matches no price family"
    dated = [m for m in models if re.search(r"-20\d{6}$|-20\d\d-\d\d-\d\d$", m)]
    assert len(dated) >= 5


def test_company_csvs(small_sim):
    roster = list(csv.DictReader((small_sim.raw / "hr" / "roster.csv").open()))
    assert list(roster[0]) == [
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
    ]
    keys = list(csv.DictReader((small_sim.raw / "hr" / "api_keys.csv").open()))
    assert list(keys[0]) == [
        "provider",
        "api_key_id",
        "api_key_name",
        "owner_email",
        "valid_from",
        "valid_to",
    ]
    emails = {r["email"] for r in roster}
    assert {k["provider"] for k in keys} == {"anthropic", "openai"}
    assert any(not k["owner_email"] for k in keys), "no unowned key"
    assert all(not k["owner_email"] or k["owner_email"] in emails for k in keys)
    items = list(csv.DictReader((small_sim.raw / "roadmap" / "roadmap_items.csv").open()))
    assert list(items[0]) == [
        "team_id",
        "quarter",
        "item_id",
        "title",
        "planned_points",
        "delivered_points",
        "status",
        "delivered_at",
    ]
    teams = {r["team_id"] for r in roster}
    assert {i["team_id"] for i in items} == teams
    assert len({i["item_id"] for i in items}) == len(items)
    for item in items:
        assert re.match(r"^\d{4}-Q[1-4]$", item["quarter"])
        assert 0 <= float(item["delivered_points"]) <= float(item["planned_points"])
        assert item["status"] in {"delivered", "partial", "not_started", "dropped"}
        assert (item["status"] == "delivered") == bool(item["delivered_at"])
        if item["status"] == "delivered":
            assert item["delivered_points"] == item["planned_points"]
