"""Adjusting a goal in Teams: Slack's adjustment modal as a dialog, through the same action, its reason kept in
the goal's history. Opened by "Adjust this goal" on an early warning (the agenda, a report's "should change")."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from actions import goals as goal_actions
from actions import warnings as warning_actions
from handlers.teams.context import TeamsCaller
from handlers.teams.evaluation_forms import Values, Words, on_submit, opened, submitted, text_of
from prompts import adaptive, goal_blocks
from storage.parsing import record_id

if TYPE_CHECKING:
    from bot.deps import Deps

SUBMIT_ADJUST = "goal_adjust_submit"
FIELDS = (*goal_actions.ADJUSTABLE, "reason")


def register(app: Any, deps: Deps) -> None:
    on_submit(app, deps, SUBMIT_ADJUST, save)


def adjust_dialog(deps: Deps, caller: TeamsCaller, value: str, *, values: Values | None = None,
                  words: Words | None = None) -> dict:
    """The goal's adjustment (`value` its id), if the caller may adjust it; else why not, in Slack's words."""
    def build(goal) -> dict:
        modal = goal_blocks.adjust_modal(goal, locale=caller.locale)
        return adaptive.dialog_from_modal(modal, data={"action": SUBMIT_ADJUST, "value": str(goal.id)},
                                          locale=caller.locale, values=values, words=words)
    return opened(deps, caller, goal_actions.changeable_goal, build, goal_id=record_id(value))


def save(deps: Deps, caller: TeamsCaller, data: dict, activity: Any = None) -> dict:
    """Adjust the goal; the dialog again with each error beside its field (what was typed kept), or closed."""
    value = text_of(data, "value")

    def inputs(values: Values) -> dict:
        changes = goal_actions.goal_input({name: values.get(name) or "" for name in goal_actions.ADJUSTABLE})
        return {"goal_id": record_id(value), "changes": changes, "reason": values.get("reason")}

    return submitted(deps, caller, data, warning_actions.adjust_goal, fields=FIELDS, activity=activity,
                     inputs=inputs, again=lambda values, words: adjust_dialog(deps, caller, value, values=values,
                                                                              words=words))
