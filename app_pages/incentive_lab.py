"""5 Incentive lab (HR): bonus schemes compared on the company's own data, with parameters
edited on screen and re-evaluated in-process by the same code the dbt build runs."""

import json
from dataclasses import astuple

import altair as alt
import pandas as pd
import streamlit as st

from mileage.app import data, lab, ui, vouching
from mileage.app.labels import TACTICS, glossary, tactic_label
from mileage.app.metrics import fmt_usd
from mileage.incentives import SchemeError, load_schemes
from mileage.incentives.stress import DEFAULT_SEED

ctx = ui.context("incentive_lab")
wh, viewer = ctx.wh, ctx.viewer

SCHEME_COLUMNS = ("scheme", "scheme_id", "scheme_name")
SHARE_KEY = f"{lab.KEY_PREFIX}gaming-share"
SEED_KEY = f"{lab.KEY_PREFIX}gaming-seed"

# Streamlit forgets a widget's value when the widget is not drawn (a scheme taken out of the
# selection); writing the values back keeps HR's edits until they reset them.
for _key in [k for k in st.session_state if str(k).startswith(lab.KEY_PREFIX)]:
    st.session_state[_key] = st.session_state[_key]

st.title("Incentive lab")
vouching.warn_not_vouched(
    wh,
    "marts.fct_scheme_comparison",
    "marts.fct_bonus_payouts",
    "marts.fct_goodhart_stress_test",
    "marts.fct_gaming_signals",
)
st.caption(
    "Bonus schemes side by side: what each pays, to whom, what it costs, how fair it is, and "
    "how it holds up when people game the meter (the Goodhart stress test). Edit a scheme's "
    "parameters below and recompute to see the same figures for your version."
)


def scheme_column(frame) -> str | None:
    return next((c for c in SCHEME_COLUMNS if c in frame.columns), None)


def scheme_bars(frame, column: str, value: str, title: str, fmt: str) -> alt.Chart:
    return (
        alt.Chart(frame.dropna(subset=[value]))
        .mark_bar()
        .encode(
            x=alt.X(f"{value}:Q", title=title, axis=alt.Axis(format=fmt)),
            y=alt.Y(f"{column}:N", title="Scheme", sort="-x", axis=alt.Axis(labelLimit=220)),
            tooltip=[
                alt.Tooltip(f"{column}:N", title="Scheme"),
                alt.Tooltip(f"{value}:Q", title=title, format=fmt),
            ],
        )
        .properties(height=max(140, 36 * len(frame)))
    )


@st.cache_data(show_spinner=False, max_entries=128)
def recompute(version: tuple, scheme_json: str, share: float, seed: int, _wh) -> lab.SchemeResult:
    """One scheme evaluated, compared and stress-tested on this warehouse version's facts."""
    facts, flags = data.lab_facts(_wh)
    return lab.compute_scheme(json.loads(scheme_json), facts, flags, share, seed)


def reset_edits() -> None:
    for key in [k for k in st.session_state if str(k).startswith(lab.KEY_PREFIX)]:
        del st.session_state[key]


def widget(param: lab.Param, key: str) -> None:
    if param.kind == "choice":
        st.selectbox(param.label, param.options, key=key, help=param.help)
    elif param.kind == "int":
        st.number_input(
            param.label,
            min_value=int(param.min_value),
            max_value=int(param.max_value),
            step=1,
            key=key,
            help=param.help,
        )
    else:
        st.number_input(
            param.label,
            min_value=param.min_value,
            max_value=param.max_value,
            value=None if param.optional else "min",
            step=param.step,
            format=param.fmt,
            key=key,
            help=param.help,
            placeholder="none" if param.optional else None,
        )


def edited_scheme(name: str, original: dict) -> tuple[dict, list[str], list[str], list]:
    """The scheme as its widgets say (their values are initialised from the file)."""
    params = lab.editable_params(original)
    values = {}
    for param in params:
        key = lab.widget_key(name, param)
        if key not in st.session_state:
            st.session_state[key] = param.value
        values[param.name] = st.session_state[key]
    try:
        edited = lab.apply_values(original, values, params)
    except (TypeError, ValueError, KeyError, IndexError) as exc:
        return original, [f"could not apply the values: {exc}"], [], params
    _scheme, problems = lab.validate(edited)
    return edited, problems, lab.changes(original, edited), params


