"""Block Kit for HR editing a performance plan in Slack: plain lines, one per criterion, rating and reward."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from prompts.blocks import markdown_message
from prompts.render import label
from prompts.review_blocks import localized, plain

EDIT_PLAN_ACTION = "plan_edit"
PLAN_VIEW = "plan_edit_submit"
NO_SCOPE = "-"
CYCLES = ("monthly", "quarterly", "half-year", "yearly")
ROLES = ("employee", "manager", "hr", "admin")
PLANS_SHOWN = 5
TEXT_MAX = 3000


def _input(block_id: str, text: str, *, initial: str | None, multiline: bool = False, hint: str | None = None,
           optional: bool = False) -> dict:
    element: dict = {"type": "plain_text_input", "action_id": block_id, "multiline": multiline,
                     "max_length": TEXT_MAX if multiline else 100}
    if initial:
        element["initial_value"] = initial
    block = {"type": "input", "block_id": block_id, "label": plain(text), "element": element, "optional": optional}
    return {**block, "hint": plain(hint)} if hint else block


def _select(block_id: str, text: str, options: list[tuple[str, str]], *, selected: str | None) -> dict:
    choices = [{"text": plain(shown[:75]), "value": value[:150]} for shown, value in options]
    element: dict = {"type": "static_select", "action_id": block_id, "options": choices}
    initial = next((c for c in choices if c["value"] == selected), None)
    if initial:
        element["initial_option"] = initial
    return {"type": "input", "block_id": block_id, "label": plain(text), "element": element}


def plan_modal(text: Any, *, plan_id: int | None, teams: Sequence[str], locale: str) -> dict:
    """`text` is storage.plan_edits.PlanText."""
    none = (label("plan_scope_none", locale), NO_SCOPE)
    blocks = [
        _input("name", label("plan_name", locale), initial=text.name),
        _select("cycle", label("plan_cycle_label", locale),
                [(label("plan_cycle_name", locale, cycle=c), c) for c in CYCLES], selected=text.cycle),
        _select("team", label("plan_team", locale), [none, *[(t, t) for t in teams[:99]]],
                selected=text.team or NO_SCOPE),
        _select("role", label("plan_role", locale), [none, *[(label("plan_role_name", locale, role=r), r)
                                                             for r in ROLES]], selected=text.role or NO_SCOPE),
        _input("criteria", label("plan_criteria", locale), initial=text.criteria, multiline=True,
               hint=label("plan_criteria_hint", locale)),
        _input("scale", label("plan_scale", locale), initial=text.scale, multiline=True,
               hint=label("plan_scale_hint", locale)),
        _input("rewards", label("plan_rewards", locale), initial=text.rewards, multiline=True,
               hint=label("plan_rewards_hint", locale), optional=True),
        _input("improvement_threshold", label("plan_threshold", locale), initial=text.improvement_threshold,
               hint=label("plan_threshold_hint", locale)),
        _input("escalate_after_days", label("plan_escalate", locale), initial=text.escalate_after_days,
               hint=label("plan_escalate_hint", locale), optional=True),
    ]
    return {"type": "modal", "callback_id": PLAN_VIEW, "private_metadata": str(plan_id or ""),
            "title": plain(label("plan_title", locale)[:24]), "submit": plain(label("save", locale)),
            "close": plain(label("cancel", locale)), "blocks": blocks}


def plans_section(plan_rows: Sequence[Any], *, locale: str) -> list[dict]:
    """HR's home: the plans with an Edit button each, and one to start a new plan from the default."""
    blocks: list[dict] = []
    if not plan_rows:
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": label("plans_none", locale)}]})
    for plan in plan_rows[:PLANS_SHOWN]:
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": f"*{localized(plan.name, locale)}* · "
                                                   + label("plan_cycle_name", locale, cycle=plan.cycle)},
                       "accessory": {"type": "button", "action_id": EDIT_PLAN_ACTION, "value": str(plan.id),
                                     "text": plain(label("plan_edit", locale))}})
    blocks.append({"type": "actions", "block_id": "plans-new", "elements": [
        {"type": "button", "action_id": EDIT_PLAN_ACTION, "value": "new", "text": plain(label("plan_new", locale))}]})
    return blocks


def plan_saved(*, name: str, locale: str) -> dict:
    return markdown_message(label("plan_saved", locale, name=name))
