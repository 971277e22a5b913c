"""Coaching in Teams: the agenda's Review and 1:1 held buttons, the review dialog, and the employee's reflection.

The actions (actions/coaching.py) are Slack's: who may, what is valid and who is told (the feedback reaches the
employee where they are, never with the private notes; the reflection reaches the manager the same way). This
module reads the Teams payloads into their inputs and shows their outcomes as dialogs and cards.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from actions import coaching as coaching_actions
from actions import translation
from actions.outcome import Outcome
from handlers.forms import record_id
from handlers.teams.context import FIELD_MAX, TeamsCaller, act, data_of, identify, stranger_card
from prompts import adaptive, coaching_cards
from prompts.goal_blocks import error_text
from prompts.render import label

if TYPE_CHECKING:
    from bot.deps import Deps



def register(app: Any, deps: Deps) -> None:
    @app.on_dialog_submit(coaching_cards.SUBMIT_REVIEW)
    async def submit_review(ctx: Any) -> dict:
        caller = await identify(ctx, deps)
        refused, outcome = await asyncio.to_thread(record_review, deps, caller, data_of(ctx), ctx.activity)
        return refused if outcome is None else adaptive.close_dialog(outcome.reply["text"])

    @app.on_dialog_submit(coaching_cards.SUBMIT_REFLECT)
    async def submit_reflection(ctx: Any) -> dict:
        caller = await identify(ctx, deps)
        refused, outcome = await asyncio.to_thread(record_reflection, deps, caller, data_of(ctx), ctx.activity)
        return refused if outcome is None else adaptive.close_dialog(outcome.reply["text"])


def _stranger_dialog(deps: Deps, caller: TeamsCaller) -> dict:
    return adaptive.dialog(label("app_name", caller.locale), stranger_card(deps, caller.locale))


def _message_dialog(caller: TeamsCaller, error: str) -> dict:
    return adaptive.message_dialog(error_text(error, caller.locale), locale=caller.locale)


def text_fields(data: dict, keys: tuple[str, ...]) -> tuple[dict[str, str | None], dict[str, str]]:
    """Read a dialog's fields; a field that is not text (only a forged submit sends one) is an error."""
    values: dict[str, str | None] = {}
    errors: dict[str, str] = {}
    for key in keys:
        value = data.get(key)
        if value is None or isinstance(value, str):
            values[key] = value[:FIELD_MAX] if value else value
        else:
            errors[key] = "invalid"
    return values, errors


# ---- the agenda's buttons -----------------------------------------------------------------------


def review_dialog(deps: Deps, caller: TeamsCaller, value: str) -> dict:
    """Review: the review dialog of one report (`<person id>|<week>`), for their direct manager or HR only."""
    if caller.person is None:
        return _stranger_dialog(deps, caller)
    raw_id, _, week = value.partition("|")
    return _review_dialog(deps, caller, record_id(raw_id), week)


def _review_dialog(deps: Deps, caller: TeamsCaller, subject_id: int | None, week: Any, *,
                   values: dict[str, str | None] | None = None, errors: dict[str, str] | None = None) -> dict:
    outcome = act(deps, caller, coaching_actions.week_to_review, subject_id=subject_id, week=week)
    if not outcome.ok:
        return _message_dialog(caller, outcome.errors[coaching_actions.REVIEW])
    return coaching_cards.review_dialog(outcome.value, week=week, locale=caller.locale, values=values, errors=errors)


def one_on_one_held(deps: Deps, caller: TeamsCaller, value: str) -> dict:
    """1:1 held: note the meeting; anyone but the report's manager or HR is refused."""
    outcome = act(deps, caller, coaching_actions.one_on_one_held, report_id=record_id(value))
    if not outcome.ok:
        return adaptive.text_card(error_text(outcome.errors[coaching_actions.ONE_ON_ONE], caller.locale))
    return adaptive.text_card(outcome.reply["text"])


# ---- the review dialog --------------------------------------------------------------------------


def record_review(deps: Deps, caller: TeamsCaller, data: dict, activity: Any = None) -> tuple[dict, Outcome | None]:
    """Review a report's week; return the dialog to show again (errors, values kept), or the outcome when done."""
    if caller.person is None:
        return _stranger_dialog(deps, caller), None
    subject_id, week = record_id(data.get("subject_id")), data.get("week")
    values, errors = text_fields(data, coaching_cards.REVIEW_FIELDS)
    if errors:
        return _review_dialog(deps, caller, subject_id, week, values=values, errors=errors), None
    form = coaching_actions.feedback_form(values, acknowledged=values.get("acknowledged") == coaching_cards.TOGGLE_ON)
    outcome = act(deps, caller, coaching_actions.review, activity=activity, subject_id=subject_id, week=week,
                  form=form, translate=translation.offered(deps.assistant))
    if coaching_actions.REVIEW in outcome.errors:
        return _message_dialog(caller, outcome.errors[coaching_actions.REVIEW]), None
    if not outcome.ok:
        return _review_dialog(deps, caller, subject_id, week, values=values, errors=dict(outcome.errors)), None
    return {}, outcome


# ---- the reflection -----------------------------------------------------------------------------


def reflect_dialog(deps: Deps, caller: TeamsCaller, value: str) -> dict:
    """Reflect, on the employee's feedback card: the reflection dialog (whose feedback it is is checked on submit,
    as Slack does)."""
    if caller.person is None:
        return _stranger_dialog(deps, caller)
    feedback_id = record_id(value)
    if feedback_id is None:
        return _message_dialog(caller, "not_found")
    return coaching_cards.reflect_dialog(feedback_id, locale=caller.locale)


def record_reflection(deps: Deps, caller: TeamsCaller, data: dict,
                      activity: Any = None) -> tuple[dict, Outcome | None]:
    """Reflect on your own feedback; return the dialog to show again, or the outcome when done."""
    if caller.person is None:
        return _stranger_dialog(deps, caller), None
    feedback_id = record_id(data.get("feedback_id"))
    if feedback_id is None:
        return _message_dialog(caller, "not_found"), None
    values, errors = text_fields(data, coaching_cards.REFLECT_FIELDS)
    if errors:
        return coaching_cards.reflect_dialog(feedback_id, locale=caller.locale, values=values, errors=errors), None
    outcome = act(deps, caller, coaching_actions.reflect, activity=activity, feedback_id=feedback_id,
                  will_do_differently=values.get("will_do_differently"), support_needed=values.get("support_needed"))
    if coaching_actions.REFLECTION in outcome.errors:
        return _message_dialog(caller, outcome.errors[coaching_actions.REFLECTION]), None
    if not outcome.ok:
        return coaching_cards.reflect_dialog(feedback_id, locale=caller.locale, values=values,
                                             errors=dict(outcome.errors)), None
    return {}, outcome
