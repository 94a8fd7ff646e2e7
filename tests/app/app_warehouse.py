"""A small hand-made warehouse matching the warehouse contract, for the app's tests.

Four teams (one of only 3 people, to test suppression), three full months (Jan-Mar 2026).
The marts are derived here with plain Python from hand-made people, usage rows, pull requests
and bugs, so the tests can compute what the app should show without the app's code.
`Fixture` keeps those Python-side rows for the tests.
"""

from __future__ import annotations

import calendar
import hashlib
import random
import statistics
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import pandas as pd

PROJECT_DIR = Path(__file__).resolve().parents[2]
APP = str(PROJECT_DIR / "app.py")

MONTHS = [date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)]
TEAMS = [
    # team_id, team_name, org, people
    ("t-pay", "Payments", "Commerce", 7),
    ("t-search", "Search", "Discovery", 6),
    ("t-tiny", "Tiny Tools", "Discovery", 3),
    ("t-plat", "Platform", "Infrastructure", 5),
    ("t-data", "Data", "Infrastructure", 8),
]
TINY_TEAM = "t-tiny"
# Issue 24's walk: an organisation of five where every team is small (3 + 2 people, so only the
# organisation itself reaches the minimum group size of 5), with leaderboard tiers of 1, 2, 2.
ALL_SMALL_TEAMS = [
    ("t-pay", "Payments", "Commerce", 3),
    ("t-tiny", "Tiny Tools", "Discovery", 2),
]
ALL_SMALL_TIERS = (1, 3)  # ranks up to 1: top; up to 3: middle; the rest: bottom
TIERS = (6, 14)
TIER_NAMES = ("top", "middle", "bottom")
# The demo's tier names (seeds/audit_leaderboard_tiers.csv): long enough to have squeezed the
# tier chart to no bars (issue 25), so the browser test draws them.
DEMO_TIER_NAMES = ("Session Immortal", "Platinum", "Copper")
# Tokens a person burns per usage row, by team: Payments burns the most for little delivery.
TEAM_BURN = {
    "t-pay": 9_000_000,
    "t-search": 3_000_000,
    "t-tiny": 2_000_000,
    "t-plat": 2_500_000,
    "t-data": 5_000_000,
}
TEAM_PRS = {
    "t-pay": (1, 3),
    "t-search": (3, 6),
    "t-tiny": (2, 4),
    "t-plat": (3, 5),
    "t-data": (2, 5),
}
UNPRICED_MODEL = "claude-3-opus-20240229"
# A team "barely using AI" in many_teams(): a few hundred thousand tokens a month, and delivery
# like any other team's, so its raw merged PRs per token tops every raw ranking.
BARELY_BURN = 30_000


def many_teams(count: int = 180, orgs: int = 12) -> list[tuple[str, str, str, int]]:
    """`count` teams of 4 to 14 people in `orgs` orgs (issue 25: a leader of 180 teams). Every
    9th team is small enough to be suppressed (4 people), every 15th barely uses AI."""
    return [
        (f"t-{i:03d}", f"Team {i:03d}", f"Org {i % orgs:02d}", 4 if i % 9 == 0 else 6 + i % 9)
        for i in range(1, count + 1)
    ]


def burn_of(team_id: str) -> int:
    """Tokens a person of the team burns per usage row."""
    if team_id in TEAM_BURN:
        return TEAM_BURN[team_id]
    i = int(team_id.removeprefix("t-"))
    return BARELY_BURN if i % 15 == 0 else 1_000_000 * (1 + i * 7 % 10)


def prs_of(team_id: str) -> tuple[int, int]:
    """Merged PRs a person of the team opens per month (low, high)."""
    if team_id in TEAM_PRS:
        return TEAM_PRS[team_id]
    i = int(team_id.removeprefix("t-"))
    return (1 + i % 3, 3 + i % 4)


