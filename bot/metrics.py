"""Every Prometheus metric the bot exports, the hooks that feed them, and GET /metrics.

Labels stay bounded: surfaces, request kinds, job names, outcomes, Slack method names and error classes;
never a person, a team or a channel.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterator
from urllib.parse import parse_qs

from fastapi import FastAPI
from fastapi.responses import Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    GC_COLLECTOR,
    PLATFORM_COLLECTOR,
    PROCESS_COLLECTOR,
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import Engine, event
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, col, func, select
from starlette.concurrency import run_in_threadpool

from scheduler import observe
from storage.models import Delivery, DeliveryStatus

log = logging.getLogger(__name__)

disable_created_metrics()  # no *_created series beside every counter and histogram
REGISTRY = CollectorRegistry(auto_describe=True)
for _collector in (PROCESS_COLLECTOR, PLATFORM_COLLECTOR, GC_COLLECTOR):
    REGISTRY.register(_collector)

REQUESTS = Counter("checkin_requests", "Requests from Slack and Teams, by surface, kind and outcome (ok, refused, "
                   "error).", ["surface", "kind", "outcome"], registry=REGISTRY)
ACK_SECONDS = Histogram("checkin_request_ack_seconds", "Seconds from a request's arrival to its acknowledgement "
                        "(the response's start); Slack allows 3.", ["surface", "kind"],
                        buckets=(0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0), registry=REGISTRY)
DELIVERIES = Counter("checkin_deliveries", "Scheduled messages by job, surface and outcome: sent, deferred (a retry "
                     "is due later, or the person is not reachable yet), failed (for good), skipped.",
                     ["job", "surface", "outcome"], registry=REGISTRY)
RATE_LIMITED = Counter("checkin_rate_limited", "429 answers from Slack (by Web API method) and from Teams.",
                       ["surface", "method"], registry=REGISTRY)
JOB_RUNS = Counter("checkin_job_runs", "Scheduler job runs by job and outcome (ok, error).", ["job", "outcome"],
                   registry=REGISTRY)
JOB_SECONDS = Histogram("checkin_job_run_seconds", "How long one scheduler run of a job took.", ["job"],
                        buckets=(0.05, 0.25, 1.0, 5.0, 15.0, 30.0, 60.0, 120.0, 300.0), registry=REGISTRY)
DATABASE_ERRORS = Counter("checkin_database_errors", "Database errors by class (OperationalError, IntegrityError, "
                          "...), connection failures included.", ["kind"], registry=REGISTRY)
PENDING = "checkin_deliveries_pending"  # a gauge read from the database at scrape time: PendingDeliveries

# What a delivery's outcome (scheduler.outbox) counts as; "busy" (another worker has it) and "stopped" (shutting
# down, left due) are not an attempt of ours.
DELIVERY_OUTCOMES = {"sent": "sent", "retry": "deferred", "unreachable": "deferred", "failed": "failed",
                     "skipped": "skipped"}
SLACK_KINDS = {"event_callback": "event", "block_actions": "action", "interactive_message": "action",
               "view_submission": "view_submission", "view_closed": "view_closed", "shortcut": "shortcut",
               "message_action": "shortcut", "block_suggestion": "options", "url_verification": "url_verification"}
TEAMS_KINDS = {"message", "invoke", "conversationUpdate", "installationUpdate", "messageReaction", "event", "typing",
               "messageUpdate", "messageDelete"}
SURFACES = {"/slack/events": "slack", "/api/messages": "teams"}
KIND_NOTED = "checkin_bot.kind"  # in the ASGI scope: the kind, when the route has read the body (note_slack_kind)
KIND_BODY_MAX = 1024 * 1024  # a body bigger than any Slack or Teams sends is only counted, not read for its kind
PENDING_CACHE_SECONDS = 15.0
PENDING_STATUSES = (DeliveryStatus.SCHEDULED, DeliveryStatus.RETRY, DeliveryStatus.CLAIMED)


class _SchedulerMetrics(observe.Observer):
    def job_ran(self, job: str, outcome: str, seconds: float) -> None:
        JOB_RUNS.labels(job, outcome).inc()
        JOB_SECONDS.labels(job).observe(seconds)

    def delivered(self, job: str, surface: str, outcome: str) -> None:
        counted = DELIVERY_OUTCOMES.get(outcome)
        if counted is not None:
            DELIVERIES.labels(job, surface, counted).inc()

    def rate_limited(self, surface: str, method: str) -> None:
        RATE_LIMITED.labels(surface, method).inc()


def mount(api: FastAPI, engine: Engine, *, monotonic: Callable[[], float] = time.monotonic) -> None:
    """Serve GET /metrics, time Slack's and Teams' requests, count database errors and the scheduler's work."""
    observe.install(_SchedulerMetrics())
    watch_engine(engine)
    api.add_middleware(RequestMetrics)
    pending = PendingDeliveries(engine, monotonic=monotonic)

    @api.get("/metrics")
    async def metrics() -> Response:
        return Response(await run_in_threadpool(exposition, pending), media_type=CONTENT_TYPE_LATEST)


def exposition(*extra: Collector) -> bytes:
    """The process's metrics and `extra` collectors (this app's), in Prometheus' text format."""
    scrape = CollectorRegistry(auto_describe=False)
    for collector in extra:
        scrape.register(collector)
    return generate_latest(REGISTRY) + generate_latest(scrape)


