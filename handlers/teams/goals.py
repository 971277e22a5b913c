"""Goals in Teams: `goal list`, and the new-goal dialog; the rules and words are Slack's (actions/goals.py)."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from actions import goals as goal_actions
from handlers.teams.approvals import refresh_slack_homes
from handlers.teams.context import FIELD_MAX, TeamsCaller, act, identify, stranger_card
from handlers.teams.mentions import Mention
from prompts import cards
from prompts.render import label
from storage import goals
from storage.models import Person

if TYPE_CHECKING:
    from bot.deps import Deps



def register(app: Any, deps: Deps) -> None:
    @app.on_dialog_open(cards.NEW_GOAL_DIALOG)
    async def open_new_goal(ctx: Any) -> dict:
        caller = await identify(ctx, deps)
        return await asyncio.to_thread(new_goal_dialog, deps, caller)

    @app.on_dialog_submit(cards.SUBMIT_NEW_GOAL)
    async def submit_new_goal(ctx: Any) -> dict:
        caller = await identify(ctx, deps)
        data = ctx.activity.value.data if ctx.activity.value else None
        return await asyncio.to_thread(validate_then_save, deps, caller, data, ctx.activity)


def goal_list(deps: Deps, viewer: Person, who: Mention | None, *, locale: str) -> dict:
    """Build `goal list [@person]`: your own goals, a report's (managers), anyone's (HR), as Slack's `/goal list`."""
    outcome = act(deps, TeamsCaller(viewer, locale), goal_actions.list_goals,
                  subject=viewer if who is None else who.person, understood=who is None or who.found)
    listing = outcome.value
    if isinstance(listing, goal_actions.Listing):  # laid out to fit a card, as many goals as Slack shows
        return cards.goal_list_card(listing.goals, listing.progress, own=listing.own, name=listing.name,
                                    locale=locale)
    return cards.card_from_block_kit(outcome.reply)


def new_goal_dialog(deps: Deps, caller: TeamsCaller, values: dict | None = None,
                    errors: dict[str, str] | None = None) -> dict:
    if caller.person is None:
        return cards.dialog(label("app_name", caller.locale), stranger_card(deps, caller.locale))
    with deps.sessions() as session:
        choices = goals.visible_parent_choices(session, caller.person)
    levels = [level.value for level in goals.allowed_levels(caller.person)]
    return cards.new_goal_dialog(locale=caller.locale, parent_choices=choices, levels=levels, values=values,
                                 errors=errors)


def form_of(data: Any) -> dict[str, str | None]:
    """Read the dialog's fields from a submit; anything that is not a short string counts as empty or too long."""
    source = data.get("form") if isinstance(data, dict) and isinstance(data.get("form"), dict) else data
    form: dict[str, str | None] = {}
    for name in cards.GOAL_FIELDS:
        value = source.get(name) if isinstance(source, dict) else None
        form[name] = value[:FIELD_MAX] if isinstance(value, str) else None
    return form


def validate_then_save(deps: Deps, caller: TeamsCaller, data: Any, activity: Any = None) -> dict:
    """Propose the submitted goal; return the dialog's answer (call it off the event loop).

    Errors come back in the dialog beside their fields, nothing written; the SMART coach's warnings ask to
    confirm first; once saved the dialog closes and the person's chat shows where the goal stands.
    """
    if caller.person is None:
        return new_goal_dialog(deps, caller)
    form = form_of(data)
    if isinstance(data, dict) and data.get("back") is True:
        return new_goal_dialog(deps, caller, values=form)
    outcome = act(deps, caller, goal_actions.propose_goal, activity=activity, form=goal_actions.goal_input(form),
                  confirmed=isinstance(data, dict) and data.get("confirmed") is True)
    if not outcome.ok:
        return new_goal_dialog(deps, caller, values=form, errors=dict(outcome.errors))
    if isinstance(outcome.value, goal_actions.Coached):
        return cards.confirm_goal_dialog(form, outcome.value.warnings, locale=caller.locale)
    refresh_slack_homes(deps, outcome.value.homes)
    return cards.close_dialog(outcome.reply["text"])
