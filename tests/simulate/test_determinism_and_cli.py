"""Same seed, same bytes; daily buckets are the hourly ones summed; the CLI command."""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb
import pytest
import typer
from typer.testing import CliRunner

from mileage.simulate.cli import simulate_command

from .conftest import raw_views, run_sim


def _digests(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_same_seed_gives_the_same_bytes(small_sim, tmp_path):
    again = run_sim(tmp_path)
    first = _digests(small_sim.raw.parent)
    second = _digests(again.raw.parent)
    assert len(first) > 20
    assert first == second


def test_another_seed_gives_another_organisation(small_sim, tmp_path):
    other = run_sim(tmp_path, seed=small_sim.options.seed + 1)
    a = (small_sim.raw / "hr" / "roster.csv").read_bytes()
    b = (other.raw / "hr" / "roster.csv").read_bytes()
    assert a != b


def test_daily_buckets_are_the_hourly_buckets_summed(small_sim, tmp_path):
    daily = run_sim(tmp_path, bucket="1d")
    con = duckdb.connect()
    con.execute("set timezone = 'UTC'")
    sums = {}
    for name, sim in (("hourly", small_sim), ("daily", daily)):
        raw_views(con, sim.raw)
        width = con.execute("select distinct epoch(ts_end) - epoch(ts) from msg").fetchall()
        assert width == [(3600 if name == "hourly" else 86400,)]
        widths = con.execute("select distinct end_time - start_time from oai").fetchall()
        assert widths == [(3600 if name == "hourly" else 86400,)]
        sums[name] = {
            "msg": con.execute("""select key, model, ts::date, sum(uncached), sum(cache_write),
                                         sum(cache_read), sum(output)
                                  from msg group by all order by all""").fetchall(),
            "oai": con.execute("""select user_id, key, model, start_time // 86400, sum(input),
                                         sum(cached), sum(output)
                                  from oai group by all order by all""").fetchall(),
        }
    assert sums["hourly"] == sums["daily"]
    # Everything that is not bucketed is byte for byte the same.
    hourly, day = _digests(small_sim.raw), _digests(daily.raw)
    for rel, digest in hourly.items():
        if not rel.startswith(("anthropic/usage_report_messages", "openai/")):
            assert day.get(rel) == digest, rel


def test_a_rerun_replaces_the_previous_output(tmp_path):
    first = run_sim(tmp_path, employees=40, days=10)
    stray = first.raw / "anthropic" / "usage_report_messages" / "old-page.json"
    stray.write_text("{}")
    (first.gt / "people.csv").write_text("stale")
    second = run_sim(tmp_path, employees=40, days=9)
    assert not stray.exists()
    files = [p for p in second.raw.rglob("*") if p.is_file()]
    assert len(files) == second.summary.files_written
    assert (second.gt / "people.csv").read_text().startswith("employee_id,")


@pytest.fixture
def cli():
    app = typer.Typer(add_completion=False)
    app.command("simulate")(simulate_command)

    @app.command("noop")
    def noop() -> None:  # a second command keeps `simulate` a named subcommand
        pass

    return app


def test_cli_writes_the_raw_dir_and_ground_truth(cli, tmp_path):
    out = tmp_path / "demo" / "raw"
    result = CliRunner().invoke(
        cli,
        [
            "simulate",
            "--out",
            str(out),
            "--employees",
            "40",
            "--days",
            "10",
            "--seed",
            "3",
            "--start",
            "2026-01-05",
            "--bucket",
            "1d",
            "--prompt-stuffer-rate",
            "0",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "Wrote" in result.output
    assert (out / "hr" / "roster.csv").exists()
    people = (tmp_path / "demo" / "ground_truth" / "people.csv").read_text()
    assert "prompt_stuffer" not in people and "pr_spammer" in people
    pages = list((out / "anthropic" / "usage_report_messages").glob("*.json"))
    assert pages and all("20260105" <= p.name.split("_")[1] <= "20260114" for p in pages)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--employees", "3"], "--employees must be between"),
        (["--days", "0"], "--days must be between"),
        (["--bucket", "5m"], "--bucket must be 1h or 1d"),
        (["--start", "2026-02-30"], "--start must be YYYY-MM-DD"),
        (["--seed", "-1"], "--seed must be"),
        (["--always-on-bot-rate", "0.9"], "--always-on-bot-rate must be between 0 and 0.2"),
    ],
)
def test_cli_rejects_bad_options_in_one_line(cli, tmp_path, args, message):
    out = tmp_path / "raw"
    result = CliRunner().invoke(cli, ["simulate", "--out", str(out), *args])
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and message in lines[0], result.output
    assert not out.exists()
