"""Ranking teams by value per token and per dollar without rewarding teams that barely use AI.

A ratio with a tiny denominator wins every ranking: 2 merged PRs on $4 of tokens beats any team
that really uses AI. So a team is ranked only when its month clears all three minimums below,
and it is ranked by an empirical-Bayes estimate that pulls a team's ratio toward the
organisation's by as much as its own evidence is thin, with an interval around it.

The minimums live here, and only here, because the app computes the rankings: they depend on the
month and the teams a leader picks, while the marts keep the plain sums and ratios that anyone's
BI recomputes the same way. Change a minimum here and every page, caption and test follows.

The model (Gamma-Poisson, Marshall 1991): a team's merged PRs in a month are Poisson with mean
rate x exposure (tokens or dollars); rates across teams follow a Gamma whose mean m is the pooled
rate of the ranked teams (sum of PRs over sum of exposure) and whose variance v is the moment
estimate left after chance: v = s2 - m / mean(exposure), s2 the exposure-weighted variance of the
teams' raw rates. A team's estimate is then m + w (raw - m) with w = v / (v + m / exposure), the
mean of its Gamma posterior, and its interval that posterior's quantiles. v <= 0 means the teams
differ by no more than chance: every estimate is the organisation's.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np
import pandas as pd

# A team month is ranked only when it clears all three (one place: see the module docstring).
MIN_AI_ACTIVE_PEOPLE = 5  # people who used AI in the month: fewer is one person's habits
MIN_TOKENS = 100_000_000  # tokens in the month: below, a single merged PR swings the ratio
MIN_SPEND_USD = 250.0  # list-price spend in the month, for the same reason in dollars
INTERVAL = 0.90  # the interval shown around each estimate
# Teams shown at each end of a ranking by default; the rest are a search away.
TOP_AND_BOTTOM = 5


@dataclass(frozen=True)
class Measure:
    key: str  # column of the ranking frame holding the raw ratio
    exposure: str  # team-month column the outcome is divided by
    scale: float  # exposure units per ratio unit (1e9: per billion tokens)


MEASURES = {
    "per_token": Measure("merged_prs_per_billion_tokens", "total_tokens", 1e9),
    "per_dollar": Measure("merged_prs_per_1k_usd", "token_cost_usd", 1e3),
}


def minimums_text() -> str:
    """The minimums in one line, for captions."""
    return (
        f"at least {MIN_AI_ACTIVE_PEOPLE} people using AI, {MIN_TOKENS / 1e6:,.0f}M tokens and "
        f"${MIN_SPEND_USD:,.0f} of spend in the month"
    )


def below_minimum(row) -> str:
    """Why a team month is too thin to rank ('' when it is ranked).

    Below the minimum of people using AI, that is the whole reason: the team's tokens and spend
    rest on those few people, and for roles without person-level access they are hidden (the
    privacy gate blanks them, and the people count itself when under the minimum group size).
    """
    people = _number(row.get("ai_active_people"))
    if people is None:
        return f"fewer than {MIN_AI_ACTIVE_PEOPLE} people using AI (their usage is hidden)"
    if people < MIN_AI_ACTIVE_PEOPLE:
        return f"{people:,.0f} people using AI (minimum {MIN_AI_ACTIVE_PEOPLE})"
    reasons = []
    tokens = _number(row.get("total_tokens"))
    spend = _number(row.get("token_cost_usd"))
    if tokens is None or tokens < MIN_TOKENS:
        shown = "no" if tokens is None else f"{tokens / 1e6:,.1f}M"
        reasons.append(f"{shown} tokens (minimum {MIN_TOKENS / 1e6:,.0f}M)")
    if spend is None or spend < MIN_SPEND_USD:
        shown = "no" if spend is None else f"${spend:,.2f}"
        reasons.append(f"{shown} spend (minimum ${MIN_SPEND_USD:,.0f})")
    return "; ".join(reasons)


def _number(value) -> float | None:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    return float(value)


@dataclass(frozen=True)
class Prior:
    mean: float | None  # the pooled rate per exposure unit (the organisation's figure)
    variance: float  # between-team variance of the true rates, 0 when chance explains all


def fit_prior(outcomes: np.ndarray, exposure: np.ndarray) -> Prior:
    """Method-of-moments Gamma prior (Marshall 1991) from teams' outcomes and exposures."""
    total = float(exposure.sum())
    if len(exposure) == 0 or total <= 0:
        return Prior(None, 0.0)
    mean = float(outcomes.sum()) / total
    raw = outcomes / exposure
    s2 = float((exposure * (raw - mean) ** 2).sum()) / total
    variance = s2 - mean / (total / len(exposure))
    return Prior(mean, max(variance, 0.0))


