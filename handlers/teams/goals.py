"""Goals in Teams: `goal list`, the new-goal dialog, and each goal's ⋯ menu (progress, adjust, history, archive);
the rules and words are Slack's (actions/goals.py)."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from actions import goal_suggestions
from actions import goals as goal_actions
from handlers.payloads import fields, record_id
from handlers.teams import goal_changes
from handlers.teams.approvals import refresh_slack_homes
from handlers.teams.assistant import invoke_assistant
from handlers.teams.context import FIELD_MAX, TeamsCaller, act, data_of, identify, stranger_card
from handlers.teams.evaluation_forms import Values, Words, on_submit, opened, submitted, text_of
from handlers.teams.mentions import Mention
from prompts import adaptive, goal_cards
from prompts.goal_blocks import error_text
from prompts.render import label
from storage import goals
from storage.models import Person

if TYPE_CHECKING:
    from bot.deps import Deps


def register(app: Any, deps: Deps) -> None:
    @app.on_dialog_open(goal_cards.NEW_GOAL_DIALOG)
    async def open_new_goal(ctx: Any) -> dict:
        caller = await identify(ctx, deps)
        return await asyncio.to_thread(new_goal_dialog, deps, caller)

    @app.on_dialog_submit(goal_cards.SUBMIT_NEW_GOAL)
    async def submit_new_goal(ctx: Any) -> dict:
        caller = await identify(ctx, deps)
        return await asyncio.to_thread(validate_then_save, deps, caller, data_of(ctx), ctx.activity)

    on_submit(app, deps, goal_cards.SUBMIT_PROGRESS, save_progress)
    on_submit(app, deps, goal_cards.SUBMIT_ARCHIVE, archive)


def goal_list(deps: Deps, viewer: Person, who: Mention | None, *, locale: str) -> dict:
    """Build `goal list [@person]`: your own goals, a report's (managers), anyone's (HR), as Slack's `/goal list`."""
    outcome = act(deps, TeamsCaller(viewer, locale), goal_actions.list_goals,
                  subject=viewer if who is None else who.person, understood=who is None or who.found)
    listing = outcome.value
    if isinstance(listing, goal_actions.Listing):  # laid out to fit a card, as many goals as Slack shows
        return goal_cards.goal_list_card(listing.goals, listing.progress, own=listing.own, name=listing.name,
                                         locale=locale)
    return adaptive.card_from_block_kit(outcome.reply)


def new_goal_dialog(deps: Deps, caller: TeamsCaller, values: dict | None = None,
                    errors: dict[str, str] | None = None, notice: str | None = None) -> dict:
    if caller.person is None:
        return adaptive.dialog(label("app_name", caller.locale), stranger_card(deps, caller.locale))
    with deps.sessions() as session:
        choices = goals.visible_parent_choices(session, caller.person)
    levels = [level.value for level in goals.allowed_levels(caller.person)]
    return goal_cards.new_goal_dialog(locale=caller.locale, parent_choices=choices, levels=levels, values=values,
                                      errors=errors, notice=notice)


def validate_then_save(deps: Deps, caller: TeamsCaller, data: dict, activity: Any = None) -> dict:
    """Propose the submitted goal; return the dialog's answer (call it off the event loop).

    Errors come back in the dialog beside their fields, nothing written; the SMART coach's warnings ask to
    confirm first; once saved the dialog closes and the person's chat shows where the goal stands.
    """
    if caller.person is None:
        return new_goal_dialog(deps, caller)
    # The confirm step sends the form back whole, under "form"; the dialog itself sends its fields.
    form, invalid = adaptive.form_fields(data["form"] if isinstance(data.get("form"), dict) else data,
                                         goal_cards.GOAL_FIELDS, limit=FIELD_MAX)
    if invalid:
        return new_goal_dialog(deps, caller, values=form, errors=invalid)
    if data.get("back") is True:
        return new_goal_dialog(deps, caller, values=form)
    if data.get(goal_cards.SUGGEST) is True:
        return suggested_dialog(deps, caller, form, activity)
    outcome = act(deps, caller, goal_actions.propose_goal, activity=activity, form=goal_actions.goal_input(form),
                  confirmed=data.get("confirmed") is True)
    if not outcome.ok:
        return new_goal_dialog(deps, caller, values=form, errors=dict(outcome.errors))
    if isinstance(outcome.value, goal_actions.Coached):
        return goal_cards.confirm_goal_dialog(form, outcome.value.warnings, locale=caller.locale)
    refresh_slack_homes(deps, outcome.value.homes)
    return adaptive.close_dialog(outcome.reply["text"])


