"""Check-ins in Teams: the weekly dialog, history, away and back, the reminder's snooze, the manager's reply.

The actions (actions/checkins.py) are Slack's /checkin's: this module reads the Teams payloads into their inputs
and shows their outcomes as cards and dialogs.
"""

from __future__ import annotations

import asyncio
import re
from typing import TYPE_CHECKING, Any

from actions import checkins as checkin_actions
from actions import questions as question_actions
from actions import warnings as warning_actions
from actions.outcome import Outcome
from handlers import checkin_flow
from handlers.forms import record_id
from handlers.teams.context import (
    FIELD_MAX,
    TeamsCaller,
    act,
    answer_card,
    card_message,
    data_of,
    identify,
    stranger_card,
)
from handlers.teams.mentions import Mention
from prompts import adaptive, checkin_blocks, checkin_cards, question_blocks, warning_blocks
from prompts.goal_blocks import error_text
from prompts.render import label
from storage import checkins, questions, warnings
from storage.models import Person

if TYPE_CHECKING:
    from bot.deps import Deps

_WEEK = re.compile(r"^[0-9]{4}-W[0-9]{2}$")


def register(app: Any, deps: Deps) -> None:
    @app.on_dialog_open(QUESTIONS_DIALOG)
    async def open_questions(ctx: Any) -> dict:
        caller = await identify(ctx, deps)
        scope = data_of(ctx).get("scope")
        return await asyncio.to_thread(questions_dialog, deps, caller, scope if isinstance(scope, str) else "")

    @app.on_dialog_submit(question_blocks.QUESTIONS_VIEW)
    async def submit_questions(ctx: Any) -> dict:
        caller = await identify(ctx, deps)
        return await asyncio.to_thread(save_questions, deps, caller, data_of(ctx), ctx.activity)

    @app.on_dialog_submit(checkin_cards.SUBMIT_CHECKIN)
    async def submit_checkin(ctx: Any) -> dict:
        caller = await identify(ctx, deps)
        refused, outcome = await asyncio.to_thread(record, deps, caller, data_of(ctx), ctx.activity)
        if outcome is None:
            return refused
        return adaptive.close_dialog(outcome.reply["text"])

    @app.on_dialog_submit(checkin_cards.SUBMIT_REPLY)
    async def submit_reply(ctx: Any) -> dict | None:
        caller = await identify(ctx, deps)
        data = data_of(ctx)
        text = data.get("reply") if isinstance(data.get("reply"), str) else ""
        if caller.person is None:
            return adaptive.message_dialog(error_text("reply_not_allowed", caller.locale), locale=caller.locale)
        outcome = await asyncio.to_thread(act, deps, caller, checkin_actions.reply_to_checkin, activity=ctx.activity,
                                          checkin_id=record_id(data.get("checkin_id")), text=text[:FIELD_MAX])
        if outcome.errors.get("reply") == "reply_not_allowed":
            return adaptive.message_dialog(error_text("reply_not_allowed", caller.locale), locale=caller.locale)
        if not outcome.ok:
            return checkin_cards.reply_dialog(checkin_id=int(data["checkin_id"]),
                                              name=outcome_subject_name(deps, caller, data), locale=caller.locale,
                                              value=text[:FIELD_MAX], errors=dict(outcome.errors))
        return None  # closes the dialog, as Slack's modal closes


    @app.on_message
    async def resolve_button(ctx: Any) -> None:
        """The employee's Resolved button on their manager's reply (a card's plain submit); others pass on."""
        activity = ctx.activity
        data = activity.value if activity.value is not None and not activity.text else None
        if not isinstance(data, dict) or data.get("action") != checkin_blocks.RESOLVE_ACTION:
            return await ctx.next()
        caller = await identify(ctx, deps)
        card = await asyncio.to_thread(resolve, deps, caller, data.get("value"), activity)
        if card is not None:
            await ctx.send(card_message(card))


def resolve(deps: Deps, caller: TeamsCaller, raw_id: Any, activity: Any = None) -> dict | None:
    """Mark the blocker resolved; None when the confirmation went out as a notice, else the refusal's card."""
    if caller.person is None:
        return stranger_card(deps, caller.locale)
    outcome = act(deps, caller, checkin_actions.resolve_blocker, activity=activity, checkin_id=record_id(raw_id))
    return None if outcome.ok else adaptive.text_card(error_text(outcome.errors["resolve"], caller.locale))


def outcome_subject_name(deps: Deps, caller: TeamsCaller, data: dict) -> str:
    with deps.sessions() as session:
        subject = checkin_actions.checkin_subject(session, caller.person, record_id(data.get("checkin_id")))
        return subject.name if subject else ""


