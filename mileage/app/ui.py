"""Thin Streamlit helpers shared by app.py and the pages: context, access, tables, metrics.

The decisions (who sees what, the numbers) live in `privacy` and `metrics`; this module only
puts their results on screen.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pandas as pd
import streamlit as st

from mileage import config
from mileage.app import data, privacy
from mileage.app.metrics import (
    MetricChange,
    default_month_index,
    fmt_delta,
    fmt_metric,
    is_complete_month,
)
from mileage.app.privacy import ROLES, Viewer, make_viewer, role_for_email

CONTEXT_KEY = "_mileage_context"


@dataclass(frozen=True)
class PageContext:
    wh: data.Warehouse
    viewer: Viewer


def set_context(context: PageContext) -> None:
    st.session_state[CONTEXT_KEY] = context


def context(page: str) -> PageContext:
    """The warehouse and viewer for this run; stops the page if the viewer may not open it."""
    ctx: PageContext | None = st.session_state.get(CONTEXT_KEY)
    if ctx is None:  # a page file run on its own, not through app.py
        st.error("Open Mileage through `streamlit run app.py`.")
        st.stop()
    if not ctx.viewer.may_open(page):
        st.warning(f"The {ctx.viewer.role.label} role cannot open this page.")
        st.stop()
    return ctx


# ---- startup ---------------------------------------------------------------------------------


def open_or_explain(path: Path) -> data.Warehouse:
    """Open the warehouse, or explain on screen what is missing and stop."""
    try:
        wh = data.open_warehouse(path)
    except data.WarehouseMissing:
        st.title("Mileage")
        st.error(f"No warehouse found at `{path}`.")
        st.markdown(
            "Build one with `mileage demo` (simulated organisation) or "
            "`mileage build --raw-dir DIR --warehouse FILE`, then point the app at it with the "
            "environment variable `MILEAGE_WAREHOUSE`."
        )
        st.stop()
    except Exception as exc:  # a corrupt file or a DuckDB version clash: say so, no traceback
        st.title("Mileage")
        st.error(f"The warehouse at `{path}` could not be opened: {exc}")
        st.stop()
    missing = wh.missing(data.CORE_TABLES)
    if missing:
        st.title("Mileage")
        st.error(
            "The warehouse is missing tables the app needs: "
            + ", ".join(f"`{t}`" for t in missing)
            + ". Rebuild it with `mileage build`."
        )
        st.stop()
    return wh


def auth_configured() -> bool:
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets.toml at all
        return False


DEMO_BANNER = (
    ":orange-background[:material/warning: **Demo mode**: nobody signs in and anyone can pick "
    "any role, HR included. Fine for the demo's synthetic people; configure `[auth]` before "
    "real data.]"
)


def resolve_viewer(wh: data.Warehouse, min_group_size: int) -> Viewer:
    """The signed-in viewer; without `[auth]`, the demo's role picker, but only on the demo's
    warehouse or with `mileage app --demo` (MILEAGE_DEMO_MODE=1)."""
    if auth_configured():
        return _logged_in_viewer(wh, min_group_size)
    if not (config.is_demo_warehouse(wh.path) or config.demo_mode_requested()):
        st.title("Mileage")
        st.error(
            f"Sign-in is not configured and `{wh.path}` is not the demo's warehouse: add an "
            "`[auth]` section to `.streamlit/secrets.toml` (see README, Deployment), or pass "
            "`mileage app --demo` to serve it without sign-in on purpose."
        )
        st.stop()
    return _demo_viewer(wh, min_group_size)


def _logged_in_viewer(wh: data.Warehouse, min_group_size: int) -> Viewer:
    if not st.user.is_logged_in:
        st.title("Mileage")
        st.write("Sign in with your company account to see your dashboards.")
        st.button("Log in", on_click=st.login, type="primary")
        st.stop()
    email = st.user.get("email")
    mapping = {}
    try:
        mapping = {k: list(v) for k, v in st.secrets.get("mileage", {}).get("roles", {}).items()}
    except Exception:
        mapping = {}
    role = role_for_email(email, mapping)
    employee_key = data.employee_key_for_email(wh, email) if email else None
    team_id = _team_of(wh, employee_key)
    if role == "engineer" and employee_key is None:
        st.error("Your login is not linked to an employee record. Ask HR to check the roster.")
        st.button("Log out", on_click=st.logout)
        st.stop()
    with st.sidebar:
        st.caption(f"Signed in as {st.user.get('name') or email} · role: {ROLES[role].label}")
        st.button("Log out", on_click=st.logout)
    return make_viewer(
        role, employee_key=employee_key, team_id=team_id, min_group_size=min_group_size
    )


def _team_of(wh: data.Warehouse, employee_key: str | None) -> str | None:
    if not employee_key:
        return None
    row = data.employee(wh, employee_key)
    return None if row.empty else row.at[0, "team_id"]


def _demo_viewer(wh: data.Warehouse, min_group_size: int) -> Viewer:
    with st.sidebar:
        st.subheader("Demo mode")
        st.caption(
            "No login is configured, so anyone can pick a role here. Configure `[auth]` in "
            "`.streamlit/secrets.toml` to sign people in instead."
        )
        role = st.selectbox(
            "Demo mode: view as",
            options=list(ROLES),
            format_func=lambda r: ROLES[r].label,
            key="demo_role",
        )
        st.caption(ROLES[role].description)
        employee_key = team_id = None
        if role == "engineer":
            employee_key, team_id = _demo_engineer(wh)
    return make_viewer(
        role, employee_key=employee_key, team_id=team_id, min_group_size=min_group_size
    )


def _demo_engineer(wh: data.Warehouse) -> tuple[str | None, str | None]:
    """Pick a team, then a person in it (a large organisation would not fit one list)."""
    people = data.active_employees(wh)
    if people.empty:
        st.warning("No active employees in the warehouse.")
        return None, None
    team_names = people.drop_duplicates("team_id").set_index("team_id")["team_name"]
    preset = st.session_state.get("demo_employee")
    if preset is not None and "demo_team" not in st.session_state:
        preset_team = people.loc[people.employee_key == preset, "team_id"]
        if not preset_team.empty:
            st.session_state["demo_team"] = preset_team.iloc[0]
    team_id = st.selectbox(
        "Demo mode: your team",
        options=list(team_names.index),
        format_func=team_names.get,
        key="demo_team",
    )
    keys = list(people.loc[people.team_id == team_id, "employee_key"])
    if st.session_state.get("demo_employee") not in keys:
        st.session_state["demo_employee"] = keys[0]
    # Ordinals, not keys: the picker shows no one's pseudonymous key.
    ordinal = {key: f"{team_names[team_id]} engineer #{i}" for i, key in enumerate(keys, 1)}
    employee_key = st.selectbox(
        "Demo mode: you are", options=keys, format_func=ordinal.get, key="demo_employee"
    )
    return employee_key, team_id


def warehouse_caption(wh: data.Warehouse) -> None:
    built = datetime.fromtimestamp(wh.version.mtime_ns / 1e9).strftime("%Y-%m-%d %H:%M")
    st.sidebar.caption(f"Warehouse `{wh.path.name}` · built {built}")


# ---- the privacy gate ------------------------------------------------------------------------


def _current() -> PageContext:
    ctx: PageContext | None = st.session_state.get(CONTEXT_KEY)
    if ctx is None:
        raise RuntimeError("no page context: open Mileage through app.py")
    return ctx


def scrub_identities(wh: data.Warehouse) -> pd.DataFrame | None:
    """Identity values to scrub from free text (read server-side, never shown)."""
    if not wh.has_table("restricted.employee_identities"):
        return None
    return data.identity_values(wh)


def gate(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    """`frame` through privacy.gate with the declaration `data.FIGURES[name]`."""
    ctx = _current()
    figures = data.FIGURES[name]
    identities = scrub_identities(ctx.wh) if figures.text else None
    return privacy.gate(frame, ctx.viewer, figures, identities)


def own_rows(frame: pd.DataFrame, text: tuple[str, ...] = ()) -> pd.DataFrame:
    """Rows about the viewer alone (or, for HR, about people): free text scrubbed."""
    ctx = _current()
    rows = privacy.visible_people(frame, ctx.viewer)
    identities = scrub_identities(ctx.wh) if text and not ctx.viewer.role.sees_names else None
    return privacy.mark_own(rows, ctx.viewer, identities, text)


def figure(value, people) -> object:
    """A headline figure resting on `people` people, or None when the viewer may not see it."""
    return privacy.gate_value(value, people, _current().viewer)


# ---- display helpers -------------------------------------------------------------------------


# Names listed in a sentence before the rest are left to the table ("and 40 more").
LIST_LIMIT = 5


def metric(change: MetricChange, *, help: str | None = None, suffix: str = "") -> None:
    colour = {True: "normal", False: "inverse", None: "off"}[change.higher_is_better]
    st.metric(
        change.label + suffix,
        fmt_metric(change.key, change.value),
        delta=fmt_delta(change),
        delta_color=colour,
        help=help,
    )


def download_csv(frame: pd.DataFrame, filename: str, label: str = "Download CSV") -> None:
    st.download_button(
        label,
        frame.to_csv(index=False).encode("utf-8"),
        file_name=filename,
        mime="text/csv",
        key=f"download-{filename}",
        icon=":material/download:",
    )


def table(
    frame: pd.DataFrame,
    filename: str,
    *,
    column_config: dict | None = None,
    height: int | str = "auto",
) -> None:
    """A table with its CSV download underneath. Columns without a given configuration get a
    readable label, and dates are shown as dates. A role without person-level access sees
    only frames that passed the privacy gate (`gate`, `own_rows`)."""
    ctx: PageContext | None = st.session_state.get(CONTEXT_KEY)
    if ctx is not None and not ctx.viewer.role.person_level and not privacy.is_gated(frame):
        raise RuntimeError(
            f"{filename}: this table did not pass the privacy gate; declare its figures in "
            "mileage.app.data.FIGURES and show it through ui.gate"
        )
    column_config = {**default_column_config(frame), **(column_config or {})}
    st.dataframe(
        frame, hide_index=True, column_config=column_config, height=height, placeholder="–"
    )
    download_csv(frame, filename)


def trend_grid(frame: pd.DataFrame, metrics: list[str], columns: int = 2) -> None:
    """Monthly trend charts of several metrics, laid out in a grid."""
    from mileage.app import charts

    for start in range(0, len(metrics), columns):
        for column, metric in zip(
            st.columns(columns), metrics[start : start + columns], strict=False
        ):
            with column:
                st.altair_chart(charts.trend(frame, metric), width="stretch")


def default_column_config(frame: pd.DataFrame) -> dict:
    config: dict = {}
    from mileage.app import labels

    for column in frame.columns:
        label = labels.label(str(column))
        if pd.api.types.is_datetime64_any_dtype(frame[column]):
            values = frame[column].dropna()
            is_date = values.empty or bool((values == values.dt.normalize()).all())
            fmt = "MMM YYYY" if str(column) == "month_start" else None
            config[column] = (
                st.column_config.DateColumn(label, format=fmt or "YYYY-MM-DD")
                if is_date
                else st.column_config.DatetimeColumn(label, format="YYYY-MM-DD HH:mm")
            )
        elif pd.api.types.is_bool_dtype(frame[column]):
            config[column] = st.column_config.CheckboxColumn(label)
        elif pd.api.types.is_numeric_dtype(frame[column]):
            config[column] = st.column_config.NumberColumn(
                label, format=_number_format(column, frame)
            )
        else:
            config[column] = label
    return config


def _number_format(column: str, frame: pd.DataFrame) -> str | None:
    from mileage.app import labels

    name = str(column)
    if name in labels.COUNT_COLUMNS:
        return "%d"  # a headcount is 12, not 12.00 (a suppressed count makes the column float)
    if name in labels.FIGURES and labels.FIGURES[name].scale == 1.0:
        return labels.FIGURES[name].column
    if name.endswith("_usd"):
        return "dollar"
    if name.endswith(("_share", "_rate", "utilisation", "attainment", "_growth")):
        return "percent"
    if "tokens" in name:
        return "compact"
    if pd.api.types.is_float_dtype(frame[column]):
        return "%.2f"
    return None


def later_table(wh: data.Warehouse, name: str, what: str) -> pd.DataFrame | None:
    """A later mart, or an info box saying it is not built yet."""
    try:
        return data.later_table(wh, name)
    except data.TableMissing as missing:
        st.info(f"{what} not built yet (`{missing.table}` is not in this warehouse).")
        return None


def last_usage_day(wh: data.Warehouse):
    """The last day with usage data (None without usage), for marking partial months."""
    if not wh.has_table("marts.fct_ai_usage_daily"):
        return None
    window = data.usage_window(wh)
    return None if window.empty else window.at[0, "last_day"]


def month_label(month) -> str:
    return pd.Timestamp(month).strftime("%B %Y")


def month_picker(months, key: str, label: str = "Month", last_day=None) -> pd.Timestamp:
    """Newest month first; with `last_day` (the last day of data), a month the data ends
    inside is marked "(partial)" and the newest complete month is the default."""
    months = sorted({pd.Timestamp(m) for m in months}, reverse=True)
    index = default_month_index(months, last_day)

    def label_of(month: pd.Timestamp) -> str:
        partial = last_day is not None and not is_complete_month(month, last_day)
        return month_label(month) + (" (partial)" if partial else "")

    return st.selectbox(label, months, index=index, format_func=label_of, key=key)
