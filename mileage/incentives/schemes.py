"""Bonus schemes as data: YAML files validated on load into plain dataclasses.

A scheme is built from a few blocks (see schemes/README.md for the reference):

    name, label, description, kind        identity; kind = outcome | activity | budget | custom
    grain: team | person                  who is measured and paid
    period: month | quarter | year        how often it pays
    metric: <metric name>                 what is measured (METRICS below)
    target: 1.0                           the metric value that counts as 100% of goal
    raise_factor: 1.0                     raised goals: the target is multiplied by this
                                          (score = metric / (target x raise_factor))
    normalise: none | org_median | peer_median
    rule:                                 how the measured value turns into a multiplier
      type: threshold | curve | rank
    gates: [{metric, at_least, at_most}]  conditions that must all hold to be paid at all
    pool: per_head_usd | pct_of_salary | fixed_usd, optional cap_usd
    budget: {pct_of_salary, under_use_below}   token budget (person grain)

`Scheme.to_dict()` gives the editable plain dict (what the app's widgets change) and
`Scheme.from_dict(d)` validates it back, so an edited scheme is checked exactly like a file.
Errors name the file, the field and the problem: `SchemeError.problems` lists them all.
"""

from __future__ import annotations

import copy
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

KINDS = ("outcome", "activity", "budget", "custom")
GRAINS = ("team", "person")
PERIODS = ("month", "quarter", "year")
NORMALISE = ("none", "org_median", "peer_median")
RULE_TYPES = ("threshold", "curve", "rank")

# Metrics each grain can measure (facts.py computes them). Person-grain schemes may also use
# any team metric of the person's team as "team.<metric>".
TEAM_METRICS = {
    "roadmap_attainment": "delivered / planned roadmap points of the period's quarters",
    "outcome_score": "mean monthly outcome score (0-100, macros/outcome_score.sql)",
    "delivered_points": "roadmap points delivered in the period's quarters",
    "merged_prs": "merged pull requests (bots excluded, trivial included)",
    "nontrivial_merged_prs": "merged pull requests above the trivial-size threshold",
    "merged_prs_per_head": "merged pull requests per person on the team",
    "nontrivial_prs_per_head": "non-trivial merged pull requests per person on the team",
    "bugs_per_merged_pr": "bugs created per merged pull request",
    "total_tokens": "AI tokens attributed to the team",
    "tokens_per_head": "AI tokens per person on the team",
    "token_cost_usd": "list-price cost of the team's AI tokens",
    "token_cost_per_head_usd": "list-price cost of AI tokens per person on the team",
    "ai_active_share": "share of the team's people with any AI usage in the period",
    "headcount": "people assigned to the team at any time in the period",
}
PERSON_METRICS = {
    "total_tokens": "AI tokens the person used",
    "token_cost_usd": "list-price cost of the person's AI tokens",
    "active_days": "days with any AI usage",
    "merged_prs": "merged pull requests authored (trivial included)",
    "nontrivial_merged_prs": "merged pull requests above the trivial-size threshold",
    "trivial_merged_prs": "merged pull requests at or below the trivial-size threshold",
    "ai_active": "1 if the person used any AI tool in the period, else 0",
    "budget_utilisation": "token cost / token budget (needs a budget block)",
}
METRICS = {"team": TEAM_METRICS, "person": PERSON_METRICS}

_NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
_TOP_LEVEL = {
    "name",
    "label",
    "description",
    "kind",
    "grain",
    "period",
    "metric",
    "target",
    "raise_factor",
    "normalise",
    "rule",
    "gates",
    "pool",
    "budget",
    "enabled",
}


class SchemeError(ValueError):
    """A scheme file or dict is invalid. `problems` is a list of (source, field, problem)."""

    def __init__(self, problems: list[tuple[str, str, str]]):
        self.problems = problems
        lines = [f"{source}: {fld}: {problem}" for source, fld, problem in problems]
        super().__init__(
            "invalid scheme:\n  " + "\n  ".join(lines)
            if len(lines) > 1
            else "invalid scheme: " + lines[0]
        )


@dataclass(frozen=True)
class Tier:
    at: float
    multiplier: float


@dataclass(frozen=True)
class RankTier:
    multiplier: float
    top_n: int | None = None
    top_share: float | None = None


