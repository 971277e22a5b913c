"""Adaptive Cards for Microsoft Teams: Block Kit messages converted, and the primitives every dialog is built of."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Sequence
from typing import Any

from prompts import (
    calibration_blocks,
    checkin_blocks,
    coaching_blocks,
    digest_blocks,
    goal_blocks,
    home_blocks,
    improvement_blocks,
    peer_blocks,
    plan_blocks,
    review_blocks,
)
from prompts.goal_blocks import modal_errors
from prompts.render import label, render

CARD_VERSION = "1.5"  # the newest version Teams renders on every client
CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
CARD_SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
CARD_BUDGET_BYTES = 24 * 1024  # Teams refuses messages over 28 KB; leave room for the header and envelope
SHORT_MAX = 100  # a one-line answer (a number, a unit, a metric), as Slack's inputs allow

_BOLD = re.compile(r"(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])")
_STRIKE = re.compile(r"(?<![\w~])~(?=\S)([^~\n]+?)(?<=\S)~(?![\w~])")
_LINK = re.compile(r"<(https?://[^|>\s]+)\|([^>]+)>")
_CODE = re.compile(r"`([^`\n]+)`")
_CHANNEL = re.compile(r"<#([^|>\s]+)(?:\|([^>]+))?>")
_USER = re.compile(r"<@([A-Z0-9]+)(?:\|[^>]*)?>")


def teams_markdown(mrkdwn: str) -> str:
    """Turn the templates' Slack mrkdwn into the Markdown an Adaptive Card TextBlock renders.

    `*bold*` becomes `**bold**`, `<url|text>` a link, `code` plain text (TextBlocks have no code spans), a Slack
    channel or user reference (`<#C1|name>`, `<@U1>`) its name, and
    Slack's slash commands Teams' bot commands (`/goal list` is `goal list` in Teams). Slack's three
    escapes are decoded: a TextBlock is not HTML, so `&lt;` would show as typed.
    """
    text = _LINK.sub(lambda m: f"[{m[2]}]({m[1]})", mrkdwn)
    text = _CHANNEL.sub(lambda m: f"#{(m[2] or m[1]).removeprefix('#')}", text)
    text = _USER.sub(r"@\1", text)
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


# ---- messages every surface command shares --------------------------------------------------


def help_card(*, locale: str) -> dict:
    """`help`: what the goal and check-in commands do, in the words of Slack's /goal and /checkin help."""
    return text_card(render("goal_help", locale) + "\n\n" + render("checkin_help", locale))


def unknown_person_card(hr_names: list[str], *, locale: str) -> dict:
    return text_card(render("unknown_person", locale, hr_names=hr_names))


# ---- dialogs (task modules) and their inputs --------------------------------------------------


def dialog(title: str, content: dict) -> dict:
    """The task/fetch or task/submit answer that shows `content` in a dialog."""
    return {"task": {"type": "continue", "value": {
        "title": title, "card": {"contentType": CARD_CONTENT_TYPE, "content": content}}}}


def close_dialog(message: str) -> dict:
    """The task/submit answer that closes the dialog, showing `message` briefly."""
    return {"task": {"type": "message", "value": plain_text(message)}}


def with_errors(body: list[dict], words: dict[str, str]) -> list[dict]:
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


