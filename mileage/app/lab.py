"""The incentive lab's plain-Python side: which scheme parameters get widgets, applying edited
values to a scheme's dict, validating it, evaluating it in-process, and what a viewer may see.

A parameter is addressed by its path in `Scheme.to_dict()`, written with dots
("rule.tiers.0.at", "pool.per_head_usd"); the page keys its widget `lab-<scheme>-<path>`.
Edited dicts are validated by `Scheme.from_dict`, exactly like a scheme file, and evaluated
by `mileage.incentives` (evaluate, compare, stress_test): the same code the dbt build runs.
"""

from __future__ import annotations

import copy
import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from mileage.incentives import TACTICS, Scheme, SchemeError, compare, evaluate, stress_test
from mileage.incentives.schemes import NORMALISE, PERIODS
from mileage.incentives.stress import DEFAULT_SEED, DEFAULT_SHARE

KEY_PREFIX = "lab-"
GROUPS = ("Goal", "Rule", "Gates", "Pool", "Budget")

# Metrics whose values are shares or ratios (gates and targets step by 0.05 on them).
SHARE_METRICS = {"ai_active_share", "roadmap_attainment", "budget_utilisation", "ai_active"}


@dataclass(frozen=True)
class Param:
    """One editable value of a scheme: where it lives and how its widget behaves."""

    path: tuple[str | int, ...]
    label: str
    group: str
    kind: str  # "float" | "int" | "choice"
    value: Any
    min_value: float | None = None
    max_value: float | None = None
    step: float | None = None
    fmt: str | None = None
    options: tuple[str, ...] = ()
    optional: bool = False  # None is allowed and removes the key
    help: str | None = None

    @property
    def name(self) -> str:
        return ".".join(str(p) for p in self.path)


def widget_key(scheme: str, param: Param | str) -> str:
    name = param.name if isinstance(param, Param) else param
    return f"{KEY_PREFIX}{scheme}-{name}"


# ---- which parameters get widgets ----------------------------------------------------------


