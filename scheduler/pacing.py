"""Pace the scheduler's Slack calls to Slack's published rate tiers, and back off together on a 429.

One Pacer per process and workspace: every delivery thread asks it before each call, so the threads share one
allowance per (workspace, method) instead of each hammering Slack. Time and sleep are injected.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from slack_sdk import WebClient
from slack_sdk.http_retry import RetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState

# Slack's tiers, in calls a minute (api.slack.com/apis/rate-limits): Tier 2 = 20, Tier 3 = 50, Tier 4 = 100.
TIER_2, TIER_3, TIER_4 = 20 / 60, 50 / 60, 100 / 60
METHOD_TIERS: Mapping[str, float] = {
    "conversations.open": TIER_3,
    "conversations.history": TIER_3,
    "chat.update": TIER_3,
    "users.info": TIER_4,
    "users.list": TIER_2,
    "views.publish": TIER_4,
    "files.getUploadURLExternal": TIER_4,
    "files.completeUploadExternal": TIER_4,
}
POST_METHOD = "chat.postMessage"  # "special": ~1 a second per channel, and a workspace-wide allowance we set
DEFAULT_POSTS_PER_SECOND = 20.0
MAX_RATE_LIMIT_RETRIES = 5


@dataclass
class _Lane:
    base: float  # seconds between two calls when this process sends alone
    interval: float  # seconds between two calls now (base x the senders sharing the allowance)
    next_free: float = float("-inf")
    paused_until: float = float("-inf")
    pauses: int = 0  # how many 429s this lane has seen: a waiter that sees a new one queues again


class Pacer:
    """Hand out call slots per (workspace, method) at a steady rate; a 429 pauses every sender of that method."""

    def __init__(self, *, rates: Mapping[str, float], monotonic: Callable[[], float],
                 sleep: Callable[[float], object], stopped: Callable[[], bool] = lambda: False) -> None:
        self._rates = dict(rates)
        self._monotonic = monotonic
        self._sleep = sleep
        self._stopped = stopped
        self._lock = threading.Lock()
        self._lanes: dict[tuple[str, str], _Lane] = {}
        self._senders = 1

    @classmethod
    def for_slack(cls, *, posts_per_second: float, monotonic: Callable[[], float], sleep: Callable[[float], object],
                  stopped: Callable[[], bool] = lambda: False) -> Pacer:
        """A pacer with Slack's tiers and our own chat.postMessage allowance."""
        return cls(rates={**METHOD_TIERS, POST_METHOD: posts_per_second}, monotonic=monotonic, sleep=sleep,
                   stopped=stopped)

    @property
    def stopped(self) -> bool:
        return self._stopped()

    def acquire(self, method: str, *, workspace: str = "") -> None:
        """Wait for this method's next slot; return at once for unpaced methods or once a stop is asked."""
        lane = self._lane(workspace, method)
        if lane is None:
            return
        while not self._stopped():
            with self._lock:
                now = self._monotonic()
                at = max(now, lane.next_free, lane.paused_until)
                lane.next_free = at + lane.interval
                pauses = lane.pauses
            if at > now:
                self._sleep(at - now)
            with self._lock:
                if lane.pauses == pauses:
                    return
            # Slack answered 429 while we waited for our slot: queue again behind its Retry-After.

    def share(self, senders: int) -> None:
        """Take 1/`senders` of every allowance: replicas sending at once split Slack's rate instead of each taking
        all of it and meeting in 429s (storage.deliveries.senders counts them from the delivery log)."""
        with self._lock:
            self._senders = max(1, senders)
            for lane in self._lanes.values():
                lane.interval = lane.base * self._senders

    @property
    def senders(self) -> int:
        return self._senders

    def pause(self, method: str, seconds: float, *, workspace: str = "") -> None:
        """Hold every sender of `method` for `seconds`, as a 429's Retry-After asks."""
        lane = self._lane(workspace, method, paced_or_not=True)
        with self._lock:
            until = self._monotonic() + seconds
            lane.paused_until = max(lane.paused_until, until)
            lane.next_free = max(lane.next_free, until)
            lane.pauses += 1

    def _lane(self, workspace: str, method: str, *, paced_or_not: bool = False) -> _Lane | None:
        rate = self._rates.get(method)
        if rate is None and not paced_or_not:
            return None
        with self._lock:
            lane = self._lanes.get((workspace, method))
            if lane is None:
                base = 1 / rate if rate else 0.0
                lane = self._lanes[(workspace, method)] = _Lane(base=base, interval=base * self._senders)
            return lane


class PacedRateLimitRetry(RetryHandler):
    """On a 429, pause the method for every thread for Retry-After, then retry this call in its new slot."""

    def __init__(self, pacer: Pacer, *, workspace: str, base_url: str) -> None:
        super().__init__(max_retry_count=MAX_RATE_LIMIT_RETRIES)
        self._pacer = pacer
        self._workspace = workspace
        self._base_url = base_url

    def _can_retry(self, *, state: RetryState, request: HttpRequest, response: HttpResponse | None = None,
                   error: Exception | None = None) -> bool:
        return response is not None and response.status_code == 429

    def prepare_for_next_attempt(self, *, state: RetryState, request: HttpRequest,
                                 response: HttpResponse | None = None, error: Exception | None = None) -> None:
        method = _method_of(request.url, self._base_url)
        if self._pacer.stopped:
            return  # the 429 stands: the delivery is recorded for a retry and the worker ends
        self._pacer.pause(method, retry_after(response), workspace=self._workspace)
        self._pacer.acquire(method, workspace=self._workspace)
        state.next_attempt_requested = True
        state.increment_current_attempt()


class PacedWebClient(WebClient):
    """A WebClient whose every Web API call first waits for its slot from the pacer."""

    def __init__(self, *, pacer: Pacer, workspace: str, **kwargs) -> None:
        super().__init__(**kwargs)
        self._pacer = pacer
        self._workspace = workspace

    def api_call(self, api_method: str, **kwargs):  # type: ignore[override]
        self._pacer.acquire(api_method, workspace=self._workspace)
        return super().api_call(api_method, **kwargs)


def paced_client(client: WebClient, pacer: Pacer, *, workspace: str = "") -> WebClient:
    """A copy of `client` (same token, URL, timeout and retry rules) whose calls go through `pacer`."""
    return PacedWebClient(
        pacer=pacer, workspace=workspace, token=client.token, base_url=client.base_url, timeout=client.timeout,
        # Ours first, so a 429 pauses every thread instead of each waiting on its own.
        retry_handlers=[PacedRateLimitRetry(pacer, workspace=workspace, base_url=client.base_url),
                        *client.retry_handlers],
    )


def _method_of(url: str, base_url: str) -> str:
    method = url[len(base_url):] if url.startswith(base_url) else url.rsplit("/", 1)[-1]
    return method.split("?", 1)[0]


def retry_after(response: HttpResponse | None) -> float:
    """Return the seconds a 429 asks to wait (Retry-After), 1 when it does not say."""
    headers = {k.lower(): v for k, v in (response.headers if response else {}).items()}
    value = headers.get("retry-after")
    raw = value[0] if isinstance(value, list) else value
    try:
        return max(float(raw), 0.0)
    except (TypeError, ValueError):
        return 1.0