DDL = """
create schema marts; create schema restricted; create schema landing; create schema quality;
create table marts.dim_teams (team_id varchar, team_name varchar, org varchar,
    current_headcount integer, is_active boolean);
create table marts.dim_employees (employee_key varchar, role varchar, level varchar,
    timezone varchar, team_id varchar, team_name varchar, org varchar, salary_usd double,
    hired_on date, left_on date, is_active boolean);
create table restricted.employee_identities (employee_key varchar, employee_id varchar,
    email varchar, full_name varchar, github_login varchar);
create table marts.fct_ai_usage_daily (usage_daily_id varchar, employee_key varchar,
    usage_date date, provider varchar, tool varchar, model varchar, model_family varchar,
    team_id varchar, api_key_id varchar, uncached_input_tokens bigint,
    cache_write_tokens bigint, cache_read_tokens bigint, output_tokens bigint,
    total_tokens bigint, requests bigint, list_cost_usd double, vendor_cost_usd double,
    is_attributed boolean, is_priced boolean);
create table marts.fct_pull_requests (pull_request_id bigint, repository varchar,
    pr_number integer, author_employee_key varchar, team_id varchar, opened_at timestamp,
    merged_at timestamp, closed_at timestamp, is_merged boolean, cycle_time_hours double,
    additions integer, deletions integer, changed_files integer, is_trivial boolean,
    is_bot boolean);
create table marts.fct_bugs (bug_key varchar, bug_id varchar, team_id varchar,
    priority varchar, status varchar, created_at timestamp, resolved_at timestamp,
    caused_by_pull_request_id bigint);
create table marts.fct_roadmap_quarters (team_id varchar, quarter varchar, quarter_start date,
    items integer, planned_points double, delivered_points double, attainment double);
create table marts.fct_team_months (team_id varchar, month_start date, team_name varchar,
    org varchar, headcount integer, ai_active_people integer, total_tokens bigint,
    token_cost_usd double, merged_prs integer, median_cycle_time_hours double, bugs integer,
    bugs_per_merged_pr double, roadmap_attainment double,
    merged_prs_per_million_tokens double, cost_per_merged_pr_usd double,
    outcome_score double);
create table marts.fct_source_accounting (source varchar, raw_records bigint,
    staged_records bigint, rejected_records bigint, is_balanced boolean,
    duplicate_records bigint, lost_records bigint, lost_record_share double,
    lost_tokens double, raw_files bigint, raw_bytes bigint, rejected_files bigint,
    rejected_file_bytes bigint);
create table landing.rejects (source varchar, source_file varchar, record_index bigint,
    reason varchar, raw_record varchar);
create table quality.validation_runs (run_id varchar, run_at timestamp, passed boolean,
    critical_failures integer, warnings integer, summary varchar);
create table quality.validation_results (run_id varchar, suite varchar,
    expectation_type varchar, column_name varchar, severity varchar, success boolean,
    unexpected_count bigint, detail varchar);
"""

LATER_DDL = """
create table marts.fct_gaming_signals (employee_key varchar, month_start date,
    team_id varchar, signal varchar, score double, severity varchar, evidence varchar);
create table marts.fct_usage_reconciliation (employee_key varchar, usage_date date,
    provider varchar, billed_tokens bigint, reported_tokens bigint, ratio double,
    status varchar);
create table marts.fct_token_leaderboard (month_start date, employee_key varchar,
    team_id varchar, total_tokens bigint, token_rank integer, tier varchar,
    tier_order integer, outcome_rank integer, is_flagged boolean);
create table marts.fct_leaderboard_summary (month_start date, rank_correlation double,
    top_tier_people integer, top_tier_flagged_share double);
create table marts.fct_bonus_payouts (scheme varchar, month_start date, employee_key varchar,
    team_id varchar, payout_usd double);
create table marts.fct_scheme_comparison (scheme varchar, total_cost_usd double,
    people_paid integer, gini double, goodhart_inflation double, flagged_share double);
create table marts.fct_goodhart_stress_test (scheme varchar, tactic varchar,
    share_gamed double, gamers integer, gamers_gain_usd double, honest_change_usd double,
    summary varchar);
create table marts.fct_efficiency_audit (team_id varchar, month_start date, headcount integer,
    total_tokens bigint, spend_usd double, outcome_points double,
    spend_per_outcome_point_usd double, spend_per_outcome_vs_org_median double,
    flagged_people integer);
"""


