"""mileage.app.lab: widgets' parameters, edits, validation, in-process evaluation, privacy.

The lab warehouse is the hand-made app fixture plus the roster table the lab reads
(intermediate.int_employee_assignments) and the incentive marts written by
mileage.incentives.write_incentive_marts from the schemes in schemes/.
"""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from app_warehouse import ROADMAP, TEAMS, TINY_TEAM, Fixture
from mileage.app import data, lab
from mileage.app.privacy import make_viewer
from mileage.incentives import (
    build_facts,
    compare,
    evaluate,
    evaluate_all,
    load_marts,
    load_schemes,
    stress_test,
    write_incentive_marts,
)

SCHEMES = load_schemes()


def make_lab_warehouse(
    fixture: Fixture, path: Path, drop_from_marts: tuple[str, ...] = ()
) -> Fixture:
    """A copy of `fixture` with the lab's roster input and real incentive marts."""
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(fixture.path, path)
    roster = fixture.employees.assign(valid_from=fixture.employees.hired_on, valid_to=None)
    con = duckdb.connect(str(path))
    try:
        con.register("roster", roster)
        con.execute("create schema if not exists intermediate")
        con.execute(
            "create table intermediate.int_employee_assignments as select employee_key, "
            "team_id, role, level, salary_usd, cast(valid_from as date) as valid_from, "
            "cast(valid_to as date) as valid_to from roster"
        )
        con.unregister("roster")
    finally:
        con.close()
    write_incentive_marts(path)
    if drop_from_marts:
        con = duckdb.connect(str(path))
        try:
            for table in ("fct_bonus_payouts", "fct_scheme_comparison", "fct_goodhart_stress_test"):
                con.execute(
                    f"delete from marts.{table} where scheme in (select unnest(?))",
                    [list(drop_from_marts)],
                )
        finally:
            con.close()
    return replace(fixture, path=path)


@pytest.fixture(scope="module")
def lab_wh(full_warehouse, tmp_path_factory) -> Fixture:
    return make_lab_warehouse(full_warehouse, tmp_path_factory.mktemp("lab") / "lab.duckdb")


@pytest.fixture(scope="module")
def marts(lab_wh):
    return load_marts(lab_wh.path)


@pytest.fixture(scope="module")
def facts(marts):
    return build_facts(marts)


def file_dict(name: str) -> dict:
    return SCHEMES[name].to_dict()


# ---- parameters and edits --------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(SCHEMES))
def test_every_builtin_scheme_round_trips_through_its_widgets(name):
    original = file_dict(name)
    params = lab.editable_params(original)
    assert len({p.name for p in params}) == len(params)
    assert {p.group for p in params} <= set(lab.GROUPS)
    for p in params:
        if p.value is not None and p.kind != "choice":
            assert p.min_value is None or p.min_value <= p.value
            assert p.max_value is None or p.value <= p.max_value
        if p.kind == "choice":
            assert p.value in p.options
    same = lab.apply_values(original, {p.name: p.value for p in params}, params)
    assert lab.changes(original, same) == []
    scheme, problems = lab.validate(same)
    assert problems == [] and scheme == SCHEMES[name]


def test_widget_keys_name_scheme_and_parameter():
    params = {p.name: p for p in lab.editable_params(file_dict("outcome_threshold"))}
    assert lab.widget_key("outcome_threshold", params["rule.tiers.1.multiplier"]) == (
        "lab-outcome_threshold-rule.tiers.1.multiplier"
    )
    assert {
        "target",
        "rule.at_least",
        "rule.tiers.0.at",
        "gates.0.at_least",
        "pool.per_head_usd",
        "pool.cap_usd",
        "period",
    } <= set(params)
    leaderboard = {p.name: p for p in lab.editable_params(file_dict("token_leaderboard"))}
    assert leaderboard["rule.tiers.0.top_n"].kind == "int"
    assert leaderboard["rule.tiers.1.top_share"].max_value == 1.0
    assert "target" not in leaderboard  # ranks do not move with the goal


