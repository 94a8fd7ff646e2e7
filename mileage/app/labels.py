"""Every name and number format the app shows: one place, so pages and charts agree.

Pages never print a column name, signal id or raw ratio: they look its label, unit and format up
here. Formats come in pairs: `d3` for Altair axes and tooltips, `column` for st.column_config.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Figure:
    label: str  # what a column, metric or axis is called
    unit: str  # what one unit is, for axis titles and help
    d3: str  # Altair/Vega format
    column: str  # st.column_config.NumberColumn format
    scale: float = 1.0  # multiply the mart's value by this to show it in `unit`
    help: str = ""


# Value per token reads 0.08 per million at the demo's scale, so it is shown per billion.
PER_BILLION = 1e3  # merged_prs_per_million_tokens x 1,000 = per billion tokens

FIGURES: dict[str, Figure] = {
    "merged_prs_per_million_tokens": Figure(
        "Merged PRs per billion tokens",
        "PRs / B tokens",
        ",.0f",
        "%.0f",
        PER_BILLION,
        "Merged pull requests (bots excluded) per billion tokens used.",
    ),
    "merged_prs_per_billion_tokens": Figure(
        "Merged PRs per billion tokens",
        "PRs / B tokens",
        ",.0f",
        "%.0f",
        1.0,
        "Merged pull requests (bots excluded) per billion tokens used.",
    ),
    "merged_prs_per_1k_usd": Figure(
        "Merged PRs per $1k",
        "PRs / $1k",
        ",.1f",
        "%.1f",
        1.0,
        "Merged pull requests per $1,000 of token spend at list prices.",
    ),
    "token_cost_usd": Figure("Spend", "USD", "$,.0f", "dollar"),
    "cost_per_merged_pr_usd": Figure("Spend per merged PR", "USD", "$,.0f", "dollar"),
    "total_tokens": Figure("Tokens", "tokens", ",.3~s", "compact"),
    "merged_prs": Figure("Merged PRs", "PRs", ",d", "%d"),
    "bugs": Figure("Bugs", "bugs", ",d", "%d"),
    "headcount": Figure("People", "people", ",d", "%d"),
    "ai_active_people": Figure("Using AI", "people", ",d", "%d"),
    "people": Figure("People", "people", ",d", "%d"),
    "teams": Figure("Teams", "teams", ",d", "%d"),
    "median_cycle_time_hours": Figure("Median cycle time", "hours", ",.1f", "%.1f"),
    "bugs_per_merged_pr": Figure("Bugs per merged PR", "bugs / PR", ",.2f", "%.2f"),
    "roadmap_attainment": Figure("Roadmap attainment", "% of planned points", ".0%", "percent"),
    "outcome_score": Figure(
        "Outcome score",
        "points",
        ",.1f",
        "%.1f",
        1.0,
        "Weighted sum of delivery (merged PRs, roadmap points) less bugs, in outcome points "
        "(weights: dbt var outcome_score_weights).",
    ),
}


def figure(key: str) -> Figure:
    return FIGURES[key]


def label(key: str) -> str:
    """The human name of a column (falls back to a readable form of the identifier)."""
    if key in FIGURES:
        return FIGURES[key].label
    if key in SIGNALS:
        return SIGNALS[key][0]
    text = key.replace("_usd", " (USD)").replace("_", " ")
    return text[:1].upper() + text[1:]


def axis_title(key: str) -> str:
    fig = FIGURES[key]
    return f"{fig.label} ({fig.unit})"


# Gaming signals (fct_gaming_signals.signal): label and what it means, one line each.
SIGNALS: dict[str, tuple[str, str]] = {}

# Incentive schemes and gaming tactics of the lab: label and one line each.
SCHEMES: dict[str, tuple[str, str]] = {}
TACTICS: dict[str, tuple[str, str]] = {}
