"""The arithmetic behind the numbers the app shows: plain functions, unit-tested.

Nothing here imports Streamlit or touches the warehouse: pages fetch DataFrames through
`mileage.app.data`, pass them here, and display what comes back.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

# --------------------------------------------------------------------------------------------
# Small numeric helpers
# --------------------------------------------------------------------------------------------


def is_missing(value: object) -> bool:
    """None, NaN, pd.NA and NaT all count as missing."""
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def safe_ratio(numerator: float | None, denominator: float | None, scale: float = 1.0):
    """numerator / denominator * scale, or None when either is missing or the denominator is 0."""
    if is_missing(numerator) or is_missing(denominator) or denominator == 0:
        return None
    return float(numerator) / float(denominator) * scale


def change(current: float | None, previous: float | None) -> float | None:
    """Absolute change current - previous, or None when either side is missing."""
    if is_missing(current) or is_missing(previous):
        return None
    return float(current) - float(previous)


def relative_change(current: float | None, previous: float | None) -> float | None:
    """(current - previous) / |previous|, or None when undefined."""
    if is_missing(current) or is_missing(previous) or previous == 0:
        return None
    return (float(current) - float(previous)) / abs(float(previous))


# --------------------------------------------------------------------------------------------
# Organisation roll-up of the team-month mart
# --------------------------------------------------------------------------------------------

ORG_SUM_COLUMNS = ("headcount", "total_tokens", "token_cost_usd", "merged_prs", "bugs")


def rollup_team_months(team_months: pd.DataFrame) -> pd.DataFrame:
    """Sum team months into organisation months and recompute the ratios from the sums.

    Ratios are never averaged across teams: merged PRs per million tokens for the organisation
    is sum(merged_prs) / sum(total_tokens) * 1e6, so large teams weigh what they weigh.
    """
    columns = ["month_start", "teams", *ORG_SUM_COLUMNS]
    if team_months.empty:
        return pd.DataFrame(
            columns=[
                *columns,
                "merged_prs_per_million_tokens",
                "merged_prs_per_1k_usd",
                "bugs_per_merged_pr",
                "cost_per_merged_pr_usd",
            ]
        )
    frame = team_months.copy()
    for column in ORG_SUM_COLUMNS:
        frame[column] = pd.to_numeric(frame[column], errors="coerce").fillna(0)
    org = (
        frame.groupby("month_start", as_index=False)
        .agg(teams=("team_id", "nunique"), **{c: (c, "sum") for c in ORG_SUM_COLUMNS})
        .sort_values("month_start")
        .reset_index(drop=True)
    )
    org["merged_prs_per_million_tokens"] = [
        safe_ratio(m, t, 1e6) for m, t in zip(org.merged_prs, org.total_tokens, strict=True)
    ]
    org["merged_prs_per_1k_usd"] = [
        safe_ratio(m, c, 1e3) for m, c in zip(org.merged_prs, org.token_cost_usd, strict=True)
    ]
    org["bugs_per_merged_pr"] = [
        safe_ratio(b, m) for b, m in zip(org.bugs, org.merged_prs, strict=True)
    ]
    org["cost_per_merged_pr_usd"] = [
        safe_ratio(c, m) for c, m in zip(org.token_cost_usd, org.merged_prs, strict=True)
    ]
    return org


@dataclass(frozen=True)
class MetricChange:
    """One headline figure for a month and how it moved since the month before."""

    key: str
    label: str
    value: float | None
    previous: float | None
    delta: float | None
    relative: float | None
    higher_is_better: bool | None  # None: neither direction is good news (e.g. spend)


# key, label, higher_is_better
HEADLINE_METRICS: tuple[tuple[str, str, bool | None], ...] = (
    # shown per billion tokens (labels.PER_BILLION): per million the demo reads 0.08 every month
    ("merged_prs_per_million_tokens", "Merged PRs per billion tokens", True),
    ("merged_prs_per_1k_usd", "Merged PRs per $1k of tokens", True),
    ("token_cost_usd", "Token spend", None),
    ("merged_prs", "Merged PRs", True),
    ("median_cycle_time_hours", "Median cycle time", False),
    ("bugs_per_merged_pr", "Bugs per merged PR", False),
    ("roadmap_attainment", "Roadmap attainment", True),
    ("total_tokens", "Tokens used", None),
)


def previous_month(months: list[pd.Timestamp], month: pd.Timestamp) -> pd.Timestamp | None:
    """The latest month in `months` strictly before `month`."""
    earlier = [m for m in months if m < month]
    return max(earlier) if earlier else None


def is_complete_month(month, last_day) -> bool:
    """Whether data running up to `last_day` covers the whole of `month`."""
    if is_missing(last_day):
        return True
    month_end = pd.Timestamp(month) + pd.offsets.MonthEnd(0)
    return pd.Timestamp(last_day).normalize() >= month_end


def default_month_index(months_newest_first: list, last_day) -> int:
    """Index of the newest complete month (the newest month when none is complete)."""
    for index, month in enumerate(months_newest_first):
        if is_complete_month(month, last_day):
            return index
    return 0


def compare_months(org: pd.DataFrame, month) -> dict[str, MetricChange]:
    """Each headline metric for `month` with its change since the previous month in `org`."""
    month = pd.Timestamp(month)
    by_month = org.assign(month_start=pd.to_datetime(org["month_start"])).set_index("month_start")
    if month not in by_month.index:
        raise KeyError(f"no data for month {month:%Y-%m}")
    prev = previous_month(list(by_month.index), month)
    result = {}
    for key, label, better in HEADLINE_METRICS:
        value = by_month.at[month, key] if key in by_month.columns else None
        before = by_month.at[prev, key] if prev is not None and key in by_month.columns else None
        value = None if is_missing(value) else float(value)
        before = None if is_missing(before) else float(before)
        result[key] = MetricChange(
            key=key,
            label=label,
            value=value,
            previous=before,
            delta=change(value, before),
            relative=relative_change(value, before),
            higher_is_better=better,
        )
    return result


# --------------------------------------------------------------------------------------------
# Quadrant: spend vs outcome
# --------------------------------------------------------------------------------------------

QUADRANT_LABELS = {
    (True, True): "High spend, high outcome",
    (True, False): "High spend, low outcome",
    (False, True): "Low spend, high outcome",
    (False, False): "Low spend, low outcome",
}


def quadrants(
    frame: pd.DataFrame, x: str = "token_cost_usd", y: str = "outcome_score"
) -> tuple[pd.DataFrame, float | None, float | None]:
    """Label each row with its quadrant against the medians of the rows given.

    Rows with a missing x or y are dropped (they cannot be placed). Ties with the median count
    as "low", so a team exactly on the line is not called out as high spend.
    """
    placed = frame.dropna(subset=[x, y]).copy()
    if placed.empty:
        placed["quadrant"] = pd.Series(dtype="object")
        return placed, None, None
    x_median = float(placed[x].median())
    y_median = float(placed[y].median())
    placed["quadrant"] = [
        QUADRANT_LABELS[(bool(xv > x_median), bool(yv > y_median))]
        for xv, yv in zip(placed[x], placed[y], strict=True)
    ]
    return placed, x_median, y_median


# --------------------------------------------------------------------------------------------
# Cost calculator
# --------------------------------------------------------------------------------------------

TOKENS_PER_TRILLION = 1e12
MTOK_PER_TRILLION = TOKENS_PER_TRILLION / 1e6

# The published estimate the calculator must reproduce, and the assumptions that get there.
PUBLISHED_ESTIMATE_USD_PER_TRILLION = 5_500_000.0
PUBLISHED_MAIN_MODEL = "claude-opus-4"
PUBLISHED_MAIN_SHARE = 0.86
PUBLISHED_OTHER_MODEL = "claude-sonnet-4"
PUBLISHED_CACHE_HIT_RATE = 0.70
# Agentic coding re-reads its context on every turn, so output is a small share of all tokens.
PUBLISHED_OUTPUT_SHARE = 0.01
# Cache misses billed as plain input (no cache-write premium).
PUBLISHED_MISS_WRITE_SHARE = 0.0


@dataclass(frozen=True)
class ModelPrice:
    """List prices for one model family, USD per million tokens."""

    model_family: str
    input: float
    cache_write: float
    cache_read: float
    output: float

    @classmethod
    def from_row(cls, row: Mapping) -> ModelPrice:
        """From a row of seeds/token_prices.csv; a missing cache price falls back to input."""
        base = float(row["input_usd_per_mtok"])
        write = row.get("cache_write_5m_usd_per_mtok")
        read = row.get("cache_read_usd_per_mtok")
        return cls(
            model_family=str(row["model_family"]),
            input=base,
            cache_write=base if is_missing(write) else float(write),
            cache_read=base if is_missing(read) else float(read),
            output=float(row["output_usd_per_mtok"]),
        )


def prices_from_frame(frame: pd.DataFrame) -> dict[str, ModelPrice]:
    """List prices by model family from a token_prices table (other bases, e.g. batch, skipped)."""
    if "pricing_basis" in frame.columns:
        frame = frame[frame["pricing_basis"].fillna("list") == "list"]
    return {str(r["model_family"]): ModelPrice.from_row(r) for r in frame.to_dict("records")}


@dataclass(frozen=True)
class TrafficAssumptions:
    """How a token splits across billing components.

    - output_share: share of all tokens that are output tokens.
    - cache_hit_rate: share of input-side tokens served from the prompt cache (cache reads).
    - miss_write_share: share of the cache misses billed as cache writes (5-minute TTL);
      the rest are billed as plain input.
    """

    cache_hit_rate: float = PUBLISHED_CACHE_HIT_RATE
    output_share: float = PUBLISHED_OUTPUT_SHARE
    miss_write_share: float = PUBLISHED_MISS_WRITE_SHARE

    def __post_init__(self) -> None:
        for name in ("cache_hit_rate", "output_share", "miss_write_share"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1, got {value}")

    def component_shares(self) -> dict[str, float]:
        """Share of all tokens in each billing component (sums to 1)."""
        input_side = 1.0 - self.output_share
        misses = input_side * (1.0 - self.cache_hit_rate)
        return {
            "cache read": input_side * self.cache_hit_rate,
            "uncached input": misses * (1.0 - self.miss_write_share),
            "cache write": misses * self.miss_write_share,
            "output": self.output_share,
        }


def component_price(price: ModelPrice, component: str) -> float:
    return {
        "cache read": price.cache_read,
        "uncached input": price.input,
        "cache write": price.cache_write,
        "output": price.output,
    }[component]


def usd_per_mtok(price: ModelPrice, assumptions: TrafficAssumptions) -> float:
    """Blended USD per million tokens for one model under the assumptions."""
    return sum(
        share * component_price(price, component)
        for component, share in assumptions.component_shares().items()
    )


def normalise_mix(mix: Mapping[str, float]) -> dict[str, float]:
    """Drop zero shares and check the rest sum to 1 (within rounding)."""
    cleaned = {model: float(share) for model, share in mix.items() if share and share > 0}
    if any(share < 0 for share in mix.values()):
        raise ValueError("model shares cannot be negative")
    total = sum(cleaned.values())
    if not math.isclose(total, 1.0, abs_tol=1e-6):
        raise ValueError(f"model shares must sum to 100%, got {total:.1%}")
    return cleaned


def two_model_mix(main: str, main_share: float, other: str) -> dict[str, float]:
    """`main` carries `main_share` of the tokens, `other` the rest."""
    if not 0.0 <= main_share <= 1.0:
        raise ValueError(f"main_share must be between 0 and 1, got {main_share}")
    if main == other:
        return {main: 1.0}
    return {main: main_share, other: 1.0 - main_share}


def cost_breakdown(
    mix: Mapping[str, float],
    prices: Mapping[str, ModelPrice],
    assumptions: TrafficAssumptions,
    tokens: float = TOKENS_PER_TRILLION,
) -> pd.DataFrame:
    """Cost of `tokens` tokens by model and billing component."""
    rows = []
    for model, share in normalise_mix(mix).items():
        if model not in prices:
            raise KeyError(f"no list price for model family {model!r}")
        price = prices[model]
        for component, component_share in assumptions.component_shares().items():
            component_tokens = tokens * share * component_share
            unit = component_price(price, component)
            rows.append(
                {
                    "model_family": model,
                    "component": component,
                    "tokens": component_tokens,
                    "usd_per_mtok": unit,
                    "cost_usd": component_tokens / 1e6 * unit,
                }
            )
    return pd.DataFrame(
        rows, columns=["model_family", "component", "tokens", "usd_per_mtok", "cost_usd"]
    )


def cost_per_trillion(
    mix: Mapping[str, float], prices: Mapping[str, ModelPrice], assumptions: TrafficAssumptions
) -> float:
    """USD per trillion tokens for a model mix under the assumptions."""
    return float(cost_breakdown(mix, prices, assumptions)["cost_usd"].sum())


def published_scenario(prices: Mapping[str, ModelPrice]) -> float:
    """The calculator's answer under the stated assumptions for the published estimate."""
    return cost_per_trillion(
        two_model_mix(PUBLISHED_MAIN_MODEL, PUBLISHED_MAIN_SHARE, PUBLISHED_OTHER_MODEL),
        prices,
        TrafficAssumptions(),
    )


