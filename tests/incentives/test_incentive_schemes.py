"""Scheme files: the built-ins load; invalid files fail with the file, field and problem."""

from __future__ import annotations

from pathlib import Path

import pytest

from mileage.incentives import Scheme, SchemeError, load_scheme, load_schemes, parse_scheme

BUILT_INS = {
    "outcome_threshold",
    "raised_goals",
    "token_leaderboard",
    "token_budget",
    "shipped_work",
}

VALID = """
name: {name}
kind: custom
grain: team
period: quarter
metric: roadmap_attainment
rule: {{type: threshold, at_least: 1.0}}
pool: {{per_head_usd: 100}}
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / f"{name}.yml"
    path.write_text(text)
    return path


def test_built_in_schemes_load():
    schemes = load_schemes()
    assert set(schemes) == BUILT_INS
    kinds = {name: s.kind for name, s in schemes.items()}
    assert kinds == {
        "outcome_threshold": "outcome",
        "raised_goals": "outcome",
        "token_leaderboard": "activity",
        "token_budget": "budget",
        "shipped_work": "custom",
    }
    axon = schemes["outcome_threshold"]
    assert (axon.target, axon.rule.at_least) == (0.7, 1.15)
    assert [(t.at, t.multiplier) for t in axon.rule.tiers] == [(1.25, 1.5), (1.4, 2.0)]
    assert schemes["raised_goals"].raise_factor == 1.2
    assert schemes["token_budget"].budget.pct_of_salary == 0.5
    assert all(s.description for s in schemes.values())


@pytest.mark.parametrize(
    ("change", "field", "problem"),
    [
        (
            "rule: {type: threshold, at_least: high}",
            "rule.at_least",
            "must be a number, got 'high'",
        ),
        ("metric: vibes", "metric", "unknown team metric 'vibes'"),
        ("grain: company", "grain", "must be one of team, person, got 'company'"),
        ("period: fortnight", "period", "must be one of month, quarter, year"),
        (
            "pool: {per_head_usd: 100, fixed_usd: 5}",
            "pool",
            "exactly one of per_head_usd, pct_of_salary or fixed_usd",
        ),
        ("pool: {per_head_usd: -5}", "pool.per_head_usd", "must be at least 0, got -5"),
        (
            "rule: {type: curve, points: [[1, 1], [0.5, 2]]}",
            "rule.points[1]",
            "values must increase",
        ),
        ("rule: {type: curve, points: [[1, 1]]}", "rule.points", "at least two"),
        (
            "rule: {type: rank, tiers: [{top_n: 3, top_share: 0.1, multiplier: 1}]}",
            "rule.tiers[0]",
            "exactly one of top_n or top_share",
        ),
        ("rule: {type: lottery}", "rule.type", "must be one of threshold, curve, rank"),
        (
            "rule: {type: threshold, at_least: 1, tiers: [{at: 0.5, multiplier: 2}]}",
            "rule.tiers[0].at",
            "must lie above at_least (1)",
        ),
        ("target: 0", "target", "must be greater than 0"),
        ("bonus_multiplier: 3", "bonus_multiplier", "unknown field"),
        ("gates: [{metric: ai_active_share}]", "gates[0]", "needs at_least and/or at_most"),
        (
            "gates: [{metric: total_tokens_per_day, at_least: 1}]",
            "gates[0].metric",
            "unknown team metric",
        ),
        ("normalise: peer_median", "normalise", "use org_median for team schemes"),
        ("budget: {pct_of_salary: 0.5}", "budget", "a token budget is per person"),
    ],
)
def test_invalid_field_names_file_field_and_problem(tmp_path, change, field, problem):
    key = change.split(":")[0]
    lines = [ln for ln in VALID.format(name="broken").splitlines() if not ln.startswith(key + ":")]
    path = write(tmp_path, "broken", "\n".join([*lines, change]) + "\n")
    with pytest.raises(SchemeError) as err:
        load_scheme(path)
    message = str(err.value)
    assert f"{path}: {field}: " in message, message
    assert problem in message, message
    assert (str(path), field) in [(p[0], p[1]) for p in err.value.problems]


def test_every_problem_of_a_file_is_reported(tmp_path):
    path = write(
        tmp_path,
        "many",
        "name: many\ngrain: team\nperiod: weekly\nmetric: 7\nrule: {type: curve}\n",
    )
    with pytest.raises(SchemeError) as err:
        load_scheme(path)
    fields = [p[1] for p in err.value.problems]
    assert fields == ["period", "metric", "rule.points", "pool"]


def test_person_metrics_and_team_metrics_are_told_apart(tmp_path):
    ok = parse_scheme(
        {
            "name": "x",
            "grain": "person",
            "period": "month",
            "metric": "team.roadmap_attainment",
            "rule": {"type": "threshold", "at_least": 1},
            "pool": {"per_head_usd": 1},
        }
    )
    assert ok.metric == "team.roadmap_attainment"
    with pytest.raises(SchemeError, match=r"metric: budget_utilisation needs a budget block"):
        parse_scheme(
            {
                "name": "x",
                "grain": "person",
                "period": "month",
                "metric": "budget_utilisation",
                "rule": {"type": "threshold", "at_most": 1},
                "pool": {"per_head_usd": 1},
            }
        )
    with pytest.raises(SchemeError, match=r"metric: unknown person metric 'roadmap_attainment'"):
        parse_scheme(
            {
                "name": "x",
                "grain": "person",
                "period": "month",
                "metric": "roadmap_attainment",
                "rule": {"type": "threshold", "at_least": 1},
                "pool": {"per_head_usd": 1},
            }
        )


def test_bad_yaml_and_wrong_names(tmp_path):
    bad = write(tmp_path, "bad", "name: bad\nrule: {type: [\n")
    with pytest.raises(SchemeError, match=r"bad.yml: line \d+: not valid YAML"):
        load_scheme(bad)
    other = write(tmp_path, "other", VALID.format(name="renamed"))
    with pytest.raises(SchemeError, match=r"other.yml: name: must match the file name 'other'"):
        load_scheme(other)
    listed = write(tmp_path, "listed", "- just\n- a list\n")
    with pytest.raises(SchemeError, match=r"listed.yml: <file>: must be a mapping"):
        load_scheme(listed)


def test_folder_load_reports_problems_from_every_file(tmp_path):
    write(tmp_path, "good", VALID.format(name="good"))
    write(tmp_path, "bad_one", VALID.format(name="bad_one").replace("quarter", "decade"))
    write(tmp_path, "bad_two", VALID.format(name="bad_two").replace("100", "lots"))
    with pytest.raises(SchemeError) as err:
        load_schemes(tmp_path)
    assert [(Path(p[0]).name, p[1]) for p in err.value.problems] == [
        ("bad_one.yml", "period"),
        ("bad_two.yml", "pool.per_head_usd"),
    ]
    with pytest.raises(SchemeError, match="scheme folder not found"):
        load_schemes(tmp_path / "missing")


def test_disabled_schemes_are_skipped(tmp_path):
    write(tmp_path, "live", VALID.format(name="live"))
    write(tmp_path, "draft", VALID.format(name="draft") + "enabled: false\n")
    assert list(load_schemes(tmp_path)) == ["live"]
    assert list(load_schemes(tmp_path, include_disabled=True)) == ["draft", "live"]
    # YAML 1.1 reads a bare `off` as false: the error says so
    write(tmp_path, "off", VALID.format(name="off"))
    with pytest.raises(SchemeError, match=r"off.yml: name: must be text, got False \(YAML reads"):
        load_schemes(tmp_path)


def test_schemes_are_editable_as_dicts_and_revalidated():
    scheme = load_schemes()["outcome_threshold"]
    data = scheme.to_dict()
    data["rule"]["at_least"] = 1.2
    data["pool"] = {"per_head_usd": 1000}
    edited = Scheme.from_dict(data)
    assert (edited.rule.at_least, edited.pool.per_head_usd) == (1.2, 1000)
    data["rule"]["at_least"] = 1.3  # above the first tier (1.25): inconsistent
    with pytest.raises(SchemeError, match=r"rule.tiers\[0\].at: must lie above at_least"):
        Scheme.from_dict(data)
    assert scheme.rule.at_least == 1.15  # the original is untouched
    assert scheme.with_changes(target=0.9).target == 0.9
    data["rule"]["at_least"] = "lots"
    with pytest.raises(SchemeError, match=r"<dict>: rule.at_least: must be a number"):
        Scheme.from_dict(data)
