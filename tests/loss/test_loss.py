"""Loss is measured and loud (issue 23, items 3 and 4).

One corrupt raw directory (tests/fixtures/corrupt_raw.py: the tiny organisation with a truncated
Anthropic page, a roster row without team_id, a Copilot
file of mostly bad lines, a misspelt folder, an extra roster, a CSV in a JSON folder) is built
twice: once by default, which must stop with one line per loss, and once with --accept-loss,
which must publish and record the choice where the Data quality page shows it.
"""

from __future__ import annotations

import pytest
import yaml
from streamlit.testing.v1 import AppTest
from typer.testing import CliRunner

from fixtures.corrupt_raw import (
    COPILOT_BAD_LINES,
    TRUNCATED_PAGE,
    TRUNCATED_RECORDS,
    TRUNCATED_TOKENS,
    write_corrupt_raw,
)
from mileage.config import PROJECT_DIR
from quality.conftest import query

# the tiny raw directory's own records per source (tests/fixtures/tiny_raw.py)
TINY_MESSAGES = 3 + 2  # page 1 and page 2 results
TINY_MESSAGES_DUPLICATES = 1  # page 2 re-sends page 1's first result
TINY_MESSAGES_INVALID_TOKENS = 5  # the negative-token result: 5 uncached, -3 output (not a count)


@pytest.fixture(scope="module")
def corrupt(tmp_path_factory):
    base = tmp_path_factory.mktemp("loss")
    return write_corrupt_raw(base / "raw"), base


@pytest.fixture(scope="module")
def stopped(corrupt):
    """The default build: it must stop at the loss check and keep its warehouse."""
    from mileage.pipeline import StageFailed, build, failed_path

    raw, base = corrupt
    live = base / "stopped" / "mileage.duckdb"
    with pytest.raises(StageFailed) as failure:
        build(raw, live)
    return failure.value, live, failed_path(live.resolve())


@pytest.fixture(scope="module")
def accepted(corrupt):
    """`mileage build --accept-loss` on the same directory: it must publish."""
    from mileage.cli import app

    raw, base = corrupt
    live = base / "accepted" / "mileage.duckdb"
    result = CliRunner().invoke(
        app, ["build", "--raw-dir", str(raw), "--warehouse", str(live), "--accept-loss"]
    )
    return result, live


def _words(text: str) -> str:
    return " ".join(text.split())


def test_the_default_build_stops_with_one_line_per_loss(corrupt, stopped):
    raw, _ = corrupt
    failure, live, kept = stopped
    page = raw / "anthropic/usage_report_messages/page-3.json"
    page_bytes = len(TRUNCATED_PAGE.encode())
    assert failure.stage == "loss check"
    assert failure.reason == (
        "anthropic__usage_report_messages: 1 file(s) rejected whole (malformed JSON file: not "
        f"valid JSON): 300 record(s), {page_bytes:,} bytes, at least 369,000 tokens; "
        f"first {page}; "
        "hr__roster: 1 roster row(s) cannot place a person in a team (missing team_id (counted "
        "under team unassigned)): "
        "their tokens, PRs and bugs are missing from or misplaced in team figures; "
        f"first {raw / 'hr/roster.csv'} line 7; "
        "copilot__users: 25 of 26 records lost (96.2%, above its 5.0% threshold; mostly bad "
        "JSON line: not a JSON object): 25 record(s), tokens unknown; "
        f"first {raw / 'copilot/users/2026-01-09.ndjson'}. "
        "Fix the exports, or publish anyway with --accept-loss (recorded in the warehouse) "
        f"(build kept at {kept}; the live warehouse is unchanged)"
    )
    assert "\n" not in failure.reason
    assert not live.exists()
    assert kept.exists()


