"""Block Kit for coaching: the Monday 1:1 agenda, the review modal, feedback and the reflection."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from prompts import assistant_blocks, question_blocks
from prompts.blocks import markdown_message, sections
from prompts.render import label, render

REVIEW_ACTION = "coach_review"
ONE_ON_ONE_ACTION = "coach_one_on_one"
ADJUST_GOAL_ACTION = "coach_adjust_goal"  # "Adjust this goal" on an early warning; value: the goal id
REFLECT_ACTION = "coach_reflect"
REVIEW_VIEW = "coach_review_submit"
REFLECT_VIEW = "coach_reflect_submit"
ASSESSMENTS = ("on_track", "needs_attention", "off_track")
ACTION_ROWS = 3
REPORTS_PER_MESSAGE = 15  # three blocks each, and one per early warning shown, within a message's 50
MESSAGE_BLOCKS = 50
WARNINGS_PER_REPORT = 3
QUOTE_MAX = 280  # how much of a blocker or help request the agenda quotes
TEXT_MAX = 3000


def _plain(text: str) -> dict:
    return {"type": "plain_text", "text": text, "emoji": True}


def _option(text: str, value: str) -> dict:
    return {"text": _plain(text[:75]), "value": value}


def _clip(text: str | None) -> str | None:
    if not text:
        return text
    return text if len(text) <= QUOTE_MAX else text[: QUOTE_MAX - 1] + "…"


def talking_point(point: Any, *, locale: str) -> str:
    return render("nudge_point", locale, kind=point.kind, detail=point.detail)


def report_lines(report: Any, *, locale: str) -> str:
    """Render one report's part of the agenda: check-in, goals, blockers, what to talk about."""
    checkin = report.checkin
    shown_checkin = None
    if checkin is not None:
        shown_checkin = {"confidence": checkin.confidence, "late": checkin.late, "blockers": _clip(checkin.blockers),
                         "help_needed": _clip(checkin.help_needed)}
    goals = [{"title": line.goal.title, "percent": round(line.progress * 100),
              "status": label(f"status_{line.goal.status}", locale)} for line in report.goals]
    points = [talking_point(point, locale=locale) for point in report.talking_points]
    text = render("nudge_report", locale, name=report.person.name, checkin=shown_checkin, goals=goals, points=points)
    # The answers to the team's and plan's own questions, as asked (storage.questions), under the check-in.
    answers = question_blocks.answer_lines(getattr(report, "answers", ()), locale=locale, clip=QUOTE_MAX)
    return f"{text}\n{answers}" if answers else text


def warning_text(flag: Any, *, locale: str, title: bool = True) -> str:
    """An early warning in words: the goal (unless `title` is False) and every reason with its figures."""
    return render("early_warning", locale, title=flag.goal.title if title else "",
                  reasons=[asdict(reason) for reason in flag.reasons])


def warning_blocks(report: Any, *, locale: str) -> list[dict]:
    """Each flagged goal of a report (the first few), its reasons and an "Adjust this goal" button."""
    return [{"type": "section", "block_id": f"warning-{flag.goal.id}",
             "text": {"type": "mrkdwn", "text": warning_text(flag, locale=locale)[:TEXT_MAX]},
             "accessory": adjust_button(flag.goal.id, locale=locale)}
            for flag in list(getattr(report, "warnings", ()))[:WARNINGS_PER_REPORT]]


def adjust_button(goal_id: int, *, locale: str) -> dict:
    """Opens the goal's adjustment (its reason kept in the goal's history), in Slack's modal or Teams' dialog."""
    return {"type": "button", "action_id": ADJUST_GOAL_ACTION, "value": str(goal_id),
            "text": _plain(label("warning_adjust", locale))}


def _fitting(reports: list, *, locale: str, room: int = MESSAGE_BLOCKS - 2) -> list[tuple[Any, list[dict]]]:
    """The reports one message can hold, with their warnings' blocks: three blocks each and one per warning."""
    shown = []
    for report in reports[:REPORTS_PER_MESSAGE]:
        warnings = warning_blocks(report, locale=locale)
        if 3 + len(warnings) > room:
            break
        room -= 3 + len(warnings)
        shown.append((report, warnings))
    return shown


