"""/checkin: the weekly modal, history, away; reminders' buttons; the manager's reply to a blocker."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta

from slack_bolt import App
from slack_sdk.errors import SlackApiError

from bot.deps import job_config
from handlers import checkin_flow
from handlers.context import (
    deps_of,
    identify,
    locale_of,
    mentioned_slack_id,
    send_to,
    stranger_reply,
    subcommand_of,
    tell,
)
from handlers.forms import inline_errors, metadata_id, view_values
from handlers.home import publish_home
from handlers.payloads import (
    Malformed,
    action_value,
    caller_id,
    command_caller,
    command_text,
    fields,
    iso_week,
    message_ref,
    private_metadata,
    record_id,
    trigger_id,
)
from prompts import blocks, checkin_blocks, label, render
from prompts.goal_blocks import error_text, modal_errors, number
from prompts.welcome_blocks import welcome_message
from storage import checkins, deliveries, goals, people, surfaces, welcome
from storage.models import CheckIn, Person
from storage.permissions import PermissionDenied
from storage.weeks import ActiveHours, local_moment

GOAL_FIELD = re.compile(r"^goal:([0-9]+):(value|status)$")
ALERT_JOB = "blocker-alerts"
MORNING_HOUR = 9


def register(app: App) -> None:
    app.command("/checkin")(checkin_command)
    app.action(checkin_blocks.OPEN_CHECKIN_ACTION)(open_from_button)
    app.action(re.compile(f"^{checkin_blocks.SNOOZE_ACTION}-"))(snooze)
    app.view(checkin_blocks.CHECKIN_VIEW)(submit_checkin)
    app.action(checkin_blocks.RESPOND_ACTION)(open_reply)
    app.view(checkin_blocks.REPLY_VIEW)(submit_reply)


def checkin_command(ack, command, context, client) -> None:
    caller = identify(context, client, command_caller(command))
    if caller.person is None:
        return ack(**stranger_reply(context, caller))
    subcommand, rest = subcommand_of(command)
    if subcommand == "":
        ack()
        return open_checkin(client, context, caller.person, caller.locale, trigger_id(command))
    if subcommand == "history":
        return ack(**history_reply(context, caller.person, rest, locale=caller.locale))
    if subcommand in ("away", "back"):
        return ack(**away_reply(context, caller.person, rest if subcommand == "away" else "", locale=caller.locale))
    if subcommand == "help":
        return ack(**blocks.help_message("checkin_help", locale=caller.locale))
    if subcommand == "here":
        return ack(**here_reply(context, caller.person, locale=caller.locale))
    if subcommand in ("welcome", "start"):
        return ack(**welcome_reply(context, caller.person, locale=caller.locale))
    return ack(
        **blocks.unknown_subcommand("/checkin", command_text(command), help_name="checkin_help", locale=caller.locale)
    )


def here_reply(context, person: Person, *, locale: str) -> dict:
    """Send this person's reminders and other scheduled messages to Slack from now on (they may use Teams too)."""
    deps = deps_of(context)
    with deps.sessions() as session:
        surfaces.prefer(session, person, surfaces.SLACK, now=deps.clock.now())
    return blocks.markdown_message(label("surface_preferred", locale, surface="Slack"))


def welcome_reply(context, person: Person, *, locale: str) -> dict:
    """The getting-started guide for the person's role, as the welcome job sends it."""
    deps = deps_of(context)
    config = job_config(deps.settings)
    with deps.sessions() as session:
        guide = welcome.guide_for(session, person)
    return welcome_message(guide, name=person.name, reminder=config.reminder_slot, nudge=config.nudge_slot,
                           digest=config.digest_slot, locale=locale)


def open_from_button(ack, body, action, context, client) -> None:
    ack()
    caller = identify(context, client, caller_id(body))
    if caller.person is not None:  # the reminder's week, when the button came from one
        open_checkin(client, context, caller.person, caller.locale, trigger_id(body),
                     week=iso_week(action_value(action)))


