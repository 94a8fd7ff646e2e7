"""Landing: every record parsed or rejected with a reason; bad files named, the rest loads."""

from __future__ import annotations

import duckdb
import pytest

from fixtures.tiny_raw import write_tiny_raw
from mileage.landing import SOURCE_NAMES, LandingError, land


@pytest.fixture
def raw(tmp_path):
    return write_tiny_raw(tmp_path / "raw")


def _count(warehouse, sql):
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_lands_every_source_table_even_when_absent(raw, tmp_path):
    import shutil

    shutil.rmtree(raw / "cursor")
    warehouse = tmp_path / "wh.duckdb"
    result = land(raw, warehouse)
    tables = {
        t
        for (t,) in _count(
            warehouse,
            "select table_name from information_schema.tables where table_schema = 'landing'",
        )
    }
    assert set(SOURCE_NAMES) <= tables
    assert result.records_by_source["cursor__usage_events"] == 0
    assert result.records_by_source["github__pull_requests"] == 6


def test_malformed_file_is_named_and_the_rest_loads(raw, tmp_path):
    (raw / "anthropic/usage_report_messages/broken.json").write_text('{"data": [')
    warehouse = tmp_path / "wh.duckdb"
    result = land(raw, warehouse)
    assert any("broken.json" in p and "not valid JSON" in p for p in result.problems)
    # both good pages still landed: 3 + 2 rows
    assert result.records_by_source["anthropic__usage_report_messages"] == 5
    rejects = _count(warehouse, "select source, reason from landing.rejects")
    assert rejects == [("anthropic__usage_report_messages", "malformed JSON file: not valid JSON")]


def test_wrong_shape_file_is_rejected_whole(raw, tmp_path):
    (raw / "jira/issues/not-jira.json").write_text('{"data": [1, 2, 3]}')
    result = land(raw, tmp_path / "wh.duckdb")
    assert any("not-jira.json" in p and "unexpected JSON shape" in p for p in result.problems)
    assert result.rejected_by_source["jira__issues"] == 1


def test_bad_json_line_is_rejected_with_its_line_number(raw, tmp_path):
    with (raw / "copilot/users/2026-01-09.ndjson").open("a") as f:
        f.write("{oops\n")
    warehouse = tmp_path / "wh.duckdb"
    land(raw, warehouse)
    assert _count(warehouse, "select record_path, reason from landing.rejects") == [
        ("line 2", "bad JSON line: not a JSON object")
    ]


def test_missing_roster_stops_landing(raw, tmp_path):
    (raw / "hr/roster.csv").unlink()
    with pytest.raises(LandingError, match=r"roster\.csv is missing"):
        land(raw, tmp_path / "wh.duckdb")


def test_vendor_files_only_land_without_the_company_csvs(raw, tmp_path):
    """reference=False (an incremental delivery): no roster needed, no CSV table or
    bookkeeping row, every vendor file landed as in a full landing."""
    import shutil

    shutil.rmtree(raw / "hr")
    shutil.rmtree(raw / "roadmap")
    warehouse = tmp_path / "wh.duckdb"
    result = land(raw, warehouse, reference=False)
    assert result.records_by_source["github__pull_requests"] == 6
    tables = {
        t
        for (t,) in _count(
            warehouse,
            "select table_name from information_schema.tables where table_schema = 'landing'",
        )
    }
    assert not tables & {"hr__roster", "hr__api_keys", "roadmap__roadmap_items"}
    sources = {s for (s,) in _count(warehouse, "select distinct source from landing.file_manifest")}
    assert "github__pull_requests" in sources and not any(
        s.startswith(("hr__", "roadmap__")) for s in sources
    )


def test_roster_without_required_column_stops_landing(raw, tmp_path):
    roster = raw / "hr/roster.csv"
    lines = roster.read_text().splitlines()
    roster.write_text(
        "\n".join(line.rsplit(",", 2)[0] for line in lines) + "\n"
    )  # drop valid_from/to
    with pytest.raises(LandingError, match="missing required column"):
        land(raw, tmp_path / "wh.duckdb")


def test_optional_csv_with_missing_column_is_named_not_fatal(raw, tmp_path):
    (raw / "roadmap/roadmap_items.csv").write_text("team_id,quarter\nT1,2026-Q1\n")
    result = land(raw, tmp_path / "wh.duckdb")
    assert any("roadmap_items.csv" in p and "missing required column" in p for p in result.problems)


