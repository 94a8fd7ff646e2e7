"""A hand-made set of marts for the incentive lab: two teams of three, one quarter.

Everything the scheme tests expect is worked out by hand from these numbers:

    team T1: A (engineer L4, $120k), B (engineer L4, $120k), C (engineer L5, $240k)
    team T2: D (engineer L4, $120k), E (engineer L4, $120k), F (engineer L5, $120k)
    months: January, February, March 2026 (every person on their team all quarter)

    per month        tokens      list cost   non-trivial merged PRs   trivial merged PRs
    A             100,000,000      $100              1                      2
    B              10,000,000       $10              3                      0
    C                       0        $0              6                      0
    D              50,000,000       $50              2                      0
    E           3,000,000,000    $6,000              1                      0
    F                       0        $0              4                      0

    roadmap 2026-Q1: T1 planned 10, delivered 9 (attainment 0.9);
                     T2 planned 10, delivered 5 (attainment 0.5)
    bugs: T1 1 per month, T2 none
"""

from __future__ import annotations

import pandas as pd
import pytest

PEOPLE = {
    # key: (team, role, level, salary)
    "A": ("T1", "engineer", "L4", 120_000.0),
    "B": ("T1", "engineer", "L4", 120_000.0),
    "C": ("T1", "engineer", "L5", 240_000.0),
    "D": ("T2", "engineer", "L4", 120_000.0),
    "E": ("T2", "engineer", "L4", 120_000.0),
    "F": ("T2", "engineer", "L5", 120_000.0),
}
MONTHLY = {
    # key: (tokens, list cost, non-trivial PRs, trivial PRs)
    "A": (100_000_000, 100.0, 1, 2),
    "B": (10_000_000, 10.0, 3, 0),
    "C": (0, 0.0, 6, 0),
    "D": (50_000_000, 50.0, 2, 0),
    "E": (3_000_000_000, 6000.0, 1, 0),
    "F": (0, 0.0, 4, 0),
}
MONTHS = ["2026-01-01", "2026-02-01", "2026-03-01"]


def hand_marts() -> dict[str, pd.DataFrame]:
    assignments = pd.DataFrame(
        [
            {
                "employee_key": k,
                "team_id": t,
                "role": r,
                "level": lv,
                "salary_usd": s,
                "valid_from": pd.Timestamp("2025-06-01"),
                "valid_to": pd.Timestamp("9999-12-31"),
            }
            for k, (t, r, lv, s) in PEOPLE.items()
        ]
    )
    team_months = pd.DataFrame(
        [
            {"team_id": t, "month_start": pd.Timestamp(m), "bugs": 1 if t == "T1" else 0}
            for t in ("T1", "T2")
            for m in MONTHS
        ]
    )
    roadmap = pd.DataFrame(
        [
            {
                "team_id": "T1",
                "quarter": "2026-Q1",
                "quarter_start": pd.Timestamp("2026-01-01"),
                "planned_points": 10.0,
                "delivered_points": 9.0,
            },
            {
                "team_id": "T2",
                "quarter": "2026-Q1",
                "quarter_start": pd.Timestamp("2026-01-01"),
                "planned_points": 10.0,
                "delivered_points": 5.0,
            },
        ]
    )
    usage, prs = [], []
    pr_id = 0
    for m in MONTHS:
        for k, (tokens, cost, nontrivial, trivial) in MONTHLY.items():
            team = PEOPLE[k][0]
            if tokens:
                # split over two days so daily rows are aggregated like the real mart's
                for day, share in (("05", 0.25), ("20", 0.75)):
                    usage.append(
                        {
                            "employee_key": k,
                            "team_id": team,
                            "usage_date": pd.Timestamp(m[:8] + day),
                            "total_tokens": int(tokens * share),
                            "list_cost_usd": cost * share,
                        }
                    )
            for i in range(nontrivial + trivial):
                pr_id += 1
                prs.append(
                    {
                        "pull_request_id": pr_id,
                        "author_employee_key": k,
                        "team_id": team,
                        "merged_at": pd.Timestamp(m) + pd.Timedelta(days=3 + i, hours=10),
                        "is_merged": True,
                        "is_bot": False,
                        "is_trivial": i >= nontrivial,
                    }
                )
    # a bot PR and an unmerged PR, which count for nobody
    prs.append(
        {
            "pull_request_id": 900,
            "author_employee_key": None,
            "team_id": None,
            "merged_at": pd.Timestamp("2026-01-09"),
            "is_merged": True,
            "is_bot": True,
            "is_trivial": False,
        }
    )
    prs.append(
        {
            "pull_request_id": 901,
            "author_employee_key": "A",
            "team_id": "T1",
            "merged_at": pd.NaT,
            "is_merged": False,
            "is_bot": False,
            "is_trivial": False,
        }
    )
    # usage nobody owns stays out of every scheme
    usage.append(
        {
            "employee_key": None,
            "team_id": None,
            "usage_date": pd.Timestamp("2026-01-07"),
            "total_tokens": 999_000_000,
            "list_cost_usd": 999.0,
        }
    )
    return {
        "int_employee_assignments": assignments,
        "fct_team_months": team_months,
        "fct_roadmap_quarters": roadmap,
        "fct_pull_requests": pd.DataFrame(prs),
        "fct_ai_usage_daily": pd.DataFrame(usage),
    }


@pytest.fixture
def marts() -> dict[str, pd.DataFrame]:
    return hand_marts()