def month_end(month: date) -> date:
    return date(month.year, month.month, calendar.monthrange(month.year, month.month)[1])


def key_of(i: int) -> str:
    return hashlib.sha256(f"fixture-employee-{i}".encode()).hexdigest()


@dataclass
class Fixture:
    path: Path
    teams: pd.DataFrame
    employees: pd.DataFrame
    identities: pd.DataFrame
    usage: pd.DataFrame
    pull_requests: pd.DataFrame
    bugs: pd.DataFrame
    roadmap: pd.DataFrame
    team_months: pd.DataFrame
    later: dict[str, pd.DataFrame] = field(default_factory=dict)

    def key_in(self, team_id: str) -> str:
        return self.employees.loc[self.employees.team_id == team_id, "employee_key"].iloc[0]


def _people(teams=TEAMS) -> tuple[list[dict], list[dict]]:
    employees, identities = [], []
    i = 0
    for team_id, team_name, org, size in teams:
        for _ in range(size):
            i += 1
            key = key_of(i)
            employees.append(
                {
                    "employee_key": key,
                    "role": "engineer",
                    "level": f"L{3 + i % 3}",
                    "timezone": "Europe/London",
                    "team_id": team_id,
                    "team_name": team_name,
                    "org": org,
                    "salary_usd": 100_000.0 + 2_500.0 * i,
                    "hired_on": date(2024, 1, 1),
                    "left_on": None,
                    "is_active": True,
                }
            )
            identities.append(
                {
                    "employee_key": key,
                    "employee_id": f"E{i:03d}",
                    "email": f"zelda.fixture{i}@example.com",
                    "full_name": f"Zelda Fixture{i}",
                    "github_login": f"zfixture{i}",
                }
            )
    return employees, identities


def _usage(rng: random.Random, employees: list[dict]) -> list[dict]:
    rows = []
    n = 0
    for month in MONTHS:
        for person in employees:
            for day in (3, 10, 17):
                n += 1
                burn = burn_of(person["team_id"])
                total = int(burn * rng.uniform(0.6, 1.4))
                output = total // 100
                cache_read = int(total * 0.6)
                uncached = total - output - cache_read
                rows.append(
                    {
                        "usage_daily_id": f"u{n}",
                        "employee_key": person["employee_key"],
                        "usage_date": month.replace(day=day),
                        "provider": "anthropic",
                        "tool": "claude_code",
                        "model": "claude-opus-4-20250514",
                        "model_family": "claude-opus-4",
                        "team_id": person["team_id"],
                        "api_key_id": None,
                        "uncached_input_tokens": uncached,
                        "cache_write_tokens": 0,
                        "cache_read_tokens": cache_read,
                        "output_tokens": output,
                        "total_tokens": total,
                        "requests": 100,
                        "list_cost_usd": round(
                            (uncached * 15 + cache_read * 1.5 + output * 75) / 1e6, 6
                        ),
                        "vendor_cost_usd": None,
                        "is_attributed": True,
                        "is_priced": True,
                    }
                )
        # unattributed usage on a shared key, and an unpriced model
        for tokens, model, family, priced in (
            (4_000_000, "gpt-5-2025-08-07", "gpt-5", True),
            (1_500_000, UNPRICED_MODEL, None, False),
        ):
            n += 1
            rows.append(
                {
                    "usage_daily_id": f"u{n}",
                    "employee_key": None,
                    "usage_date": month_end(month),
                    "provider": "openai" if family == "gpt-5" else "anthropic",
                    "tool": "chatgpt_api" if family == "gpt-5" else "api",
                    "model": model,
                    "model_family": family,
                    "team_id": None,
                    "api_key_id": "key-shared",
                    "uncached_input_tokens": tokens - tokens // 10,
                    "cache_write_tokens": 0,
                    "cache_read_tokens": 0,
                    "output_tokens": tokens // 10,
                    "total_tokens": tokens,
                    "requests": 50,
                    "list_cost_usd": round(tokens * 2.0 / 1e6, 6) if priced else 0.0,
                    "vendor_cost_usd": None,
                    "is_attributed": False,
                    "is_priced": priced,
                }
            )
    return rows