def test_unknown_folder_is_reported(raw, tmp_path):
    (raw / "slack").mkdir()
    result = land(raw, tmp_path / "wh.duckdb")
    assert f"{raw / 'slack'}: a folder the raw-directory contract does not have; not read" in (
        result.problems
    )
    assert _count(tmp_path / "wh.duckdb", "select * from landing.unread_files") == [
        ("slack/", 0, 0, "a folder the raw-directory contract does not have", None)
    ]


def test_list_endpoint_pull_requests_land_with_null_sizes(raw, tmp_path):
    import json

    path = raw / "github/pull_requests/acme-shop.json"
    prs = json.loads(path.read_text())
    for pr in prs:
        for field in ("additions", "deletions", "changed_files", "merged"):
            pr.pop(field)
    path.write_text(json.dumps(prs))
    warehouse = tmp_path / "wh.duckdb"
    land(raw, warehouse)
    assert _count(
        warehouse, "select count(*), count(additions) from landing.github__pull_requests"
    ) == [(6, 0)]


def _landed_state(warehouse) -> dict[str, list]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        tables = [
            t
            for (t,) in con.execute(
                "select table_name from information_schema.tables where table_schema = 'landing' "
                "order by 1"
            ).fetchall()
        ]
        return {
            t: sorted(con.execute(f"select * from landing.{t}").fetchall(), key=repr)
            for t in tables
        }
    finally:
        con.close()


def test_batches_of_files_land_exactly_what_one_batch_lands(raw, tmp_path, monkeypatch):
    """Files are parsed in batches (landing.BATCH_BYTES, to bound memory); with one file per
    batch every table, reject and manifest row must be what a single batch gives."""
    import mileage.landing as landing

    with (raw / "copilot/users/2026-01-09.ndjson").open("a") as f:
        f.write("{oops\n[1, 2]\n\n")  # a bad line, an array line, a blank line (not a record)
    (raw / "anthropic/usage_report_messages/broken.json").write_text('{"data": [')
    one_batch = land(raw, tmp_path / "one.duckdb")
    monkeypatch.setattr(landing, "BATCH_BYTES", 1)
    per_file = land(raw, tmp_path / "many.duckdb")
    assert _landed_state(tmp_path / "many.duckdb") == _landed_state(tmp_path / "one.duckdb")
    assert per_file.records_by_source == one_batch.records_by_source
    rejects = _count(
        tmp_path / "many.duckdb",
        "select record_path, reason from landing.rejects "
        "where source = 'copilot__users' order by 1",
    )
    assert rejects == [
        ("line 2", "bad JSON line: not a JSON object"),
        ("line 3", "bad JSON line: not a JSON object"),
    ]
    manifest = _count(
        tmp_path / "many.duckdb",
        "select records, landed_records, rejected_records, status from "
        "landing.file_manifest where source_file like '%2026-01-09.ndjson'",
    )
    assert manifest == [(3, 1, 2, "loaded with rejects")]