def test_apply_values_writes_nested_paths_and_optional_cap():
    original = file_dict("raised_goals")
    edited = lab.apply_values(
        original, {"rule.points.1.0": 1.1, "pool.pct_of_salary": 0.06, "pool.cap_usd": 20000}
    )
    assert edited["rule"]["points"][1] == [1.1, 1.0]
    assert edited["pool"] == {"pct_of_salary": 0.06, "cap_usd": 20000.0}
    assert original["pool"] == {"pct_of_salary": 0.05}  # the file's dict is untouched
    assert lab.apply_values(edited, {"pool.cap_usd": None})["pool"] == {"pct_of_salary": 0.06}
    assert lab.changes(original, edited) == [
        "rule.points.1.0: 1 -> 1.1",
        "pool.pct_of_salary: 0.05 -> 0.06",
        "pool.cap_usd: none -> 20000",
    ]
    board = lab.apply_values(file_dict("token_leaderboard"), {"rule.tiers.0.top_n": 3.0})
    assert board["rule"]["tiers"][0]["top_n"] == 3 and isinstance(
        board["rule"]["tiers"][0]["top_n"], int
    )
    with pytest.raises(KeyError, match="not an editable parameter"):
        lab.apply_values(original, {"metric": "vibes"})


def test_validate_names_the_fields_and_never_raises():
    edited = lab.apply_values(
        file_dict("outcome_threshold"),
        {"target": 0.0, "rule.tiers.0.at": 1.0, "gates.0.at_least": 2},
    )
    scheme, problems = lab.validate(edited)
    assert scheme is None
    assert problems == [
        "target: must be greater than 0, got 0",
        "rule.tiers[0].at: must lie above at_least (1.15), got 1",
    ]  # a gate of 2 is odd but valid
    curve = lab.apply_values(file_dict("raised_goals"), {"rule.points.1.0": 0.7})
    assert lab.validate(curve)[1] == ["rule.points[1]: values must increase; 0.7 follows 0.8"]
    assert lab.validate({"name": "x", "rule": "nonsense"})[0] is None
    assert lab.validate([])[1]  # not even a mapping: still a message, not an exception


# ---- evaluating in-process -------------------------------------------------------------------


def test_per_scheme_results_equal_the_whole_computation(marts, facts):
    flags = marts["fct_gaming_signals"]
    edited = lab.apply_values(file_dict("outcome_threshold"), {"pool.per_head_usd": 4000})
    schemes = {**{n: s.to_dict() for n, s in SCHEMES.items()}, "outcome_threshold": edited}
    results = {
        n: lab.compute_scheme(d, facts, flags, share=0.2, seed=3) for n, d in schemes.items()
    }
    edits = {"outcome_threshold": lab.changes(file_dict("outcome_threshold"), edited)}
    comparison, stress, payouts = lab.combine(
        results, {n: s.label for n, s in SCHEMES.items()}, edits
    )
    whole_payouts = evaluate_all(schemes, facts)
    pd.testing.assert_frame_equal(payouts, whole_payouts)
    whole = compare(whole_payouts, facts, flags)
    pd.testing.assert_frame_equal(comparison.drop(columns=["label", "edited", "changes"]), whole)
    pd.testing.assert_frame_equal(stress, stress_test(schemes, facts, share=0.2, seed=3))
    assert comparison.set_index("scheme").edited.to_dict() == {
        n: n == "outcome_threshold" for n in schemes
    }
    assert comparison.set_index("scheme").loc["outcome_threshold", "changes"] == (
        "pool.per_head_usd: 3000 -> 4000"
    )


def test_outcome_threshold_total_by_hand(facts):
    """Q1 attainment / 0.7 target: Search 29/30, Tiny 9/10 and Platform 24/25 clear 1.25
    (tier 1.5x), Payments and Data do not clear 1.15; everyone uses AI (gate 0.3)."""
    sizes = {team: size for team, _name, _org, size in TEAMS}
    paid = [t for t, (_i, planned, done) in ROADMAP.items() if done / planned / 0.7 >= 1.15]
    assert sorted(paid) == ["t-plat", "t-search", TINY_TEAM]
    assert all(
        done / planned / 0.7 >= 1.25 for t, (_i, planned, done) in ROADMAP.items() if t in paid
    )
    edited = lab.apply_values(file_dict("outcome_threshold"), {"pool.per_head_usd": 4000})
    result = lab.compute_scheme(edited, facts)
    assert result.comparison.total_cost_usd.iloc[0] == pytest.approx(
        1.5 * 4000 * sum(sizes[t] for t in paid)
    )


