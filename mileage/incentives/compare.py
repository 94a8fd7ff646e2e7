"""compare(payouts, outcomes, flags) -> one row per scheme: cost, concentration, fit to
outcomes and the share of pay that flagged gamers would capture.

Definitions (all over the evaluation window, per scheme):
  total_cost_usd               sum of payouts
  cost_per_head_usd            total cost / people in the population (anyone on the roster)
  cost_per_outcome_point_usd   total cost / roadmap points delivered in the window's quarters
  recipients                   people paid anything (team pools split among the team's people)
  top_decile_share             share of the cost paid to the top 10% of recipients
                               (ceil(10% of recipients) people, highest paid first)
  gini                         Gini of pay across the whole population, unpaid people included
  spearman_team_outcome        rank correlation across teams of payout per person-month with
                               the team's mean monthly outcome score
  spearman_person_outcome      rank correlation across people of pay with their non-trivial
                               merged PRs
  flagged_people               people with any gaming signal (fct_gaming_signals) in the window
  flagged_share                share of the cost paid to flagged people
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from mileage.incentives.evaluate import person_payouts
from mileage.incentives.facts import Facts, build_facts

COMPARISON_COLUMNS = [
    "scheme",
    "scheme_kind",
    "grain",
    "period_type",
    "periods",
    "population",
    "recipients",
    "total_cost_usd",
    "cost_per_head_usd",
    "delivered_points",
    "cost_per_outcome_point_usd",
    "top_decile_share",
    "gini",
    "spearman_team_outcome",
    "spearman_person_outcome",
    "flagged_people",
    "flagged_payout_usd",
    "flagged_share",
]


def gini(values) -> float:
    """Gini coefficient of non-negative amounts (0 = equal, 1 = one person gets all);
    NaN when there is nothing to share."""
    x = np.sort(np.asarray(values, dtype=float))
    n = x.size
    total = x.sum()
    if n == 0 or total <= 0:
        return math.nan
    ranks = np.arange(1, n + 1)
    return float((2.0 * np.sum(ranks * x)) / (n * total) - (n + 1.0) / n)


def top_share(values, share: float = 0.10) -> float:
    """Share of the total held by the top `share` of the positive amounts
    (ceil(share x recipients) of them); NaN when nobody is paid."""
    x = np.asarray(values, dtype=float)
    x = x[x > 0]
    if x.size == 0:
        return math.nan
    k = max(1, math.ceil(share * x.size - 1e-9))
    top = np.sort(x)[::-1][:k]
    return float(top.sum() / x.sum())


def spearman(a, b) -> float:
    """Spearman rank correlation (average ranks for ties); NaN if either side is constant."""
    a = pd.Series(np.asarray(a, dtype=float))
    b = pd.Series(np.asarray(b, dtype=float))
    keep = a.notna() & b.notna()
    if keep.sum() < 3:
        return math.nan
    ra = a[keep].rank(method="average").to_numpy()
    rb = b[keep].rank(method="average").to_numpy()
    if ra.std() == 0 or rb.std() == 0:
        return math.nan
    return float(np.corrcoef(ra, rb)[0, 1])


def flagged_people(flags: pd.DataFrame | None) -> set[str]:
    """Employee keys with any gaming signal (every row of fct_gaming_signals is a signal that
    fired; rows with severity 'info' or 'low' are ignored if such severities exist)."""
    if flags is None or len(flags) == 0 or "employee_key" not in flags.columns:
        return set()
    f = flags
    if "severity" in f.columns:
        f = f[~f["severity"].astype(str).str.lower().isin({"info", "low", "none"})]
    return set(f["employee_key"].dropna().astype(str))


def compare(
    payouts: pd.DataFrame,
    outcomes: dict[str, pd.DataFrame] | Facts,
    flags: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """One row per scheme in `payouts` (the output of evaluate/evaluate_all). `outcomes` is the
    Facts (or marts dict) the payouts were evaluated on; `flags` is fct_gaming_signals or None."""
    facts = build_facts(outcomes)
    people = facts.person_outcomes.set_index("employee_key")
    teams = facts.team_outcomes.set_index("team_id")
    flagged = {key for key in flagged_people(flags) if key in people.index}
    per_person = person_payouts(payouts, facts)
    # positions instead of key strings: the same per-group sums (same rows, same order)
    scheme_codes, scheme_names = pd.factorize(per_person["scheme"])
    scheme_code = {name: code for code, name in enumerate(list(scheme_names))}
    pp_person = _positions(per_person["employee_key"], people.index)
    pp_team = _positions(per_person["team_id"], teams.index)
    pp_usd = per_person["payout_usd"].to_numpy(dtype=float)
    rows = []
    for scheme, rows_s in payouts.groupby("scheme", sort=False):
        first = rows_s.iloc[0]
        mine = scheme_codes == scheme_code.get(scheme, -2)
        by_person = _sums_at(pp_usd[mine], pp_person[mine], people.index)
        total = float(rows_s["payout_usd"].sum())
        by_team = _sums_at(pp_usd[mine], pp_team[mine], teams.index)
        per_pm = by_team / teams["person_months"].where(teams["person_months"] > 0)
        flagged_usd = float(by_person[by_person.index.isin(flagged)].sum())
        rows.append(
            {
                "scheme": scheme,
                "scheme_kind": first["scheme_kind"],
                "grain": first["grain"],
                "period_type": first["period_type"],
                "periods": int(rows_s["period_start"].nunique()),
                "population": len(people),
                "recipients": int((by_person > 0.005).sum()),
                "total_cost_usd": round(total, 2),
                "cost_per_head_usd": total / len(people) if len(people) else math.nan,
                "delivered_points": facts.delivered_points,
                "cost_per_outcome_point_usd": (
                    total / facts.delivered_points if facts.delivered_points > 0 else math.nan
                ),
                "top_decile_share": top_share(by_person.to_numpy()),
                "gini": gini(by_person.to_numpy()),
                "spearman_team_outcome": spearman(
                    per_pm.to_numpy(), teams["outcome_score"].to_numpy()
                ),
                "spearman_person_outcome": spearman(
                    by_person.to_numpy(), people["nontrivial_merged_prs"].to_numpy()
                ),
                "flagged_people": len(flagged),
                "flagged_payout_usd": round(flagged_usd, 2),
                "flagged_share": flagged_usd / total if total > 0 else math.nan,
            }
        )
    return pd.DataFrame(rows, columns=COMPARISON_COLUMNS)


def _positions(keys: pd.Series, index: pd.Index) -> np.ndarray:
    """Position of each key in `index` (-1 if absent or missing), each distinct key looked
    up once."""
    codes, uniques = pd.factorize(keys)
    if len(uniques) == 0:
        return np.full(len(keys), -1, dtype=np.intp)
    pos = index.get_indexer(uniques)
    return np.where(codes >= 0, pos[codes], -1)


def _sums_at(values: np.ndarray, positions: np.ndarray, index: pd.Index) -> pd.Series:
    """values summed per position into a Series over `index` (0.0 where none), rows outside
    the index (-1) dropped: what groupby(key).sum().reindex(index, fill_value=0.0) gives."""
    keep = positions >= 0
    sums = pd.Series(values[keep]).groupby(positions[keep], sort=True).sum()
    out = np.zeros(len(index))
    out[sums.index.to_numpy()] = sums.to_numpy()
    return pd.Series(out, index=index, name="payout_usd")
