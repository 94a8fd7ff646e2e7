"""The seven vendor clients. Each writes the API's pages unchanged into its contract folder.

Doc pages read on 2026-11 (the `search` tool's docs corpus) for each client's endpoint,
cursor, auth header and rate limits are named in each class's docstring and in
tests/fetch/fixtures/README.md.

Why files are named as they are: staging keeps the *first* record of a natural key by
(file name, position) and rejects later copies as duplicates (macros/cross_db.sql,
staging_reject_reason). So a re-fetched record must replace its stale copy, not sit beside it:
- usage sources fetch one UTC day per request chain into `<day>-p<n>` files; re-fetching a
  day overwrites that day's files (and deletes pages the new fetch no longer has);
- a pull request is one file per PR, overwritten when it changes;
- Jira pages carry a prefix that sorts the newest fetch first, so the latest copy of an
  issue updated again since an earlier fetch is the one staged.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import httpx

from mileage.fetch.http import FetchError, Http
from mileage.fetch.settings import require
from mileage.fetch.store import save_state, write_atomic

ANTHROPIC_VERSION = "2023-06-01"
GITHUB_API_VERSION = "2022-11-28"
# The contract's natural keys need these dimensions (docs/raw-contract.md).
ANTHROPIC_GROUP_BY = ("api_key_id", "workspace_id", "model", "service_tier", "context_window")
OPENAI_GROUP_BY = ("project_id", "user_id", "api_key_id", "model", "batch", "service_tier")
JIRA_FIELDS = (
    "issuetype,priority,status,resolution,created,resolutiondate,updated,project,"
    "components,labels,assignee,reporter,issuelinks,fixVersions,versions"
)
MAX_PAGES_PER_CHAIN = 10_000  # a cursor that never ends is a vendor bug, not a reason to hang


@dataclass
class Context:
    raw_dir: Path
    values: dict[str, str]
    http: Http
    days: list[date]  # the UTC days of the window, oldest first
    since: date
    until: datetime  # exclusive
    started: datetime
    progress: Callable[[str], None] = lambda detail: None
    written: list[Path] = field(default_factory=list)

    def write(self, relative: str, content: bytes) -> None:
        self.written.append(write_atomic(self.raw_dir / relative, content))
        self.progress(relative)


def _iso(day: date) -> str:
    return datetime.combine(day, time(), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _unix(day: date) -> int:
    return int(datetime.combine(day, time(), UTC).timestamp())


def _epoch_ms(day: date) -> int:
    return _unix(day) * 1000


def _remove_stale_pages(folder: Path, prefix: str, kept: int, suffix: str) -> None:
    """Delete `<prefix>-p<n><suffix>` pages beyond the `kept` a fresh fetch wrote."""
    pattern = re.compile(re.escape(prefix) + r"-p(\d+)" + re.escape(suffix) + "$")
    if not folder.is_dir():
        return
    for path in folder.iterdir():
        match = pattern.match(path.name)
        if match and int(match.group(1)) > kept:
            path.unlink()


class Source:
    name: str
    folder: str
    credentials: tuple[str, ...]
    permission_hint: str

    def secrets(self, values: dict[str, str]) -> tuple[str, ...]:
        return tuple(values.get(n, "") for n in self.credentials)

    def run(self, ctx: Context) -> None:
        raise NotImplementedError


class DailySource(Source):
    """A usage source fetched one UTC day at a time; state advances after each day."""

    suffix = ".json"

    def run(self, ctx: Context) -> None:
        for day in ctx.days:
            count = 0
            for content in self.pages(ctx, day):
                count += 1
                ctx.write(f"{self.folder}/{day.isoformat()}-p{count}{self.suffix}", content)
            _remove_stale_pages(ctx.raw_dir / self.folder, day.isoformat(), count, self.suffix)
            # The last day of a run may be partial: the next run starts by re-fetching it.
            last = day == ctx.days[-1]
            save_state(ctx.raw_dir, self.name, day if last else day + timedelta(days=1))

    def pages(self, ctx: Context, day: date) -> Iterator[bytes]:
        raise NotImplementedError


def _token_chain(
    ctx: Context,
    request: Callable[[str | None], httpx.Response],
    cursor: Callable[[dict], str | None],
) -> Iterator[bytes]:
    """Follow a `next_page`-style cursor until the API says there is no more."""
    token: str | None = None
    seen: set[str] = set()
    for _ in range(MAX_PAGES_PER_CHAIN):
        response = request(token)
        yield response.content
        token = cursor(response.json())
        if not token:
            return
        if token in seen:
            raise FetchError(
                f"{ctx.http.source}: the API returned the same page cursor twice: "
                "rerun later; report it to the vendor if it persists"
            )
        seen.add(token)
    raise FetchError(f"{ctx.http.source}: more than {MAX_PAGES_PER_CHAIN} pages in one chain")


def _has_more(body: dict) -> str | None:
    return body.get("next_page") if body.get("has_more") else None


class AnthropicMessages(DailySource):
    """Admin API Messages usage report. Doc: platform.claude.com/docs/en/api/admin/
    usage_report/retrieve_messages (read 2026-11): GET /v1/organizations/usage_report/messages,
    `x-api-key` admin key + `anthropic-version`, `page` = previous `next_page`, `limit` up to
    168 one-hour buckets."""

    name = "anthropic"
    folder = "anthropic/usage_report_messages"
    credentials = ("ANTHROPIC_ADMIN_API_KEY",)
    permission_hint = "use an Admin API key (sk-ant-admin...) of an organisation admin"

    def pages(self, ctx: Context, day: date) -> Iterator[bytes]:
        (key,) = require(ctx.values, self.name, *self.credentials)
        url = ctx.values["MILEAGE_FETCH_ANTHROPIC_URL"] + "/v1/organizations/usage_report/messages"
        headers = {"x-api-key": key, "anthropic-version": ANTHROPIC_VERSION}
        bucket = ctx.values.get("MILEAGE_FETCH_BUCKET_WIDTH", "1h")
        base = [
            ("starting_at", _iso(day)),
            ("ending_at", _iso(day + timedelta(days=1))),
            ("bucket_width", bucket),
            ("limit", "24" if bucket == "1h" else "1"),
            *[("group_by[]", g) for g in ANTHROPIC_GROUP_BY],
        ]

        def request(token: str | None) -> httpx.Response:
            params = base + ([("page", token)] if token else [])
            return ctx.http.request("GET", url, params=params, headers=headers)

        yield from _token_chain(ctx, request, _has_more)


class ClaudeCode(DailySource):
    """Claude Code Analytics API. Doc: platform.claude.com/docs/en/build-with-claude/
    claude-code-analytics-api (read 2026-11): GET /v1/organizations/usage_report/claude_code
    ?starting_at=YYYY-MM-DD (one day), same admin key and headers, `page` cursor."""

    name = "claude_code"
    folder = "anthropic/claude_code"
    credentials = ("ANTHROPIC_ADMIN_API_KEY",)
    permission_hint = "use an Admin API key (sk-ant-admin...) of an organisation admin"

    def pages(self, ctx: Context, day: date) -> Iterator[bytes]:
        (key,) = require(ctx.values, self.name, *self.credentials)
        url = (
            ctx.values["MILEAGE_FETCH_ANTHROPIC_URL"] + "/v1/organizations/usage_report/claude_code"
        )
        headers = {"x-api-key": key, "anthropic-version": ANTHROPIC_VERSION}

        def request(token: str | None) -> httpx.Response:
            params = [("starting_at", day.isoformat()), ("limit", "1000")]
            params += [("page", token)] if token else []
            return ctx.http.request("GET", url, params=params, headers=headers)

        yield from _token_chain(ctx, request, _has_more)


class OpenAICompletions(DailySource):
    """OpenAI Usage API, completions. Doc: cookbook.openai.com/examples/completions_usage_api
    and the API reference's example (read 2026-11): GET /v1/organization/usage/completions,
    `Authorization: Bearer <admin key>`, unix-second `start_time`/`end_time`, `page` =
    previous `next_page`."""

    name = "openai"
    folder = "openai/usage_completions"
    credentials = ("OPENAI_ADMIN_KEY",)
    permission_hint = "use an Admin key (Organization settings > Admin keys) with usage read"

    def pages(self, ctx: Context, day: date) -> Iterator[bytes]:
        (key,) = require(ctx.values, self.name, *self.credentials)
        url = ctx.values["MILEAGE_FETCH_OPENAI_URL"] + "/v1/organization/usage/completions"
        headers = {"Authorization": f"Bearer {key}"}
        bucket = ctx.values.get("MILEAGE_FETCH_BUCKET_WIDTH", "1h")
        base = [
            ("start_time", str(_unix(day))),
            ("end_time", str(_unix(day + timedelta(days=1)))),
            ("bucket_width", bucket),
            ("limit", "24" if bucket == "1h" else "1"),
            *[("group_by", g) for g in OPENAI_GROUP_BY],
        ]

        def request(token: str | None) -> httpx.Response:
            params = base + ([("page", token)] if token else [])
            return ctx.http.request("GET", url, params=params, headers=headers)

        yield from _token_chain(ctx, request, _has_more)


class CursorEvents(DailySource):
    """Cursor Admin API filtered usage events. Doc: docs.cursor.com/account/teams/admin-api
    (read 2026-11): POST /teams/filtered-usage-events, HTTP Basic with the key as user name,
    body {startDate, endDate (epoch ms), page (from 1), pageSize}; `pagination.hasNextPage`;
    about 20 requests a minute per team (429 beyond, retried here)."""

    name = "cursor"
    folder = "cursor/usage_events"
    credentials = ("CURSOR_API_KEY",)
    permission_hint = "create the key as a team admin (dashboard > Settings > Admin API keys)"
    page_size = 500

    def pages(self, ctx: Context, day: date) -> Iterator[bytes]:
        (key,) = require(ctx.values, self.name, *self.credentials)
        url = ctx.values["MILEAGE_FETCH_CURSOR_URL"] + "/teams/filtered-usage-events"
        for page in range(1, MAX_PAGES_PER_CHAIN + 1):
            body = {
                "startDate": _epoch_ms(day),
                "endDate": _epoch_ms(day + timedelta(days=1)),
                "page": page,
                "pageSize": self.page_size,
            }
            response = ctx.http.request("POST", url, json=body, auth=(key, ""))
            yield response.content
            if not (response.json().get("pagination") or {}).get("hasNextPage"):
                return
        raise FetchError(f"{self.name}: more than {MAX_PAGES_PER_CHAIN} pages in one day")


def _github_headers(token: str) -> dict[str, str]:
    return {
        "Authorization": f"Bearer {token}",
        "Accept": "application/vnd.github+json",
        "X-GitHub-Api-Version": GITHUB_API_VERSION,
    }


class CopilotUsers(DailySource):
    """GitHub Copilot usage metrics, users-1-day report. Doc: docs.github.com/en/rest/copilot/
    copilot-usage-metrics and .../copilot-usage-metrics/metrics-api-fields (read 2026-11):
    GET /orgs/{org}/copilot/metrics/reports/users-1-day?day=YYYY-MM-DD returns
    {download_links: [signed URL], report_day}; each link is an NDJSON file, fetched without
    the token (the URL is signed and short-lived, and never written anywhere)."""

    name = "copilot"
    folder = "copilot/users"
    credentials = ("GITHUB_TOKEN",)
    permission_hint = (
        "the token needs `manage_billing:copilot` or `read:org` (classic) or the "
        "'Organization Copilot metrics' read permission (fine-grained)"
    )
    suffix = ".ndjson"

    def pages(self, ctx: Context, day: date) -> Iterator[bytes]:
        (token,) = require(ctx.values, self.name, *self.credentials)
        (org,) = require(ctx.values, self.name, "MILEAGE_COPILOT_ORG")
        url = (
            f"{ctx.values['MILEAGE_FETCH_GITHUB_URL']}/orgs/{org}/copilot/metrics/reports/"
            "users-1-day"
        )
        report = ctx.http.request(
            "GET", url, params={"day": day.isoformat()}, headers=_github_headers(token)
        ).json()
        for link in report.get("download_links") or []:
            yield ctx.http.request("GET", link).content


class GitHubPullRequests(Source):
    """GitHub pull requests. Doc: docs.github.com/en/rest/pulls/pulls and .../using-the-rest-api/
    rate-limits-for-the-rest-api (read 2026-11): list GET /repos/{o}/{r}/pulls?state=all&
    sort=updated&direction=desc&per_page=100 (next page in the `Link` header), then the
    single-PR object (GET .../pulls/{number}) the contract needs (additions, deletions,
    changed_files, commits); rate limits via `retry-after` or `x-ratelimit-remaining: 0` +
    `x-ratelimit-reset`."""

    name = "github"
    folder = "github/pull_requests"
    credentials = ("GITHUB_TOKEN",)
    permission_hint = "the token needs read access to the repository's pull requests (`repo`)"

    def run(self, ctx: Context) -> None:
        (token,) = require(ctx.values, self.name, *self.credentials)
        (repos,) = require(ctx.values, self.name, "MILEAGE_GITHUB_REPOS")
        base = ctx.values["MILEAGE_FETCH_GITHUB_URL"]
        headers = _github_headers(token)
        since = datetime.combine(ctx.since, time(), UTC)
        for repo in [r.strip() for r in repos.split(",") if r.strip()]:
            url: str | None = f"{base}/repos/{repo}/pulls"
            params: dict | None = {
                "state": "all",
                "sort": "updated",
                "direction": "desc",
                "per_page": "100",
            }
            while url:
                listing = ctx.http.request("GET", url, params=params, headers=headers)
                older = False
                for item in listing.json():
                    updated = datetime.fromisoformat(item["updated_at"].replace("Z", "+00:00"))
                    if updated < since:
                        older = True  # sorted by update, newest first: the rest is older
                        break
                    single = ctx.http.request(
                        "GET", f"{base}/repos/{repo}/pulls/{item['number']}", headers=headers
                    )
                    name = f"{repo.replace('/', '__')}__{item['number']}.json"
                    ctx.write(f"{self.folder}/{name}", b"[" + single.content + b"]")
                url = None if older else listing.links.get("next", {}).get("url")
                params = None  # the `next` link carries the query
        save_state(ctx.raw_dir, self.name, ctx.started.date())


class JiraIssues(Source):
    """Jira Cloud search. Doc: developer.atlassian.com REST v3 'Search for issues using JQL
    (enhanced search)' and confluence.atlassian.com/display/JIRAKB/Run+JQL+search+query+using+
    Jira+Cloud+REST+API (read 2026-11): GET /rest/api/3/search/jql?jql=&fields=&maxResults=
    &nextPageToken=; pages {issues, nextPageToken, isLast}; HTTP Basic email:API token;
    429 with Retry-After."""

    name = "jira"
    folder = "jira/issues"
    credentials = ("JIRA_EMAIL", "JIRA_API_TOKEN")
    permission_hint = "the account needs 'Browse projects' on the projects searched"

    def run(self, ctx: Context) -> None:
        email_address, api_token = require(ctx.values, self.name, *self.credentials)
        (site,) = require(ctx.values, self.name, "JIRA_BASE_URL")
        jql = f'updated >= "{ctx.since.isoformat()}"'
        if ctx.values.get("MILEAGE_JIRA_JQL"):
            jql += f" AND ({ctx.values['MILEAGE_JIRA_JQL']})"
        jql += " ORDER BY updated ASC"
        url = site.rstrip("/") + "/rest/api/3/search/jql"
        # Newest fetch sorts first (see the module docstring): 10^10 - unix seconds.
        prefix = f"r{10**10 - int(ctx.started.timestamp()):010d}-{ctx.since.isoformat()}"

        def request(token: str | None) -> httpx.Response:
            params = {"jql": jql, "fields": JIRA_FIELDS, "maxResults": "100"}
            if token:
                params["nextPageToken"] = token
            return ctx.http.request("GET", url, params=params, auth=(email_address, api_token))

        def cursor(body: dict) -> str | None:
            return None if body.get("isLast", True) else body.get("nextPageToken")

        for n, content in enumerate(_token_chain(ctx, request, cursor), start=1):
            ctx.write(f"{self.folder}/{prefix}-p{n}.json", content)
        save_state(ctx.raw_dir, self.name, ctx.started.date())


SOURCES: dict[str, Source] = {
    s.name: s
    for s in (
        AnthropicMessages(),
        ClaudeCode(),
        OpenAICompletions(),
        CursorEvents(),
        CopilotUsers(),
        GitHubPullRequests(),
        JiraIssues(),
    )
}
