"""One writer per warehouse: a build holds an exclusive lock on a file beside the warehouse.

Two builds of one warehouse at once would both publish, the last one winning, and an
incremental build could start from a warehouse the other is about to replace. The lock is an
advisory `flock` on `.<warehouse name>.lock`: the kernel releases it when its holder exits,
however it exits, so a lock file left by a dead process (a stale pid inside) never blocks. The
file stays in place (removing a flock'ed file lets a third build lock a new file while the
second still holds the old one); it holds the last holder's pid, host and start time, for the
message the next build shows while the lock is held. flock is local to one machine: builds of
one warehouse on a shared network file system from several hosts are not covered.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import socket
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

POLL_SECONDS = 0.2


class LockHeld(RuntimeError):
    """Another build holds the warehouse's lock; `str()` names it and what to do."""


def lock_path(warehouse: Path) -> Path:
    warehouse = Path(warehouse)
    return warehouse.parent / f".{warehouse.name}.lock"


def holder(path: Path) -> dict:
    """What the lock file says about its last holder ({} when unreadable or empty)."""
    try:
        data = json.loads(path.read_text() or "{}")
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _describe(info: dict) -> str:
    if not info.get("pid"):
        return "another build (holder unknown)"
    host = f" on {info['host']}" if info.get("host") else ""
    return f"pid {info['pid']}{host}, started {info.get('started_at', '?')}"


@contextlib.contextmanager
def publish_lock(warehouse: Path, wait: float = 0.0) -> Iterator[Path]:
    """Hold the lock of `warehouse` for the duration of the block.

    Waits up to `wait` seconds for another build to release it (0: stop at once), then raises
    LockHeld naming the holder.
    """
    path = lock_path(warehouse)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + max(wait, 0.0)
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    waited = f"after waiting {wait:g} s" if wait > 0 else "at once"
                    raise LockHeld(
                        f"another build is publishing {warehouse}: {_describe(holder(path))} "
                        f"(lock {path}); stopped {waited}: let it finish, or pass "
                        "--wait-for-lock SECONDS to wait for it"
                    ) from None
                time.sleep(POLL_SECONDS)
        info = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(info).encode(), 0)
        yield path
    finally:
        os.close(fd)  # releases the lock
