"""Block Kit for check-ins: the weekly modal, reminders with snooze, thanks, blocker alerts, history."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from prompts import question_blocks, warning_blocks
from prompts.blocks import markdown_message, sections
from prompts.goal_blocks import number, plain_number
from prompts.render import label, render

CHECKIN_VIEW = "checkin_submit"
FROM_HOME = "|home"  # after the week in the modal's private_metadata: opened from the App Home
REPLY_VIEW = "checkin_reply"
OPEN_CHECKIN_ACTION = "checkin_open"
SNOOZE_ACTION = "checkin_snooze"
RESPOND_ACTION = "checkin_respond"
RESOLVE_ACTION = "checkin_resolve"  # the employee's "Resolved" on their manager's reply; value: the check-in id
SNOOZE_CHOICES = ("2h", "morning")
STATUSES = ("on_track", "at_risk", "off_track", "done")
GOALS_IN_MODAL = 20  # three blocks each (value, "no change", status), within a modal's 100
FORM_TEXT_MAX = 3000
# Last week's follow-ups, named alike in Slack's modal and Teams' dialog (handlers.checkin_flow reads them).
BLOCKER_FIELD_PREFIX = "blocker:"  # + the alert's id; the answer to "Is <blocker> resolved?"
BLOCKER_ANSWERS = ("resolved", "still")
ACTIONS_DONE_FIELD = "actions_done"  # the ids of the action items ticked done, comma-separated
NO_CHANGE = "same"  # a goal's "no change since last week": field goal:<id>:same ...
NO_CHANGE_ON = "true"  # ... holding this when ticked (an Input.Toggle's own "on": the dialog stays small)
BLOCKER_SHOWN_MAX = 60  # a blocker quoted in its question is shortened to this many characters


def _plain(text: str) -> dict:
    return {"type": "plain_text", "text": text, "emoji": True}


def _option(text: str, value: str) -> dict:
    return {"text": _plain(text[:75]), "value": value}


def _long_text(block_id: str, label_text: str, initial: str | None) -> dict:
    element = {"type": "plain_text_input", "action_id": block_id, "multiline": True, "max_length": FORM_TEXT_MAX}
    if initial:
        element["initial_value"] = initial
    return {"type": "input", "block_id": block_id, "optional": True, "label": _plain(label_text),
            "element": element}


@dataclass(frozen=True)
class WeekOption:
    week: str
    late: bool


def opened_from_home(private_metadata: str | None) -> tuple[str, bool]:
    """The week a check-in modal files, and whether it was opened from the App Home."""
    week = private_metadata or ""
    return week.removesuffix(FROM_HOME), week.endswith(FROM_HOME)


def checkin_modal(goals: Sequence[Any], *, weeks: Sequence[WeekOption], existing: Any | None,
                  existing_progress: dict[int, Any], locale: str, follow_ups: Any | None = None,
                  questions: Sequence[Any] = (), answers: dict[str, str] | None = None,
                  flags: Sequence[Any] = (), from_home: bool = False) -> dict:
    """The weekly check-in, prefilled with each active goal and, when editing, what was said before.

    Its private_metadata is the week it files, followed by FROM_HOME when opened from the App Home (whose tab
    the submission then refreshes: see opened_from_home).

    It opens with what last week left open (`follow_ups`, storage.checkins.FollowUps): each blocker still open
    ("Is ... resolved?"), carried into the blockers field, and the action items due, each with a tick.
    """
    blocks: list[dict] = []
    if len(weeks) > 1:
        options = [_option(label("checkin_last_week" if w.late else "checkin_this_week", locale, week=w.week),
                           w.week) for w in weeks]
        blocks.append({"type": "input", "block_id": "week", "label": _plain(label("checkin_week", locale)),
                       "element": {"type": "static_select", "action_id": "week", "options": options,
                                   "initial_option": options[0]}})
    if follow_ups is not None:
        blocks += follow_up_inputs(follow_ups, locale=locale)
    # Goals flagged by an early warning ("Is this target still right?") are asked about here, before the goals.
    blocks += warning_blocks.target_questions(flags, locale=locale)  # `flags`: storage.warnings.flagged_goals
    for goal in goals[:GOALS_IN_MODAL]:
        blocks += _goal_inputs(goal, existing_progress.get(goal.id), locale=locale)
    # The team's and plan's own questions (storage.questions), after the goals; `answers`: this week's, when editing.
    blocks += question_blocks.answer_inputs(questions, answers or {}, locale=locale)
    confidence_options = [_option(label(f"confidence_{n}", locale), str(n)) for n in range(1, 6)]
    confidence: dict = {"type": "radio_buttons", "action_id": "confidence", "options": confidence_options}
    if existing is not None and existing.confidence:
        confidence["initial_option"] = confidence_options[existing.confidence - 1]
    blocks += [
        {"type": "input", "block_id": "confidence", "label": _plain(label("checkin_confidence", locale)),
         "element": confidence},
        _long_text("highlights", highlights_question(weeks[0].week if weeks else "", locale),
                   existing.highlights if existing else None),
        _long_text("blockers", label("checkin_blockers", locale),
                   existing.blockers if existing else _carried_blockers(follow_ups)),
        _long_text("help_needed", label("checkin_help", locale), existing.help_needed if existing else None),
    ]
    return {
        "type": "modal",
        "callback_id": CHECKIN_VIEW,
        "private_metadata": (weeks[0].week if weeks else "") + (FROM_HOME if from_home else ""),
        "title": _plain(label("checkin_modal_title", locale)),
        "submit": _plain(label("submit", locale)),
        "close": _plain(label("cancel", locale)),
        "blocks": blocks,
    }


def highlights_question(week: str, locale: str) -> str:
    """The highlights question, in one of a few wordings chosen by the ISO week's number: it changes from week to
    week, and stays put when the same week's form is shown again."""
    number_of_week = int(week[-2:]) if week[-2:].isdigit() else 0
    return render("checkin_highlights_question", locale, week_number=number_of_week)


