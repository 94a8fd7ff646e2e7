"""The app in a real browser: Debian's chromium driven by Playwright against `streamlit run`.

The server runs on a free local port with the hand-made warehouse, is polled on
/_stcore/health, and is stopped by its PID. Screenshots go to artifacts/screenshots/
(git-ignored); first-render and filter-change timings to artifacts/screenshots/timings.json.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from app_warehouse import DEMO_TIER_NAMES, PROJECT_DIR, build_warehouse
from mileage.app.serve import free_port, streamlit_command

pytestmark = pytest.mark.browser

SCREENSHOTS = PROJECT_DIR / "artifacts" / "screenshots"
IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'
PAGES = {  # url path -> page title
    "": "Overview",
    "teams": "Teams",
    "audit": "Audit",
    "leaderboard": "Leaderboard replay",
    "cost-calculator": "Cost calculator",
    "data-quality": "Data quality",
}
timings: dict[str, float] = {}


def port_is_free(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


@contextmanager
def streamlit_server(warehouse: Path, log_dir: Path) -> Iterator[str]:
    """`streamlit run` on a free local port in demo mode, serving `warehouse`: yields its URL,
    stops it by its PID."""
    port = free_port()
    assert port_is_free(port)
    log_path = log_dir / "streamlit.log"
    env = {**os.environ, "MILEAGE_WAREHOUSE": str(warehouse), "MILEAGE_DEMO_MODE": "1"}
    env.pop("MILEAGE_MIN_GROUP_SIZE", None)
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            streamlit_command(port, address="127.0.0.1"),
            cwd=PROJECT_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                pytest.fail(f"streamlit exited ({proc.returncode}):\n{log_path.read_text()}")
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                    if response.read().strip() == b"ok":
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"streamlit did not become healthy:\n{log_path.read_text()}")
            time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    fixture = build_warehouse(
        tmp_path_factory.mktemp("browser-wh") / "wh.duckdb", later=True, tier_names=DEMO_TIER_NAMES
    )
    with streamlit_server(fixture.path, tmp_path_factory.mktemp("browser-log")) as url:
        yield url
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    (SCREENSHOTS / "timings.json").write_text(json.dumps(timings, indent=2) + "\n")


def open_page(page, url: str) -> float:
    start = time.monotonic()
    page.goto(url)
    page.wait_for_selector(IDLE, timeout=30_000)
    return time.monotonic() - start


def shoot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.wait_for_timeout(250)  # let charts finish drawing
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


def assert_no_exception(page) -> None:
    assert page.locator('[data-testid="stException"]').count() == 0


def choose(page, label: str, option: str) -> None:
    """Pick an option in the selectbox labelled `label`."""
    page.get_by_role("combobox", name=label, exact=True).first.click()
    page.get_by_role("option", name=option, exact=True).first.click()


def test_every_page_loads(server, page):
    timings["first render /"] = round(open_page(page, f"{server}/"), 2)
    assert page.get_by_text("Demo mode", exact=True).first.is_visible()
    assert page.get_by_role("link", name="Incentive lab").count() == 0  # not for leadership
    for path, title in PAGES.items():
        start = time.monotonic()
        page.get_by_role("link", name=title, exact=True).first.click()
        page.get_by_role("heading", name=title, exact=True).first.wait_for(timeout=30_000)
        page.wait_for_selector(IDLE, timeout=30_000)
        timings[f"page switch to /{path}"] = round(time.monotonic() - start, 2)
        assert page.url.rstrip("/") == f"{server}/{path}".rstrip("/")
        assert_no_exception(page)
        shoot(page, f"leadership-{path or 'overview'}")
        # demo mode on a fixture warehouse: the banner is on every page (issue 24)
        assert page.get_by_text("nobody signs in and anyone can pick any role").count() == 1


def test_month_filter_changes_the_teams_page(server, page):
    open_page(page, f"{server}/teams")
    page.get_by_text("Value per token, March 2026").wait_for()
    assert page.get_by_text("fewer than 5 people").first.is_visible()
    start = time.monotonic()
    choose(page, "Month", "February 2026")
    page.get_by_text("Value per token, February 2026").wait_for(timeout=30_000)
    page.wait_for_selector(IDLE)
    timings["filter change (Teams month)"] = round(time.monotonic() - start, 2)
    assert_no_exception(page)
    shoot(page, "leadership-teams-february")


def test_cost_calculator_shows_the_published_estimate(server, page):
    open_page(page, f"{server}/cost-calculator")
    metric = page.locator('[data-testid="stMetric"]').filter(has_text="Cost per trillion tokens")
    assert metric.locator('[data-testid="stMetricValue"]').inner_text() == "$5.55M"
    delta = metric.locator('[data-testid="stMetricDelta"]').inner_text()
    assert delta.strip() == "+0.8% vs the published $5.5M"


def test_hr_role_opens_the_incentive_lab(server, page):
    open_page(page, f"{server}/")
    choose(page, "Demo mode: view as", "HR")
    page.get_by_role("link", name="Incentive lab").wait_for(timeout=30_000)
    page.get_by_role("link", name="Incentive lab").click()
    page.get_by_text("Schemes compared").wait_for(timeout=30_000)
    page.wait_for_selector(IDLE)
    assert_no_exception(page)
    shoot(page, "hr-incentive-lab")


# Every Vega chart on the page as drawn: its title, the size of its plot area (the root frame's
# background) and how many data marks it drew. Vega draws data marks as graphics-symbol
# elements; axes, titles and legends are left out.
CHARTS_AS_DRAWN = """() => Array.from(document.querySelectorAll('[data-testid="stVegaLiteChart"]'))
  .map((chart) => {
    const svg = chart.querySelector('svg.marks');
    if (!svg) return {title: chart.innerText.slice(0, 60), renderer: 'not svg'};
    const frame = svg.querySelector('.role-frame.root > g > path.background');
    const box = frame ? frame.getBBox() : {width: 0, height: 0};
    const marks = Array.from(svg.querySelectorAll('[role="graphics-symbol"]')).filter((el) =>
      !el.closest('.role-axis, .role-title, .role-legend, .role-axis-title'));
    const title = svg.querySelector('.role-title-text text');
    return {title: title ? title.textContent : chart.innerText.slice(0, 60),
            width: box.width, height: box.height, marks: marks.length};
  })"""
# A plot smaller than this draws nothing a reader can see (the empty tier chart had 0 px).
MIN_PLOT_PX = 40
ROLE_PAGES = {  # role -> page titles to visit (HR adds the people-level incentive lab)
    "Leadership": list(PAGES.values()),
    "HR": ["Leaderboard replay", "Incentive lab", "Teams"],
}


def charts_without_marks(page) -> list[str]:
    for summary in page.locator('[data-testid="stExpander"] summary').all():
        summary.click()  # charts in collapsed expanders are not drawn at their size
    page.wait_for_selector(IDLE)
    page.wait_for_timeout(500)
    problems = []
    for chart in page.evaluate(CHARTS_AS_DRAWN):
        if chart.get("renderer"):
            problems.append(f"{chart['title']!r} is not drawn as SVG, so it cannot be checked")
        elif chart["marks"] == 0 or min(chart["width"], chart["height"]) < MIN_PLOT_PX:
            problems.append(
                f"{chart['title']!r}: {chart['marks']} marks in a "
                f"{chart['width']:.0f}x{chart['height']:.0f} px plot"
            )
    return problems


def test_every_chart_on_every_page_has_marks(server, page):
    """Issue 25: the Leaderboard's tier chart showed titles and tier names and no bars."""
    open_page(page, f"{server}/")
    problems, seen = [], 0
    for role, titles in ROLE_PAGES.items():
        if role != "Leadership":
            choose(page, "Demo mode: view as", role)
            page.wait_for_selector(IDLE)
        for title in titles:
            page.get_by_role("link", name=title, exact=True).first.click()
            page.get_by_role("heading", name=title, exact=True).first.wait_for(timeout=30_000)
            page.wait_for_selector(IDLE, timeout=30_000)
            assert_no_exception(page)
            seen += len(page.evaluate(CHARTS_AS_DRAWN))
            problems += [f"{role}, {title}: {p}" for p in charts_without_marks(page)]
    assert seen >= 10, f"only {seen} charts found: is the selector still right?"
    assert not problems, "charts drawn without marks:\n" + "\n".join(problems)


