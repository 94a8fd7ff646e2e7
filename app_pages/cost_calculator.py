"""6 Cost calculator: cost per trillion tokens from model mix, cache hits and output share."""

import pandas as pd
import streamlit as st

from mileage.app import charts, data, ui
from mileage.app import metrics as m

ctx = ui.context("cost_calculator")
wh, viewer = ctx.wh, ctx.viewer

PUBLISHED = {
    "calc_main_model": m.PUBLISHED_MAIN_MODEL,
    "calc_main_share": round(m.PUBLISHED_MAIN_SHARE * 100),
    "calc_other_model": m.PUBLISHED_OTHER_MODEL,
    "calc_cache_hit": round(m.PUBLISHED_CACHE_HIT_RATE * 100),
    "calc_output_share": m.PUBLISHED_OUTPUT_SHARE * 100,
    "calc_miss_write": round(m.PUBLISHED_MISS_WRITE_SHARE * 100),
}


def reset_to_published() -> None:
    for key, value in PUBLISHED.items():
        st.session_state[key] = value


for key, value in PUBLISHED.items():
    st.session_state.setdefault(key, value)

price_table, price_source = data.token_prices(wh)
prices = m.prices_from_frame(price_table)
families = sorted(prices)

st.title("Cost calculator")
st.caption(
    "What a trillion tokens cost at list prices, from the model mix, the prompt-cache hit rate "
    f"and the output share. Prices from `{price_source}` (USD per million tokens)."
)

published_value = None
if {m.PUBLISHED_MAIN_MODEL, m.PUBLISHED_OTHER_MODEL} <= set(prices):
    published_value = m.published_scenario(prices)
    gap = m.relative_change(published_value, m.PUBLISHED_ESTIMATE_USD_PER_TRILLION)
    with st.container(border=True):
        st.markdown(
            f"**The published estimate:** about **$5.5M per trillion tokens** at 86% Opus "
            f"traffic and a 70% cache-hit rate. Under the assumptions below this calculator "
            f"gives **{m.fmt_usd(published_value)}** ({gap:+.1%})."
        )
        opus, sonnet = prices[m.PUBLISHED_MAIN_MODEL], prices[m.PUBLISHED_OTHER_MODEL]
        st.markdown(
            f"""
- 86% of tokens on **{m.PUBLISHED_MAIN_MODEL}** (list: input ${opus.input:g}, cache write
  ${opus.cache_write:g}, cache read ${opus.cache_read:g}, output ${opus.output:g} per M tokens);
  the other 14% on **{m.PUBLISHED_OTHER_MODEL}** (${sonnet.input:g} / ${sonnet.cache_write:g} /
  ${sonnet.cache_read:g} / ${sonnet.output:g}).
- Tokens counted = input (uncached + cache writes + cache reads) + output.
- **Output is {m.PUBLISHED_OUTPUT_SHARE:.0%} of all tokens**: agentic coding re-reads its
  context every turn, so input dwarfs output.
- **70% of input tokens are cache reads**; the 30% misses are billed as **plain input** (no
  cache-write premium). Batch discounts, long-context surcharges and negotiated discounts: none.
"""
        )
        st.button("Reset to the published scenario", on_click=reset_to_published, key="calc_reset")

st.subheader("Your scenario")
left, right = st.columns(2)
with left:
    main_model = st.selectbox("Main model", families, key="calc_main_model")
    main_share = st.slider("Main model's share of tokens (%)", 0, 100, key="calc_main_share")
    other_model = st.selectbox("The rest runs on", families, key="calc_other_model")
with right:
    cache_hit = st.slider(
        "Cache-hit rate: input tokens read from cache (%)", 0, 100, key="calc_cache_hit"
    )
    output_share = st.number_input(
        "Output tokens as a share of all tokens (%)", 0.0, 100.0, step=0.5, key="calc_output_share"
    )
    miss_write = st.slider(
        "Cache misses billed as cache writes (%)",
        0,
        100,
        key="calc_miss_write",
        help="The rest of the misses are billed as plain input.",
    )

