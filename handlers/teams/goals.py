"""Goals in Teams: `goal list`, and the new-goal dialog with the same SMART rules and words as Slack's modal."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from handlers.teams import approvals
from handlers.teams.context import TeamsCaller, card_message, identify, stranger_card
from handlers.teams.mentions import Mention
from prompts import cards, render
from prompts.render import label
from storage import goals, people
from storage.models import Approval, Goal, GoalLevel, Person
from storage.permissions import PermissionDenied

if TYPE_CHECKING:
    from bot.deps import Deps

FIELD_MAX = 5000  # longer than any field allows; beyond it a value is not worth validating, only refusing


def register(app: Any, deps: Deps) -> None:
    @app.on_dialog_open(cards.NEW_GOAL_DIALOG)
    async def open_new_goal(ctx: Any) -> dict:
        caller = await identify(ctx, deps)
        return await asyncio.to_thread(new_goal_dialog, deps, caller)

    @app.on_dialog_submit(cards.SUBMIT_NEW_GOAL)
    async def submit_new_goal(ctx: Any) -> dict:
        caller = await identify(ctx, deps)
        data = ctx.activity.value.data if ctx.activity.value else None
        response, saved, goal = await asyncio.to_thread(validate_then_save, deps, caller, data)
        if saved is not None:
            await ctx.send(card_message(saved))
        if goal is not None and goal.approval == Approval.PROPOSED:
            await approvals.ask_manager(app, deps, caller.person, goal)  # as Slack's save_goal asks them
        return response


def goal_list(deps: Deps, viewer: Person, who: Mention | None, *, locale: str) -> dict:
    """Build `goal list [@person]`: your own goals, a report's (managers), anyone's (HR), as Slack's `/goal list`."""
    if who is not None and not who.found:
        return cards.text_card(render("goal_list_who", locale))
    subject = viewer if who is None else who.person
    with deps.sessions() as session:
        try:
            if subject is None:
                raise PermissionDenied("unknown person")
            listed = goals.goals_of(session, viewer, subject)
        except PermissionDenied:
            return cards.text_card(render("goal_list_not_allowed", locale))
        progress = goals.progress_map(session, listed)
    return cards.goal_list_card(listed, progress, own=subject.id == viewer.id, name=subject.name, locale=locale)


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


def validate_then_save(deps: Deps, caller: TeamsCaller, data: Any) -> tuple[dict, dict | None, Goal | None]:
    """Check the submitted form with the SMART rules; return the dialog's answer and, once saved, the chat message
    and the goal.

    Errors come back in the dialog beside their fields, nothing written; coaching warnings ask to confirm
    first; a confirmed or clean form is saved as the person's goal.
    """
    if caller.person is None:
        return new_goal_dialog(deps, caller), None, None
    form = form_of(data)
    confirmed = isinstance(data, dict) and data.get("confirmed") is True
    if isinstance(data, dict) and data.get("back") is True:
        return new_goal_dialog(deps, caller, values=form), None, None
    raw = goals.GoalInput(**{**form, "level": form["level"] or GoalLevel.INDIVIDUAL.value})
    today = people.local_today(caller.person, now=deps.clock.now(), default_zone=deps.settings.default_timezone)
    with deps.sessions() as session:
        try:
            validation = goals.validate(session, caller.person, raw, today=today)
        except PermissionDenied:
            validation = None
    if validation is None or validation.errors:
        errors = validation.errors if validation else {"title": "not_allowed"}
        return new_goal_dialog(deps, caller, values=form, errors=errors), None, None
    if validation.warnings and not confirmed:
        return cards.confirm_goal_dialog(form, validation.warnings, locale=caller.locale), None, None
    with deps.sessions() as session:
        goal = goals.create(session, caller.person, validation.draft, now=deps.clock.now())
        manager = session.get(Person, caller.person.manager_id) if caller.person.manager_id else None
        parent = goals.get_visible(session, caller.person, goal.parent_id).title if goal.parent_id else None
    saved = cards.goal_saved_card(goal, manager_name=manager.name if manager else None, parent_title=parent,
                                  locale=caller.locale)
    return cards.close_dialog(saved["fallbackText"]), saved, goal