# ---- commands ---------------------------------------------------------------------------------


QUESTIONS_DIALOG = "questions_open"


def questions_card(deps: Deps, caller: TeamsCaller, argument: str) -> dict:
    """`checkin questions [team NAME | plan NAME]`: the button that opens the list's dialog (HR, the team's manager)."""
    if caller.person is None:
        return stranger_card(deps, caller.locale)
    outcome = act(deps, caller, question_actions.open_questions, argument=argument)
    if not outcome.ok:
        return adaptive.text_card(error_text(outcome.errors["questions"], caller.locale))
    scope = outcome.value.scope
    button = {"type": "Action.Submit", "title": label("questions_edit", caller.locale),
              "data": {"msteams": {"type": "task/fetch"}, "dialog_id": QUESTIONS_DIALOG, "scope": scope.key}}
    return adaptive.text_card(f"*{question_blocks.scope_title(scope.kind, scope.name, caller.locale)}*",
                              actions=[button])


def questions_dialog(deps: Deps, caller: TeamsCaller, scope_key: str, *, text: str | None = None,
                     words: dict[str, str] | None = None) -> dict:
    """Slack's questions modal as a dialog; after a refused submit, the text kept and the lines at fault under it."""
    if caller.person is None:
        return adaptive.dialog(label("app_name", caller.locale), stranger_card(deps, caller.locale))
    outcome = act(deps, caller, question_actions.open_questions, scope_key=scope_key)
    if not outcome.ok:
        return adaptive.message_dialog(error_text(outcome.errors["questions"], caller.locale), locale=caller.locale)
    scope = outcome.value.scope
    modal = question_blocks.questions_modal(scope_key=scope.key, scope_kind=scope.kind, scope_name=scope.name,
                                            source=outcome.value.source, locale=caller.locale)
    return adaptive.dialog_from_modal(
        modal, data={"action": question_blocks.QUESTIONS_VIEW, "scope": scope.key}, locale=caller.locale,
        values=None if text is None else {question_blocks.QUESTIONS_FIELD: text}, words=words)


def save_questions(deps: Deps, caller: TeamsCaller, data: dict, activity: Any = None) -> dict:
    """Save the list as Slack's modal does: the dialog closes, or shows again with every line at fault."""
    scope = data.get("scope") if isinstance(data.get("scope"), str) else ""
    raw = data.get(question_blocks.QUESTIONS_FIELD)
    text = raw[:question_blocks.LIST_MAX] if isinstance(raw, str) else ""
    if caller.person is None:
        return adaptive.dialog(label("app_name", caller.locale), stranger_card(deps, caller.locale))
    outcome = act(deps, caller, question_actions.save_questions, activity=activity, scope_key=scope, text=text)
    if outcome.ok:
        return adaptive.close_dialog(outcome.reply["text"])
    if not outcome.value:
        return adaptive.message_dialog(error_text(outcome.errors["questions"], caller.locale), locale=caller.locale)
    words = {question_blocks.QUESTIONS_FIELD: question_blocks.error_lines(outcome.value, caller.locale)}
    return questions_dialog(deps, caller, scope, text=text, words=words)


def button_card(deps: Deps, person: Person, *, locale: str) -> dict:
    """`checkin`: the button that opens this week's dialog."""
    week = checkins.current_week(person, now=deps.clock.now(), default_zone=deps.settings.default_timezone)
    return checkin_cards.checkin_button_card(week=week, locale=locale)


def history(deps: Deps, caller: TeamsCaller, who: Mention | None) -> dict:
    """`checkin history [@person]`: your own, a report's (managers), anyone's (HR)."""
    subject = caller.person if who is None else who.person
    return answer_card(deps, caller, checkin_actions.history, subject=subject)


def away(deps: Deps, caller: TeamsCaller, argument: str) -> dict:
    """`checkin away until YYYY-MM-DD` (argument) and `checkin back` (no argument)."""
    return answer_card(deps, caller, checkin_actions.set_away, argument=argument)


def here(deps: Deps, caller: TeamsCaller) -> dict:
    """`checkin here`: send this person's reminders and other scheduled messages to Teams from now on."""
    return answer_card(deps, caller, checkin_actions.prefer_surface)


def welcome(deps: Deps, caller: TeamsCaller) -> dict:
    schedule = deps.schedule
    return answer_card(deps, caller, checkin_actions.welcome_guide, reminder=schedule.reminder_slot,
                       nudge=schedule.nudge_slot, digest=schedule.digest_slot)


# ---- the check-in dialog ----------------------------------------------------------------------


