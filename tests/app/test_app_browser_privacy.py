"""Issue 24, item 2 in a real browser: the privacy walk's checks on what Chromium shows.

One `streamlit run` (test_app_browser.streamlit_server) serves the walk's all-small
organisation (five people in teams of 3 and 2, leaderboard tiers of 1, 2 and 2). One browser
session picks each role in the demo sidebar as a user would and opens pages through the
navigation: leadership Teams and Leaderboard replay, an engineer's Teams and Data quality, HR's
Audit. On each, test_app_privacy_walk.check_content runs on:

- the text: `stMain`'s rendered text (what the walk reads from AppTest's main area) plus every
  cell of each table's accessible grid (`st.dataframe` paints on a canvas; glide-data-grid also
  renders the visible rows as an ARIA table, with the values as displayed);
- the tables: each table's own "Download as CSV" toolbar button (every row, unformatted), read
  back with pandas, so the walk's row checks (small groups blank, an engineer's team only) run
  on exactly what a user can take away.

Positive controls: HR's Audit page names people, and the same check as leadership fails on it;
the engineer's own monthly tokens (a one-person figure the walk forbids to anyone else) are
read off the engineer's Teams page.
"""

from __future__ import annotations

import io

import pandas as pd
import pytest

from app_warehouse import ALL_SMALL_TEAMS, ALL_SMALL_TIERS
from mileage.app.privacy import ROLES
from test_app_browser import IDLE, assert_no_exception, choose, open_page, streamlit_server
from test_app_privacy_walk import Org, _org, check_content, leaked, table_numbers, text_numbers

# ~1 min in a real browser: the slow lane (make test-slow, which CI runs); the AppTest walk over
# every role, page and option (test_app_privacy_walk.py) stays in the fast lane
pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def org(tmp_path_factory) -> Org:
    path = tmp_path_factory.mktemp("browser-walk") / "all_small.duckdb"
    return _org(path, teams=ALL_SMALL_TEAMS, tiers=ALL_SMALL_TIERS)


@pytest.fixture(scope="module")
def url(org, tmp_path_factory):
    with streamlit_server(org.fixture.path, tmp_path_factory.mktemp("browser-walk-log")) as url:
        yield url


def settle(page) -> None:
    """Wait for the rerun a click started to finish."""
    page.wait_for_timeout(300)
    page.wait_for_selector(IDLE, timeout=30_000)


def go_to(page, title: str) -> None:
    page.get_by_role("link", name=title, exact=True).first.click()
    page.get_by_role("heading", name=title, exact=True).first.wait_for(timeout=30_000)
    settle(page)
    assert_no_exception(page)


def pick_role(page, role: str) -> None:
    choose(page, "Demo mode: view as", ROLES[role].label)
    page.get_by_text(ROLES[role].description, exact=True).wait_for(timeout=30_000)
    settle(page)


def download(page, table) -> pd.DataFrame:
    table.scroll_into_view_if_needed()
    table.hover()
    button = table.get_by_role("button", name="Download as CSV")
    button.wait_for(state="attached")
    with page.expect_download() as pending:
        # the toolbar fades in over the grid, which can take the pointer for a moment: a DOM
        # click on the button itself is what a user's click ends up as
        button.dispatch_event("click")
    with open(pending.value.path(), encoding="utf-8-sig") as csv:
        return pd.read_csv(io.StringIO(csv.read()))


def screen(page) -> tuple[list[str], list[pd.DataFrame]]:
    texts = [page.locator('[data-testid="stMain"]').inner_text()]
    tables = []
    for table in page.locator('[data-testid="stDataFrame"]').all():
        texts.append("\n".join(table.locator("[role=grid] th, [role=grid] td").all_text_contents()))
        tables.append(download(page, table))
    return texts, tables


def visit(page, org: Org, role: str, title: str, me: str | None, shots) -> tuple[list, list]:
    go_to(page, title)
    texts, tables = screen(page)
    where = f"browser {role}/{title}"
    check_content(texts, tables, org, role, me, where)
    shot = shots / f"{role}-{title.lower().replace(' ', '-')}.png"
    page.screenshot(path=str(shot))
    return texts, tables


def test_privacy_walk_in_the_browser(url, org, context, tmp_path):
    # the toolbar's CSV button saves through the File System Access API where the browser has
    # one, which Playwright cannot see; without it Streamlit falls back to a plain download
    context.add_init_script("delete window.showSaveFilePicker")
    page = context.new_page()
    fx = org.fixture
    open_page(page, f"{url}/")

    # leadership: the default role of demo mode
    visit(page, org, "leadership", "Teams", None, tmp_path)
    texts, tables = visit(page, org, "leadership", "Leaderboard replay", None, tmp_path)
    # every tier is small: its row is in the CSV, blank (the row check had rows to check) ...
    tiers = next(t for t in tables if "tier" in t.columns)
    assert set(tiers.tier) == {"top", "middle", "bottom"} <= org.small_labels
    # ... while the organisation's rank correlation (all five people) is shown
    summary = fx.later["fct_leaderboard_summary"]
    march = summary.loc[pd.to_datetime(summary.month_start) == "2026-03-01", "rank_correlation"]
    shown = [n for text in texts for n in text_numbers(text)]
    assert any(abs(v - march.iloc[0]) <= tol for v, tol in shown), march

    # an engineer: the first person of the first team in the picker (teams by name, people by
    # key, as the app lists them)
    people = fx.employees[fx.employees.is_active].sort_values(["team_name", "employee_key"])
    me, team = people.employee_key.iloc[0], people.team_name.iloc[0]
    pick_role(page, "engineer")
    choose(page, "Demo mode: your team", team)
    settle(page)
    choose(page, "Demo mode: you are", f"{team} engineer #1")
    settle(page)
    texts, tables = visit(page, org, "engineer", "Teams", me, tmp_path)
    # their own tokens in March: a one-person figure the walk forbids anyone else, read here
    usage = fx.usage[fx.usage.employee_key == me]
    mine = usage[pd.to_datetime(usage.usage_date).dt.month == 3].total_tokens.sum()
    assert leaked(mine, 0.0, org.forbidden) is not None
    assert any(leaked(v, 0.0, [mine]) for v in table_numbers(tables)), mine
    visit(page, org, "engineer", "Data quality", me, tmp_path)

    # HR sees people by name; the same check as for leadership fails on that page
    pick_role(page, "hr")
    texts, tables = visit(page, org, "hr", "Audit", None, tmp_path)
    page.close()
    everything = "\n".join(texts + [t.to_csv() for t in tables])
    assert any(name in everything for name in fx.identities.full_name), "no name on HR's Audit"
    with pytest.raises(AssertionError):
        check_content(texts, tables, org, "leadership", None, "HR's Audit as leadership")
