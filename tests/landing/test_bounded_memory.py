"""Landing's memory does not follow the size of one file.

A JSON document is parsed whole, so one above the per-file limit (config.max_document_bytes,
MILEAGE_MAX_DOCUMENT_BYTES) is rejected with the limit named; a line file too large for the
text path is taken in line-aligned pieces (landing.LINE_CHUNK_BYTES). The fast tests lower
both; the slow one lands a 1 GB NDJSON file with a bad line and measures the peak.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import duckdb
import pytest

import mileage.landing as landing
from fixtures.tiny_raw import COPILOT_LINES, write_tiny_raw
from mileage.config import ENV_MAX_DOCUMENT_BYTES
from mileage.landing import land


@pytest.fixture
def raw(tmp_path):
    return write_tiny_raw(tmp_path / "raw")


def _rows(warehouse, sql):
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_a_document_above_the_limit_is_rejected_naming_the_limit(raw, tmp_path, monkeypatch):
    pages = raw / "anthropic/usage_report_messages"
    big, small = (pages / "page-1.json").stat().st_size, (pages / "page-2.json").stat().st_size
    assert small < big
    monkeypatch.setenv(ENV_MAX_DOCUMENT_BYTES, str(small))  # page-2 is at the limit: it lands
    warehouse = tmp_path / "wh.duckdb"
    result = land(raw, warehouse)
    reason = (
        f"a JSON document of {big:,} bytes, above the per-file limit of {small:,} "
        f"({ENV_MAX_DOCUMENT_BYTES})"
    )
    assert [p for p in result.problems if "page-1.json" in p and reason in p]
    assert result.records_by_source["anthropic__usage_report_messages"] == 2  # page-2's rows
    assert _rows(
        warehouse,
        "select records, landed_records, rejected_records, status from landing.file_manifest "
        "where source_file like '%page-1.json' and source = 'anthropic__usage_report_messages'",
    ) == [(1, 0, 1, "rejected")]
    (rejected,) = _rows(
        warehouse,
        "select reason from landing.rejects where source_file like '%page-1.json' "
        "and source = 'anthropic__usage_report_messages'",
    )
    assert rejected[0].startswith(reason) and "split it into pages" in rejected[0]


def test_landing_memory_follows_the_document_limit(monkeypatch):
    """Two documents at the limit at once (6.5x their size each, 8x for margin), or two pieces
    of a line file (64 MiB, about 3x): 2 x 8 x 256 MiB = 4 GiB by default."""
    assert landing.landing_memory_limit() == 4 * 2**30
    monkeypatch.setenv(ENV_MAX_DOCUMENT_BYTES, str(2**20))
    assert landing.landing_memory_limit() == 2 * 4 * 64 * 2**20


def test_a_bad_limit_is_named(raw, tmp_path, monkeypatch):
    monkeypatch.setenv(ENV_MAX_DOCUMENT_BYTES, "2GB")
    with pytest.raises(ValueError, match=f"{ENV_MAX_DOCUMENT_BYTES} must be a number of bytes"):
        land(raw, tmp_path / "wh.duckdb")


def _copilot_file(raw) -> list[str]:
    """A Copilot line file that needs the text path: 40 records, a blank line, a bad line, a
    byte-order mark, no final line end; returns its lines."""
    lines = []
    for i in range(40):
        record = {**COPILOT_LINES[0], "user_id": 1000 + i, "user_login": f"user-{i}"}
        lines.append(json.dumps(record))
    lines[7] = ""
    lines[23] = "{oops"
    path = raw / EVENTS
    path.write_text("\ufeff" + "\n".join(lines), encoding="utf-8")
    return lines


EVENTS = "copilot/users/events.ndjson"


def _landed(warehouse):
    return (
        _rows(
            warehouse,
            "select _record_path, user_id from landing.copilot__users "
            "where _source_file like '%events.ndjson' order by all",
        ),
        _rows(
            warehouse,
            "select record_path, reason, raw_record from landing.rejects "
            "where source_file like '%events.ndjson'",
        ),
        _rows(
            warehouse,
            "select records, landed_records, rejected_records, status from landing.file_manifest "
            "where source_file like '%events.ndjson'",
        ),
    )


def test_a_line_file_in_pieces_lands_as_it_does_whole(raw, tmp_path, monkeypatch):
    """Pieces of ~1 KB (a few lines each, a line cut by every boundary) give the same records,
    line numbers, rejects and counts as one piece, and as counted by hand."""
    lines = _copilot_file(raw)
    land(raw, tmp_path / "whole.duckdb")
    monkeypatch.setattr(landing, "LINE_CHUNK_BYTES", 1000)
    land(raw, tmp_path / "pieces.duckdb")
    records, rejects, manifest = _landed(tmp_path / "pieces.duckdb")
    assert (records, rejects, manifest) == _landed(tmp_path / "whole.duckdb")
    # 40 lines, line 8 blank, line 24 bad: 39 counted, 38 landed (line 1 behind the mark)
    expected = [(f"line {n + 1}", 1000 + n) for n in range(40) if lines[n] and lines[n] != "{oops"]
    assert records == sorted(expected) and len(records) == 38
    assert rejects == [("line 24", "bad JSON line: not a JSON object", "{oops")]
    assert manifest == [(39, 38, 1, "loaded with rejects")]


def test_a_line_file_not_utf8_in_a_later_piece_is_rejected_whole(raw, tmp_path, monkeypatch):
    lines = _copilot_file(raw)
    path = raw / EVENTS
    data = path.read_bytes() + b"\n" + lines[0].replace("user-0", "us\xe9r-0").encode("latin-1")
    path.write_bytes(data)
    monkeypatch.setattr(landing, "LINE_CHUNK_BYTES", 1000)
    warehouse = tmp_path / "wh.duckdb"
    land(raw, warehouse)
    records, rejects, manifest = _landed(warehouse)
    assert records == []  # the pieces before the bad byte were taken back
    assert manifest == [(1, 0, 1, "rejected")]
    at = data.index(b"\xe9")
    assert rejects[0][1].startswith(f"not UTF-8 text: byte 0xE9 at line 41, byte {at + 1} ")


MEASURE = """
import json, sys, threading, time
from pathlib import Path
import psutil
from mileage.landing import land
peak, done, me = 0, False, psutil.Process()
def watch():
    global peak
    while not done:
        peak = max(peak, me.memory_info().rss)
        time.sleep(0.05)