def test_accounting_measures_what_the_rejected_records_held(stopped):
    _, _, kept = stopped
    rows = query(
        kept,
        "select source, raw_records, staged_records, rejected_records, duplicate_records, "
        "lost_records, lost_tokens, raw_files, rejected_files, rejected_file_bytes, is_balanced "
        "from marts.fct_source_accounting "
        "where source in ('anthropic__usage_report_messages', 'copilot__users', 'hr__roster') "
        "order by source",
    )
    messages_raw = TINY_MESSAGES + TRUNCATED_RECORDS  # 305, not 5 + 1
    messages_staged = 3  # page 1's three results
    assert rows == [
        (
            "anthropic__usage_report_messages",
            messages_raw,
            messages_staged,
            messages_raw - messages_staged,
            TINY_MESSAGES_DUPLICATES,
            messages_raw - messages_staged - TINY_MESSAGES_DUPLICATES,
            float(TRUNCATED_TOKENS + TINY_MESSAGES_INVALID_TOKENS),
            3,
            1,
            len(TRUNCATED_PAGE.encode()),
            True,
        ),
        # one good line and 25 that are not JSON, whose tokens nobody can read
        ("copilot__users", 1 + COPILOT_BAD_LINES, 1, COPILOT_BAD_LINES, 0, 25, 0.0, 1, 0, 0, True),
        # all six roster rows staged: E5's row without a team counts under team unassigned
        # (the loss check stops on it all the same: test_the_default_build_stops...)
        ("hr__roster", 6, 6, 0, 0, 0, None, 1, 0, 0, True),
    ]
    assert query(kept, "select count(*) from marts.fct_source_accounting where not is_balanced")[
        0
    ] == (0,)


def test_every_file_the_contract_does_not_read_is_listed(stopped):
    _, _, kept = stopped
    assert query(kept, "select * from marts.fct_unread_files order by path") == [
        (
            "cursor/usage-events/",
            1,
            len('{"usageEvents": []}'),
            "a folder the raw-directory contract does not have",
            "cursor/usage_events/",
        ),
        (
            "hr/roster_2.csv",
            1,
            len("employee_id,email\n"),
            "a file the raw-directory contract does not have",
            "hr/roster.csv",
        ),
        (
            "jira/issues/export.csv",
            1,
            len("key\nSHOP-9\n"),
            "not a *.json/*.json.gz file, which jira/issues/ reads",
            None,
        ),
        ("notes/", 0, 0, "a folder the raw-directory contract does not have", None),
    ]


def test_accept_loss_publishes_and_records_the_choice(accepted):
    result, live = accepted
    assert result.exit_code == 0, result.output
    assert live.exists()
    output = _words(result.output)
    assert "warning: loss accepted (--accept-loss): hr__roster: 1 roster row(s)" in output
    assert (
        "`cursor/usage-events/` looks like `cursor/usage_events/`" in output
    )  # the inventory's warning
    rows = query(
        live,
        "select source, rule, reason, records, tokens from quality.accepted_losses order by source",
    )
    assert rows == [
        (
            "anthropic__usage_report_messages",
            "whole file",
            "malformed JSON file: not valid JSON",
            300,
            369000.0,
        ),
        ("copilot__users", "rejected share", "bad JSON line: not a JSON object", 25, None),
        ("hr__roster", "roster", "missing team_id (counted under team unassigned)", 1, None),
    ]
    (accepted_at,) = query(live, "select max(accepted_at) from quality.accepted_losses")[0]
    assert accepted_at is not None


def test_the_data_quality_page_shows_accepted_losses_and_unread_files(accepted, monkeypatch):
    from mileage.app import data

    _, live = accepted
    monkeypatch.setenv("MILEAGE_WAREHOUSE", str(live))
    monkeypatch.setenv("MILEAGE_DEMO_MODE", "1")  # a test warehouse, served without sign-in
    (sources,) = query(live, "select count(*) from marts.fct_source_accounting")[0]
    try:
        at = AppTest.from_file(str(PROJECT_DIR / "app.py"), default_timeout=60)
        at.session_state["demo_role"] = "leadership"
        at.run()
        at.switch_page("app_pages/data_quality.py").run()
        assert not at.exception, [e.value for e in at.exception]
        errors = [e.value for e in at.error]
        assert errors[0].startswith("**Published with 3 accepted loss(es)**")
        successes = " ".join(s.value for s in at.success)
        assert "sources balance" not in successes  # unread files exist
        warnings = " ".join(w.value for w in at.warning)
        assert (
            f"{sources} sources balance, but 3 file(s) under the raw directory were not read"
            in warnings
        )
        assert "`cursor/usage-events/` looks like `cursor/usage_events/`" in warnings
        frames = [d.value for d in at.dataframe]
        unread = next(f for f in frames if "near_miss" in f.columns)
        assert unread["path"].tolist() == [
            "cursor/usage-events/",
            "hr/roster_2.csv",
            "jira/issues/export.csv",
            "notes/",
        ]
        losses = next(f for f in frames if "rule" in f.columns)
        assert sorted(losses["source"]) == [
            "anthropic__usage_report_messages",
            "copilot__users",
            "hr__roster",
        ]
    finally:
        data.forget_all()