TOUR = PROJECT_DIR / "docs" / "tour"
TOUR_PAGES = {  # file name -> (role, page title), as README's tour shows them
    "overview": ("Leadership", "Overview"),
    "teams": ("Leadership", "Teams"),
    "audit": ("Leadership", "Audit"),
    "leaderboard": ("Leadership", "Leaderboard replay"),
    "cost-calculator": ("Leadership", "Cost calculator"),
    "data-quality": ("Leadership", "Data quality"),
    "incentive-lab": ("HR", "Incentive lab"),
}
TOUR_MAX_BYTES = 400_000


@pytest.mark.slow  # refreshes the README tour's screenshots (docs/tour/)
def test_tour_screenshots(server, browser):
    """README's tour: one screenshot per page, refreshed by this test (docs/tour/)."""
    context = browser.new_context(viewport={"width": 1280, "height": 1500})
    page = context.new_page()
    try:
        open_page(page, f"{server}/")
        TOUR.mkdir(parents=True, exist_ok=True)
        role = "Leadership"
        for name, (wanted, title) in TOUR_PAGES.items():
            if wanted != role:
                choose(page, "Demo mode: view as", wanted)
                page.wait_for_selector(IDLE)
                role = wanted
            page.get_by_role("link", name=title, exact=True).first.click()
            page.get_by_role("heading", name=title, exact=True).first.wait_for(timeout=30_000)
            page.wait_for_selector(IDLE, timeout=30_000)
            assert_no_exception(page)
            page.wait_for_timeout(500)
            path = TOUR / f"{name}.png"
            page.screenshot(path=str(path))
            assert path.stat().st_size < TOUR_MAX_BYTES, f"{path} is too large for the README"
    finally:
        context.close()