class PendingDeliveries:
    """Deliveries waiting by job and status, one grouped query on the status index, at most every 15 seconds."""

    def __init__(self, engine: Engine, *, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._engine = engine
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._read_at: float | None = None
        self._counts: list[tuple[str, str, int]] | None = None

    def collect(self) -> Iterator[GaugeMetricFamily]:
        with self._lock:
            if self._read_at is None or self._monotonic() - self._read_at >= PENDING_CACHE_SECONDS:
                self._counts = self._read()
                self._read_at = self._monotonic()
            counts = self._counts
        if counts is None:  # the database did not answer: no samples rather than stale ones
            return
        gauge = GaugeMetricFamily(PENDING, "Deliveries waiting to be sent (scheduled, retry) or being sent (claimed), "
                                  "by job and status; read at most every 15 s.", labels=["job", "status"])
        for job, status, count in counts:
            gauge.add_metric([job, status], count)
        yield gauge

    def _read(self) -> list[tuple[str, str, int]] | None:
        statement = (select(Delivery.job, Delivery.status, func.count())
                     .where(col(Delivery.status).in_([str(status) for status in PENDING_STATUSES]))
                     .group_by(Delivery.job, Delivery.status))
        try:
            with Session(self._engine) as session:
                return [(job, str(status), count) for job, status, count in session.exec(statement)]
        except SQLAlchemyError:
            return None  # counted by watch_engine; /readyz says what is wrong


def watch_engine(engine: Engine) -> None:
    """Count the engine's database errors, connection failures included (once per engine however often called)."""
    if not event.contains(engine, "handle_error", _count_database_error):
        event.listen(engine, "handle_error", _count_database_error)


def _count_database_error(context) -> None:
    error = context.sqlalchemy_exception or context.original_exception
    DATABASE_ERRORS.labels(type(error).__name__).inc()


class RequestMetrics:
    """ASGI middleware: count Slack's and Teams' requests by kind and outcome and time their acknowledgement."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        surface = SURFACES.get(scope.get("path", "")) if scope["type"] == "http" else None
        if surface is None or scope.get("method") != "POST":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        body: list[bytes] = []
        size = 0
        recorded = False

        async def receive_and_keep():
            nonlocal size
            message = await receive()
            if message["type"] == "http.request":
                size += len(message.get("body", b""))
                if size <= KIND_BODY_MAX:
                    body.append(message.get("body", b""))
            return message

        def record(status: int) -> None:
            nonlocal recorded
            recorded = True
            seconds = time.perf_counter() - started
            kind = scope.get(KIND_NOTED)
            if kind is None:  # refused before the route read it (unsigned, too large), or a Teams activity
                raw = b"".join(body) if size <= KIND_BODY_MAX else b""
                kind = slack_kind(raw, _content_type(scope)) if surface == "slack" else teams_kind(raw)
            REQUESTS.labels(surface, kind, "ok" if status < 400 else "refused" if status < 500 else "error").inc()
            ACK_SECONDS.labels(surface, kind).observe(seconds)
            log.info("%s %s answered %s in %.0f ms", surface, kind, status, seconds * 1000,
                     extra={"surface": surface, "kind": kind, "status": status, "ack_ms": round(seconds * 1000, 1)})

        async def send_and_record(message) -> None:
            if message["type"] == "http.response.start":
                record(message["status"])  # before the answer leaves: the ack is what Slack times
            await send(message)

        try:
            await self.app(scope, receive_and_keep, send_and_record)
        finally:
            if not recorded:  # the app raised before answering; the server answers 500
                record(500)


def note_slack_kind(scope, parsed: dict) -> None:
    """Name the kind of a Slack request the route has parsed, so that this middleware need not parse it again."""
    scope[KIND_NOTED] = _kind_of(parsed)


def slack_kind(body: bytes, content_type: str) -> str:
    """Name a Slack request's kind: command, event, action, view_submission, ... or other."""
    try:
        text = body.decode("utf-8")
        if content_type == "application/json":
            parsed = json.loads(text)
        else:
            form = {name: values[0] for name, values in parse_qs(text).items()}
            parsed = json.loads(form["payload"]) if "payload" in form and "command" not in form else form
    except (ValueError, KeyError, IndexError, RecursionError):
        return "other"
    return _kind_of(parsed)


def _kind_of(parsed: object) -> str:
    """A request's kind from its body as Bolt reads it: a slash command's form, or a payload with its type."""
    if not isinstance(parsed, dict):
        return "other"
    if "command" in parsed:
        return "command"
    kind = parsed.get("type")
    return SLACK_KINDS.get(kind, "other") if isinstance(kind, str) else "other"


def teams_kind(body: bytes) -> str:
    """Name a Teams activity's type (message, invoke, conversationUpdate, ...) or other."""
    try:
        activity = json.loads(body)
    except (ValueError, RecursionError):
        return "other"
    kind = activity.get("type") if isinstance(activity, dict) else None
    return kind if kind in TEAMS_KINDS else "other"


def _content_type(scope) -> str:
    for name, value in scope.get("headers", []):
        if name == b"content-type":
            return value.decode("latin-1").split(";")[0].strip().lower()
    return ""
