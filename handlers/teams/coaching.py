"""Coaching in Teams: the agenda's Review and 1:1 held buttons, the review dialog, and the employee's reflection.

The same storage verbs, permissions and words as Slack's (handlers/coaching.py); only the surface differs.
The feedback reaches the employee where they are (a Teams card or a Slack DM, each with its Reflect button),
never with the private notes, and the reflection reaches the manager the same way.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from handlers.forms import record_id
from handlers.teams.context import TeamsCaller, identify, send_to_own_chat, stranger_card
from handlers.teams.notify import locale_of, send_where_they_are
from prompts import cards, coaching_blocks
from prompts.goal_blocks import error_text
from prompts.render import label
from storage import coaching
from storage.models import Person
from storage.permissions import PermissionDenied, can_decide_for
from storage.weeks import week_monday

if TYPE_CHECKING:
    from bot.deps import Deps

FIELD_MAX = 5000  # longer than any field allows: beyond it a value is not worth validating, only refusing
_WEEK = re.compile(r"^[0-9]{4}-W[0-9]{2}$")


def register(app: Any, deps: Deps) -> None:
    @app.on_dialog_submit(cards.SUBMIT_REVIEW)
    async def submit_review(ctx: Any) -> dict:
        caller = await identify(ctx, deps)
        refused, recorded = await asyncio.to_thread(record_review, deps, caller, _data(ctx))
        if recorded is None:
            return refused
        manager, subject = caller.person, recorded.subject
        feedback = coaching_blocks.feedback_to_employee(recorded.shown, manager=manager.name, week=recorded.week,
                                                        feedback_id=recorded.feedback_id,
                                                        locale=locale_of(deps, subject))
        outcome = await send_where_they_are(app, deps, subject, feedback)
        if outcome.sent:
            told = coaching_blocks.feedback_sent(name=subject.name, week=recorded.week, locale=caller.locale)["text"]
        else:
            told = label("feedback_unreached", caller.locale, name=subject.name, week=recorded.week)
        await send_to_own_chat(ctx, app, deps, manager, cards.text_card(told))
        return cards.close_dialog(told)

    @app.on_dialog_submit(cards.SUBMIT_REFLECT)
    async def submit_reflection(ctx: Any) -> dict:
        caller = await identify(ctx, deps)
        refused, reflected = await asyncio.to_thread(record_reflection, deps, caller, _data(ctx))
        if reflected is None:
            return refused
        employee, manager = caller.person, reflected.manager
        sent = False
        if manager is not None:
            message = coaching_blocks.reflection_to_manager(
                name=employee.name, week=reflected.week, will_do=reflected.will_do, support=reflected.support,
                locale=locale_of(deps, manager))
            sent = (await send_where_they_are(app, deps, manager, message)).sent
        name = manager.name if manager else ""
        if sent:
            told = coaching_blocks.reflection_sent(manager=name, locale=caller.locale)["text"]
        else:
            told = label("reflection_unreached", caller.locale, manager=name)
        await send_to_own_chat(ctx, app, deps, employee, cards.text_card(told))
        return cards.close_dialog(told)


def _data(ctx: Any) -> dict:
    value = ctx.activity.value
    data = value.data if value is not None else None
    return data if isinstance(data, dict) else {}


def iso_week(raw: Any) -> str | None:
    """An ISO week (`2026-W48`) from a button or a dialog's data, else None."""
    if not isinstance(raw, str) or not _WEEK.match(raw):
        return None
    try:
        week_monday(raw)
    except ValueError:
        return None
    return raw


# ---- the agenda's buttons -----------------------------------------------------------------------


def review_dialog(deps: Deps, caller: TeamsCaller, value: str, *, values: dict[str, str | None] | None = None,
                  errors: dict[str, str] | None = None) -> dict:
    """Review: the review dialog of one report (`<person id>|<week>`), for their direct manager or HR only."""
    if caller.person is None:
        return cards.dialog(label("app_name", caller.locale), stranger_card(deps, caller.locale))
    raw_id, _, raw_week = value.partition("|")
    subject_id, week = record_id(raw_id), iso_week(raw_week)
    with deps.sessions() as session:
        subject = session.get(Person, subject_id) if subject_id is not None else None
        if subject is None or not subject.active or not can_decide_for(session, caller.person, subject):
            return cards.message_dialog(error_text("not_allowed", caller.locale), locale=caller.locale)
        if week is None:
            return cards.message_dialog(error_text("not_found", caller.locale), locale=caller.locale)
        report = coaching.report_agenda(session, subject, week=week, now=deps.clock.now())
    return cards.review_dialog(report, week=week, locale=caller.locale, values=values, errors=errors)


def one_on_one_held(deps: Deps, caller: TeamsCaller, value: str) -> dict:
    """1:1 held: note the meeting as Slack does; anyone but the report's manager or HR is refused."""
    report_id = record_id(value)
    try:
        if caller.person is None or report_id is None:
            raise PermissionDenied("no such report")
        with deps.sessions() as session:
            coaching.log_one_on_one(session, caller.person, report_id, now=deps.clock.now())
            report = session.get(Person, report_id)
    except PermissionDenied:
        return cards.text_card(error_text("not_allowed", caller.locale))
    return cards.text_card(coaching_blocks.one_on_one_logged(name=report.name, locale=caller.locale)["text"])


# ---- the review dialog --------------------------------------------------------------------------


@dataclass(frozen=True)
class Reviewed:
    subject: Person
    week: str
    feedback_id: int
    shown: dict  # the feedback as the employee may see it: never the private notes


