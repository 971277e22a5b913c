"""The app added for a person: remember their 1:1 chat (so scheduled messages can reach them) and say hello."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from handlers.teams.context import card_message, identify, stranger_card
from prompts import adaptive

# Set by the server on an installationUpdate that was an app update (add-upgrade); the SDK keeps it among the
# activity's extra fields.
UPGRADE_MARKER = "checkinBotUpgrade"

if TYPE_CHECKING:
    from bot.deps import Deps


def register(app: Any, deps: Deps) -> None:
    @app.on_install_add
    async def installed(ctx: Any) -> None:
        caller = await identify(ctx, deps)
        if (ctx.activity.model_extra or {}).get(UPGRADE_MARKER) and caller.person is not None:
            return  # a new version of the app: the chat is remembered again, without a second hello
        if caller.person is None:
            card = await asyncio.to_thread(stranger_card, deps, caller.locale)
        else:
            card = adaptive.help_card(locale=caller.locale)
        await ctx.send(card_message(card))

    @app.on_conversation_update
    async def bot_added(ctx: Any) -> None:
        # Teams sends this beside the installationUpdate; remember the chat, and let the install say hello.
        bot_id = ctx.activity.recipient.id
        if any(member.id == bot_id for member in ctx.activity.members_added or []):
            await identify(ctx, deps)
        await ctx.next()
