"""One error handler for every listener: log the trace, tell the person something went wrong."""

from __future__ import annotations

import logging

from slack_bolt import App
from slack_sdk.webhook import WebhookClient

from prompts import blocks

log = logging.getLogger(__name__)


def register(app: App) -> None:
    app.error(on_error)


def on_error(error: Exception, body: dict, context) -> None:
    log.exception("listener failed", exc_info=error)
    response_url = body.get("response_url") or next(
        (url["response_url"] for url in body.get("response_urls", []) if "response_url" in url), None
    )
    if response_url:
        locale = context.get("deps").settings.default_locale if context.get("deps") else "en"
        WebhookClient(response_url).send(response_type="ephemeral", **blocks.something_went_wrong(locale=locale))
