"""Adaptive Cards for Microsoft Teams (pure: data in, card out); every word comes from the shared templates."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Sequence
from typing import Any

from prompts.goal_blocks import MESSAGE_GOALS_MAX, goal_line, modal_errors
from prompts.render import label, render

CARD_VERSION = "1.5"  # the newest version Teams renders on every client
CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
CARD_SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
CARD_BUDGET_BYTES = 24 * 1024  # Teams refuses messages over 28 KB; leave room for the header and envelope

# Ids the Teams handlers listen for: `dialog_id` opens a dialog (task/fetch), `action` submits one.
NEW_GOAL_DIALOG = "goal_new"
SUBMIT_NEW_GOAL = "goal_new_submit"
GOAL_FIELDS = ("level", "title", "metric", "start", "target", "unit", "due_date", "parent_id", "weight", "description")
TITLE_MAX = 150
SHORT_MAX = 100
TEXT_MAX = 3000

_BOLD = re.compile(r"(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])")
_STRIKE = re.compile(r"(?<![\w~])~(?=\S)([^~\n]+?)(?<=\S)~(?![\w~])")
_LINK = re.compile(r"<(https?://[^|>\s]+)\|([^>]+)>")
_CODE = re.compile(r"`([^`\n]+)`")


def teams_markdown(mrkdwn: str) -> str:
    """Turn the templates' Slack mrkdwn into the Markdown an Adaptive Card TextBlock renders.

    `*bold*` becomes `**bold**`, `<url|text>` a link, `code` plain text (TextBlocks have no code spans), and
    Slack's slash commands Teams' bot commands (`/goal list` is `goal list` in Teams). Slack's three
    escapes are decoded: a TextBlock is not HTML, so `&lt;` would show as typed.
    """
    text = _LINK.sub(lambda m: f"[{m[2]}]({m[1]})", mrkdwn)
    text = _CODE.sub(lambda m: m[1].removeprefix("/"), text)
    text = _BOLD.sub(r"**\1**", text)
    text = _STRIKE.sub(r"\1", text)
    return html.unescape(text) if "&" in text else text


def text_blocks(mrkdwn: str) -> list[dict]:
    """One TextBlock per line: Teams clients disagree on single line breaks inside a TextBlock."""
    blocks: list[dict] = []
    gap = False
    for line in mrkdwn.splitlines():
        if not line.strip():
            gap = True
            continue
        block: dict[str, Any] = {"type": "TextBlock", "text": teams_markdown(line), "wrap": True}
        if blocks and not gap:
            block["spacing"] = "None"
        blocks.append(block)
        gap = False
    return blocks


def card(body: list[dict], *, fallback: str, actions: Sequence[dict] = ()) -> dict:
    """Wrap elements as an Adaptive Card; `fallback` is the plain text for clients that cannot render it."""
    content: dict[str, Any] = {"type": "AdaptiveCard", "$schema": CARD_SCHEMA, "version": CARD_VERSION,
                               "body": body, "fallbackText": fallback}
    if actions:
        content["actions"] = list(actions)
    return content


def text_card(mrkdwn: str, *, actions: Sequence[dict] = ()) -> dict:
    """A message of rendered words (the same words Slack shows), optionally with buttons."""
    return card(text_blocks(mrkdwn), fallback=plain_text(mrkdwn), actions=actions)


def plain_text(mrkdwn: str) -> str:
    """Strip the markup: what a notification or a client without card support shows."""
    return teams_markdown(mrkdwn).replace("**", "")


# ---- messages -----------------------------------------------------------------------------


def help_card(*, locale: str) -> dict:
    """`help`: what the goal and check-in commands do, in the words of Slack's /goal and /checkin help."""
    return text_card(render("goal_help", locale) + "\n\n" + render("checkin_help", locale))


def unknown_person_card(hr_names: list[str], *, locale: str) -> dict:
    return text_card(render("unknown_person", locale, hr_names=hr_names))


def goal_list_card(goals: Sequence[Any], progress: dict[int, float], *, own: bool, name: str, locale: str) -> dict:
    """`goal list`: a header, then each goal with its progress, as Slack's `/goal list` words it.

    As many goals as Slack shows, while the card stays well inside Teams' 28 KB message limit.
    """
    sections: list[dict] = []
    size = 0
    for goal in goals[:MESSAGE_GOALS_MAX]:
        lines = text_blocks(goal_line(goal, progress.get(goal.id, 0.0), locale=locale))
        section = {"type": "Container", "separator": True, "spacing": "Medium", "items": lines}
        size += len(json.dumps(section, ensure_ascii=False).encode())
        if size > CARD_BUDGET_BYTES:
            break
        sections.append(section)
    header = render("goal_list_header", locale, own=own, name=name, count=len(goals), shown=len(sections))
    return card([*text_blocks(header), *sections], fallback=plain_text(header))


def new_goal_button_card(*, locale: str) -> dict:
    """`goal`: a bot cannot open a dialog unprompted in Teams, so the reply holds the button that opens it."""
    button = {"type": "Action.Submit", "title": label("goal_modal_title", locale),
              "data": {"msteams": {"type": "task/fetch"}, "dialog_id": NEW_GOAL_DIALOG}}
    return text_card(label("goal_title_hint", locale), actions=[button])


def goal_saved_card(goal: Any, *, manager_name: str | None, parent_title: str | None, locale: str) -> dict:
    return text_card(render("goal_saved", locale, title=goal.title, proposed=goal.approval == "proposed",
                            manager=manager_name or "", parent=parent_title or ""))


