"""Run the chosen sources over a date window; one failing source never stops the others."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path

from mileage.fetch.http import FetchError, Http, utc_now
from mileage.fetch.settings import SettingsError, load, require
from mileage.fetch.sources import SOURCES, Context, DailySource
from mileage.fetch.store import resume_date

# (source, files written so far, the file just written)
Progress = Callable[[str, int, str], None]


@dataclass
class SourceResult:
    source: str
    since: date
    files: list[Path] = field(default_factory=list)
    error: str | None = None
    retries: int = 0


@dataclass
class FetchReport:
    raw_dir: Path
    results: list[SourceResult] = field(default_factory=list)

    @property
    def failed(self) -> list[SourceResult]:
        return [r for r in self.results if r.error]


def window_days(since: date, until: datetime) -> list[date]:
    """UTC days from `since` to the day holding the last instant before `until`."""
    last = (until - timedelta(microseconds=1)).date()
    return [since + timedelta(days=i) for i in range((last - since).days + 1)]


def fetch(
    names: list[str],
    raw_dir: Path,
    *,
    since: date | None = None,
    until: datetime | None = None,
    environ: dict[str, str] | None = None,
    sleep: Callable[[float], None] = time.sleep,
    on_progress: Progress | None = None,
) -> FetchReport:
    """Fetch each named source into `raw_dir`. Without `since`, a source resumes where its
    state file says (re-fetching the last, possibly partial, day), or starts
    MILEAGE_FETCH_DEFAULT_DAYS back. `until` is exclusive (default: now)."""
    unknown = [n for n in names if n not in SOURCES]
    if unknown:
        raise FetchError(
            f"unknown source(s) {', '.join(unknown)}: choose from {', '.join(SOURCES)}"
        )
    raw_dir = Path(raw_dir)
    started = utc_now()
    until = until or started
    values = load(raw_dir, environ)
    report = FetchReport(raw_dir=raw_dir)
    progress = on_progress or (lambda source, done, item: None)
    for name in names:
        source = SOURCES[name]
        default = (until - timedelta(days=int(values["MILEAGE_FETCH_DEFAULT_DAYS"]))).date()
        start = since or resume_date(raw_dir, name) or default
        result = SourceResult(source=name, since=start)
        report.results.append(result)
        days = window_days(start, until)
        # PRs and issues are fetched in their latest state (updated since `start`), so only
        # the daily usage sources need a non-empty window.
        if not days and isinstance(source, DailySource):
            result.error = f"{name}: --since {start} is not before --until {until:%Y-%m-%d}"
            continue
        try:
            secrets = require(values, name, *source.credentials)
        except SettingsError as exc:
            result.error = str(exc)
            continue
        http = Http(
            name,
            credential_hint=" and ".join(source.credentials),
            permission_hint=source.permission_hint,
            secrets=secrets,
            sleep=sleep,
        )
        ctx = Context(
            raw_dir=raw_dir,
            values=values,
            http=http,
            days=days,
            since=start,
            until=until,
            started=started,
            progress=lambda item, name=name, result=result: progress(
                name, len(result.files) + 1, item
            ),
            written=result.files,
        )
        try:
            source.run(ctx)
        except (FetchError, SettingsError) as exc:
            result.error = str(exc)
        finally:
            result.retries = len(http.waits)
            http.close()
    return report


def parse_until(value: str | None) -> datetime | None:
    """`--until DATE` means up to the start of that UTC day (exclusive)."""
    if not value:
        return None
    return datetime.combine(date.fromisoformat(value), dtime(), UTC)
