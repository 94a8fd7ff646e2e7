"""One local fake for all seven vendor APIs, serving tests/fetch/fixtures/ (the vendors'
documented example shapes, see fixtures/README.md) with each API's own paging, auth header,
a 429 with Retry-After and a 500 in the middle, and an expired key on demand.

The fake checks credentials the way the vendor does (header name and scheme) and records
every request, so tests can assert what a second run asked for.
"""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from werkzeug import Request, Response

FIXTURES = Path(__file__).parent / "fixtures"

SECRETS = {
    "ANTHROPIC_ADMIN_API_KEY": "sk-ant-admin01-SECRET-anthropic-5f2c",
    "OPENAI_ADMIN_KEY": "sk-admin-SECRET-openai-77aa",
    "CURSOR_API_KEY": "key_SECRETcursor0123456789",
    "GITHUB_TOKEN": "ghp_SECRETgithub0123456789",
    "JIRA_EMAIL": "robot@example.com",
    "JIRA_API_TOKEN": "ATATT3x-SECRET-jira-9911",
}
EXPIRED = "sk-admin-EXPIRED-openai-0000"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def _json(content: bytes | dict, status: int = 200, headers: dict | None = None) -> Response:
    body = content if isinstance(content, bytes) else json.dumps(content).encode()
    return Response(body, status=status, headers=headers, content_type="application/json")


def _day_of(iso: str) -> str:
    return iso[:10]


