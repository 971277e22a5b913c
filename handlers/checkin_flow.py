"""Reading a check-in form, the same way for Slack's modal and Teams' dialog (each names its fields its own way)."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from prompts.checkin_blocks import ACTIONS_DONE_FIELD, BLOCKER_FIELD_PREFIX, NO_CHANGE, NO_CHANGE_ON
from storage import checkins, questions


def checkin_input(values: Mapping[str, str | None], *, goal_field: Callable[[str], tuple[str, str] | None],
                  week: str | None = None) -> checkins.CheckinInput:
    """The form as storage reads it; `goal_field` finds (goal id, "value", "status" or "same") in a field's name.

    Last week's follow-ups are named alike on both surfaces: `blocker:<alert id>` holds "resolved" or "still", and
    `actions_done` the ids of the action items ticked, comma-separated; `q:<question id>` answers a custom question.
    """
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
        goals=tuple(checkins.GoalUpdateInput(goal_id=goal_id, value=fields.get("value"), status=fields.get("status"),
                                             unchanged=fields.get(NO_CHANGE) == NO_CHANGE_ON)
                    for goal_id, fields in updates.items()),
        blocker_answers=tuple((key.removeprefix(BLOCKER_FIELD_PREFIX), value) for key, value in values.items()
                              if key.startswith(BLOCKER_FIELD_PREFIX) and value),
        actions_done=tuple(item.strip() for item in (values.get(ACTIONS_DONE_FIELD) or "").split(",") if item.strip()),
        answers=tuple((key.removeprefix(questions.FIELD_PREFIX), value) for key, value in values.items()
                      if key.startswith(questions.FIELD_PREFIX)),
    )
