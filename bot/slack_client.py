"""The Slack Web API client: our base URL, and which failed calls may be retried inside the call."""

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

from scheduler.observe import count_rate_limits
from scheduler.pacing import retry_after

RETRIED_STATUSES = {500, 502, 503, 504}
MAX_RETRIES = 3
DEFAULT_TIMEOUT_SECONDS = 10.0

# After a 5xx, a timeout or a dropped connection we cannot know whether Slack performed the call, so a call is
# repeated only when performing it twice does no harm: reads, and writes that set a state rather than add one.
# Anything else (chat.postMessage, chat.postEphemeral, views.open and views.push, file uploads, response_url
# posts) would be performed twice: scheduler.outbox looks in the conversation's history instead. A 429 is a
# different case: Slack refused the call without performing it, so any call is retried after Retry-After.
IDEMPOTENT_METHODS = frozenset({
    "auth.test",
    "bots.info",
    "conversations.history",
    "conversations.info",
    "conversations.members",
    "conversations.open",  # answers the same DM however often it is asked
    "conversations.replies",
    "team.info",
    "users.info",
    "users.list",
    "users.lookupByEmail",
    "chat.update",  # sets the message to the same content again
    "views.publish",
    "views.update",
})


def may_repeat_unanswered(method: str | None) -> bool:
    """Answer whether a call whose answer was lost (5xx, timeout, dropped connection) may simply be made again."""
    return method in IDEMPOTENT_METHODS


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
    """Retry a 429 after the Retry-After Slack asked for: Slack performed nothing, so any method may go again."""

    def _can_retry(self, *, state, request: HttpRequest, response=None, error=None) -> bool:
        return response is not None and response.status_code == 429

    def wait_seconds(self, state: RetryState, response: HttpResponse | None) -> float:
        return retry_after(response)


class _UnansweredRetry(_WaitingRetryHandler):
    """Retry a call Slack may have performed, with backoff, only when it is idempotent."""

    def __init__(self, sleep: Callable[[float], None], base_url: str):
        super().__init__(sleep)
        self._base_url = base_url

    def _can_retry(self, *, state, request: HttpRequest, response=None, error=None) -> bool:
        return may_repeat_unanswered(api_method(request.url, self._base_url)) and self._lost_answer(response, error)

    def _lost_answer(self, response: HttpResponse | None, error: Exception | None) -> bool:
        raise NotImplementedError


class ServerErrorRetry(_UnansweredRetry):
    def _lost_answer(self, response: HttpResponse | None, error: Exception | None) -> bool:
        return response is not None and response.status_code in RETRIED_STATUSES


class ConnectionRetry(_UnansweredRetry):
    def _lost_answer(self, response: HttpResponse | None, error: Exception | None) -> bool:
        if isinstance(error, URLError) and response is not None:
            return False  # an HTTP error status, not a connection problem
        return isinstance(error, URLError | ConnectionError | RemoteDisconnected | TimeoutError)


def api_method(url: str, base_url: str) -> str | None:
    """Return the Web API method a request URL calls ("chat.postMessage"); None for response_url or upload URLs."""
    if not url.startswith(base_url):
        return None
    method = url[len(base_url):].split("?", 1)[0]
    return method if method and "/" not in method else None


def make_web_client(*, token: str | None, base_url: str, sleep: Callable[[float], None],
                    timeout: float = DEFAULT_TIMEOUT_SECONDS) -> WebClient:
    """Build the WebClient every outgoing call uses; `timeout` is how long one HTTP attempt may take."""
    return count_rate_limits(WebClient(  # every 429 counted, whichever handler then retries it
        token=token,
        base_url=base_url,
        timeout=timeout,  # slack_sdk annotates an int, but urllib takes float seconds
        retry_handlers=[RateLimitRetry(sleep), ServerErrorRetry(sleep, base_url), ConnectionRetry(sleep, base_url)],
    ))
