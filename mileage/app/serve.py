"""How the app is served and looked at: the one `streamlit run` command line (used by `mileage
app`, the browser tests and bench/app_timings.py, so they all serve it the same way) and the
headless Chromium they open it in (Debian's; `playwright install` cannot download one here)."""

from __future__ import annotations

import socket
import sys

from mileage import config


def streamlit_command(port: int, *, address: str | None = None, headless: bool = True) -> list[str]:
    """`python -m streamlit run app.py` on `port` (all interfaces unless `address`)."""
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
