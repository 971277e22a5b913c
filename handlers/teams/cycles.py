"""HR opens a review cycle in Teams: Slack's form as a dialog, through the same action (actions/cycles.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from actions import cycles as cycle_actions
from handlers.teams.context import TeamsCaller
from handlers.teams.evaluation_forms import Values, Words, on_submit, opened, submitted
from prompts import adaptive, cycle_blocks, evaluation_cards

if TYPE_CHECKING:
    from bot.deps import Deps


def register(app: Any, deps: Deps) -> None:
    on_submit(app, deps, evaluation_cards.SUBMIT_OPEN_CYCLE, open_cycle)


def open_dialog(deps: Deps, caller: TeamsCaller, value: str = "", *, values: Values | None = None,
                words: Words | None = None) -> dict:
    """Open a review cycle, on HR's button: the name, the scope, the dates and whether peers stay anonymous."""
    return opened(deps, caller, cycle_actions.cycle_form, lambda teams: adaptive.dialog_from_modal(
        cycle_blocks.open_cycle_modal(teams, locale=caller.locale), data={"action": evaluation_cards.SUBMIT_OPEN_CYCLE},
        locale=caller.locale, values=values, words=words))


def open_cycle(deps: Deps, caller: TeamsCaller, data: dict, activity: Any = None) -> dict:
    """Open the cycle; the dialog again with each error on its field (what was typed kept), or closed."""
    return submitted(deps, caller, data, cycle_actions.open_cycle, fields=cycle_actions.FIELDS, activity=activity,
                     inputs=lambda values: {"form": values},
                     again=lambda values, words: open_dialog(deps, caller, values=values, words=words))
