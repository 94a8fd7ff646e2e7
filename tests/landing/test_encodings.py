"""Files that are not UTF-8: read when their byte-order mark names the encoding, otherwise
stopped (the roster) or rejected (everything else) with the first offending byte and line.

Expected lines and byte positions are worked out from the bytes written here, not by Mileage.
"""

from __future__ import annotations

import json

import duckdb
import pytest

from fixtures.tiny_raw import JIRA_PAGE, ROSTER, write_tiny_raw
from mileage.landing import LandingError, _first_non_utf8, land

# "Cy Çole" is on line 5 of the roster (header, E1, E2, E2, E3)
ACCENTED = ROSTER.replace("Cy Cole", "Cy Çole")


@pytest.fixture
def raw(tmp_path):
    return write_tiny_raw(tmp_path / "raw")


def _rows(warehouse, sql):
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def _position(data: bytes, byte: bytes) -> tuple[int, int]:
    """(1-based line, 1-based byte offset) of the first `byte` in `data`."""
    at = data.index(byte)
    return data.count(b"\n", 0, at) + 1, at + 1


@pytest.mark.parametrize(
    ("encoding", "text", "byte"),
    [
        ("latin-1", ACCENTED, b"\xc7"),
        # Windows-1252's curly apostrophe, 0x92: not a Latin-1 letter either
        ("cp1252", ROSTER.replace("Dee Dale", "Dee O\u2019Dale"), b"\x92"),
    ],
)
def test_a_roster_that_is_not_utf8_stops_with_the_byte_and_line(
    raw, tmp_path, encoding, text, byte
):
    data = text.encode(encoding)
    (raw / "hr/roster.csv").write_bytes(data)
    line, offset = _position(data, byte)
    with pytest.raises(LandingError) as stop:
        land(raw, tmp_path / "wh.duckdb")
    message = str(stop.value)
    assert "\n" not in message
    assert str(raw / "hr/roster.csv") in message
    assert f"byte 0x{byte[0]:02X} at line {line}, byte {offset} of the file" in message
    assert "save it as UTF-8" in message
    assert "CSV Error" not in message


@pytest.mark.parametrize(
    ("label", "data"),
    [
        ("UTF-8 with a byte-order mark", b"\xef\xbb\xbf" + ACCENTED.encode("utf-8")),
        ("UTF-16 little-endian with a byte-order mark", ACCENTED.encode("utf-16-le")),
        ("UTF-16 with Windows line ends", ACCENTED.replace("\n", "\r\n").encode("utf-16-le")),
    ],
)
def test_a_roster_whose_byte_order_mark_names_its_encoding_lands_as_utf8_would(
    raw, tmp_path, label, data
):
    if not data.startswith(b"\xef\xbb\xbf"):
        data = b"\xff\xfe" + data
    (raw / "hr/roster.csv").write_text(ACCENTED, encoding="utf-8")
    land(raw, tmp_path / "plain.duckdb")
    (raw / "hr/roster.csv").write_bytes(data)
    land(raw, tmp_path / "marked.duckdb")
    columns = "employee_id, email, full_name, team_id, valid_from, valid_to, _record_path"
    sql = f"select {columns} from landing.hr__roster order by all"
    marked = _rows(tmp_path / "marked.duckdb", sql)
    assert marked == _rows(tmp_path / "plain.duckdb", sql), label
    assert len(marked) == 5 and ("E3", "cy@example.com", "Cy Çole") in [r[:3] for r in marked]


def test_a_big_endian_utf16_roster_stops_with_a_reason(raw, tmp_path):
    (raw / "hr/roster.csv").write_bytes(b"\xfe\xff" + ROSTER.encode("utf-16-be"))
    with pytest.raises(LandingError, match=r"UTF-16 big-endian text.*save it as UTF-8"):
        land(raw, tmp_path / "wh.duckdb")


def test_a_utf16_roster_without_byte_order_mark_stops_with_a_reason(raw, tmp_path):
    (raw / "hr/roster.csv").write_bytes(ROSTER.encode("utf-16-le"))  # ASCII: valid UTF-8 bytes
    with pytest.raises(LandingError, match="NUL bytes: UTF-16 without a byte-order mark"):
        land(raw, tmp_path / "wh.duckdb")


@pytest.mark.parametrize(
    ("rel", "source", "replace", "byte"),
    [
        ("hr/api_keys.csv", "hr__api_keys", ("shared-ci", "shared-ci-é"), "E9"),
        ("roadmap/roadmap_items.csv", "roadmap__roadmap_items", ("Ranking", "Ranking für"), "FC"),
    ],
)
def test_an_optional_csv_that_is_not_utf8_is_rejected_and_the_build_goes_on(
    raw, tmp_path, rel, source, replace, byte
):
    path = raw / rel
    data = path.read_text().replace(*replace).encode("latin-1")
    path.write_bytes(data)
    line, offset = _position(data, bytes.fromhex(byte))
    warehouse = tmp_path / "wh.duckdb"
    result = land(raw, warehouse)
    reason = f"not UTF-8 text: byte 0x{byte} at line {line}, byte {offset}"
    assert [p for p in result.problems if str(path) in p and reason in p]
    assert result.records_by_source["hr__roster"] == 5  # the rest landed
    assert result.rejected_by_source[source] == 1
    (rejected,) = _rows(warehouse, f"select reason from landing.rejects where source = '{source}'")
    assert reason in rejected[0] and "save it as UTF-8" in rejected[0]


