"""Any valid organisation builds (issue 23, item 1): a property-based test.

For each drawn organisation (tests/property/valid_org.py) the real pipeline runs
(`mileage.pipeline.build`, the code behind `mileage build`), and the published warehouse must
balance its accounting against the records the generator wrote, reject nothing, hold no NaN or
infinity in any floating column of the mart schemas, and agree with totals computed from the
generated records: tokens per provider, merged pull requests and bugs per team-month, roadmap
points per team-quarter.

Each example is a full build (~20-30 s here), so by default only the hand-picked `@example`s
run. More:

    MILEAGE_PROPERTY_EXAMPLES=50 pytest tests/property            # 50 drawn organisations
    MILEAGE_PROPERTY_FINDINGS=/tmp/findings MILEAGE_PROPERTY_EXAMPLES=80 \
        pytest tests/property -k survey                            # collect every failure

`test_any_valid_org_lands_every_record` runs landing alone on 30 drawn organisations by
default (MILEAGE_PROPERTY_LANDING_EXAMPLES to change it). The first above stops (and shrinks) at
the first failing organisation; the survey runs all of them
without shrinking and writes each failing organisation's raw directory, spec and problems
under the findings folder, grouped by failure signature. A failing example's raw directory is
always kept and named in the failure message, with `spec.txt` (the OrgSpec) beside it:
`mileage build --raw-dir <it> --warehouse x.duckdb` reproduces it.
"""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import tempfile
from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, Phase, example, given, settings

from valid_org import Org, OrgSpec, PersonSpec, make_org, org_specs, write_raw

EXAMPLES = int(os.environ.get("MILEAGE_PROPERTY_EXAMPLES", "0"))
FINDINGS = os.environ.get("MILEAGE_PROPERTY_FINDINGS")
MART_SCHEMAS = ("marts", "restricted")
FLOAT_TYPES = ("DOUBLE", "FLOAT", "REAL")

# The nastiest corners, always run. A one-person organisation with nothing but its roster.
ROSTER_ONLY = OrgSpec(people=(PersonSpec(team=0),), start=date(2026, 1, 1), months=1)
# Five people in two teams (one a single-person team) using the same amounts of the same
# model every day, at the extreme time zones, one moving team mid-month and one leaving, with
# every source present and a month without pull requests.
FIVE_CONSTANT = OrgSpec(
    people=(
        PersonSpec(team=0, timezone="Pacific/Kiritimati"),
        PersonSpec(team=0, timezone="Etc/GMT+12", move_to=1, move_day=14),
        PersonSpec(team=0, timezone="Asia/Kolkata", leave_day=40),
        PersonSpec(team=0, timezone="Asia/Kathmandu", has_openai_id=True, email_upper=True),
        PersonSpec(team=1, timezone="America/St_Johns"),
    ),
    start=date(2026, 3, 1),
    months=2,
    sources=frozenset(
        (
            "messages",
            "claude_code",
            "openai",
            "cursor",
            "copilot",
            "api_keys",
            "telemetry",
            "github",
            "jira",
            "roadmap",
        )
    ),
    constant_usage=True,
    pr_months=frozenset({1}),
    bug_months=frozenset({0, 1}),
    roadmap_quarters=frozenset({0, 1}),
    seed=5,
)

_SETTINGS = dict(
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
    print_blob=True,
)


class OrgProblems(AssertionError):
    def __init__(self, problems: list[tuple[str, str]], raw: Path):
        self.problems = problems
        self.raw = raw
        lines = "\n".join(f"- {key}: {detail}" for key, detail in problems)
        super().__init__(
            f"{len(problems)} problem(s) building a valid organisation; raw directory kept at "
            f"{raw} (spec in {raw.parent / 'spec.txt'}):\n{lines}"
        )

    @property
    def signature(self) -> tuple[str, ...]:
        return tuple(sorted({key for key, _ in self.problems}))


def _work_root() -> Path:
    root = Path(tempfile.gettempdir()) / "mileage-property"
    root.mkdir(parents=True, exist_ok=True)
    return root


