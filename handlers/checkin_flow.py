"""What Slack's check-in modal and Teams' check-in dialog share once the form is read: recording it, and the
words each surface shows afterwards (the thanks, history entries, whose check-in a reply is about)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from handlers.forms import record_id
from prompts.render import label
from storage import checkins, goals
from storage.models import CheckIn, Person
from storage.permissions import can_decide_for

if TYPE_CHECKING:
    from bot.deps import Deps


@dataclass(frozen=True)
class Recorded:
    result: checkins.RecordResult
    manager: Person | None
    streak: int
    goal_lines: list[dict]


def checkin_input(values: Mapping[str, str | None], *, goal_field: Callable[[str], tuple[str, str] | None],
                  week: str | None = None) -> checkins.CheckinInput:
    """The form as storage reads it; `goal_field` finds (goal id, "value" or "status") in a field's name."""
    updates: dict[str, dict[str, str | None]] = {}
    for key, value in values.items():
        if (field := goal_field(key)) is not None:
            updates.setdefault(field[0], {})[field[1]] = value
    return checkins.CheckinInput(
        week=values.get("week") or week or None,
        confidence=values.get("confidence"),
        highlights=values.get("highlights"),
        blockers=values.get("blockers"),
        help_needed=values.get("help_needed"),
        goals=tuple(checkins.GoalUpdateInput(goal_id=goal_id, value=fields.get("value"), status=fields.get("status"))
                    for goal_id, fields in updates.items()),
    )


def record_checkin(deps: Deps, person: Person, form: checkins.CheckinInput, *, locale: str) -> Recorded:
    """Store the check-in, and gather what the thanks says; raises what checkins.record raises."""
    with deps.sessions() as session:
        result = checkins.record(session, person, form, now=deps.clock.now(),
                                 default_zone=deps.settings.default_timezone)
        manager = session.get(Person, person.manager_id) if person.manager_id else None
        streak = checkins.streak(session, person, now=deps.clock.now(), default_zone=deps.settings.default_timezone)
        return Recorded(result, manager, streak, goal_lines(session, result, locale=locale))


def goal_lines(session, result: checkins.RecordResult, *, locale: str) -> list[dict]:
    lines = []
    for progress in checkins.progress_of(session, result.checkin):
        goal = session.get(goals.Goal, progress.goal_id)
        lines.append({"title": goal.title, "percent": round(result.progress.get(goal.id, 0.0) * 100),
                      "status": label(f"status_{progress.status}", locale)})
    return lines


def checkin_subject(deps: Deps, viewer: Person | None, raw_id) -> Person | None:
    """Return whose check-in this is, if the viewer may answer it (their manager or HR)."""
    checkin_id = record_id(raw_id)
    if checkin_id is None:
        return None
    with deps.sessions() as session:
        checkin = session.get(CheckIn, checkin_id)
        subject = session.get(Person, checkin.person_id) if checkin else None
        if viewer is None or subject is None or not can_decide_for(session, viewer, subject):
            return None
        return subject
