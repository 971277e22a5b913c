"""Translate and Show original in Teams: the same actions and messages as Slack's, as a card in the chat."""

from __future__ import annotations

from typing import TYPE_CHECKING

from actions import translation
from handlers.teams.assistant import invoke_assistant
from handlers.teams.context import TeamsCaller, act
from prompts import adaptive, assistant_blocks
from prompts.goal_blocks import error_text
from prompts.render import label

if TYPE_CHECKING:
    from bot.deps import Deps


def translate(deps: Deps, caller: TeamsCaller, value: str) -> dict:
    """The record in the caller's language, marked machine-translated, with Show original; the model answers in time
    for Teams or the original is shown."""
    return _card(act(deps, caller, translation.translate, value=value, assistant_=invoke_assistant(deps)), caller)


def show_original(deps: Deps, caller: TeamsCaller, value: str) -> dict:
    """The record as written, with Translate; nothing is sent to the model."""
    return _card(act(deps, caller, translation.original, value=value), caller)


def _card(outcome, caller: TeamsCaller) -> dict:
    if not outcome.ok:
        code = outcome.errors[translation.REFUSED]
        return adaptive.text_card(label("translation_unavailable", caller.locale) if code == translation.OFF
                                  else error_text("not_found", caller.locale))
    return adaptive.card_from_block_kit(assistant_blocks.translation(outcome.value, locale=caller.locale))
