"""`kudos @person message` in Teams: the same praise, refusals and words as Slack's /kudos."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from handlers.teams.context import TeamsCaller
from handlers.teams.mentions import leading_mention, plain_mentions
from handlers.teams.notify import locale_of, post_to_slack, send_where_they_are
from prompts import cards, kudos_blocks
from prompts.goal_blocks import error_text
from storage import kudos
from storage.models import Person

if TYPE_CHECKING:
    from bot.deps import Deps


async def give(ctx: Any, app: Any, deps: Deps, caller: TeamsCaller, text: str) -> dict:
    """Record the praise for the person mentioned first, tell them (or the kudos channel), and confirm."""
    who = await leading_mention(ctx, deps, text)
    message = plain_mentions(who.rest) if who.found else None
    try:
        await asyncio.to_thread(_record, deps, caller.person, who.person, message)
    except kudos.KudosError as error:
        return cards.text_card(error_text(error.code, caller.locale))
    receiver: Person = who.person
    channel = deps.settings.kudos_channel
    # A channel post is read by everyone, so it uses the organisation's language; a direct message, the receiver's.
    post = kudos_blocks.kudos_post(giver=caller.person.name, receiver=receiver.name, message=message.strip(),
                                   locale=deps.settings.default_locale if channel else locale_of(deps, receiver))
    if channel:
        await asyncio.to_thread(post_to_slack, deps, channel, post)
    else:
        await send_where_they_are(app, deps, receiver, post)
    return cards.card_from_block_kit(kudos_blocks.kudos_sent(receiver=receiver.name, channel=channel,
                                                             locale=caller.locale))


def _record(deps: Deps, giver: Person, receiver: Person | None, message: str | None) -> None:
    with deps.sessions() as session:
        kudos.give(session, giver, receiver, message, now=deps.clock.now())