def shortened(text: str, limit: int = BLOCKER_SHOWN_MAX) -> str:
    """One line of at most `limit` characters, ending in … when cut."""
    line = " ".join(text.split())
    return line if len(line) <= limit else line[:limit - 1].rstrip() + "…"


def blocker_question(text: str, locale: str) -> str:
    return render("checkin_blocker_question", locale, blocker=shortened(text))


def follow_up_choices(follow_ups: Any, *, locale: str) -> tuple[list[tuple[int, str, list[tuple[str, str]]]],
                                                                    list[tuple[str, str]]]:
    """The follow-ups as plain choices for either surface: per blocker (alert id, question, [(words, answer)]),
    and the action items due as [(words, id)]."""
    answers = [(label(f"checkin_blocker_{answer}", locale), answer) for answer in BLOCKER_ANSWERS]
    blockers = [(b.attention_id, blocker_question(b.text, locale), answers) for b in follow_ups.blockers]
    actions = [(label("checkin_action_due", locale, text=shortened(a.text, 40),
                      due=label("date", locale, d=a.due_date)), str(a.id)) for a in follow_ups.actions]
    return blockers, actions


def follow_up_inputs(follow_ups: Any, *, locale: str) -> list[dict]:
    """Last week's open blockers (resolved / still blocked) and the action items due (a tick each)."""
    blockers, actions = follow_up_choices(follow_ups, locale=locale)
    blocks = []
    for attention_id, question, answers in blockers:
        blocks.append({"type": "input", "block_id": f"{BLOCKER_FIELD_PREFIX}{attention_id}", "optional": True,
                       "label": _plain(question[:2000]),
                       "element": {"type": "radio_buttons", "action_id": "answer",
                                   "options": [_option(text, value) for text, value in answers]}})
    if actions:
        blocks.append({"type": "input", "block_id": ACTIONS_DONE_FIELD, "optional": True,
                       "label": _plain(label("checkin_actions_due", locale)),
                       "element": {"type": "checkboxes", "action_id": ACTIONS_DONE_FIELD,
                                   "options": [_option(text, value) for text, value in actions]}})
    return blocks


