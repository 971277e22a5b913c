"""Block Kit for goals: the new-goal modal, the SMART confirm step, approvals, lists, history."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from prompts.blocks import markdown_message, sections
from prompts.render import label, mrkdwn_escape, render

# Ids the handlers listen for.
NEW_GOAL_VIEW = "goal_new"
CONFIRM_GOAL_VIEW = "goal_confirm"
RETURN_GOAL_VIEW = "goal_return"
PROGRESS_VIEW = "goal_progress"
ADJUST_VIEW = "goal_adjust"
ARCHIVE_VIEW = "goal_archive"
APPROVE_ACTION = "goal_approve"
RETURN_ACTION = "goal_return_open"
MENU_ACTION = "goal_menu"
NEW_GOAL_ACTION = "goal_new_open"
PARENT_OPTIONS_ACTION = "goal_parent_options"
SUGGEST_ACTION = "goal_suggest"  # "Suggest a measurable version", on the SMART coach's confirm step
SUGGEST_NOTICE_BLOCK = "goal_suggestion"
STACKED = "stacked"  # private_metadata of a form shown over the first one: saving it closes both

MENU_VERBS = ("progress", "adjust", "history", "archive")
STATIC_SELECT_MAX = 100  # Slack's limit on options; beyond it the select searches as you type
BAR_CELLS = 10
ERROR_CONTEXT = {"title_too_long": {"limit": 150}}


def error_text(code: str, locale: str) -> str:
    return label(f"error_{code}", locale, **ERROR_CONTEXT.get(code, {}))


def modal_errors(errors: dict[str, str], locale: str) -> dict[str, str]:
    """Turn storage's {field: code} into Slack's {block_id: words}; block ids are the field names."""
    return {field: error_text(code, locale) for field, code in errors.items()}


def number(value: float) -> str:
    """Format a goal number as people write it: 30, 12.5, 1,000."""
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def progress_bar(progress: float) -> str:
    filled = round(max(0.0, min(progress, 1.0)) * BAR_CELLS)
    return "▓" * filled + "░" * (BAR_CELLS - filled)


def goal_line(goal: Any, progress: float, *, locale: str, show_level: bool = True) -> str:
    """Render one goal as two or three lines of mrkdwn: title, progress and status, the measure."""
    milestone = goal.unit is None and goal.start_value == 0 and goal.target_value == 1 and not goal.metric
    return render(
        "goal_line",
        locale,
        title=goal.title,
        level_label=label(f"level_{goal.level}", locale) if show_level and goal.level != "individual" else "",
        bar=progress_bar(progress),
        percent=round(progress * 100),
        status_label=label(f"status_{goal.status}", locale),
        due=label("date", locale, d=goal.due_date),
        approval_label="" if goal.approval == "approved" else label(f"approval_{goal.approval}", locale),
        measure=not milestone,
        metric=goal.metric or "",
        start=number(goal.start_value),
        target=number(goal.target_value),
        current=number(goal.current_value),
        unit=f" {goal.unit}" if goal.unit and not goal.unit.startswith("%") else (goal.unit or ""),
    )


def _plain(text: str, *, emoji: bool = True) -> dict:
    return {"type": "plain_text", "text": text, "emoji": emoji}


def _option(text: str, value: str) -> dict:
    return {"text": _plain(text[:75]), "value": value}


def _text_input(block_id: str, label_text: str, *, optional: bool = True, initial: str | None = None,
                placeholder: str | None = None, hint: str | None = None, max_length: int | None = None,
                multiline: bool = False) -> dict:
    element: dict = {"type": "plain_text_input", "action_id": block_id, "multiline": multiline}
    if initial:
        element["initial_value"] = initial
    if placeholder:
        element["placeholder"] = _plain(placeholder[:150])
    if max_length:
        element["max_length"] = max_length
    block = {"type": "input", "block_id": block_id, "optional": optional, "label": _plain(label_text),
             "element": element}
    if hint:
        block["hint"] = _plain(hint)
    return block


def _date_input(block_id: str, label_text: str, *, initial: date | None = None) -> dict:
    element: dict = {"type": "datepicker", "action_id": block_id}
    if initial:
        element["initial_date"] = initial.isoformat()
    return {"type": "input", "block_id": block_id, "label": _plain(label_text), "element": element}


def parent_select(choices: Sequence[Any], *, locale: str, selected_id: int | None = None) -> dict:
    """A select of the goals a new goal may support, grouped company then team; searchable past 100."""
    label_text = label("goal_parent", locale)
    if len(choices) > STATIC_SELECT_MAX:
        element: dict = {"type": "external_select", "action_id": PARENT_OPTIONS_ACTION, "min_query_length": 0}
    else:
        groups = []
        for level in ("company", "team"):
            options = [_option(goal.title, str(goal.id)) for goal in choices if goal.level == level]
            if options:
                groups.append({"label": _plain(label(f"group_{level}", locale)), "options": options})
        if not groups:
            return {}
        element = {"type": "static_select", "action_id": PARENT_OPTIONS_ACTION, "option_groups": groups}
        selected = next((g for g in choices if g.id == selected_id), None)
        if selected:
            element["initial_option"] = _option(selected.title, str(selected.id))
    element["placeholder"] = _plain(label("goal_parent_placeholder", locale))
    return {"type": "input", "block_id": "parent_id", "optional": True, "label": _plain(label_text),
            "hint": _plain(label("goal_parent_hint", locale)), "element": element}


def parent_options(choices: Iterable[Any], query: str, *, limit: int = STATIC_SELECT_MAX) -> list[dict]:
    """Options for the searchable select: titles containing the typed text, at most 100."""
    needle = query.strip().casefold()
    return [_option(goal.title, str(goal.id)) for goal in choices if needle in goal.title.casefold()][:limit]


def new_goal_modal(*, locale: str, parent_choices: Sequence[Any], levels: Sequence[str],
                   values: dict[str, str | None] | None = None, notice: str | None = None,
                   stacked: bool = False) -> dict:
    """The new-goal form: a measurable target, a due date and the goal it supports.

    `values` fill it in again (a suggestion, or what was typed), under `notice`; `stacked`: it is shown over the
    first form (the confirm step turned into it), so saving it closes both.
    """
    values = values or {}
    blocks: list[dict] = []
    if notice:
        blocks.append({"type": "context", "block_id": SUGGEST_NOTICE_BLOCK,
                       "elements": [_plain(notice[:2000], emoji=True)]})
    if len(levels) > 1:
        level = values.get("level") if values.get("level") in levels else levels[0]
        blocks.append({
            "type": "input", "block_id": "level", "label": _plain(label("goal_level", locale)),
            "element": {
                "type": "static_select", "action_id": "level",
                "options": [_option(label(f"level_{level}", locale), level) for level in levels],
                "initial_option": _option(label(f"level_{level}", locale), level),
            },
        })
    blocks += [
        _text_input("title", label("goal_title", locale), optional=False, max_length=150,
                    placeholder=label("goal_title_placeholder", locale), hint=label("goal_title_hint", locale),
                    initial=values.get("title")),
        _text_input("metric", label("goal_metric", locale), placeholder=label("goal_metric_placeholder", locale),
                    initial=values.get("metric")),
        _text_input("start", label("goal_start", locale), hint=label("goal_start_hint", locale),
                    initial=values.get("start")),
        _text_input("target", label("goal_target", locale), hint=label("goal_target_hint", locale),
                    initial=values.get("target")),
        _text_input("unit", label("goal_unit", locale), placeholder=label("goal_unit_placeholder", locale),
                    initial=values.get("unit")),
        _date_input("due_date", label("goal_due", locale), initial=_day(values.get("due_date"))),
    ]
    parent = parent_select(parent_choices, locale=locale, selected_id=_int(values.get("parent_id")))
    if parent:
        blocks.append(parent)
    blocks += [
        _text_input("weight", label("goal_weight", locale), hint=label("goal_weight_hint", locale),
                    initial=values.get("weight")),
        _text_input("description", label("goal_description", locale), multiline=True, max_length=3000,
                    initial=values.get("description")),
    ]
    view = {
        "type": "modal",
        "callback_id": NEW_GOAL_VIEW,
        "title": _plain(label("goal_modal_title", locale)),
        "submit": _plain(label("goal_modal_submit", locale)),
        "close": _plain(label("cancel", locale)),
        "blocks": blocks,
    }
    if stacked:
        view["private_metadata"] = STACKED
    return view


def _day(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text.strip()) if text else None
    except ValueError:
        return None


def _int(text: str | None) -> int | None:
    try:
        return int(text) if text else None
    except ValueError:
        return None


def confirm_goal_modal(raw_form: dict, warnings: list[str], *, locale: str, errors: Sequence[str] = ()) -> dict:
    """The SMART coach's confirm step: say what is missing; save anyway or go back and fix it."""
    text = render("goal_confirm", locale, title=raw_form.get("title") or "", warnings=warnings, errors=errors)
    blocks = sections(text)
    if "no_number" in warnings:  # the assistant (or, without one, the coach's recipe) offers a measurable version
        blocks.append({"type": "actions", "block_id": SUGGEST_ACTION, "elements": [
            {"type": "button", "action_id": SUGGEST_ACTION, "value": "suggest",
             "text": _plain(label("goal_suggest_button", locale))}]})
    return {
        "type": "modal",
        "callback_id": CONFIRM_GOAL_VIEW,
        "private_metadata": json.dumps(raw_form, ensure_ascii=False),
        "title": _plain(label("goal_confirm_title", locale)),
        "submit": _plain(label("goal_confirm_submit", locale)),
        "close": _plain(label("back", locale)),
        "blocks": blocks,
    }