def open_checkin(client, context, person: Person, locale: str, trigger_id: str, *, week: str | None = None) -> None:
    """Open the check-in (this week's, or the reminder's week), prefilled with goals and what was said before."""
    deps = deps_of(context)
    with deps.sessions() as session:
        weeks = checkins.open_weeks(session, person, now=deps.clock.now(), default_zone=deps.settings.default_timezone)
        # This week first, unless the button came from a reminder about last week.
        weeks.sort(key=lambda choice: (choice.week != week, choice.late))
        active = checkins.active_goals(session, person)
        existing = checkins.existing(session, person, weeks[0].week)
        reported = {p.goal_id: p for p in checkins.progress_of(session, existing)} if existing else {}
    view = checkin_blocks.checkin_modal(
        active, weeks=[checkin_blocks.WeekOption(w.week, w.late) for w in weeks], existing=existing,
        existing_progress=reported, locale=locale)
    client.views_open(trigger_id=trigger_id, view=view)


def checkin_input(view: dict) -> checkins.CheckinInput:
    return checkin_flow.checkin_input(view_values(view), goal_field=_goal_field,
                                      week=private_metadata(view) or None)


def _goal_field(block_id: str) -> tuple[str, str] | None:
    match = GOAL_FIELD.match(block_id)
    return (match.group(1), match.group(2)) if match else None


def submit_checkin(ack, body, view, context, client) -> None:
    deps = deps_of(context)
    caller = identify(context, client, caller_id(body))
    if caller.person is None:  # only a forged submission gets here: the command refuses strangers
        return ack(response_action="errors", errors=inline_errors(
            {"confidence": error_text("not_in_directory", caller.locale)}, view, fallback="confidence"))
    try:
        recorded = checkin_flow.record_checkin(deps, caller.person, checkin_input(view), locale=caller.locale)
    except checkins.CheckinValidationError as error:
        errors = modal_errors(error.errors, caller.locale)
        return ack(response_action="errors", errors=inline_errors(errors, view, fallback="confidence"))
    except (PermissionDenied, goals.GoalError):
        errors = {"confidence": error_text("goal_not_yours", caller.locale)}
        return ack(response_action="errors", errors=errors)
    ack()
    result, manager = recorded.result, recorded.manager
    told_manager = result.needs_manager and manager is not None and _alert_manager(context, client, caller.person,
                                                                                     manager, result.checkin)
    client.chat_postMessage(channel=caller.person.slack_id, **checkin_blocks.thanks(
        name=caller.person.name, week=result.checkin.week, created=result.created, late=result.late,
        streak=recorded.streak, goals=recorded.goal_lines, told_manager=told_manager,
        manager=manager.name if manager else "", locale=caller.locale))
    publish_home(client, context, caller.person)


def _alert_manager(context, client, employee: Person, manager: Person, checkin: CheckIn) -> bool:
    """DM the manager once per week about a blocker or low confidence; True when they know."""
    deps = deps_of(context)
    period = f"{checkin.week}:{employee.id}"
    with deps.sessions() as session:
        claim = deliveries.claim(session, job=ALERT_JOB, person_id=manager.id, period=period, now=deps.clock.now(),
                                 worker="listener")
    if claim is None:
        return True  # told earlier this week
    if not manager.slack_id:
        return False
    message = checkin_blocks.blocker_alert(
        name=employee.name, week=checkin.week, confidence=checkin.confidence, blockers=checkin.blockers,
        help_needed=checkin.help_needed, checkin_id=checkin.id, locale=locale_of(context, manager))
    try:
        response = client.chat_postMessage(channel=manager.slack_id, **message)
    except SlackApiError as exc:
        with deps.sessions() as session:
            deliveries.mark_failed(session, claim.delivery.id, now=deps.clock.now(),
                                   error=str(exc.response.get("error")), permanent=True)
        return False
    with deps.sessions() as session:
        deliveries.mark_sent(session, claim.delivery.id, now=deps.clock.now(), channel=response["channel"],
                             message_ref=response["ts"])
    return True


def snooze(ack, body, action, context, client) -> None:
    """Snooze a reminder for two hours or until tomorrow morning, within the person's waking hours."""
    ack()
    deps = deps_of(context)
    caller = identify(context, client, caller_id(body))
    week, choice = fields(action_value(action), separator="|", count=2) or ("", "")
    if iso_week(week) is None or choice not in checkin_blocks.SNOOZE_CHOICES:
        raise Malformed("a snooze button's value is not week|choice")
    if caller.person is None:
        return
    zone = people.zone_of(caller.person, default=deps.settings.default_timezone)
    at = snooze_until(deps.clock.now(), choice, zone)
    with deps.sessions() as session:
        deliveries.schedule(session, job="checkin-reminders", person_id=caller.person.id, period=f"{week}:snooze",
                            at=at, now=deps.clock.now())
    local = at.astimezone(zone)
    when = f"{label('date', caller.locale, d=local.date())} {local:%H:%M}"
    message = checkin_blocks.snoozed(at=when, locale=caller.locale)
    if where := message_ref(body):
        client.chat_update(**where, **message)
    else:
        client.chat_postMessage(channel=caller.person.slack_id, **message)


