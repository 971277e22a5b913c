"""Adaptive Card inputs for early warnings: the Teams check-in dialog's "Does the target still hold?"."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from prompts.adaptive import choice_input, subtle, text_input
from prompts.coaching_blocks import warning_text
from prompts.render import label
from prompts.warning_blocks import ASKED_MAX, TARGET_HOLDS, TARGET_WHY, WHY_MAX, choices, field


def target_questions(flags: Sequence[Any], *, values: dict[str, str | None], locale: str) -> list[dict]:
    """Slack's question per flagged goal, as dialog inputs: the same field names, words and limits."""
    body: list[dict] = []
    for flag in flags[:ASKED_MAX]:
        holds, why = field(TARGET_HOLDS, flag.goal.id), field(TARGET_WHY, flag.goal.id)
        question = choice_input(holds, label("target_holds", locale, title=flag.goal.title), choices(locale),
                                value=values.get(holds))
        question["style"] = "expanded"
        body += [question, subtle(warning_text(flag, locale=locale, title=False)),
                 text_input(why, label("target_holds_why", locale), value=values.get(why), max_length=WHY_MAX)]
    return body
