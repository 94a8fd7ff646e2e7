"""Mileage: the Streamlit app. A thin router; the pages live in app_pages/.

Serves the warehouse named by $MILEAGE_WAREHOUSE (default: the demo's), read-only.
Run with `mileage app` or `streamlit run app.py`.
"""

import streamlit as st

from mileage import config
from mileage.app import data, ui

st.set_page_config(page_title="Mileage", page_icon=":material/speed:", layout="wide")

PAGES = {
    "overview": st.Page(
        "app_pages/overview.py", title="Overview", icon=":material/monitoring:", default=True
    ),
    "teams": st.Page(
        "app_pages/teams.py", title="Teams", icon=":material/groups:", url_path="teams"
    ),
    "audit": st.Page(
        "app_pages/audit.py", title="Audit", icon=":material/policy:", url_path="audit"
    ),
    "leaderboard": st.Page(
        "app_pages/leaderboard.py",
        title="Leaderboard replay",
        icon=":material/leaderboard:",
        url_path="leaderboard",
    ),
    "incentive_lab": st.Page(
        "app_pages/incentive_lab.py",
        title="Incentive lab",
        icon=":material/science:",
        url_path="incentive-lab",
    ),
    "cost_calculator": st.Page(
        "app_pages/cost_calculator.py",
        title="Cost calculator",
        icon=":material/calculate:",
        url_path="cost-calculator",
    ),
    "data_quality": st.Page(
        "app_pages/data_quality.py",
        title="Data quality",
        icon=":material/fact_check:",
        url_path="data-quality",
    ),
}
SECTIONS = {
    "Outcomes": ("overview", "teams"),
    "Scrutiny": ("audit", "leaderboard", "incentive_lab"),
    "Tools": ("cost_calculator", "data_quality"),
}

warehouse_path = config.warehouse_path()
try:
    min_group_size = config.min_group_size()
except ValueError as exc:
    st.error(str(exc))
    st.stop()

wh = ui.open_or_explain(warehouse_path)
viewer = ui.resolve_viewer(wh, min_group_size)
ui.set_context(ui.PageContext(wh=wh, viewer=viewer))
ui.warehouse_caption(wh)
if not ui.auth_configured():  # resolve_viewer allowed demo mode: say so on every page
    st.markdown(ui.DEMO_BANNER)

navigation = {
    section: [PAGES[key] for key in keys if viewer.may_open(key)]
    for section, keys in SECTIONS.items()
}
page = st.navigation({s: pages for s, pages in navigation.items() if pages})
try:
    page.run()
except data.TableMissing as missing:  # a mart this page needs has not been built yet
    st.info(f"This page needs `{missing.table}`, which is not in this warehouse yet.")
