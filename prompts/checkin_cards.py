"""Teams cards and dialogs for the weekly check-in and a manager's reply, beside checkin_blocks."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from prompts import (
    checkin_blocks,
    question_blocks,
    warning_cards,
)
from prompts.adaptive import (
    SHORT_MAX,
    button_data,
    card,
    choice_input,
    dialog,
    size_of,
    text_card,
    text_input,
    with_errors,
)
from prompts.goal_blocks import modal_errors, number, plain_number
from prompts.render import label

SUBMIT_CHECKIN = checkin_blocks.CHECKIN_VIEW
SUBMIT_REPLY = checkin_blocks.REPLY_VIEW
CHECKIN_TEXT_FIELDS = ("highlights", "blockers", "help_needed")
CHECKIN_FIELDS = ("week", "confidence", *CHECKIN_TEXT_FIELDS, checkin_blocks.ACTIONS_DONE_FIELD)
_GOAL_FIELD = re.compile(r"^goal:([0-9]{1,18}):(value|status|same)$")
DIALOG_BUDGET_BYTES = 27 * 1024  # Teams refuses a card over 28 KB; room for the dialog's envelope
TITLE_SHORTENED = (60, 24)  # goal titles' lengths tried, in turn, when a full week does not fit
_BLOCKER_FIELD = re.compile(rf"^{checkin_blocks.BLOCKER_FIELD_PREFIX}[0-9]{{1,18}}$")


def goal_field(goal_id: int, part: str) -> str:
    """The id of a goal's input in the check-in dialog: `goal:<id>:value` or `goal:<id>:status`, as in Slack."""
    return f"goal:{goal_id}:{part}"


def parse_goal_field(field: str) -> tuple[str, str] | None:
    """Return (goal id, "value", "status" or "same") for a goal input's id, else None."""
    match = _GOAL_FIELD.match(field)
    return (match[1], match[2]) if match else None


def is_follow_up_field(field: str) -> bool:
    """Answer whether a field answers one of last week's blockers (`blocker:<alert id>`)."""
    return _BLOCKER_FIELD.match(field) is not None


def checkin_button_card(*, week: str, locale: str) -> dict:
    """`checkin`: the week it is, and the button that opens the check-in dialog (a bot cannot open one unasked)."""
    button = {"type": "Action.Submit", "title": label("check_in_now", locale), "style": "positive",
              "data": button_data(checkin_blocks.OPEN_CHECKIN_ACTION)}
    text = f"*{label('checkin_modal_title', locale)}*\n{label('checkin_this_week', locale, week=week)}"
    return text_card(text, actions=[button])


def checkin_values(goals: Sequence[Any], *, existing: Any | None, existing_progress: dict[int, Any],
                   follow_ups: Any | None = None) -> dict[str, str]:
    """The dialog's starting values: each goal's value and status, and what this week's check-in said, as Slack's;
    a new check-in's blockers carry the newest blocker still open (`follow_ups`)."""
    values = {"confidence": str(existing.confidence) if existing is not None and existing.confidence else ""}
    for name in CHECKIN_TEXT_FIELDS:
        values[name] = (getattr(existing, name) or "") if existing is not None else ""
    if existing is None and follow_ups is not None:
        values["blockers"] = follow_ups.prefill_blockers() or ""
    for goal in goals[:checkin_blocks.GOALS_IN_MODAL]:
        reported = existing_progress.get(goal.id)
        status = reported.status if reported is not None else goal.status
        values[goal_field(goal.id, "value")] = plain_number(reported.value if reported is not None else
                                                            goal.current_value)
        values[goal_field(goal.id, "status")] = status if status in checkin_blocks.STATUSES else \
            checkin_blocks.STATUSES[0]
    return values


def checkin_dialog(goals: Sequence[Any], *, weeks: Sequence[Any], values: dict[str, str | None], locale: str,
                   errors: dict[str, str] | None = None, follow_ups: Any | None = None,
                   flags: Sequence[Any] = (), questions: Sequence[Any] = ()) -> dict:
    """The weekly check-in as a dialog: Slack's modal, field for field; after a refused submit, errors by field.

    `weeks` are the open weeks (`.week`, `.late`), the one to show first first; `values` come from
    `checkin_values`, or are what was submitted.
    """
    body: list[dict] = []
    if len(weeks) > 1:
        choices = [(label("checkin_last_week" if w.late else "checkin_this_week", locale, week=w.week), w.week)
                   for w in weeks]
        body.append(choice_input("week", label("checkin_week", locale), choices,
                                 value=values.get("week") or weeks[0].week,
                                 required=True))
    if follow_ups is not None:
        body += follow_up_inputs(follow_ups, values=values, locale=locale)
    # Goals flagged by an early warning ("Is this target still right?") are asked about here, before the goals.
    body += warning_cards.target_questions(flags, values=values, locale=locale)
    goals_at = len(body)
    body += _goal_inputs(goals, values=values, locale=locale)
    goals_end = len(body)
    body += question_inputs(questions, values=values, locale=locale)  # the team's and plan's own, after the goals
    confidence = choice_input("confidence", label("checkin_confidence", locale),
                              [(label(f"confidence_{n}", locale), str(n)) for n in range(1, 6)],
                              value=values.get("confidence"), required=True)
    confidence["style"] = "expanded"
    body += [
        confidence,
        text_input("highlights", checkin_blocks.highlights_question(weeks[0].week if weeks else "", locale),
                   value=values.get("highlights"), multiline=True,
                   max_length=checkin_blocks.FORM_TEXT_MAX),
        text_input("blockers", label("checkin_blockers", locale), value=values.get("blockers"), multiline=True,
                   max_length=checkin_blocks.FORM_TEXT_MAX),
        text_input("help_needed", label("checkin_help", locale), value=values.get("help_needed"), multiline=True,
                   max_length=checkin_blocks.FORM_TEXT_MAX),
    ]
    data: dict[str, Any] = {"action": SUBMIT_CHECKIN}
    if len(weeks) == 1:
        data["week"] = weeks[0].week  # no choice to make: the week travels with the submit, like private_metadata
    submit = {"type": "Action.Submit", "title": label("submit", locale), "data": data}
    title = label("checkin_modal_title", locale)
    content = card(with_errors(body, modal_errors(errors or {}, locale)), fallback=title, actions=[submit])
    # Everything a week can ask (twenty goals with long titles, last week's follow-ups, early warnings, ten custom
    # questions) may not fit in what Teams accepts: the goals' titles are shortened, never a field dropped.
    for title_max in TITLE_SHORTENED:
        if size_of(content) <= DIALOG_BUDGET_BYTES:
            break
        body[goals_at:goals_end] = _goal_inputs(goals, values=values, locale=locale, title_max=title_max)
        content = card(with_errors(body, modal_errors(errors or {}, locale)), fallback=title, actions=[submit])
    return dialog(title, content)