def editor(name: str, scheme, params: list, problems: list[str], edits: list[str]) -> None:
    flag = " · not valid" if problems else " · edited" if edits else ""
    with st.expander(f"{scheme.label}{flag}", expanded=bool(problems or edits)):
        st.caption(
            f"{scheme.description} Measures `{scheme.metric}` per {scheme.grain}; "
            f"{scheme.kind} scheme, file `schemes/{name}.yml`."
        )
        if problems:
            st.error(
                "Not recomputed: fix these parameters first.\n\n"
                + "\n".join(f"- `{p.split(':', 1)[0]}`:{p.split(':', 1)[1]}" for p in problems)
            )
        for group in lab.GROUPS:
            shown = [p for p in params if p.group == group]
            if not shown:
                continue
            st.markdown(f"**{group}**")
            for start in range(0, len(shown), 3):
                for column, param in zip(st.columns(3), shown[start : start + 3], strict=False):
                    with column:
                        widget(param, lab.widget_key(name, param))
        if edits:
            st.caption("Changed from the file: " + "; ".join(f"`{e}`" for e in edits))


# ---- the built marts (the default view) ---------------------------------------------------

comparison_mart = ui.later_table(wh, "scheme_comparison", "The scheme comparison is")
payouts_mart = ui.later_table(wh, "bonus_payouts", "Bonus payouts are")
stress_mart = None
if wh.has_table(data.LATER_TABLES["goodhart_stress_test"]):
    stress_mart = data.later_table(wh, "goodhart_stress_test")

try:
    files = load_schemes()
except SchemeError as invalid:
    files = {}
    st.error(
        "The scheme files in `schemes/` have problems, so none can be edited here:\n\n"
        + "\n".join(
            f"- `{source}` `{field}`: {problem}" for source, field, problem in invalid.problems
        )
    )
labels = {name: scheme.label for name, scheme in files.items()}

built_column = scheme_column(comparison_mart) if comparison_mart is not None else None
built = sorted(comparison_mart[built_column].astype(str).unique()) if built_column else []
options = built + [name for name in files if name not in built]
chosen = st.multiselect(
    "Schemes",
    options,
    default=built or list(files),
    key="lab_schemes",
    format_func=lambda name: labels.get(name, name),
)

# ---- parameters --------------------------------------------------------------------------

missing_inputs = data.lab_inputs_missing(wh)
editable = [name for name in chosen if name in files]
default_share = lab.gaming_share_of(stress_mart)
edited: dict[str, dict] = {}
problems: dict[str, list[str]] = {}
edits: dict[str, list[str]] = {}

if editable and missing_inputs:
    st.info(
        "Editing parameters needs the lab's inputs, and this warehouse lacks "
        + ", ".join(f"`{t}`" for t in missing_inputs)
        + ". Rebuild it with `mileage build` to edit schemes here."
    )
elif editable:
    st.subheader("Parameters")
    st.caption(
        "Change a scheme's amounts, thresholds, tiers and gates, then **Recompute**. Each "
        "edited scheme is checked exactly like a file in `schemes/` and evaluated here with "
        "the code the build uses; nothing is saved."
    )
    if SHARE_KEY not in st.session_state:
        st.session_state[SHARE_KEY] = max(1, min(50, round(default_share * 100)))
    if SEED_KEY not in st.session_state:
        st.session_state[SEED_KEY] = DEFAULT_SEED
    with st.form("lab_editor", border=False):
        for name in editable:
            edited[name], problems[name], edits[name], params = edited_scheme(
                name, files[name].to_dict()
            )
            editor(name, files[name], params, problems[name], edits[name])
        with st.expander("Goodhart stress test settings"):
            left, right = st.columns(2)
            left.slider(
                "People gaming (%)",
                min_value=1,
                max_value=50,
                key=SHARE_KEY,
                help="The share of people who play each gaming tactic in the stress test.",
            )
            right.number_input(
                "Random seed (who games)", min_value=0, max_value=1_000_000, step=1, key=SEED_KEY
            )
        st.form_submit_button("Recompute", type="primary", icon=":material/refresh:")
    st.button("Reset all parameters to the files", key="lab_reset", on_click=reset_edits)

