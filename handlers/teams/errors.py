"""One error handler around every Teams handler: log the failure, tell the person in the chat."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import httpx

from handlers.teams.context import card_message
from prompts import adaptive, render
from storage import people

if TYPE_CHECKING:
    from bot.deps import Deps

log = logging.getLogger(__name__)

# The Bot Connector refusing the bot's message: blocked or removed (403), chat gone (404), throttled (429).
# Telling the person is refused the same way, and Teams does not retry a turn, so there is nothing to do.
REFUSED = frozenset({403, 404, 429})


def register(app: Any, deps: Deps) -> None:
    @app.use
    async def tell_on_error(ctx: Any) -> None:
        # Registered first, so it wraps every later handler of the turn.
        try:
            await ctx.next()
        except Exception as error:
            if _refused(error):
                _log_refusal(ctx, error)
                return
            log.exception("Teams handler failed for a %s activity", ctx.activity.type)
            if ctx.activity.type != "message":
                raise  # a failed dialog answers 500, and Teams shows its own error in the dialog
            locale = people.pick_locale(ctx.activity.locale, default=deps.settings.default_locale)
            try:
                await ctx.send(card_message(adaptive.text_card(render("something_went_wrong", locale))))
            except Exception as apology_error:
                if not _refused(apology_error):
                    raise
                _log_refusal(ctx, apology_error)


def _refused(error: Exception) -> bool:
    return isinstance(error, httpx.HTTPStatusError) and error.response.status_code in REFUSED


def _log_refusal(ctx: Any, error: httpx.HTTPStatusError) -> None:
    # The status only: the request's URL and headers carry the conversation and the bot's token.
    log.warning("Teams reply to a %s activity refused by the Bot Connector: HTTP %s", ctx.activity.type,
                error.response.status_code)