def goal_saved(goal: Any, *, manager_name: str | None, parent_title: str | None, locale: str) -> dict:
    proposed = goal.approval == "proposed"
    return markdown_message(render("goal_saved", locale, title=goal.title, proposed=proposed,
                                   manager=manager_name or "", parent=parent_title or ""))


def approval_request(goal: Any, progress: float, *, owner_name: str, parent_title: str | None,
                     locale: str) -> dict:
    """The DM asking a manager to approve or return a proposed goal."""
    intro = render("goal_approval_request", locale, owner=owner_name, parent=parent_title or "")
    line = goal_line(goal, progress, locale=locale)
    return {
        "text": f"{intro}\n{line}",
        "blocks": [*sections(intro), *sections(line), decision_actions(goal.id, locale=locale)],
    }


def decision_actions(goal_id: int, *, locale: str) -> dict:
    return {
        "type": "actions",
        "block_id": f"decide-{goal_id}",
        "elements": [
            {"type": "button", "action_id": APPROVE_ACTION, "style": "primary", "value": str(goal_id),
             "text": _plain(label("approve", locale))},
            {"type": "button", "action_id": RETURN_ACTION, "value": str(goal_id),
             "text": _plain(label("return_goal", locale))},
        ],
    }


def decision_recorded(goal: Any, *, approved: bool, owner_name: str, comment: str | None, locale: str) -> dict:
    return markdown_message(render("goal_decision_recorded", locale, approved=approved, owner=owner_name,
                                   title=goal.title, comment=comment or ""))