# ---- dialogs (task modules) -----------------------------------------------------------------


def dialog(title: str, content: dict) -> dict:
    """The task/fetch or task/submit answer that shows `content` in a dialog."""
    return {"task": {"type": "continue", "value": {
        "title": title, "card": {"contentType": CARD_CONTENT_TYPE, "content": content}}}}


def close_dialog(message: str) -> dict:
    """The task/submit answer that closes the dialog, showing `message` briefly."""
    return {"task": {"type": "message", "value": plain_text(message)}}


def new_goal_dialog(*, locale: str, parent_choices: Sequence[Any], levels: Sequence[str],
                    values: dict[str, str | None] | None = None, errors: dict[str, str] | None = None) -> dict:
    """The new-goal form as a dialog; after a refused submit it comes back filled in, each error by its field."""
    values = values or {}
    words = modal_errors(errors or {}, locale)
    body: list[dict] = []
    if len(levels) > 1:
        body.append(_choice("level", label("goal_level", locale),
                            [(label(f"level_{level}", locale), level) for level in levels],
                            value=values.get("level") or levels[0], required=True))
    body += [
        _text("title", label("goal_title", locale), value=values.get("title"), required=True, max_length=TITLE_MAX,
              placeholder=label("goal_title_placeholder", locale), hint=label("goal_title_hint", locale)),
        _text("metric", label("goal_metric", locale), value=values.get("metric"), max_length=SHORT_MAX,
              placeholder=label("goal_metric_placeholder", locale)),
        _text("start", label("goal_start", locale), value=values.get("start"), hint=label("goal_start_hint", locale)),
        _text("target", label("goal_target", locale), value=values.get("target"),
              hint=label("goal_target_hint", locale)),
        _text("unit", label("goal_unit", locale), value=values.get("unit"),
              placeholder=label("goal_unit_placeholder", locale)),
        {"type": "Input.Date", "id": "due_date", "label": label("goal_due", locale), "isRequired": True,
         **({"value": values["due_date"]} if values.get("due_date") else {})},
    ]
    parents = [(f"{label(f'level_{goal.level}', locale)}: {goal.title}", str(goal.id)) for goal in parent_choices]
    if parents:
        body.append(_choice("parent_id", label("goal_parent", locale), parents, value=values.get("parent_id"),
                            placeholder=label("goal_parent_placeholder", locale),
                            hint=label("goal_parent_hint", locale)))
    body += [
        _text("weight", label("goal_weight", locale), value=values.get("weight"),
              hint=label("goal_weight_hint", locale)),
        _text("description", label("goal_description", locale), value=values.get("description"), multiline=True,
              max_length=TEXT_MAX),
    ]
    body = _with_errors(body, words)
    submit = {"type": "Action.Submit", "title": label("goal_modal_submit", locale),
              "data": {"action": SUBMIT_NEW_GOAL}}
    content = card(body, fallback=label("goal_modal_title", locale), actions=[submit])
    return dialog(label("goal_modal_title", locale), content)


def confirm_goal_dialog(form: dict[str, str | None], warnings: list[str], *, locale: str) -> dict:
    """The SMART coach's confirm step: say what is missing; save anyway, or go back to the filled-in form."""
    text = render("goal_confirm", locale, title=form.get("title") or "", warnings=warnings, errors=[])
    save = {"type": "Action.Submit", "title": label("goal_confirm_submit", locale),
            "data": {"action": SUBMIT_NEW_GOAL, "confirmed": True, "form": form}}
    back = {"type": "Action.Submit", "title": label("back", locale),
            "data": {"action": SUBMIT_NEW_GOAL, "back": True, "form": form}}
    return dialog(label("goal_confirm_title", locale), text_card(text, actions=[save, back]))


def _with_errors(body: list[dict], words: dict[str, str]) -> list[dict]:
    """Put each error in red under its input (inputs without one get it at the top)."""
    placed: set[str] = set()
    out: list[dict] = []
    for element in body:
        out.append(element)
        field = element.get("id")
        if field in words:
            out.append({"type": "TextBlock", "text": f"⚠️ {words[field]}", "color": "Attention", "wrap": True,
                        "spacing": "None"})
            placed.add(field)
    unplaced = [text for field, text in words.items() if field not in placed]
    top = [{"type": "TextBlock", "text": f"⚠️ {text}", "color": "Attention", "wrap": True} for text in unplaced]
    return top + out


def _text(field: str, label_text: str, *, value: str | None = None, required: bool = False,
          max_length: int | None = None, multiline: bool = False, placeholder: str | None = None,
          hint: str | None = None) -> dict:
    element: dict[str, Any] = {"type": "Input.Text", "id": field, "label": label_text}
    if required:
        element["isRequired"] = True
    if max_length:
        element["maxLength"] = max_length
    if multiline:
        element["isMultiline"] = True
    if placeholder or hint:
        element["placeholder"] = placeholder or hint
    if value:
        element["value"] = value
    return element


def _choice(field: str, label_text: str, choices: Sequence[tuple[str, str]], *, value: str | None = None,
            required: bool = False, placeholder: str | None = None, hint: str | None = None) -> dict:
    element: dict[str, Any] = {"type": "Input.ChoiceSet", "id": field, "label": label_text, "style": "compact",
                               "choices": [{"title": title, "value": choice} for title, choice in choices]}
    if required:
        element["isRequired"] = True
    if placeholder or hint:
        element["placeholder"] = placeholder or hint
    if value:
        element["value"] = value
    return element
