"""Block Kit for the assistant's messages: the agenda's three lines, and a record translated or as written."""

from __future__ import annotations

from typing import Any

from prompts.render import label, mrkdwn_escape

TRANSLATE_ACTION = "ai_translate"  # value: actions.translation.button_value(kind, id)
ORIGINAL_ACTION = "ai_show_original"  # the same value
TRANSLATION_BLOCK = "translation"  # the buttons of our own answer: a click there replaces that answer
SUMMARY_BLOCK = "agenda_summary"
TEXT_MAX = 3000


def _plain(text: str) -> dict:
    return {"type": "plain_text", "text": text, "emoji": True}


def translate_button(value: str, *, locale: str) -> dict:
    """The "Translate" button beside text written in another language than the reader's."""
    return {"type": "button", "action_id": TRANSLATE_ACTION, "value": value,
            "text": _plain(label("translate_button", locale))}


def agenda_summary(summary: Any, *, locale: str) -> dict:
    """The agenda's opening: who needs attention and why (each line with its citations), and how it was made."""
    lines = [f"• {mrkdwn_escape(line)}" for line in summary.lines] or [label("agenda_summary_none", locale)]
    text = "\n".join([label("agenda_summary_title", locale), *lines])[:TEXT_MAX]
    note = label(summary.note, locale)
    return {"text": f"{text}\n{note}", "blocks": [
        {"type": "section", "block_id": SUMMARY_BLOCK, "text": {"type": "mrkdwn", "text": text}},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": note}]},
    ]}


def translation(shown: Any, *, locale: str) -> dict:
    """A record's text after a click: translated and marked so, with "Show original"; or as written, with
    "Translate" (and why it is not translated, when the model failed)."""
    title = label("translation_title", locale, kind=shown.kind, name=mrkdwn_escape(shown.author), week=shown.week)
    body = "\n".join(f"*{label('translation_part', locale, part=part)}*\n{mrkdwn_escape(text)}"
                     for part, text in shown.parts)
    text = f"{title}\n{body}"[:TEXT_MAX]
    if shown.translated:
        note = label("translation_marked", locale, name=mrkdwn_escape(shown.author))
        button = {"type": "button", "action_id": ORIGINAL_ACTION, "value": _value(shown),
                  "text": _plain(label("show_original_button", locale))}
    else:
        note = label(shown.notice or "translation_original", locale, name=mrkdwn_escape(shown.author))
        button = translate_button(_value(shown), locale=locale)
    return {"text": f"{text}\n{note}", "blocks": [
        {"type": "section", "text": {"type": "mrkdwn", "text": text}},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": note}]},
        {"type": "actions", "block_id": TRANSLATION_BLOCK, "elements": [button]},
    ]}


def _value(shown: Any) -> str:
    return f"{shown.kind}:{shown.record_id}"


SWITCH_ACTION = "ai_switch_feature"  # value: "<feature>:on" or "<feature>:off", what pressing it does
SETTINGS_BLOCK = "assistant_settings"


def settings(rows: Any, *, locale: str) -> dict:
    """HR's view of the assistant: each feature, on or off, what it sends, and a button to switch it; a feature the
    operator left out is shown "off by the operator", with no button. `rows`: (feature, state) in order."""
    blocks: list[dict] = [{"type": "section", "block_id": SETTINGS_BLOCK,
                           "text": {"type": "mrkdwn", "text": label("assistant_settings_title", locale)}}]
    lines = [label("assistant_settings_title", locale)]
    for feature, state in rows:
        name, shown = label("assistant_feature", locale, feature=feature), label("assistant_state", locale, state=state)
        line = f"*{name}* · {shown}\n{label('assistant_feature_sends', locale, feature=feature)}"
        lines.append(f"{name}: {shown}")
        section: dict = {"type": "section", "block_id": f"{SETTINGS_BLOCK}:{feature}",
                         "text": {"type": "mrkdwn", "text": line}}
        if state in ("on", "off"):
            switch_on = state == "off"
            section["accessory"] = {"type": "button", "action_id": SWITCH_ACTION,
                                    "value": f"{feature}:{'on' if switch_on else 'off'}",
                                    "text": _plain(label("assistant_switch_button", locale, on=switch_on))}
        blocks.append(section)
    blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": label("assistant_operator_note",
                                                                                   locale)}]})
    return {"text": "\n".join(lines), "blocks": blocks}