threading.Thread(target=watch, daemon=True).start()
result = land(Path(sys.argv[1]), Path(sys.argv[2]))
done = True
print(json.dumps({"peak": peak, "landed": result.records_by_source, "rejected": result.rejected_by_source}))
"""


@pytest.mark.slow
def test_a_1gb_ndjson_file_with_a_bad_line_lands_in_bounded_memory(tmp_path):
    """Before, a 512 MB file with one bad line peaked at 1.3 GB (the whole file as text, split
    into lines). With a 32 MiB document limit, landing's DuckDB may use 512 MiB
    (landing_memory_limit), and a 1 GiB file lands in less than 1 GiB."""
    raw = write_tiny_raw(tmp_path / "raw")
    # Copilot's line files take the pieces path (telemetry's own reader: _land_telemetry)
    line = json.dumps(COPILOT_LINES[0]) + "\n"
    copies = 2**30 // len(line) + 1
    block = 10_000
    with (raw / "copilot/users/big.ndjson").open("w") as f:
        for _ in range(copies // block):
            f.write(line * block)
        f.write(line * (copies % block))
        f.write("{oops\n")
    env = dict(os.environ, **{ENV_MAX_DOCUMENT_BYTES: str(32 * 2**20)})
    out = subprocess.run(
        [sys.executable, "-c", MEASURE, str(raw), str(tmp_path / "wh.duckdb")],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    report = json.loads(out.stdout.strip().splitlines()[-1])
    assert report["landed"]["copilot__users"] == copies + len(COPILOT_LINES)  # + the tiny file
    assert report["rejected"]["copilot__users"] == 1
    assert report["peak"] < 2**30
