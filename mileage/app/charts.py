"""Altair chart builders: every axis titled, with units. No Streamlit here."""

from __future__ import annotations

import altair as alt
import pandas as pd

MONTH_AXIS = alt.Axis(format="%b %Y", title="Month", labelAngle=0, tickCount="month")
QUADRANT_COLOURS = alt.Scale(
    domain=[
        "High spend, low outcome",
        "High spend, high outcome",
        "Low spend, high outcome",
        "Low spend, low outcome",
    ],
    range=["#d62728", "#1f77b4", "#2ca02c", "#7f7f7f"],
)


# metric -> (chart title, y-axis title with unit, number format)
TRENDS: dict[str, tuple[str, str, str]] = {
    "merged_prs_per_million_tokens": (
        "Value per token: merged PRs per billion tokens",
        "PRs per B tokens",
        ",.0f",
    ),
    "merged_prs_per_1k_usd": (
        "Value per dollar: merged PRs per $1,000 of tokens",
        "PRs per $1k",
        ",.1f",
    ),
    "token_cost_usd": ("Token spend at list prices", "USD per month", "$,.0f"),
    "merged_prs": ("Merged pull requests (bots excluded)", "PRs per month", ",.0f"),
    "median_cycle_time_hours": ("Median cycle time of merged PRs", "Hours", ",.1f"),
    "bugs_per_merged_pr": ("Bug rate: bugs per merged PR", "Bugs per PR", ",.3f"),
    "roadmap_attainment": (
        "Roadmap attainment of the quarter",
        "% of planned points",
        ".0%",
    ),
    "outcome_score": ("Outcome score", "Score (unitless)", ",.2f"),
    "total_tokens": ("Tokens used", "Tokens per month", ",.3s"),
}


def tick_format(value_format: str) -> str:
    """Axis ticks in up to three significant digits, trailing zeros trimmed: a fixed number of
    decimals repeats a tick when the axis spans less than one step ("0.01 0.01 0.01")."""
    if value_format.endswith("%"):
        return ".3~%"
    if value_format.endswith("f") and "$" not in value_format:
        return ",.3~r"
    return value_format


def trend(frame: pd.DataFrame, metric: str, **kwargs) -> alt.Chart:
    """The standard monthly chart of one metric, titled and with its unit on the y axis."""
    from mileage.app import labels

    title, y_title, y_format = TRENDS[metric]
    scale = labels.FIGURES[metric].scale if metric in labels.FIGURES else 1.0
    if scale != 1.0:
        frame = frame.assign(**{metric: frame[metric] * scale})
    return monthly_line(frame, metric, y_title, y_format=y_format, title=title, **kwargs)


def monthly_line(
    frame: pd.DataFrame,
    y: str,
    y_title: str,
    *,
    color: str | None = None,
    color_title: str | None = None,
    y_format: str = ",.2f",
    height: int = 240,
    title: str | None = None,
) -> alt.Chart:
    """A monthly trend; optional series by `color`."""
    encodings = {
        "x": alt.X("month_start:T", axis=MONTH_AXIS),
        "y": alt.Y(f"{y}:Q", title=y_title, axis=alt.Axis(format=tick_format(y_format))),
        "tooltip": [
            alt.Tooltip("month_start:T", title="Month", format="%B %Y"),
            alt.Tooltip(f"{y}:Q", title=y_title, format=y_format),
        ],
    }
    if color:
        encodings["color"] = alt.Color(f"{color}:N", title=color_title or color)
        encodings["tooltip"].insert(0, alt.Tooltip(f"{color}:N", title=color_title or color))
    chart = alt.Chart(frame).mark_line(point=True).encode(**encodings)
    if title:
        chart = chart.properties(title=alt.TitleParams(title, anchor="start", fontSize=14))
    return chart.properties(height=height)


def team_bars(
    frame: pd.DataFrame, x: str, x_title: str, *, x_format: str = ",.2f", label: str = "team_name"
) -> alt.Chart:
    """Horizontal bars by team, sorted by value."""
    return (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            x=alt.X(f"{x}:Q", title=x_title, axis=alt.Axis(format=x_format)),
            y=alt.Y(f"{label}:N", title="Team", sort="-x", axis=alt.Axis(labelLimit=220)),
            tooltip=[
                alt.Tooltip(f"{label}:N", title="Team"),
                alt.Tooltip(f"{x}:Q", title=x_title, format=x_format),
            ],
        )
        .properties(height=rows_height(len(frame)))
    )


