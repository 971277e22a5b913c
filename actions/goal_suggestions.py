"""Suggest a measurable version of a vague goal: the model's rewrite, checked like a goal, or the SMART coach's recipe.

`suggest_goal` is the "Suggest a measurable version" button of the SMART coach's confirm step, on every surface.
It never saves: its outcome's value is a `Suggestion`, the whole form again for the surface to show, with the
assistant's title, metric, unit, start, target and due date in place when the model gave a version that passes
the same checks as a goal (storage.goals.validate, a number to reach, a due date after today). Without a model,
with the feature off, or when the model is slow, down, over the day's budget or answers something unusable, the
form comes back as typed with the coach's recipe applied to the person's own words.

What is sent is the minimum: the title, description and due date the person typed, the title of the goal they
chose to support, today's date and the language to answer in. Never a name, an e-mail or any other record.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session

from actions import assistant
from actions.assistant import Assistant, Question, json_object
from actions.goals import FORM_FIELDS, goal_input
from actions.outcome import Asked, Outcome
from prompts.goal_blocks import plain_number
from prompts.render import label
from storage import goals, people
from storage.models import Goal, GoalLevel
from storage.parsing import iso_date, record_id
from storage.permissions import PermissionDenied

# The fields the model proposes, of the new-goal form's FORM_FIELDS.
SUGGESTED = ("title", "metric", "unit", "start", "target", "due_date")
SENT_MAX = 1000  # characters of the typed description sent

# Words a vague goal starts with: the rest is what to measure; the first group goes down, the second up.
_DOWN = ("reduce", "decrease", "cut", "lower", "降低", "减少", "缩短")
_UP = ("improve", "increase", "raise", "grow", "boost", "enhance", "better", "提高", "提升", "改善", "增加", "增强",
       "优化", "加强")


@dataclass(frozen=True)
class Suggestion:
    """The form to show again (every field, as text) and the notice above it, in the asker's language.

    `suggested`: the model's version is in the fields; otherwise they are as typed and the notice is the recipe.
    """

    values: dict[str, str | None]
    notice: str
    suggested: bool = False


def suggest_goal(session: Session, asked: Asked, *, form: Mapping[str, str | None],
                 assistant_: Assistant | None) -> Outcome:
    """Propose a measurable rewrite of the typed goal; save nothing but the call log."""
    typed = {name: _text(form.get(name)) for name in FORM_FIELDS}
    today = people.local_today(asked.person, now=asked.now, default_zone=asked.default_zone)
    parent = _parent(session, asked, typed)
    if assistant_ is None or assistant_.model is None or not assistant_.on(assistant.GOAL_SUGGESTIONS):
        return Outcome.done(value=_recipe(typed, asked.locale))
    answer = assistant.ask(session, assistant_, asked.person, _question(typed, parent, today, asked.locale),
                           now=asked.now)
    if answer.outcome != assistant.OK:
        return Outcome.done(value=_recipe(typed, asked.locale, failed=True))
    try:
        values = _checked(session, asked, typed, answer.text or "", today)
    except PermissionDenied:  # a level the person may not use: only a forged form sends one
        return Outcome.refused({"title": "not_allowed"})
    if values is None:
        answer.call.outcome = assistant.JUNK
        return Outcome.done(value=_recipe(typed, asked.locale, failed=True))
    return Outcome.done(value=Suggestion(values, label("goal_suggested", asked.locale), suggested=True))


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _parent(session: Session, asked: Asked, typed: dict[str, str | None]) -> Goal | None:
    """The goal the person chose to support, when they may choose it (a forged id names none)."""
    parent_id = record_id(typed.get("parent_id"))
    if parent_id is None:
        return None
    try:
        level = GoalLevel(typed.get("level") or GoalLevel.INDIVIDUAL.value)
    except ValueError:
        return None
    return next((goal for goal in goals.visible_parent_choices(session, asked.person, level=level)
                 if goal.id == parent_id), None)


# ---- with a model -----------------------------------------------------------------------------------------

_INSTRUCTIONS = """You help someone rewrite a vague work goal as a measurable (SMART) one, keeping what they \
meant. From their words, and the goal it supports when one is given, propose:
- "title": the goal in one line (at most 150 characters) naming the number to reach and the date;
- "metric": what is counted (at most 100 characters);
- "unit": the unit of the numbers (at most 20 characters: %, customers, days, or "" for a plain count);
- "start" and "target": plain numbers, different from each other;
- "due_date": YYYY-MM-DD, after {today} (keep theirs when they gave one after it).
Never invent people, names or another goal. Write {language}.
Answer with one JSON object with exactly those keys."""

_LANGUAGES = {"en": "in English", "zh-CN": "in Simplified Chinese (简体中文)"}


def _question(typed: dict[str, str | None], parent: Goal | None, today: date, locale: str) -> Question:
    system = _INSTRUCTIONS.format(today=today.isoformat(), language=_LANGUAGES.get(locale, "in English"))
    sent = {"title": (typed.get("title") or "").strip(),
            "description": (typed.get("description") or "").strip()[:SENT_MAX],
            "due_date": (typed.get("due_date") or "").strip(),
            "supports": parent.title if parent else "",
            "today": today.isoformat()}
    return Question(feature=assistant.GOAL_SUGGESTIONS, record_ids=[f"goal:{parent.id}"] if parent else [],
                    messages=[{"role": "system", "content": system},
                              {"role": "user", "content": json.dumps(sent, ensure_ascii=False)}])


def _checked(session: Session, asked: Asked, typed: dict[str, str | None], text: str,
             today: date) -> dict[str, str | None] | None:
    """The form with the model's fields in place, when they pass a goal's checks with a number and a later date."""
    answer = json_object(text)
    proposed: dict[str, str | None] = {}
    for name in SUGGESTED:
        value = answer.get(name)
        if isinstance(value, bool) or not isinstance(value, str | int | float | type(None)):
            return None
        proposed[name] = None if value is None else str(value).strip()
    if not proposed["title"] or not proposed["target"]:
        return None
    proposed["due_date"] = proposed["due_date"] or typed.get("due_date")
    merged = {**typed, **proposed}
    validation = goals.validate(session, asked.person, goal_input(merged), today=today)
    draft = validation.draft
    if draft is None and validation.errors.keys() & set(SUGGESTED):
        return None
    if draft is None:  # only what the person typed is wrong (a parent gone since): show the version anyway
        return merged if _due_after(merged.get("due_date"), today) else None
    if goals.NO_NUMBER in validation.warnings or draft.due_date <= today:
        return None
    return {**merged, "title": draft.title, "metric": draft.metric, "unit": draft.unit,
            "start": plain_number(draft.start_value), "target": plain_number(draft.target_value),
            "due_date": draft.due_date.isoformat()}


def _due_after(text: str | None, today: date) -> bool:
    try:
        due = iso_date(text)
    except ValueError:
        return False
    return due is not None and due > today


# ---- without one: the SMART coach's recipe in the person's words ------------------------------------------


def _recipe(typed: dict[str, str | None], locale: str, *, failed: bool = False) -> Suggestion:
    """The form as typed, and "Increase <metric> from <start> to <target> by <date>" with the parts they gave."""
    title = (typed.get("title") or "").strip()
    verb, rest = _verb_of(title)
    metric = (typed.get("metric") or "").strip() or rest
    unit = (typed.get("unit") or "").strip()
    suffix = unit if unit.startswith("%") else (f" {unit}" if unit else "")
    try:
        due = iso_date(typed.get("due_date"))
    except ValueError:
        due = None
    guide = label("goal_suggest_guide", locale,
                  verb=label(f"goal_suggest_{verb}", locale),
                  metric=metric or label("goal_suggest_what", locale),
                  start=f"{_number(typed.get('start')) or label('goal_suggest_start', locale)}{suffix}",
                  target=f"{_number(typed.get('target')) or label('goal_suggest_target', locale)}{suffix}",
                  due=label("date", locale, d=due) if due else label("goal_suggest_due", locale))
    notice = f"{label('goal_suggest_unavailable', locale)} {guide}" if failed else guide
    return Suggestion(dict(typed), notice)


def _verb_of(title: str) -> tuple[str, str]:
    """Whether the goal goes up or down, and what it is about with the vague verb taken off."""
    folded = unicodedata.normalize("NFKC", title)
    for verb, words in (("reduce", _DOWN), ("increase", _UP)):
        for word in words:
            match = re.match(rf"\s*{re.escape(word)}(?:\s+|(?=[^\x00-\x7f]))(.+)", folded, re.IGNORECASE)
            if match:
                return verb, match[1].strip()
    return "increase", title


def _number(text: str | None) -> str | None:
    """A typed number as typed, when it is one."""
    if not text or not text.strip():
        return None
    try:
        goals.parse_number(text)
    except ValueError:
        return None
    return text.strip()