def nudge(agenda: Any, *, locale: str, summary: dict | None = None, translatable: frozenset[int] = frozenset()) -> dict:
    """The manager's Monday DM: one section per report, its goals' early warnings each with "Adjust this goal",
    and Review and 1:1 held buttons.

    `summary` (prompts.assistant_blocks.agenda_summary) opens it; a report whose check-in id is in `translatable`
    gets a Translate button too.
    """
    reports = agenda.reports
    top = summary["blocks"] if summary else []
    fitting = _fitting(reports, locale=locale, room=MESSAGE_BLOCKS - 2 - len(top))
    shown = [report for report, _ in fitting]
    checked_in = sum(1 for report in reports if report.checkin is not None)
    header = render("nudge_header", locale, week=agenda.week, name=agenda.manager.name, checked_in=checked_in,
                    total=len(reports), hidden=len(reports) > len(shown), shown=len(shown))
    blocks: list[dict] = [*sections(header), *top]
    texts = [header, summary["text"]] if summary else [header]
    for report, warnings in fitting:
        lines = report_lines(report, locale=locale)
        texts.append(lines)
        texts += [block["text"]["text"] for block in warnings]
        footer = render("nudge_last_one_on_one", locale, days=report.days_since_one_on_one,
                        overdue=report.one_on_one_overdue, actions=len(report.open_actions))
        blocks += [
            {"type": "section", "block_id": f"report-{report.person.id}",
             "text": {"type": "mrkdwn", "text": lines[:TEXT_MAX]}},
            *warnings,
            {"type": "context", "elements": [{"type": "mrkdwn", "text": footer}]},
            {"type": "actions", "block_id": f"coach-{report.person.id}", "elements": [
                {"type": "button", "action_id": REVIEW_ACTION, "style": "primary",
                 "value": f"{report.person.id}|{agenda.week}", "text": _plain(label("review", locale))},
                {"type": "button", "action_id": ONE_ON_ONE_ACTION, "value": str(report.person.id),
                 "text": _plain(label("one_on_one_held", locale))},
                *([assistant_blocks.translate_button(f"checkin:{report.checkin.id}", locale=locale)]
                  if report.checkin is not None and report.checkin.id in translatable else []),
            ]},
        ]
    return {"text": "\n\n".join(texts)[:TEXT_MAX], "blocks": blocks}


def _long_input(block_id: str, label_text: str, *, hint: str | None = None, optional: bool = True) -> dict:
    block = {"type": "input", "block_id": block_id, "optional": optional, "label": _plain(label_text),
             "element": {"type": "plain_text_input", "action_id": block_id, "multiline": True,
                         "max_length": TEXT_MAX}}
    if hint:
        block["hint"] = _plain(hint)
    return block


