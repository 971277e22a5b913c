"""Adaptive Cards for Microsoft Teams (pure: data in, card out); every word comes from the shared templates."""

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
    cycle_blocks,
    digest_blocks,
    goal_blocks,
    home_blocks,
    improvement_blocks,
    peer_blocks,
    plan_blocks,
    review_blocks,
)
from prompts.goal_blocks import MESSAGE_GOALS_MAX, goal_line, modal_errors, number, plain_number
from prompts.render import label, mrkdwn_escape, render

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


# ---- check-ins ------------------------------------------------------------------------------

SUBMIT_CHECKIN = "checkin_submit"
SUBMIT_REPLY = "checkin_reply"
CHECKIN_TEXT_FIELDS = ("highlights", "blockers", "help_needed")
CHECKIN_FIELDS = ("week", "confidence", *CHECKIN_TEXT_FIELDS)
_GOAL_FIELD = re.compile(r"^goal:([0-9]{1,18}):(value|status)$")


def goal_field(goal_id: int, part: str) -> str:
    """The id of a goal's input in the check-in dialog: `goal:<id>:value` or `goal:<id>:status`, as in Slack."""
    return f"goal:{goal_id}:{part}"


def parse_goal_field(field: str) -> tuple[str, str] | None:
    """Return (goal id, "value" or "status") for a goal input's id, else None."""
    match = _GOAL_FIELD.match(field)
    return (match[1], match[2]) if match else None


def button_data(action_id: str, value: str = "") -> dict:
    """What a card button sends back: the Block Kit action id and value; a dialog opener asks Teams for task/fetch."""
    data = {"action": action_id, "value": value}
    return {"msteams": {"type": "task/fetch"}, **data} if action_id in DIALOG_ACTIONS else data


def checkin_button_card(*, week: str, locale: str) -> dict:
    """`checkin`: the week it is, and the button that opens the check-in dialog (a bot cannot open one unasked)."""
    button = {"type": "Action.Submit", "title": label("check_in_now", locale), "style": "positive",
              "data": button_data(checkin_blocks.OPEN_CHECKIN_ACTION)}
    text = f"*{label('checkin_modal_title', locale)}*\n{label('checkin_this_week', locale, week=week)}"
    return text_card(text, actions=[button])


def checkin_values(goals: Sequence[Any], *, existing: Any | None, existing_progress: dict[int, Any]) -> dict[str, str]:
    """The dialog's starting values: each goal's value and status, and what this week's check-in said, as Slack's."""
    values = {"confidence": str(existing.confidence) if existing is not None and existing.confidence else ""}
    for name in CHECKIN_TEXT_FIELDS:
        values[name] = (getattr(existing, name) or "") if existing is not None else ""
    for goal in goals[:checkin_blocks.GOALS_IN_MODAL]:
        reported = existing_progress.get(goal.id)
        status = reported.status if reported is not None else goal.status
        values[goal_field(goal.id, "value")] = plain_number(reported.value if reported is not None else
                                                            goal.current_value)
        values[goal_field(goal.id, "status")] = status if status in checkin_blocks.STATUSES else \
            checkin_blocks.STATUSES[0]
    return values


