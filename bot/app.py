"""Build the Bolt app: our client, signature checks, the deps on every request, every listener."""

from __future__ import annotations

import hashlib
import logging
import os
import uuid
from concurrent.futures import Executor
from dataclasses import replace

from slack_bolt import App
from slack_sdk import WebClient

from bot.deps import Deps, job_config
from bot.slack_client import make_web_client
from handlers import register_all
from scheduler import JobContext
from scheduler import notices as notice_job
from storage.db import noting_writes


def build_bolt_app(deps: Deps, *, client: WebClient | None = None, listener_executor: Executor | None = None) -> App:
    """Create the Slack app; listeners run after ack on `listener_executor` (a thread pool by default)."""
    settings = deps.settings
    web_client = client or slack_web_client(deps)
    if deps.deliver_notices is None:
        deps.deliver_notices = notice_sender(deps, web_client)
    app = App(
        client=web_client,
        signing_secret=settings.slack_signing_secret,
        # Socket Mode has no HTTP requests to verify, and serve mounts no /slack/events then.
        request_verification_enabled=not settings.socket_mode,
        token_verification_enabled=False,  # serve checks the token itself, with a clear message
        listener_executor=listener_executor,
        raise_error_for_unhandled_request=True,  # handlers.errors answers them with a quiet 200
        logger=logging.getLogger("checkin_bot.slack"),
    )

    @app.middleware
    def attach_deps(body, context, next):
        context["deps"] = for_request(deps, context)
        context["request_key"] = request_key(body)
        next()

    register_all(app)
    return app


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


def notice_sender(deps: Deps, client: WebClient):
    """Return how listeners deliver the notices they queued: now, on this thread, through the delivery log."""

    def deliver_now(queued: list) -> list[str]:
        context = JobContext(sessions=deps.sessions, client=client, now=deps.clock.now(), config=job_config(
            deps.settings), worker=f"listener:{os.getpid()}", teams=deps.teams)
        return notice_job.deliver_queued(context, queued)

    return deliver_now