def _gamma_quantile(shape: float, rate: float, q: float) -> float:
    """Wilson-Hilferty approximation to the Gamma quantile (no scipy in the app's dependencies);
    within 1% of the exact quantile for shapes above 1, which every ranked team has."""
    z = NormalDist().inv_cdf(q)
    cube = 1 - 1 / (9 * shape) + z / (3 * math.sqrt(shape))
    return shape / rate * max(cube, 0.0) ** 3


def shrink(outcomes, exposure, prior: Prior | None = None) -> pd.DataFrame:
    """Per team: raw rate, shrunk rate (posterior mean), interval and weight on its own data.

    Rates are per one unit of exposure; multiply by the measure's scale to show them.
    """
    outcomes = np.asarray(outcomes, dtype="float64")
    exposure = np.asarray(exposure, dtype="float64")
    prior = prior or fit_prior(outcomes, exposure)
    raw = outcomes / exposure
    if prior.mean is None:
        nothing = np.full(len(raw), np.nan)
        return pd.DataFrame(
            {"raw": raw, "estimate": nothing, "low": nothing, "high": nothing, "weight": nothing}
        )
    if prior.variance <= 0 or prior.mean <= 0:
        same = np.full(len(raw), prior.mean)
        return pd.DataFrame(
            {"raw": raw, "estimate": same, "low": same, "high": same, "weight": np.zeros(len(raw))}
        )
    weight = prior.variance / (prior.variance + prior.mean / exposure)
    estimate = prior.mean + weight * (raw - prior.mean)
    shape = prior.mean**2 / prior.variance + outcomes
    rate = prior.mean / prior.variance + exposure
    tail = (1 - INTERVAL) / 2
    low = [_gamma_quantile(a, b, tail) for a, b in zip(shape, rate, strict=True)]
    high = [_gamma_quantile(a, b, 1 - tail) for a, b in zip(shape, rate, strict=True)]
    return pd.DataFrame(
        {"raw": raw, "estimate": estimate, "low": low, "high": high, "weight": weight}
    )


RANK_COLUMNS = [
    "rank",
    "team_id",
    "team_name",
    "org",
    "ai_active_people",
    "total_tokens",
    "token_cost_usd",
    "merged_prs",
    "raw",
    "estimate",
    "low",
    "high",
    "weight",
]
BELOW_COLUMNS = [
    "team_id",
    "team_name",
    "org",
    "headcount",
    "ai_active_people",
    "total_tokens",
    "token_cost_usd",
    "merged_prs",
    "reason",
]


def rank_teams(month: pd.DataFrame, measure: str) -> tuple[pd.DataFrame, pd.DataFrame, Prior]:
    """(ranked teams, teams below the minimums with the reason, prior) for one month's teams.

    `month` holds one row per team (visible figures only). Ranked rows are ordered best first
    by the shrunk estimate, scaled to the measure's unit; rank 1 is the best.
    """
    spec = MEASURES[measure]
    frame = month.reset_index(drop=True)
    reasons = pd.Series([below_minimum(row) for row in frame.to_dict("records")], dtype="object")
    eligible = frame[reasons.eq("").to_numpy()].reset_index(drop=True)
    below = frame[reasons.ne("").to_numpy()].assign(reason=reasons[reasons.ne("")].to_numpy())
    below = below.reindex(columns=BELOW_COLUMNS).sort_values("team_name").reset_index(drop=True)
    outcomes = pd.to_numeric(eligible["merged_prs"], errors="coerce").fillna(0).to_numpy()
    exposure = pd.to_numeric(eligible[spec.exposure], errors="coerce").to_numpy() / spec.scale
    prior = fit_prior(outcomes, exposure)
    fitted = shrink(outcomes, exposure, prior)
    ranked = pd.concat([eligible, fitted], axis=1)
    ranked = ranked.sort_values(["estimate", "team_name"], ascending=[False, True])
    ranked["rank"] = range(1, len(ranked) + 1)
    return ranked.reindex(columns=RANK_COLUMNS).reset_index(drop=True), below, prior


def movers(current: pd.DataFrame, previous: pd.DataFrame, count: int = TOP_AND_BOTTOM):
    """Teams ranked in both months, by the change of their shrunk estimate: (up, down)."""
    both = current.merge(
        previous[["team_id", "estimate", "rank"]], on="team_id", suffixes=("", "_before")
    )
    both["change"] = both["estimate"] - both["estimate_before"]
    up = both[both["change"] > 0].nlargest(count, "change")
    down = both[both["change"] < 0].nsmallest(count, "change")
    return up.reset_index(drop=True), down.reset_index(drop=True)