def _pull_requests(rng: random.Random, employees: list[dict]) -> list[dict]:
    rows = []
    n = 0
    for month in MONTHS:
        for person in employees:
            low, high = prs_of(person["team_id"])
            for _ in range(rng.randint(low, high)):
                n += 1
                opened = datetime(month.year, month.month, rng.randint(1, 20), 9)
                hours = round(rng.uniform(2, 90), 2)
                merged = opened + timedelta(hours=hours)
                rows.append(
                    {
                        "pull_request_id": 1000 + n,
                        "repository": "acme/app",
                        "pr_number": n,
                        "author_employee_key": person["employee_key"],
                        "team_id": person["team_id"],
                        "opened_at": opened,
                        "merged_at": merged,
                        "closed_at": merged,
                        "is_merged": True,
                        "cycle_time_hours": hours,
                        "additions": 40,
                        "deletions": 10,
                        "changed_files": 3,
                        "is_trivial": False,
                        "is_bot": False,
                    }
                )
        # a bot PR and a closed-unmerged PR: neither counts as a merged PR
        for is_bot in (True, False):
            n += 1
            opened = datetime(month.year, month.month, 5, 9)
            rows.append(
                {
                    "pull_request_id": 1000 + n,
                    "repository": "acme/app",
                    "pr_number": n,
                    "author_employee_key": None if is_bot else employees[0]["employee_key"],
                    "team_id": None if is_bot else employees[0]["team_id"],
                    "opened_at": opened,
                    "merged_at": opened + timedelta(hours=1) if is_bot else None,
                    "closed_at": opened + timedelta(hours=1),
                    "is_merged": is_bot,
                    "cycle_time_hours": 1.0 if is_bot else None,
                    "additions": 1,
                    "deletions": 1,
                    "changed_files": 1,
                    "is_trivial": True,
                    "is_bot": is_bot,
                }
            )
    return rows


def _bugs(rng: random.Random, teams=TEAMS) -> list[dict]:
    rows = []
    n = 0
    for month in MONTHS:
        for team_id, *_ in teams:
            for _ in range(rng.randint(0, 3) + (2 if team_id == "t-pay" else 0)):
                n += 1
                created = datetime(month.year, month.month, rng.randint(1, 25), 12)
                rows.append(
                    {
                        "bug_key": f"BUG-{n}",
                        "bug_id": str(5000 + n),
                        "team_id": team_id,
                        "priority": "High",
                        "status": "Done",
                        "created_at": created,
                        "resolved_at": created + timedelta(days=2),
                        "caused_by_pull_request_id": None,
                    }
                )
    return rows


ROADMAP = {  # team -> (items, planned, delivered) for 2026-Q1
    "t-pay": (6, 40.0, 22.0),
    "t-search": (5, 30.0, 29.0),
    "t-tiny": (2, 10.0, 9.0),
    "t-plat": (4, 25.0, 24.0),
    "t-data": (5, 30.0, 21.0),
}


def roadmap_of(team_id: str) -> tuple[int, float, float]:
    """(items, planned, delivered) of the team's 2026-Q1 roadmap."""
    if team_id in ROADMAP:
        return ROADMAP[team_id]
    i = int(team_id.removeprefix("t-"))
    return (4, 20.0 + i % 5 * 5, 15.0 + i % 7 * 3)