def goal_decided(goal: Any, *, approved: bool, decider_name: str, comment: str | None,
                 parent_title: str | None, locale: str) -> dict:
    return markdown_message(render("goal_decided", locale, approved=approved, decider=decider_name,
                                   title=goal.title, comment=comment or "", parent=parent_title or ""))


def return_goal_modal(goal: Any, *, locale: str, message_ref: dict) -> dict:
    metadata = json.dumps({"goal_id": goal.id, **message_ref})
    return {
        "type": "modal",
        "callback_id": RETURN_GOAL_VIEW,
        "private_metadata": metadata,
        "title": _plain(label("return_modal_title", locale)),
        "submit": _plain(label("return_modal_submit", locale)),
        "close": _plain(label("cancel", locale)),
        "blocks": [
            *sections(f"*{mrkdwn_escape(goal.title)}*"),
            _text_input("comment", label("return_comment", locale), optional=False, multiline=True,
                        max_length=3000, placeholder=label("return_comment_placeholder", locale)),
        ],
    }


def goal_menu(goal_id: int, *, locale: str, can_change: bool) -> dict:
    """The ⋯ menu on a goal: update progress, adjust, history, archive."""
    verbs = MENU_VERBS if can_change else ("history",)
    names = {"progress": "update_progress", "adjust": "adjust_goal", "history": "goal_history",
             "archive": "archive_goal"}
    return {"type": "overflow", "action_id": MENU_ACTION,
            "options": [_option(label(names[verb], locale), f"{verb}:{goal_id}") for verb in verbs]}


def goal_section(goal: Any, progress: float, *, locale: str, can_change: bool, list_key: str = "list") -> dict:
    # A goal can appear in two lists of one view (yours and your team's); block ids must stay unique.
    return {"type": "section", "block_id": f"{list_key}-goal-{goal.id}",
            "text": {"type": "mrkdwn", "text": goal_line(goal, progress, locale=locale)},
            "accessory": goal_menu(goal.id, locale=locale, can_change=can_change)}


MESSAGE_GOALS_MAX = 45  # a message holds 50 blocks; the header and note need a few