# --------------------------------------------------------------------------------------------
# Spend relative to salary
# --------------------------------------------------------------------------------------------

WORKING_DAYS_PER_YEAR = 230


def annualise(amount: float, days: int) -> float | None:
    """Scale an amount observed over `days` calendar days to 365 days."""
    if days is None or days <= 0 or is_missing(amount):
        return None
    return float(amount) / days * 365.0


def annual_token_cost(
    tokens_per_working_day: float,
    usd_per_trillion: float,
    working_days: int = WORKING_DAYS_PER_YEAR,
) -> float:
    """What one person's tokens cost per year at a given price per trillion tokens."""
    return tokens_per_working_day * working_days * usd_per_trillion / TOKENS_PER_TRILLION


# --------------------------------------------------------------------------------------------
# Display formatting (one place, so tests can format expected values the same way)
# --------------------------------------------------------------------------------------------

MISSING = "–"


def fmt_usd(value: float | None) -> str:
    if is_missing(value):
        return MISSING
    value = float(value)
    sign = "-" if value < 0 else ""
    value = abs(value)
    if value >= 1e9:
        return f"{sign}${value / 1e9:,.2f}B"
    if value >= 1e6:
        return f"{sign}${value / 1e6:,.2f}M"
    if value >= 1e3:
        return f"{sign}${value:,.0f}"
    return f"{sign}${value:,.2f}"


