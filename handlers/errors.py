"""One error handler for every listener: log the failure, tell the person the truth about what was saved."""

from __future__ import annotations

import logging

from slack_bolt import App, BoltResponse
from slack_bolt.error import BoltUnhandledRequestError
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient
from sqlalchemy.exc import DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from handlers.context import recent_locale
from prompts import blocks, render

log = logging.getLogger(__name__)

# What the database raises when it cannot be reached (stopped, restarting, network gone, pool exhausted).
DATABASE_UNREACHABLE = (OperationalError, InterfaceError, DisconnectionError, PoolTimeout)


def register(app: App) -> None:
    app.error(on_error)


def on_error(error: Exception, body: dict, context, response: BoltResponse | None) -> BoltResponse | None:
    """Answer within Slack's 3 seconds: as the HTTP response when not acknowledged yet, else privately after."""
    body = body if isinstance(body, dict) else {}
    if isinstance(error, BoltUnhandledRequestError):
        # No listener for it (an event we do not use, a forged action id): a quiet 200, so Slack neither shows
        # an error nor retries the event, and one short log line instead of Bolt's warning with the whole body.
        log.info("no listener for a %s request", str(body.get("type") or "command")[:40])
        return BoltResponse(status=200, body="") if response is not None else None
    try:
        text = _what_to_say(error, context, body)
        if response is not None:
            return BoltResponse(status=200, body=_as_acknowledgement(body, text))
        _tell_afterwards(body, context, text)
    except Exception:  # the error handler itself must never turn a refusal into a 500
        log.exception("could not tell the person about an error")
        if response is not None:
            return BoltResponse(status=200, body="")
    return None


def _what_to_say(error: Exception, context, body: dict) -> str:
    database_down = isinstance(error, DATABASE_UNREACHABLE)
    if database_down:  # one line, not a trace per request while the database is away
        log.warning("database unreachable during a %s: %s", body.get("type") or "command", type(error).__name__)
    elif isinstance(error, SlackApiError):  # Slack's trouble, not a bug of ours: its error code is enough
        code = error.response.get("error") or error.response.status_code
        log.warning("Slack refused %s: %s", _method_of(error), code)
    else:
        log.exception("listener failed", exc_info=error)
    if context.get("saved"):
        name = "saved_but_not_finished"  # never "nothing was saved" after it was
    elif database_down:
        name = "records_unreachable"
    else:
        name = "something_went_wrong"
    return render(name, _locale(context, body))


def _method_of(error: SlackApiError) -> str:
    url = getattr(error.response, "api_url", "") or ""
    return url.rsplit("/", 1)[-1] or "a call"


def _locale(context, body: dict) -> str:
    user = body.get("user")
    slack_id = user.get("id") if isinstance(user, dict) else body.get("user_id")
    deps = context.get("deps")
    return recent_locale(slack_id) or (deps.settings.default_locale if deps else "en")


def _as_acknowledgement(body: dict, text: str) -> dict | str:
    """The answer as the acknowledgement itself: inline on a modal (it stays open with what was typed)."""
    kind = body.get("type")
    if kind == "view_submission":
        block_id = _first_input_block(body.get("view"))
        return {"response_action": "errors", "errors": {block_id: text}} if block_id else ""
    if kind == "block_suggestion":
        return {"options": []}
    if body.get("command"):
        return {"response_type": "ephemeral", **blocks.markdown_message(text)}
    return ""


def _first_input_block(view) -> str | None:
    if not isinstance(view, dict) or not isinstance(view.get("blocks"), list):
        return None
    return next((block.get("block_id") for block in view["blocks"]
                 if isinstance(block, dict) and block.get("type") == "input" and block.get("block_id")), None)


def _tell_afterwards(body: dict, context, text: str) -> None:
    """Already acknowledged: answer under the message or command (response_url), else in the person's DM."""
    urls = body.get("response_urls") if isinstance(body.get("response_urls"), list) else []
    response_url = body.get("response_url") or next(
        (url["response_url"] for url in urls if isinstance(url, dict) and "response_url" in url), None)
    if isinstance(response_url, str):
        WebhookClient(response_url).send(response_type="ephemeral", replace_original=False,
                                         **blocks.markdown_message(text))
        return
    user = body.get("user")
    client = context.get("client")
    if isinstance(user, dict) and isinstance(user.get("id"), str) and client is not None:
        client.chat_postMessage(channel=user["id"], **blocks.markdown_message(text))