def checkin_dialog(goals: Sequence[Any], *, weeks: Sequence[Any], values: dict[str, str | None], locale: str,
                   errors: dict[str, str] | None = None) -> dict:
    """The weekly check-in as a dialog: Slack's modal, field for field; after a refused submit, errors by field.

    `weeks` are the open weeks (`.week`, `.late`), the one to show first first; `values` come from
    `checkin_values`, or are what was submitted.
    """
    body: list[dict] = []
    if len(weeks) > 1:
        choices = [(label("checkin_last_week" if w.late else "checkin_this_week", locale, week=w.week), w.week)
                   for w in weeks]
        body.append(_choice("week", label("checkin_week", locale), choices, value=values.get("week") or weeks[0].week,
                            required=True))
    for goal in goals[:checkin_blocks.GOALS_IN_MODAL]:
        unit = f" {goal.unit}" if goal.unit else ""
        body += [
            _text(goal_field(goal.id, "value"), goal.title, value=values.get(goal_field(goal.id, "value")),
                  max_length=SHORT_MAX),
            {"type": "TextBlock", "text": f"{number(goal.start_value)} → {number(goal.target_value)}{unit}",
             "isSubtle": True, "size": "Small", "spacing": "None", "wrap": True},
            _choice(goal_field(goal.id, "status"), label("checkin_goal_status", locale),
                    [(label(f"status_{status}", locale), status) for status in checkin_blocks.STATUSES],
                    value=values.get(goal_field(goal.id, "status"))),
        ]
    confidence = _choice("confidence", label("checkin_confidence", locale),
                         [(label(f"confidence_{n}", locale), str(n)) for n in range(1, 6)],
                         value=values.get("confidence"), required=True)
    confidence["style"] = "expanded"
    body += [
        confidence,
        _text("highlights", label("checkin_highlights", locale), value=values.get("highlights"), multiline=True,
              max_length=checkin_blocks.FORM_TEXT_MAX),
        _text("blockers", label("checkin_blockers", locale), value=values.get("blockers"), multiline=True,
              max_length=checkin_blocks.FORM_TEXT_MAX),
        _text("help_needed", label("checkin_help", locale), value=values.get("help_needed"), multiline=True,
              max_length=checkin_blocks.FORM_TEXT_MAX),
    ]
    data: dict[str, Any] = {"action": SUBMIT_CHECKIN}
    if len(weeks) == 1:
        data["week"] = weeks[0].week  # no choice to make: the week travels with the submit, like private_metadata
    submit = {"type": "Action.Submit", "title": label("submit", locale), "data": data}
    title = label("checkin_modal_title", locale)
    content = card(_with_errors(body, modal_errors(errors or {}, locale)), fallback=title, actions=[submit])
    return dialog(title, content)


def reply_dialog(*, checkin_id: int, name: str, locale: str, value: str | None = None,
                 errors: dict[str, str] | None = None) -> dict:
    """A manager's reply to a blocker alert: Slack's reply modal as a dialog."""
    body = [_text("reply", label("reply_text", locale, name=name), value=value, required=True, multiline=True,
                  max_length=checkin_blocks.FORM_TEXT_MAX)]
    submit = {"type": "Action.Submit", "title": label("send", locale),
              "data": {"action": SUBMIT_REPLY, "checkin_id": checkin_id}}
    title = label("reply_modal_title", locale)
    return dialog(title, card(_with_errors(body, modal_errors(errors or {}, locale)), fallback=title,
                              actions=[submit]))


def message_dialog(mrkdwn: str, *, locale: str) -> dict:
    """A dialog that only says something: a refusal, or why there is nothing to open."""
    return dialog(label("app_name", locale), text_card(mrkdwn))


# ---- coaching: the weekly review and the reflection ---------------------------------------------

# The submits' actions are Slack's view callback ids: the same form, whichever surface shows it.
SUBMIT_REVIEW = coaching_blocks.REVIEW_VIEW
SUBMIT_REFLECT = coaching_blocks.REFLECT_VIEW
TOGGLE_ON = "true"  # what a ticked Input.Toggle sends (Adaptive Cards' default valueOn)
ACTION_TEXT_MAX = 500  # as Slack's action item input


def review_action_field(n: int, part: str) -> str:
    """The id of an action row's input in the review dialog: `action:<n>:text|owner|due_date`, as in Slack."""
    return f"action:{n}:{part}"


REVIEW_TEXT_FIELDS = ("went_well", "to_improve", "private_notes", "new_target", "adjust_reason")
REVIEW_FIELDS = ("acknowledged", "assessment", "goal_id", "new_due_date", *REVIEW_TEXT_FIELDS,
                 *(review_action_field(n, part) for n in range(1, coaching_blocks.ACTION_ROWS + 1)
                   for part in ("text", "owner", "due_date")))
REFLECT_FIELDS = ("will_do_differently", "support_needed")