def review_modal(report: Any, *, week: str, locale: str) -> dict:
    """The weekly review of one report: the evidence on top, deep feedback, notes, actions, a goal change."""
    owners = [_option(label("owner_employee", locale), "employee"), _option(label("owner_manager", locale), "manager")]
    blocks: list[dict] = [
        *sections(report_lines(report, locale=locale)),
        {"type": "input", "block_id": "acknowledged", "optional": True,
         "label": _plain(label("review_acknowledge", locale)),
         "element": {"type": "checkboxes", "action_id": "acknowledged",
                     "options": [_option(label("review_acknowledge_option", locale), "yes")]}},
        _long_input("went_well", label("review_went_well", locale)),
        _long_input("to_improve", label("review_to_improve", locale)),
        {"type": "input", "block_id": "assessment", "label": _plain(label("review_assessment", locale)),
         "element": {"type": "radio_buttons", "action_id": "assessment",
                     "options": [_option(label(f"assessment_{a}", locale), a) for a in ASSESSMENTS]}},
        _long_input("private_notes", label("review_private_notes", locale),
                    hint=label("review_private_notes_hint", locale)),
    ]
    for n in range(1, ACTION_ROWS + 1):
        blocks += [
            {"type": "input", "block_id": f"action:{n}:text", "optional": True,
             "label": _plain(label("review_action", locale, n=n)),
             "element": {"type": "plain_text_input", "action_id": "text", "max_length": 500}},
            {"type": "input", "block_id": f"action:{n}:owner", "optional": True,
             "label": _plain(label("review_action_owner", locale, n=n)),
             "element": {"type": "static_select", "action_id": "owner", "options": owners,
                         "initial_option": owners[0]}},
            {"type": "input", "block_id": f"action:{n}:due_date", "optional": True,
             "label": _plain(label("review_action_due", locale, n=n)),
             "element": {"type": "datepicker", "action_id": "due_date"}},
        ]
    goals = [line.goal for line in report.goals]
    if goals:
        blocks += [
            {"type": "input", "block_id": "goal_id", "optional": True, "label": _plain(label("review_goal", locale)),
             "element": {"type": "static_select", "action_id": "goal_id",
                         "options": [_option(goal.title, str(goal.id)) for goal in goals[:100]]}},
            {"type": "input", "block_id": "new_target", "optional": True,
             "label": _plain(label("review_new_target", locale)),
             "element": {"type": "plain_text_input", "action_id": "new_target"}},
            {"type": "input", "block_id": "new_due_date", "optional": True,
             "label": _plain(label("review_new_due", locale)),
             "element": {"type": "datepicker", "action_id": "new_due_date"}},
            _long_input("adjust_reason", label("review_adjust_reason", locale)),
        ]
    return {
        "type": "modal",
        "callback_id": REVIEW_VIEW,
        "private_metadata": json.dumps({"subject_id": report.person.id, "week": week}),
        "title": _plain(label("review_modal_title", locale)),
        "submit": _plain(label("review_submit", locale)),
        "close": _plain(label("cancel", locale)),
        "blocks": blocks,
    }


def feedback_to_employee(view: dict, *, manager: str, week: str, feedback_id: int, locale: str,
                         translatable: bool = False) -> dict:
    """The employee's DM: the feedback and action items in their language (never the private notes); with a
    Translate button when `translatable` (written in another language, and the assistant translates)."""
    actions = [{"text": action["text"], "owner": action["owner_name"],
                "due": label("date", locale, d=action["due_date"]) if action.get("due_date") else ""}
               for action in view.get("actions", [])]
    text = render("feedback_to_employee", locale, manager=manager, week=week,
                  assessment=label(f"assessment_{view['assessment']}", locale) if view.get("assessment") else "",
                  went_well=view.get("went_well") or "", to_improve=view.get("to_improve") or "", actions=actions)
    return {"text": text, "blocks": [*sections(text), {"type": "actions", "block_id": f"reflect-{feedback_id}",
            "elements": [{"type": "button", "action_id": REFLECT_ACTION, "style": "primary",
                          "value": str(feedback_id), "text": _plain(label("reflect", locale))},
                         *([assistant_blocks.translate_button(f"feedback:{feedback_id}", locale=locale)]
                           if translatable else [])]}]}


def reflect_modal(feedback_id: int, *, locale: str) -> dict:
    return {
        "type": "modal",
        "callback_id": REFLECT_VIEW,
        "private_metadata": str(feedback_id),
        "title": _plain(label("reflect_modal_title", locale)),
        "submit": _plain(label("send", locale)),
        "close": _plain(label("cancel", locale)),
        "blocks": [_long_input("will_do_differently", label("reflect_will_do", locale)),
                   _long_input("support_needed", label("reflect_support", locale))],
    }


def feedback_sent(*, name: str, week: str, locale: str) -> dict:
    return markdown_message(render("feedback_sent", locale, name=name, week=week))


def reflection_to_manager(*, name: str, week: str, will_do: str | None, support: str | None, locale: str) -> dict:
    return markdown_message(render("reflection_to_manager", locale, name=name, week=week, will_do=will_do or "",
                                   support=support or ""))


def reflection_sent(*, manager: str, locale: str) -> dict:
    return markdown_message(render("reflection_sent", locale, manager=manager))


def one_on_one_logged(*, name: str, locale: str) -> dict:
    return markdown_message(render("one_on_one_logged", locale, name=name))

