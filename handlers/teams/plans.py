"""HR edits performance plans in Teams: Slack's plan form as a dialog, through the same action (actions/plans.py),
errors by field and line."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from actions import plans as plan_actions
from handlers.teams.context import TeamsCaller
from handlers.teams.evaluation_forms import Values, Words, on_submit, opened, submitted, text_of
from prompts import adaptive, evaluation_cards, plan_blocks

if TYPE_CHECKING:
    from bot.deps import Deps


def register(app: Any, deps: Deps) -> None:
    on_submit(app, deps, evaluation_cards.SUBMIT_EDIT_PLAN, save)


def edit_dialog(deps: Deps, caller: TeamsCaller, value: str, *, values: Values | None = None,
                words: Words | None = None) -> dict:
    """Edit a plan (`value` its id) or start a new one (`value` "new") from the default plan; HR only."""
    def build(editor: plan_actions.PlanEditor) -> dict:
        modal = plan_blocks.plan_modal(editor.text, plan_id=editor.plan_id, teams=editor.teams, locale=caller.locale)
        return adaptive.dialog_from_modal(modal, data={"action": evaluation_cards.SUBMIT_EDIT_PLAN,
                                                       "value": str(editor.plan_id or "")},
                                       locale=caller.locale, values=values, words=words)
    return opened(deps, caller, plan_actions.plan_editor, build, value=value)


def save(deps: Deps, caller: TeamsCaller, data: dict, activity: Any = None) -> dict:
    """Save the plan; the dialog again with each error on its field and line (what was typed kept), or closed."""
    value = text_of(data, "value")
    return submitted(deps, caller, data, plan_actions.save_plan, fields=plan_actions.FORM_FIELDS, activity=activity,
                     inputs=lambda values: {"value": value, "form": values}, words=plan_actions.error_words,
                     again=lambda values, words: edit_dialog(deps, caller, value or plan_actions.NEW_PLAN,
                                                             values=values, words=words))