def _goal_inputs(goals: Sequence[Any], *, values: dict[str, str | None], locale: str,
                 title_max: int | None = None) -> list[dict]:
    """Each goal's value, "no change" and status; Slack's hint (start → target) goes in the value's label."""
    body: list[dict] = []
    for goal in goals[:checkin_blocks.GOALS_IN_MODAL]:
        unit = f" {goal.unit}" if goal.unit else ""
        title = goal.title if title_max is None else checkin_blocks.shortened(goal.title, title_max)
        body += [
            text_input(goal_field(goal.id, "value"),
                       f"{title} ({number(goal.start_value)} → {number(goal.target_value)}{unit})",
                       value=values.get(goal_field(goal.id, "value")), max_length=SHORT_MAX),
            _no_change_toggle(goal.id, values=values, locale=locale),
            choice_input(goal_field(goal.id, "status"), label("checkin_goal_status", locale),
                         [(label(f"status_{status}", locale), status) for status in checkin_blocks.STATUSES],
                         value=values.get(goal_field(goal.id, "status"))),
        ]
    return body


def follow_up_inputs(follow_ups: Any, *, values: dict[str, str | None], locale: str) -> list[dict]:
    """Slack's follow-ups as inputs: a blocker's resolved / still blocked, and a tick per action item due."""
    blockers, actions = checkin_blocks.follow_up_choices(follow_ups, locale=locale)
    body = []
    for attention_id, question, answers in blockers:
        field = f"{checkin_blocks.BLOCKER_FIELD_PREFIX}{attention_id}"
        body.append({**choice_input(field, question, answers, value=values.get(field)), "style": "expanded"})
    if actions:
        field = checkin_blocks.ACTIONS_DONE_FIELD
        body.append({**choice_input(field, label("checkin_actions_due", locale), actions, value=values.get(field)),
                     "style": "expanded", "isMultiSelect": True})
    return body


def _no_change_toggle(goal_id: int, *, values: dict[str, str | None], locale: str) -> dict:
    """"No change since last week": ticked, the goal keeps its value and status (Slack's checkbox)."""
    field = goal_field(goal_id, checkin_blocks.NO_CHANGE)
    # Teams' own "true"/"false" and a short title: twenty of these must fit beside the goals in one message.
    toggle = {"type": "Input.Toggle", "id": field, "title": label("checkin_no_change_short", locale)}
    if values.get(field) == checkin_blocks.NO_CHANGE_ON:
        toggle["value"] = checkin_blocks.NO_CHANGE_ON
    return toggle


def reply_dialog(*, checkin_id: int, name: str, locale: str, value: str | None = None,
                 errors: dict[str, str] | None = None) -> dict:
    """A manager's reply to a blocker alert: Slack's reply modal as a dialog."""
    body = [text_input("reply", label("reply_text", locale, name=name), value=value, required=True, multiline=True,
                       max_length=checkin_blocks.FORM_TEXT_MAX)]
    submit = {"type": "Action.Submit", "title": label("send", locale),
              "data": {"action": SUBMIT_REPLY, "checkin_id": checkin_id}}
    title = label("reply_modal_title", locale)
    return dialog(title, card(with_errors(body, modal_errors(errors or {}, locale)), fallback=title,
                              actions=[submit]))


def question_inputs(questions: Sequence[Any], *, values: dict[str, str | None], locale: str) -> list[dict]:
    """The custom questions as Slack's modal asks them (question_blocks.answer_inputs): text, 1-5, or yes/no."""
    inputs = []
    for question in questions:
        field = f"q:{question.id}"
        if question.type == "text":
            inputs.append(text_input(field, question.text(locale), value=values.get(field), multiline=True,
                                     max_length=question_blocks.ANSWER_MAX))
            continue
        choices = [(value, value) for value in question_blocks.SCALE] if question.type == "1-5" else \
            [(label(f"answer_{value}", locale), value) for value in question_blocks.YES_NO]
        element = choice_input(field, question.text(locale), choices, value=values.get(field))
        if question.type == "yes/no":
            element["style"] = "expanded"
        inputs.append(element)
    return inputs


def answer_values(answers: dict[str, str]) -> dict[str, str]:
    """This week's answers given already, as the dialog's starting values."""
    return {f"q:{question_id}": value for question_id, value in answers.items()}