def test_built_marts_are_what_recomputing_the_files_gives(lab_wh, marts, facts):
    comparison = marts_table(lab_wh, "fct_scheme_comparison")
    stress = marts_table(lab_wh, "fct_goodhart_stress_test")
    payouts = marts_table(lab_wh, "fct_bonus_payouts")
    for name in SCHEMES:
        built = lab.built_result(name, comparison, stress, payouts)
        fresh = lab.compute_scheme(
            file_dict(name), facts, marts["fct_gaming_signals"], share=lab.gaming_share_of(stress)
        )
        assert built.comparison.total_cost_usd.iloc[0] == pytest.approx(
            fresh.comparison.total_cost_usd.iloc[0]
        )
        assert built.stress.gamers_gain_usd.tolist() == pytest.approx(
            fresh.stress.gamers_gain_usd.tolist()
        )
        assert len(built.payouts) == len(fresh.payouts)
    assert lab.built_result("no_such_scheme", comparison, stress, payouts) is None
    assert lab.built_result("outcome_threshold", comparison, None, payouts) is None


def marts_table(fixture: Fixture, table: str) -> pd.DataFrame:
    con = duckdb.connect(str(fixture.path), read_only=True)
    try:
        return con.execute(f"select * from marts.{table}").df()
    finally:
        con.close()


def test_payout_totals_and_gaming_share(facts):
    payouts = evaluate(SCHEMES["token_budget"], facts)
    totals = lab.payout_totals(payouts)
    by_month = payouts.groupby("period_start").payout_usd.sum()
    assert totals.set_index("period_start").payout_usd.to_dict() == pytest.approx(
        by_month.to_dict()
    )
    assert lab.gaming_share_of(pd.DataFrame({"share_gamed": [0.25, 0.25]})) == 0.25
    assert lab.gaming_share_of(None) == 0.1


# ---- privacy -----------------------------------------------------------------------------------


def test_hr_sees_people_and_leadership_team_totals_with_small_teams_hidden(lab_wh, facts):
    payouts = evaluate(SCHEMES["token_budget"], facts)
    identities = lab_wh.identities
    names = dict(zip(lab_wh.teams.team_id, lab_wh.teams.team_name, strict=True))

    hr = lab.payouts_for_viewer(payouts, make_viewer("hr"), identities, names)
    assert list(hr.columns[:3]) == ["person", "full_name", "email"]
    assert "employee_key" not in hr.columns and len(hr) == len(payouts)
    assert hr.full_name.notna().all()

    boss = lab.payouts_for_viewer(
        payouts, make_viewer("leadership", min_group_size=5), identities, names
    )
    assert not {"person", "full_name", "email", "employee_key"} & set(boss.columns)
    month = boss[boss.period_start == boss.period_start.min()].set_index("team_id")
    first = payouts[payouts.period_start == payouts.period_start.min()]
    assert month.loc[TINY_TEAM, "note"] == "fewer than 5 people"
    assert pd.isna(month.loc[TINY_TEAM, "payout_usd"])
    shown = month[~month.is_suppressed]
    assert len(shown) >= 2
    for team, row in shown.iterrows():
        assert row.payout_usd == pytest.approx(first[first.team_id == team].payout_usd.sum())
        assert row.people == (first.team_id == team).sum()


# ---- data layer --------------------------------------------------------------------------------


def test_lab_facts_are_cached_per_warehouse_version(lab_wh, full_warehouse, marts):
    wh = data.open_warehouse(lab_wh.path)
    try:
        assert data.lab_inputs_missing(wh) == []
        facts, flags = data.lab_facts(wh)
        assert data.lab_facts(wh)[0] is facts
        assert len(flags) == len(marts["fct_gaming_signals"])
        assert facts.members.employee_key.nunique() == len(lab_wh.employees)
        other = data.open_warehouse(full_warehouse.path)
        assert data.lab_inputs_missing(other) == ["intermediate.int_employee_assignments"]
        with pytest.raises(data.TableMissing):
            data.lab_marts(other)
    finally:
        data.forget_all()
