"""Time the app in a real browser on any warehouse: first render, page switches, a filter change.

    .venv/bin/python bench/app_timings.py --warehouse data/warehouse/mileage.duckdb

Starts `streamlit run app.py` on a free port (MILEAGE_WAREHOUSE set), drives Debian's chromium
with Playwright, prints the timings as JSON and stops the server by its PID.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import time
import urllib.request
from pathlib import Path

from mileage.app.serve import CHROMIUM, CHROMIUM_ARGS, free_port, streamlit_command

PROJECT_DIR = Path(__file__).resolve().parent.parent
IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'


def wait_idle(page) -> None:
    page.wait_for_timeout(300)  # let the rerun start before waiting for it to finish
    page.wait_for_selector(IDLE, timeout=120_000)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse", type=Path, required=True)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    port = free_port()
    env = {**os.environ, "MILEAGE_WAREHOUSE": str(args.warehouse.resolve())}
    proc = subprocess.Popen(
        streamlit_command(port, address="127.0.0.1"),
        cwd=PROJECT_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    timings: dict[str, float] = {}
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                    if response.read().strip() == b"ok":
                        break
            except OSError:
                if time.monotonic() > deadline:
                    raise SystemExit("streamlit did not become healthy") from None
                time.sleep(0.2)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=list(CHROMIUM_ARGS))
            page = browser.new_page(viewport={"width": 1400, "height": 2200})
            start = time.monotonic()
            page.goto(url)
            page.get_by_role("heading", name="Overview").first.wait_for(timeout=120_000)
            wait_idle(page)
            timings["first render (Overview)"] = round(time.monotonic() - start, 2)
            for title in ("Teams", "Audit", "Leaderboard replay", "Data quality"):
                start = time.monotonic()
                page.get_by_role("link", name=title, exact=True).first.click()
                page.get_by_role("heading", name=title, exact=True).first.wait_for(timeout=120_000)
                wait_idle(page)
                timings[f"switch to {title}"] = round(time.monotonic() - start, 2)
            page.get_by_role("link", name="Teams", exact=True).first.click()
            wait_idle(page)
            start = time.monotonic()
            page.locator('[data-testid="stSelectbox"]').first.click()
            page.keyboard.press("ArrowDown")
            page.keyboard.press("Enter")
            wait_idle(page)
            timings["filter change (Teams month)"] = round(time.monotonic() - start, 2)
            browser.close()
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    print(json.dumps(timings, indent=2))


if __name__ == "__main__":
    main()
