"""How the app is served and looked at: the one `streamlit run` command line (used by `mileage
app`, the browser tests and bench/app_timings.py, so they all serve it the same way) and the
headless Chromium they open it in (Debian's; `playwright install` cannot download one here)."""

from __future__ import annotations

import socket
import sys
import tomllib
from pathlib import Path

from mileage import config


def streamlit_command(port: int, *, address: str | None = None, headless: bool = True) -> list[str]:
    """`python -m streamlit run app.py` on `port` (at `address` if given, else where
    .streamlit/config.toml says: 127.0.0.1)."""
    cmd = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(config.PROJECT_DIR / "app.py"),
        "--server.port",
        str(port),
        "--server.headless",
        "true" if headless else "false",
        "--browser.gatherUsageStats",
        "false",
    ]
    if address:
        cmd += ["--server.address", address]
    return cmd


def secrets_files() -> list[Path]:
    """Where Streamlit reads secrets for `streamlit run app.py` from the project directory."""
    return [
        Path.home() / ".streamlit" / "secrets.toml",
        config.PROJECT_DIR / ".streamlit" / "secrets.toml",
    ]


def auth_configured_on_disk() -> bool:
    """Whether an `[auth]` section will sign people in (what ui.auth_configured sees at run)."""
    for path in secrets_files():
        try:
            with open(path, "rb") as handle:
                if "auth" in tomllib.load(handle):
                    return True
        except (FileNotFoundError, tomllib.TOMLDecodeError):
            continue
    return False


def free_port() -> int:
    """A TCP port nothing listens on right now (on 127.0.0.1)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
)