def _date(field: str, label_text: str, *, value: str | None = None) -> dict:
    element: dict[str, Any] = {"type": "Input.Date", "id": field, "label": label_text}
    if value:
        element["value"] = value
    return element


def _subtle(text: str) -> dict:
    return {"type": "TextBlock", "text": text, "isSubtle": True, "size": "Small", "spacing": "None", "wrap": True}


def review_dialog(report: Any, *, week: str, locale: str, values: dict[str, str | None] | None = None,
                  errors: dict[str, str] | None = None) -> dict:
    """The weekly review of one report as a dialog: Slack's review modal, field for field, in the same words.

    The report's week is the evidence on top (as much as fits); then the acknowledgement, what went well and
    what to improve, the assessment, private notes (never sent to the employee), up to three action items with
    owner and due date, and an optional goal adjustment. After a refused submit it comes back filled in, errors
    by field.
    """
    values = values or {}
    owners = [(label("owner_employee", locale), "employee"), (label("owner_manager", locale), "manager")]
    acknowledged = {"type": "Input.Toggle", "id": "acknowledged", "label": label("review_acknowledge", locale),
                    "title": label("review_acknowledge_option", locale), "valueOn": TOGGLE_ON, "valueOff": "false",
                    "value": TOGGLE_ON if values.get("acknowledged") == TOGGLE_ON else "false"}
    assessment = _choice("assessment", label("review_assessment", locale),
                         [(label(f"assessment_{a}", locale), a) for a in coaching_blocks.ASSESSMENTS],
                         value=values.get("assessment"), required=True)
    assessment["style"] = "expanded"
    body: list[dict] = [
        {**acknowledged, "separator": True, "spacing": "Medium"},
        _text("went_well", label("review_went_well", locale), value=values.get("went_well"), multiline=True,
              max_length=coaching_blocks.TEXT_MAX),
        _text("to_improve", label("review_to_improve", locale), value=values.get("to_improve"), multiline=True,
              max_length=coaching_blocks.TEXT_MAX),
        assessment,
        _text("private_notes", label("review_private_notes", locale), value=values.get("private_notes"),
              multiline=True, max_length=coaching_blocks.TEXT_MAX),
        _subtle(label("review_private_notes_hint", locale)),
    ]
    for n in range(1, coaching_blocks.ACTION_ROWS + 1):
        body += [
            _text(review_action_field(n, "text"), label("review_action", locale, n=n),
                  value=values.get(review_action_field(n, "text")), max_length=ACTION_TEXT_MAX),
            _choice(review_action_field(n, "owner"), label("review_action_owner", locale, n=n), owners,
                    value=values.get(review_action_field(n, "owner")) or "employee"),
            _date(review_action_field(n, "due_date"), label("review_action_due", locale, n=n),
                  value=values.get(review_action_field(n, "due_date"))),
        ]
    goals = [line.goal for line in report.goals]
    if goals:
        body += [
            _choice("goal_id", label("review_goal", locale),
                    [(goal.title, str(goal.id)) for goal in goals[:checkin_blocks.GOALS_IN_MODAL]],
                    value=values.get("goal_id")),
            _text("new_target", label("review_new_target", locale), value=values.get("new_target"),
                  max_length=SHORT_MAX),
            _date("new_due_date", label("review_new_due", locale), value=values.get("new_due_date")),
            _text("adjust_reason", label("review_adjust_reason", locale), value=values.get("adjust_reason"),
                  multiline=True, max_length=coaching_blocks.TEXT_MAX),
        ]
    submit = {"type": "Action.Submit", "title": label("review_submit", locale), "style": "positive",
              "data": {"action": SUBMIT_REVIEW, "subject_id": report.person.id, "week": week}}
    title = label("review_modal_title", locale)
    content = card(_with_errors(body, modal_errors(errors or {}, locale)), fallback=title, actions=[submit])
    # The evidence goes on top in what room the form leaves: a form cannot be cut, a quote of the week can.
    evidence = text_blocks(coaching_blocks.report_lines(report, locale=locale))
    content["body"] = [*_within(evidence, CARD_BUDGET_BYTES - _size(content)), *content["body"]]
    return dialog(title, content)


