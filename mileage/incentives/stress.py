"""Goodhart stress test: give a share of people a gaming tactic and watch each scheme's pay.

Tactics edit the gamers' member months (facts.py), and every scheme is re-evaluated on the
edited facts; real outcomes (roadmap delivery, bugs) are untouched, because gaming does not
deliver anything. The same gamers play every tactic, so schemes and tactics compare fairly.

    tokens_x10     the gamers' tokens and token cost x `factor` (default 10): inflated usage
    pr_split       each merged PR becomes `parts` (default 5) merged PRs; the extra ones are
                   trivial (at or below the trivial-size threshold)
    always_on      an agent loop burning `tokens_per_hour` (default 1.5M) for `hours_per_day`
                   (default 8) on every weekday of the person's assignment, at the window's
                   average cost per token; the person counts as AI-active every weekday
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable

import numpy as np
import pandas as pd

from mileage.incentives.evaluate import payout_per_person
from mileage.incentives.facts import Facts, build_facts
from mileage.incentives.schemes import Scheme, as_scheme

STRESS_COLUMNS = [
    "scheme",
    "scheme_kind",
    "tactic",
    "share_gamed",
    "gamers",
    "population",
    "baseline_total_usd",
    "gamed_total_usd",
    "total_change_usd",
    "total_change_pct",
    "moved_usd",
    "moved_share",
    "gamers_baseline_usd",
    "gamers_gamed_usd",
    "gamers_gain_usd",
    "honest_change_usd",
    "gamers_share_baseline",
    "gamers_share_gamed",
    "people_gaining",
    "people_losing",
    "honest_people_losing",
    "summary",
]
DEFAULT_SHARE = 0.10
DEFAULT_SEED = 7


def _tokens_x10(
    members: pd.DataFrame, gamer: np.ndarray, facts: Facts, factor: float = 10.0
) -> pd.DataFrame:
    m = members.copy()
    for col in ("total_tokens", "token_cost_usd"):
        m[col] = np.where(gamer, m[col] * factor, m[col])
    return m


def _pr_split(
    members: pd.DataFrame, gamer: np.ndarray, facts: Facts, parts: int = 5
) -> pd.DataFrame:
    m = members.copy()
    extra = np.where(gamer, m["merged_prs"] * (parts - 1), 0.0)
    m["merged_prs"] = m["merged_prs"] + extra
    m["trivial_merged_prs"] = m["trivial_merged_prs"] + extra
    return m


def _always_on(
    members: pd.DataFrame,
    gamer: np.ndarray,
    facts: Facts,
    tokens_per_hour: float = 1_500_000,
    hours_per_day: float = 8.0,
) -> pd.DataFrame:
    m = members.copy()
    starts, ends = _month_days(m["month_start"])
    weekdays = np.busday_count(starts, ends) * m["person_months"].to_numpy(dtype=float)
    tokens = facts.members["total_tokens"].sum()
    cost_per_token = (facts.members["token_cost_usd"].sum() / tokens) if tokens > 0 else 3e-6
    added = np.where(gamer, weekdays * hours_per_day * tokens_per_hour, 0.0)
    m["total_tokens"] = m["total_tokens"] + added
    m["token_cost_usd"] = m["token_cost_usd"] + added * cost_per_token
    m["active_days"] = np.where(
        gamer, np.maximum(m["active_days"], np.round(weekdays)), m["active_days"]
    )
    return m


def _month_days(month_start: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """First day of each member month and first day of the next, as datetime64[D]."""
    stamps = pd.to_datetime(month_start)
    if stamps.dt.tz is None:
        starts = stamps.to_numpy().astype("datetime64[D]")
        if (stamps.to_numpy() == starts).all() and (
            starts == starts.astype("datetime64[M]").astype("datetime64[D]")
        ).all():
            # midnight on the first of the month: the next month start is plain month arithmetic
            return starts, (starts.astype("datetime64[M]") + 1).astype("datetime64[D]")
    starts = stamps.dt.date.to_numpy().astype("datetime64[D]")
    ends = (stamps + pd.DateOffset(months=1)).dt.date.to_numpy().astype("datetime64[D]")
    return starts, ends


TACTICS: dict[str, Callable[..., pd.DataFrame]] = {
    "tokens_x10": _tokens_x10,
    "pr_split": _pr_split,
    "always_on": _always_on,
}


def apply_tactic(facts: Facts, tactic: str, gamers: Iterable[str], **params) -> Facts:
    """Facts in which `gamers` (employee keys) play `tactic` in every month of the window."""
    if tactic not in TACTICS:
        raise ValueError(f"unknown tactic {tactic!r} (one of {', '.join(TACTICS)})")
    gamer = facts.members["employee_key"].isin(set(gamers)).to_numpy()
    return facts.with_members(TACTICS[tactic](facts.members, gamer, facts, **params))


def choose_gamers(facts: Facts, share: float, seed: int = DEFAULT_SEED) -> list[str]:
    """A reproducible random `share` of the population (at least one person)."""
    people = np.array(sorted(facts.members["employee_key"].unique()))
    if not 0 < share <= 1:
        raise ValueError(f"share must be in (0, 1], got {share}")
    k = max(1, round(share * len(people)))
    rng = np.random.default_rng(seed)
    return sorted(rng.choice(people, size=min(k, len(people)), replace=False).tolist())


def _by_person(scheme: Scheme, facts: Facts, people: pd.Index) -> pd.Series:
    return payout_per_person(scheme, facts, people)


def _usd(x: float) -> str:
    sign = "-" if x < 0 else "+"
    return f"{sign}${abs(x):,.0f}"


def stress_test(
    schemes,
    marts: dict[str, pd.DataFrame] | Facts,
    tactics: Iterable[str] | dict[str, dict] | None = None,
    share: float = DEFAULT_SHARE,
    seed: int = DEFAULT_SEED,
    return_detail: bool = False,
):
    """How much each scheme's pay moves when `share` of people play each tactic, and to whom.

    `schemes`: dict or list of Scheme/dict. `tactics`: names (default all of TACTICS) or a dict
    name -> parameters. Returns a DataFrame (one row per scheme x tactic); with
    `return_detail=True` also the per-person movements (scheme, tactic, employee_key,
    is_gamer, baseline_usd, gamed_usd, change_usd)."""
    facts = build_facts(marts)
    items = [as_scheme(s) for s in (schemes.values() if isinstance(schemes, dict) else schemes)]
    if tactics is None:
        tactics = {name: {} for name in TACTICS}
    elif not isinstance(tactics, dict):
        tactics = {name: {} for name in tactics}
    gamers = choose_gamers(facts, share, seed)
    gamer_set = set(gamers)
    people = pd.Index(sorted(facts.members["employee_key"].unique()), name="employee_key")
    is_gamer = people.isin(gamer_set)
    baseline = {s.name: _by_person(s, facts, people) for s in items}
    rows, details = [], []
    for tactic, params in tactics.items():
        gamed_facts = apply_tactic(facts, tactic, gamers, **(params or {}))
        for scheme in items:
            base = baseline[scheme.name]
            gamed = _by_person(scheme, gamed_facts, people)
            delta = gamed - base
            b_total, g_total = float(base.sum()), float(gamed.sum())
            gb, gg = float(base[is_gamer].sum()), float(gamed[is_gamer].sum())
            honest = float(delta[~is_gamer].sum())
            moved = float(delta.abs().sum())
            gaining, losing = int((delta > 0.005).sum()), int((delta < -0.005).sum())
            honest_losing = int(((delta < -0.005) & ~is_gamer).sum())
            summary = f"gamers {_usd(gg - gb)}, everyone else {_usd(honest)}" + (
                f" ({honest_losing} honest people lose pay)" if honest_losing else ""
            )
            rows.append(
                {
                    "scheme": scheme.name,
                    "scheme_kind": scheme.kind,
                    "tactic": tactic,
                    "share_gamed": share,
                    "gamers": len(gamers),
                    "population": len(people),
                    "baseline_total_usd": round(b_total, 2),
                    "gamed_total_usd": round(g_total, 2),
                    "total_change_usd": round(g_total - b_total, 2),
                    "total_change_pct": (g_total - b_total) / b_total
                    if b_total > 0
                    else (math.nan if g_total == 0 else math.inf),
                    "moved_usd": round(moved, 2),
                    "moved_share": moved / b_total
                    if b_total > 0
                    else (0.0 if moved == 0 else math.inf),
                    "gamers_baseline_usd": round(gb, 2),
                    "gamers_gamed_usd": round(gg, 2),
                    "gamers_gain_usd": round(gg - gb, 2),
                    "honest_change_usd": round(honest, 2),
                    "gamers_share_baseline": gb / b_total if b_total > 0 else math.nan,
                    "gamers_share_gamed": gg / g_total if g_total > 0 else math.nan,
                    "people_gaining": gaining,
                    "people_losing": losing,
                    "honest_people_losing": honest_losing,
                    "summary": summary,
                }
            )
            if return_detail:
                details.append(
                    pd.DataFrame(
                        {
                            "scheme": scheme.name,
                            "tactic": tactic,
                            "employee_key": people,
                            "is_gamer": is_gamer,
                            "baseline_usd": base.to_numpy(),
                            "gamed_usd": gamed.to_numpy(),
                            "change_usd": delta.to_numpy(),
                        }
                    )
                )
    table = pd.DataFrame(rows, columns=STRESS_COLUMNS)
    if return_detail:
        detail = pd.concat(details, ignore_index=True) if details else pd.DataFrame()
        return table, detail
    return table