def check_org(spec: OrgSpec) -> None:
    """Write, build and check one organisation; raise OrgProblems naming every problem."""
    from mileage.pipeline import StageFailed, build, dbt_run_path, failed_path

    org = make_org(spec)
    work = Path(tempfile.mkdtemp(prefix="org-", dir=_work_root()))
    raw = write_raw(org, work / "raw")
    (work / "spec.txt").write_text(repr(spec) + "\n")
    warehouse = work / "warehouse" / "mileage.duckdb"
    problems: list[tuple[str, str]] = []
    try:
        build(raw, warehouse)
    except StageFailed as exc:
        problems.extend(_stage_problems(exc, warehouse, dbt_run_path, failed_path))
    except Exception as exc:  # a traceback is a finding too: every failure should be one line
        problems.append((f"crash {type(exc).__name__}", str(exc)[:300]))
    else:
        problems.extend(_warehouse_problems(org, warehouse))
    if problems:
        raise OrgProblems(problems, raw)
    shutil.rmtree(work, ignore_errors=True)


def _stage_problems(exc, warehouse: Path, dbt_run_path, failed_path) -> list[tuple[str, str]]:
    """Every failure behind a stopped build: each failing dbt node, or each failed critical
    expectation (the gate keeps its build; the one-line reason names only the first)."""
    found: list[tuple[str, str]] = []
    if exc.stage == "dbt build":
        results = dbt_run_path(warehouse) / "run_results.json"
        if results.is_file():
            for node in json.loads(results.read_text())["results"]:
                if node["status"] in ("error", "fail"):
                    name = node["unique_id"].split(".")[
                        -2 if node["unique_id"].startswith("test.") else -1
                    ]
                    found.append(
                        (f"dbt {node['status']}: {name}", (node.get("message") or "")[:300])
                    )
    elif exc.stage.startswith("expectations"):
        kept = failed_path(warehouse)
        if kept.is_file():
            con = duckdb.connect(str(kept), read_only=True)
            try:
                rows = con.execute(
                    """select suite, expectation_type, column_name, unexpected_count, detail
                       from quality.validation_results
                       where severity = 'critical' and not success"""
                ).fetchall()
            finally:
                con.close()
            for suite, kind, column, count, detail in rows:
                found.append(
                    (f"gate: {suite} {kind}({column or ''})", f"{count} rows; {detail or ''}"[:300])
                )
    if not found:
        found.append((f"stage {exc.stage}", re.sub(r"/tmp/\S+", "<tmp>", exc.reason)[:300]))
    return found


def _warehouse_problems(org: Org, warehouse: Path) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    if not warehouse.is_file():
        return [("not published", f"{warehouse} missing after build()")]
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        q = lambda sql: con.execute(sql).fetchall()  # noqa: E731

        # accounting: balanced, raw counts = what was written, nothing rejected
        for source, raw, staged, rejected, balanced in q(
            """select source, raw_records, staged_records, rejected_records, is_balanced
               from marts.fct_source_accounting order by source"""
        ):
            if not balanced or raw != staged + rejected:
                problems.append(
                    ("accounting unbalanced", f"{source}: raw {raw} != {staged} + {rejected}")
                )
            if raw != org.raw_counts.get(source, 0):
                problems.append(
                    (
                        "accounting raw count",
                        f"{source}: {raw} raw records, {org.raw_counts.get(source, 0)} written",
                    )
                )
            if rejected:
                problems.append(("rejects on valid data", f"{source}: {rejected} rejected"))
        reasons = q(
            """select source, reason, count(*) from marts.fct_rejected_records
               group by all order by 3 desc limit 5"""
        )
        if reasons:
            problems.append(("rejected records on valid data", repr(reasons)))

        # no NaN or infinity in any floating column of any mart
        columns = q(
            f"""select table_schema, table_name, column_name from information_schema.columns
                where table_schema in {MART_SCHEMAS}
                  and data_type in {FLOAT_TYPES}
                order by 1, 2, 3"""
        )
        for schema, table, column in columns:
            bad = con.execute(
                f'select count(*) from {schema}."{table}" where isnan("{column}") or isinf("{column}")'
            ).fetchone()[0]
            if bad:
                problems.append((f"NaN/inf in {schema}.{table}.{column}", f"{bad} rows"))

        # core totals against the generator's own records
        tokens = dict(
            q("select provider, sum(total_tokens) from marts.fct_ai_usage_daily group by 1")
        )
        written = {k: v for k, v in org.tokens_by_provider.items() if v}
        if {k: int(v) for k, v in tokens.items() if v} != written:
            problems.append(("tokens per provider", f"marts {tokens} vs written {written}"))

        def team_months(column: str) -> Counter:
            return Counter(
                {
                    (team, month): n
                    for team, month, n in q(
                        f"select team_id, month_start, {column} from marts.fct_team_months "
                        f"where {column} > 0"
                    )
                }
            )

        merged = team_months("merged_prs")
        if merged != org.merged_prs:
            problems.append(("merged PRs per team-month", _diff(merged, org.merged_prs)))
        bugs = team_months("bugs")
        if bugs != org.bugs:
            problems.append(("bugs per team-month", _diff(bugs, org.bugs)))

        roadmap = {
            (team, quarter): (planned, delivered)
            for team, quarter, planned, delivered in q(
                """select team_id, quarter, planned_points, delivered_points
                   from marts.fct_roadmap_quarters"""
            )
        }
        if set(roadmap) != set(org.roadmap) or any(
            not math.isclose(roadmap[k][0], v[0]) or not math.isclose(roadmap[k][1], v[1])
            for k, v in org.roadmap.items()
        ):
            problems.append(
                ("roadmap points per team-quarter", f"marts {roadmap} vs {org.roadmap}")
            )
    finally:
        con.close()
    return problems


