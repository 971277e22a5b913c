"""Calibration and release in Teams: HR's view of every rating beside its evidence (the chart's figures as a table),
asking a manager to revisit a rating, and releasing the results; the same actions as Slack's
(actions/calibration.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from actions import calibration as calibration_actions
from handlers.forms import record_id
from handlers.teams.context import TeamsCaller, act, stranger_card
from handlers.teams.evaluation_forms import Values, Words, on_submit, opened, submitted, text_of
from prompts import adaptive, calibration_blocks, evaluation_cards
from prompts.goal_blocks import error_text
from prompts.render import label

if TYPE_CHECKING:
    from bot.deps import Deps


def register(app: Any, deps: Deps) -> None:
    on_submit(app, deps, evaluation_cards.SUBMIT_REVISIT, ask_to_revisit)
    on_submit(app, deps, evaluation_cards.SUBMIT_RELEASE, release)


def calibration_cards(deps: Deps, caller: TeamsCaller, value: str) -> list[dict]:
    """Calibrate, on HR's cycle: the header with the ratings by team, every rating beside its evidence, Release."""
    if caller.person is None:
        return [stranger_card(deps, caller.locale)]
    outcome = act(deps, caller, calibration_actions.calibration_view, cycle_id=record_id(value))
    if not outcome.ok:
        return [adaptive.text_card(error_text(outcome.errors[calibration_actions.CYCLE], caller.locale))]
    return evaluation_cards.calibration_cards(outcome.value, locale=caller.locale)


def revisit_dialog(deps: Deps, caller: TeamsCaller, value: str, *, values: Values | None = None,
                   words: Words | None = None) -> dict:
    """Ask to revisit, on a calibration row: HR's note for the manager."""
    return opened(deps, caller, calibration_actions.revisit_form, lambda review_id: adaptive.dialog_from_modal(
        calibration_blocks.revisit_modal(review_id, locale=caller.locale),
        data={"action": evaluation_cards.SUBMIT_REVISIT, "value": str(review_id)}, locale=caller.locale, values=values,
        words=words), review_id=record_id(value))


def ask_to_revisit(deps: Deps, caller: TeamsCaller, data: dict, activity: Any = None) -> dict:
    """Send the rating back with HR's note; the dialog again with the error beside the note, or closed."""
    value = text_of(data, "value")
    return submitted(deps, caller, data, calibration_actions.ask_to_revisit, fields=("note",), activity=activity,
                     inputs=lambda values: {"review_id": record_id(value), "note": values["note"]},
                     again=lambda values, words: revisit_dialog(deps, caller, value, values=values, words=words))


def release_dialog(deps: Deps, caller: TeamsCaller, value: str) -> dict:
    """Release results, on the calibration's last card: Slack's "are you sure", for HR only."""
    return opened(deps, caller, calibration_actions.release_form,
                  lambda cycle: evaluation_cards.release_dialog(cycle, locale=caller.locale), cycle_id=record_id(value))


def release(deps: Deps, caller: TeamsCaller, data: dict, activity: Any = None) -> dict:
    """Release the cycle; the review-results job then tells each employee in their waking hours."""
    value = data.get("cycle_id")
    return submitted(deps, caller, data, calibration_actions.release_cycle, fields=(), activity=activity,
                     inputs=lambda _values: {"cycle_id": record_id(value)},
                     again=lambda _values, words: adaptive.message_dialog(" ".join(words.values()),
                                                                          locale=caller.locale))


def release_button_card(value: str, *, locale: str) -> dict:
    """Release pressed as a plain submit (an older card): a message cannot open a dialog, so offer the button."""
    button = {"type": "Action.Submit", "title": label("release_results", locale), "style": "destructive",
              "data": adaptive.button_data(calibration_blocks.RELEASE_ACTION, value)}
    return adaptive.text_card(label("release_results", locale), actions=[button])