def spend_outcome_quadrant(
    placed: pd.DataFrame, x_median: float | None, y_median: float | None
) -> alt.LayerChart:
    """Spend (x) against outcome score (y), median lines splitting the four quadrants."""
    base = alt.Chart(placed)
    points = base.mark_circle(size=160, opacity=0.85).encode(
        x=alt.X(
            "token_cost_usd:Q",
            title="Token spend in the month (USD, list prices)",
            axis=alt.Axis(format="$,.0f"),
        ),
        y=alt.Y("outcome_score:Q", title="Outcome score (composite of delivery, unitless)"),
        color=alt.Color(
            "quadrant:N",
            title="Quadrant",
            scale=QUADRANT_COLOURS,
            legend=alt.Legend(orient="bottom", columns=2),
        ),
        tooltip=[
            alt.Tooltip("team_name:N", title="Team"),
            alt.Tooltip("token_cost_usd:Q", title="Spend (USD)", format="$,.0f"),
            alt.Tooltip("outcome_score:Q", title="Outcome score", format=",.2f"),
            alt.Tooltip(
                "merged_prs_per_million_tokens:Q", title="Merged PRs / M tokens", format=",.2f"
            ),
            alt.Tooltip("quadrant:N", title="Quadrant"),
        ],
    )
    labels = (
        alt.Chart(outliers(placed, x_median, y_median))
        .mark_text(align="left", dx=9, dy=-6, fontSize=12)
        .encode(x="token_cost_usd:Q", y="outcome_score:Q", text="team_name:N")
    )
    layers = [points, labels]
    if x_median is not None:
        layers.append(
            alt.Chart(pd.DataFrame({"x": [x_median]}))
            .mark_rule(strokeDash=[6, 4], color="#555")
            .encode(x="x:Q")
        )
    if y_median is not None:
        layers.append(
            alt.Chart(pd.DataFrame({"y": [y_median]}))
            .mark_rule(strokeDash=[6, 4], color="#555")
            .encode(y="y:Q")
        )
    return alt.layer(*layers).properties(height=420)


# The quadrant names this many teams at most: beyond a dozen labels overlap into a blot.
QUADRANT_LABELS_MAX = 8


def outliers(
    placed: pd.DataFrame,
    x_median: float | None,
    y_median: float | None,
    count: int = QUADRANT_LABELS_MAX,
) -> pd.DataFrame:
    """The `count` teams farthest from the medians, each axis scaled by its spread (all of them
    when there are no more than `count`)."""
    if len(placed) <= count or x_median is None or y_median is None:
        return placed
    x = placed["token_cost_usd"].astype("float64")
    y = placed["outcome_score"].astype("float64")
    spread_x = float((x - x_median).abs().median()) or 1.0
    spread_y = float((y - y_median).abs().median()) or 1.0
    distance = ((x - x_median) / spread_x) ** 2 + ((y - y_median) / spread_y) ** 2
    return placed.loc[distance.nlargest(count).index]


def cost_components(breakdown: pd.DataFrame) -> alt.Chart:
    """Stacked bars: what a trillion tokens cost, by model and billing component."""
    return (
        alt.Chart(breakdown)
        .mark_bar()
        .encode(
            x=alt.X(
                "sum(cost_usd):Q",
                title="Cost per trillion tokens (USD)",
                axis=alt.Axis(format="$,.2s"),
            ),
            y=alt.Y("model_family:N", title="Model family"),
            color=alt.Color("component:N", title="Billing component"),
            tooltip=[
                alt.Tooltip("model_family:N", title="Model"),
                alt.Tooltip("component:N", title="Component"),
                alt.Tooltip("tokens:Q", title="Tokens", format=",.3s"),
                alt.Tooltip("usd_per_mtok:Q", title="USD per M tokens", format="$,.3f"),
                alt.Tooltip("cost_usd:Q", title="Cost (USD)", format="$,.0f"),
            ],
        )
        .properties(height=160)
    )


def rank_scatter(frame: pd.DataFrame) -> alt.Chart:
    """Token rank against outcome rank: a good leaderboard would put points on the diagonal."""
    return (
        alt.Chart(frame)
        .mark_circle(size=70, opacity=0.75)
        .encode(
            x=alt.X("token_rank:Q", title="Token leaderboard rank (1 = most tokens)"),
            y=alt.Y("outcome_rank:Q", title="Outcome rank (1 = best delivery)"),
            color=alt.Color("is_flagged:N", title="Gaming signal flagged"),
            tooltip=[
                c
                for c in ("person", "tier", "token_rank", "outcome_rank", "total_tokens")
                if c in frame.columns
            ],
        )
        .properties(height=380)
    )