share = st.session_state.get(SHARE_KEY, round(default_share * 100)) / 100
seed = int(st.session_state.get(SEED_KEY, DEFAULT_SEED))
settings_changed = abs(share - default_share) > 1e-9 or seed != DEFAULT_SEED
valid = [name for name in editable if name in edited and not problems[name]]
needs = [name for name in valid if edits[name] or name not in built or settings_changed]
recomputed = bool(needs) and not missing_inputs

# ---- the figures: built marts, or recomputed ------------------------------------------------

invalid = [name for name in editable if problems.get(name)]
if invalid:
    st.warning(
        "Not recomputed, because their parameters are not valid (see above): "
        + ", ".join(labels[name] for name in invalid)
        + ". "
        + ("The other schemes are shown." if recomputed else "The figures are the last build's.")
    )

if recomputed:
    results, fresh = {}, []
    with st.spinner("Recomputing the schemes..."):
        for name in valid:
            # an unedited scheme's rows in the marts are what recomputing it would give
            same = (
                None
                if name in needs
                else lab.built_result(name, comparison_mart, stress_mart, payouts_mart)
            )
            if same is not None:
                results[name] = same
                continue
            try:
                results[name] = recompute(
                    astuple(wh.version), lab.canonical(edited[name]), share, seed, wh
                )
                fresh.append(name)
            except Exception as exc:  # say what failed, never a traceback
                st.error(f"{labels.get(name, name)} could not be evaluated: {exc}")
    comparison, stress, payouts = lab.combine(results, labels, edits)
    column = "scheme"
    st.success(
        "Recomputed here: "
        + ", ".join(f"{labels[name]}{' (edited)' if edits.get(name) else ''}" for name in fresh)
        + f". Stress test: {share:.0%} of people gaming, seed {seed}."
        + (
            " The other schemes as the last build evaluated them."
            if len(fresh) < len(results)
            else ""
        )
        if fresh
        else "Nothing could be recomputed."
    )
    no_file = [name for name in chosen if name not in files]
    if no_file:
        st.caption(
            "Not shown while recomputing (no file in `schemes/` to evaluate): "
            + ", ".join(no_file)
            + "."
        )
else:
    comparison, stress, payouts = comparison_mart, stress_mart, payouts_mart
    column = built_column
    if comparison is not None and column:
        comparison = lab.with_labels(
            comparison[comparison[column].astype(str).isin(chosen)], labels, column
        )
    if stress is not None:
        s_column = scheme_column(stress)
        if s_column:
            stress = stress[stress[s_column].astype(str).isin(chosen)]
    if payouts is not None:
        p_column = scheme_column(payouts)
        if p_column:
            payouts = payouts[payouts[p_column].astype(str).isin(chosen)]
    if comparison is not None:
        st.caption("As the last build evaluated the files in `schemes/`.")

built_totals = {}
if comparison_mart is not None and built_column and "total_cost_usd" in comparison_mart:
    built_totals = dict(
        zip(
            comparison_mart[built_column].astype(str),
            comparison_mart["total_cost_usd"],
            strict=True,
        )
    )

if comparison is not None and not comparison.empty and column:
    st.subheader("Schemes compared")
    if "total_cost_usd" in comparison.columns:
        st.caption("Total cost over the window, by scheme.")
        rows = list(comparison.itertuples(index=False))
        for start in range(0, len(rows), 5):
            for cell, row in zip(st.columns(5), rows[start : start + 5], strict=False):
                name = str(getattr(row, column))
                total = row.total_cost_usd
                delta = None
                if recomputed and edits.get(name) and name in built_totals:
                    diff = float(total) - float(built_totals[name])
                    delta = ("+" if diff >= 0 else "") + fmt_usd(diff) + " vs the file"
                cell.metric(
                    labels.get(name, name),
                    fmt_usd(total),
                    delta=delta,
                    delta_color="inverse",
                )
    label_column = "label" if "label" in comparison.columns else column
    left, right = st.columns(2)
    if "total_cost_usd" in comparison.columns:
        left.altair_chart(
            scheme_bars(comparison, label_column, "total_cost_usd", "Total cost (USD)", "$,.0f"),
            width="stretch",
        )
    if "flagged_share" in comparison.columns:
        right.altair_chart(
            scheme_bars(
                comparison,
                label_column,
                "flagged_share",
                "Share of the payout going to people flagged for gaming",
                ".0%",
            ),
            width="stretch",
        )
    ui.table(comparison, "mileage_scheme_comparison.csv")

