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
    if key in FIGURES and FIGURES[key].scale == 1.0:  # a scaled figure's label is its scaled unit
        return FIGURES[key].label
    if key in SIGNALS:
        return SIGNALS[key][0]
    text = key.replace("_usd", " (USD)").replace("_", " ")
    return text[:1].upper() + text[1:]


def axis_title(key: str) -> str:
    fig = FIGURES[key]
    return f"{fig.label} ({fig.unit})"


# Gaming signals (fct_gaming_signals.signal): label and what it means, one line each
# (thresholds: seed audit_signal_thresholds; models/marts/audit/README.md).
SIGNALS: dict[str, tuple[str, str]] = {
    "pr_spam": (
        "Trivial-PR spam",
        "Many tiny merged PRs: at least 8 and 3x the peers' median, and half of all merged PRs.",
    ),
    "always_on": (
        "Always-on usage",
        "Tokens in nearly every working hour of every weekday: a loop, not a person.",
    ),
    "unattended_agent": (
        "Unattended agent",
        "Half or more of the tokens at night or at weekends, millions of them.",
    ),
    "prompt_stuffing": (
        "Prompt stuffing",
        "Input per request at least 3x the peers' on the same tool.",
    ),
    "telemetry_inflation": (
        "Inflated telemetry",
        "The client reports at least 3x the tokens the vendor billed, over 3 or more days.",
    ),
    "referral_inflation": (
        "Parallel installs",
        "Two or more client installs reporting under one email on 3 or more days.",
    ),
    "tokens_without_outcomes": (
        "Tokens without outcomes",
        "Top tenth of the role for tokens over three months, with delivery below the role's.",
    ),
}
# A signal's score is what was observed over its threshold: 1 is just at the threshold.
SCORE_UNIT = "x threshold"

# Gaming tactics of the lab's Goodhart stress test (mileage/incentives/stress.py).
TACTICS: dict[str, tuple[str, str]] = {
    "tokens_x10": ("Burn 10x the tokens", "The gamers' tokens and token spend times ten."),
    "pr_split": (
        "Split every PR in five",
        "Each merged PR becomes five; the extra ones are trivial.",
    ),
    "always_on": (
        "Leave an agent running",
        "An agent loop burning tokens eight hours every weekday.",
    ),
}


def signal_label(key: str) -> str:
    return SIGNALS[key][0] if key in SIGNALS else label(key)


def tactic_label(key: str) -> str:
    return TACTICS[key][0] if key in TACTICS else label(key)


def glossary(entries: dict[str, tuple[str, str]]) -> str:
    """One line per entry: '**label**: what it means'."""
    return "\n".join(f"- **{name}**: {text}" for name, text in entries.values())


# Columns that count whole things: shown without decimals wherever they appear.
COUNT_COLUMNS = {
    "headcount",
    "people",
    "ai_active_people",
    "people_flagged",
    "flagged_people",
    "flagged",
    "signals",
    "merged_prs",
    "bugs",
    "teams",
    "items",
    "days",
    "people_paid",
    "gamers",
    "usage_rows",
    "requests",
    "rank",
    "token_rank",
    "outcome_rank",
}
