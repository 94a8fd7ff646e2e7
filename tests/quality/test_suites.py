"""The committed suites: what runs is what the Python definitions generate, and it is well formed."""

from __future__ import annotations

import json
import re

import pytest

from mileage.quality.assets import ASSETS, MART_ASSETS, STAGES
from mileage.quality.gate import expectations_dir, load_thresholds
from mileage.quality.suites import COLUMNS, build_suites

RUN_TIME_PARAMETERS = {"now", "not_before", "not_after", "earliest_date"}


def _committed() -> dict[str, dict]:
    return {
        p.name.removesuffix(".json"): json.loads(p.read_text())
        for p in sorted(expectations_dir().glob("*.json"))
    }


def test_committed_json_is_exactly_what_the_definitions_generate():
    generated = build_suites()
    committed = _committed()
    assert sorted(committed) == sorted(generated), "run `python -m mileage.quality.suites`"
    for name, suite in generated.items():
        assert committed[name] == json.loads(json.dumps(suite)), (
            f"{name}.json is stale: run `python -m mileage.quality.suites`"
        )


def test_one_suite_per_asset_named_asset_dot_stage():
    committed = _committed()
    assert {a.suite_name for a in ASSETS} == set(committed)
    for asset in ASSETS:
        suite = committed[asset.suite_name]
        assert suite["name"] == f"{asset.name}.{asset.stage}"
        assert asset.stage in STAGES
        assert suite["meta"]["asset"] == asset.name
        assert suite["expectations"], asset.suite_name


def test_every_expectation_has_a_severity_in_its_meta():
    for name, suite in _committed().items():
        for expectation in suite["expectations"]:
            assert expectation["meta"]["severity"] in {"critical", "warning"}, (name, expectation)
            assert expectation["meta"]["check"], (name, expectation)


def test_parameters_are_thresholds_or_run_time_values():
    parameters, settings = load_thresholds()
    referenced = set()
    for suite in _committed().values():
        referenced |= set(re.findall(r'"\$PARAMETER": "([^"]+)"', json.dumps(suite)))
    assert referenced <= set(parameters) | RUN_TIME_PARAMETERS
    # every threshold is used by some suite, and numbers stay numbers
    assert set(parameters) <= referenced
    assert parameters["max_month_over_month_ratio"] < 10, "a 10x jump must fail"
    assert all(isinstance(v, int | float) for v in parameters.values())
    assert isinstance(settings["mom_min_previous_month_tokens"], int)


def test_every_public_mart_and_its_contract_columns_are_covered():
    for asset in MART_ASSETS:
        suite = _committed()[asset.suite_name]
        [columns] = [
            e["kwargs"]["column_set"]
            for e in suite["expectations"]
            if e["type"] == "expect_table_columns_to_match_set"
        ]
        assert columns == list(COLUMNS[asset.name])
        assert set(asset.key) <= set(columns), asset.name


@pytest.mark.parametrize("name", sorted(a.suite_name for a in ASSETS))
def test_great_expectations_loads_each_suite(name):
    import os

    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations as gx

    data = _committed()[name]
    suite = gx.ExpectationSuite(
        name=data["name"], expectations=data["expectations"], meta=data["meta"]
    )
    assert len(suite.expectations) == len(data["expectations"])
    assert {e.meta["severity"] for e in suite.expectations} <= {"critical", "warning"}