def review_form(data: dict) -> tuple[dict[str, str | None], dict[str, str]]:
    """Read the review dialog's fields; a field that is not text (only a forged submit sends one) is an error."""
    values: dict[str, str | None] = {}
    errors: dict[str, str] = {}
    for key in cards.REVIEW_FIELDS:
        value = data.get(key)
        if value is None or isinstance(value, str):
            values[key] = value[:FIELD_MAX] if value else value
        else:
            errors[key] = "invalid"
    return values, errors


def feedback_input(values: dict[str, str | None]) -> coaching.FeedbackInput:
    """The dialog's values as storage's review form, read as Slack's handler reads its modal."""
    actions = tuple(
        coaching.ActionInput(text=values.get(cards.review_action_field(n, "text")),
                             owner=values.get(cards.review_action_field(n, "owner")) or "employee",
                             due_date=values.get(cards.review_action_field(n, "due_date")) or None)
        for n in range(1, coaching_blocks.ACTION_ROWS + 1)
    )
    return coaching.FeedbackInput(
        acknowledged=values.get("acknowledged") == cards.TOGGLE_ON, went_well=values.get("went_well"),
        to_improve=values.get("to_improve"), assessment=values.get("assessment"),
        private_notes=values.get("private_notes"), actions=actions, goal_id=values.get("goal_id") or None,
        new_target=values.get("new_target"), new_due_date=values.get("new_due_date") or None,
        adjust_reason=values.get("adjust_reason"),
    )


def record_review(deps: Deps, caller: TeamsCaller, data: dict) -> tuple[dict, Reviewed | None]:
    """Validate and store the feedback; return the dialog to show again (errors, values kept) or what was stored.

    Someone who may not review this person, or a forged person or week, gets Slack's refusal and nothing is
    written; invalid fields come back beside their inputs, nothing written either.
    """
    if caller.person is None:
        return cards.dialog(label("app_name", caller.locale), stranger_card(deps, caller.locale)), None
    refusal = cards.message_dialog(error_text("not_allowed", caller.locale), locale=caller.locale), None
    subject_id, week = record_id(data.get("subject_id")), iso_week(data.get("week"))
    if subject_id is None or week is None:
        return refusal
    value = f"{subject_id}|{week}"
    values, errors = review_form(data)
    if errors:
        return review_dialog(deps, caller, value, values=values, errors=errors), None
    try:
        with deps.sessions() as session:
            review = coaching.record_feedback(session, caller.person, subject_id, feedback_input(values), week=week,
                                              now=deps.clock.now(), default_zone=deps.settings.default_timezone)
            subject = session.get(Person, review.subject_id)
            shown = coaching.feedback_view(session, review, viewer_is_subject=True)
    except coaching.CoachingValidationError as error:
        return review_dialog(deps, caller, value, values=values, errors=error.errors), None
    except (PermissionDenied, coaching.CoachingError):
        return refusal
    return {}, Reviewed(subject=subject, week=week, feedback_id=review.id, shown=shown)


# ---- the reflection -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Reflected:
    manager: Person | None
    week: str
    will_do: str | None
    support: str | None


def reflect_dialog(deps: Deps, caller: TeamsCaller, value: str) -> dict:
    """Reflect, on the employee's feedback card: the reflection dialog (whose feedback it is is checked on submit,
    as Slack does)."""
    if caller.person is None:
        return cards.dialog(label("app_name", caller.locale), stranger_card(deps, caller.locale))
    feedback_id = record_id(value)
    if feedback_id is None:
        return cards.message_dialog(error_text("not_found", caller.locale), locale=caller.locale)
    return cards.reflect_dialog(feedback_id, locale=caller.locale)


def record_reflection(deps: Deps, caller: TeamsCaller, data: dict) -> tuple[dict, Reflected | None]:
    """Store the employee's reflection on their own feedback; anyone else's feedback id is not found."""
    if caller.person is None:
        return cards.dialog(label("app_name", caller.locale), stranger_card(deps, caller.locale)), None
    feedback_id = record_id(data.get("feedback_id"))
    if feedback_id is None:
        return cards.message_dialog(error_text("not_found", caller.locale), locale=caller.locale), None
    values: dict[str, str | None] = {}
    errors: dict[str, str] = {}
    for key in cards.REFLECT_FIELDS:
        value = data.get(key)
        if value is None or isinstance(value, str):
            values[key] = value[:FIELD_MAX] if value else value
        else:
            errors[key] = "invalid"
    if errors:
        return cards.reflect_dialog(feedback_id, locale=caller.locale, values=values, errors=errors), None
    try:
        with deps.sessions() as session:
            reflection = coaching.record_reflection(
                session, caller.person, feedback_id, will_do_differently=values.get("will_do_differently"),
                support_needed=values.get("support_needed"), now=deps.clock.now())
            author_id = coaching.feedback_author_id(session, feedback_id)
            manager = session.get(Person, author_id) if author_id is not None else None
    except coaching.CoachingValidationError as error:
        return cards.reflect_dialog(feedback_id, locale=caller.locale, values=values, errors=error.errors), None
    except coaching.CoachingError as error:
        return cards.message_dialog(error_text(error.code, caller.locale), locale=caller.locale), None
    answers = reflection.answers or {}
    return {}, Reflected(manager=manager, week=reflection.period or "", will_do=answers.get("will_do_differently"),
                         support=answers.get("support_needed"))