def _diff(got: Counter, want: Counter) -> str:
    keys = sorted(set(got) | set(want))
    wrong = [
        f"{k[0]} {k[1]}: marts {got.get(k, 0)}, written {want.get(k, 0)}"
        for k in keys
        if got.get(k, 0) != want.get(k, 0)
    ]
    return "; ".join(wrong[:6]) + (f" (+{len(wrong) - 6} more)" if len(wrong) > 6 else "")


@settings(
    **_SETTINGS,
    max_examples=max(EXAMPLES, 1),
    phases=(Phase.explicit, Phase.generate, Phase.shrink) if EXAMPLES else (Phase.explicit,),
)
@given(spec=org_specs())
@example(spec=ROSTER_ONLY)
@example(spec=FIVE_CONSTANT)
def test_any_valid_org_builds_and_balances(spec: OrgSpec):
    check_org(spec)


# The slow lane (make test-slow, which CI runs) draws a few organisations beyond the two
# hand-picked ones, the same ones each run (derandomize); MILEAGE_PROPERTY_SLOW_EXAMPLES sets
# how many.
SLOW_EXAMPLES = int(os.environ.get("MILEAGE_PROPERTY_SLOW_EXAMPLES", "4"))


@pytest.mark.slow
@settings(**_SETTINGS, max_examples=SLOW_EXAMPLES, phases=(Phase.generate, Phase.shrink))
@given(spec=org_specs())
def test_drawn_valid_orgs_build_and_balance(spec: OrgSpec):
    check_org(spec)


@pytest.mark.slow
@pytest.mark.skipif(not FINDINGS, reason="set MILEAGE_PROPERTY_FINDINGS=DIR to survey")
def test_survey_valid_orgs():
    """Run MILEAGE_PROPERTY_EXAMPLES drawn organisations without stopping or shrinking; keep
    every failing one under MILEAGE_PROPERTY_FINDINGS, grouped by failure signature."""
    out = Path(FINDINGS)
    out.mkdir(parents=True, exist_ok=True)
    seen: dict[tuple[str, ...], list[Path]] = {}
    ran = Counter()

    @settings(**_SETTINGS, max_examples=max(EXAMPLES, 1), phases=(Phase.generate,))
    @given(spec=org_specs())
    def survey(spec: OrgSpec):
        ran["examples"] += 1
        try:
            check_org(spec)
        except OrgProblems as exc:
            slug = re.sub(r"[^a-z0-9]+", "-", "+".join(exc.signature).lower()).strip("-")[:80]
            n = len(seen.setdefault(exc.signature, []))
            kept = out / f"{slug}-{n}"
            shutil.rmtree(kept, ignore_errors=True)
            shutil.copytree(exc.raw.parent / "raw", kept / "raw")
            shutil.copy(exc.raw.parent / "spec.txt", kept / "spec.txt")
            (kept / "problems.txt").write_text(str(exc) + "\n")
            shutil.rmtree(exc.raw.parent, ignore_errors=True)
            seen[exc.signature].append(kept)
            _write_summary(out, seen, ran["examples"])

    survey()
    _write_summary(out, seen, ran["examples"])
    assert not seen, (
        f"{len(seen)} distinct failure(s) in {ran['examples']} organisations: see {out}/summary.txt"
    )