def _latin1_jira(raw) -> tuple[bytes, str]:
    page = json.loads(json.dumps(JIRA_PAGE))
    page["issues"][0]["key"] = "SHÖP-1"
    data = json.dumps(page, ensure_ascii=False).encode("latin-1")
    (raw / "jira/issues/page-1.json").write_bytes(data)
    line, offset = _position(data, b"\xd6")
    return data, f"not UTF-8 text: byte 0xD6 at line {line}, byte {offset} of the file"


def test_a_json_page_that_is_not_utf8_is_rejected_with_the_byte(raw, tmp_path):
    """It used to fail the whole landing with DuckDB's read_text error."""
    _, reason = _latin1_jira(raw)
    (raw / "jira/issues/page-2.json").write_text(json.dumps({"issues": JIRA_PAGE["issues"][:1]}))
    warehouse = tmp_path / "wh.duckdb"
    result = land(raw, warehouse)
    assert result.records_by_source["jira__issues"] == 1  # page-2 still landed
    assert _rows(
        warehouse,
        "select records, landed_records, rejected_records, status from landing.file_manifest "
        "where source_file like '%page-1.json' and source = 'jira__issues'",
    ) == [(1, 0, 1, "rejected")]
    (rejected,) = _rows(warehouse, "select reason from landing.rejects")
    assert rejected[0].startswith(reason) and "RFC 8259" in rejected[0]


def test_a_utf16_json_page_is_named_as_such(raw, tmp_path):
    path = raw / "anthropic/usage_report_messages/page-1.json"
    path.write_bytes(path.read_text().encode("utf-16"))  # with its byte-order mark
    result = land(raw, tmp_path / "wh.duckdb")
    assert any(
        "page-1.json: not UTF-8 text: byte 0xFF (a UTF-16 byte-order mark) at line 1, byte 1 " in p
        for p in result.problems
    )
    assert result.records_by_source["anthropic__usage_report_messages"] == 2  # page-2's


def test_an_ndjson_file_that_is_not_utf8_is_rejected_with_the_byte(raw, tmp_path):
    path = raw / "copilot/users/2026-01-09.ndjson"
    line_1 = path.read_text().splitlines()[0]
    data = (line_1 + "\n" + line_1.replace("ana-gh", "anä-gh") + "\n").encode("latin-1")
    path.write_bytes(data)
    line, offset = _position(data, b"\xe4")
    assert line == 2
    warehouse = tmp_path / "wh.duckdb"
    result = land(raw, warehouse)
    assert any(f"byte 0xE4 at line 2, byte {offset} of the file" in p for p in result.problems)
    assert _rows(
        warehouse,
        "select records, landed_records, rejected_records from landing.file_manifest "
        "where source = 'copilot__users'",
    ) == [(1, 0, 1)]
    assert result.records_by_source["telemetry__claude_code_events"] == 2  # the rest landed


def test_a_json_page_with_a_utf8_byte_order_mark_lands(raw, tmp_path):
    path = raw / "jira/issues/page-1.json"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    result = land(raw, tmp_path / "wh.duckdb")
    assert result.records_by_source["jira__issues"] == len(JIRA_PAGE["issues"])
    assert result.rejected_by_source["jira__issues"] == 0


def test_the_scan_reads_characters_split_across_chunks(tmp_path):
    """The scan reads in chunks: a character cut by a chunk boundary is still valid, and a bad
    byte's line and offset count every chunk before it."""
    path = tmp_path / "t.csv"
    text = "ab\nçé€\n" * 5  # 2- and 3-byte characters at every offset modulo 7
    path.write_bytes(text.encode("utf-8"))
    assert _first_non_utf8(path, chunk_bytes=7) is None
    path.write_bytes(text.encode("utf-8") + b"x\nyz\xe9\n")
    # 5 x (3 + 8) = 55 bytes on 10 lines, then "x\n" (56-57), "yz" (58-59): byte 60, line 12
    assert _first_non_utf8(path, chunk_bytes=7) == "byte 0xE9 at line 12, byte 60 of the file"
    # cut inside the last "€": 44 bytes, "ab\n" (45-47), "çé" (48-51), 0xE2 is byte 52, line 10
    path.write_bytes(text.encode("utf-8")[:-3])
    assert _first_non_utf8(path, chunk_bytes=7) == "byte 0xE2 at line 10, byte 52 of the file"
