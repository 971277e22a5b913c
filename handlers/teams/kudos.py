"""`kudos @person message` in Teams: the action of Slack's /kudos (actions/kudos.py), read from a Teams message."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from actions import kudos as kudos_actions
from handlers.teams.context import TeamsCaller, act
from handlers.teams.mentions import leading_mention, plain_mentions
from prompts import adaptive
from prompts.goal_blocks import error_text

if TYPE_CHECKING:
    from bot.deps import Deps


async def give(ctx: Any, app: Any, deps: Deps, caller: TeamsCaller, text: str) -> dict:
    """Give praise to the person mentioned first; the answer card says it was sent, or why not."""
    who = await leading_mention(ctx, deps, text)
    outcome = await asyncio.to_thread(act, deps, caller, kudos_actions.give_kudos, activity=ctx.activity,
                                      receiver=who.person if who.found else None,
                                      message=plain_mentions(who.rest) if who.found else None,
                                      channel=deps.settings.kudos_channel)
    if not outcome.ok:
        return adaptive.text_card(error_text(next(iter(outcome.errors.values())), caller.locale))
    return adaptive.card_from_block_kit(outcome.reply)
