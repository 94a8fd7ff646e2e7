"""Roles, person-level rows and minimum-group-size suppression."""

from __future__ import annotations

import pandas as pd
import pytest

from mileage.app import privacy as p


def viewer(role: str, k: int = 5, **kwargs) -> p.Viewer:
    if role == "engineer":
        kwargs.setdefault("employee_key", "me")
        kwargs.setdefault("team_id", "a")
    return p.make_viewer(role, min_group_size=k, **kwargs)


def test_roles_and_pages():
    assert p.ROLES["leadership"].person_level is False
    assert p.ROLES["hr"].sees_names is True
    assert not viewer("leadership").may_open("incentive_lab")
    assert not viewer("engineer").may_open("incentive_lab")
    assert viewer("hr").may_open("incentive_lab")
    with pytest.raises(ValueError):
        p.make_viewer("engineer")  # an engineer must be someone
    with pytest.raises(ValueError):
        p.make_viewer("ceo")


def test_min_group_size_comes_from_config(monkeypatch):
    monkeypatch.setenv("MILEAGE_MIN_GROUP_SIZE", "8")
    assert p.make_viewer("leadership").min_group_size == 8
    assert p.make_viewer("leadership").note == "fewer than 8 people"


@pytest.mark.parametrize(
    ("sizes", "k", "expected"),
    [
        ([7, 6, 3, 5], 5, [None, None, "small", "complement"]),  # 3 + 5 hidden together
        ([7, 6, 8], 5, [None, None, None]),  # nothing small, nothing hidden
        ([9, 2, 2, 6], 5, [None, "small", "small", "complement"]),  # 2 + 2 < 5: one more
        ([1, 9, 9], 5, ["small", "complement", None]),  # ties: the first of the smallest
        ([3], 5, ["small"]),  # nothing left to hide with it
        ([None, 9, 9], 5, ["small", "complement", None]),  # unknown size counts as small
    ],
)
def test_suppression_plan(sizes, k, expected):
    assert p.suppression_plan(sizes, k) == expected


def test_suppression_plan_without_complement():
    assert p.suppression_plan([7, 6, 3, 5], 5, complement=False) == [None, None, "small", None]


def _months() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "team_id": ["a", "b", "tiny", "c"] * 2,
            "month_start": ["2026-01-01"] * 4 + ["2026-02-01"] * 4,
            "headcount": [7, 6, 3, 5, 7, 6, 5, 5],
            "total_tokens": [10.0, 20.0, 30.0, 40.0, 11.0, 21.0, 31.0, 41.0],
        }
    )


def test_suppress_small_groups_for_leadership_per_month():
    out = p.suppress_small_groups(_months(), viewer("leadership"), ["total_tokens"])
    jan = out.iloc[:4]
    assert list(jan.is_suppressed) == [False, False, True, True]
    assert jan.total_tokens.isna().tolist() == [False, False, True, True]
    assert jan.headcount.isna().tolist() == [False, False, True, True]
    assert jan.note.iloc[2] == "fewer than 5 people"
    assert jan.note.iloc[3] == p.COMPLEMENT_NOTE
    # February: the tiny team grew to 5, nothing is hidden
    assert not out.iloc[4:].is_suppressed.any()
    assert out.total_tokens.iloc[6] == 31.0


def test_hr_sees_every_group_and_engineers_do_not():
    assert not p.suppress_small_groups(
        _months(), viewer("hr"), ["total_tokens"]
    ).is_suppressed.any()
    assert p.suppress_small_groups(
        _months(), viewer("engineer"), ["total_tokens"]
    ).is_suppressed.any()


def test_configured_size_changes_what_is_hidden():
    out = p.suppress_small_groups(_months(), viewer("leadership", k=7), ["total_tokens"])
    assert out.iloc[:4].is_suppressed.tolist() == [False, True, True, True]
    out = p.suppress_small_groups(_months(), viewer("leadership", k=1), ["total_tokens"])
    assert not out.is_suppressed.any()


def test_people_rows():
    frame = pd.DataFrame({"employee_key": ["me", "you", "them"], "score": [1, 2, 3]})
    assert len(p.visible_people(frame, viewer("hr"))) == 3
    assert p.visible_people(frame, viewer("engineer")).employee_key.tolist() == ["me"]
    assert p.visible_people(frame, viewer("leadership")).empty
    assert viewer("engineer").may_see_team("a") and not viewer("engineer").may_see_team("b")
    assert viewer("leadership").may_see_team("b")


def test_present_people_names_only_for_hr():
    frame = pd.DataFrame({"employee_key": ["a" * 64], "score": [1.0]})
    identities = pd.DataFrame(
        {"employee_key": ["a" * 64], "full_name": ["Zelda F"], "email": ["z@example.com"]}
    )
    hr = p.present_people(frame, viewer("hr"), identities)
    assert hr.loc[0, "full_name"] == "Zelda F" and hr.loc[0, "email"] == "z@example.com"
    assert "employee_key" not in hr.columns and hr.loc[0, "person"] == "person-aaaaaaaa"
    engineer = p.present_people(frame, viewer("engineer", employee_key="a" * 64), identities)
    assert "full_name" not in engineer.columns and "email" not in engineer.columns


def test_role_for_email():
    mapping = {"hr": ["hr@acme.com"], "leadership": ["cto@acme.com", "@board.acme.com"]}
    assert p.role_for_email("HR@acme.com", mapping) == "hr"
    assert p.role_for_email("cto@acme.com", mapping) == "leadership"
    assert p.role_for_email("chair@board.acme.com", mapping) == "leadership"
    assert p.role_for_email("dev@acme.com", mapping) == "engineer"
    assert p.role_for_email(None, mapping) == "engineer"