def checkin_dialog(deps: Deps, caller: TeamsCaller, *, week: str | None = None,
                   values: dict[str, str | None] | None = None, errors: dict[str, str] | None = None) -> dict:
    """The check-in dialog for this week (or `week`, a reminder's), prefilled as Slack's modal is."""
    if caller.person is None:
        return adaptive.dialog(label("app_name", caller.locale), stranger_card(deps, caller.locale))
    person = caller.person
    with deps.sessions() as session:
        weeks = checkins.open_weeks(session, person, now=deps.clock.now(), default_zone=deps.settings.default_timezone)
        # This week first, unless the button came from a reminder about last week.
        weeks.sort(key=lambda choice: (choice.week != week, choice.late))
        active = checkins.active_goals(session, person)
        follow_ups = checkins.follow_ups(session, person, week=weeks[0].week)
        flags = warnings.flagged_goals(session, person, now=deps.clock.now(),  # "does the target still hold?"
                                       default_zone=deps.settings.default_timezone)
        existing = checkins.existing(session, person, weeks[0].week) if values is None else None
        asked, answered = questions.asked_with_answers(session, person, weeks[0].week, existing)
        if values is None:
            reported = {p.goal_id: p for p in checkins.progress_of(session, existing)} if existing else {}
            values = checkin_cards.checkin_values(active, existing=existing, existing_progress=reported,
                                                  follow_ups=follow_ups) | checkin_cards.answer_values(answered)
    return checkin_cards.checkin_dialog(active, weeks=weeks, values=values, errors=errors, locale=caller.locale,
                                        follow_ups=follow_ups, flags=flags, questions=asked)


def form_of(data: dict) -> tuple[dict[str, str | None], dict[str, str]]:
    """Read the dialog's fields from a submit; a field that is not text (only a forged submit sends one) is an error."""
    values: dict[str, str | None] = {}
    errors: dict[str, str] = {}
    for key, value in data.items():
        if key not in checkin_cards.CHECKIN_FIELDS and checkin_cards.parse_goal_field(key) is None \
                and not checkin_cards.is_follow_up_field(key) and warning_blocks.parse_field(key) is None \
                and not key.startswith(questions.FIELD_PREFIX):
            continue  # the submit action's own data, or keys no dialog of ours has
        if value is None or isinstance(value, str):
            values[key] = value[:FIELD_MAX] if value else value
        else:
            errors[key] = "invalid"
    return values, errors


def record(deps: Deps, caller: TeamsCaller, data: dict, activity: Any = None) -> tuple[dict, Outcome | None]:
    """Validate and store the check-in; return the dialog to show again (errors, values kept) or the outcome."""
    if caller.person is None:
        return checkin_dialog(deps, caller), None
    values, errors = form_of(data)
    week = values.get("week")
    if errors:
        return checkin_dialog(deps, caller, week=week, values=values, errors=errors), None
    outcome = act(deps, caller, checkin_actions.check_in, activity=activity,
                  form=checkin_flow.checkin_input(values, goal_field=checkin_cards.parse_goal_field),
                  targets=warning_actions.target_answers(values))
    if not outcome.ok:
        return checkin_dialog(deps, caller, week=week, values=values, errors=dict(outcome.errors)), None
    return {}, outcome


# ---- the reminder's buttons and the manager's reply --------------------------------------------


def snooze(deps: Deps, caller: TeamsCaller, value: str) -> dict | None:
    """Snooze a reminder as Slack does (`<week>|2h` or `<week>|morning`); None for a week or choice that is not open."""
    week, _, choice = value.partition("|")
    if caller.person is None or choice not in checkin_blocks.SNOOZE_CHOICES or not _WEEK.match(week):
        return None
    outcome = act(deps, caller, checkin_actions.snooze_reminder, week=week, choice=choice)
    return adaptive.card_from_block_kit(outcome.reply) if outcome.ok else None


def reply_dialog(deps: Deps, caller: TeamsCaller, raw_id: Any) -> dict:
    """The Respond button of a blocker alert: the reply dialog, for the employee's manager or HR only.

    Opening it marks the alert seen, and the employee is told so once (actions.checkins.open_reply).
    """
    checkin_id = record_id(raw_id)
    outcome = act(deps, caller, checkin_actions.open_reply, checkin_id=checkin_id) if caller.person else None
    if outcome is None or not outcome.ok:
        return adaptive.message_dialog(error_text("reply_not_allowed", caller.locale), locale=caller.locale)
    return checkin_cards.reply_dialog(checkin_id=checkin_id, name=outcome.value.name, locale=caller.locale)