def _carried_blockers(follow_ups: Any | None) -> str | None:
    return follow_ups.prefill_blockers() if follow_ups is not None else None


def _goal_inputs(goal: Any, reported: Any | None, *, locale: str) -> list[dict]:
    unit = f" {goal.unit}" if goal.unit else ""
    hint = f"{number(goal.start_value)} → {number(goal.target_value)}{unit}"
    value = reported.value if reported is not None else goal.current_value
    status = reported.status if reported is not None else goal.status
    status_options = [_option(label(f"status_{s}", locale), s) for s in STATUSES]
    return [
        {"type": "input", "block_id": f"goal:{goal.id}:value", "label": _plain(goal.title[:2000]), "optional": True,
         "hint": _plain(hint), "element": {"type": "plain_text_input", "action_id": "value",
                                           "initial_value": plain_number(value)}},
        {"type": "input", "block_id": f"goal:{goal.id}:{NO_CHANGE}", "optional": True,
         "label": _plain(label("checkin_no_change_label", locale)),
         "element": {"type": "checkboxes", "action_id": NO_CHANGE,
                     "options": [_option(label("checkin_no_change", locale), NO_CHANGE_ON)]}},
        {"type": "input", "block_id": f"goal:{goal.id}:status", "optional": True,
         "label": _plain(label("checkin_goal_status", locale)),
         "element": {"type": "static_select", "action_id": "status", "options": status_options,
                     "initial_option": status_options[STATUSES.index(status)] if status in STATUSES else
                     status_options[0]}},
    ]


def reminder(*, name: str, week: str, follow_up: bool, locale: str) -> dict:
    """The reminder DM: the words, then Check in now / Snooze 2 hours / Tomorrow morning."""
    text = render("checkin_reminder", locale, name=name, week=week, follow_up=follow_up)
    return {"text": text, "blocks": [*sections(text), _reminder_actions(week, locale=locale)]}


def _reminder_actions(week: str, *, locale: str) -> dict:
    return {"type": "actions", "block_id": f"remind-{week}", "elements": [
        {"type": "button", "action_id": OPEN_CHECKIN_ACTION, "style": "primary", "value": week,
         "text": _plain(label("check_in_now", locale))},
        {"type": "button", "action_id": f"{SNOOZE_ACTION}-2h", "value": f"{week}|2h",
         "text": _plain(label("snooze_2h", locale))},
        {"type": "button", "action_id": f"{SNOOZE_ACTION}-morning", "value": f"{week}|morning",
         "text": _plain(label("snooze_morning", locale))},
    ]}


def snoozed(*, at: str, locale: str) -> dict:
    return markdown_message(render("checkin_snoozed", locale, at=at))


def thanks(*, name: str, week: str, created: bool, late: bool, streak: int, goals: Sequence[dict],
           told_manager: bool, manager: str, locale: str, resolved: Sequence[str] = (),
           still_blocked: Sequence[str] = (), done: Sequence[str] = (), answers: Sequence[Any] = ()) -> dict:
    """The thanks after a check-in: its goals, what its follow-ups did (blockers marked resolved or still blocked,
    action items done) and the custom answers given."""
    return markdown_message(render(
        "checkin_thanks", locale, name=name, week=week, created=created, late=late, streak=streak, goals=goals,
        told_manager=told_manager, manager=manager, resolved=[_one_line(text) for text in resolved],
        still_blocked=[_one_line(text) for text in still_blocked], done=[_one_line(text) for text in done],
        answers=question_blocks.answer_lines(answers, locale=locale) if answers else ""))