def suggested_dialog(deps: Deps, caller: TeamsCaller, form: dict, activity: Any = None) -> dict:
    """The form again, filled with a measurable version (or as typed, with the SMART coach's recipe); nothing saved.

    The model gets what time Teams' invoke limit leaves; past it, the recipe.
    """
    outcome = act(deps, caller, goal_suggestions.suggest_goal, activity=activity, form=form,
                  assistant_=invoke_assistant(deps))
    if not outcome.ok:
        return new_goal_dialog(deps, caller, values=form, errors=dict(outcome.errors))
    return new_goal_dialog(deps, caller, values=outcome.value.values, notice=outcome.value.notice)


# ---- the ⋯ menu on a goal ------------------------------------------------------------------------------


def menu_dialog(deps: Deps, caller: TeamsCaller, value: str) -> dict:
    """Answer a choice on a goal's ⋯ menu (`verb:goal id`, as Slack's overflow sends it) with its dialog."""
    verb, raw_id = fields(value, separator=":", count=2) or ("", "")
    goal_id = record_id(raw_id)
    if verb == "history":
        return opened(deps, caller, goal_actions.goal_history,
                      lambda history: goal_cards.history_dialog(history, locale=caller.locale), goal_id=goal_id)
    if verb == "adjust":  # the same dialog as an early warning's "Adjust this goal"
        return goal_changes.adjust_dialog(deps, caller, raw_id)
    if verb in _CHANGE_DIALOGS:
        return change_dialog(deps, caller, verb, goal_id)
    return adaptive.message_dialog(error_text(goals.NOT_FOUND, caller.locale), locale=caller.locale)


_CHANGE_DIALOGS = {"progress": goal_cards.progress_dialog, "archive": goal_cards.archive_dialog}


def change_dialog(deps: Deps, caller: TeamsCaller, verb: str, goal_id: int | None, *, values: Values | None = None,
                  words: Words | None = None) -> dict:
    """The progress or archive dialog for a goal the caller may change; else why not, in Slack's words."""
    build = _CHANGE_DIALOGS[verb]
    return opened(deps, caller, goal_actions.changeable_goal,
                  lambda goal: build(goal, locale=caller.locale, values=values, words=words), goal_id=goal_id)


def save_progress(deps: Deps, caller: TeamsCaller, data: dict, activity: Any = None) -> dict:
    """Record the goal's current value; the dialog again with each error by its field, or closed with the news."""
    goal_id = record_id(text_of(data, "goal_id"))
    return submitted(deps, caller, data, goal_actions.update_progress, fields=goal_cards.PROGRESS_FIELDS,
                     activity=activity, inputs=lambda v: {"goal_id": goal_id, "value": v.get("value") or "",
                                                          "note": v.get("note")},
                     again=lambda values, words: change_dialog(deps, caller, "progress", goal_id, values=values,
                                                               words=words),
                     done=lambda outcome: refresh_slack_homes(deps, outcome.value.homes))


def archive(deps: Deps, caller: TeamsCaller, data: dict, activity: Any = None) -> dict:
    """Archive the goal (its history stays); closed with the news, or the dialog again saying why not."""
    goal_id = record_id(text_of(data, "goal_id"))
    return submitted(deps, caller, data, goal_actions.archive_goal, fields=goal_cards.ARCHIVE_FIELDS,
                     activity=activity, inputs=lambda v: {"goal_id": goal_id, "reason": v.get("reason")},
                     again=lambda values, words: change_dialog(deps, caller, "archive", goal_id, values=values,
                                                               words=words),
                     done=lambda outcome: refresh_slack_homes(deps, outcome.value.homes))
