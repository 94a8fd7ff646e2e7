"""Run the dbt project as a subprocess, with the environment Mileage's profiles.yml expects.

A subprocess (rather than dbt's in-process runner) keeps dbt's DuckDB connection out of the
caller's process, so the caller can open the warehouse afterwards with any configuration,
and it lets concurrent builds use separate target/log directories.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from mileage import config

HMAC_BLOCK_SIZE = 64  # bytes, for SHA-256


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
    env = dict(os.environ)
    env.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    env["MILEAGE_DBT_TARGET"] = target
    if warehouse is not None:
        env["MILEAGE_DBT_DUCKDB_PATH"] = str(Path(warehouse).resolve())
    key, _is_demo = config.pseudonym_key()
    ipad, opad = hmac_pads(key)
    env["MILEAGE_PSEUDONYM_IPAD_HEX"] = ipad
    env["MILEAGE_PSEUDONYM_OPAD_HEX"] = opad
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
    dbt_vars: dict | None = None,
    target: str = "duckdb",
    target_path: Path | None = None,
    on_node_done: Callable[[str, str], None] | None = None,
    check: bool = True,
) -> DbtResult:
    """Run `dbt <args>` against this project.

    `target_path` defaults to a fresh temporary directory so that concurrent runs never share
    dbt's target/ and partial-parse state. `on_node_done(node_name, status)` is called as
    each node finishes (for progress bars).
    """
    if target_path is None:
        target_path = Path(tempfile.mkdtemp(prefix="mileage-dbt-"))
    target_path = Path(target_path)
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
    if dbt_vars:
        cmd += ["--vars", json.dumps(dbt_vars)]
    result = DbtResult(returncode=0, target_path=target_path)
    proc = subprocess.Popen(
        cmd,
        env=dbt_env(warehouse, target),
        cwd=config.PROJECT_DIR,
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
    if result.returncode != 0 and check:
        reasons = result.failures or plain_lines[-5:] or [f"dbt exited {result.returncode}"]
        raise DbtError("; ".join(reasons[:5]) + (" ..." if len(reasons) > 5 else ""))
    return result


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


def count_nodes(select: str | None = None) -> int | None:
    """How many nodes `dbt build` would run (for a progress bar total); None if unknown."""
    return None
