"""The roster is a valid effective-dated table, teams are big enough, volumes stay in bounds."""

from __future__ import annotations

import csv
from datetime import date, timedelta
from itertools import pairwise

from mileage.simulate.volumes import (
    MAX_BYTES_PER_PERSON_DAY,
    MAX_FILE_BYTES,
    RECORDS_PER_PERSON_DAY,
)


def _roster(sim):
    return list(csv.DictReader((sim.raw / "hr" / "roster.csv").open()))


def test_roster_rows_never_overlap_and_valid_to_is_exclusive(small_sim):
    rows = _roster(small_sim)
    start = small_sim.options.start
    end = start + timedelta(days=small_sim.options.days)
    by_person: dict[str, list[dict]] = {}
    for row in rows:
        by_person.setdefault(row["employee_id"], []).append(row)
    ids = set(by_person)
    movers = leavers = joiners = 0
    for employee, segments in by_person.items():
        segments.sort(key=lambda r: r["valid_from"])
        assert len({s["email"] for s in segments}) == 1
        for a, b in pairwise(segments):
            # A team move: the old row ends (exclusive) the day the new one starts.
            assert a["valid_to"] == b["valid_from"], employee
            assert a["team_id"] != b["team_id"]
        for s in segments:
            if s["valid_to"]:
                assert date.fromisoformat(s["valid_from"]) < date.fromisoformat(s["valid_to"])
            if s["manager_id"]:
                assert s["manager_id"] in ids and s["manager_id"] != employee
        assert all(s["valid_to"] for s in segments[:-1])
        movers += len(segments) > 1
        last = segments[-1]["valid_to"]
        if last:
            leavers += 1
            assert start < date.fromisoformat(last) <= end
        joiners += date.fromisoformat(segments[0]["valid_from"]) >= start
    assert len(ids) == small_sim.options.employees
    assert movers >= 1 and leavers >= 1 and joiners >= 1
    assert sum(1 for r in rows if not r["manager_id"]) == 1, "one person at the top"


def test_every_team_has_five_people_through_every_month(small_sim):
    rows = _roster(small_sim)
    start = small_sim.options.start
    end = start + timedelta(days=small_sim.options.days)
    teams = {r["team_id"] for r in rows}
    month = date(start.year, start.month, 1)
    months = 0
    while month < end:
        nxt = date(month.year + (month.month == 12), month.month % 12 + 1, 1)
        lo, hi = max(month, start), min(nxt, end)
        for team in teams:
            present = {
                r["employee_id"]
                for r in rows
                if r["team_id"] == team
                and date.fromisoformat(r["valid_from"]) <= lo
                and (not r["valid_to"] or date.fromisoformat(r["valid_to"]) >= hi)
            }
            assert len(present) >= 5, (team, month, len(present))
        months += 1
        month = nxt
    assert months >= 2 and len(teams) >= 5


def test_volumes_stay_within_documented_bounds(small_sim):
    o = small_sim.options
    person_days = o.employees * o.days
    telemetry_days = o.employees * min(o.days, o.telemetry_days)
    records = small_sim.summary.records_by_source
    for source, (lo, hi) in RECORDS_PER_PERSON_DAY.items():
        per = records.get(source, 0) / (
            telemetry_days if source.startswith("telemetry") else person_days
        )
        assert lo <= per <= hi, (source, per)
    assert small_sim.summary.bytes_written / person_days <= MAX_BYTES_PER_PERSON_DAY
    assert max(p.stat().st_size for p in small_sim.summary.paths) < MAX_FILE_BYTES
    assert records["hr_roster"] >= o.employees


def test_ground_truth_is_complete_and_beside_the_raw_dir(small_sim):
    gt = small_sim.gt
    assert gt == small_sim.raw.parent / "ground_truth"
    people = list(csv.DictReader((gt / "people.csv").open()))
    assert len(people) == small_sim.options.employees
    assert {"employee_id", "email", "persona", "latent_productivity", "ai_affinity"} <= set(
        people[0]
    )
    teams = list(csv.DictReader((gt / "teams.csv").open()))
    assert {t["team_id"] for t in teams} == {r["team_id"] for r in _roster(small_sim)}
    routes = list(csv.DictReader((gt / "referral_routes.csv").open()))
    inflaters = {p["employee_id"] for p in people if p["persona"] == "referral_inflater"}
    assert routes and {r["inflater_employee_id"] for r in routes} <= inflaters
    by_id = {p["employee_id"]: p for p in people}
    for route in routes:
        assert by_id[route["colleague_employee_id"]]["persona"] == "normal"
    keys = list(csv.DictReader((gt / "api_keys.csv").open()))
    assert {"personal", "shared", "unowned"} <= {k["kind"] for k in keys}
    assert (gt / "README.md").exists() and (gt / "summary.json").exists()


def test_people_leave_traces_only_while_employed(duck):
    """Usage and PRs of a person fall on UTC dates their roster rows cover."""
    outside = duck.execute("""
        with spans as (select email, github_login, valid_from::date as lo,
                              coalesce(valid_to::date, date '9999-12-31') as hi from roster),
        traces as (
            select email, day::date as d, 'claude_code' as source from cc where email is not null
            union all
            select lower(email), ts::date, 'cursor' from
                (select email, make_timestamp(ts_ms::BIGINT * 1000) as ts from cur)
            union all
            select s.email, created_at::timestamptz::date, 'github' from pr
            join (select distinct email, github_login from roster) s
              on s.github_login = pr."user".login
            where pr."user".type = 'User')
        select t.source, t.email, t.d from traces t
        where not exists (select 1 from spans s where s.email = t.email
                          and t.d >= s.lo and t.d < s.hi)""").fetchall()
    assert outside == []