def _team_months(usage, prs, bugs, employees, teams=TEAMS) -> list[dict]:
    # grouped once: a 180-team organisation would otherwise scan every row per team month
    by = {"use": {}, "merged": {}, "bugs": {}}
    for u in usage:
        by["use"].setdefault((u["team_id"], u["usage_date"].month), []).append(u)
    for p in prs:
        if p["is_merged"] and not p["is_bot"]:
            by["merged"].setdefault((p["team_id"], p["merged_at"].month), []).append(p)
    for b in bugs:
        by["bugs"].setdefault((b["team_id"], b["created_at"].month), []).append(b)
    rows = []
    for month in MONTHS:
        for team_id, team_name, org, size in teams:
            use = by["use"].get((team_id, month.month), [])
            merged = by["merged"].get((team_id, month.month), [])
            team_bugs = by["bugs"].get((team_id, month.month), [])
            tokens = sum(u["total_tokens"] for u in use)
            cost = sum(u["list_cost_usd"] for u in use)
            _items, planned, delivered = roadmap_of(team_id)
            attainment = delivered / planned
            per_mtok = len(merged) / tokens * 1e6
            rows.append(
                {
                    "team_id": team_id,
                    "month_start": month,
                    "team_name": team_name,
                    "org": org,
                    "headcount": size,
                    "ai_active_people": len({u["employee_key"] for u in use}),
                    "total_tokens": tokens,
                    "token_cost_usd": cost,
                    "merged_prs": len(merged),
                    "median_cycle_time_hours": statistics.median(
                        p["cycle_time_hours"] for p in merged
                    ),
                    "bugs": len(team_bugs),
                    "bugs_per_merged_pr": len(team_bugs) / len(merged),
                    "roadmap_attainment": attainment,
                    "merged_prs_per_million_tokens": per_mtok,
                    "cost_per_merged_pr_usd": cost / len(merged),
                    "outcome_score": round(len(merged) / size * attainment, 4),
                }
            )
    return rows


def _later(
    employees, usage, team_months, tiers=TIERS, tier_names=TIER_NAMES
) -> dict[str, pd.DataFrame]:
    flagged = {
        employees[0]["employee_key"]: "pr_spam",  # Payments
        employees[min(14, len(employees) - 1)]["employee_key"]: "telemetry_inflation",
    }  # Tiny Tools
    signals, recon, board, summary, payouts = [], [], [], [], []
    by_key = {e["employee_key"]: e for e in employees}
    for month in MONTHS[1:]:
        for key, signal in flagged.items():
            signals.append(
                {
                    "employee_key": key,
                    "month_start": month,
                    "team_id": by_key[key]["team_id"],
                    "signal": signal,
                    "score": 0.9,
                    "severity": "high",
                    "evidence": f"{signal} pattern in {month:%B}",
                }
            )
    for person in employees:
        inflated = person["employee_key"] in flagged
        billed = 1_000_000
        reported = billed * (10 if inflated else 1)
        recon.append(
            {
                "employee_key": person["employee_key"],
                "usage_date": date(2026, 3, 3),
                "provider": "anthropic",
                "billed_tokens": billed,
                "reported_tokens": reported,
                "ratio": reported / billed,
                "status": "inflated" if inflated else "ok",
            }
        )
    for month in MONTHS:
        tokens = {}
        for u in usage:
            if u["employee_key"] and u["usage_date"].month == month.month:
                tokens[u["employee_key"]] = tokens.get(u["employee_key"], 0) + u["total_tokens"]
        ranked = sorted(tokens, key=lambda k: -tokens[k])
        outcome = sorted(tokens, key=lambda k: k)  # arbitrary but fixed outcome order
        top = 0
        top_flagged = 0
        for rank, key in enumerate(ranked, start=1):
            level = "top" if rank <= tiers[0] else "middle" if rank <= tiers[1] else "bottom"
            tier_order = {"top": 3, "middle": 2, "bottom": 1}[level]
            tier = tier_names[3 - tier_order]
            is_flagged = key in flagged and month != MONTHS[0]
            top += level == "top"
            top_flagged += level == "top" and is_flagged
            board.append(
                {
                    "month_start": month,
                    "employee_key": key,
                    "team_id": by_key[key]["team_id"],
                    "total_tokens": tokens[key],
                    "token_rank": rank,
                    "tier": tier,
                    "tier_order": tier_order,
                    "outcome_rank": outcome.index(key) + 1,
                    "is_flagged": is_flagged,
                }
            )
        summary.append(
            {
                "month_start": month,
                "rank_correlation": 0.12,
                "top_tier_people": top,
                "top_tier_flagged_share": top_flagged / top,
            }
        )
        for person in employees:
            for scheme, amount in (("per_token", 100.0), ("outcome", 250.0)):
                payouts.append(
                    {
                        "scheme": scheme,
                        "month_start": month,
                        "employee_key": person["employee_key"],
                        "team_id": person["team_id"],
                        "payout_usd": amount,
                    }
                )
    comparison = [
        {
            "scheme": "per_token",
            "total_cost_usd": 6300.0,
            "people_paid": 29,
            "gini": 0.41,
            "goodhart_inflation": 3.2,
            "flagged_share": 0.3,
        },
        {
            "scheme": "outcome",
            "total_cost_usd": 15750.0,
            "people_paid": 29,
            "gini": 0.18,
            "goodhart_inflation": 1.1,
            "flagged_share": 0.05,
        },
    ]
    stress = [
        {
            "scheme": scheme,
            "tactic": tactic,
            "share_gamed": 0.1,
            "gamers": 3,
            "gamers_gain_usd": gain,
            "honest_change_usd": -gain,
            "summary": f"gamers +${gain:,.0f}",
        }
        for scheme, tactic, gain in (
            ("per_token", "tokens_x10", 900.0),
            ("per_token", "pr_split", 0.0),
            ("outcome", "tokens_x10", 0.0),
            ("outcome", "pr_split", 0.0),
        )
    ]
    efficiency = []
    for row in team_months:
        points = row["merged_prs"] * 1.5
        efficiency.append(
            {
                "team_id": row["team_id"],
                "month_start": row["month_start"],
                "headcount": row["headcount"],
                "total_tokens": row["total_tokens"],
                "spend_usd": row["token_cost_usd"],
                "outcome_points": points,
                "spend_per_outcome_point_usd": row["token_cost_usd"] / points,
                "spend_per_outcome_vs_org_median": None,  # filled below
                "flagged_people": 1 if row["team_id"] in ("t-pay", "t-tiny") else 0,
            }
        )
    for month in MONTHS:
        rows = [e for e in efficiency if e["month_start"] == month]
        median = statistics.median(e["spend_per_outcome_point_usd"] for e in rows)
        for e in rows:
            e["spend_per_outcome_vs_org_median"] = e["spend_per_outcome_point_usd"] / median
    return {
        "fct_gaming_signals": pd.DataFrame(signals),
        "fct_usage_reconciliation": pd.DataFrame(recon),
        "fct_token_leaderboard": pd.DataFrame(board),
        "fct_leaderboard_summary": pd.DataFrame(summary),
        "fct_bonus_payouts": pd.DataFrame(payouts),
        "fct_scheme_comparison": pd.DataFrame(comparison),
        "fct_goodhart_stress_test": pd.DataFrame(stress),
        "fct_efficiency_audit": pd.DataFrame(efficiency),
    }


