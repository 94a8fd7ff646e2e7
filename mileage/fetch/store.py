"""Atomic page writes and the resumable state file of each source.

A page is written to a hidden temporary name in its own folder (a name no landing pattern
matches), flushed to disk, then renamed over its final name: a build running at the same
moment sees the old page or the new one, never half of one. State files live in
`<raw-dir>/.mileage-fetch/`, outside every folder the landing reads.
"""

from __future__ import annotations

import json
import os
from datetime import date
from pathlib import Path

STATE_DIR = ".mileage-fetch"


def write_atomic(path: Path, content: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.partial")
    with open(temporary, "wb") as handle:
        handle.write(content)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)
    return path


def state_path(raw_dir: Path, source: str) -> Path:
    return Path(raw_dir) / STATE_DIR / f"{source}.json"


def read_state(raw_dir: Path, source: str) -> dict:
    path = state_path(raw_dir, source)
    if not path.is_file():
        return {}
    try:
        return json.loads(path.read_text())
    except ValueError:
        # An unreadable state only costs a longer re-fetch, never data: start from --since.
        return {}


def resume_date(raw_dir: Path, source: str) -> date | None:
    value = read_state(raw_dir, source).get("next_since")
    return date.fromisoformat(value) if value else None


def save_state(raw_dir: Path, source: str, next_since: date, **extra) -> None:
    state = {"next_since": next_since.isoformat(), **extra}
    write_atomic(state_path(raw_dir, source), (json.dumps(state, indent=2) + "\n").encode())
