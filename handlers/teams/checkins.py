"""Check-ins in Teams: the weekly dialog, history, away and back, the reminder's snooze, the manager's reply.

The same storage verbs, rules and words as Slack's /checkin (handlers/checkins.py), whose reply builders are
reused where they take no Slack input; only the surface differs.
"""

from __future__ import annotations

import asyncio
import re
from typing import TYPE_CHECKING, Any

from handlers import checkin_flow
from handlers import checkins as slack_checkins
from handlers.checkin_flow import Recorded
from handlers.teams.context import TeamsCaller, card_message, identify, stranger_card
from handlers.teams.mentions import Mention
from handlers.teams.notify import locale_of, notify_manager_of_blocker, send_where_they_are, teams_chat_of
from prompts import cards, checkin_blocks, render
from prompts.goal_blocks import error_text
from prompts.render import label
from storage import checkins, deliveries, goals, people, surfaces
from storage.models import Person
from storage.permissions import PermissionDenied

if TYPE_CHECKING:
    from bot.deps import Deps

FIELD_MAX = 5000  # longer than any field allows: beyond it a value is not worth validating, only refusing
REMINDER_JOB = "checkin-reminders"  # scheduler.reminders.JOB, whose snoozes handlers/checkins.py schedules
_WEEK = re.compile(r"^[0-9]{4}-W[0-9]{2}$")


def register(app: Any, deps: Deps) -> None:
    @app.on_dialog_submit(cards.SUBMIT_CHECKIN)
    async def submit_checkin(ctx: Any) -> dict:
        caller = await identify(ctx, deps)
        refused, recorded = await asyncio.to_thread(record, deps, caller, _data(ctx))
        if recorded is None:
            return refused
        person, manager, result = caller.person, recorded.manager, recorded.result
        told = bool(result.needs_manager and manager is not None
                    and await notify_manager_of_blocker(app, deps, person, manager, result.checkin))
        thanks = checkin_blocks.thanks(
            name=person.name, week=result.checkin.week, created=result.created, late=result.late,
            streak=recorded.streak, goals=recorded.goal_lines, told_manager=told,
            manager=manager.name if manager else "", locale=caller.locale)
        await send_to_own_chat(ctx, app, deps, person, cards.card_from_block_kit(thanks))
        return cards.close_dialog(thanks["text"])

    @app.on_dialog_submit(cards.SUBMIT_REPLY)
    async def submit_reply(ctx: Any) -> dict | None:
        caller = await identify(ctx, deps)
        data = _data(ctx)
        subject = await asyncio.to_thread(checkin_subject, deps, caller.person, data.get("checkin_id"))
        if subject is None:
            return cards.message_dialog(error_text("not_allowed", caller.locale), locale=caller.locale)
        text = data.get("reply") if isinstance(data.get("reply"), str) else ""
        error = "comment_missing" if not text.strip() else (
            "text_too_long" if len(text) > checkin_blocks.FORM_TEXT_MAX else None)
        if error:
            return cards.reply_dialog(checkin_id=int(data["checkin_id"]), name=subject.name, locale=caller.locale,
                                      value=text[:FIELD_MAX], errors={"reply": error})
        await send_where_they_are(app, deps, subject, checkin_blocks.manager_reply(
            manager=caller.person.name, text=text.strip(), locale=locale_of(deps, subject)))
        return None  # closes the dialog, as Slack's modal closes


async def send_to_own_chat(ctx: Any, app: Any, deps: Deps, person: Person, card: dict) -> None:
    """Post a private answer in the person's 1:1 chat, never in the channel or group chat the dialog came from.

    Slack sends these to the person's DM; in Teams that is the stored 1:1 chat, if the bot has one yet.
    """
    if ctx.activity.conversation.conversation_type == "personal":
        await ctx.send(card_message(card))
        return
    conversation = await asyncio.to_thread(teams_chat_of, deps, person)
    if conversation is not None:
        await app.send(conversation.conversation_id, card_message(card), service_url=conversation.service_url)


def _data(ctx: Any) -> dict:
    value = ctx.activity.value
    data = value.data if value is not None else None
    return data if isinstance(data, dict) else {}


# ---- commands ---------------------------------------------------------------------------------


def button_card(deps: Deps, person: Person, *, locale: str) -> dict:
    """`checkin`: the button that opens this week's dialog."""
    week = checkins.current_week(person, now=deps.clock.now(), default_zone=deps.settings.default_timezone)
    return cards.checkin_button_card(week=week, locale=locale)


