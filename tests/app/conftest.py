"""Fixtures for the app's tests: hand-made warehouses (see app_warehouse.py)."""

from __future__ import annotations

import pytest

from app_warehouse import Fixture, build_warehouse


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
