"""The app on the warehouse the real pipeline builds (tests/conftest.py `pipeline_warehouse`)."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from app_warehouse import APP
from mileage.app import data

PAGES = (
    "overview",
    "teams",
    "audit",
    "leaderboard",
    "incentive_lab",
    "cost_calculator",
    "data_quality",
)


@pytest.mark.parametrize("role", ["hr", "leadership"])
def test_every_page_renders_on_the_pipeline_warehouse(pipeline_warehouse, monkeypatch, role):
    monkeypatch.setenv("MILEAGE_WAREHOUSE", str(pipeline_warehouse))
    monkeypatch.setenv("MILEAGE_DEMO_MODE", "1")  # not the demo's warehouse, no [auth]
    data.forget_all()
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["demo_role"] = role
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    for page in PAGES:
        if role != "hr" and page == "incentive_lab":
            continue
        at.switch_page(f"app_pages/{page}.py").run()
        assert not at.exception, (page, [e.value for e in at.exception])
        assert at.title[0].value, page
    data.forget_all()
