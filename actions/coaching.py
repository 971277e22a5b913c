"""Coaching: the manager's review of a report's week, the employee's reflection on it, and "1:1 held".

The feedback reaches the employee where they are, in their language, never with the private notes (those stay
with managers and HR); the reflection reaches the manager who wrote the feedback the same way. The asker is told
it was sent only when the bot can reach the reader.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial

from actions import translation
from actions.outcome import Asked, Outcome, Tell
from prompts import coaching_blocks
from prompts.blocks import markdown_message
from prompts.render import label
from storage import coaching, surfaces
from storage.models import Person
from storage.permissions import PermissionDenied, can_decide_for
from storage.weeks import week_monday

# Refusals that are about the whole request, not one field: a surface shows them instead of the form.
REVIEW = "review"  # -> "review_week_not_allowed": not their manager or HR, or a forged person or week
REFLECTION = "reflection"  # -> "not_found": not their own feedback, or none
ONE_ON_ONE = "one_on_one"  # -> "one_on_one_not_allowed"
REVIEW_NOT_ALLOWED = "review_week_not_allowed"
ONE_ON_ONE_NOT_ALLOWED = "one_on_one_not_allowed"


def iso_week(raw: object) -> str | None:
    """An ISO week (`2026-W48`) from a button or a form (forgeable), else None."""
    if not isinstance(raw, str) or len(raw) != 8:
        return None
    try:
        week_monday(raw)
    except ValueError:
        return None
    return raw


def feedback_form(values: Mapping[str, str | None], *, acknowledged: bool) -> coaching.FeedbackInput:
    """Read the review form's fields (the same ids in Slack's modal and Teams' dialog) as storage's input."""
    actions = tuple(
        coaching.ActionInput(text=values.get(f"action:{n}:text"),
                             owner=values.get(f"action:{n}:owner") or "employee",
                             due_date=values.get(f"action:{n}:due_date") or None)
        for n in range(1, coaching_blocks.ACTION_ROWS + 1)
    )
    return coaching.FeedbackInput(
        acknowledged=acknowledged, went_well=values.get("went_well"), to_improve=values.get("to_improve"),
        assessment=values.get("assessment"), private_notes=values.get("private_notes"), actions=actions,
        goal_id=values.get("goal_id") or None, new_target=values.get("new_target"),
        new_due_date=values.get("new_due_date") or None, adjust_reason=values.get("adjust_reason"),
    )


def week_to_review(session, asked: Asked, *, subject_id: int | None, week: object) -> Outcome:
    """The evidence for reviewing one report's week (value: storage's ReportAgenda), for their manager or HR only."""
    week = iso_week(week)
    subject = session.get(Person, subject_id) if subject_id is not None and week is not None else None
    if subject is None or not subject.active or not can_decide_for(session, asked.person, subject):
        return Outcome.refused({REVIEW: REVIEW_NOT_ALLOWED})
    return Outcome.done(value=coaching.report_agenda(session, subject, week=week, now=asked.now))


@dataclass(frozen=True)
class Reviewed:
    """Feedback just given: to whom, for which week, and whether it reached them."""

    subject: Person
    week: str
    feedback_id: int
    reached: bool


def review(session, asked: Asked, *, subject_id: int | None, week: object, form: coaching.FeedbackInput,
           translate: bool = False) -> Outcome:
    """Record the manager's (or HR's) feedback on a report's week; send it to the report, without private notes.

    Invalid fields are refused all at once (nothing written); someone who may not review this person, or a
    forged person or week, is refused as a whole (REVIEW). The reply says whether the report could be reached.
    """
    week = iso_week(week)
    if subject_id is None or week is None:
        return Outcome.refused({REVIEW: REVIEW_NOT_ALLOWED})
    try:
        feedback = coaching.record_feedback(session, asked.person, subject_id, form, week=week, now=asked.now,
                                            default_zone=asked.default_zone)
    except coaching.CoachingValidationError as error:
        return Outcome.refused(error.errors)
    except (PermissionDenied, coaching.CoachingError):
        return Outcome.refused({REVIEW: REVIEW_NOT_ALLOWED})
    subject = session.get(Person, feedback.subject_id)
    shown = coaching.feedback_view(session, feedback, viewer_is_subject=True)  # never the private notes
    reached = surfaces.route(session, subject).reachable
    if reached:
        answer = coaching_blocks.feedback_sent(name=subject.name, week=week, locale=asked.locale)
    else:
        answer = markdown_message(label("feedback_unreached", asked.locale, name=subject.name, week=week))
    to_employee = partial(_feedback, shown=shown, manager=asked.person.name, week=week, feedback_id=feedback.id,
                          translate=translate)
    tells = [Tell(subject, to_employee), Tell(asked.person, lambda _locale: answer, here=True, locale=asked.locale)]
    return Outcome.done(reply=answer, tells=tells, value=Reviewed(subject, week, feedback.id, reached))


def _feedback(locale: str, *, shown: dict, manager: str, week: str, feedback_id: int, translate: bool) -> dict:
    # `translate`: the assistant translates (actions.translation.offered); the button only for another language.
    translatable = translate and translation.foreign((shown.get("went_well"), shown.get("to_improve")), locale)
    return coaching_blocks.feedback_to_employee(shown, manager=manager, week=week, feedback_id=feedback_id,
                                                locale=locale, translatable=translatable)


def reflect(session, asked: Asked, *, feedback_id: int | None, will_do_differently: str | None,
            support_needed: str | None) -> Outcome:
    """Record the employee's reflection on their own feedback and pass it to the manager who wrote it.

    Anyone else's feedback, or none, is not found (REFLECTION); an empty reflection is refused per field.
    """
    if feedback_id is None:
        return Outcome.refused({REFLECTION: coaching.NOT_FOUND})
    try:
        reflection = coaching.record_reflection(session, asked.person, feedback_id,
                                                will_do_differently=will_do_differently,
                                                support_needed=support_needed, now=asked.now)
    except coaching.CoachingValidationError as error:
        return Outcome.refused(error.errors)
    except coaching.CoachingError as error:
        return Outcome.refused({REFLECTION: error.code})
    author_id = coaching.feedback_author_id(session, feedback_id)
    manager = session.get(Person, author_id) if author_id is not None else None
    answers = reflection.answers or {}
    tells: list[Tell] = []
    name = manager.name if manager else ""
    if manager is not None and surfaces.route(session, manager).reachable:
        answer = coaching_blocks.reflection_sent(manager=name, locale=asked.locale)
    else:
        answer = markdown_message(label("reflection_unreached", asked.locale, manager=name))
    if manager is not None:
        tells.append(Tell(manager, partial(_reflection, name=asked.person.name, week=reflection.period or "",
                                           will_do=answers.get("will_do_differently"),
                                           support=answers.get("support_needed"))))
    tells.append(Tell(asked.person, lambda _locale: answer, here=True, locale=asked.locale))
    return Outcome.done(reply=answer, tells=tells, value=manager)


def _reflection(locale: str, *, name: str, week: str, will_do: str | None, support: str | None) -> dict:
    return coaching_blocks.reflection_to_manager(name=name, week=week, will_do=will_do, support=support,
                                                 locale=locale)


def one_on_one_held(session, asked: Asked, *, report_id: int | None) -> Outcome:
    """Note that the manager (or HR) held a 1:1 with a report; a second press soon after is the same one."""
    if report_id is None:
        return Outcome.refused({ONE_ON_ONE: ONE_ON_ONE_NOT_ALLOWED})
    try:
        meeting = coaching.log_one_on_one(session, asked.person, report_id, now=asked.now)
    except PermissionDenied:
        return Outcome.refused({ONE_ON_ONE: ONE_ON_ONE_NOT_ALLOWED})
    report = session.get(Person, report_id)
    return Outcome.done(reply=coaching_blocks.one_on_one_logged(name=report.name, locale=asked.locale),
                        value=meeting)