def fmt_count(value: float | None) -> str:
    if is_missing(value):
        return MISSING
    value = float(value)
    for size, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M")):
        if abs(value) >= size:
            return f"{value / size:,.1f}{suffix}"
    if float(value).is_integer():
        return f"{value:,.0f}"
    return f"{value:,.1f}"


def fmt_ratio(value: float | None, digits: int = 2) -> str:
    if is_missing(value):
        return MISSING
    return f"{float(value):,.{digits}f}"


def fmt_pct(value: float | None, digits: int = 1) -> str:
    if is_missing(value):
        return MISSING
    return f"{float(value) * 100:,.{digits}f}%"


def fmt_hours(value: float | None) -> str:
    if is_missing(value):
        return MISSING
    return f"{float(value):,.1f} h"


def fmt_people(count: int) -> str:
    return f"{int(count):,} {'person' if int(count) == 1 else 'people'}"


def fmt_per_billion(per_million: float | None) -> str:
    """A per-million-tokens ratio shown per billion tokens, whole numbers."""
    from mileage.app.labels import PER_BILLION

    return MISSING if is_missing(per_million) else fmt_ratio(float(per_million) * PER_BILLION, 0)


FORMATTERS = {
    "merged_prs_per_million_tokens": fmt_per_billion,
    "merged_prs_per_1k_usd": lambda v: fmt_ratio(v, 1),
    "token_cost_usd": fmt_usd,
    "merged_prs": fmt_count,
    "median_cycle_time_hours": fmt_hours,
    "bugs_per_merged_pr": lambda v: fmt_ratio(v, 3),
    "roadmap_attainment": lambda v: fmt_pct(v, 0),
    "total_tokens": fmt_count,
    "cost_per_merged_pr_usd": fmt_usd,
    "outcome_score": fmt_ratio,
}