def _one_line(text: str, clip: int = 150) -> str:
    text = " ".join(text.split())
    return text if len(text) <= clip else text[: clip - 1] + "…"


def blocker_alert(*, name: str, week: str, confidence: int | None, blockers: str | None, help_needed: str | None,
                  checkin_id: int, locale: str) -> dict:
    """The DM telling a manager that a report is blocked or unsure, with a button to respond."""
    text = render("blocker_alert", locale, name=name, week=week, confidence=confidence, blockers=blockers or "",
                  help_needed=help_needed or "")
    return {"text": text, "blocks": [*sections(text), {"type": "actions", "block_id": f"respond-{checkin_id}",
            "elements": [{"type": "button", "action_id": RESPOND_ACTION, "style": "primary",
                          "value": str(checkin_id), "text": _plain(label("respond", locale))}]}]}


def reply_modal(*, checkin_id: int, name: str, locale: str) -> dict:
    return {
        "type": "modal",
        "callback_id": REPLY_VIEW,
        "private_metadata": str(checkin_id),
        "title": _plain(label("reply_modal_title", locale)),
        "submit": _plain(label("send", locale)),
        "close": _plain(label("cancel", locale)),
        "blocks": [{"type": "input", "block_id": "reply", "label": _plain(label("reply_text", locale, name=name)),
                    "element": {"type": "plain_text_input", "action_id": "reply", "multiline": True,
                                "max_length": FORM_TEXT_MAX}}],
    }


def manager_reply(*, manager: str, text: str, locale: str, resolve_id: int | None = None) -> dict:
    """The manager's answer to a blocker; with `resolve_id`, a button for the employee to say it is resolved."""
    message = markdown_message(render("manager_reply", locale, manager=manager, text=text))
    if resolve_id is None:
        return message
    button = {"type": "button", "action_id": RESOLVE_ACTION, "value": str(resolve_id),
              "text": _plain(render("blocker_resolve_button", locale))}
    return {**message, "blocks": [*message["blocks"], {"type": "actions", "block_id": f"resolve-{resolve_id}",
                                                       "elements": [button]}]}


def blocker_seen(*, manager: str, week: str, locale: str) -> dict:
    """The short notice that the manager has opened the employee's alert."""
    return markdown_message(render("blocker_seen", locale, manager=manager, week=week))


def blocker_resolved(*, name: str, week: str, to_manager: bool, locale: str) -> dict:
    """A blocker marked resolved: the employee's confirmation (`name`: the manager), or the manager's notice."""
    return markdown_message(render("blocker_resolved", locale, name=name, week=week, to_manager=to_manager))


def blocker_escalation(*, name: str, manager: str, week: str, waited: int, since: str, confidence: int | None,
                       blockers: str | None, help_needed: str | None, locale: str) -> dict:
    """The skip-level manager's one message about an alert their report has not answered."""
    return markdown_message(render("blocker_escalation", locale, name=name, manager=manager, week=week,
                                   waited=waited, since=since, confidence=confidence, blockers=blockers or "",
                                   help_needed=help_needed or ""))


def history(entries: Sequence[dict], *, own: bool, name: str, locale: str) -> dict:
    return markdown_message(render("checkin_history", locale, entries=entries, own=own, name=name))


def away(*, until: str | None, locale: str) -> dict:
    return markdown_message(render("checkin_away", locale, until=until or ""))


def home_section(*, latest: Any | None, streak: int, this_week_done: bool, locale: str) -> list[dict]:
    """The App Home's check-in lines and button."""
    text = render("home_checkins", locale, latest=latest, streak=streak, this_week_done=this_week_done)
    return [*sections(text), {"type": "actions", "block_id": "home-checkin", "elements": [
        {"type": "button", "action_id": OPEN_CHECKIN_ACTION, "value": "",
         "text": _plain(label("check_in_now", locale))}]}]