def goal_list(goals: Sequence[Any], progress: dict[int, float], *, own: bool, name: str, locale: str,
              can_change: bool) -> dict:
    """The `/goal list` reply: a header, then each goal with its progress and menu."""
    shown = goals[:MESSAGE_GOALS_MAX]
    header = render("goal_list_header", locale, own=own, name=name, count=len(goals), shown=len(shown))
    lines = [goal_line(goal, progress.get(goal.id, 0.0), locale=locale) for goal in shown]
    return {
        "text": "\n\n".join([header, *lines]),
        "blocks": [*sections(header),
                   *(goal_section(goal, progress.get(goal.id, 0.0), locale=locale, can_change=can_change)
                     for goal in shown)],
    }


def progress_modal(goal: Any, *, locale: str) -> dict:
    return {
        "type": "modal",
        "callback_id": PROGRESS_VIEW,
        "private_metadata": str(goal.id),
        "title": _plain(label("progress_modal_title", locale)),
        "submit": _plain(label("save", locale)),
        "close": _plain(label("cancel", locale)),
        "blocks": [
            *sections(f"*{mrkdwn_escape(goal.title)}*"),
            _text_input("value", label("progress_value", locale), optional=False,
                        initial=plain_number(goal.current_value)),
            _text_input("note", label("progress_note", locale), multiline=True, max_length=3000),
        ],
    }


def adjust_modal(goal: Any, *, locale: str) -> dict:
    """Change a goal's target or date (with a reason) or its wording; the old values stay in history."""
    return {
        "type": "modal",
        "callback_id": ADJUST_VIEW,
        "private_metadata": str(goal.id),
        "title": _plain(label("adjust_modal_title", locale)),
        "submit": _plain(label("save", locale)),
        "close": _plain(label("cancel", locale)),
        "blocks": [
            _text_input("title", label("goal_title", locale), optional=False, initial=goal.title, max_length=150),
            _text_input("metric", label("goal_metric", locale), initial=goal.metric),
            _text_input("start", label("goal_start", locale), initial=plain_number(goal.start_value)),
            _text_input("target", label("goal_target", locale), initial=plain_number(goal.target_value)),
            _text_input("unit", label("goal_unit", locale), initial=goal.unit),
            _date_input("due_date", label("goal_due", locale), initial=goal.due_date),
            _text_input("reason", label("adjust_reason", locale), multiline=True, max_length=3000,
                        hint=label("adjust_reason_hint", locale)),
        ],
    }


def archive_modal(goal: Any, *, locale: str) -> dict:
    return {
        "type": "modal",
        "callback_id": ARCHIVE_VIEW,
        "private_metadata": str(goal.id),
        "title": _plain(label("archive_modal_title", locale)),
        "submit": _plain(label("archive_goal", locale)),
        "close": _plain(label("cancel", locale)),
        "blocks": [
            *sections(f"*{mrkdwn_escape(goal.title)}*"),
            _text_input("reason", label("archive_reason", locale), multiline=True, max_length=3000),
        ],
    }


HISTORY_FIELDS = {"title": "goal_title", "metric": "goal_metric", "unit": "goal_unit", "start_value": "goal_start",
                  "target_value": "goal_target", "due_date": "goal_due", "current_value": "progress_value",
                  "weight": "goal_weight", "parent_id": "goal_parent", "description": "goal_description"}


def history_modal(goal: Any, changes: Sequence[Any], names: dict[int, str], *, locale: str,
                  zone: Any) -> dict:
    """Every change of a goal, oldest first: who, when, old → new, and why."""
    entries = [_history_entry(change, names, locale=locale, zone=zone) for change in changes]
    text = render("goal_history", locale, title=goal.title, changes=entries)
    return {
        "type": "modal",
        "title": _plain(label("history_modal_title", locale)),
        "close": _plain(label("cancel", locale)),
        "blocks": sections(text)[:100],
    }


def _history_entry(change: Any, names: dict[int, str], *, locale: str, zone: Any) -> dict:
    at: datetime = change.at.astimezone(zone)
    new = change.new_value
    if change.field_name == "approval" and new:
        new = label(f"approval_{new}", locale)
    field_key = HISTORY_FIELDS.get(change.field_name)
    return {
        "at": f"{label('date', locale, d=at.date())} {at:%H:%M}",
        "actor": names.get(change.actor_id, "?"),
        "field": change.field_name,
        "field_label": label(field_key, locale) if field_key else change.field_name,
        "old": change.old_value or "—",
        "new": new or "—",
        "reason": change.reason or "",
    }


def plain_number(value: float) -> str:
    """Prefill a number exactly as stored, so an untouched field never reads as a change."""
    return str(int(value)) if float(value).is_integer() else repr(float(value))
