"""Improvement plans: a manager (or HR) starts one, the employee commits, the manager records each check."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial

from sqlmodel import col, select

from actions.outcome import Asked, Outcome, Tell
from prompts import improvement_blocks
from prompts.render import label
from storage import improvement, people
from storage.models import Person
from storage.parsing import record_id
from storage.permissions import is_hr, managed_ids

PICK = "pick"  # the home's button: no one chosen yet, the form asks whom
FORM_FIELDS = ("gaps", "causes", "cause_notes", "actions", "support", "success_measure",
               *improvement_blocks.CHECK_FIELDS)
CANDIDATES_MAX = 200  # people a surface without a directory picker offers to choose from (a card has a size limit)


def target_of(value: str | None) -> tuple[int, int | None] | None:
    """"subject:cycle" from the below-target prompt, or "subject" alone; anything else reads as forged."""
    if value and ":" not in value:
        subject = record_id(value)
        return (subject, None) if subject is not None else None
    parts = tuple(record_id(part) for part in (value or "").split(":"))
    return parts if len(parts) == 2 and None not in parts else None  # type: ignore[return-value]


@dataclass(frozen=True)
class PlanForm:
    """What the start form shows: the person (None: the form asks whom, among `candidates`) and what it carries."""

    subject: Person | None
    value: str  # "" when the form picks the person
    candidates: list[Person]


def candidates(session, actor: Person, *, limit: int = CANDIDATES_MAX) -> list[Person]:
    """Whom the actor may start a plan for: everyone below them, or anyone for HR; never themselves."""
    query = select(Person).where(col(Person.active).is_(True), col(Person.erased_at).is_(None), Person.id != actor.id)
    if not is_hr(actor):
        query = query.where(col(Person.id).in_(managed_ids(session, actor) or {-1}))
    return list(session.exec(query.order_by(col(Person.name)).limit(limit)))


def plan_form(session, asked: Asked, *, value: str | None) -> Outcome:
    """The form to start a plan: for a person named by the button, or (PICK) for someone the manager chooses."""
    actor = asked.person
    if value == PICK:
        if not (is_hr(actor) or managed_ids(session, actor)):
            return Outcome.refused({"gaps": improvement.NOT_FOUND})
        return Outcome.done(value=PlanForm(None, "", candidates(session, actor)))
    target = target_of(value)
    subject = session.get(Person, target[0]) if target else None
    if subject is None or not improvement.may_open(session, actor, subject):
        return Outcome.refused({"gaps": improvement.NOT_FOUND})
    return Outcome.done(value=PlanForm(subject, value or "", []))


def start_plan(session, asked: Asked, *, value: str, form: Mapping[str, str | None],
               subject_slack_id: str | None = None, subject_id: str | None = None) -> Outcome:
    """Start an improvement plan with its dated checks; the employee receives it where they are.

    `value` is what the form carries ("subject" or "subject:cycle"); empty when the form picked the person, by
    Slack id (`subject_slack_id`) or by person id (`subject_id`). Someone outside the org reads as not found.
    """
    picked_in_form = not value
    where = "subject" if picked_in_form else "gaps"
    if picked_in_form:
        picked = people.by_slack_id(session, subject_slack_id) if subject_slack_id else \
            session.get(Person, record_id(subject_id)) if record_id(subject_id) else None
        target = (picked.id, None) if picked is not None else None
    else:
        target = target_of(value)
    if target is None:
        return Outcome.refused({where: improvement.NOT_FOUND})
    today = people.local_today(asked.person, now=asked.now, default_zone=asked.default_zone)
    try:
        plan = improvement.open_plan(
            session, asked.person, target[0], gaps=form.get("gaps"),
            causes=[c for c in (form.get("causes") or "").split(",") if c], cause_notes=form.get("cause_notes"),
            actions=form.get("actions"), support=form.get("support"), success_measure=form.get("success_measure"),
            check_dates=[form.get(field) for field in improvement_blocks.CHECK_FIELDS], cycle_id=target[1],
            today=today, now=asked.now)
    except improvement.ImprovementValidationError as error:
        return Outcome.refused({("check_1" if f == "check_dates" else f): c for f, c in error.errors.items()})
    except improvement.ImprovementError as error:
        return Outcome.refused({where: error.code})
    shown = improvement.view(session, asked.person, plan.id)
    tells = []
    if shown.person.active:
        tells.append(Tell(shown.person, partial(_plan_to_employee, shown=shown)))
    opened = improvement_blocks.plan_opened(subject=shown.person.name, locale=asked.locale)
    tells.append(Tell(asked.person, lambda _locale: opened, here=True, locale=asked.locale))
    return Outcome.done(reply=opened, tells=tells, value=shown)


def _plan_to_employee(locale: str, *, shown: improvement.ImprovementView) -> dict:
    return improvement_blocks.plan_to_employee(shown, locale=locale)


def add_commitments(session, asked: Asked, *, plan_id: int | None, text: str | None) -> Outcome:
    """The employee's commitments to their plan; the manager who opened it reads them where they are."""
    try:
        if plan_id is None:
            raise improvement.ImprovementError(improvement.NOT_FOUND)
        plan = improvement.add_commitments(session, asked.person, plan_id, text, now=asked.now)
    except improvement.ImprovementValidationError as error:
        return Outcome.refused(error.errors)
    except improvement.ImprovementError as error:
        return Outcome.refused({"commitments": error.code})
    manager = session.get(Person, plan.manager_id)
    tells = []
    if manager is not None and manager.active:
        tells.append(Tell(manager, partial(_commitments_to_manager, subject=asked.person.name,
                                           commitments=plan.employee_commitments or "")))
    saved = {"text": label("ip_commitments_saved", asked.locale)}
    tells.append(Tell(asked.person, lambda _locale: saved, here=True, locale=asked.locale))
    return Outcome.done(reply=saved, tells=tells, value=plan)


def _commitments_to_manager(locale: str, *, subject: str, commitments: str) -> dict:
    return improvement_blocks.commitments_to_manager(subject=subject, commitments=commitments, locale=locale)


def record_check(session, asked: Asked, *, check_id: int | None, form: Mapping[str, str | None]) -> Outcome:
    """How a check went and what happens next, on the manager's own date; the employee hears it where they are."""
    today = people.local_today(asked.person, now=asked.now, default_zone=asked.default_zone)
    outcome, decision = form.get("outcome"), form.get("decision") or ""
    try:
        if check_id is None:
            raise improvement.ImprovementError(improvement.NOT_FOUND)
        shown = improvement.record_check(session, asked.person, check_id, outcome=outcome, decision=decision,
                                         next_check=form.get("next_check"), today=today, now=asked.now)
    except improvement.ImprovementValidationError as error:
        return Outcome.refused(error.errors)
    except improvement.ImprovementError as error:
        return Outcome.refused({"outcome": error.code})
    recorded = {"text": label("ip_check_recorded_ok", asked.locale)}
    tells = [Tell(asked.person, lambda _locale: recorded, here=True, locale=asked.locale)]
    if shown.person.active:
        upcoming = shown.next_check
        tells.append(Tell(shown.person, partial(_check_recorded, manager=asked.person.name,
                                                outcome=(outcome or "").strip(), decision=decision,
                                                due=upcoming.due_on if upcoming is not None else None)))
    return Outcome.done(reply=recorded, tells=tells, value=shown)


def _check_recorded(locale: str, *, manager: str, outcome: str, decision: str, due) -> dict:
    return improvement_blocks.check_recorded(manager=manager, outcome=outcome, decision=decision, locale=locale,
                                             next_check=label("date", locale, d=due) if due is not None else None)
