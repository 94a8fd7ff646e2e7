"""The Incentive lab page under AppTest: edit parameters with widgets, recompute, validate.

Expected figures come from mileage.incentives called here with the same parameters (and, for
the outcome threshold, from the fixture's roadmap by hand), not from the page's code.
"""

from __future__ import annotations

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest
from test_app_lab import file_dict, make_lab_warehouse, marts_table

from app_warehouse import APP, ROADMAP, TEAMS
from mileage.app import lab
from mileage.app.metrics import fmt_usd
from mileage.incentives import build_facts, evaluate, load_marts, load_schemes, stress_test

SCHEMES = load_schemes()
LABELS = {name: scheme.label for name, scheme in SCHEMES.items()}
RECOMPUTE = "FormSubmitter:lab_editor-Recompute"
UNBUILT = "token_budget"  # left out of this warehouse's marts on purpose


@pytest.fixture(scope="module")
def lab_wh(full_warehouse, tmp_path_factory):
    return make_lab_warehouse(
        full_warehouse, tmp_path_factory.mktemp("lab-page") / "lab.duckdb", (UNBUILT,)
    )


@pytest.fixture(scope="module")
def facts(lab_wh):
    return build_facts(load_marts(lab_wh.path))


def open_lab(serve, fixture) -> AppTest:
    serve(fixture)
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["demo_role"] = "hr"
    at.run()
    at.switch_page("app_pages/incentive_lab.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def recompute(at: AppTest, **values) -> AppTest:
    """Set widgets (by key) and press Recompute in the same run, as a browser's form does."""
    for key, value in values.items():
        widget = (
            at.slider(key=key)
            if key == lab.widget_key("gaming", "share")
            else (at.number_input(key=key))
        )
        widget.set_value(value)
    at.button(key=RECOMPUTE).click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def totals_shown(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def comparison_of(at: AppTest) -> pd.DataFrame:
    return next(df.value for df in at.dataframe if "total_cost_usd" in df.value.columns)


# The page names tactics for people (issue 25), not by their identifiers.
TACTIC_NAMES = {
    "tokens_x10": "Burn 10x the tokens",
    "pr_split": "Split every PR in five",
    "always_on": "Leave an agent running",
}


def named(stress):
    return stress.assign(tactic=stress["tactic"].map(TACTIC_NAMES))


def stress_of(at: AppTest) -> pd.DataFrame:
    return next(df.value for df in at.dataframe if "tactic" in df.value.columns)


def test_default_view_is_the_built_marts(serve, lab_wh):
    at = open_lab(serve, lab_wh)
    built = marts_table(lab_wh, "fct_scheme_comparison")
    assert at.multiselect(key="lab_schemes").value == sorted(built.scheme)
    assert LABELS[UNBUILT] in at.multiselect(key="lab_schemes").options  # offered, not chosen
    shown = comparison_of(at).set_index("scheme")
    assert shown.total_cost_usd.to_dict() == built.set_index("scheme").total_cost_usd.to_dict()
    assert "edited" not in shown.columns
    assert any("last build" in c.value for c in at.caption)
    assert not at.success  # nothing recomputed
    assert totals_shown(at)[LABELS["outcome_threshold"]] == fmt_usd(
        built.set_index("scheme").total_cost_usd["outcome_threshold"]
    )
    # one expander of widgets per selected scheme, keyed lab-<scheme>-<parameter>
    assert at.number_input(key="lab-outcome_threshold-pool.per_head_usd").value == 3000
    assert at.number_input(key="lab-raised_goals-rule.points.1.0").value == 1.0
    assert len(at.get("download_button")) >= 3


def test_edit_a_parameter_and_recompute(serve, lab_wh, facts):
    at = open_lab(serve, lab_wh)
    at = recompute(
        at,
        **{
            "lab-outcome_threshold-pool.per_head_usd": 4500.0,
            "lab-outcome_threshold-rule.tiers.0.multiplier": 1.2,
        },
    )

    edited = lab.apply_values(
        file_dict("outcome_threshold"), {"pool.per_head_usd": 4500, "rule.tiers.0.multiplier": 1.2}
    )
    expected = evaluate(edited, facts).payout_usd.sum()
    # by hand: Search (6), Tiny Tools (3) and Platform (5) reach the first tier (score >= 1.25)
    sizes = {team: size for team, _n, _o, size in TEAMS}
    tier = [t for t, (_i, planned, done) in ROADMAP.items() if 1.25 <= done / planned / 0.7 < 1.4]
    assert expected == pytest.approx(1.2 * 4500 * sum(sizes[t] for t in tier))

    comparison = comparison_of(at).set_index("scheme")
    assert comparison.loc["outcome_threshold", "total_cost_usd"] == pytest.approx(expected)
    assert bool(comparison.loc["outcome_threshold", "edited"])
    assert "pool.per_head_usd: 3000 -> 4500" in comparison.loc["outcome_threshold", "changes"]
    assert not comparison.drop(index="outcome_threshold").edited.any()
    built = marts_table(lab_wh, "fct_scheme_comparison").set_index("scheme")
    metric = next(m for m in at.metric if m.label.endswith(LABELS["outcome_threshold"]))
    assert metric.value == fmt_usd(expected)
    diff = expected - built.loc["outcome_threshold", "total_cost_usd"]
    assert metric.delta == "+" + fmt_usd(diff) + " vs the file"
    assert "Outcome threshold (Axon-style) (edited)" in at.success[0].value

    # the stress test of the edited scheme, as mileage.incentives gives it
    stress = stress_of(at)
    mine = stress[stress.scheme == "outcome_threshold"].set_index("tactic")
    expected_stress = named(stress_test([edited], facts, share=0.1, seed=7)).set_index("tactic")
    assert mine.gamers_gain_usd.to_dict() == pytest.approx(
        expected_stress.gamers_gain_usd.to_dict()
    )
    assert mine.baseline_total_usd.to_dict() == pytest.approx({t: expected for t in mine.index})

    payouts = next(df.value for df in at.dataframe if "payout_usd" in df.value.columns)
    assert list(payouts.columns[:3]) == ["person", "full_name", "email"]
    ours = payouts[payouts.scheme == "outcome_threshold"]
    assert ours.payout_usd.sum() == pytest.approx(expected)
    assert len(at.get("download_button")) >= 3
    charts = at.get("vega_lite_chart")
    assert len(charts) >= 4  # cost, flagged share, payouts by period, stress


def test_invalid_value_shows_an_error_and_keeps_the_built_figures(serve, lab_wh):
    at = open_lab(serve, lab_wh)
    before = totals_shown(at)
    at = recompute(at, **{"lab-outcome_threshold-target": 0.0})
    errors = [e.value for e in at.error]
    assert any("`target`" in e and "must be greater than 0" in e for e in errors), errors
    assert any("not valid" in e.label for e in at.expander)
    assert any(LABELS["outcome_threshold"] in w.value for w in at.warning)
    assert totals_shown(at) == before  # nothing recomputed, nothing crashed

    # a cross-field mistake the widget bounds cannot prevent
    at = recompute(
        at, **{"lab-outcome_threshold-target": 0.7, "lab-outcome_threshold-rule.tiers.0.at": 1.1}
    )
    errors = [e.value for e in at.error]
    assert any("rule.tiers[0].at" in e and "must lie above at_least" in e for e in errors)

    at.button(key="lab_reset").click().run()
    assert not at.error and not at.warning
    assert at.number_input(key="lab-outcome_threshold-rule.tiers.0.at").value == 1.25


def test_unbuilt_scheme_and_gaming_share_are_recomputed(serve, lab_wh, facts):
    at = open_lab(serve, lab_wh)
    at.multiselect(key="lab_schemes").set_value(["token_leaderboard", UNBUILT]).run()
    assert not at.exception
    expected = evaluate(SCHEMES[UNBUILT], facts).payout_usd.sum()
    comparison = comparison_of(at).set_index("scheme")
    assert list(comparison.index) == ["token_leaderboard", UNBUILT]
    assert comparison.loc[UNBUILT, "total_cost_usd"] == pytest.approx(expected)
    assert totals_shown(at)[LABELS[UNBUILT]] == fmt_usd(expected)
    assert "Token budget" in at.success[0].value

    at = recompute(at, **{lab.widget_key("gaming", "share"): 20})
    stress = stress_of(at)
    assert set(stress.share_gamed) == {0.2}
    expected_stress = named(stress_test([SCHEMES["token_leaderboard"]], facts, share=0.2, seed=7))
    mine = stress[stress.scheme == "token_leaderboard"].set_index("tactic").gamers_gain_usd
    assert mine.to_dict() == pytest.approx(
        expected_stress.set_index("tactic").gamers_gain_usd.to_dict()
    )


def test_without_the_lab_inputs_editing_is_explained(serve, full_warehouse):
    at = open_lab(serve, full_warehouse)
    at.multiselect(key="lab_schemes").set_value(["outcome", "outcome_threshold"]).run()
    assert not at.exception
    assert any("intermediate.int_employee_assignments" in i.value for i in at.info)
    assert not at.number_input  # no editor without the inputs
    assert comparison_of(at).scheme.tolist() == ["outcome"]