def reflect_dialog(feedback_id: int, *, locale: str, values: dict[str, str | None] | None = None,
                   errors: dict[str, str] | None = None) -> dict:
    """The employee's reflection on their feedback: Slack's reflect modal as a dialog."""
    values = values or {}
    body = [
        _text("will_do_differently", label("reflect_will_do", locale), value=values.get("will_do_differently"),
              multiline=True, max_length=coaching_blocks.TEXT_MAX),
        _text("support_needed", label("reflect_support", locale), value=values.get("support_needed"),
              multiline=True, max_length=coaching_blocks.TEXT_MAX),
    ]
    submit = {"type": "Action.Submit", "title": label("send", locale),
              "data": {"action": SUBMIT_REFLECT, "feedback_id": feedback_id}}
    title = label("reflect_modal_title", locale)
    return dialog(title, card(_with_errors(body, modal_errors(errors or {}, locale)), fallback=title,
                              actions=[submit]))


# ---- goal approvals: returning a proposed goal with a comment ---------------------------------------

SUBMIT_RETURN_GOAL = goal_blocks.RETURN_GOAL_VIEW
RETURN_COMMENT_MAX = 3000  # as Slack's return modal


def return_goal_dialog(goal: Any, *, locale: str, message_id: str | None = None, value: str | None = None,
                       errors: dict[str, str] | None = None) -> dict:
    """Return a proposed goal with a comment: Slack's return modal as a dialog.

    `message_id` is the approval request's card, which the decision replaces once recorded (as Slack's does).
    """
    body = [
        *text_blocks(f"*{mrkdwn_escape(goal.title)}*"),
        _text("comment", label("return_comment", locale), value=value, required=True, multiline=True,
              max_length=RETURN_COMMENT_MAX, placeholder=label("return_comment_placeholder", locale)),
    ]
    data: dict[str, Any] = {"action": SUBMIT_RETURN_GOAL, "goal_id": goal.id}
    if message_id:
        data["message_id"] = message_id
    submit = {"type": "Action.Submit", "title": label("return_modal_submit", locale), "data": data}
    title = label("return_modal_title", locale)
    return dialog(title, card(_with_errors(body, modal_errors(errors or {}, locale)), fallback=title,
                              actions=[submit]))


# ---- Block Kit messages as Adaptive Cards ---------------------------------------------------