@dataclass(frozen=True)
class Rule:
    type: str
    at_least: float | None = None  # threshold: value >= at_least pays
    at_most: float | None = None  # threshold: value <= at_most pays
    multiplier: float = 1.0  # threshold: multiplier at the threshold
    tiers: tuple[Tier, ...] = ()  # threshold: higher multipliers further on
    points: tuple[tuple[float, float], ...] = ()  # curve: (value, multiplier), x increasing
    below: float = 0.0  # curve: multiplier below the first point
    rank_tiers: tuple[RankTier, ...] = ()  # rank: best qualifying tier wins


@dataclass(frozen=True)
class Gate:
    metric: str
    at_least: float | None = None
    at_most: float | None = None


@dataclass(frozen=True)
class Pool:
    per_head_usd: float | None = None
    pct_of_salary: float | None = None
    fixed_usd: float | None = None
    cap_usd: float | None = None

    @property
    def basis(self) -> str:
        if self.per_head_usd is not None:
            return "per_head_usd"
        if self.pct_of_salary is not None:
            return "pct_of_salary"
        return "fixed_usd"


@dataclass(frozen=True)
class Budget:
    pct_of_salary: float
    under_use_below: float = 0.2


@dataclass(frozen=True)
class Scheme:
    name: str
    label: str
    description: str
    kind: str
    grain: str
    period: str
    metric: str
    rule: Rule
    pool: Pool
    target: float = 1.0
    raise_factor: float = 1.0
    normalise: str = "none"
    gates: tuple[Gate, ...] = ()
    budget: Budget | None = None
    enabled: bool = True
    source: str = field(default="<dict>", compare=False)
    raw: dict = field(default_factory=dict, compare=False, repr=False)

    def to_dict(self) -> dict:
        """A deep copy of the scheme as plain data (edit it, then `Scheme.from_dict`)."""
        return copy.deepcopy(self.raw)

    @classmethod
    def from_dict(cls, data: dict, source: str = "<dict>") -> Scheme:
        return parse_scheme(data, source)

    def with_changes(self, **changes: Any) -> Scheme:
        """A validated copy with top-level fields replaced (nested blocks replace whole)."""
        data = self.to_dict()
        data.update(changes)
        return parse_scheme(data, self.source)


# ---- validation ----------------------------------------------------------------------------


class _Checker:
    def __init__(self, source: str):
        self.source = source
        self.problems: list[tuple[str, str, str]] = []

    def fail(self, fld: str, problem: str) -> None:
        self.problems.append((self.source, fld, problem))

    def number(
        self,
        data: dict,
        key: str,
        fld: str,
        *,
        required: bool = False,
        default: float | None = None,
        minimum: float | None = None,
        maximum: float | None = None,
        exclusive_min: bool = False,
    ) -> float | None:
        if key not in data or data[key] is None:
            if required:
                self.fail(fld, "is required")
            return default
        value = data[key]
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.fail(fld, f"must be a number, got {value!r}")
            return default
        value = float(value)
        if not math.isfinite(value):
            self.fail(fld, f"must be finite, got {value!r}")
            return default
        if minimum is not None and (value <= minimum if exclusive_min else value < minimum):
            self.fail(
                fld,
                f"must be {'greater than' if exclusive_min else 'at least'} "
                f"{minimum:g}, got {value:g}",
            )
            return default
        if maximum is not None and value > maximum:
            self.fail(fld, f"must be at most {maximum:g}, got {value:g}")
            return default
        return value

    def choice(
        self,
        data: dict,
        key: str,
        options: Iterable[str],
        *,
        default: str | None = None,
        fld: str | None = None,
    ) -> str | None:
        fld = fld or key
        options = tuple(options)
        if key not in data or data[key] is None:
            if default is None:
                self.fail(fld, f"is required (one of {', '.join(options)})")
            return default
        value = data[key]
        if value not in options:
            self.fail(fld, f"must be one of {', '.join(options)}, got {value!r}")
            return default
        return value

    def text(self, data: dict, key: str, *, required: bool = False, default: str = "") -> str:
        value = data.get(key)
        if value is None:
            if required:
                self.fail(key, "is required")
            return default
        if not isinstance(value, str):
            hint = (
                " (YAML reads yes/no/on/off as true/false: quote the text)"
                if isinstance(value, bool)
                else ""
            )
            self.fail(key, f"must be text, got {value!r}{hint}")
            return default
        return value

    def mapping(self, data: dict, key: str, *, required: bool = False) -> dict | None:
        value = data.get(key)
        if value is None:
            if required:
                self.fail(key, "is required")
            return None
        if not isinstance(value, dict):
            self.fail(key, f"must be a mapping, got {type(value).__name__}")
            return None
        return value

    def unknown(self, data: dict, allowed: set[str], prefix: str) -> None:
        for key in sorted(set(data) - allowed, key=str):
            where = f"{prefix}.{key}" if prefix else str(key)
            self.fail(where, f"unknown field (allowed: {', '.join(sorted(allowed))})")


