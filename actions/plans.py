"""Performance plans: HR edits one or starts a new one (the same checks as `checkin-bot plans load`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from actions.cycles import team_names
from actions.outcome import Asked, Outcome, Tell
from prompts import plan_blocks
from prompts.goal_blocks import error_text
from prompts.render import label
from storage import plan_edits
from storage.parsing import record_id

NEW_PLAN = "new"  # the value of the "New plan" button
FORM_FIELDS = ("name", "cycle", "team", "role", "criteria", "scale", "rewards", "improvement_threshold",
               "escalate_after_days")


@dataclass(frozen=True)
class PlanEditor:
    """What the editor shows: the plan as lines (the default plan's for a new one) and the teams to scope it to."""

    text: plan_edits.PlanText
    plan_id: int | None
    teams: list[str]


def plan_id_of(value: str | None) -> tuple[bool, int | None]:
    """Read a form's plan: (True, id) for a plan, (True, None) for a new one (empty), (False, None) if forged."""
    if not value:
        return True, None
    plan_id = record_id(value)
    return plan_id is not None, plan_id


def plan_editor(session, asked: Asked, *, value: str | None) -> Outcome:
    """The editor for a plan (`value` its id) or a new one (`value` "new"); HR only."""
    plan_id = None if value == NEW_PLAN else record_id(value)
    try:
        if plan_id is None and value != NEW_PLAN:
            raise plan_edits.PlanEditError(plan_edits.NOT_FOUND)
        text = plan_edits.as_text(session, asked.person, plan_id, asked.locale)
    except plan_edits.PlanEditError as error:
        return Outcome.refused({"name": error.code})
    return Outcome.done(value=PlanEditor(text, plan_id, team_names(session)))


def _scope(value: str | None) -> str | None:
    return None if value in (None, "", plan_blocks.NO_SCOPE) else value


def save_plan(session, asked: Asked, *, value: str | None, form: Mapping[str, str | None]) -> Outcome:
    """Check every field and save the plan (`value` its id, empty for a new one); HR only.

    Refused: errors by field, and `value` the line of each error within its field (None: the whole field).
    """
    known, plan_id = plan_id_of(value)
    if not known:
        return Outcome.refused({"name": plan_edits.NOT_FOUND})
    text = plan_edits.PlanText(
        plan_id=plan_id, name=form.get("name") or "", cycle=form.get("cycle") or "",
        improvement_threshold=form.get("improvement_threshold") or "", criteria=form.get("criteria") or "",
        scale=form.get("scale") or "", rewards=form.get("rewards") or "",
        team=_scope(form.get("team")), role=_scope(form.get("role")),
        escalate_after_days=form.get("escalate_after_days"))
    try:
        plan = plan_edits.save(session, asked.person, plan_id, text, locale=asked.locale, now=asked.now)
    except plan_edits.PlanEditError as error:
        if not error.errors:
            return Outcome.refused({"name": error.code})
        return Outcome(errors={field: code for field, (code, _) in error.errors.items()},
                       value={field: line for field, (_, line) in error.errors.items()})
    saved = plan_blocks.plan_saved(name=plan.name, locale=asked.locale)
    return Outcome.done(reply=saved, value=plan,
                        tells=[Tell(asked.person, lambda _locale: saved, here=True, locale=asked.locale)])


def error_words(outcome: Outcome, locale: str) -> dict[str, str]:
    """A refused save's errors in words, each with the line it is on ("Line 2: ..."), by field."""
    lines = outcome.value if isinstance(outcome.value, dict) else {}
    return {field: " ".join(filter(None, (label("error_line", locale, n=lines[field]) if lines.get(field) else "",
                                          error_text(code, locale))))
            for field, code in outcome.errors.items()}