if payouts is not None and not payouts.empty and scheme_column(payouts):
    totals = lab.with_labels(lab.payout_totals(payouts, scheme_column(payouts)), labels)
    if "period_start" in totals.columns:
        st.altair_chart(
            alt.Chart(totals, title="Payouts by period")
            .mark_bar()
            .encode(
                x=alt.X(
                    "yearmonth(period_start):O",
                    title="Period (by its first month)",
                    axis=alt.Axis(format="%b %Y", labelAngle=0),
                ),
                y=alt.Y("payout_usd:Q", title="Payout (USD)", axis=alt.Axis(format="$,.0f")),
                color=alt.Color("label:N", title="Scheme"),
                xOffset="label:N",
                tooltip=[
                    alt.Tooltip("label:N", title="Scheme"),
                    alt.Tooltip("period_start:T", title="Period start", format="%Y-%m-%d"),
                    alt.Tooltip("payout_usd:Q", title="Payout (USD)", format="$,.0f"),
                ],
            ),
            width="stretch",
        )

if stress is not None and not stress.empty:
    s_column = scheme_column(stress)
    stress = lab.with_labels(stress, labels, s_column) if s_column else stress
    if "tactic" in stress.columns:
        stress = stress.assign(tactic=stress["tactic"].map(tactic_label))
    st.subheader("Goodhart stress test")
    st.caption(
        "A share of people play a gaming tactic while real delivery stays the same: a scheme "
        "that pays for delivery barely moves, one that pays for tokens moves a lot."
    )
    st.markdown(glossary(TACTICS))
    if s_column and {"tactic", "gamers_gain_usd"} <= set(stress.columns):
        y_column = "label" if "label" in stress.columns else s_column
        st.altair_chart(
            alt.Chart(stress)
            .mark_bar()
            .encode(
                x=alt.X(
                    "gamers_gain_usd:Q",
                    title="What the gamers gain (USD)",
                    axis=alt.Axis(format="$,.0f"),
                ),
                y=alt.Y(f"{y_column}:N", title="Scheme", axis=alt.Axis(labelLimit=220)),
                color=alt.Color("tactic:N", title="Gaming tactic"),
                yOffset="tactic:N",
                tooltip=[
                    c
                    for c in (y_column, "tactic", "gamers_gain_usd", "summary")
                    if c in stress.columns
                ],
            )
            .properties(height=max(160, 24 * len(stress))),
            width="stretch",
        )
    ui.table(stress, "mileage_goodhart_stress_test.csv")

if payouts is not None and not payouts.empty:
    st.subheader("Payouts")
    identities = (
        data.identities(wh)
        if viewer.role.sees_names and wh.has_table("restricted.employee_identities")
        else None
    )
    team_names = data.teams(wh).set_index("team_id")["team_name"].to_dict()
    shown = lab.payouts_for_viewer(payouts, viewer, identities, team_names)
    if not viewer.role.person_level:
        st.caption(f"Team totals; teams of fewer than {viewer.min_group_size} people are hidden.")
    # A year of person payouts is tens of MB of CSV: write it when the button is pressed,
    # not on every rerun.
    st.dataframe(
        shown, hide_index=True, column_config=ui.default_column_config(shown), placeholder="–"
    )
    st.download_button(
        "Download CSV",
        lambda: shown.to_csv(index=False).encode("utf-8"),
        file_name="mileage_bonus_payouts.csv",
        mime="text/csv",
        key="download-mileage_bonus_payouts.csv",
        icon=":material/download:",
        on_click="ignore",
    )
elif recomputed and isinstance(payouts, pd.DataFrame):
    st.info("The recomputed schemes pay nobody in this window.")