assumptions = m.TrafficAssumptions(
    cache_hit_rate=cache_hit / 100,
    output_share=output_share / 100,
    miss_write_share=miss_write / 100,
)
mix = m.two_model_mix(main_model, main_share / 100, other_model)
breakdown = m.cost_breakdown(mix, prices, assumptions)
per_trillion = float(breakdown["cost_usd"].sum())

cols = st.columns(3)
cols[0].metric(
    "Cost per trillion tokens",
    m.fmt_usd(per_trillion),
    delta=f"{m.relative_change(per_trillion, m.PUBLISHED_ESTIMATE_USD_PER_TRILLION):+.1%} "
    "vs the published $5.5M",
    delta_color="off",
)
cols[1].metric("Blended price per million tokens", m.fmt_usd(per_trillion / m.MTOK_PER_TRILLION))
cols[2].metric("Cost per billion tokens", m.fmt_usd(per_trillion / 1000))

st.altair_chart(charts.cost_components(breakdown), width="stretch")
ui.table(
    ui.gate(breakdown, "cost_scenario"),
    "mileage_cost_per_trillion.csv",
    column_config={
        "model_family": "Model family",
        "component": "Billing component",
        "tokens": st.column_config.NumberColumn("Tokens", format="compact"),
        "usd_per_mtok": st.column_config.NumberColumn("USD per M tokens", format="$%.3f"),
        "cost_usd": st.column_config.NumberColumn("Cost (USD)", format="dollar"),
    },
)

# ---- spend relative to salary ----------------------------------------------------------------
st.subheader("Spend relative to salary")
salaries = data.salary_summary(wh)
people = int(salaries.at[0, "people"] or 0)
if ui.figure(people, people) is None:
    st.info(f"Salary figures hidden: {viewer.note}.")
    st.stop()
total_salary = salaries.at[0, "total_salary_usd"]
median_salary = salaries.at[0, "median_salary_usd"]

WINDOW_DAYS = 90
recent = data.recent_spend(wh, WINDOW_DAYS) if wh.has_table("marts.fct_ai_usage_daily") else None
if recent is None or recent.empty or pd.isna(recent.at[0, "last_day"]):
    st.write("No usage in the warehouse to compare with salaries.")
    st.stop()
first_day = pd.Timestamp(recent.at[0, "first_day"])
last_day = pd.Timestamp(recent.at[0, "last_day"])
days = (last_day - first_day).days + 1
annual_spend = m.annualise(recent.at[0, "list_cost_usd"], days)
active = int(recent.at[0, "active_people"] or 0)

st.caption(
    f"Actual list-price spend over the last {days} days of usage ({first_day:%d %b %Y} to "
    f"{last_day:%d %b %Y}, attributed or not), annualised, against the salaries of the "
    f"{people:,} active employees in `dim_employees`."
)
cols = st.columns(4)
cols[0].metric("Annualised token spend", m.fmt_usd(annual_spend))
cols[1].metric("Annual salaries (active employees)", m.fmt_usd(total_salary))
cols[2].metric(
    "Token spend as share of salaries", m.fmt_pct(m.safe_ratio(annual_spend, total_salary), 2)
)
cols[3].metric(
    "Annual token spend per AI-active person",
    m.fmt_usd(ui.figure(m.safe_ratio(annual_spend, active), active)),
    help=f"{active:,} people with attributed usage in the window.",
)

observed = ui.figure(
    m.safe_ratio(recent.at[0, "total_tokens"], active * days * m.WORKING_DAYS_PER_YEAR / 365)
    if active
    else None,
    active,
)
st.markdown("**What one person's habit costs at the scenario's price**")
tokens_per_day = st.number_input(
    "Tokens per person per working day",
    min_value=0.0,
    value=float(round(observed or 10_000_000, -3)),
    step=1_000_000.0,
    format="%.0f",
    key="calc_tokens_per_day",
    help=f"Default: observed average over the window ({m.WORKING_DAYS_PER_YEAR} working days "
    "a year).",
)
person_cost = m.annual_token_cost(tokens_per_day, per_trillion)
cols = st.columns(2)
cols[0].metric("Annual token cost per person", m.fmt_usd(person_cost))
cols[1].metric(
    "As a share of the median salary",
    m.fmt_pct(m.safe_ratio(person_cost, median_salary), 1),
    help=f"Median salary of active employees: {m.fmt_usd(median_salary)}.",
)