def _write_summary(out: Path, seen: dict, examples: int) -> None:
    lines = [f"{examples} organisations built; {len(seen)} distinct failure signatures"]
    for signature, kept in sorted(seen.items(), key=lambda kv: -len(kv[1])):
        lines.append(f"\n{len(kept)} x {' + '.join(signature)}")
        lines.extend(f"    {p}" for p in kept[:5])
    (out / "summary.txt").write_text("\n".join(lines) + "\n")


def test_the_generator_answers_match_a_hand_count():
    """The generator's own answers, worked out by hand for a one-person, constant-usage
    January: 31 days x (50,000 uncached + 5,000 5-minute + 2,500 1-hour cache writes +
    150,000 cache reads + 12,500 output) Anthropic tokens; one roster row; 31 records."""
    spec = OrgSpec(
        people=(PersonSpec(team=0),),
        start=date(2026, 1, 1),
        sources=frozenset({"messages"}),
        constant_usage=True,
    )
    org = make_org(spec)
    assert dict(org.tokens_by_provider) == {"anthropic": 31 * 220_000}
    assert org.raw_counts == {"hr__roster": 1, "anthropic__usage_report_messages": 31}


def test_a_bug_counts_in_its_utc_month_whatever_offset_jira_wrote():
    """A person at UTC-12 and one at UTC+14: a Jira `created` written in local time lands in
    the UTC month of the instant, which is what the generator's answer must use too."""
    spec = OrgSpec(
        people=(
            PersonSpec(team=0, timezone="Etc/GMT+12"),
            PersonSpec(team=1, timezone="Pacific/Kiritimati"),
        ),
        start=date(2026, 1, 1),
        months=2,
        sources=frozenset({"jira"}),
        seed=3,
    )
    org = make_org(spec)
    issues = [
        i
        for name, text in org.files.items()
        if name.startswith("jira/")
        for i in json.loads(text)["issues"]
    ]
    offsets = {i["fields"]["created"][-5:] for i in issues}
    assert offsets <= {"-1200", "+1400"} and offsets
    by_month = Counter()
    for i in issues:
        if i["fields"]["issuetype"]["name"] == "Bug":
            created = datetime.strptime(i["fields"]["created"], "%Y-%m-%dT%H:%M:%S.%f%z")
            by_month[created.astimezone(UTC).strftime("%Y-%m")] += 1
    answered = Counter()
    for (_, month), n in org.bugs.items():
        answered[month.strftime("%Y-%m")] += n
    assert answered == by_month and by_month


@settings(**_SETTINGS, max_examples=int(os.environ.get("MILEAGE_PROPERTY_LANDING_EXAMPLES", "30")))
@given(spec=org_specs())
def test_any_valid_org_lands_every_record(spec: OrgSpec):
    """Landing alone (no dbt, ~1 s an organisation, so many run by default): every record the
    generator wrote is counted in the file manifest and none is rejected at landing."""
    from mileage.landing import land

    org = make_org(spec)
    work = Path(tempfile.mkdtemp(prefix="land-", dir=_work_root()))
    raw = write_raw(org, work / "raw")
    result = land(raw, work / "warehouse.duckdb")
    con = duckdb.connect(str(work / "warehouse.duckdb"), read_only=True)
    try:
        manifest = dict(
            con.execute(
                "select source, sum(records) from landing.file_manifest group by 1"
            ).fetchall()
        )
        rejects = con.execute("select count(*) from landing.rejects").fetchone()[0]
        models = con.execute(
            "select count(*) from landing.anthropic__claude_code_models"
        ).fetchone()[0]
    finally:
        con.close()
    written = {k: v for k, v in org.raw_counts.items() if k != "anthropic__claude_code_models"}
    assert {k: int(v) for k, v in manifest.items() if v} == {
        k: v for k, v in written.items() if v
    }, work
    assert models == org.raw_counts.get("anthropic__claude_code_models", 0), work
    assert rejects == 0 and not result.problems, (work, result.problems)
    shutil.rmtree(work, ignore_errors=True)
