"""Messages to the bot: the commands the Teams manifest lists (`help`, `home`, `goal`, `goal list`, `checkin`...)."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from handlers.teams import assistant_settings, checkins, goals, home, kudos
from handlers.teams.context import TeamsCaller, card_message, command_of, identify, stranger_card
from handlers.teams.mentions import NOT_A_MENTION, Mention, leading_mention
from prompts import adaptive, goal_cards, render
from prompts.render import label, mrkdwn_escape

if TYPE_CHECKING:
    from bot.deps import Deps

# Commands whose argument names one person, as Slack's `/goal list @name` and `/checkin history @name` do.
NAMING = {("goal", "list"), ("checkin", "history")}


def register(app: Any, deps: Deps) -> None:
    @app.on_message
    async def on_message(ctx: Any) -> None:
        if ctx.activity.value is not None and not ctx.activity.text:
            return await ctx.next()  # a card's Action.Submit, not a typed command
        caller = await identify(ctx, deps)
        card = await reply(ctx, app, deps, caller, ctx.activity.text)
        await ctx.send(card_message(card))


async def reply(ctx: Any, app: Any, deps: Deps, caller: TeamsCaller, text: str | None) -> dict:
    """Answer a typed command; mentions are read (which may ask Teams who someone is) before the answer is built."""
    command, rest = command_of(text)
    subcommand, argument = command_of(rest)
    if caller.person is not None and command == "kudos":
        return await kudos.give(ctx, app, deps, caller, rest)
    who = None
    if caller.person is not None and argument and (command, subcommand) in NAMING:
        who = await leading_mention(ctx, deps, argument)
        if who.rest:  # more than one person named: like Slack, whose mention must be the whole argument
            who = NOT_A_MENTION
    return await asyncio.to_thread(answer, deps, caller, text, who)


def answer(deps: Deps, caller: TeamsCaller, text: str | None, who: Mention | None = None) -> dict:
    """Build the reply to a typed command; `who` is the person the argument mentions, when it names one."""
    if caller.person is None:
        return stranger_card(deps, caller.locale)
    person, locale = caller.person, caller.locale
    command, rest = command_of(text)
    subcommand, argument = command_of(rest)
    if argument and who is None:
        who = NOT_A_MENTION
    if command == "help":
        return help_card(locale=locale)
    if command == "home":
        return home.home_card(deps, person, locale=locale)
    if command == "assistant":  # HR: the assistant's features, each with an On/Off button
        return assistant_settings.assistant_card(deps, caller)
    if command == "goal":
        if subcommand == "":
            return goal_cards.new_goal_button_card(locale=locale)
        if subcommand == "list":
            return goals.goal_list(deps, person, who if argument else None, locale=locale)
        if subcommand == "help":
            return adaptive.text_card(render("goal_help", locale))
        return _not_understood(command, rest, "goal_help", locale=locale)
    if command == "checkin":
        if subcommand == "":
            return checkins.button_card(deps, person, locale=locale)
        if subcommand == "history":
            return checkins.history(deps, caller, who if argument else None)
        if subcommand in ("away", "back"):
            return checkins.away(deps, caller, argument if subcommand == "away" else "")
        if subcommand == "help":
            return adaptive.text_card(render("checkin_help", locale))
        if subcommand == "here":
            return checkins.here(deps, caller)
        if subcommand in ("welcome", "start"):
            return checkins.welcome(deps, caller)
        if subcommand == "questions":  # the team's or plan's own check-in questions (HR, the team's manager)
            return checkins.questions_card(deps, caller, argument)
        return _not_understood(command, rest, "checkin_help", locale=locale)
    return _not_understood(command, rest, None, locale=locale)


def help_card(*, locale: str) -> dict:
    """`help`: Slack's /goal and /checkin help, and `home`, which stands in for Slack's App Home."""
    return adaptive.text_card("\n\n".join([render("goal_help", locale), render("checkin_help", locale),
                                           label("teams_home_help", locale)]))


def _not_understood(command: str, rest: str, help_name: str | None, *, locale: str) -> dict:
    intro = render("unknown_subcommand", locale, command=mrkdwn_escape(command), text=rest)
    helps = [help_name] if help_name else ["goal_help", "checkin_help"]
    return adaptive.text_card("\n\n".join([intro, *(render(name, locale) for name in helps)]))
