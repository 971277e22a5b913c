"""Block Kit for review cycles: the request to write a self-review, and the self-review modal."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from prompts.blocks import markdown_message, sections
from prompts.render import label, render

OPEN_SELF_REVIEW_ACTION = "review_self_open"
SELF_REVIEW_VIEW = "review_self_submit"
TEXT_MAX = 3000
GOALS_IN_MODAL = 15


def _plain(text: str) -> dict:
    return {"type": "plain_text", "text": text[:2000], "emoji": True}


def localized(value: Any, locale: str) -> str:
    if isinstance(value, dict):
        return value.get(locale) or value.get("en") or next(iter(value.values()), "")
    return str(value or "")


def review_request(*, name: str, cycle: str, due: str, criteria: Sequence[str], review_id: int, reminder: bool,
                   locale: str) -> dict:
    """The DM asking for a self-review (or reminding of it), with a button to the modal."""
    text = render("review_request", locale, name=name, cycle=cycle, due=due, criteria=criteria, reminder=reminder)
    return {"text": text, "blocks": [*sections(text), {"type": "actions", "block_id": f"self-{review_id}",
            "elements": [{"type": "button", "action_id": OPEN_SELF_REVIEW_ACTION, "style": "primary",
                          "value": str(review_id), "text": _plain(label("write_self_review", locale))}]}]}


def self_review_modal(form: Any, *, locale: str) -> dict:
    """Per goal: result and evidence; per criterion of the person's plan: a rating on its scale and why."""
    answers = form.review.answers or {}
    blocks: list[dict] = []
    for goal in form.goals[:GOALS_IN_MODAL]:
        blocks.append(_text_input(f"evidence:{goal.id}", label("self_review_evidence", locale, title=goal.title),
                                  initial=(answers.get("goals", {}).get(str(goal.id)) or {}).get("evidence")))
    options = [{"text": _plain(f"{step['value']} · {localized(step['label'], locale)}"[:75]),
                "value": str(step["value"])} for step in form.plan["rating_scale"]]
    for criterion in form.plan["criteria"]:
        key, name = criterion["key"], localized(criterion["name"], locale)
        given = (answers.get("criteria", {}).get(key) or {})
        element: dict = {"type": "static_select", "action_id": "rating", "options": options}
        initial = next((o for o in options if o["value"] == str(given.get("rating"))), None)
        if initial:
            element["initial_option"] = initial
        block = {"type": "input", "block_id": f"rating:{key}", "label": _plain(label("self_review_rating", locale,
                                                                                      name=name)),
                 "element": element}
        if criterion.get("description"):
            block["hint"] = _plain(localized(criterion["description"], locale))
        blocks += [block, _text_input(f"comment:{key}", label("self_review_comment", locale, name=name),
                                      initial=given.get("comment"))]
    return {
        "type": "modal",
        "callback_id": SELF_REVIEW_VIEW,
        "private_metadata": str(form.review.id),
        "title": _plain(label("self_review_title", locale)[:24]),
        "submit": _plain(label("submit", locale)),
        "close": _plain(label("cancel", locale)),
        "blocks": [*sections(f"*{form.cycle.name}*"), *blocks][:100],
    }


def _text_input(block_id: str, label_text: str, *, initial: str | None) -> dict:
    element = {"type": "plain_text_input", "action_id": "text", "multiline": True, "max_length": TEXT_MAX}
    if initial:
        element["initial_value"] = initial
    return {"type": "input", "block_id": block_id, "optional": True, "label": _plain(label_text),
            "element": element}


def self_review_thanks(*, cycle: str, locale: str) -> dict:
    return markdown_message(render("self_review_thanks", locale, cycle=cycle))
