"""Random *valid* organisations, written from the raw-directory contract, with their own answers.

Written from docs/raw-contract.md, the README's "The raw directory" and the landing
declarations in mileage/landing.py, and deliberately not from `mileage simulate`: a second,
independent writer of every vendor's shape, so a simulator and a pipeline that agree on a
misreading of the contract cannot hide it from each other.

Two layers:
- `OrgSpec` is the organisation's *structure* (people, teams, time zones, moves, leavers,
  which sources exist, which months have delivery data). Hypothesis draws it (`org_specs()`)
  and shrinks it, so a failing example shrinks towards the fewest people, months and sources.
- `make_org(spec)` turns a spec into records, deterministically (magnitudes from
  `random.Random(spec.seed)`), and `expected(org)` computes from those records alone what the
  marts must say: raw record counts per landing source, tokens per provider, merged pull
  requests and bugs per team-month, roadmap points per team-quarter.

Every value is valid by the contract: positive token counts, models matched by
seeds/model_families.csv and priced in seeds/token_prices.csv, timestamps inside the period
(which ends before today), unique natural keys, roster rows of one person never overlapping.
Usage happens only while its user is employed, so nothing is attributed outside an
assignment. Usage volume per active day stays within a factor of about three from month to
month (at most half the people leave, per-day amounts vary at most 2x): the gate's
month-over-month band (expectations/thresholds.yml) is for broken exports, not for these.
"""

from __future__ import annotations

import csv
import io
import json
import random
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from hypothesis import strategies as st

# IANA names from UTC-12 to UTC+14, with the half- and three-quarter-hour offsets.
TIMEZONES = (
    "UTC",
    "Etc/GMT+12",  # UTC-12 (POSIX sign)
    "Pacific/Pago_Pago",  # -11
    "Pacific/Marquesas",  # -9:30
    "America/St_Johns",  # -3:30 / -2:30
    "America/New_York",
    "Europe/Berlin",
    "Asia/Tehran",  # +3:30
    "Asia/Kolkata",  # +5:30
    "Asia/Kathmandu",  # +5:45
    "Australia/Adelaide",  # +9:30 / +10:30
    "Pacific/Chatham",  # +12:45 / +13:45
    "Pacific/Kiritimati",  # +14
)

# Model ids matched by seeds/model_families.csv to a family priced in seeds/token_prices.csv.
ANTHROPIC_MODELS = (
    "claude-sonnet-4-5-20250929",
    "claude-opus-4-5-20251101",
    "claude-haiku-4-5-20251001",
    "claude-opus-4-1-20250805",
    "claude-sonnet-4-20250514",
)
OPENAI_MODELS = ("gpt-5-2025-08-07", "gpt-5-mini-2025-08-07", "gpt-5")
CURSOR_MODELS = ("claude-4.5-sonnet", "claude-4-opus", "claude-4.5-haiku", "gpt-5")

# Optional sources (the roster is always there).
USAGE_SOURCES = ("messages", "claude_code", "openai", "cursor", "copilot")
OTHER_SOURCES = ("api_keys", "telemetry", "github", "jira", "roadmap")
SOURCES = USAGE_SOURCES + OTHER_SOURCES

HIRED_LONG_AGO = date(2024, 1, 1)


@dataclass(frozen=True)
class PersonSpec:
    team: int
    timezone: str = "UTC"
    # team change: the new team from `move_day` days after the period start (mid-period)
    move_to: int | None = None
    move_day: int = 0
    # leaver: valid_to (exclusive) `leave_day` days after the period start
    leave_day: int | None = None
    has_github: bool = True
    has_jira: bool = True
    has_openai_id: bool = False
    email_upper: bool = False  # the roster's email in another case than the vendors'
    hired_at_start: bool = False  # valid_from = the period's first day, not long before


