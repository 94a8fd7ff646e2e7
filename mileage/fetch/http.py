"""One HTTP client for every vendor: httpx for the requests, tenacity for the retries.

Retried: 429 and 5xx responses, GitHub's rate-limit 403 (x-ratelimit-remaining 0), timeouts
and connection errors. A `Retry-After` (seconds or HTTP date) or GitHub's `x-ratelimit-reset`
is obeyed up to MAX_WAIT_SECONDS; otherwise the wait backs off exponentially with jitter.
Anything else that is not 2xx stops the source with one line naming the source, the status
and what to do. Credentials travel in headers only, never in URLs, so no message, state file
or log line built from a URL can carry one.
"""

from __future__ import annotations

import email.utils
import time
from collections.abc import Callable
from datetime import UTC, datetime
from urllib.parse import urlsplit

import httpx
import tenacity

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_ATTEMPTS = 6
MAX_WAIT_SECONDS = 900.0  # a longer Retry-After stops the source: rerun later, nothing is lost
TIMEOUT_SECONDS = 60.0
USER_AGENT = "mileage-fetch/0.1 (+https://github.com/mileage)"


class FetchError(RuntimeError):
    """A source cannot continue; the message is one line: source, status, what to do."""


class _Retryable(Exception):
    def __init__(self, response: httpx.Response, wait: float | None):
        super().__init__(f"HTTP {response.status_code}")
        self.response = response
        self.wait = wait


def _where(url: httpx.URL | str) -> str:
    """Host and path only: signed download URLs carry credentials in their query string."""
    parts = urlsplit(str(url))
    return f"{parts.netloc}{parts.path}"


def server_wait(response: httpx.Response, now: float | None = None) -> float | None:
    """Seconds the server asked us to wait, if it said so."""
    retry_after = response.headers.get("retry-after")
    now = time.time() if now is None else now
    if retry_after:
        try:
            return max(0.0, float(retry_after))
        except ValueError:
            try:
                when = email.utils.parsedate_to_datetime(retry_after)
            except (TypeError, ValueError):
                return None
            return max(0.0, when.timestamp() - now)
    if response.headers.get("x-ratelimit-remaining") == "0":
        reset = response.headers.get("x-ratelimit-reset")
        if reset and reset.isdigit():
            return max(0.0, int(reset) - now)
    return None


def _vendor_message(response: httpx.Response) -> str:
    """The vendor's own short error text (Anthropic/OpenAI `error.message`, GitHub `message`,
    Jira `errorMessages`), if the body has one."""
    try:
        body = response.json()
    except ValueError:
        return ""
    if not isinstance(body, dict):
        return ""
    error = body.get("error")
    if isinstance(error, dict) and isinstance(error.get("message"), str):
        return error["message"]
    if isinstance(error, str):
        return error
    if isinstance(body.get("message"), str):
        return body["message"]
    messages = body.get("errorMessages")
    if isinstance(messages, list) and messages:
        return "; ".join(str(m) for m in messages)
    return ""


class Http:
    """A client for one source. `secrets` are redacted from any message built here."""

    def __init__(
        self,
        source: str,
        *,
        credential_hint: str,
        permission_hint: str,
        secrets: tuple[str, ...] = (),
        sleep: Callable[[float], None] = time.sleep,
        max_attempts: int = MAX_ATTEMPTS,
        timeout: float = TIMEOUT_SECONDS,
    ):
        self.source = source
        self.credential_hint = credential_hint
        self.permission_hint = permission_hint
        self.secrets = tuple(s for s in secrets if s)
        self.sleep = sleep
        self.max_attempts = max_attempts
        self.client = httpx.Client(
            timeout=timeout, follow_redirects=True, headers={"User-Agent": USER_AGENT}
        )
        self.waits: list[float] = []  # every wait taken, for the report and the tests

    def close(self) -> None:
        self.client.close()

    def _redact(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "<redacted>")
        return text

    def _wait(self, retry_state: tenacity.RetryCallState) -> float:
        exc = retry_state.outcome.exception() if retry_state.outcome else None
        if isinstance(exc, _Retryable) and exc.wait is not None:
            if exc.wait > MAX_WAIT_SECONDS:
                raise FetchError(
                    f"{self.source}: HTTP {exc.response.status_code} from "
                    f"{_where(exc.response.url)}: the server asks to wait {exc.wait:.0f} s "
                    f"(more than {MAX_WAIT_SECONDS:.0f} s): rerun `mileage fetch` later, "
                    "pages already written are kept"
                )
            wait = exc.wait
        else:
            wait = tenacity.wait_exponential_jitter(initial=1, max=60)(retry_state)
        self.waits.append(wait)
        return wait

    def request(self, method: str, url: str, **kwargs) -> httpx.Response:
        def attempt() -> httpx.Response:
            response = self.client.request(method, url, **kwargs)
            rate_limited_403 = (
                response.status_code == 403 and response.headers.get("x-ratelimit-remaining") == "0"
            )
            if response.status_code in RETRY_STATUSES or rate_limited_403:
                raise _Retryable(response, server_wait(response))
            return response

        retrying = tenacity.Retrying(
            stop=tenacity.stop_after_attempt(self.max_attempts),
            wait=self._wait,
            retry=tenacity.retry_if_exception_type(
                (_Retryable, httpx.TimeoutException, httpx.TransportError)
            ),
            sleep=self.sleep,
            reraise=True,
        )
        try:
            response = retrying(attempt)
        except _Retryable as exc:
            status = exc.response.status_code
            what = (
                "still rate limited: rerun later or lower the request rate"
                if status in (403, 429)
                else "the vendor's service is failing: rerun later (pages already written are kept)"
            )
            raise FetchError(
                f"{self.source}: HTTP {status} from {_where(exc.response.url)} after "
                f"{self.max_attempts} attempts: {what}"
            ) from None
        except httpx.HTTPError as exc:
            raise FetchError(
                f"{self.source}: {type(exc).__name__} reaching {_where(url)} after "
                f"{self.max_attempts} attempts: check the network and the base URL"
            ) from None
        if response.is_success:
            return response
        raise FetchError(self._explain(response)) from None

    def _explain(self, response: httpx.Response) -> str:
        status = response.status_code
        vendor = self._redact(_vendor_message(response))[:200]
        said = f" (vendor says: {vendor})" if vendor else ""
        if status == 401:
            what = (
                f"the credential was rejected: it is expired, revoked or wrong; issue a new one "
                f"and set {self.credential_hint}"
            )
        elif status == 403:
            what = f"the credential lacks a permission: {self.permission_hint}"
        elif status == 404:
            what = "not found: check the organisation, repository or site settings"
        else:
            what = "the request was refused: check the settings and the dates"
        return f"{self.source}: HTTP {status} from {_where(response.url)}: {what}{said}"


def utc_now() -> datetime:
    return datetime.now(UTC)
