"""One error handler around every Teams handler: log the failure, tell the person in the chat."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from handlers.teams.context import card_message
from prompts import cards, render
from storage import people

if TYPE_CHECKING:
    from bot.deps import Deps

log = logging.getLogger(__name__)


def register(app: Any, deps: Deps) -> None:
    @app.use
    async def tell_on_error(ctx: Any) -> None:
        # Registered first, so it wraps every later handler of the turn.
        try:
            await ctx.next()
        except Exception:
            log.exception("Teams handler failed for a %s activity", ctx.activity.type)
            if ctx.activity.type != "message":
                raise  # a failed dialog answers 500, and Teams shows its own error in the dialog
            locale = people.pick_locale(ctx.activity.locale, default=deps.settings.default_locale)
            await ctx.send(card_message(cards.text_card(render("something_went_wrong", locale))))