@dataclass
class FakeVendors:
    base_url: str
    requests: list[tuple[str, str, str]] = field(default_factory=list)  # (api, day, page)
    served: set[str] = field(default_factory=set)  # fixture files served, for expectations
    second_run: bool = False  # day 2026-01-06 is complete (more buckets) from now on
    # Throttle / fail once each, mid-chain: (api, page) -> status
    faults: dict[tuple[str, str], int] = field(
        default_factory=lambda: {
            ("anthropic", "page_MjAyNi0wMS0wNVQxMDowMDowMFo="): 429,
            ("claude_code", "2026-01-05"): 500,
        }
    )

    def env(self) -> dict[str, str]:
        return {
            **SECRETS,
            "MILEAGE_FETCH_ANTHROPIC_URL": self.base_url,
            "MILEAGE_FETCH_OPENAI_URL": self.base_url,
            "MILEAGE_FETCH_CURSOR_URL": self.base_url,
            "MILEAGE_FETCH_GITHUB_URL": self.base_url,
            "JIRA_BASE_URL": self.base_url + "/jira",
            "MILEAGE_GITHUB_REPOS": "acme/shop",
            "MILEAGE_COPILOT_ORG": "acme",
            "MILEAGE_FETCH_CONFIG": "/nonexistent/mileage-fetch.toml",
        }

    def _fault(self, api: str, key: str) -> Response | None:
        status = self.faults.pop((api, key), None)
        if status == 429:
            return _json(
                {"error": {"type": "rate_limit_error", "message": "slow down"}},
                429,
                {"retry-after": "2"},
            )
        if status:
            return _json({"error": {"type": "api_error", "message": "internal"}}, status)
        return None

    def _serve(self, name: str) -> Response:
        self.served.add(name)
        return _json(fixture(name))

    def __call__(self, request: Request) -> Response:
        path, args = request.path, request.args
        auth = request.headers.get("Authorization", "")
        if path.startswith("/v1/organizations/usage_report/"):
            if request.headers.get("x-api-key") != SECRETS["ANTHROPIC_ADMIN_API_KEY"]:
                return _json(
                    {"error": {"type": "authentication_error", "message": "invalid x-api-key"}}, 401
                )
            assert request.headers.get("anthropic-version") == "2023-06-01"
            if path.endswith("/messages"):
                day, page = _day_of(args["starting_at"]), args.get("page", "")
                assert sorted(args.getlist("group_by[]")) == sorted(
                    ["api_key_id", "workspace_id", "model", "service_tier", "context_window"]
                )
                self.requests.append(("anthropic", day, page))
                if fault := self._fault("anthropic", page):
                    return fault
                if day == "2026-01-06":
                    return self._serve(
                        "anthropic_messages_2026-01-06_p1.json"
                        if self.second_run
                        else "anthropic_messages_2026-01-06_partial_p1.json"
                    )
                return self._serve(f"anthropic_messages_{day}_{'p2' if page else 'p1'}.json")
            day, page = args["starting_at"], args.get("page", "")
            self.requests.append(("claude_code", day, page))
            if fault := self._fault("claude_code", day):
                return fault
            return self._serve(f"claude_code_{day}_{'p2' if page else 'p1'}.json")
        if path == "/v1/organization/usage/completions":
            if auth != f"Bearer {SECRETS['OPENAI_ADMIN_KEY']}":
                return _json(
                    {
                        "error": {
                            "message": "Invalid API key: the key has expired",
                            "type": "invalid_request_error",
                        }
                    },
                    401,
                )
            day = datetime.fromtimestamp(int(args["start_time"]), UTC).date().isoformat()
            page = args.get("page", "")
            self.requests.append(("openai", day, page))
            return self._serve(f"openai_{day}_{'p2' if page else 'p1'}.json")
        if path == "/teams/filtered-usage-events":
            expected = (
                "Basic " + base64.b64encode(f"{SECRETS['CURSOR_API_KEY']}:".encode()).decode()
            )
            if auth != expected:
                return _json({"error": "Unauthorized"}, 401)
            body = request.get_json()
            day = datetime.fromtimestamp(body["startDate"] / 1000, UTC).date().isoformat()
            self.requests.append(("cursor", day, str(body["page"])))
            return self._serve(f"cursor_{day}_p{body['page']}.json")
        if match := re.fullmatch(r"/orgs/acme/copilot/metrics/reports/users-1-day", path):
            if auth != f"Bearer {SECRETS['GITHUB_TOKEN']}":
                return _json({"message": "Bad credentials"}, 401)
            day = args["day"]
            self.requests.append(("copilot", day, ""))
            link = f"{self.base_url}/download/copilot/{day}.ndjson?sig=SIGNEDURLSECRET"
            return _json({"download_links": [link], "report_day": day})
        if match := re.fullmatch(r"/download/copilot/(\d{4}-\d\d-\d\d)\.ndjson", path):
            assert not auth, "a signed download link must not receive the GitHub token"
            name = f"copilot_users_{match.group(1)}.ndjson"
            self.served.add(name)
            return Response(fixture(name), content_type="application/x-ndjson")
        if path.startswith("/repos/acme/shop/pulls"):
            if auth != f"Bearer {SECRETS['GITHUB_TOKEN']}":
                return _json({"message": "Bad credentials"}, 401)
            if match := re.fullmatch(r"/repos/acme/shop/pulls/(\d+)", path):
                self.requests.append(("github", "", match.group(1)))
                return self._serve(f"github_pull_{match.group(1)}.json")
            page = args.get("page", "1")
            self.requests.append(("github", "", f"list-{page}"))
            numbers = [11, 12] if page == "1" else [13, 14]
            items = [json.loads(fixture(f"github_pull_{n}.json")) for n in numbers]
            # The list endpoint omits the single-PR-only fields.
            for item in items:
                for key in ("additions", "deletions", "changed_files", "merged", "commits"):
                    item.pop(key)
            headers = {}
            if page == "1":
                headers["Link"] = (
                    f'<{self.base_url}/repos/acme/shop/pulls?state=all&page=2>; rel="next"'
                )
            return _json(json.dumps(items).encode(), headers=headers)
        if path == "/jira/rest/api/3/search/jql":
            expected = (
                "Basic "
                + base64.b64encode(
                    f"{SECRETS['JIRA_EMAIL']}:{SECRETS['JIRA_API_TOKEN']}".encode()
                ).decode()
            )
            if auth != expected:
                return _json({"errorMessages": ["Unauthorized"]}, 401)
            token = args.get("nextPageToken", "")
            self.requests.append(("jira", args["jql"], token))
            return self._serve("jira_search_jql_p2.json" if token else "jira_search_jql_p1.json")
        return _json({"message": f"fake: no route for {path}"}, 404)
