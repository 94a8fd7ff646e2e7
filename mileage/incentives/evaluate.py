"""evaluate(scheme, marts) -> payouts: one row per paid-or-not unit (team or person) and period.

Steps, all vectorised over the units of the scheme's grain and period:
  1. measure:   metric_value = the unit's metric (person schemes may read team.<metric>)
  2. score:     score = metric_value / (target x raise_factor), optionally / the period's org
                or peer median
  3. rule:      multiplier from threshold (+tiers), curve (piecewise linear) or rank tiers
  4. gates:     every gate must hold, else the multiplier is 0
  5. pool:      base_usd = per head x heads | pct of salary of the period | share of a fixed pool
  6. payout:    payout_usd = base_usd x multiplier, scaled down pro rata to pool.cap_usd
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from mileage.incentives.facts import Facts, build_facts, period_end, period_label
from mileage.incentives.schemes import Scheme, as_scheme

PAYOUT_COLUMNS = [
    "payout_id",
    "scheme",
    "scheme_kind",
    "grain",
    "period_type",
    "period",
    "period_start",
    "period_end",
    "pool_basis",
    "team_id",
    "employee_key",
    "heads",
    "metric",
    "metric_value",
    "score",
    "gates_passed",
    "multiplier",
    "base_usd",
    "payout_usd",
    "budget_usd",
    "budget_utilisation",
    "budget_status",
    "reason",
]


def _units(scheme: Scheme, facts: Facts) -> pd.DataFrame:
    if scheme.grain == "team":
        units = facts.team_periods(scheme.period).copy()
        units["heads"] = units["headcount"]
        units["employee_key"] = None
        return units
    units = facts.person_periods(scheme.period).copy()
    units["heads"] = 1
    if scheme.budget is not None:
        units["budget_usd"] = scheme.budget.pct_of_salary * units["salary_period_usd"]
        units["budget_utilisation"] = units["token_cost_usd"] / units["budget_usd"].where(
            units["budget_usd"] > 0
        )
    team_metrics = {
        m[5:] for m in [scheme.metric, *(g.metric for g in scheme.gates)] if m.startswith("team.")
    }
    if team_metrics:
        teams = facts.team_periods(scheme.period)[["period_start", "team_id", *team_metrics]]
        teams = teams.rename(columns={m: f"team.{m}" for m in team_metrics})
        units = units.merge(teams, on=["period_start", "team_id"], how="left")
    return units


def _score(scheme: Scheme, units: pd.DataFrame) -> pd.Series:
    score = units[scheme.metric].astype(float) / (scheme.target * scheme.raise_factor)
    if scheme.normalise == "org_median":
        med = score.groupby(units["period_start"]).transform("median")
        score = score / med.where(med != 0)
    elif scheme.normalise == "peer_median":
        keys = [units["period_start"], units["role"].fillna("?"), units["level"].fillna("?")]
        med = score.groupby(keys).transform("median")
        score = score / med.where(med != 0)
    return score


def _multiplier(scheme: Scheme, score: pd.Series, units: pd.DataFrame) -> pd.Series:
    rule = scheme.rule
    s = score.to_numpy(dtype=float)
    valid = ~np.isnan(s)
    if rule.type == "threshold":
        if rule.at_least is not None:
            m = np.where(valid & (s >= rule.at_least), rule.multiplier, 0.0)
            for tier in rule.tiers:  # ascending
                m = np.where(valid & (s >= tier.at), tier.multiplier, m)
        else:
            m = np.where(valid & (s <= rule.at_most), rule.multiplier, 0.0)
            for tier in rule.tiers:  # descending
                m = np.where(valid & (s <= tier.at), tier.multiplier, m)
        return pd.Series(m, index=score.index)
    if rule.type == "curve":
        xs = np.array([p[0] for p in rule.points])
        ys = np.array([p[1] for p in rule.points])
        m = np.interp(np.nan_to_num(s, nan=-np.inf), xs, ys)
        m = np.where(valid & (s >= xs[0]), m, rule.below)
        m = np.where(valid, m, 0.0)
        return pd.Series(m, index=score.index)
    # rank: 1 = highest score in the period; only positive scores rank; ties share the best rank
    ranked = score.where(score > 0)
    rank = ranked.groupby(units["period_start"]).rank(method="min", ascending=False)
    population = units.groupby("period_start")["period_start"].transform("size")
    m = np.zeros(len(score))
    r = rank.to_numpy(dtype=float)
    for tier in rule.rank_tiers:
        limit = (
            np.full(len(score), tier.top_n, dtype=float)
            if tier.top_n is not None
            else np.ceil(tier.top_share * population.to_numpy(dtype=float))
        )
        hit = ~np.isnan(r) & (r <= limit)
        m = np.where(hit, np.maximum(m, tier.multiplier), m)
    return pd.Series(m, index=score.index)


def _gates(
    scheme: Scheme, units: pd.DataFrame, explain: bool = True
) -> tuple[pd.Series, pd.Series]:
    passed = pd.Series(True, index=units.index)
    failed_text = np.full(len(units), "", dtype=object)
    for gate in scheme.gates:
        v = units[gate.metric].astype(float)
        ok = v.notna()
        if gate.at_least is not None:
            ok &= v >= gate.at_least
        if gate.at_most is not None:
            ok &= v <= gate.at_most
        bound = " and ".join(
            ([f">= {gate.at_least:g}"] if gate.at_least is not None else [])
            + ([f"<= {gate.at_most:g}"] if gate.at_most is not None else [])
        )
        passed &= ok
        if not explain or ok.all():
            continue
        bad = np.flatnonzero(~ok.to_numpy(dtype=bool))
        shown = _formatted(v.to_numpy(dtype=float)[bad], ".3g").tolist()
        head, tail = f"{gate.metric} ", f" not {bound}; "
        failed_text[bad] = [
            f"{before}{head}{value}{tail}"
            for before, value in zip(failed_text[bad].tolist(), shown, strict=True)
        ]
    return passed, pd.Series(failed_text, index=units.index, dtype=object)


def _reasons(scheme: Scheme, units: pd.DataFrame) -> list[str]:
    rule = scheme.rule
    if rule.type == "threshold":
        cond = (
            "(pays at >= " + f"{rule.at_least:g})"
            if rule.at_least is not None
            else "(pays at <= " + f"{rule.at_most:g})"
        )
    elif rule.type == "curve":
        cond = "(curve " + " ".join(f"{x:g}:{y:g}" for x, y in rule.points) + ")"
    else:
        cond = "(rank tiers)"
    goal_value = scheme.target * scheme.raise_factor
    goal = (
        ""
        if goal_value == 1
        else (
            f" / goal {goal_value:.4g}"
            + (
                f" (target {scheme.target:g} raised x{scheme.raise_factor:g})"
                if scheme.raise_factor != 1
                else ""
            )
        )
    )
    norm = {"none": "", "org_median": " / org median", "peer_median": " / peer median"}[
        scheme.normalise
    ]
    shown = _formatted(units["metric_value"], ".4g").tolist()
    mults = _formatted(units["multiplier"], ".3g", na=None).tolist()
    head, mid, tail = f"{scheme.metric} ", f"{goal}{norm}", f" {cond} -> x"
    if goal or norm:
        scores = _formatted(units["score"], ".3g").tolist()
        text = [
            f"{head}{v}{mid} -> score {s}{tail}{m}"
            for v, s, m in zip(shown, scores, mults, strict=True)
        ]
    else:
        text = [f"{head}{v}{mid}{tail}{m}" for v, m in zip(shown, mults, strict=True)]
    failures = units["gate_failures"]
    hit = np.flatnonzero((failures != "").to_numpy(dtype=bool))
    for i, failed in zip(hit.tolist(), failures.iloc[hit].tolist(), strict=True):
        text[i] += "; gate failed: " + failed.strip().rstrip(";")
    return text


def _formatted(values, spec: str, na: str | None = "n/a") -> np.ndarray:
    """format(value, spec) per value as an object array (`na` for missing values unless None),
    each distinct value (bit for bit) formatted once."""
    arr = np.ascontiguousarray(pd.Series(values).to_numpy(dtype=float, na_value=np.nan))
    codes, bits = pd.factorize(arr.view(np.int64))
    texts = np.array(
        [
            na if x != x and na is not None else format(x, spec)
            for x in np.asarray(bits, dtype=np.int64).view(np.float64).tolist()
        ],
        dtype=object,
    )
    return texts[codes]


def _core(scheme: Scheme, facts: Facts, explain: bool) -> pd.DataFrame:
    """Units with metric_value, score, gates_passed, multiplier, base_usd and payout_usd."""
    units = _units(scheme, facts).reset_index(drop=True)
    units["metric_value"] = units[scheme.metric].astype(float)
    units["score"] = _score(scheme, units)
    mult = _multiplier(scheme, units["score"], units)
    passed, failures = _gates(scheme, units, explain)
    units["gates_passed"] = passed.astype(bool)
    units["gate_failures"] = failures
    units["multiplier"] = mult.where(passed, 0.0).astype(float)

    pool = scheme.pool
    if pool.basis == "per_head_usd":
        units["base_usd"] = pool.per_head_usd * units["heads"].astype(float)
        units["payout_usd"] = units["base_usd"] * units["multiplier"]
    elif pool.basis == "pct_of_salary":
        units["base_usd"] = pool.pct_of_salary * units["salary_period_usd"].astype(float)
        units["payout_usd"] = units["base_usd"] * units["multiplier"]
    else:
        weight = units["multiplier"] * units["heads"]
        by_period = units.groupby("period_start")
        units["base_usd"] = pool.fixed_usd * _share(
            units["heads"].astype(float), by_period["heads"].transform("sum").astype(float)
        )
        units["payout_usd"] = pool.fixed_usd * _share(
            weight, weight.groupby(units["period_start"]).transform("sum")
        )
    if pool.cap_usd is not None:
        total = units.groupby("period_start")["payout_usd"].transform("sum")
        scale = np.where(total > pool.cap_usd, pool.cap_usd / total.where(total > 0), 1.0)
        units["payout_usd"] = units["payout_usd"] * scale
    units["payout_usd"] = units["payout_usd"].fillna(0.0).round(2)
    return units


def evaluate(scheme: Scheme | dict, marts: dict[str, pd.DataFrame] | Facts) -> pd.DataFrame:
    """Payouts of one scheme: a row per unit (team or person) and period, paid or not."""
    scheme = as_scheme(scheme)
    facts = build_facts(marts)
    units = _core(scheme, facts, explain=True)
    # the output order, applied now: everything below is row by row, and sorting the numbers
    # here is cheaper than sorting the finished frame with its long texts
    sort = ["period_start", "team_id"] + (["employee_key"] if scheme.grain == "person" else [])
    order = units[sort].sort_values(sort, kind="stable").index.to_numpy()
    if not (order == np.arange(len(units))).all():
        units = units.take(order).reset_index(drop=True)
    if scheme.budget is not None:
        util = units["budget_utilisation"]
        units["budget_status"] = np.select(
            [util.isna(), util > 1.0, util < scheme.budget.under_use_below],
            [None, "over", "under"],
            default="within",
        )
    else:
        units["budget_usd"] = np.nan
        units["budget_utilisation"] = np.nan
        units["budget_status"] = None

    units["reason"] = _reasons(scheme, units)
    units["scheme"] = scheme.name
    units["scheme_kind"] = scheme.kind
    units["grain"] = scheme.grain
    units["period_type"] = scheme.period
    units["pool_basis"] = scheme.pool.basis
    units["metric"] = scheme.metric
    starts = pd.Series(pd.to_datetime(units["period_start"].unique()))
    labels = dict(zip(starts, period_label(starts, scheme.period), strict=True))
    ends = dict(zip(starts, period_end(starts, scheme.period), strict=True))
    start_ts = pd.to_datetime(units["period_start"])
    units["period"] = start_ts.map(labels).astype(object)
    units["period_end"] = start_ts.map(ends)
    units["payout_id"] = (
        scheme.name
        + "|"
        + units["period"]
        + "|"
        + units["team_id"].astype(str)
        + "|"
        + units["employee_key"].fillna("-").astype(str)
    )
    out = units[PAYOUT_COLUMNS].copy()
    out["heads"] = out["heads"].astype("int64")
    out["period_start"] = pd.to_datetime(out["period_start"]).astype("datetime64[ns]")
    out["period_end"] = pd.to_datetime(out["period_end"]).astype("datetime64[ns]")
    return out.reset_index(drop=True)


def payout_by_person(scheme: Scheme | dict, marts: dict[str, pd.DataFrame] | Facts) -> pd.Series:
    """Total pay per person over the window (team pools split as in person_payouts), without
    the explanations: the fast path the stress test re-runs for every tactic."""
    scheme = as_scheme(scheme)
    facts = build_facts(marts)
    units = _core(scheme, facts, explain=False)
    if scheme.grain == "person":
        return units.groupby("employee_key", sort=False)["payout_usd"].sum()
    split = _team_split(facts, scheme.period, by_salary=scheme.pool.basis == "pct_of_salary")
    team = units[["period_start", "team_id", "payout_usd"]].assign(
        period_start=pd.to_datetime(units["period_start"]).astype("datetime64[ns]").to_numpy()
    )
    joined = team.merge(split, on=["period_start", "team_id"], how="inner")
    return (
        (joined["payout_usd"] * joined["share"]).groupby(joined["employee_key"], sort=False).sum()
    )


def payout_per_person(
    scheme: Scheme | dict, marts: dict[str, pd.DataFrame] | Facts, people: pd.Index
) -> pd.Series:
    """`payout_by_person(scheme, marts).reindex(people, fill_value=0.0)`, the same numbers,
    with the row-to-person mapping cached on the facts' structure (shared by the stress
    test's gamed copies): the per-person sums run on integer positions, not key strings."""
    scheme = as_scheme(scheme)
    facts = build_facts(marts)
    units = _core(scheme, facts, explain=False)
    cache = facts.structure.setdefault("person_positions", {})
    if scheme.grain == "person":
        # person units are facts.person_periods(period) rows in the layout's order (a left
        # merge of team metrics keeps them), fixed by the structure this cache belongs to:
        # check the length and the ends rather than converting every key again
        keys = units["employee_key"]
        entry = cache.get(("person", scheme.period))
        if (
            entry is None
            or entry[0] is not people
            or len(entry[1]) != len(keys)
            or (len(keys) and (entry[1][0] != keys.iloc[0] or entry[1][-1] != keys.iloc[-1]))
        ):
            plain = keys.to_numpy(dtype=object)
            entry = (people, plain, people.get_indexer(plain))
            cache[("person", scheme.period)] = entry
        values, pos = units["payout_usd"].to_numpy(dtype=float), entry[2]
    else:
        by_salary = scheme.pool.basis == "pct_of_salary"
        split = _team_split(facts, scheme.period, by_salary=by_salary)
        starts = pd.to_datetime(units["period_start"]).astype("datetime64[ns]").to_numpy()
        teams = units["team_id"].to_numpy(dtype=object)
        key = ("team", scheme.period, by_salary)
        entry = cache.get(key)
        if (
            entry is None
            or entry[0] is not people
            or not np.array_equal(entry[1], starts)
            or not _same_keys(entry[2], teams)
        ):
            left = pd.DataFrame(
                {"period_start": starts, "team_id": teams, "_row": np.arange(len(units))}
            )
            joined = left.merge(
                split.assign(_split=np.arange(len(split))),
                on=["period_start", "team_id"],
                how="inner",
            )
            entry = (
                people,
                starts,
                teams,
                joined["_row"].to_numpy(),
                joined["_split"].to_numpy(),
                people.get_indexer(joined["employee_key"].to_numpy(dtype=object)),
            )
            cache[key] = entry
        rows, split_rows, pos = entry[3], entry[4], entry[5]
        values = (
            units["payout_usd"].to_numpy(dtype=float)[rows]
            * split["share"].to_numpy(dtype=float)[split_rows]
        )
    if (pos < 0).any():  # someone outside `people`: the plain way
        return payout_by_person(scheme, facts).reindex(people, fill_value=0.0)
    sums = pd.Series(values).groupby(pos, sort=True).sum()
    out = np.zeros(len(people))
    out[sums.index.to_numpy()] = sums.to_numpy()
    return pd.Series(out, index=people, name="payout_usd")