def build_warehouse(
    path: Path,
    *,
    later: bool = False,
    seed: int = 8,
    teams=TEAMS,
    tiers=TIERS,
    tier_names=TIER_NAMES,
) -> Fixture:
    rng = random.Random(seed)
    team_ids = {team[0] for team in teams}
    employees, identities = _people(teams)
    usage = _usage(rng, employees)
    prs = _pull_requests(rng, employees)
    bugs = _bugs(rng, teams)
    team_months = _team_months(usage, prs, bugs, employees, teams)
    team_rows = [
        {"team_id": t, "team_name": n, "org": o, "current_headcount": s, "is_active": True}
        for t, n, o, s in teams
    ]
    roadmap = [
        {
            "team_id": t,
            "quarter": "2026-Q1",
            "quarter_start": date(2026, 1, 1),
            "items": i,
            "planned_points": p,
            "delivered_points": d,
            "attainment": d / p,
        }
        for t, (i, p, d) in ((t, roadmap_of(t)) for t in sorted(team_ids))
    ]
    accounting = [
        {
            "source": "anthropic_usage",
            "raw_records": 120,
            "staged_records": 120,
            "rejected_records": 0,
            "is_balanced": True,
        },
        {
            "source": "cursor_usage_events",
            "raw_records": 50,
            "staged_records": 47,
            "rejected_records": 2,
            "is_balanced": False,
        },
        {
            "source": "openai_usage",
            "raw_records": 30,
            "staged_records": 28,
            "rejected_records": 2,
            "is_balanced": True,
        },
    ]
    rejects = [
        {
            "source": "openai_usage",
            "source_file": "openai/usage_completions/p1.json",
            "record_index": i,
            "reason": "missing model",
            "raw_record": '{"user_email": "zelda.fixture1@example.com"}',
        }
        for i in (3, 9)
    ] + [
        {
            "source": "cursor_usage_events",
            "source_file": "cursor/usage_events/p1.json",
            "record_index": 4,
            "reason": "unparseable timestamp",
            "raw_record": "{}",
        },
        {
            "source": "cursor_usage_events",
            "source_file": "cursor/usage_events/p1.json",
            "record_index": 5,
            "reason": "unparseable timestamp",
            "raw_record": "{}",
        },
    ]
    runs = [
        {
            "run_id": "run-1",
            "run_at": datetime(2026, 4, 1, 6),
            "passed": False,
            "critical_failures": 1,
            "warnings": 0,
            "summary": "1 critical expectation failed",
        },
        {
            "run_id": "run-2",
            "run_at": datetime(2026, 4, 2, 6),
            "passed": True,
            "critical_failures": 0,
            "warnings": 1,
            "summary": "all critical expectations met",
        },
    ]
    results = [
        {
            "run_id": "run-1",
            "suite": "team_months",
            "expectation_type": "expect_column_values_to_not_be_null",
            "column_name": "team_id",
            "severity": "critical",
            "success": False,
            "unexpected_count": 3,
            "detail": "3 nulls",
        },
        {
            "run_id": "run-2",
            "suite": "team_months",
            "expectation_type": "expect_column_values_to_not_be_null",
            "column_name": "team_id",
            "severity": "critical",
            "success": True,
            "unexpected_count": 0,
            "detail": "",
        },
        {
            "run_id": "run-2",
            "suite": "usage",
            "expectation_type": "expect_column_values_to_be_between",
            "column_name": "total_tokens",
            "severity": "critical",
            "success": True,
            "unexpected_count": 0,
            "detail": "",
        },
        {
            "run_id": "run-2",
            "suite": "usage",
            "expectation_type": "expect_column_values_to_be_in_set",
            "column_name": "model_family",
            "severity": "warning",
            "success": False,
            "unexpected_count": 3,
            "detail": "3 rows with an unpriced model",
        },
    ]
    frames = {
        "marts.dim_teams": pd.DataFrame(team_rows),
        "marts.dim_employees": pd.DataFrame(employees),
        "restricted.employee_identities": pd.DataFrame(identities),
        "marts.fct_ai_usage_daily": pd.DataFrame(usage),
        "marts.fct_pull_requests": pd.DataFrame(prs),
        "marts.fct_bugs": pd.DataFrame(bugs),
        "marts.fct_roadmap_quarters": pd.DataFrame(roadmap),
        "marts.fct_team_months": pd.DataFrame(team_months),
        "marts.fct_source_accounting": pd.DataFrame(accounting),
        "landing.rejects": pd.DataFrame(rejects),
        "quality.validation_runs": pd.DataFrame(runs),
        "quality.validation_results": pd.DataFrame(results),
    }
    later_frames = _later(employees, usage, team_months, tiers, tier_names) if later else {}
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path))
    try:
        con.execute(DDL)
        if later:
            con.execute(LATER_DDL)
        for table, frame in [
            *frames.items(),
            *((f"marts.{n}", f) for n, f in later_frames.items()),
        ]:
            con.register("frame", frame)
            con.execute(f"insert into {table} by name select * from frame")
            con.unregister("frame")
    finally:
        con.close()
    return Fixture(
        path=path,
        teams=frames["marts.dim_teams"],
        employees=frames["marts.dim_employees"],
        identities=frames["restricted.employee_identities"],
        usage=frames["marts.fct_ai_usage_daily"],
        pull_requests=frames["marts.fct_pull_requests"],
        bugs=frames["marts.fct_bugs"],
        roadmap=frames["marts.fct_roadmap_quarters"],
        team_months=frames["marts.fct_team_months"],
        later=later_frames,
    )
