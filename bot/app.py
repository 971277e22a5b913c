"""Build the Bolt app: our client, signature checks, the deps on every request, every listener."""

from __future__ import annotations

import hashlib
import logging
import os
import uuid
from concurrent.futures import Executor
from dataclasses import replace

from slack_bolt import App
from slack_bolt.middleware import Middleware
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.ai_client import assistant_from
from bot.deps import Deps, job_config
from bot.executors import BoundedExecutor, Coalescing
from bot.slack_client import make_web_client
from handlers import register_all
from handlers.home import publish_home
from scheduler import JobContext
from scheduler import notices as notice_job
from storage.db import noting_writes
from storage.models import Person

# Listener threads and how many listeners may wait for one. Python runs one thread at a time, so more workers buy
# only overlap with Slack and database round trips; the queue limit caps the memory a burst can take.
LISTENER_WORKERS = 8
LISTENER_QUEUE = 64
# Work after the listener (App Home publishes, thanks): one thread, as a second would only take the GIL from the acks;
# the queue holds one entry per person waiting (see Coalescing), so it is sized for a burst of different people.
# It gives way to the acks (AcksFirst) until three quarters full, then runs at once so that it never fills.
LATER_WORKERS = 1
LATER_QUEUE = 1024

log = logging.getLogger(__name__)


def build_bolt_app(deps: Deps, *, client: WebClient | None = None, listener_executor: Executor | None = None) -> App:
    """Create the Slack app; listeners run on `listener_executor` (by default a pool with a bounded queue)."""
    settings = deps.settings
    web_client = client or slack_web_client(deps)
    if deps.deliver_notices is None:
        deps.deliver_notices = notice_sender(deps, web_client)
        deps.drain_notices = notice_drain(deps, web_client)
    if deps.assistant is None:
        deps.assistant = assistant_from(settings)
    # Under `serve`, work that can wait (republishing an App Home) runs after the listener on its own bounded pool,
    # once per person however often it is asked for meanwhile; with an executor given (tests, scripted runs) it
    # runs in the listener, as before.
    later = Coalescing(BoundedExecutor(workers=LATER_WORKERS, queue_limit=LATER_QUEUE, name="later"),
                       acks_first=deps.acks_first, backlog=LATER_QUEUE * 3 // 4) if listener_executor is None else None
    if deps.refresh_home is None:
        deps.refresh_home = home_refresher(deps, web_client, later=later)
    app = App(
        client=web_client,
        signing_secret=settings.slack_signing_secret,
        # bot.server checks every HTTP request's signature before Bolt sees it (and parses it once); Socket Mode has
        # no HTTP requests to verify.
        request_verification_enabled=False,
        token_verification_enabled=False,  # serve checks the token itself, with a clear message
        listener_executor=listener_executor or BoundedExecutor(workers=LISTENER_WORKERS, queue_limit=LISTENER_QUEUE),
        raise_error_for_unhandled_request=True,  # handlers.errors answers them with a quiet 200
        logger=logging.getLogger("checkin_bot.slack"),
    )

    app.use(AttachDeps(deps, later))
    register_all(app)
    return app


class AttachDeps(Middleware):
    """Give every request the deps (see for_request), its key and where work after the ack goes.

    A class rather than a function: Bolt builds a function middleware's arguments on every request."""

    def __init__(self, deps: Deps, later: Coalescing | None) -> None:
        self.deps, self.later = deps, later

    def process(self, *, req, resp, next):
        context = req.context
        context["deps"] = for_request(self.deps, context)
        context["request_key"] = request_key(req.body)
        context["later"] = self.later
        return next()


def slack_web_client(deps: Deps) -> WebClient:
    return make_web_client(
        token=deps.settings.slack_bot_token, base_url=deps.settings.slack_api_url, sleep=deps.sleep,
        timeout=deps.settings.slack_timeout_seconds,
    )


def for_request(deps: Deps, context) -> Deps:
    """The deps as one request sees them: sessions that mark `context["saved"]` once a write is committed."""
    return replace(deps, sessions=noting_writes(deps.sessions, lambda: context.__setitem__("saved", True)))


def request_key(body: dict) -> str:
    """A short id of the interaction, the same if our code runs for it again: notices are keyed by it."""
    raw = (body.get("trigger_id") or body.get("event_id")) if isinstance(body, dict) else None
    if not isinstance(raw, str) or not raw:
        return uuid.uuid4().hex[:16]
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()[:16]


def home_refresher(deps: Deps, client: WebClient, *, later: Coalescing | None):
    """Return how a change made outside Slack republishes a person's App Home (later, when the app defers work)."""

    def refresh(person: Person) -> None:
        try:
            publish_home(client, {"deps": deps, "later": later}, person)
        except (SlackApiError, OSError) as exc:  # the change is saved; a stale home tab is not worth failing it
            log.warning("Slack home refresh failed: %s", type(exc).__name__)

    return refresh


def notice_sender(deps: Deps, client: WebClient):
    """Return how listeners deliver the notices they queued: now, on this thread, through the delivery log."""

    def deliver_now(queued: list) -> list[str]:
        return notice_job.deliver_queued(_listener_job_context(deps, client), queued)

    return deliver_now


def notice_drain(deps: Deps, client: WebClient):
    """Return how work after an ack delivers every notice waiting, as the `notices` job would."""

    def drain() -> None:
        notice_job.run(_listener_job_context(deps, client))

    return drain


def _listener_job_context(deps: Deps, client: WebClient) -> JobContext:
    return JobContext(sessions=deps.sessions, client=client, now=deps.clock.now(), config=job_config(deps.settings),
                      worker=f"listener:{os.getpid()}", teams=deps.teams)