def fmt_metric(key: str, value: float | None) -> str:
    return FORMATTERS.get(key, fmt_ratio)(value)


def fmt_delta(change: MetricChange) -> str | None:
    """Delta text for st.metric (None hides it): percentage points for shares, relative change
    for everything else, so small ratios do not round to "+0.00"."""
    if change.key == "roadmap_attainment":
        return None if is_missing(change.delta) else f"{change.delta * 100:+.1f} pts"
    if is_missing(change.relative):
        return None
    return f"{change.relative * 100:+.1f}%"


# --------------------------------------------------------------------------------------------
# Ranks
# --------------------------------------------------------------------------------------------


def rank_correlation(a, b) -> float | None:
    """Spearman rank correlation (Pearson on average ranks), without scipy."""
    frame = pd.DataFrame(
        {
            "a": pd.Series(a, dtype="float64").to_numpy(),
            "b": pd.Series(b, dtype="float64").to_numpy(),
        }
    ).dropna()
    if len(frame) < 2:
        return None
    ranks = frame.rank(method="average")
    if ranks["a"].std() == 0 or ranks["b"].std() == 0:
        return None
    return float(ranks["a"].corr(ranks["b"]))


# --------------------------------------------------------------------------------------------
# Like-for-like headlines (issue 25): quarters against quarters, plain verdicts, six months
# --------------------------------------------------------------------------------------------