def _metric_ok(check: _Checker, grain: str | None, metric: Any, fld: str, has_budget: bool) -> bool:
    if not isinstance(metric, str):
        check.fail(fld, f"must be a metric name, got {metric!r}")
        return False
    if grain not in METRICS:
        return False  # the grain error is reported already
    if grain == "person" and metric.startswith("team."):
        if metric[5:] not in TEAM_METRICS:
            check.fail(
                fld, f"unknown team metric {metric[5:]!r} (team metrics: {', '.join(TEAM_METRICS)})"
            )
            return False
        return True
    if metric not in METRICS[grain]:
        hint = ", ".join(METRICS[grain])
        extra = " or team.<team metric>" if grain == "person" else ""
        check.fail(fld, f"unknown {grain} metric {metric!r} (one of {hint}{extra})")
        return False
    if metric == "budget_utilisation" and not has_budget:
        check.fail(fld, "budget_utilisation needs a budget block (budget.pct_of_salary)")
        return False
    return True


def _parse_rule(check: _Checker, data: dict | None) -> Rule | None:
    if data is None:
        return None
    rtype = check.choice(data, "type", RULE_TYPES, fld="rule.type")
    if rtype == "threshold":
        check.unknown(data, {"type", "at_least", "at_most", "multiplier", "tiers"}, "rule")
        at_least = check.number(data, "at_least", "rule.at_least")
        at_most = check.number(data, "at_most", "rule.at_most")
        if at_least is not None and at_most is not None:
            check.fail("rule", "a threshold needs exactly one of at_least or at_most, not both")
            return None
        if at_least is None and at_most is None:
            if "at_least" not in data and "at_most" not in data:
                check.fail("rule", "a threshold needs at_least or at_most")
            return None
        mult = check.number(data, "multiplier", "rule.multiplier", default=1.0, minimum=0)
        tiers: list[Tier] = []
        raw_tiers = data.get("tiers") or []
        if not isinstance(raw_tiers, list):
            check.fail("rule.tiers", "must be a list of {at, multiplier}")
            raw_tiers = []
        for i, tier in enumerate(raw_tiers):
            fld = f"rule.tiers[{i}]"
            if not isinstance(tier, dict):
                check.fail(fld, "must be a mapping {at, multiplier}")
                continue
            check.unknown(tier, {"at", "multiplier"}, fld)
            at = check.number(tier, "at", f"{fld}.at", required=True)
            tm = check.number(tier, "multiplier", f"{fld}.multiplier", required=True, minimum=0)
            if at is None or tm is None:
                continue
            base = at_least if at_least is not None else at_most
            beyond = at > base if at_least is not None else at < base
            if not beyond:
                side = "above at_least" if at_least is not None else "below at_most"
                check.fail(f"{fld}.at", f"must lie {side} ({base:g}), got {at:g}")
                continue
            tiers.append(Tier(at, tm))
        tiers.sort(key=lambda t: t.at, reverse=at_most is not None)
        return Rule(
            "threshold",
            at_least=at_least,
            at_most=at_most,
            multiplier=mult or 0.0,
            tiers=tuple(tiers),
        )
    if rtype == "curve":
        check.unknown(data, {"type", "points", "below"}, "rule")
        below = check.number(data, "below", "rule.below", default=0.0, minimum=0)
        raw = data.get("points")
        if not isinstance(raw, list) or len(raw) < 2:
            check.fail("rule.points", "must be a list of at least two [value, multiplier] pairs")
            return None
        points: list[tuple[float, float]] = []
        for i, point in enumerate(raw):
            fld = f"rule.points[{i}]"
            if (
                not isinstance(point, list | tuple)
                or len(point) != 2
                or any(isinstance(v, bool) or not isinstance(v, int | float) for v in point)
            ):
                check.fail(fld, f"must be a [value, multiplier] pair of numbers, got {point!r}")
                return None
            if point[1] < 0:
                check.fail(fld, f"multiplier must be at least 0, got {point[1]:g}")
                return None
            if points and point[0] <= points[-1][0]:
                check.fail(fld, f"values must increase; {point[0]:g} follows {points[-1][0]:g}")
                return None
            points.append((float(point[0]), float(point[1])))
        return Rule("curve", points=tuple(points), below=below or 0.0)
    if rtype == "rank":
        check.unknown(data, {"type", "tiers"}, "rule")
        raw = data.get("tiers")
        if not isinstance(raw, list) or not raw:
            check.fail("rule.tiers", "must be a non-empty list of {top_n or top_share, multiplier}")
            return None
        tiers_r: list[RankTier] = []
        for i, tier in enumerate(raw):
            fld = f"rule.tiers[{i}]"
            if not isinstance(tier, dict):
                check.fail(fld, "must be a mapping {top_n or top_share, multiplier}")
                continue
            check.unknown(tier, {"top_n", "top_share", "multiplier"}, fld)
            mult = check.number(tier, "multiplier", f"{fld}.multiplier", required=True, minimum=0)
            top_n = check.number(tier, "top_n", f"{fld}.top_n", minimum=1)
            top_share = check.number(
                tier, "top_share", f"{fld}.top_share", minimum=0, maximum=1, exclusive_min=True
            )
            if (top_n is None) == (top_share is None):
                check.fail(fld, "needs exactly one of top_n or top_share")
                continue
            if top_n is not None and top_n != int(top_n):
                check.fail(f"{fld}.top_n", f"must be a whole number, got {top_n:g}")
                continue
            if mult is None:
                continue
            tiers_r.append(RankTier(mult, int(top_n) if top_n is not None else None, top_share))
        return Rule("rank", rank_tiers=tuple(tiers_r))
    return None