def test_the_ndjson_reader_lands_what_the_line_by_line_text_path_lands(raw, tmp_path, monkeypatch):
    """Clean NDJSON files land through DuckDB's reader, the rest through the text path; every
    record's line number, every reject and every manifest row must be what the text path
    alone gives, whichever way each file's lines end."""
    import json

    import mileage.landing as landing
    from fixtures.tiny_raw import COPILOT_LINES

    # Copilot's report is the line-per-record source planted here; telemetry's flat events
    # take the reader too (_land_flat_telemetry_files), its other shapes _land_telemetry.
    first = json.dumps(COPILOT_LINES[0])
    second = json.dumps({**COPILOT_LINES[0], "user_id": 12, "user_login": "ben-gh"})
    overflow = first.replace(
        '"prompt_tokens_sum": 1000', '"prompt_tokens_sum": 99999999999999999999'
    )
    files = {
        "crlf.jsonl": f"{first}\r\n{second}\r\n",  # Windows line ends
        "no-final-newline.jsonl": f"{first}\n{second}",
        "blank-line.jsonl": f"{first}\n\n{second}\n",  # the record after is on line 3
        "byte-order-mark.jsonl": f"\ufeff{first}\n{second}\n",  # UTF-8 BOM: skipped, both land
        # a token count too big for BIGINT lands as the DOUBLE it is; staging rejects it
        "overflow.jsonl": f"{second}\n{overflow}\n",
        "empty.jsonl": "",
    }
    for name, text in files.items():
        (raw / "copilot/users" / name).write_text(text, encoding="utf-8")
    monkeypatch.setattr(landing, "BATCH_BYTES", 1)  # one file per batch, both paths in one run

    reader_outcomes = _spy_on_the_reader(monkeypatch)
    land(raw, tmp_path / "mixed.duckdb")
    monkeypatch.setattr(landing, "_land_clean_line_files", lambda *args: None)
    land(raw, tmp_path / "text.duckdb")

    assert _landed_state(tmp_path / "mixed.duckdb") == _landed_state(tmp_path / "text.duckdb")
    by_reader = {names[0] for names, landed in reader_outcomes if landed}
    assert by_reader == {
        "crlf.jsonl",
        "no-final-newline.jsonl",
        "empty.jsonl",
        "overflow.jsonl",
        "2026-01-09.ndjson",
        # the tiny directory's flat telemetry events (OTLP and dotted keys take the text path)
        "events.jsonl",
    }
    assert _copilot_record_paths(tmp_path / "mixed.duckdb") == [
        ("2026-01-09.ndjson", ["line 1"]),
        ("blank-line.jsonl", ["line 1", "line 3"]),
        ("byte-order-mark.jsonl", ["line 1", "line 2"]),
        ("crlf.jsonl", ["line 1", "line 2"]),
        ("no-final-newline.jsonl", ["line 1", "line 2"]),
        ("overflow.jsonl", ["line 1", "line 2"]),
    ]
    assert _count(
        tmp_path / "mixed.duckdb",
        "select cli_prompt_tokens from landing.copilot__users "
        "where _source_file like '%overflow.jsonl' and _record_path = 'line 2'",
    ) == [(1e20,)]


def test_the_ndjson_reader_numbers_lines_file_by_file_in_one_batch(raw, tmp_path, monkeypatch):
    """Several clean files in one batch: each record's line number counts from its own file's
    first line, whatever the files before it held."""
    import json

    from fixtures.tiny_raw import COPILOT_LINES

    line = json.dumps(COPILOT_LINES[0])
    folder = raw / "copilot/users"
    (folder / "a-three.jsonl").write_text(f"{line}\n{line}\n{line}\n")
    (folder / "b-empty.jsonl").write_text("")
    (folder / "c-one-crlf.jsonl").write_text(f"{line}\r\n")
    (folder / "d-four-no-final-newline.jsonl").write_text("\n".join([line] * 4))
    batches = _spy_on_the_reader(monkeypatch)
    land(raw, tmp_path / "wh.duckdb")
    copilot_files = sorted(f.name for f in folder.iterdir())
    assert (copilot_files, True) in batches
    assert _copilot_record_paths(tmp_path / "wh.duckdb") == [
        ("2026-01-09.ndjson", ["line 1"]),
        ("a-three.jsonl", ["line 1", "line 2", "line 3"]),
        ("c-one-crlf.jsonl", ["line 1"]),
        ("d-four-no-final-newline.jsonl", ["line 1", "line 2", "line 3", "line 4"]),
    ]
    assert _count(
        tmp_path / "wh.duckdb",
        "select records, landed_records, status from landing.file_manifest "
        "where source_file like '%b-empty.jsonl'",
    ) == [(0, 0, "loaded")]


def _spy_on_the_reader(monkeypatch) -> list[tuple[list[str], bool]]:
    """Record each batch the NDJSON reader path is given (its file names) and whether it
    landed the batch; the list fills as landing runs."""
    import mileage.landing as landing

    outcomes: list[tuple[list[str], bool]] = []
    reader = landing._land_clean_line_files

    def spy(con, source, batch, columns):
        counts = reader(con, source, batch, columns)
        outcomes.append(([f.name for f in batch], counts is not None))
        return counts

    monkeypatch.setattr(landing, "_land_clean_line_files", spy)
    return outcomes


def _copilot_record_paths(warehouse) -> list[tuple[str, list[str]]]:
    """(file name, its records' paths) for each landed Copilot report file."""
    return _count(
        warehouse,
        "select regexp_extract(_source_file, '[^/]+$'), list(_record_path order by _record_path) "
        "from landing.copilot__users group by 1 order by 1",
    )
