"""Run the dbt project as a subprocess, with the environment Mileage's profiles.yml expects.

A subprocess (rather than dbt's in-process runner) keeps dbt's DuckDB connection out of the
caller's process, so the caller can open the warehouse afterwards with any configuration,
and it lets concurrent builds use separate target/log directories.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from mileage import config

HMAC_BLOCK_SIZE = 64  # bytes, for SHA-256
# The environment variables carrying the inner and outer HMAC pads to dbt (read by
# mileage/dbt_plugin.py on DuckDB and by profiles.yml on Spark)
PAD_ENV = ("MILEAGE_PSEUDONYM_IPAD_HEX", "MILEAGE_PSEUDONYM_OPAD_HEX")

# dbt re-parses the whole project (~8 s here) unless it finds its partial-parse state in the
# target directory. Every run gets a fresh target directory (see run_dbt), so the state of the
# last run is kept here and copied into the next run's directory; dbt checks it against the
# project's files and re-parses whatever changed. The state holds the profile's connection
# values (the warehouse's path and database name), so it is kept per dbt target and warehouse
# file name, and run_dbt names the warehouse relative to its folder (the pipeline builds into
# a folder of its own under the live warehouse's name: mileage.pipeline.building_path).
PARSE_STATE_DIR = config.PROJECT_DIR / "target" / "parse-state"
PARSE_STATE_FILE = "partial_parse.msgpack"

# What a production build runs: every seed, model and data test. Unit tests check model logic
# on fixed mocked rows, so their result depends on the code alone, not on the data: dbt's docs
# recommend running them in development and CI only. The test suite runs them (the tiny
# build in tests/conftest.py); a full build at 85,000 people spent ~15 s on them.
BUILD_ARGS = ("build", "--exclude-resource-type", "unit_test")


class DbtError(RuntimeError):
    """dbt exited non-zero; the message names the failing nodes."""


@dataclass
class DbtResult:
    returncode: int
    target_path: Path
    failures: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    nodes_done: int = 0


def hmac_pads(key: bytes) -> tuple[str, str]:
    """Inner and outer HMAC-SHA256 pads (hex) for the SQL implementation in macros/pseudonymise.sql.

    HMAC(K, m) = H((K' ^ opad) || H((K' ^ ipad) || m)); SQL engines have sha256 but not HMAC,
    so Python derives the padded keys and the macro does the two hashes.
    """
    if len(key) > HMAC_BLOCK_SIZE:
        key = hashlib.sha256(key).digest()
    key = key.ljust(HMAC_BLOCK_SIZE, b"\x00")
    ipad = bytes(b ^ 0x36 for b in key)
    opad = bytes(b ^ 0x5C for b in key)
    return ipad.hex(), opad.hex()


def dbt_env(warehouse: Path | None, target: str = "duckdb") -> dict[str, str]:
    """The environment of a dbt run: warehouse, target and the pseudonymisation pads (read by
    mileage/dbt_plugin.py on DuckDB and by profiles.yml on Spark, never rendered into SQL)."""
    env = dict(os.environ)
    env.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    env["MILEAGE_DBT_TARGET"] = target
    if warehouse is not None:
        env["MILEAGE_DBT_DUCKDB_PATH"] = str(Path(warehouse).resolve())
    key, _is_demo = config.pseudonym_key()
    env.update(zip(PAD_ENV, hmac_pads(key), strict=True))
    return env


def dbt_executable() -> list[str]:
    exe = Path(sys.executable).with_name("dbt")
    if exe.exists():
        return [str(exe)]
    return [sys.executable, "-m", "dbt.cli.main"]


def run_dbt(
    args: Sequence[str],
    *,
    warehouse: Path | None,
    extra_env: dict[str, str | None] | None = None,
    target: str = "duckdb",
    target_path: Path | None = None,
    on_node_done: Callable[[str, str], None] | None = None,
    check: bool = True,
) -> DbtResult:
    """Run `dbt <args>` against this project.

    `target_path` defaults to a fresh temporary directory so that concurrent runs never share
    dbt's target/; the partial-parse state of the last run on a warehouse of the same file name
    is copied into it (see PARSE_STATE_DIR). `extra_env` adds to the environment (an
    incremental build's request); a None value removes the variable. `on_node_done(node_name,
    status)` is called as each node finishes (for progress bars).
    """
    if target_path is None:
        target_path = Path(tempfile.mkdtemp(prefix="mileage-dbt-"))
    target_path = Path(target_path)
    env = {**dbt_env(warehouse, target), **(extra_env or {})}
    env = {name: value for name, value in env.items() if value is not None}
    cwd = config.PROJECT_DIR
    if warehouse is not None:
        # the same profile values for every warehouse of this name, wherever it is
        warehouse = Path(warehouse).resolve()
        env["MILEAGE_DBT_DUCKDB_PATH"], cwd = warehouse.name, warehouse.parent
    parse_state = _parse_state_path(target, warehouse)
    restore_parse_state(target_path, parse_state)
    cmd = [
        *dbt_executable(),
        "--log-format",
        "json",
        "--no-use-colors",
        *args,
        "--project-dir",
        str(config.PROJECT_DIR),
        "--profiles-dir",
        str(config.PROJECT_DIR),
        "--target-path",
        str(target_path),
        "--log-path",
        str(target_path / "logs"),
    ]
    result = DbtResult(returncode=0, target_path=target_path)
    proc = subprocess.Popen(
        cmd,
        env=env,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    plain_lines: list[str] = []
    assert proc.stdout is not None
    for line in proc.stdout:
        try:
            event = json.loads(line)
        except json.JSONDecodeError:
            plain_lines.append(line.rstrip())
            continue
        _handle_event(event, result, on_node_done)
    result.returncode = proc.wait()
    save_parse_state(target_path, parse_state)
    if result.returncode != 0 and check:
        reasons = result.failures or plain_lines[-5:] or [f"dbt exited {result.returncode}"]
        raise DbtError("; ".join(reasons[:5]) + (" ..." if len(reasons) > 5 else ""))
    return result


def _parse_state_path(target: str, warehouse: Path | None) -> Path:
    return PARSE_STATE_DIR / target / (warehouse.name if warehouse else "-") / PARSE_STATE_FILE


def restore_parse_state(target_path: Path, kept: Path) -> None:
    """Copy the kept partial-parse state, if any, into `target_path`."""
    wanted = target_path / PARSE_STATE_FILE
    if wanted.exists() or not kept.is_file():
        return
    target_path.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(kept, wanted)


def save_parse_state(target_path: Path, kept: Path) -> None:
    """Keep the partial-parse state dbt wrote in `target_path` for the next run. Written to a
    temporary file and renamed, so a concurrent run reads either the old state or the new one."""
    produced = target_path / PARSE_STATE_FILE
    if not produced.is_file():
        return
    folder = kept.parent
    folder.mkdir(parents=True, exist_ok=True)
    with (
        tempfile.NamedTemporaryFile(dir=folder, prefix=".partial_parse-", delete=False) as tmp,
        produced.open("rb") as source,
    ):
        shutil.copyfileobj(source, tmp)
    os.replace(tmp.name, kept)


def _handle_event(event: dict, result: DbtResult, on_node_done) -> None:
    info = event.get("info", {})
    name = info.get("name", "")
    data = event.get("data", {})
    # The Log*Result events are info-level, so they reach stdout; NodeFinished is debug-only.
    if name in {"LogModelResult", "LogSeedResult", "LogTestResult", "LogSnapshotResult"}:
        node = data.get("node_info", {})
        status = str(data.get("status") or node.get("node_status", ""))
        result.nodes_done += 1
        if on_node_done:
            on_node_done(node.get("node_name", "?"), status)
    elif name in {"RunResultError", "RunResultFailure", "RunResultErrorNoMessage"}:
        msg = info.get("msg", "").strip()
        if msg:
            result.failures.append(" ".join(msg.split()))
    elif name in {"MainEncounteredError", "CompilationError"}:
        result.failures.append(" ".join(info.get("msg", "").split()))
    elif name == "RunResultWarning" or (name == "LogTestResult" and data.get("status") == "warn"):
        result.warnings.append(" ".join(info.get("msg", "").split()))