def tier_flagged_share(tiers: pd.DataFrame) -> alt.Chart:
    """Share of each leaderboard tier flagged for gaming (suppressed tiers are left out).

    Streamlit fits a chart's whole drawing, axis titles included, into its height, and Vega
    centres a rotated axis title on the plot: a y title longer than the plot is tall pushed the
    plot down to zero height (tier names and titles, no bars). So the tiers run down the y axis
    under a short title, and the bars have room whatever the tier names."""
    shown = tiers.dropna(subset=["flagged_share"])
    return (
        alt.Chart(shown)
        .mark_bar()
        .encode(
            y=alt.Y(
                "tier:N",
                title="Tier",
                sort=list(shown["tier"]),
                axis=alt.Axis(labelLimit=220),
            ),
            x=alt.X(
                "flagged_share:Q",
                title="Flagged for gaming (% of tier)",
                axis=alt.Axis(format=".0%", tickCount=5),
            ),
            tooltip=[
                alt.Tooltip("tier:N", title="Tier"),
                alt.Tooltip("people:Q", title="People", format=",d"),
                alt.Tooltip("flagged_share:Q", title="Flagged", format=".0%"),
            ],
        )
        .properties(
            height=rows_height(len(shown)),
            title=alt.TitleParams(
                "Who fills each tier",
                subtitle="Tiers by tokens used, most on top",
                anchor="start",
                fontSize=14,
            ),
        )
    )


# The tallest a chart gets by default: one laptop screen with room for its title and axis.
MAX_CHART_HEIGHT = 560
ROW_HEIGHT = 26
# Streamlit fits titles and axes into the chart's height: room for them on top of the rows.
FRAME_HEIGHT = 130


def rows_height(rows: int) -> int:
    """Height for a chart of `rows` bars or dots, capped so no chart is taller than a screen."""
    return int(min(MAX_CHART_HEIGHT, FRAME_HEIGHT + ROW_HEIGHT * max(rows, 3)))


def ranking_dots(
    frame: pd.DataFrame,
    org_figure: float | None,
    x_title: str,
    *,
    x_format: str = ",.0f",
    title: str | None = None,
) -> alt.LayerChart:
    """Teams' shrunk estimates as dots with their interval, best on top, the organisation's
    figure as a dashed line. `frame` holds rank, team_name, estimate, low, high, raw."""
    order = list(frame.sort_values("rank")["team_name"])
    base = alt.Chart(frame)
    y = alt.Y("team_name:N", title="Team", sort=order, axis=alt.Axis(labelLimit=220))
    tooltip = [
        alt.Tooltip("team_name:N", title="Team"),
        alt.Tooltip("rank:Q", title="Rank"),
        alt.Tooltip("estimate:Q", title="Estimate", format=x_format),
        alt.Tooltip("low:Q", title=f"Low end ({ranking_interval()})", format=x_format),
        alt.Tooltip("high:Q", title=f"High end ({ranking_interval()})", format=x_format),
        alt.Tooltip("raw:Q", title="Raw ratio", format=x_format),
    ]
    interval = base.mark_rule(strokeWidth=2, opacity=0.5).encode(
        x=alt.X("low:Q", title=x_title, axis=alt.Axis(format=x_format, tickCount=6)),
        x2="high:Q",
        y=y,
        tooltip=tooltip,
    )
    dots = base.mark_circle(size=90, opacity=1).encode(x="estimate:Q", y=y, tooltip=tooltip)
    layers = [interval, dots]
    if org_figure is not None:
        layers.append(
            alt.Chart(pd.DataFrame({"x": [org_figure]}))
            .mark_rule(strokeDash=[6, 4], color="#555")
            .encode(x="x:Q")
        )
    chart = alt.layer(*layers).properties(height=rows_height(len(frame)))
    if title:
        chart = chart.properties(title=alt.TitleParams(title, anchor="start", fontSize=14))
    return chart


def ranking_interval() -> str:
    from mileage.app.ranking import INTERVAL

    return f"{INTERVAL:.0%} interval"


def attainment_spread(teams: pd.DataFrame, target: float, *, title: str) -> alt.LayerChart:
    """Teams binned by roadmap attainment, with a rule where the quarter should be (`target`:
    all of the plan, or the pace of a quarter in progress)."""
    bars = (
        alt.Chart(teams)
        .mark_bar()
        .encode(
            x=alt.X(
                "roadmap_attainment:Q",
                bin=alt.Bin(step=0.1),
                title="Roadmap attainment (% of planned points)",
                axis=alt.Axis(format=".0%"),
            ),
            y=alt.Y("count():Q", title="Teams", axis=alt.Axis(tickMinStep=1, format="d")),
            tooltip=[alt.Tooltip("count():Q", title="Teams")],
        )
    )
    plan = (
        alt.Chart(pd.DataFrame({"x": [target]}))
        .mark_rule(strokeDash=[6, 4], color="#555")
        .encode(x="x:Q")
    )
    return (
        alt.layer(bars, plan)
        .properties(height=220)
        .properties(title=alt.TitleParams(title, anchor="start", fontSize=14))
    )