def text_input(field: str, label_text: str, *, value: str | None = None, required: bool = False,
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


def choice_input(field: str, label_text: str, choices: Sequence[tuple[str, str]], *, value: str | None = None,
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


def button_data(action_id: str, value: str = "") -> dict:
    """What a card button sends back: the Block Kit action id and value; a dialog opener asks Teams for task/fetch."""
    data = {"action": action_id, "value": value}
    return {"msteams": {"type": "task/fetch"}, **data} if action_id in DIALOG_ACTIONS else data


def message_dialog(mrkdwn: str, *, locale: str) -> dict:
    """A dialog that only says something: a refusal, or why there is nothing to open."""
    return dialog(label("app_name", locale), text_card(mrkdwn))


def date_input(field: str, label_text: str, *, value: str | None = None) -> dict:
    element: dict[str, Any] = {"type": "Input.Date", "id": field, "label": label_text}
    if value:
        element["value"] = value
    return element


def subtle(text: str) -> dict:
    return {"type": "TextBlock", "text": text, "isSubtle": True, "size": "Small", "spacing": "None", "wrap": True}


# ---- Block Kit messages as Adaptive Cards ---------------------------------------------------

# Slack buttons whose action opens a modal: in Teams the same button must ask for a dialog (task/fetch),
# since a card's plain submit is a chat message and a bot cannot open a dialog in answer to one.
DIALOG_ACTIONS = frozenset({
    checkin_blocks.OPEN_CHECKIN_ACTION, checkin_blocks.RESPOND_ACTION,
    coaching_blocks.REVIEW_ACTION, coaching_blocks.REFLECT_ACTION, coaching_blocks.ADJUST_GOAL_ACTION,
    home_blocks.OPEN_CYCLE_ACTION, goal_blocks.RETURN_ACTION, goal_blocks.NEW_GOAL_ACTION, goal_blocks.MENU_ACTION,
    calibration_blocks.REVISIT_ACTION, review_blocks.ACKNOWLEDGE_ACTION,
    improvement_blocks.OPEN_PLAN_ACTION, improvement_blocks.COMMITMENTS_ACTION, improvement_blocks.RECORD_CHECK_ACTION,
    peer_blocks.CHOOSE_PEERS_ACTION, peer_blocks.CHANGE_PEERS_ACTION, peer_blocks.OPEN_PEER_REVIEW_ACTION,
    peer_blocks.DECLINE_PEER_REVIEW_ACTION, plan_blocks.EDIT_PLAN_ACTION,
    review_blocks.OPEN_SELF_REVIEW_ACTION, review_blocks.OPEN_MANAGER_REVIEW_ACTION,
    calibration_blocks.RELEASE_ACTION,  # Slack asks to confirm in a dialog of its own; Teams in ours
})
# Every other Slack button: Teams has no answer for some of them yet, which is not the same as a forged one.
BUTTON_ACTIONS = frozenset({
    goal_blocks.APPROVE_ACTION, coaching_blocks.ONE_ON_ONE_ACTION,
    home_blocks.CALIBRATE_ACTION, peer_blocks.CONFIRM_PEERS_ACTION,
})
BUTTON_ACTION_PREFIXES = (f"{checkin_blocks.SNOOZE_ACTION}-", f"{digest_blocks.EXPORT_ACTION}-",
                          f"{home_blocks.PAGE_ACTION}-")
ELLIPSIS = "…"
FALLBACK_MAX = 300  # characters of the notification text; the card itself carries the message
_BUTTON_STYLES = {"primary": "positive", "danger": "destructive"}


def is_slack_action(action_id: str) -> bool:
    """Answer whether a button's action id is one of our Slack buttons' (to tell "not in Teams yet" from forged)."""
    return action_id in DIALOG_ACTIONS or action_id in BUTTON_ACTIONS or action_id.startswith(BUTTON_ACTION_PREFIXES)


def card_from_block_kit(message: Any) -> dict:
    """Turn one of our Block Kit messages (`{"text", "blocks"}`) into an Adaptive Card with the same words.

    Sections, context, headers, dividers, images and buttons (in `actions` blocks or as a section's accessory)
    are converted; anything else shows its text, or nothing. Buttons send `{"action", "value"}` back as Slack's
    action id and value do, and those that open a modal in Slack ask Teams for a dialog. Total: any input
    gives a card, never an exception, within Teams' message size.
    """
    message = message if isinstance(message, dict) else {}
    text = _string(message.get("text"))
    blocks = message.get("blocks")
    body: list[dict] = []
    separator = False
    for block in blocks if isinstance(blocks, list) else []:
        if not isinstance(block, dict):
            continue
        if block.get("type") == "divider":
            separator = True  # a line above whatever comes next
            continue
        converted = _block(block)
        if converted and separator:
            converted[0] = {**converted[0], "separator": True, "spacing": "Medium"}
            separator = False
        body += converted
    if not body:
        body = text_blocks(text) or [{"type": "TextBlock", "text": ELLIPSIS, "wrap": True}]
    fallback = plain_text(text or _first_text(body)).strip() or ELLIPSIS
    if len(fallback) > FALLBACK_MAX:
        fallback = fallback[:FALLBACK_MAX - 1].rstrip() + ELLIPSIS
    content = card([], fallback=fallback)
    budget = CARD_BUDGET_BYTES - size_of(content)
    content["body"] = within(body, budget)
    return content


def _block(block: dict) -> list[dict]:
    kind = block.get("type")
    if kind == "section":
        elements = _text_object(block.get("text"))
        fields = block.get("fields")
        for field in fields if isinstance(fields, list) else []:
            elements += _text_object(field)
        accessory = block.get("accessory")
        if isinstance(accessory, dict):
            elements += _accessory(accessory)
        return elements
    if kind == "header":
        return [{**element, "size": "Large", "weight": "Bolder"} for element in _text_object(block.get("text"))[:1]]
    if kind == "context":
        elements = block.get("elements")
        words = [_string(e.get("text")) if isinstance(e.get("text"), str) else _string(e.get("alt_text"))
                 for e in elements if isinstance(e, dict)] if isinstance(elements, list) else []
        line = "  ".join(word for word in words if word.strip())
        return [{**element, "isSubtle": True, "size": "Small"} for element in text_blocks(line)]
    if kind == "actions":
        elements = block.get("elements")
        actions = [action for e in (elements if isinstance(elements, list) else [])
                   if (action := _button(e)) is not None]
        return [{"type": "ActionSet", "actions": actions}] if actions else []
    if kind == "image":
        image = _image(block)
        return [image] if image else []
    return _text_object(block.get("text"))  # anything else: its words, if it has any


def _text_object(value: Any) -> list[dict]:
    """A Block Kit text object (mrkdwn or plain_text) as TextBlocks; a bare string counts as mrkdwn."""
    if isinstance(value, str):
        return text_blocks(value)
    if not isinstance(value, dict):
        return []
    text = _string(value.get("text"))
    if value.get("type") == "plain_text":
        return [{"type": "TextBlock", "text": line, "wrap": True} for line in text.splitlines() if line.strip()]
    return text_blocks(text)


def _accessory(accessory: dict) -> list[dict]:
    if accessory.get("type") == "image":
        image = _image(accessory)
        return [image] if image else []
    if accessory.get("type") == "overflow":
        menu = overflow_menu(accessory)
        return [menu] if menu else []
    action = _button(accessory)
    return [{"type": "ActionSet", "actions": [action]}] if action else []


def overflow_menu(element: dict) -> dict | None:
    """A Block Kit overflow menu (a goal's ⋯) as Teams' own: secondary actions, shown behind "…" on the card.

    Each option sends the menu's action id and the option's value, as Slack's overflow does.
    """
    action_id = _string(element.get("action_id"))
    options = element.get("options")
    actions = [{"type": "Action.Submit", "mode": "secondary", "title": _string(option["text"].get("text")) or ELLIPSIS,
                "data": button_data(action_id, _string(option.get("value")))}
               for option in (options if isinstance(options, list) else [])
               if isinstance(option, dict) and isinstance(option.get("text"), dict)]
    return {"type": "ActionSet", "actions": actions} if action_id and actions else None


def _button(element: Any) -> dict | None:
    """A Block Kit button as a card action: Action.OpenUrl for a link, else Action.Submit with its id and value."""
    if not isinstance(element, dict) or element.get("type") != "button":
        return None
    text = element.get("text")
    title = _string(text.get("text") if isinstance(text, dict) else text).strip() or ELLIPSIS
    url = _string(element.get("url"))
    if url.startswith(("https://", "http://")):
        return {"type": "Action.OpenUrl", "title": title, "url": url}
    action_id = _string(element.get("action_id"))
    if not action_id:
        return None
    action: dict[str, Any] = {"type": "Action.Submit", "title": title,
                              "data": button_data(action_id, _string(element.get("value")))}
    if element.get("style") in _BUTTON_STYLES:
        action["style"] = _BUTTON_STYLES[element["style"]]
    return action


def _image(block: dict) -> dict | None:
    url = _string(block.get("image_url"))
    if not url.startswith("https://"):
        return None
    return {"type": "Image", "url": url, "altText": _string(block.get("alt_text"))}


def _string(value: Any) -> str:
    """A string field's text (anything else counts as empty), with any unencodable character replaced."""
    if not isinstance(value, str):
        return ""
    try:
        value.encode()
    except UnicodeEncodeError:  # a lone surrogate: JSON for Teams cannot carry it
        return value.encode("utf-8", "replace").decode()
    return value


def _first_text(body: list[dict]) -> str:
    return next((element["text"] for element in body if element.get("type") == "TextBlock"), "")


def size_of(element: Any) -> int:
    return len(json.dumps(element, ensure_ascii=False).encode())


def within(body: list[dict], budget: int) -> list[dict]:
    """Keep the card's elements within `budget` bytes: buttons always (within half of it), words until the cut.

    At the cut the last words that fit are kept, and a "…" line says there was more.
    """
    ellipsis = {"type": "TextBlock", "text": ELLIPSIS, "wrap": True}
    buttons, spent = set(), 0
    for index, element in enumerate(body):
        if element.get("type") == "ActionSet" and spent + size_of(element) + 1 <= budget // 2:
            buttons.add(index)
            spent += size_of(element) + 1
    room = budget - spent - size_of(ellipsis) - 1
    kept: list[dict] = []
    cut = False
    for index, element in enumerate(body):
        if index in buttons:
            kept.append(element)
            continue
        if cut or element.get("type") == "ActionSet":
            continue
        size = size_of(element) + 1
        if size <= room:
            kept.append(element)
            room -= size
            continue
        cut = True
        shortened = _shortened(element, room) if element.get("type") == "TextBlock" else None
        kept += [shortened, ellipsis] if shortened else [ellipsis]
    return kept


def _shortened(block: dict, room: int) -> dict | None:
    """The TextBlock with as much of its text as fits in `room` bytes, or None when none does."""
    overhead = size_of({**block, "text": ""}) + 1
    available = room - overhead - len(ELLIPSIS.encode()) - 8  # JSON may escape a few characters of the text
    if available <= 0:
        return None
    text = block["text"].encode()[:available].decode("utf-8", "ignore")
    while text and size_of({**block, "text": text + ELLIPSIS}) + 1 > room:
        text = text[:-max(1, len(text) // 10)]
    return {**block, "text": text.rstrip() + ELLIPSIS} if text.strip() else None


# ---- Slack's modals as dialogs -------------------------------------------------------------


def form_dialog(title: str, body: list[dict], *, submit_title: str, data: dict, locale: str,
                 errors: dict[str, str] | None, style: str | None = "positive") -> dict:
    """A form as a dialog: `body`'s inputs, each error by its field, and one submit that sends `data`."""
    submit: dict[str, Any] = {"type": "Action.Submit", "title": submit_title, "data": data}
    if style:
        submit["style"] = style
    return dialog(title, card(with_errors(body, modal_errors(errors or {}, locale)), fallback=title,
                              actions=[submit]))
PEOPLE_PICKERS = ("multi_users_select", "users_select")


def dialog_from_modal(modal: dict, *, data: dict, locale: str, values: dict[str, str | None] | None = None,
                      errors: dict[str, str] | None = None, people: Sequence[tuple[str, str]] = (),
                      title: str | None = None, words: dict[str, str] | None = None) -> dict:
    """Slack's modal as a dialog, input for input in the same words; its submit sends `data` and the fields.

    Each input's id is its block id, as Slack's view state names it. Slack's people pickers become a choice among
    `people` ((name, value) pairs); `values` (what was sent, or the starting values) replace the modal's own.
    `errors` are error names by field; `words`, errors already in words (with the line they are on, say).
    """
    body: list[dict] = []
    for block in modal.get("blocks", []):
        kind = block.get("type")
        if kind == "input":
            element = _modal_input(block, people=people, value=(values or {}).get(block.get("block_id", "")),
                                   kept=values is not None and block.get("block_id") in values)
            if element is not None:
                body.append(element)
        else:
            body += _block(block)
    shown = title or _string((modal.get("title") or {}).get("text"))
    submit = {"type": "Action.Submit", "title": _string((modal.get("submit") or {}).get("text")) or shown,
              "style": "positive", "data": data}
    shown_errors = {**modal_errors(errors or {}, locale), **(words or {})}
    return dialog(shown, card(with_errors(body, shown_errors), fallback=shown, actions=[submit]))


def _modal_input(block: dict, *, people: Sequence[tuple[str, str]], value: str | None, kept: bool) -> dict | None:
    field = block.get("block_id", "")
    element = block.get("element") or {}
    text = _string((block.get("label") or {}).get("text"))
    required = not block.get("optional", False)
    kind = element.get("type")
    if kind == "plain_text_input":
        given = value if kept else element.get("initial_value")
        return text_input(field, text, value=given, required=required, max_length=element.get("max_length"),
                          multiline=bool(element.get("multiline")),
                          placeholder=_string((block.get("hint") or element.get("placeholder") or {}).get("text")))
    if kind == "datepicker":
        return {**date_input(field, text, value=value if kept else element.get("initial_date")),
                **({"isRequired": True} if required else {})}
    if kind in ("static_select", "checkboxes", "radio_buttons"):
        options = [(_string(o["text"]["text"]), _string(o["value"])) for o in element.get("options", [])]
        if kept:
            given = value
        elif kind == "checkboxes":
            given = ",".join(o["value"] for o in element.get("initial_options", []))
        else:
            given = (element.get("initial_option") or {}).get("value")
        choice = choice_input(field, text, options, value=given, required=required)
        if kind == "checkboxes":
            choice.update({"isMultiSelect": True, "style": "expanded"})
        return choice
    if kind in PEOPLE_PICKERS:
        choice = choice_input(field, text, list(people), value=value, required=required,
                              placeholder=_string((element.get("placeholder") or {}).get("text")) or None)
        if kind == "multi_users_select":
            choice["isMultiSelect"] = True
        return choice
    return None


def form_fields(data: Any, names: Sequence[str], *, limit: int = 5000) -> tuple[dict[str, str | None], dict[str, str]]:
    """Read a dialog's fields (forgeable): the named ones that are text, cut at `limit`; any other kind is an error."""
    values: dict[str, str | None] = {}
    errors: dict[str, str] = {}
    for name in names:
        value = data.get(name) if isinstance(data, dict) else None
        if value is None or isinstance(value, str):
            values[name] = value[:limit] if value else value
        else:
            errors[name] = "invalid"
    return values, errors