# A team delivering under this share of its planned points is called out under the spread.
UNDER_PLAN = 0.9
# A relative change smaller than this reads as "about the same", not as better or worse.
STEADY_WITHIN = 0.01


@dataclass(frozen=True)
class QuarterView:
    """Roadmap attainment for the quarter a month belongs to, compared like for like."""

    label: str  # e.g. "Q4 2026 to date" or "Q3 2026"
    value: float | None
    delta: str | None  # st.metric delta text
    verdict: str  # one plain sentence
    target: float = 1.0  # what the quarter should have delivered by now: its pace, or all of it


def quarter_label(start) -> str:
    start = pd.Timestamp(start)
    return f"Q{(start.month - 1) // 3 + 1} {start.year}"


def roadmap_quarter(org: pd.DataFrame, month, last_day) -> QuarterView:
    """A finished quarter is compared with the previous finished quarter; a quarter in progress
    with its pace (the share of the quarter elapsed), never with a finished quarter."""
    by_month = org.assign(month_start=pd.to_datetime(org["month_start"])).set_index("month_start")
    month = pd.Timestamp(month)
    start = month.to_period("Q").start_time
    end = month.to_period("Q").end_time.normalize()
    value = by_month.at[month, "roadmap_attainment"] if month in by_month.index else None
    value = None if is_missing(value) else float(value)
    name = quarter_label(start)
    if not is_missing(last_day) and pd.Timestamp(last_day).normalize() < end:
        elapsed = (pd.Timestamp(last_day).normalize() - start).days + 1
        pace = elapsed / ((end - start).days + 1)
        if value is None:
            return QuarterView(f"Roadmap, {name} to date", None, None, "", pace)
        gap = value - pace
        ahead = "ahead of" if gap > 0 else "behind"
        return QuarterView(
            f"Roadmap, {name} to date",
            value,
            f"{gap * 100:+.0f} pts vs pace",
            f"Roadmap, {name} to date: {value:.0%} of planned points delivered with {pace:.0%} "
            f"of the quarter gone, {ahead} pace by {abs(gap) * 100:.0f} points "
            "(compared with the quarter's pace, not with a finished quarter).",
            pace,
        )
    previous = start - pd.offsets.QuarterBegin(1, startingMonth=1)
    before = by_month.loc[
        by_month.index.to_period("Q").start_time == previous, "roadmap_attainment"
    ]
    before = None if before.empty or is_missing(before.iloc[0]) else float(before.iloc[0])
    label = f"Roadmap, {name}"
    if value is None:
        return QuarterView(label, None, None, "")
    if before is None:
        return QuarterView(
            label, value, None, f"Roadmap, {name}: {value:.0%} of planned points delivered."
        )
    gap = value - before
    moved = (
        "about the same as"
        if abs(gap) < STEADY_WITHIN
        else "better than"
        if gap > 0
        else "worse than"
    )
    return QuarterView(
        label,
        value,
        f"{gap * 100:+.0f} pts vs {quarter_label(previous)}",
        f"Roadmap, {name}: {value:.0%} of planned points delivered, {moved} "
        f"{quarter_label(previous)} ({before:.0%}).",
    )


