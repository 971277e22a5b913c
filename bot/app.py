"""Build the Bolt app: our client, signature checks, the deps on every request, every listener."""

from __future__ import annotations

import logging
from concurrent.futures import Executor

from slack_bolt import App
from slack_sdk import WebClient

from bot.deps import Deps
from bot.slack_client import make_web_client
from handlers import register_all


def build_bolt_app(deps: Deps, *, client: WebClient | None = None, listener_executor: Executor | None = None) -> App:
    """Create the Slack app; listeners run after ack on `listener_executor` (a thread pool by default)."""
    settings = deps.settings
    app = App(
        client=client or slack_web_client(deps),
        signing_secret=settings.slack_signing_secret,
        # Socket Mode has no HTTP requests to verify, and serve mounts no /slack/events then.
        request_verification_enabled=not settings.socket_mode,
        token_verification_enabled=False,  # serve checks the token itself, with a clear message
        listener_executor=listener_executor,
        logger=logging.getLogger("checkin_bot.slack"),
    )

    @app.middleware
    def attach_deps(context, next):
        context["deps"] = deps
        next()

    register_all(app)
    return app


def slack_web_client(deps: Deps) -> WebClient:
    return make_web_client(
        token=deps.settings.slack_bot_token, base_url=deps.settings.slack_api_url, sleep=deps.sleep
    )
