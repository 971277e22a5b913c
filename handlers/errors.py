"""One error handler for every listener: log the failure, tell the person the truth about what was saved."""

from __future__ import annotations

import logging

from slack_bolt import App, BoltResponse
from slack_bolt.error import BoltUnhandledRequestError
from slack_sdk.errors import SlackApiError
from sqlalchemy.exc import DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from handlers.context import recent_locale
from handlers.payloads import answer_privately, refusal_acknowledgement
from prompts import render

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
        locale = _locale(context, body)
        text = _what_to_say(error, context, body, locale)
        if response is not None:  # not acknowledged yet: the answer is the acknowledgement itself
            answer = refusal_acknowledgement(body, text, locale=locale)
            return BoltResponse(status=200, body=answer or "")
        if "event" not in body:
            answer_privately(body, context.get("client"), text)
    except Exception:  # the error handler itself must never turn a refusal into a 500
        log.exception("could not tell the person about an error")
        if response is not None:
            return BoltResponse(status=200, body="")
    return None


def _what_to_say(error: Exception, context, body: dict, locale: str) -> str:
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
    return render(name, locale)


def _method_of(error: SlackApiError) -> str:
    url = getattr(error.response, "api_url", "") or ""
    return url.rsplit("/", 1)[-1] or "a call"


def _locale(context, body: dict) -> str:
    user = body.get("user")
    slack_id = user.get("id") if isinstance(user, dict) else body.get("user_id")
    deps = context.get("deps")
    return recent_locale(slack_id) or (deps.settings.default_locale if deps else "en")
