"""Starting an improvement plan in Teams: Slack's form as a dialog, through the same action
(actions/improvement.py). From the below-target prompt the person is named; from "start a plan" the manager
chooses among the people they may start one for."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from actions import improvement as improvement_actions
from handlers.teams.context import TeamsCaller
from handlers.teams.evaluation_forms import Values, Words, on_submit, opened, submitted, text_of
from prompts import adaptive, evaluation_cards, improvement_blocks

if TYPE_CHECKING:
    from bot.deps import Deps

FIELDS = ("subject", *improvement_actions.FORM_FIELDS)


def register(app: Any, deps: Deps) -> None:
    on_submit(app, deps, evaluation_cards.SUBMIT_IMPROVEMENT_PLAN, start)


def plan_dialog(deps: Deps, caller: TeamsCaller, value: str, *, values: Values | None = None,
                words: Words | None = None) -> dict:
    """Start an improvement plan: for the person the button names, or (`pick`) for someone the manager chooses."""
    def build(form: improvement_actions.PlanForm) -> dict:
        modal = improvement_blocks.plan_modal(subject=form.subject.name if form.subject else None, value=form.value,
                                              locale=caller.locale)
        return adaptive.dialog_from_modal(modal, data={"action": evaluation_cards.SUBMIT_IMPROVEMENT_PLAN,
                                                       "value": form.value},
                                          locale=caller.locale, values=values, words=words,
                                          people=[(person.name, str(person.id)) for person in form.candidates])
    return opened(deps, caller, improvement_actions.plan_form, build, value=value)


def start(deps: Deps, caller: TeamsCaller, data: dict, activity: Any = None) -> dict:
    """Start the plan; the dialog again with each error beside its field (what was typed kept), or closed."""
    value = text_of(data, "value")
    return submitted(deps, caller, data, improvement_actions.start_plan, fields=FIELDS, activity=activity,
                     inputs=lambda values: {"value": value, "form": values,
                                            "subject_id": values.get("subject") if not value else None},
                     again=lambda values, words: plan_dialog(deps, caller, value or improvement_actions.PICK,
                                                             values=values, words=words))
