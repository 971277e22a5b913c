"""Block Kit for early warnings: the check-in's "Does the target still hold?" per flagged goal, and what the
manager is told when the answer is that it should change."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from prompts import goal_blocks
from prompts.blocks import markdown_message, sections
from prompts.coaching_blocks import adjust_button, warning_text
from prompts.render import format_date, label, render

TARGET_HOLDS = "target_holds"  # field `target_holds:<goal id>`: HOLDS or CHANGE
TARGET_WHY = "target_why"  # field `target_why:<goal id>`: an optional line why
HOLDS, CHANGE = "yes", "change"
ASKED_MAX = 3  # flagged goals asked about in one check-in: two blocks each
WHY_MAX = 500


def field(kind: str, goal_id: int) -> str:
    return f"{kind}:{goal_id}"


def parse_field(name: str) -> tuple[str, str] | None:
    """(kind, goal id as text) of a `target_holds:<id>` or `target_why:<id>` field; None for any other name."""
    kind, _, goal_id = name.partition(":")
    return (kind, goal_id) if kind in (TARGET_HOLDS, TARGET_WHY) and goal_id.isdigit() else None


def choices(locale: str) -> list[tuple[str, str]]:
    return [(label("target_holds_yes", locale), HOLDS), (label("target_holds_change", locale), CHANGE)]


def target_questions(flags: Sequence[Any], *, locale: str) -> list[dict]:
    """The check-in modal's question per flagged goal (the first ASKED_MAX): does its target still hold? with
    the warning's figures as the hint, and an optional line why."""
    blocks: list[dict] = []
    for flag in flags[:ASKED_MAX]:
        options = [{"text": {"type": "plain_text", "text": text[:75], "emoji": True}, "value": value}
                   for text, value in choices(locale)]
        blocks += [
            {"type": "input", "block_id": field(TARGET_HOLDS, flag.goal.id), "optional": True,
             "label": {"type": "plain_text", "text": label("target_holds", locale, title=flag.goal.title)[:2000]},
             "hint": {"type": "plain_text", "text": warning_text(flag, locale=locale, title=False)[:2000]},
             "element": {"type": "radio_buttons", "action_id": "answer", "options": options}},
            {"type": "input", "block_id": field(TARGET_WHY, flag.goal.id), "optional": True,
             "label": {"type": "plain_text", "text": label("target_holds_why", locale)},
             "element": {"type": "plain_text_input", "action_id": "why", "max_length": WHY_MAX}},
        ]
    return blocks


def target_change_request(*, name: str, title: str, week: str, why: str | None, warning: str, goal_id: int,
                          locale: str) -> dict:
    """The manager's message: the report says a goal's target should change; a button opens its adjustment."""
    text = render("target_change_request", locale, name=name, title=title, week=week, why=why or "",
                  warning=warning)
    return {"text": text, "blocks": [*sections(text), {"type": "actions", "block_id": f"target-change-{goal_id}",
                                                       "elements": [adjust_button(goal_id, locale=locale)]}]}


def goal_adjusted_for_owner(*, adjuster: str, title: str, changes: Sequence[tuple[str, str | None, str | None]],
                            reason: str | None, locale: str) -> dict:
    """The owner's message when someone else adjusts their goal: each field's old → new (`changes`: field name,
    old and new as the goal's history writes them) and the reason."""
    def shown(name: str, value: str | None) -> str:
        if value is None or value == "":
            return "—"
        if name == "due_date":
            return format_date(value, locale)
        if name in ("start_value", "target_value"):
            try:
                return goal_blocks.number(float(value))
            except ValueError:
                return value
        return value

    lines = [{"label": label(goal_blocks.HISTORY_FIELDS.get(name, "goal_title"), locale),
              "old": shown(name, old), "new": shown(name, new)} for name, old, new in changes]
    return markdown_message(render("goal_adjusted_for_owner", locale, adjuster=adjuster, title=title,
                                   changes=lines, reason=reason or ""))
