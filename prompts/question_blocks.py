"""Block Kit for custom check-in questions: the list's modal, its errors by line, the questions asked and answered."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from prompts.blocks import markdown_message
from prompts.render import label, mrkdwn_escape

QUESTIONS_VIEW = "questions_submit"
QUESTIONS_FIELD = "questions"
LIST_MAX = 3000  # a plain_text_input's limit: ten questions of two ~100-character wordings fit
SCALE = ("1", "2", "3", "4", "5")
YES_NO = ("yes", "no")
ANSWER_MAX = 1000


def _plain(text: str) -> dict:
    return {"type": "plain_text", "text": text, "emoji": True}


def _option(text: str, value: str) -> dict:
    return {"text": _plain(text[:75]), "value": value}


def scope_title(kind: str, name: str, locale: str) -> str:
    return label(f"questions_scope_{kind}", locale, name=name)


def questions_modal(*, scope_key: str, scope_kind: str, scope_name: str, source: str, locale: str) -> dict:
    """The list of a team or plan in one multiline input, as text to edit (errors come back by line)."""
    element: dict = {"type": "plain_text_input", "action_id": QUESTIONS_FIELD, "multiline": True,
                     "max_length": LIST_MAX}
    if source:
        element["initial_value"] = source[:LIST_MAX]
    return {
        "type": "modal",
        "callback_id": QUESTIONS_VIEW,
        "private_metadata": json.dumps({"scope": scope_key}),
        "title": _plain(label("questions_modal_title", locale)[:24]),
        "submit": _plain(label("submit", locale)),
        "close": _plain(label("cancel", locale)),
        "blocks": [{"type": "input", "block_id": QUESTIONS_FIELD, "optional": True,
                    "label": _plain(scope_title(scope_kind, scope_name, locale)[:2000]),
                    "hint": _plain(label("questions_hint", locale)), "element": element}],
    }


def error_lines(errors: Sequence[Any], locale: str) -> str:
    """Each problem of a refused list on its own line: "line 3: unknown answer type 'stars' (text, 1-5, yes/no)"."""
    return "\n".join(label("question_line", locale, line=error.line,
                           problem=label(f"question_error_{error.code}", locale, **dict(error.detail)))
                     for error in errors)


def saved(*, count: int, scope_kind: str, scope_name: str, locale: str) -> dict:
    scope = mrkdwn_escape(scope_title(scope_kind, scope_name, locale))
    return markdown_message(label("questions_saved", locale, count=count, scope=scope))


# --- asked in the check-in ---------------------------------------------------------------------


def answer_inputs(questions: Sequence[Any], answers: dict[str, str], *, locale: str) -> list[dict]:
    """One optional input per question, in the person's language: text, a 1-5 select, or yes/no buttons."""
    blocks = []
    for question in questions:
        block_id = f"q:{question.id}"
        given = answers.get(question.id)
        if question.type == "text":
            element: dict = {"type": "plain_text_input", "action_id": "answer", "multiline": True,
                             "max_length": ANSWER_MAX}
            if given:
                element["initial_value"] = given
        else:
            options = [_option(value, value) for value in SCALE] if question.type == "1-5" else \
                [_option(label(f"answer_{value}", locale), value) for value in YES_NO]
            element = {"type": "static_select" if question.type == "1-5" else "radio_buttons",
                       "action_id": "answer", "options": options}
            chosen = next((option for option in options if option["value"] == given), None)
            if chosen is not None:
                element["initial_option"] = chosen
        blocks.append({"type": "input", "block_id": block_id, "optional": True,
                       "label": _plain(question.text(locale)[:2000]), "element": element})
    return blocks


def shown_value(answer_type: str, value: str, locale: str) -> str:
    """An answer as a reader sees it: 4/5, Yes, or the text."""
    if answer_type == "1-5":
        return f"{value}/5"
    if answer_type == "yes/no":
        return label(f"answer_{value}", locale) if value in YES_NO else value
    return value


def answer_lines(answers: Sequence[Any], *, locale: str, clip: int = 280) -> str:
    """The answers of a check-in as mrkdwn lines: each question as asked, then the answer."""
    lines = []
    for answer in answers:
        value = " ".join(shown_value(answer.answer_type, answer.value, locale).split())
        value = value if len(value) <= clip else value[: clip - 1] + "…"
        lines.append(label("checkin_answer_line", locale, question=mrkdwn_escape(answer.question),
                           value=mrkdwn_escape(value)))
    return "\n".join(lines)