def test_a_clean_build_records_no_accepted_loss(pipeline_warehouse):
    assert query(pipeline_warehouse, "select count(*) from quality.accepted_losses") == [(0,)]
    assert query(pipeline_warehouse, "select count(*) from marts.fct_unread_files") == [(0,)]


# ---- no dbt -----------------------------------------------------------------------------------


def test_landing_counts_the_truncated_page_by_its_records_and_tokens(corrupt, tmp_path):
    from mileage.landing import land

    raw, _ = corrupt
    warehouse = tmp_path / "landed.duckdb"
    result = land(raw, warehouse)
    assert query(
        warehouse,
        "select bytes, records, landed_records, rejected_records, status, rejected_tokens "
        "from landing.file_manifest where source_file like '%page-3.json'",
    ) == [(len(TRUNCATED_PAGE.encode()), 300, 0, 300, "rejected", 369_000)]
    # a hidden file is skipped, not listed
    assert not any(".DS_Store" in p for p in result.problems)
    assert (
        f"{raw / 'hr/roster_2.csv'}: a file the raw-directory contract does not have; "
        "not read; `hr/roster_2.csv` looks like `hr/roster.csv`"
    ) in result.problems


def test_a_page_cut_inside_a_number_does_not_count_the_cut_number(tmp_path):
    """`"output_tokens": 30` cut to `"output_tokens": 3` is not three tokens."""
    from fixtures.tiny_raw import write_tiny_raw
    from mileage.landing import land

    raw = write_tiny_raw(tmp_path / "raw")
    text = TRUNCATED_PAGE.split(', {"api_key_id": "apikey_ana", "mod')[0]
    text = text[: text.rindex('"output_tokens": 30') + len('"output_tokens": 3')]
    (raw / "anthropic/usage_report_messages/page-3.json").write_text(text)
    land(raw, tmp_path / "wh.duckdb")
    # 300 markers; the last record's 1,000 + 200 are read, its output (cut) is not
    assert query(
        tmp_path / "wh.duckdb",
        "select rejected_records, rejected_tokens from landing.file_manifest "
        "where source_file like '%page-3.json'",
    ) == [(300, 299 * 1_230 + 1_200)]


def test_an_unknown_top_level_folder_gets_a_near_miss(tmp_path):
    from mileage.landing import unread_paths

    (tmp_path / "antropic/usage_report_messages").mkdir(parents=True)
    (tmp_path / "antropic/usage_report_messages/p.json").write_text("{}")
    (tmp_path / "hr").mkdir()
    (tmp_path / "hr/roster.csv").write_text("x")
    (found,) = unread_paths(tmp_path)
    assert (found.path, found.files, found.bytes, found.near_miss) == (
        "antropic/",
        1,
        2,
        "anthropic/",
    )


def test_thresholds_come_from_thresholds_yml(tmp_path):
    from mileage.loss import load_rules

    rules = load_rules()
    assert rules.share_for("cursor__usage_events") == 0.05
    assert rules.share_for("telemetry__claude_code_events") == 1.0
    (tmp_path / "thresholds.yml").write_text(
        yaml.safe_dump({"loss": {"max_lost_record_share": {"jira__issues": 0.5}}})
    )
    with pytest.raises(ValueError, match="needs a `default` share"):
        load_rules(tmp_path)


def test_demo_passes_accept_loss_to_the_build(monkeypatch, tmp_path):
    import mileage.cli as cli

    seen = {}
    monkeypatch.setattr(cli, "run_build", lambda raw, wh, **kw: seen.update(kw))
    result = CliRunner().invoke(
        cli.app,
        [
            "demo",
            "--no-serve",
            "--accept-loss",
            "--employees",
            "5",
            "--days",
            "2",
            "--out",
            str(tmp_path / "raw"),
            "--warehouse",
            str(tmp_path / "wh.duckdb"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert seen == {"demo": True, "accept_loss": True}