def _num(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def _float_param(
    path, label, group, value, *, lo=0.0, hi=None, step=0.05, fmt="%.2f", optional=False, help=None
) -> Param | None:
    v = _num(value)
    if v is None and not optional:
        return None  # not a number: leave it to validation, no widget can show it
    if v is not None:
        lo = min(lo, v) if lo is not None else None
        hi = max(hi, v * 10) if hi is not None else None
    return Param(
        tuple(path), label, group, "float", v, lo, hi, step, fmt, optional=optional, help=help
    )


def _magnitude_step(value: float | None) -> tuple[float, str]:
    """A step and format that suit a value of this size (a target of 0.7 or of 2,000,000)."""
    v = abs(value or 0.0)
    if v == 0 or v < 10:
        return 0.05, "%.2f"
    step = 10.0 ** (math.floor(math.log10(v)) - 1)
    return step, "%.0f"


def _metric_step(metric: str | None, value: float | None) -> tuple[float, str]:
    name = (metric or "").removeprefix("team.")
    if name in SHARE_METRICS:
        return 0.05, "%.2f"
    if name.endswith(("prs", "_days", "headcount", "points")) and (value or 0) >= 1:
        return 1.0, "%.0f"
    return _magnitude_step(value)


def editable_params(data: Mapping[str, Any]) -> list[Param]:
    """The parameters of a scheme dict that the lab offers widgets for, in display order.

    Structure (grain, metric, rule type, which keys a block has) stays as the file has it: the
    lab edits amounts, thresholds, tiers, gates, the period and the normalisation."""
    out: list[Param | None] = []
    add = out.append
    add(
        Param(
            ("period",),
            "Period",
            "Goal",
            "choice",
            data.get("period", "quarter"),
            options=PERIODS,
            help="How often the scheme measures and pays.",
        )
    )
    if data.get("grain") == "person" or data.get("normalise", "none") != "none":
        add(
            Param(
                ("normalise",),
                "Normalise by",
                "Goal",
                "choice",
                data.get("normalise", "none"),
                options=NORMALISE,
                help="Divide the score by the period's org median or (person schemes) the "
                "median of the person's role-and-level peers.",
            )
        )
    rule = data.get("rule") if isinstance(data.get("rule"), dict) else {}
    rtype = rule.get("type")
    if rtype != "rank":  # dividing every score by the same goal leaves ranks as they are
        step, fmt = _metric_step(data.get("metric"), _num(data.get("target", 1.0)))
        add(
            _float_param(
                ("target",),
                "Target (metric value = 100%)",
                "Goal",
                data.get("target", 1.0),
                hi=1e12,
                step=step,
                fmt=fmt,
                help="score = metric / (target x raise factor); must be above 0.",
            )
        )
        add(
            _float_param(
                ("raise_factor",),
                "Raise factor",
                "Goal",
                data.get("raise_factor", 1.0),
                hi=10.0,
                help="Raised goals: the target is multiplied by this.",
            )
        )

    if rtype == "threshold":
        side = "at_least" if "at_least" in rule else "at_most"
        sign = ">=" if side == "at_least" else "<="
        add(_float_param(("rule", side), f"Pays at score {sign}", "Rule", rule.get(side), hi=100.0))
        add(
            _float_param(
                ("rule", "multiplier"),
                "Multiplier at the threshold",
                "Rule",
                rule.get("multiplier", 1.0),
                hi=100.0,
            )
        )
        for i, tier in enumerate(rule.get("tiers") or []):
            if isinstance(tier, dict):
                add(
                    _float_param(
                        ("rule", "tiers", i, "at"),
                        f"Tier {i + 1}: score {sign}",
                        "Rule",
                        tier.get("at"),
                        hi=100.0,
                        help=f"Must lie {'above' if sign == '>=' else 'below'} the threshold.",
                    )
                )
                add(
                    _float_param(
                        ("rule", "tiers", i, "multiplier"),
                        f"Tier {i + 1}: multiplier",
                        "Rule",
                        tier.get("multiplier"),
                        hi=100.0,
                    )
                )
    elif rtype == "curve":
        add(
            _float_param(
                ("rule", "below"),
                "Multiplier below the curve",
                "Rule",
                rule.get("below", 0.0),
                hi=100.0,
            )
        )
        for i, point in enumerate(rule.get("points") or []):
            if isinstance(point, list | tuple) and len(point) == 2:
                add(
                    _float_param(
                        ("rule", "points", i, 0),
                        f"Point {i + 1}: score",
                        "Rule",
                        point[0],
                        hi=100.0,
                        help="Scores must increase point by point.",
                    )
                )
                add(
                    _float_param(
                        ("rule", "points", i, 1),
                        f"Point {i + 1}: multiplier",
                        "Rule",
                        point[1],
                        hi=100.0,
                    )
                )
    elif rtype == "rank":
        for i, tier in enumerate(rule.get("tiers") or []):
            if not isinstance(tier, dict):
                continue
            if "top_n" in tier and _num(tier["top_n"]) is not None:
                n = int(tier["top_n"])
                add(
                    Param(
                        ("rule", "tiers", i, "top_n"),
                        f"Tier {i + 1}: top N people",
                        "Rule",
                        "int",
                        n,
                        1,
                        max(100_000, n),
                        1,
                        "%d",
                    )
                )
            elif "top_share" in tier:
                add(
                    _float_param(
                        ("rule", "tiers", i, "top_share"),
                        f"Tier {i + 1}: top share of people",
                        "Rule",
                        tier["top_share"],
                        hi=1.0,
                        step=0.01,
                        fmt="%.3f",
                        help="Above 0 and at most 1.",
                    )
                )
            add(
                _float_param(
                    ("rule", "tiers", i, "multiplier"),
                    f"Tier {i + 1}: multiplier",
                    "Rule",
                    tier.get("multiplier"),
                    hi=100.0,
                )
            )

    for i, gate in enumerate(data.get("gates") or []):
        if not isinstance(gate, dict):
            continue
        metric = gate.get("metric")
        for side, word in (("at_least", "at least"), ("at_most", "at most")):
            if side in gate:
                step, fmt = _metric_step(metric, _num(gate[side]))
                add(
                    _float_param(
                        ("gates", i, side),
                        f"Gate {i + 1}: {metric} {word}",
                        "Gates",
                        gate[side],
                        lo=None,
                        hi=None,
                        step=step,
                        fmt=fmt,
                        help="Nothing is paid unless every gate holds.",
                    )
                )

    pool = data.get("pool") if isinstance(data.get("pool"), dict) else {}
    if "per_head_usd" in pool:
        add(
            _float_param(
                ("pool", "per_head_usd"),
                "Pool: USD per head",
                "Pool",
                pool["per_head_usd"],
                hi=1e6,
                step=100.0,
                fmt="%.0f",
            )
        )
    elif "pct_of_salary" in pool:
        add(
            _float_param(
                ("pool", "pct_of_salary"),
                "Pool: share of salary",
                "Pool",
                pool["pct_of_salary"],
                hi=1.0,
                step=0.005,
                fmt="%.3f",
                help="0.05 = 5% of the period's salary.",
            )
        )
    elif "fixed_usd" in pool:
        add(
            _float_param(
                ("pool", "fixed_usd"),
                "Pool: fixed USD per period",
                "Pool",
                pool["fixed_usd"],
                hi=1e9,
                step=1000.0,
                fmt="%.0f",
            )
        )
    if pool:
        add(
            _float_param(
                ("pool", "cap_usd"),
                "Cap: USD per period (empty = none)",
                "Pool",
                pool.get("cap_usd"),
                hi=1e10,
                step=1000.0,
                fmt="%.0f",
                optional=True,
                help="The period's total is scaled down to this.",
            )
        )

    budget = data.get("budget") if isinstance(data.get("budget"), dict) else None
    if budget is not None:
        add(
            _float_param(
                ("budget", "pct_of_salary"),
                "Budget: share of salary",
                "Budget",
                budget.get("pct_of_salary"),
                hi=10.0,
                help="Token budget = this share of the period's salary (list prices).",
            )
        )
        add(
            _float_param(
                ("budget", "under_use_below"),
                "Under-use below",
                "Budget",
                budget.get("under_use_below", 0.2),
                hi=1.0,
                help="Utilisation below this is reported as under-use (0 to 1).",
            )
        )
    return [p for p in out if p is not None]


# ---- applying and validating edits ---------------------------------------------------------


def _set(data: Any, path: tuple, value: Any, optional: bool) -> None:
    *parents, last = path
    node = data
    for step in parents:
        node = node[step]
    if isinstance(node, list | tuple) and isinstance(last, int):
        node[last] = value
    elif value is None and optional:
        node.pop(last, None)
    else:
        node[last] = value


def apply_values(
    data: Mapping[str, Any], values: Mapping[str, Any], params: Iterable[Param] | None = None
) -> dict:
    """A deep copy of `data` with `values` ({param name: value}) written at their paths."""
    out = copy.deepcopy(dict(data))
    # curve points may be tuples after a YAML round trip elsewhere: make them editable lists
    rule = out.get("rule")
    if isinstance(rule, dict) and isinstance(rule.get("points"), list):
        rule["points"] = [list(p) if isinstance(p, tuple) else p for p in rule["points"]]
    by_name = {p.name: p for p in (params if params is not None else editable_params(data))}
    for name, value in values.items():
        param = by_name.get(name)
        if param is None:
            raise KeyError(f"{name!r} is not an editable parameter of this scheme")
        if param.kind == "int" and value is not None:
            value = int(value)
        elif param.kind == "float" and value is not None:
            value = float(value)
        _set(out, param.path, value, param.optional)
    return out


def validate(data: Mapping[str, Any]) -> tuple[Scheme | None, list[str]]:
    """(scheme, []) when valid, else (None, ["field: problem", ...]). Never raises."""
    try:
        return Scheme.from_dict(dict(data), source=str(data.get("name", "<edited>"))), []
    except SchemeError as exc:
        return None, [f"{field}: {problem}" for _source, field, problem in exc.problems]
    except Exception as exc:  # a bug in validation must not become a traceback on screen
        return None, [f"could not validate: {exc}"]


def _shown(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _get(data: Any, path: tuple) -> Any:
    node = data
    for step in path:
        try:
            node = node[step]
        except (KeyError, IndexError, TypeError):
            return None
    return node


def changes(original: Mapping[str, Any], edited: Mapping[str, Any]) -> list[str]:
    """What differs between a scheme's file dict and its edited dict, one "path: a -> b" each."""
    out = []
    now = {p.name: p.value for p in editable_params(edited)}
    for param in editable_params(original):  # defaults count as values (raise_factor 1)
        before, after = param.value, now.get(param.name, _get(edited, param.path))
        same = (before == after) or (
            _num(before) is not None
            and _num(after) is not None
            and math.isclose(float(before), float(after), rel_tol=1e-12, abs_tol=1e-12)
        )
        if not same:
            out.append(f"{param.name}: {_shown(before)} -> {_shown(after)}")
    return out


def canonical(data: Mapping[str, Any]) -> str:
    """A stable text form of a scheme dict (cache keys)."""
    return json.dumps(data, sort_keys=True, default=str)


# ---- evaluating ----------------------------------------------------------------------------


@dataclass
class SchemeResult:
    """One scheme evaluated in-process: its payouts, its comparison row, its stress rows."""

    payouts: pd.DataFrame
    comparison: pd.DataFrame
    stress: pd.DataFrame


def compute_scheme(
    scheme: Scheme | Mapping[str, Any],
    facts,
    flags: pd.DataFrame | None = None,
    share: float = DEFAULT_SHARE,
    seed: int = DEFAULT_SEED,
) -> SchemeResult:
    """evaluate + compare + stress_test for one scheme: the rows the dbt build would give it
    (schemes do not interact, so per-scheme results concatenate to the whole tables)."""
    scheme = scheme if isinstance(scheme, Scheme) else Scheme.from_dict(dict(scheme))
    payouts = evaluate(scheme, facts)
    comparison = compare(payouts, facts, flags)
    stress = stress_test([scheme], facts, share=share, seed=seed)
    return SchemeResult(payouts, comparison, stress)


def built_result(
    name: str,
    comparison: pd.DataFrame | None,
    stress: pd.DataFrame | None,
    payouts: pd.DataFrame | None,
) -> SchemeResult | None:
    """A scheme's rows in the built marts (what compute_scheme gives for its file, with the
    build's gaming share), or None when any of the three marts lacks them."""
    frames = []
    for frame in (payouts, comparison, stress):
        if frame is None or "scheme" not in frame.columns:
            return None
        rows = frame[frame["scheme"].astype(str) == name]
        if rows.empty:
            return None
        frames.append(rows.reset_index(drop=True))
    return SchemeResult(*frames)


def combine(
    results: Mapping[str, SchemeResult], labels: Mapping[str, str], edits: Mapping[str, list[str]]
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(comparison, stress, payouts) of several schemes; the comparison gains `label`, `edited`
    and `changes` (what was edited, for the CSV)."""
    if not results:
        empty = pd.DataFrame()
        return empty, empty, empty
    comparison = pd.concat([r.comparison for r in results.values()], ignore_index=True)
    comparison.insert(1, "label", comparison["scheme"].map(labels).fillna(comparison["scheme"]))
    comparison.insert(2, "edited", comparison["scheme"].map(lambda s: bool(edits.get(s))))
    comparison.insert(
        3, "changes", comparison["scheme"].map(lambda s: "; ".join(edits.get(s) or []))
    )
    stress = pd.concat([r.stress for r in results.values()], ignore_index=True)
    if "tactic" in stress.columns:  # tactic by tactic, like the mart
        order = {t: i for i, t in enumerate(TACTICS)}
        stress = stress.sort_values(
            "tactic", key=lambda t: t.map(order).fillna(len(order)), kind="stable"
        ).reset_index(drop=True)
    payouts = pd.concat([r.payouts for r in results.values()], ignore_index=True)
    return comparison, stress, payouts


def with_labels(
    frame: pd.DataFrame, labels: Mapping[str, str], column: str = "scheme"
) -> pd.DataFrame:
    """`frame` with a `label` column after `column` (the scheme's name when it has no label)."""
    if frame is None or column not in frame.columns or "label" in frame.columns:
        return frame
    out = frame.copy()
    out.insert(
        list(out.columns).index(column) + 1,
        "label",
        out[column].astype(str).map(labels).fillna(out[column].astype(str)),
    )
    return out


TIME_COLUMNS = ("period_start", "month_start")


def payout_totals(payouts: pd.DataFrame, column: str = "scheme") -> pd.DataFrame:
    """Total payout per scheme and period (period_start, or month_start in older marts)."""
    time = next((c for c in TIME_COLUMNS if c in payouts.columns), None)
    keys = [column] + ([time] if time else [])
    out = (
        payouts.groupby(keys, dropna=False)["payout_usd"]
        .sum()
        .reset_index()
        .rename(columns={time: "period_start"} if time else {})
    )
    if "period_start" in out.columns:
        out["period_start"] = pd.to_datetime(out["period_start"])
    return out


def gaming_share_of(stress: pd.DataFrame | None) -> float:
    """The gaming share the built stress test used (the dbt var), else the default."""
    if (
        stress is not None
        and "share_gamed" in stress.columns
        and stress["share_gamed"].notna().any()
    ):
        return float(stress["share_gamed"].dropna().iloc[0])
    return DEFAULT_SHARE


# ---- what the viewer may see ---------------------------------------------------------------


def payouts_for_viewer(
    payouts: pd.DataFrame,
    viewer,
    identities: pd.DataFrame | None,
    team_names: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Payout rows as this viewer may see them.

    Roles with person-level access (HR) get every row, people shown by a short key and, for
    roles allowed names, name and email. Anyone else gets team totals per scheme and period,
    with teams smaller than the minimum group size suppressed (and said so)."""
    from mileage.app.privacy import present_people, suppress_small_groups

    shown = payouts.drop(columns=[c for c in ("payout_id",) if c in payouts.columns])
    if team_names is not None and "team_id" in shown.columns and "team_name" not in shown.columns:
        shown.insert(
            list(shown.columns).index("team_id"),
            "team_name",
            shown["team_id"].map(dict(team_names)),
        )
    if viewer.role.person_level:
        if "employee_key" in shown.columns:
            shown = present_people(
                shown,
                viewer,
                identities if viewer.role.sees_names else None,
                missing_label="team pool",
            )
        return shown
    time = next((c for c in TIME_COLUMNS if c in shown.columns), None)
    keys = [c for c in ("scheme", time, "team_id", "team_name") if c and c in shown.columns]
    # a person row is one person; a team pool row covers `heads` people
    people = shown["heads"] if "heads" in shown.columns else pd.Series(1, index=shown.index)
    grouped = shown.assign(people=people).groupby(keys, dropna=False)
    teams = grouped.agg(people=("people", "sum"), payout_usd=("payout_usd", "sum")).reset_index()
    teams["partition"] = (
        teams[[k for k in keys if k in ("scheme", time)]].astype(str).agg("|".join, axis=1)
    )
    out = suppress_small_groups(
        teams, viewer, ["payout_usd"], size_column="people", partition="partition"
    )
    return out.drop(columns=["partition"])