def snooze_until(now: datetime, choice: str, zone) -> datetime:
    """Return when a snoozed reminder comes back: in 2 hours (not at night), or at 09:00 tomorrow."""
    if choice == "morning":
        tomorrow = now.astimezone(zone).date() + timedelta(days=1)
        return local_moment(tomorrow, time(MORNING_HOUR), zone)
    return ActiveHours().next_opening(now + timedelta(hours=2), zone)


def history_reply(context, viewer: Person, argument: str, *, locale: str) -> dict:
    """Build `/checkin history [@person]`: your own, a report's (managers), anyone's (HR)."""
    deps = deps_of(context)
    with deps.sessions() as session:
        subject = viewer
        if argument:
            slack_id = mentioned_slack_id(argument)
            subject = people.by_slack_id(session, slack_id) if slack_id else None
        try:
            if subject is None:
                raise PermissionDenied("unknown person")
            entries = checkins.history(session, viewer, subject)
        except PermissionDenied:
            return blocks.markdown_message(render("checkin_history_not_allowed", locale))
        rendered = [history_entry(session, checkin, progress, locale=locale) for checkin, progress in entries]
    return checkin_blocks.history(rendered, own=subject.id == viewer.id, name=subject.name, locale=locale)


def history_entry(session, checkin: CheckIn, progress, *, locale: str) -> dict:
    titles = {p.goal_id: session.get(goals.Goal, p.goal_id) for p in progress}
    return {
        "week": checkin.week, "late": checkin.late, "confidence": checkin.confidence,
        "highlights": checkin.highlights, "blockers": checkin.blockers, "help_needed": checkin.help_needed,
        "goals": [{"title": titles[p.goal_id].title, "value": number(p.value),
                   "status": label(f"status_{p.status}", locale)} for p in progress],
    }


def away_reply(context, person: Person, argument: str, *, locale: str) -> dict:
    """Handle `/checkin away until YYYY-MM-DD` and `/checkin back`."""
    deps = deps_of(context)
    until_text = argument.strip()
    if until_text.lower().startswith("until"):
        until_text = until_text[5:].strip()
    if argument and not until_text:
        until_text = "?"
    try:
        with deps.sessions() as session:
            until = checkins.set_away(session, person, until=until_text or None, now=deps.clock.now(),
                                      default_zone=deps.settings.default_timezone)
    except checkins.CheckinValidationError as error:
        return blocks.markdown_message(error_text(next(iter(error.errors.values())), locale))
    shown = label("date", locale, d=until) if until else None
    return checkin_blocks.away(until=shown, locale=locale)


def open_reply(ack, body, action, context, client) -> None:
    ack()
    caller = identify(context, client, caller_id(body))
    checkin_id = record_id(action_value(action))
    subject = checkin_flow.checkin_subject(deps_of(context), caller.person, checkin_id)
    if subject is None:
        return tell(client, body, error_text("reply_not_allowed", caller.locale))
    view = checkin_blocks.reply_modal(checkin_id=checkin_id, name=subject.name, locale=caller.locale)
    client.views_open(trigger_id=trigger_id(body), view=view)


def submit_reply(ack, body, view, context, client) -> None:
    caller = identify(context, client, caller_id(body))
    subject = checkin_flow.checkin_subject(deps_of(context), caller.person, metadata_id(view))
    text = (view_values(view).get("reply") or "").strip()
    if subject is None:
        return ack(response_action="errors", errors={"reply": error_text("reply_not_allowed", caller.locale)})
    if not text:
        return ack(response_action="errors", errors={"reply": error_text("comment_missing", caller.locale)})
    ack()
    send_to(context, client, subject, checkin_blocks.manager_reply(
        manager=caller.person.name, text=text, locale=locale_of(context, subject)))


