"""Reading a check-in form, the same way for Slack's modal and Teams' dialog (each names its fields its own way)."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from storage import checkins


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