# Totals a partial month cannot be compared on; ratios it can.
TOTALS = ("token_cost_usd", "merged_prs", "total_tokens")


def verdict(changes: Mapping[str, MetricChange], since: str, *, partial: bool) -> str:
    """One plain paragraph: which headline figures improved and which got worse since `since`."""
    better, worse, steady = [], [], []
    for change in changes.values():
        if change.higher_is_better is None or change.key == "roadmap_attainment":
            continue
        if partial and change.key in TOTALS:
            continue
        if is_missing(change.relative) and is_missing(change.delta):
            continue
        size = change.relative if not is_missing(change.relative) else change.delta
        name = f"{change.label[:1].lower()}{change.label[1:]} ({fmt_delta(change)})"
        if abs(size) < STEADY_WITHIN:
            steady.append(name)
        elif (size > 0) == change.higher_is_better:
            better.append(name)
        else:
            worse.append(name)
    if not (better or worse or steady):
        return f"Nothing to compare with {since}."
    parts = []
    if better:
        parts.append("**better**: " + ", ".join(better))
    if worse:
        parts.append("**worse**: " + ", ".join(worse))
    if steady:
        parts.append("**about the same**: " + ", ".join(steady))
    if not worse and better:
        head = "Improved"
    elif worse and not better:
        head = "Got worse"
    else:
        head = "Mixed"
    return f"**{head} since {since}.** " + "; ".join(parts) + "."


def six_month_trend(org: pd.DataFrame, month, numerator: str, denominator: str, scale: float):
    """(earlier, later, first, last) pooled ratio of the three months up to `month` and of the
    three before: sums over sums, so a big month weighs what it weighs. None if too short."""
    frame = org.assign(month_start=pd.to_datetime(org["month_start"])).sort_values("month_start")
    frame = frame[frame["month_start"] <= pd.Timestamp(month)].tail(6)
    if len(frame) < 6:
        return None
    early, late = frame.head(3), frame.tail(3)
    first = safe_ratio(early[numerator].sum(), early[denominator].sum(), scale)
    last = safe_ratio(late[numerator].sum(), late[denominator].sum(), scale)
    return first, last, early["month_start"].iloc[0], late["month_start"].iloc[-1]