def parse_scheme(data: Any, source: str = "<dict>") -> Scheme:
    """Validate plain data (from YAML or the app) into a Scheme; raise SchemeError listing
    every problem found."""
    check = _Checker(source)
    if not isinstance(data, dict):
        raise SchemeError(
            [(source, "<file>", f"must be a mapping of scheme fields, got {type(data).__name__}")]
        )
    check.unknown(data, _TOP_LEVEL, "")
    name = check.text(data, "name", required=True)
    if name and not _NAME.match(name):
        check.fail("name", f"must be lower_snake_case (a-z, 0-9, _), got {name!r}")
    label = check.text(data, "label") or name
    description = check.text(data, "description")
    kind = check.choice(data, "kind", KINDS, default="custom")
    grain = check.choice(data, "grain", GRAINS)
    period = check.choice(data, "period", PERIODS)
    target = check.number(data, "target", "target", default=1.0, minimum=0, exclusive_min=True)
    raise_factor = check.number(
        data, "raise_factor", "raise_factor", default=1.0, minimum=0, exclusive_min=True
    )
    normalise = check.choice(data, "normalise", NORMALISE, default="none")
    if normalise == "peer_median" and grain == "team":
        check.fail(
            "normalise",
            "peer_median compares people with their role and level peers; "
            "use org_median for team schemes",
        )
    enabled = data.get("enabled", True)
    if not isinstance(enabled, bool):
        check.fail("enabled", f"must be true or false, got {enabled!r}")
        enabled = True

    budget = None
    budget_data = check.mapping(data, "budget")
    if budget_data is not None:
        check.unknown(budget_data, {"pct_of_salary", "under_use_below"}, "budget")
        pct = check.number(
            budget_data,
            "pct_of_salary",
            "budget.pct_of_salary",
            required=True,
            minimum=0,
            exclusive_min=True,
        )
        under = check.number(
            budget_data,
            "under_use_below",
            "budget.under_use_below",
            default=0.2,
            minimum=0,
            maximum=1,
        )
        if grain == "team":
            check.fail("budget", "a token budget is per person: use grain: person")
        if pct is not None:
            budget = Budget(pct, under if under is not None else 0.2)

    metric = data.get("metric")
    if metric is None:
        check.fail("metric", "is required")
    else:
        _metric_ok(check, grain, metric, "metric", budget_data is not None)

    rule_data = check.mapping(data, "rule", required=True)
    rule = _parse_rule(check, rule_data)

    gates: list[Gate] = []
    raw_gates = data.get("gates") or []
    if not isinstance(raw_gates, list):
        check.fail("gates", "must be a list of {metric, at_least and/or at_most}")
        raw_gates = []
    for i, gate in enumerate(raw_gates):
        fld = f"gates[{i}]"
        if not isinstance(gate, dict):
            check.fail(fld, "must be a mapping {metric, at_least and/or at_most}")
            continue
        check.unknown(gate, {"metric", "at_least", "at_most"}, fld)
        gmetric = gate.get("metric")
        ok = _metric_ok(check, grain, gmetric, f"{fld}.metric", budget_data is not None)
        lo = check.number(gate, "at_least", f"{fld}.at_least")
        hi = check.number(gate, "at_most", f"{fld}.at_most")
        if lo is None and hi is None and "at_least" not in gate and "at_most" not in gate:
            check.fail(fld, "needs at_least and/or at_most")
            continue
        if lo is not None and hi is not None and lo > hi:
            check.fail(fld, f"at_least ({lo:g}) is above at_most ({hi:g})")
            continue
        if ok:
            gates.append(Gate(gmetric, lo, hi))

    pool = None
    pool_data = check.mapping(data, "pool", required=True)
    if pool_data is not None:
        check.unknown(pool_data, {"per_head_usd", "pct_of_salary", "fixed_usd", "cap_usd"}, "pool")
        bases = [k for k in ("per_head_usd", "pct_of_salary", "fixed_usd") if k in pool_data]
        if len(bases) != 1:
            check.fail(
                "pool",
                "needs exactly one of per_head_usd, pct_of_salary or fixed_usd"
                + (f" (found {', '.join(bases)})" if bases else ""),
            )
        else:
            amount = check.number(pool_data, bases[0], f"pool.{bases[0]}", required=True, minimum=0)
            cap = check.number(pool_data, "cap_usd", "pool.cap_usd", minimum=0)
            if amount is not None:
                pool = Pool(**{bases[0]: amount}, cap_usd=cap)

    if check.problems:
        raise SchemeError(check.problems)
    assert grain and period and rule and pool and kind and normalise and target and raise_factor
    return Scheme(
        name=name,
        label=label,
        description=description.strip(),
        kind=kind,
        grain=grain,
        period=period,
        metric=metric,
        rule=rule,
        pool=pool,
        target=target,
        raise_factor=raise_factor,
        normalise=normalise,
        gates=tuple(gates),
        budget=budget,
        enabled=enabled,
        source=source,
        raw=copy.deepcopy(data),
    )