def _same_keys(a: np.ndarray, b: np.ndarray) -> bool:
    return len(a) == len(b) and bool((a == b).all())


def evaluate_all(schemes, marts: dict[str, pd.DataFrame] | Facts) -> pd.DataFrame:
    """Payouts of several schemes (a dict or list), concatenated."""
    facts = build_facts(marts)
    items = schemes.values() if isinstance(schemes, dict) else schemes
    frames = [evaluate(s, facts) for s in items]
    if not frames:
        return pd.DataFrame(columns=PAYOUT_COLUMNS)
    return pd.concat(frames, ignore_index=True)


def _share(part: pd.Series, whole: pd.Series) -> pd.Series:
    return (part / whole.where(whole > 0)).fillna(0.0)


def person_payouts(payouts: pd.DataFrame, marts: dict[str, pd.DataFrame] | Facts) -> pd.DataFrame:
    """Payouts per person: person-grain rows as they are; a team's payout split among the
    people on the team in that period, equally (by salary when the pool is a percentage of
    salary). Columns: scheme, period_start, employee_key, team_id, payout_usd."""
    facts = build_facts(marts)
    cols = ["scheme", "period_start", "employee_key", "team_id", "payout_usd"]
    parts = [payouts.loc[payouts["grain"] == "person", cols]]
    team = payouts[payouts["grain"] == "team"]
    for (period, basis), rows in team.groupby(["period_type", "pool_basis"], sort=False):
        per = _team_split(facts, period, by_salary=basis == "pct_of_salary")
        rows = rows.assign(
            period_start=pd.to_datetime(rows["period_start"]).astype("datetime64[ns]").to_numpy()
        )
        joined = rows[["scheme", "period_start", "team_id", "payout_usd"]].merge(
            per, on=["period_start", "team_id"], how="inner"
        )
        joined["payout_usd"] = joined["payout_usd"] * joined["share"]
        parts.append(joined[cols])
    parts = [p for p in parts if len(p)]
    if not parts:
        return pd.DataFrame(columns=cols)
    return pd.concat(parts, ignore_index=True)


def _team_split(facts: Facts, period: str, by_salary: bool) -> pd.DataFrame:
    """Each team member's share of the team's pool per period (cached on the facts)."""
    cache = facts.structure.setdefault("team_split", {})  # structure only: shared by tactics
    key = (period, by_salary)
    if key not in cache:
        people = facts.structure.setdefault("team_split_people", {})
        if period not in people:
            # the salary per team member and period (the team_periods layout's groups)
            per = facts._sums(period, ("team_id", "employee_key"), ["salary_period_usd"])
            per = per.rename(columns={"salary_period_usd": "salary"}).reset_index()
            per["period_start"] = per["period_start"].astype("datetime64[ns]")
            people[period] = per
        per = people[period].copy()
        weight = per["salary"] if by_salary else pd.Series(1.0, index=per.index)
        total = weight.groupby([per["period_start"], per["team_id"]]).transform("sum")
        per["share"] = _share(weight, total)
        cache[key] = per[["period_start", "team_id", "employee_key", "share"]]
    return cache[key]