@dataclass(frozen=True)
class OrgSpec:
    people: tuple[PersonSpec, ...]
    start: date = date(2026, 1, 1)
    months: int = 1
    sources: frozenset[str] = frozenset()
    constant_usage: bool = False  # every person and day uses the same amounts of the same model
    one_model: bool = False
    weekdays_only: bool = False
    bucket: str = "1h"  # usage report bucket width
    unowned_key: bool = False  # an Anthropic key nobody owns: its tokens stay unattributed
    claude_code_api: bool = False  # Claude Code records on API keys (not counted again)
    empty_sources: frozenset[str] = frozenset()  # present with one page of zero records
    pr_months: frozenset[int] = frozenset({0, 1, 2})
    bug_months: frozenset[int] = frozenset({0, 1, 2})
    roadmap_quarters: frozenset[int] = frozenset({0, 1})
    pages: int = 1  # files per vendor source
    seed: int = 0

    @property
    def end(self) -> date:
        return _add_months(self.start, self.months)

    @property
    def days(self) -> int:
        return (self.end - self.start).days


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    return date(day.year + month // 12, month % 12 + 1, 1)


# --- the strategy -----------------------------------------------------------------------------


@st.composite
def org_specs(draw, max_people: int = 40) -> OrgSpec:
    months = draw(st.integers(1, 3))
    # months that end before today (2026-12 at the time of writing) and after 2025-01
    first = draw(st.integers(0, 20 - months))
    start = _add_months(date(2025, 1, 1), first)
    days = (_add_months(start, months) - start).days
    n_people = draw(st.integers(1, max_people))
    n_teams = draw(st.integers(1, n_people))
    max_leavers = max(1, n_people // 2)
    people = []
    leavers = 0
    for _ in range(n_people):
        team = draw(st.integers(0, n_teams - 1))
        move_to, move_day = None, 0
        if n_teams > 1 and draw(st.booleans()):
            move_to = draw(st.integers(0, n_teams - 1).filter(lambda t, team=team: t != team))
            move_day = draw(st.integers(1, days - 1))
        leave_day = None
        if leavers < max_leavers and draw(st.integers(0, 4)) == 0:
            leave_day = draw(st.integers(move_day + 1, days))
            leavers += 1
        people.append(
            PersonSpec(
                team=team,
                timezone=draw(st.sampled_from(TIMEZONES)),
                move_to=move_to,
                move_day=move_day,
                leave_day=leave_day,
                has_github=draw(st.integers(0, 9)) > 0,
                has_jira=draw(st.integers(0, 9)) > 0,
                has_openai_id=draw(st.booleans()),
                email_upper=draw(st.booleans()),
                hired_at_start=draw(st.booleans()),
            )
        )
    sources = draw(st.frozensets(st.sampled_from(SOURCES)))
    return OrgSpec(
        people=tuple(people),
        start=start,
        months=months,
        sources=sources,
        constant_usage=draw(st.booleans()),
        one_model=draw(st.booleans()),
        weekdays_only=draw(st.booleans()),
        bucket=draw(st.sampled_from(("1h", "1d"))),
        unowned_key=draw(st.booleans()),
        claude_code_api=draw(st.booleans()),
        empty_sources=draw(st.frozensets(st.sampled_from((*USAGE_SOURCES, "github", "jira")))),
        pr_months=draw(st.frozensets(st.integers(0, months - 1))),
        bug_months=draw(st.frozensets(st.integers(0, months - 1))),
        roadmap_quarters=draw(st.frozensets(st.integers(0, 1))),
        pages=draw(st.integers(1, 3)),
        seed=draw(st.integers(0, 2**16)),
    )


# --- records ----------------------------------------------------------------------------------


@dataclass
class Person:
    index: int
    employee_id: str
    email: str  # as vendors write it (lower case)
    roster_email: str
    github_login: str | None
    jira_account_id: str | None
    openai_user_id: str | None
    timezone: str
    # (team_id, valid_from, valid_to exclusive or None)
    assignments: list[tuple[str, date, date | None]]

    def team_on(self, day: date) -> str | None:
        for team, start, end in self.assignments:
            if start <= day and (end is None or day < end):
                return team
        return None

    def employed_on(self, day: date) -> bool:
        return self.team_on(day) is not None


@dataclass
class Org:
    spec: OrgSpec
    people: list[Person]
    files: dict[str, str | bytes] = field(default_factory=dict)  # relative path -> content
    # what was written, for the expected answers
    raw_counts: Counter = field(default_factory=Counter)  # landing source -> records
    tokens_by_provider: Counter = field(default_factory=Counter)
    merged_prs: Counter = field(default_factory=Counter)  # (team_id, month_start) -> count
    bugs: Counter = field(default_factory=Counter)  # (team_id, month_start) -> count
    roadmap: dict = field(default_factory=dict)  # (team_id, quarter) -> [planned, delivered]


def _rfc3339(ts: datetime) -> str:
    return ts.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _jira_time(ts: datetime, tz: str) -> str:
    local = ts.astimezone(ZoneInfo(tz))
    return local.strftime("%Y-%m-%dT%H:%M:%S.000%z")  # Jira style +hhmm


def _month_start(ts: datetime | date) -> date:
    return date(ts.year, ts.month, 1)


def _quarter(day: date) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def _pages(records: list, pages: int) -> list[list]:
    """Split records over `pages` files (at least one file, possibly empty)."""
    if not records:
        return [[]]
    pages = max(1, min(pages, len(records)))
    size = -(-len(records) // pages)
    return [records[i : i + size] for i in range(0, len(records), size)]


def make_org(spec: OrgSpec) -> Org:
    rng = random.Random(spec.seed)
    start = spec.start
    people = []
    for i, p in enumerate(spec.people):
        eid = f"E{i:04d}"
        hired = start if p.hired_at_start else HIRED_LONG_AGO
        leave = start + timedelta(days=p.leave_day) if p.leave_day is not None else None
        first_team = f"T{p.team:02d}"
        if p.move_to is not None:
            moved = start + timedelta(days=p.move_day)
            assignments = [(first_team, hired, moved), (f"T{p.move_to:02d}", moved, leave)]
        else:
            assignments = [(first_team, hired, leave)]
        email = f"person{i}@example.com"
        people.append(
            Person(
                index=i,
                employee_id=eid,
                email=email,
                roster_email=email.upper() if p.email_upper else email,
                github_login=f"gh-person{i}" if p.has_github else None,
                jira_account_id=f"acc-{i:04d}" if p.has_jira else None,
                openai_user_id=f"user-{i:04d}" if p.has_openai_id else None,
                timezone=p.timezone,
                assignments=assignments,
            )
        )
    org = Org(spec=spec, people=people)
    days = [start + timedelta(days=d) for d in range(spec.days)]
    if spec.weekdays_only:
        days = [d for d in days if d.weekday() < 5] or days[:1]
    _write_roster(org)
    if "api_keys" in spec.sources:
        _write_api_keys(org)
    # Per person a base daily amount, times a daily multiplier: one person's day is at most
    # 2.5x another's, so with at most half the people leaving, tokens per active day stay
    # above 1/3.5 of the previous month's (the gate's band is [0.2, 5]).
    base = {p.index: rng.randint(60_000, 100_000) for p in people}

    def amount(person: Person) -> int:
        if spec.constant_usage:
            return 50_000
        return int(base[person.index] * rng.uniform(1.0, 1.5))

    def model(models: tuple[str, ...], person: Person) -> str:
        if spec.one_model or spec.constant_usage:
            return models[0]
        return models[(person.index + rng.randint(0, 1)) % len(models)]

    def users(source: str) -> list[Person]:
        if source not in spec.sources or source in spec.empty_sources:
            return []
        return people

    cc_days: list[tuple[Person, date]] = []
    _write_messages(org, rng, users("messages"), days, amount, model)
    _write_claude_code(org, rng, users("claude_code"), days, amount, model, cc_days)
    _write_openai(org, rng, users("openai"), days, amount, model)
    _write_cursor(org, rng, users("cursor"), days, amount, model)
    _write_copilot(org, rng, users("copilot"), days, amount)
    if "telemetry" in spec.sources:
        _write_telemetry(org, rng, cc_days)
    _write_github(org, rng, days)
    _write_jira(org, rng, days)
    if "roadmap" in spec.sources:
        _write_roadmap(org, rng)
    return org


def _csv(header: list[str], rows: list[list]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def _write_roster(org: Org) -> None:
    header = [
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
    rows = []
    for p in org.people:
        manager = org.people[0].employee_id if p.index else ""
        for team, valid_from, valid_to in p.assignments:
            rows.append(
                [
                    p.employee_id,
                    p.roster_email,
                    f"Person {p.index}",
                    p.github_login or "",
                    p.jira_account_id or "",
                    p.openai_user_id or "",
                    team,
                    f"Team {team}",
                    "Org A" if int(team[1:]) % 2 == 0 else "Org B",
                    "engineer" if p.index % 4 else "manager",
                    f"L{3 + p.index % 5}",
                    100_000 + 1_000 * p.index,
                    p.timezone,
                    manager,
                    valid_from.isoformat(),
                    valid_to.isoformat() if valid_to else "",
                ]
            )
    org.files["hr/roster.csv"] = _csv(header, rows)
    org.raw_counts["hr__roster"] = len(rows)


def _write_api_keys(org: Org) -> None:
    rows = []
    for p in org.people:
        rows.append(["anthropic", f"apikey_{p.employee_id}", f"{p.employee_id}-key", p.email])
        rows.append(["openai", f"key_{p.employee_id}", f"{p.employee_id}-openai", p.email])
    if org.spec.unowned_key:
        rows.append(["anthropic", "apikey_shared", "shared-ci", ""])
    rows = [[*r, HIRED_LONG_AGO.isoformat(), ""] for r in rows]
    org.files["hr/api_keys.csv"] = _csv(
        ["provider", "api_key_id", "api_key_name", "owner_email", "valid_from", "valid_to"], rows
    )
    org.raw_counts["hr__api_keys"] = len(rows)


def _json_pages(org: Org, folder: str, records: list, envelope) -> None:
    for n, chunk in enumerate(_pages(records, org.spec.pages)):
        org.files[f"{folder}/page-{n + 1}.json"] = json.dumps(envelope(chunk))


def _write_messages(org, rng, users, days, amount, model) -> None:
    if "messages" not in org.spec.sources:
        return
    spec = org.spec
    buckets: dict[datetime, list] = defaultdict(list)
    for p in users:
        for day in days:
            if not p.employed_on(day):
                continue
            hour = 0 if spec.bucket == "1d" else (9 if spec.constant_usage else rng.randint(0, 23))
            bucket = datetime(day.year, day.month, day.day, hour, tzinfo=UTC)
            n = amount(p)
            row = {
                "api_key_id": f"apikey_{p.employee_id}",
                "workspace_id": None,
                "model": model(ANTHROPIC_MODELS, p),
                "service_tier": "standard",
                "context_window": "0-200k",
                "uncached_input_tokens": n,
                "cache_creation": {
                    "ephemeral_5m_input_tokens": n // 10,
                    "ephemeral_1h_input_tokens": n // 20,
                },
                "cache_read_input_tokens": n * 3,
                "output_tokens": n // 4,
                "server_tool_use": {"web_search_requests": 0},
            }
            buckets[bucket].append(row)
            org.tokens_by_provider["anthropic"] += n + n // 10 + n // 20 + n * 3 + n // 4
    if spec.unowned_key and users:
        for day in days[:3]:
            bucket = datetime(
                day.year, day.month, day.day, 0 if spec.bucket == "1d" else 3, tzinfo=UTC
            )
            buckets[bucket].append(
                {
                    "api_key_id": "apikey_shared",
                    "workspace_id": None,
                    "model": ANTHROPIC_MODELS[2],
                    "service_tier": "standard",
                    "context_window": "0-200k",
                    "uncached_input_tokens": 1_000,
                    "cache_creation": {
                        "ephemeral_5m_input_tokens": 0,
                        "ephemeral_1h_input_tokens": 0,
                    },
                    "cache_read_input_tokens": 0,
                    "output_tokens": 100,
                    "server_tool_use": {"web_search_requests": 0},
                }
            )
            org.tokens_by_provider["anthropic"] += 1_100
    width = timedelta(days=1) if spec.bucket == "1d" else timedelta(hours=1)
    data = [
        {"starting_at": _rfc3339(b), "ending_at": _rfc3339(b + width), "results": rows}
        for b, rows in sorted(buckets.items())
    ]
    org.raw_counts["anthropic__usage_report_messages"] = sum(len(b["results"]) for b in data)
    # pages split by bucket, as the API pages them
    _json_pages(
        org,
        "anthropic/usage_report_messages",
        data,
        lambda chunk: {"data": chunk, "has_more": False, "next_page": None},
    )


def _write_claude_code(org, rng, users, days, amount, model, cc_days) -> None:
    if "claude_code" not in org.spec.sources:
        return
    records = []
    models_written = 0
    for p in users:
        for day in days:
            if not p.employed_on(day):
                continue
            first = model(ANTHROPIC_MODELS, p)
            used = [first]
            if not (org.spec.one_model or org.spec.constant_usage) and rng.random() < 0.3:
                used.append(next(m for m in ANTHROPIC_MODELS if m != first))
            breakdown = []
            day_total = amount(p)  # split over the models, so a second model is not more usage
            for k, m in enumerate(used):
                n = (
                    day_total // len(used)
                    if k
                    else day_total - day_total // len(used) * (len(used) - 1)
                )
                breakdown.append(
                    {
                        "model": m,
                        "tokens": {
                            "input": n,
                            "output": n // 5,
                            "cache_read": n * 4,
                            "cache_creation": n // 10,
                        },
                        "estimated_cost": {"currency": "USD", "amount": round(n * 0.0009, 2)},
                    }
                )
                org.tokens_by_provider["anthropic"] += n + n // 5 + n * 4 + n // 10
            records.append(
                _cc_record(
                    day, {"type": "user_actor", "email_address": p.email}, "subscription", breakdown
                )
            )
            models_written += len(breakdown)
            cc_days.append((p, day))
            if org.spec.claude_code_api and "api_keys" in org.spec.sources and day.day % 3 == 0:
                # ran on the person's API key: already in the Messages report, never counted
                api_breakdown = [
                    {
                        "model": ANTHROPIC_MODELS[0],
                        "tokens": {
                            "input": 7_000,
                            "output": 700,
                            "cache_read": 0,
                            "cache_creation": 0,
                        },
                        "estimated_cost": {"currency": "USD", "amount": 3.15},
                    }
                ]
                records.append(
                    _cc_record(
                        day,
                        {"type": "api_actor", "api_key_name": f"{p.employee_id}-key"},
                        "api",
                        api_breakdown,
                        terminal="cli",
                    )
                )
                models_written += 1
    org.raw_counts["anthropic__claude_code"] = len(records)
    org.raw_counts["anthropic__claude_code_models"] = models_written
    _json_pages(
        org,
        "anthropic/claude_code",
        records,
        lambda chunk: {"data": chunk, "has_more": False, "next_page": None},
    )


def _cc_record(day: date, actor: dict, customer_type: str, breakdown: list, terminal="vscode"):
    return {
        "date": f"{day.isoformat()}T00:00:00Z",
        "actor": actor,
        "organization_id": "org_property",
        "customer_type": customer_type,
        "terminal_type": terminal,
        "core_metrics": {
            "num_sessions": 2,
            "lines_of_code": {"added": 120, "removed": 30},
            "commits_by_claude_code": 1,
            "pull_requests_by_claude_code": 0,
        },
        "tool_actions": {
            "edit_tool": {"accepted": 5, "rejected": 1},
            "multi_edit_tool": {"accepted": 0, "rejected": 0},
            "write_tool": {"accepted": 1, "rejected": 0},
            "notebook_edit_tool": {"accepted": 0, "rejected": 0},
        },
        "model_breakdown": breakdown,
    }


def _write_openai(org, rng, users, days, amount, model) -> None:
    if "openai" not in org.spec.sources:
        return
    spec = org.spec
    buckets: dict[int, list] = defaultdict(list)
    width = 86_400 if spec.bucket == "1d" else 3_600
    for p in users:
        for day in days:
            if not p.employed_on(day):
                continue
            hour = 0 if spec.bucket == "1d" else (10 if spec.constant_usage else rng.randint(0, 23))
            start = int(datetime(day.year, day.month, day.day, hour, tzinfo=UTC).timestamp())
            n = amount(p)
            cached = n // 3
            buckets[start].append(
                {
                    "object": "organization.usage.completions.result",
                    "input_tokens": n,
                    "input_cached_tokens": cached,
                    "output_tokens": n // 6,
                    "input_audio_tokens": 0,
                    "output_audio_tokens": 0,
                    "num_model_requests": 3,
                    "project_id": None,
                    "user_id": p.openai_user_id,
                    "api_key_id": f"key_{p.employee_id}",
                    "model": model(OPENAI_MODELS, p),
                    "batch": False,
                    "service_tier": "default",
                }
            )
            # input includes cached input: uncached + cached + output = input + output
            org.tokens_by_provider["openai"] += n + n // 6
    data = [
        {"object": "bucket", "start_time": s, "end_time": s + width, "results": rows}
        for s, rows in sorted(buckets.items())
    ]
    org.raw_counts["openai__usage_completions"] = sum(len(b["results"]) for b in data)
    _json_pages(
        org,
        "openai/usage_completions",
        data,
        lambda chunk: {"object": "page", "data": chunk, "has_more": False, "next_page": None},
    )


def _write_cursor(org, rng, users, days, amount, model) -> None:
    if "cursor" not in org.spec.sources:
        return
    events = []
    for p in users:
        for day in days:
            if not p.employed_on(day):
                continue
            # distinct milliseconds per person: the natural key has no event id
            ts = datetime(day.year, day.month, day.day, 8, tzinfo=UTC) + timedelta(
                milliseconds=p.index * 1_000 + 1
            )
            n = amount(p)
            events.append(
                {
                    "timestamp": str(int(ts.timestamp() * 1000)),
                    "userEmail": p.email,
                    "model": model(CURSOR_MODELS, p),
                    "kind": "Included in Business",
                    "maxMode": False,
                    "isTokenBasedCall": True,
                    "tokenUsage": {
                        "inputTokens": n,
                        "outputTokens": n // 8,
                        "cacheWriteTokens": n // 10,
                        "cacheReadTokens": n * 2,
                        "totalCents": round(n * 0.0007, 3),
                    },
                }
            )
            org.tokens_by_provider["cursor"] += n + n // 8 + n // 10 + n * 2
    org.raw_counts["cursor__usage_events"] = len(events)
    chunks = _pages(events, org.spec.pages)
    for n, chunk in enumerate(chunks):
        org.files[f"cursor/usage_events/page-{n + 1}.json"] = json.dumps(
            {
                "totalUsageEventsCount": len(events),
                "pagination": {
                    "numPages": len(chunks),
                    "currentPage": n + 1,
                    "pageSize": max(1, len(chunk)),
                    "hasNextPage": n + 1 < len(chunks),
                },
                "usageEvents": chunk,
            }
        )


def _write_copilot(org, rng, users, days, amount) -> None:
    if "copilot" not in org.spec.sources:
        return
    lines_by_day: dict[date, list] = defaultdict(list)
    for p in users:
        if p.github_login is None:
            continue
        for day in days:
            if not p.employed_on(day):
                continue
            prompt = amount(p) // 10
            output = prompt // 4
            lines_by_day[day].append(
                {
                    "day": day.isoformat(),
                    "user_id": 1_000 + p.index,
                    "user_login": p.github_login,
                    "user_initiated_interaction_count": 6,
                    "code_generation_activity_count": 10,
                    "code_acceptance_activity_count": 4,
                    "loc_suggested_to_add_sum": 80,
                    "loc_added_sum": 30,
                    "used_agent": False,
                    "used_chat": True,
                    "used_cli": True,
                    "totals_by_ide": [],
                    "totals_by_feature": [],
                    "totals_by_cli": {
                        "token_usage": {"prompt_tokens_sum": prompt, "output_tokens_sum": output}
                    },
                }
            )
            org.tokens_by_provider["copilot"] += prompt + output
    if not lines_by_day:  # an empty report file
        org.files["copilot/users/empty.ndjson"] = ""
    for day, lines in sorted(lines_by_day.items()):
        org.files[f"copilot/users/{day.isoformat()}.ndjson"] = "".join(
            json.dumps(line) + "\n" for line in lines
        )
    org.raw_counts["copilot__users"] = sum(len(v) for v in lines_by_day.values())


def _write_telemetry(org, rng, cc_days) -> None:
    lines = []
    for n, (p, day) in enumerate(cc_days):
        ts = datetime(day.year, day.month, day.day, 12, tzinfo=UTC) + timedelta(seconds=n % 3600)
        lines.append(
            {
                "name": "claude_code.api_request",
                "timestamp": ts.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
                "attributes": {
                    "session.id": f"sess_{p.index}_{day.isoformat()}",
                    "organization.id": "org_property",
                    "user.account_uuid": f"uuid-{p.index}",
                    "user.email": p.email,
                    "user.id": f"install-{p.index}",
                    "terminal.type": "vscode",
                    "model": ANTHROPIC_MODELS[0],
                    "cost_usd": 0.05,
                    "duration_ms": 1200,
                    "input_tokens": 1_000,
                    "output_tokens": 200,
                    "cache_read_tokens": 4_000,
                    "cache_creation_tokens": 100,
                    "request_id": f"req_{n:06d}",
                },
            }
        )
    org.files["telemetry/claude_code/events.jsonl"] = "".join(json.dumps(x) + "\n" for x in lines)
    org.raw_counts["telemetry__claude_code_events"] = len(lines)


def _period_instant(rng, days: list[date], hour_max: int = 23) -> datetime:
    day = rng.choice(days)
    return datetime(
        day.year, day.month, day.day, rng.randint(0, hour_max), rng.randint(0, 59), tzinfo=UTC
    )


def _month_days(org: Org, days: list[date], months: frozenset[int]) -> list[date]:
    firsts = {_add_months(org.spec.start, m) for m in months}
    return [d for d in days if _month_start(d) in firsts]


def _write_github(org: Org, rng, days: list[date]) -> None:
    spec = org.spec
    if "github" not in spec.sources:
        return
    period_end = datetime.combine(spec.end, datetime.min.time(), tzinfo=UTC)
    pr_days = _month_days(
        org, [spec.start + timedelta(days=d) for d in range(spec.days)], spec.pr_months
    )
    authors = [p for p in org.people if p.github_login]
    prs = []
    if "github" not in spec.empty_sources and pr_days:
        count = rng.randint(1, 3 * len(org.people) * max(1, len(spec.pr_months)))
        for n in range(count):
            kind = rng.random()
            if kind < 0.8 and authors:
                author = rng.choice(authors)
                login, user_type = author.github_login, "User"
            elif kind < 0.9:
                author, login, user_type = None, "dependabot[bot]", "Bot"
            else:
                author, login, user_type = None, f"outsider-{n}", "User"
            opened = _period_instant(rng, pr_days)
            state = rng.random()
            merged_at = closed_at = None
            if state < 0.7:
                merged_at = min(
                    opened + timedelta(hours=rng.randint(0, 96), minutes=rng.randint(0, 59)),
                    period_end - timedelta(seconds=1),
                )
                closed_at = merged_at
            elif state < 0.85:
                closed_at = min(
                    opened + timedelta(hours=rng.randint(1, 48)), period_end - timedelta(seconds=1)
                )
            pr_id = 500_000 + n
            additions, deletions = rng.randint(0, 800), rng.randint(0, 300)
            prs.append(
                {
                    "id": pr_id,
                    "number": n + 1,
                    "state": "closed" if closed_at else "open",
                    "title": f"Change {n + 1}",
                    "user": {"login": login, "id": 9_000 + n, "type": user_type},
                    "labels": [{"name": "feature"}] if n % 2 else [],
                    "draft": False,
                    "created_at": _rfc3339(opened),
                    "closed_at": _rfc3339(closed_at) if closed_at else None,
                    "merged_at": _rfc3339(merged_at) if merged_at else None,
                    "merged": merged_at is not None,
                    "merged_by": {"login": "gh-person0"} if merged_at else None,
                    "merge_commit_sha": f"{pr_id:040x}" if merged_at else None,
                    "base": {"ref": "main", "repo": {"full_name": "acme/product"}},
                    "head": {"ref": f"change-{n + 1}", "sha": f"{pr_id + 1:040x}"},
                    "additions": additions,
                    "deletions": deletions,
                    "changed_files": 1 + (additions + deletions) // 100,
                    "commits": 1 + n % 4,
                    "comments": n % 3,
                    "review_comments": n % 5,
                }
            )
            if merged_at is not None and user_type != "Bot" and author is not None:
                team = author.team_on(merged_at.date())
                if team is not None:
                    org.merged_prs[(team, _month_start(merged_at))] += 1
    org.raw_counts["github__pull_requests"] = len(prs)
    for n, chunk in enumerate(_pages(prs, spec.pages)):
        org.files[f"github/pull_requests/acme-product-{n + 1}.json"] = json.dumps(chunk)


def _write_jira(org: Org, rng, days: list[date]) -> None:
    spec = org.spec
    if "jira" not in spec.sources:
        return
    period_end = datetime.combine(spec.end, datetime.min.time(), tzinfo=UTC)
    bug_days = _month_days(
        org, [spec.start + timedelta(days=d) for d in range(spec.days)], spec.bug_months
    )
    accounts = [p for p in org.people if p.jira_account_id]
    issues = []
    if "jira" not in spec.empty_sources and bug_days and accounts:
        count = rng.randint(1, 2 * len(org.people) * max(1, len(spec.bug_months)))
        for n in range(count):
            created = _period_instant(rng, bug_days)
            reporter = rng.choice(accounts)
            assignee = rng.choice(accounts) if rng.random() < 0.7 else None
            issue_type = "Bug" if rng.random() < 0.7 else rng.choice(("Task", "Story"))
            resolved = None
            if rng.random() < 0.5:
                resolved = min(
                    created + timedelta(hours=rng.randint(1, 72)), period_end - timedelta(seconds=1)
                )
            tz = (assignee or reporter).timezone
            issues.append(
                {
                    "id": str(20_000 + n),
                    "key": f"PROD-{n + 1}",
                    "fields": {
                        "issuetype": {"name": issue_type},
                        "priority": {"name": rng.choice(("High", "Medium", "Low"))},
                        "status": {
                            "name": "Done" if resolved else "Open",
                            "statusCategory": {"key": "done" if resolved else "new"},
                        },
                        "resolution": {"name": "Fixed"} if resolved else None,
                        "created": _jira_time(created, tz),
                        "resolutiondate": _jira_time(resolved, tz) if resolved else None,
                        "updated": _jira_time(resolved or created, tz),
                        "project": {"key": "PROD"},
                        "components": [{"name": "core"}],
                        "labels": [],
                        "assignee": {
                            "accountId": assignee.jira_account_id,
                            "emailAddress": assignee.email,
                        }
                        if assignee
                        else None,
                        "reporter": {
                            "accountId": reporter.jira_account_id,
                            "emailAddress": reporter.email,
                        },
                    },
                }
            )
            if issue_type == "Bug":
                day = created.date()  # the UTC day, whatever offset Jira wrote
                team = (assignee.team_on(day) if assignee else None) or reporter.team_on(day)
                if team is not None:
                    org.bugs[(team, _month_start(created))] += 1
    org.raw_counts["jira__issues"] = len(issues)
    for n, chunk in enumerate(_pages(issues, spec.pages)):
        org.files[f"jira/issues/page-{n + 1}.json"] = json.dumps(
            {"startAt": 0, "maxResults": 100, "total": len(issues), "issues": chunk}
        )


def _write_roadmap(org: Org, rng) -> None:
    spec = org.spec
    teams = sorted({t for p in org.people for t, _, _ in p.assignments})
    quarters = []
    day = spec.start
    while day < spec.end:
        if _quarter(day) not in quarters:
            quarters.append(_quarter(day))
        day = _add_months(day, 1)
    last_day = spec.end - timedelta(days=1)
    rows = []
    for qi, quarter in enumerate(quarters):
        if qi not in spec.roadmap_quarters:
            continue
        for team in teams:
            for _ in range(rng.randint(0, 3)):
                planned = rng.choice((0, 1, 2.5, 3, 5, 8, 13))
                status = rng.choice(("delivered", "partial", "not_started", "dropped"))
                delivered = {"delivered": planned, "partial": planned / 2}.get(status, 0)
                rows.append(
                    [
                        team,
                        quarter,
                        f"R{len(rows) + 1:04d}",
                        f"Item {len(rows) + 1}",
                        planned,
                        delivered,
                        status,
                        last_day.isoformat() if status == "delivered" else "",
                    ]
                )
                totals = org.roadmap.setdefault((team, quarter), [0.0, 0.0])
                totals[0] += planned
                totals[1] += delivered
    org.files["roadmap/roadmap_items.csv"] = _csv(
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
    org.raw_counts["roadmap__roadmap_items"] = len(rows)


def write_raw(org: Org, raw: Path) -> Path:
    """Write the organisation's raw directory under `raw` and return it."""
    for rel, content in org.files.items():
        path = raw / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return raw