def load_scheme(path: Path | str) -> Scheme:
    """Read and validate one YAML scheme file."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text())
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else "<file>"
        raise SchemeError([(str(path), where, f"not valid YAML: {exc}")]) from exc
    scheme = parse_scheme(data, str(path))
    if scheme.name != path.stem:
        raise SchemeError(
            [(str(path), "name", f"must match the file name {path.stem!r}, got {scheme.name!r}")]
        )
    return scheme


def default_schemes_dir() -> Path:
    from mileage import config

    return config.PROJECT_DIR / "schemes"


def load_schemes(
    folder: Path | str | None = None, *, include_disabled: bool = False
) -> dict[str, Scheme]:
    """Every `*.yml`/`*.yaml` scheme in `folder` (default: the project's schemes/), by name,
    in file-name order. All files are checked; one SchemeError lists every problem."""
    folder = Path(folder) if folder is not None else default_schemes_dir()
    if not folder.is_dir():
        raise SchemeError([(str(folder), "<folder>", "scheme folder not found")])
    schemes: dict[str, Scheme] = {}
    problems: list[tuple[str, str, str]] = []
    files = sorted([*folder.glob("*.yml"), *folder.glob("*.yaml")])
    for path in files:
        try:
            scheme = load_scheme(path)
        except SchemeError as exc:
            problems.extend(exc.problems)
            continue
        if scheme.name in schemes:
            problems.append((str(path), "name", f"duplicate scheme name {scheme.name!r}"))
            continue
        if scheme.enabled or include_disabled:
            schemes[scheme.name] = scheme
    if problems:
        raise SchemeError(problems)
    return schemes


def as_scheme(value: Scheme | dict) -> Scheme:
    return value if isinstance(value, Scheme) else parse_scheme(value)
