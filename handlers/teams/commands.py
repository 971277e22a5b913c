"""Messages to the bot: the commands the Teams manifest lists (`help`, `goal`, `goal list`, ...)."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from handlers.teams import goals
from handlers.teams.context import TeamsCaller, card_message, command_of, identify, stranger_card
from prompts import cards, render
from prompts.render import mrkdwn_escape

if TYPE_CHECKING:
    from bot.deps import Deps


def register(app: Any, deps: Deps) -> None:
    @app.on_message
    async def on_message(ctx: Any) -> None:
        if ctx.activity.value is not None and not ctx.activity.text:
            return await ctx.next()  # a card's Action.Submit, not a typed command
        caller = await identify(ctx, deps)
        card = await asyncio.to_thread(answer, deps, caller, ctx.activity.text)
        await ctx.send(card_message(card))


def answer(deps: Deps, caller: TeamsCaller, text: str | None) -> dict:
    """Build the reply to a typed command."""
    if caller.person is None:
        return stranger_card(deps, caller.locale)
    command, rest = command_of(text)
    subcommand, argument = command_of(rest)
    if command == "help":
        return cards.help_card(locale=caller.locale)
    if command == "goal":
        if subcommand == "":
            return cards.new_goal_button_card(locale=caller.locale)
        if subcommand == "list":
            return goals.goal_list(deps, caller.person, argument, locale=caller.locale)
        if subcommand == "help":
            return cards.text_card(render("goal_help", caller.locale))
        return _not_understood(command, rest, "goal_help", locale=caller.locale)
    return _not_understood(command, rest, None, locale=caller.locale)


def _not_understood(command: str, rest: str, help_name: str | None, *, locale: str) -> dict:
    intro = render("unknown_subcommand", locale, command=mrkdwn_escape(command), text=rest)
    helps = [help_name] if help_name else ["goal_help", "checkin_help"]
    return cards.text_card("\n\n".join([intro, *(render(name, locale) for name in helps)]))
