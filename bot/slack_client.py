"""The Slack Web API client: our base URL, and retries for 429s, 5xx and dropped connections."""

from __future__ import annotations

import random
from collections.abc import Callable
from http.client import RemoteDisconnected
from urllib.error import URLError

from slack_sdk import WebClient
from slack_sdk.http_retry import RetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState

RETRIED_STATUSES = {500, 502, 503, 504}
MAX_RETRIES = 3


class _WaitingRetryHandler(RetryHandler):
    """A retry handler that waits through an injected `sleep`, so tests never really wait."""

    def __init__(self, sleep: Callable[[float], None], max_retry_count: int = MAX_RETRIES):
        super().__init__(max_retry_count=max_retry_count)
        self._sleep = sleep

    def wait_seconds(self, state: RetryState, response: HttpResponse | None) -> float:
        return min(2.0 ** state.current_attempt, 30.0) * (1 + random.random() / 4)

    def prepare_for_next_attempt(self, *, state, request, response=None, error=None) -> None:
        state.next_attempt_requested = True
        self._sleep(self.wait_seconds(state, response))
        state.increment_current_attempt()


class RateLimitRetry(_WaitingRetryHandler):
    """Retry a 429 after the Retry-After Slack asked for."""

    def _can_retry(self, *, state, request: HttpRequest, response=None, error=None) -> bool:
        return response is not None and response.status_code == 429

    def wait_seconds(self, state: RetryState, response: HttpResponse | None) -> float:
        headers = {k.lower(): v for k, v in (response.headers if response else {}).items()}
        value = headers.get("retry-after")
        raw = value[0] if isinstance(value, list) else value
        try:
            return max(float(raw), 0.0)
        except (TypeError, ValueError):
            return 1.0


class ServerErrorRetry(_WaitingRetryHandler):
    def _can_retry(self, *, state, request, response=None, error=None) -> bool:
        return response is not None and response.status_code in RETRIED_STATUSES


class ConnectionRetry(_WaitingRetryHandler):
    def _can_retry(self, *, state, request, response=None, error=None) -> bool:
        if isinstance(error, URLError) and response is not None:
            return False
        return isinstance(error, URLError | ConnectionError | RemoteDisconnected | TimeoutError)


def make_web_client(*, token: str | None, base_url: str, sleep: Callable[[float], None]) -> WebClient:
    """Build the WebClient every outgoing call uses."""
    return WebClient(
        token=token,
        base_url=base_url,
        timeout=10,
        retry_handlers=[RateLimitRetry(sleep), ServerErrorRetry(sleep), ConnectionRetry(sleep)],
    )