# Slack buttons whose action opens a modal: in Teams the same button must ask for a dialog (task/fetch),
# since a card's plain submit is a chat message and a bot cannot open a dialog in answer to one.
DIALOG_ACTIONS = frozenset({
    checkin_blocks.OPEN_CHECKIN_ACTION, checkin_blocks.RESPOND_ACTION,
    coaching_blocks.REVIEW_ACTION, coaching_blocks.REFLECT_ACTION,
    home_blocks.OPEN_CYCLE_ACTION, goal_blocks.RETURN_ACTION, goal_blocks.NEW_GOAL_ACTION,
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
    budget = CARD_BUDGET_BYTES - _size(content)
    content["body"] = _within(body, budget)
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
    action = _button(accessory)
    return [{"type": "ActionSet", "actions": [action]}] if action else []


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


def _size(element: Any) -> int:
    return len(json.dumps(element, ensure_ascii=False).encode())


def _within(body: list[dict], budget: int) -> list[dict]:
    """Keep the card's elements within `budget` bytes: buttons always (within half of it), words until the cut.

    At the cut the last words that fit are kept, and a "…" line says there was more.
    """
    ellipsis = {"type": "TextBlock", "text": ELLIPSIS, "wrap": True}
    buttons, spent = set(), 0
    for index, element in enumerate(body):
        if element.get("type") == "ActionSet" and spent + _size(element) + 1 <= budget // 2:
            buttons.add(index)
            spent += _size(element) + 1
    room = budget - spent - _size(ellipsis) - 1
    kept: list[dict] = []
    cut = False
    for index, element in enumerate(body):
        if index in buttons:
            kept.append(element)
            continue
        if cut or element.get("type") == "ActionSet":
            continue
        size = _size(element) + 1
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
    overhead = _size({**block, "text": ""}) + 1
    available = room - overhead - len(ELLIPSIS.encode()) - 8  # JSON may escape a few characters of the text
    if available <= 0:
        return None
    text = block["text"].encode()[:available].decode("utf-8", "ignore")
    while text and _size({**block, "text": text + ELLIPSIS}) + 1 > room:
        text = text[:-max(1, len(text) // 10)]
    return {**block, "text": text.rstrip() + ELLIPSIS} if text.strip() else None


# ---- review cycles: self, peer and manager reviews, declining, acknowledging -----------------------

SUBMIT_SELF_REVIEW = review_blocks.SELF_REVIEW_VIEW
SUBMIT_MANAGER_REVIEW = review_blocks.MANAGER_REVIEW_VIEW
SUBMIT_PEER_REVIEW = peer_blocks.PEER_REVIEW_VIEW
SUBMIT_DECLINE_PEER_REVIEW = peer_blocks.DECLINE_VIEW
SUBMIT_ACKNOWLEDGE = calibration_blocks.ACKNOWLEDGE_VIEW
REVIEW_TEXT_MAX = review_blocks.TEXT_MAX


DRAFT = "draft"  # in a review dialog's data: "Draft from my records" was clicked, not the submit


def _draft_notice(notice: str | None) -> list[dict]:
    """The notice of the assistant's last draft, above the form."""
    return [{"type": "TextBlock", "text": notice, "wrap": True, "isSubtle": True}] if notice else []


def _draft_button(action: str, review_id: int, *, locale: str, draft: bool) -> list[dict]:
    """The assistant's button below a review form, beside the submit; it sends no inputs, so a form half filled in
    is not held up by the dialog's checks."""
    if not draft:
        return []
    return [{"type": "ActionSet", "actions": [
        {"type": "Action.Submit", "title": label("ai_draft_button", locale), "associatedInputs": "none",
         "data": {"action": action, "review_id": review_id, DRAFT: True}}]}]


def with_draft(dialog_answer: dict, fields: dict[str, str]) -> dict:
    """A review dialog with the draft in its empty text inputs (never a rating: only Input.Text is filled)."""
    for element in dialog_answer["task"]["value"]["card"]["content"]["body"]:
        if element.get("type") == "Input.Text" and fields.get(element.get("id")) and not element.get("value"):
            element["value"] = fields[element["id"]][:REVIEW_TEXT_MAX]
    return dialog_answer


def _kept(values: dict[str, str | None] | None, field: str, given: Any) -> str | None:
    """A field's value: what was submitted after a refusal (`values`), else what was written before."""
    if values is not None:
        return values.get(field)
    return None if given is None else str(given)


def _long(field: str, label_text: str, value: str | None, *, required: bool = False) -> dict:
    """Slack's long_input: a multiline text of up to the reviews' TEXT_MAX."""
    return _text(field, label_text, value=value, required=required, multiline=True, max_length=REVIEW_TEXT_MAX)


def _scale(plan: dict, locale: str) -> list[tuple[str, str]]:
    """The plan's rating scale as choices, in Slack's words (review_blocks.scale_options)."""
    return [(option["text"]["text"], option["value"]) for option in review_blocks.scale_options(plan, locale)]


def _criteria_inputs(plan: dict, answers: dict, *, locale: str, values: dict[str, str | None] | None) -> list[dict]:
    """Slack's criteria_inputs: per criterion of the plan, a rating on its scale (with its description) and why."""
    scale = _scale(plan, locale)
    body: list[dict] = []
    for criterion in plan["criteria"]:
        key, name = criterion["key"], review_blocks.localized(criterion["name"], locale)
        given = (answers.get("criteria") or {}).get(key) or {}
        body.append(_choice(f"rating:{key}", label("self_review_rating", locale, name=name), scale,
                            value=_kept(values, f"rating:{key}", given.get("rating")), required=True))
        if criterion.get("description"):
            body.append(_subtle(review_blocks.localized(criterion["description"], locale)))
        body.append(_long(f"comment:{key}", label("self_review_comment", locale, name=name),
                          _kept(values, f"comment:{key}", given.get("comment"))))
    return body


def _form_dialog(title: str, body: list[dict], *, submit_title: str, data: dict, locale: str,
                 errors: dict[str, str] | None, style: str | None = "positive") -> dict:
    submit: dict[str, Any] = {"type": "Action.Submit", "title": submit_title, "data": data}
    if style:
        submit["style"] = style
    return dialog(title, card(_with_errors(body, modal_errors(errors or {}, locale)), fallback=title,
                              actions=[submit]))


def self_review_dialog(form: Any, *, locale: str, values: dict[str, str | None] | None = None,
                       errors: dict[str, str] | None = None, draft: bool = False, notice: str | None = None) -> dict:
    """Slack's self-review modal as a dialog: evidence per goal, then a rating and why per criterion of the plan.

    `form` is storage.reviews.SelfReviewForm; after a refused submit `values` are what was sent, `errors` by field.
    """
    answers = form.review.answers or {}
    body = text_blocks(f"*{form.cycle.name}*")
    body += _draft_notice(notice)
    for goal in form.goals[:review_blocks.GOALS_IN_MODAL]:
        field = f"evidence:{goal.id}"
        given = ((answers.get("goals") or {}).get(str(goal.id)) or {}).get("evidence")
        body.append(_long(field, label("self_review_evidence", locale, title=goal.title), _kept(values, field, given)))
    body += _criteria_inputs(form.plan, answers, locale=locale, values=values)
    body += _draft_button(SUBMIT_SELF_REVIEW, form.review.id, locale=locale, draft=draft)
    return _form_dialog(label("self_review_title", locale), body, submit_title=label("submit", locale),
                        data={"action": SUBMIT_SELF_REVIEW, "review_id": form.review.id}, locale=locale,
                        errors=errors)


def peer_review_dialog(form: Any, *, locale: str, values: dict[str, str | None] | None = None,
                       errors: dict[str, str] | None = None, draft: bool = False, notice: str | None = None) -> dict:
    """Slack's peer review modal as a dialog: who and whether anonymous, ratings and why, strengths, to improve."""
    answers = form.review.answers or {}
    intro = render("peer_review_intro", locale, subject=form.subject.name, cycle=form.cycle.name,
                   anonymous=form.cycle.peers_anonymous)
    body = [
        *text_blocks(intro),
        *_draft_notice(notice),
        *_criteria_inputs(form.plan, answers, locale=locale, values=values),
        _long("strengths", label("manager_review_strengths", locale),
              _kept(values, "strengths", answers.get("strengths")), required=True),
        _long("to_improve", label("manager_review_to_improve", locale),
              _kept(values, "to_improve", answers.get("to_improve")), required=True),
        *_draft_button(SUBMIT_PEER_REVIEW, form.review.id, locale=locale, draft=draft),
    ]
    return _form_dialog(label("peer_review_title", locale), body, submit_title=label("submit", locale),
                        data={"action": SUBMIT_PEER_REVIEW, "review_id": form.review.id}, locale=locale,
                        errors=errors)


def decline_peer_review_dialog(review_id: int, *, subject: str, locale: str, value: str | None = None,
                               errors: dict[str, str] | None = None) -> dict:
    """Slack's decline modal as a dialog: an optional reason, for the manager."""
    body = [*text_blocks(render("peer_decline_intro", locale, subject=subject)),
            _long("reason", label("decline_reason", locale), value)]
    return _form_dialog(label("decline_title", locale), body, submit_title=label("decline_peer_review", locale),
                        data={"action": SUBMIT_DECLINE_PEER_REVIEW, "review_id": review_id}, locale=locale,
                        errors=errors, style=None)


def acknowledge_dialog(review_id: int, *, locale: str, value: str | None = None,
                       errors: dict[str, str] | None = None) -> dict:
    """Slack's acknowledge modal as a dialog: an optional response to the released result."""
    body = [_long("response", label("acknowledge_response", locale), value)]
    return _form_dialog(label("acknowledge_title", locale), body, submit_title=label("acknowledge", locale),
                        data={"action": SUBMIT_ACKNOWLEDGE, "review_id": review_id}, locale=locale, errors=errors)


def manager_review_dialog(form: Any, *, locale: str, anonymous_peer: str,
                          values: dict[str, str | None] | None = None, errors: dict[str, str] | None = None,
                          draft: bool = False, notice: str | None = None) -> dict:
    """Slack's manager review modal as a dialog: HR's revisit note and the evidence on top (review_blocks'
    evidence_text), then a rating and why per criterion, the overall rating, strengths and what to improve."""
    answers = form.review.answers or {}
    body = [
        *_draft_notice(notice),
        *_criteria_inputs(form.plan, answers, locale=locale, values=values),
        _choice("overall", label("manager_review_overall", locale),
                _scale(form.plan, locale),
                value=_kept(values, "overall", form.review.rating), required=True),
        _long("strengths", label("manager_review_strengths", locale),
              _kept(values, "strengths", answers.get("strengths")), required=True),
        _long("to_improve", label("manager_review_to_improve", locale),
              _kept(values, "to_improve", answers.get("to_improve")), required=True),
        *_draft_button(SUBMIT_MANAGER_REVIEW, form.review.id, locale=locale, draft=draft),
    ]
    title = label("manager_review_title", locale)
    content = _form_dialog(title, body, submit_title=label("submit", locale),
                           data={"action": SUBMIT_MANAGER_REVIEW, "review_id": form.review.id}, locale=locale,
                           errors=errors)["task"]["value"]["card"]["content"]
    top: list[dict] = []
    revisit = answers.get("revisit")
    if revisit:  # HR asked to look again: their note first, the earlier answers prefilled below
        top += text_blocks(render("revisit_note", locale, note=revisit.get("note") or ""))
    top += text_blocks(review_blocks.evidence_text(form, locale=locale, anonymous_peer=anonymous_peer))
    # A form cannot be cut; the evidence can, in what room the form leaves (as the weekly review dialog does).
    content["body"] = [*_within(top, CARD_BUDGET_BYTES - _size(content)), *content["body"]]
    return dialog(title, content)


# ---- improvement plans: the employee's commitments, the manager's check ----------------------------

SUBMIT_COMMITMENTS = improvement_blocks.COMMITMENTS_VIEW
SUBMIT_CHECK = improvement_blocks.CHECK_VIEW


def commitments_dialog(view: Any, *, locale: str, value: str | None = None,
                       errors: dict[str, str] | None = None) -> dict:
    """Slack's commitments modal as a dialog: the plan on top, then what the employee commits to."""
    body = [_subtle(teams_markdown(improvement_blocks.plan_text(view, locale=locale))),
            _long("commitments", label("ip_commitments", locale),
                  value if value is not None else view.plan.employee_commitments, required=True)]
    return _form_dialog(label("ip_title", locale), body, submit_title=label("save", locale),
                        data={"action": SUBMIT_COMMITMENTS, "review_id": view.plan.id}, locale=locale, errors=errors)


def check_dialog(check_id: int, *, subject: str, locale: str, values: dict[str, str | None] | None = None,
                 errors: dict[str, str] | None = None) -> dict:
    """Slack's record-check modal as a dialog: how it went, the decision, and a next check date when needed."""
    values = values or {}
    decisions = [(label("ip_decision_option", locale, d=d), d) for d in improvement_blocks.DECISIONS]
    body = [_subtle(subject),
            _long("outcome", label("ip_outcome", locale), values.get("outcome"), required=True),
            _choice("decision", label("ip_decision", locale), decisions, value=values.get("decision"), required=True),
            _date("next_check", label("ip_next_check", locale), value=values.get("next_check"))]
    return _form_dialog(label("ip_title", locale), body, submit_title=label("save", locale),
                        data={"action": SUBMIT_CHECK, "review_id": check_id}, locale=locale, errors=errors)


# ---- evaluation: Slack's modals as dialogs (peers, cycles, plans, improvement plans, revisits) ---------------

# The submits' actions are Slack's view callback ids: the same form, whichever surface shows it.
SUBMIT_PEERS = peer_blocks.PEERS_VIEW
SUBMIT_CHANGE_PEERS = peer_blocks.CONFIRM_VIEW
SUBMIT_OPEN_CYCLE = cycle_blocks.OPEN_CYCLE_VIEW
SUBMIT_EDIT_PLAN = plan_blocks.PLAN_VIEW
SUBMIT_IMPROVEMENT_PLAN = improvement_blocks.PLAN_VIEW
SUBMIT_REVISIT = calibration_blocks.REVISIT_VIEW
SUBMIT_RELEASE = "cycle_release_submit"
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
    return dialog(shown, card(_with_errors(body, shown_errors), fallback=shown, actions=[submit]))


def _modal_input(block: dict, *, people: Sequence[tuple[str, str]], value: str | None, kept: bool) -> dict | None:
    field = block.get("block_id", "")
    element = block.get("element") or {}
    text = _string((block.get("label") or {}).get("text"))
    required = not block.get("optional", False)
    kind = element.get("type")
    if kind == "plain_text_input":
        given = value if kept else element.get("initial_value")
        return _text(field, text, value=given, required=required, max_length=element.get("max_length"),
                     multiline=bool(element.get("multiline")),
                     placeholder=_string((block.get("hint") or element.get("placeholder") or {}).get("text")))
    if kind == "datepicker":
        return {**_date(field, text, value=value if kept else element.get("initial_date")),
                **({"isRequired": True} if required else {})}
    if kind in ("static_select", "checkboxes", "radio_buttons"):
        options = [(_string(o["text"]["text"]), _string(o["value"])) for o in element.get("options", [])]
        if kept:
            given = value
        elif kind == "checkboxes":
            given = ",".join(o["value"] for o in element.get("initial_options", []))
        else:
            given = (element.get("initial_option") or {}).get("value")
        choice = _choice(field, text, options, value=given, required=required)
        if kind == "checkboxes":
            choice.update({"isMultiSelect": True, "style": "expanded"})
        return choice
    if kind in PEOPLE_PICKERS:
        choice = _choice(field, text, list(people), value=value, required=required,
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


def release_dialog(cycle: Any, *, locale: str) -> dict:
    """Slack's "are you sure" before releasing a cycle's results, as a dialog."""
    title = label("release_results", locale)
    submit = {"type": "Action.Submit", "title": title, "style": "destructive",
              "data": {"action": SUBMIT_RELEASE, "cycle_id": cycle.id}}
    return dialog(title, text_card(label("release_confirm", locale, cycle=cycle.name), actions=[submit]))


def calibration_cards(found: Any, *, locale: str) -> list[dict]:
    """Slack's calibration messages as cards; the chart (a file upload in Slack) as its figures, a table by team.

    Teams cards carry no uploaded file and the bot has no URL to serve the image from, so the distribution the
    chart draws is shown as a fact set per team: each rating on the plan's scale and how many people have it.
    """
    messages = calibration_blocks.calibration_messages(found, locale=locale)
    header = card_from_block_kit(messages[0])
    plan = found.rows[0].plan if found.rows else {"rating_scale": []}
    names = {step["value"]: review_blocks.localized(step["label"], locale) for step in plan["rating_scale"]}
    figures: list[dict] = [{"type": "TextBlock", "weight": "Bolder", "wrap": True, "separator": True,
                            "text": label("chart_ratings_title", locale, cycle=found.cycle.name)}]
    for team, counts in found.distribution.items():
        figures.append({"type": "TextBlock", "text": f"**{team}**", "wrap": True, "spacing": "Small"})
        figures.append({"type": "FactSet", "facts": [
            {"title": f"{rating} · {names[rating]}" if names.get(rating) else str(rating),
             "value": f"{counts.get(rating, 0)} {label('chart_people', locale)}"} for rating in found.scale]})
    header["body"] = [*header["body"], *_within(figures, CARD_BUDGET_BYTES - _size(header))]
    return [header, *(card_from_block_kit(message) for message in messages[1:])]
