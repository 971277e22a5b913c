"""What the scheduler reports as it works (job runs, deliveries, 429s): no-ops until the server installs an observer.

The scheduler may not import `bot`, so bot.metrics installs an Observer here at startup instead of the jobs
calling it; `jobs run` and the tests that install nothing pay nothing.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextvars import ContextVar
from typing import TypeVar

from slack_sdk import WebClient
from slack_sdk.http_retry import RetryHandler

T = TypeVar("T")

# The job this thread is running, for log lines (bot.logs) written while it runs.
current_job: ContextVar[str | None] = ContextVar("checkin_current_job", default=None)


class Observer:
    """The hooks, each doing nothing; bot.metrics overrides them."""

    def job_ran(self, job: str, outcome: str, seconds: float) -> None:
        """A job's run ended: outcome "ok" or "error"."""

    def delivered(self, job: str, surface: str, outcome: str) -> None:
        """One delivery attempt ended as scheduler.outbox reports it (sent, retry, failed, unreachable, ...)."""

    def rate_limited(self, surface: str, method: str) -> None:
        """A platform answered 429."""


_observer = Observer()


def install(observer: Observer) -> None:
    """Send the scheduler's reports to `observer` (one per process; the last installed wins)."""
    global _observer
    _observer = observer


def run_job(name: str, run: Callable[[T], object], context: T):
    """Run one job's `run(context)`, timing it and naming the job for the log lines written meanwhile."""
    token = current_job.set(name)
    started = time.perf_counter()
    outcome = "error"
    try:
        result = run(context)
        outcome = "ok"
        return result
    finally:
        _observer.job_ran(name, outcome, time.perf_counter() - started)
        current_job.reset(token)


def delivery(job: str, surface: str, outcome: str) -> str:
    """Report a delivery's outcome and hand it back unchanged."""
    _observer.delivered(job, surface, outcome)
    return outcome


def teams_answered(status: int) -> None:
    """Report the Bot Connector's HTTP error status when it is a 429."""
    if status == 429:
        _observer.rate_limited("teams", "send")


class RateLimitCounter(RetryHandler):
    """Count Slack's 429s; retries nothing, so the handlers after it decide (placed first, it sees every answer)."""

    def __init__(self, base_url: str) -> None:
        super().__init__(max_retry_count=0)
        self._base_url = base_url

    def can_retry(self, *, state, request, response=None, error=None) -> bool:
        if response is not None and response.status_code == 429:
            url = request.url.split("?", 1)[0]
            method = url[len(self._base_url):] if url.startswith(self._base_url) else ""
            _observer.rate_limited("slack", method if method and "/" not in method else "other")
        return False


def count_rate_limits(client: WebClient) -> WebClient:
    """Put one RateLimitCounter first among `client`'s retry handlers (and no second one) and return `client`."""
    others = [handler for handler in client.retry_handlers if not isinstance(handler, RateLimitCounter)]
    client.retry_handlers = [RateLimitCounter(client.base_url), *others]
    return client