def history(deps: Deps, viewer: Person, who: Mention | None, *, locale: str) -> dict:
    """`checkin history [@person]`: your own, a report's (managers), anyone's (HR), as Slack's words it."""
    subject = viewer if who is None else who.person
    with deps.sessions() as session:
        try:
            if subject is None:
                raise PermissionDenied("unknown person")
            entries = checkins.history(session, viewer, subject)
        except PermissionDenied:
            return cards.text_card(render("checkin_history_not_allowed", locale))
        rendered = [slack_checkins.history_entry(session, checkin, progress, locale=locale)
                    for checkin, progress in entries]
    return cards.card_from_block_kit(checkin_blocks.history(rendered, own=subject.id == viewer.id, name=subject.name,
                                                            locale=locale))


def away(deps: Deps, person: Person, argument: str, *, locale: str) -> dict:
    """`checkin away until YYYY-MM-DD` (argument) and `checkin back` (no argument)."""
    return cards.card_from_block_kit(slack_checkins.away_reply({"deps": deps}, person, argument, locale=locale))


def here(deps: Deps, person: Person, *, locale: str) -> dict:
    """`checkin here`: send this person's reminders and other scheduled messages to Teams from now on."""
    with deps.sessions() as session:
        surfaces.prefer(session, person, surfaces.TEAMS, now=deps.clock.now())
    return cards.text_card(label("surface_preferred", locale, surface="Microsoft Teams"))


def welcome(deps: Deps, person: Person, *, locale: str) -> dict:
    return cards.card_from_block_kit(slack_checkins.welcome_reply({"deps": deps}, person, locale=locale))


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


def record(deps: Deps, caller: TeamsCaller, data: dict) -> tuple[dict, Recorded | None]:
    """Validate and store the check-in; return the dialog to show again (errors, values kept) or what was recorded."""
    if caller.person is None:
        return checkin_dialog(deps, caller), None
    values, errors = form_of(data)
    week = values.get("week")
    if errors:
        return checkin_dialog(deps, caller, week=week, values=values, errors=errors), None
    try:
        recorded = checkin_flow.record_checkin(deps, caller.person, checkin_flow.checkin_input(
            values, goal_field=cards.parse_goal_field), locale=caller.locale)
    except checkins.CheckinValidationError as error:
        return checkin_dialog(deps, caller, week=week, values=values, errors=error.errors), None
    except (PermissionDenied, goals.GoalError):
        return checkin_dialog(deps, caller, week=week, values=values, errors={"goals": "goal_not_yours"}), None
    return {}, recorded


# ---- the reminder's buttons and the manager's reply --------------------------------------------


def snooze(deps: Deps, caller: TeamsCaller, value: str) -> dict | None:
    """Snooze a reminder as Slack does (`<week>|2h` or `<week>|morning`); None for a week or choice that is not open."""
    person = caller.person
    week, _, choice = value.partition("|")
    if person is None or choice not in checkin_blocks.SNOOZE_CHOICES or not _WEEK.match(week):
        return None
    now = deps.clock.now()
    with deps.sessions() as session:
        if week not in {w.week for w in checkins.open_weeks(session, person, now=now,
                                                             default_zone=deps.settings.default_timezone)}:
            return None  # a forged week, or one whose check-in has closed: nothing to remind about
        zone = people.zone_of(person, default=deps.settings.default_timezone)
        at = slack_checkins.snooze_until(now, choice, zone)
        deliveries.schedule(session, job=REMINDER_JOB, person_id=person.id, period=f"{week}:snooze", at=at, now=now)
    local = at.astimezone(zone)
    when = f"{label('date', caller.locale, d=local.date())} {local:%H:%M}"
    return cards.card_from_block_kit(checkin_blocks.snoozed(at=when, locale=caller.locale))


def checkin_subject(deps: Deps, viewer: Person | None, raw_id: Any) -> Person | None:
    """Whose check-in this is, if the viewer may answer it (their manager or HR): Slack's rule."""
    return checkin_flow.checkin_subject(deps, viewer, raw_id)


def reply_dialog(deps: Deps, caller: TeamsCaller, raw_id: Any) -> dict:
    """The Respond button of a blocker alert: the reply dialog, for the employee's manager or HR only."""
    subject = checkin_subject(deps, caller.person, raw_id)
    if subject is None:
        return cards.message_dialog(error_text("not_allowed", caller.locale), locale=caller.locale)
    return cards.reply_dialog(checkin_id=int(raw_id), name=subject.name, locale=caller.locale)

