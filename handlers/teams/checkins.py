"""Check-ins in Teams: the weekly dialog, history, away and back, the reminder's snooze, the manager's reply.

The actions (actions/checkins.py) are Slack's /checkin's: this module reads the Teams payloads into their inputs
and shows their outcomes as cards and dialogs.
"""

from __future__ import annotations

import asyncio
import re
from typing import TYPE_CHECKING, Any

from actions import checkins as checkin_actions
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
from prompts import cards, checkin_blocks
from prompts.goal_blocks import error_text
from prompts.render import label
from storage import checkins
from storage.models import Person

if TYPE_CHECKING:
    from bot.deps import Deps

_WEEK = re.compile(r"^[0-9]{4}-W[0-9]{2}$")


def register(app: Any, deps: Deps) -> None:
    @app.on_dialog_submit(cards.SUBMIT_CHECKIN)
    async def submit_checkin(ctx: Any) -> dict:
        caller = await identify(ctx, deps)
        refused, outcome = await asyncio.to_thread(record, deps, caller, data_of(ctx), ctx.activity)
        if outcome is None:
            return refused
        return cards.close_dialog(outcome.reply["text"])

    @app.on_dialog_submit(cards.SUBMIT_REPLY)
    async def submit_reply(ctx: Any) -> dict | None:
        caller = await identify(ctx, deps)
        data = data_of(ctx)
        text = data.get("reply") if isinstance(data.get("reply"), str) else ""
        if caller.person is None:
            return cards.message_dialog(error_text("reply_not_allowed", caller.locale), locale=caller.locale)
        outcome = await asyncio.to_thread(act, deps, caller, checkin_actions.reply_to_checkin, activity=ctx.activity,
                                          checkin_id=record_id(data.get("checkin_id")), text=text[:FIELD_MAX])
        if outcome.errors.get("reply") == "reply_not_allowed":
            return cards.message_dialog(error_text("reply_not_allowed", caller.locale), locale=caller.locale)
        if not outcome.ok:
            return cards.reply_dialog(checkin_id=int(data["checkin_id"]), name=outcome_subject_name(deps, caller, data),
                                      locale=caller.locale, value=text[:FIELD_MAX], errors=dict(outcome.errors))
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
    return None if outcome.ok else cards.text_card(error_text(outcome.errors["resolve"], caller.locale))


def outcome_subject_name(deps: Deps, caller: TeamsCaller, data: dict) -> str:
    with deps.sessions() as session:
        subject = checkin_actions.checkin_subject(session, caller.person, record_id(data.get("checkin_id")))
        return subject.name if subject else ""


# ---- commands ---------------------------------------------------------------------------------


def button_card(deps: Deps, person: Person, *, locale: str) -> dict:
    """`checkin`: the button that opens this week's dialog."""
    week = checkins.current_week(person, now=deps.clock.now(), default_zone=deps.settings.default_timezone)
    return cards.checkin_button_card(week=week, locale=locale)


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
        return cards.dialog(label("app_name", caller.locale), stranger_card(deps, caller.locale))
    person = caller.person
    with deps.sessions() as session:
        weeks = checkins.open_weeks(session, person, now=deps.clock.now(), default_zone=deps.settings.default_timezone)
        # This week first, unless the button came from a reminder about last week.
        weeks.sort(key=lambda choice: (choice.week != week, choice.late))
        active = checkins.active_goals(session, person)
        if values is None:
            existing = checkins.existing(session, person, weeks[0].week)
            reported = {p.goal_id: p for p in checkins.progress_of(session, existing)} if existing else {}
            values = cards.checkin_values(active, existing=existing, existing_progress=reported)
    return cards.checkin_dialog(active, weeks=weeks, values=values, errors=errors, locale=caller.locale)


def form_of(data: dict) -> tuple[dict[str, str | None], dict[str, str]]:
    """Read the dialog's fields from a submit; a field that is not text (only a forged submit sends one) is an error."""
    values: dict[str, str | None] = {}
    errors: dict[str, str] = {}
    for key, value in data.items():
        if key not in cards.CHECKIN_FIELDS and cards.parse_goal_field(key) is None:
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
                  form=checkin_flow.checkin_input(values, goal_field=cards.parse_goal_field))
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
    return cards.card_from_block_kit(outcome.reply) if outcome.ok else None


def reply_dialog(deps: Deps, caller: TeamsCaller, raw_id: Any) -> dict:
    """The Respond button of a blocker alert: the reply dialog, for the employee's manager or HR only.

    Opening it marks the alert seen, and the employee is told so once (actions.checkins.open_reply).
    """
    checkin_id = record_id(raw_id)
    outcome = act(deps, caller, checkin_actions.open_reply, checkin_id=checkin_id) if caller.person else None
    if outcome is None or not outcome.ok:
        return cards.message_dialog(error_text("reply_not_allowed", caller.locale), locale=caller.locale)
    return cards.reply_dialog(checkin_id=checkin_id, name=outcome.value.name, locale=caller.locale)
