"""Reading across languages: a check-in or feedback written in another language than the reader's, translated.

A surface shows a "Translate" button beside a check-in shown to a manager (the Monday agenda) and beside feedback
shown to the employee, when the text's language (its share of CJK characters) is not the reader's and a model is
configured with the `translation` feature on; no model, no button. `translate` sends the model that one record's
visible text (never private notes, never a name) and answers with the text in the reader's language, marked as
machine-translated; `original` shows the record as written, with no model call. Each call is in the call log.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from sqlmodel import Session

from actions import assistant
from actions.assistant import TRANSLATION, Assistant, Question
from actions.outcome import Asked, Outcome
from storage.models import TEXT_MAX, CheckIn, Person, Review, ReviewKind, Visibility
from storage.permissions import can_view_person

CHECKIN, FEEDBACK = "checkin", "feedback"
PARTS = {CHECKIN: ("highlights", "blockers", "help_needed"), FEEDBACK: ("went_well", "to_improve")}
REFUSED = "translation"  # the refusal's key; its code is NOT_FOUND or OFF
NOT_FOUND, OFF = "not_found", "assistant_off"
CJK_SHARE = 0.3  # of the letters: text this Chinese (or Japanese, Korean) reads as zh-CN
FAILED = "translation_failed"  # the notice (a label) when the model did not translate

_CJK = ((0x3040, 0x30FF), (0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xAC00, 0xD7AF), (0xF900, 0xFAFF),
        (0x20000, 0x2FA1F))


def language_of(text: str | None) -> str | None:
    """The text's language as a locale: zh-CN when CJK_SHARE of its letters are CJK, en otherwise; None: no letters."""
    letters = [char for char in text or "" if char.isalpha()]
    if not letters:
        return None
    cjk = sum(1 for char in letters if any(low <= ord(char) <= high for low, high in _CJK))
    return "zh-CN" if cjk / len(letters) >= CJK_SHARE else "en"


def foreign(texts: Iterable[str | None], reader_locale: str) -> bool:
    """Answer whether the texts, read together, are in another language than the reader's."""
    language = language_of(" ".join(text for text in texts if text))
    return language is not None and language != reader_locale


def offered(assistant_: Assistant | None) -> bool:
    """Answer whether a Translate button is shown at all: a model is configured and the feature is on."""
    return assistant_ is not None and assistant_.model is not None and assistant_.on(TRANSLATION)


def button_value(kind: str, record_id: int) -> str:
    return f"{kind}:{record_id}"


@dataclass(frozen=True)
class Shown:
    """A record's text as the reader sees it after a click: translated (machine-translated) or as written."""

    kind: str
    record_id: int
    author: str  # whose words: the report of a check-in, the manager who wrote the feedback
    week: str
    parts: tuple[tuple[str, str], ...]  # (part, text) in the order written
    translated: bool
    notice: str | None = None  # a label name: why the text is not translated after all


def translate(session: Session, asked: Asked, *, value: object, assistant_: Assistant | None) -> Outcome:
    """Translate one record the reader may see into the reader's language; the original if the model fails."""
    if not offered(assistant_):
        return Outcome.refused({REFUSED: OFF})
    shown = _readable(session, asked.person, value)
    if shown is None:
        return Outcome.refused({REFUSED: NOT_FOUND})
    answer = assistant.ask(session, assistant_, asked.person, _question(shown, asked.locale), now=asked.now)
    if answer.outcome != assistant.OK:
        return Outcome.done(value=replace(shown, notice=FAILED))
    translated = _translated(answer.text or "", shown)
    if not translated:
        answer.call.outcome = assistant.JUNK
        return Outcome.done(value=replace(shown, notice=FAILED))
    return Outcome.done(value=replace(shown, parts=translated, translated=True))


def original(session: Session, asked: Asked, *, value: object) -> Outcome:
    """The record as written, for "Show original": nothing is sent anywhere."""
    shown = _readable(session, asked.person, value)
    return Outcome.refused({REFUSED: NOT_FOUND}) if shown is None else Outcome.done(value=shown)


def _readable(session: Session, reader: Person, value: object) -> Shown | None:
    """The record a button names (forgeable: `kind:id`), if the reader may see it; its visible parts only."""
    kind, _, raw_id = str(value or "").partition(":")
    if kind not in PARTS or not raw_id.isdigit() or int(raw_id) > 2**31 - 1:
        return None
    if kind == CHECKIN:
        checkin = session.get(CheckIn, int(raw_id))
        subject = session.get(Person, checkin.person_id) if checkin else None
        if checkin is None or subject is None or not can_view_person(session, reader, subject):
            return None
        parts = tuple((part, getattr(checkin, part)) for part in PARTS[CHECKIN] if (getattr(checkin, part) or "")
                      .strip())
        return Shown(CHECKIN, checkin.id, subject.name, checkin.week, parts, translated=False)
    review = session.get(Review, int(raw_id))
    if (review is None or review.kind != ReviewKind.WEEKLY_FEEDBACK or review.visibility != Visibility.SUBJECT
            or review.submitted_at is None or reader.id not in (review.subject_id, review.author_id)):
        return None
    author = session.get(Person, review.author_id)
    answers = review.answers or {}  # the answers shown to the employee; the private notes are another column
    parts = tuple((part, answers[part]) for part in PARTS[FEEDBACK] if isinstance(answers.get(part), str)
                  and answers[part].strip())
    return Shown(FEEDBACK, review.id, author.name if author else "", review.period or "", parts, translated=False)


_INSTRUCTIONS = """Translate the value of each key of the JSON object given into {language}. Keep names, numbers \
and product terms as they are; add, drop or explain nothing. Answer with one JSON object with the same keys."""

_LANGUAGES = {"en": "English", "zh-CN": "Simplified Chinese (简体中文)"}


def _question(shown: Shown, locale: str) -> Question:
    ref = f"checkin:{shown.record_id}" if shown.kind == CHECKIN else f"review:{shown.record_id}"
    system = _INSTRUCTIONS.format(language=_LANGUAGES.get(locale, "English"))
    user = json.dumps(dict(shown.parts), ensure_ascii=False)
    return Question(feature=TRANSLATION, record_ids=[ref],
                    messages=[{"role": "system", "content": system}, {"role": "user", "content": user}])


def _translated(text: str, shown: Shown) -> tuple[tuple[str, str], ...]:
    """The answer's translation of each part sent, in the original order; () when it answered no part."""
    first, last = text.find("{"), text.rfind("}")
    try:
        data = json.loads(text[first:last + 1]) if 0 <= first < last else {}
    except ValueError:
        data = {}
    if not isinstance(data, dict):
        return ()
    parts = []
    for part, written in shown.parts:
        value = data.get(part)
        parts.append((part, value.strip()[:TEXT_MAX] if isinstance(value, str) and value.strip() else written))
    return tuple(parts) if any(isinstance(data.get(part), str) and data[part].strip() for part, _ in shown.parts) \
        else ()


def translatable_checkins(agenda: Any, locale: str, assistant_: Assistant | None) -> frozenset[int]:
    """The agenda's check-ins written in another language than the manager's: each gets a Translate button."""
    if not offered(assistant_):
        return frozenset()
    return frozenset(report.checkin.id for report in agenda.reports if report.checkin is not None and foreign(
        (getattr(report.checkin, part) for part in PARTS[CHECKIN]), locale))
