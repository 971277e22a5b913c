"""`home` in Teams, which has no App Home: Slack's home tab as a card, its buttons the same actions."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from handlers.home import load_home
from handlers.teams.actions import action_of
from handlers.teams.context import TeamsCaller, card_message, identify, stranger_card
from prompts import adaptive
from prompts.home_blocks import PAGE_ACTION, HomePages, home_view
from storage.models import Person

if TYPE_CHECKING:
    from bot.deps import Deps


def register(app: Any, deps: Deps) -> None:
    @app.on_message
    async def turn_page(ctx: Any) -> None:
        """A pager button on the home card (a plain submit): the next page takes the card's place."""
        activity = ctx.activity
        action, value = action_of(activity.value if activity.value is not None and not activity.text else None)
        if not action.startswith(f"{PAGE_ACTION}-"):
            return await ctx.next()
        caller = await identify(ctx, deps)
        card = await asyncio.to_thread(page, deps, caller, value)
        message = card_message(card)
        if caller.person is not None and activity.reply_to_id:
            message.id = activity.reply_to_id
        await ctx.send(message)


def home_card(deps: Deps, person: Person, *, locale: str, pages: HomePages | None = None) -> dict:
    """Build what the person's Slack home shows, as a card: the same words, the same buttons."""
    with deps.sessions() as session:
        data = load_home(session, person, now=deps.clock.now(), default_zone=deps.settings.default_timezone)
    return adaptive.card_from_block_kit(home_view(data, locale=locale, pages=pages))


def page(deps: Deps, caller: TeamsCaller, value: str) -> dict:
    """Build the home card at the pages a pager button carries (a forged value reads as the first pages)."""
    if caller.person is None:
        return stranger_card(deps, caller.locale)
    return home_card(deps, caller.person, locale=caller.locale, pages=HomePages.from_value(value))
