"""HR's switches of the assistant's features in Teams: the same action and view as Slack's `/checkin assistant`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from actions import assistant_settings
from handlers.teams.context import TeamsCaller, act
from prompts import adaptive
from prompts.render import label

if TYPE_CHECKING:
    from bot.deps import Deps


def assistant_card(deps: Deps, caller: TeamsCaller) -> dict:
    """HR's switches of the assistant's features, as Slack's `/checkin assistant` shows them; others are refused."""
    return _assistant_answer(act(deps, caller, assistant_settings.show,
                                 operator_features=assistant_settings.operator_features(deps.assistant)), caller)


def switch_assistant_feature(deps: Deps, caller: TeamsCaller, value: str) -> dict:
    """An On/Off button of the assistant card: switch the feature; the answer is the card updated."""
    return _assistant_answer(act(deps, caller, assistant_settings.switch_feature, value=value,
                                 operator_features=assistant_settings.operator_features(deps.assistant)), caller)


def _assistant_answer(outcome, caller: TeamsCaller) -> dict:
    if not outcome.ok:
        return adaptive.text_card(label(f"assistant_{outcome.errors[assistant_settings.REFUSED]}", caller.locale))
    return adaptive.card_from_block_kit(outcome.reply)
