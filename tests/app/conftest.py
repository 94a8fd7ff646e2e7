"""Fixtures for the app's tests: hand-made warehouses (see app_warehouse.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from app_warehouse import Fixture, build_warehouse
from mileage.app.serve import CHROMIUM, CHROMIUM_ARGS


@pytest.fixture(scope="session")
def small_warehouse(tmp_path_factory) -> Fixture:
    """The core marts only: the later marts (audit, leaderboard, incentives) are absent."""
    return build_warehouse(tmp_path_factory.mktemp("app-wh") / "core.duckdb")


@pytest.fixture(scope="session")
def full_warehouse(tmp_path_factory) -> Fixture:
    """The core marts plus the later marts."""
    return build_warehouse(tmp_path_factory.mktemp("app-wh-full") / "full.duckdb", later=True)


@pytest.fixture
def serve(monkeypatch):
    """Point the app at a fixture warehouse: `serve(fixture)`."""
    from mileage.app import data

    def _serve(fixture: Fixture, **env: str) -> Fixture:
        monkeypatch.setenv("MILEAGE_WAREHOUSE", str(fixture.path))
        # fixture warehouses are not the demo's: without [auth] the app serves them only in
        # explicit demo mode (`mileage app --demo`)
        monkeypatch.setenv("MILEAGE_DEMO_MODE", "1")
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        return fixture

    yield _serve
    data.forget_all()


# ---- the real browser (tests marked `browser`) --------------------------------------------------


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run ./scripts/install-browser.sh (make test does)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=list(CHROMIUM_ARGS))
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def context(browser):
    """One browser context for the module: Streamlit's scripts are fetched once."""
    context = browser.new_context(viewport={"width": 1400, "height": 2200})
    yield context
    context.close()


@pytest.fixture
def page(context):
    page = context.new_page()
    yield page
    page.close()
