"""Checking in: the weekly check-in, snoozing its reminder, and a manager's reply to what it raised."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from functools import partial

from actions.outcome import Asked, Outcome, Tell
from prompts import checkin_blocks
from prompts.blocks import markdown_message
from prompts.goal_blocks import error_text, number
from prompts.render import label, render
from prompts.welcome_blocks import welcome_message
from storage import attention, checkins, deliveries, goals, people, surfaces, welcome
from storage.models import AttentionState, CheckIn, Person
from storage.permissions import PermissionDenied, can_decide_for
from storage.weeks import ActiveHours, local_moment

MORNING_HOUR = 9  # a reminder snoozed "until tomorrow morning" comes back at 09:00 the person's time


@dataclass(frozen=True)
class Recorded:
    """A check-in just filed, with what its thanks says."""

    result: checkins.RecordResult
    manager: Person | None
    streak: int
    goal_lines: list[dict]
    told_manager: bool


def check_in(session, asked: Asked, *, form: checkins.CheckinInput) -> Outcome:
    """File (or edit) the week's check-in; thank the person, and alert their manager once a week when it needs them.

    A blocker or low confidence reaches the manager where they are, once per report and week however often the
    check-in is edited. The thanks says the manager was told only when the bot can reach them.
    """
    person = asked.person
    try:
        result = checkins.record(session, person, form, now=asked.now, default_zone=asked.default_zone)
    except checkins.CheckinValidationError as error:
        return Outcome.refused(error.errors)
    except (PermissionDenied, goals.GoalError):
        return Outcome.refused({"goals": checkins.GOAL_NOT_YOURS})
    checkin = result.checkin
    manager = session.get(Person, person.manager_id) if person.manager_id else None
    tells: list[Tell] = []
    told = False
    if result.needs_manager and manager is not None:
        told = surfaces.route(session, manager).reachable
        tells.append(Tell(manager, partial(_blocker_alert, name=person.name, checkin=checkin),
                          key=f"alert:{checkin.week}:{person.id}"))
        attention.open_for(session, checkin=checkin, manager=manager, now=asked.now)
    elif not result.needs_manager:
        attention.resolve_all_of(session, person=person, now=asked.now)  # no blocker left: what was raised is over
    recorded = Recorded(result, manager, checkins.streak(session, person, now=asked.now,
                                                         default_zone=asked.default_zone),
                        goal_lines(session, result, locale=asked.locale), told)
    thanks = thanks_message(recorded, name=person.name, locale=asked.locale)
    tells.append(Tell(person, lambda _locale: thanks, here=True, locale=asked.locale))
    return Outcome.done(tells=tells, value=recorded, reply=thanks)


def thanks_message(recorded: Recorded, *, name: str, locale: str) -> dict:
    result = recorded.result
    return checkin_blocks.thanks(
        name=name, week=result.checkin.week, created=result.created, late=result.late, streak=recorded.streak,
        goals=recorded.goal_lines, told_manager=recorded.told_manager,
        manager=recorded.manager.name if recorded.manager else "", locale=locale)


def _blocker_alert(locale: str, *, name: str, checkin: CheckIn) -> dict:
    return checkin_blocks.blocker_alert(
        name=name, week=checkin.week, confidence=checkin.confidence, blockers=checkin.blockers,
        help_needed=checkin.help_needed, checkin_id=checkin.id, locale=locale)


def goal_lines(session, result: checkins.RecordResult, *, locale: str) -> list[dict]:
    lines = []
    for progress in checkins.progress_of(session, result.checkin):
        goal = session.get(goals.Goal, progress.goal_id)
        lines.append({"title": goal.title, "percent": round(result.progress.get(goal.id, 0.0) * 100),
                      "status": label(f"status_{progress.status}", locale)})
    return lines


def snooze_reminder(session, asked: Asked, *, week: str, choice: str) -> Outcome:
    """Bring a reminder back in two hours (never at night) or at 09:00 tomorrow, while its week is still open."""
    person = asked.person
    if choice not in checkin_blocks.SNOOZE_CHOICES:
        return Outcome.refused({"snooze": "invalid"})
    open_now = {w.week for w in checkins.open_weeks(session, person, now=asked.now, default_zone=asked.default_zone)}
    if week not in open_now:
        return Outcome.refused({"snooze": checkins.WEEK_CLOSED})  # filed since, or a forged week
    zone = people.zone_of(person, default=asked.default_zone)
    at = snooze_until(asked.now, choice, zone)
    deliveries.schedule(session, job=checkins.REMINDERS_JOB, person_id=person.id, period=f"{week}:snooze", at=at,
                        now=asked.now)
    local = at.astimezone(zone)
    when = f"{label('date', asked.locale, d=local.date())} {local:%H:%M}"
    return Outcome.done(reply=checkin_blocks.snoozed(at=when, locale=asked.locale), value=at)


def snooze_until(now: datetime, choice: str, zone) -> datetime:
    """Return when a snoozed reminder comes back: in 2 hours (not at night), or at 09:00 tomorrow."""
    if choice == "morning":
        tomorrow = now.astimezone(zone).date() + timedelta(days=1)
        return local_moment(tomorrow, time(MORNING_HOUR), zone)
    return ActiveHours().next_opening(now + timedelta(hours=2), zone)


def checkin_subject(session, viewer: Person | None, checkin_id: int | None) -> Person | None:
    """Return whose check-in this is, if the viewer may answer it (their manager or HR)."""
    if checkin_id is None or viewer is None:
        return None
    checkin = session.get(CheckIn, checkin_id)
    subject = session.get(Person, checkin.person_id) if checkin else None
    if subject is None or not can_decide_for(session, viewer, subject):
        return None
    return subject


def open_reply(session, asked: Asked, *, checkin_id: int | None) -> Outcome:
    """The manager opens a report's alert to answer it: the alert is seen, and the report told so, once."""
    subject = checkin_subject(session, asked.person, checkin_id)
    if subject is None:
        return Outcome.refused({"reply": "reply_not_allowed"})
    seen = attention.see(session, checkin_id=checkin_id, viewer=asked.person, now=asked.now)
    if seen is None:
        return Outcome.done(value=subject)
    week = session.get(CheckIn, checkin_id).week
    notice = partial(_blocker_seen, manager=asked.person.name, week=week)
    return Outcome.done(tells=[Tell(subject, notice, key=f"attention-seen:{seen.id}")], value=subject)


def _blocker_seen(locale: str, *, manager: str, week: str) -> dict:
    return checkin_blocks.blocker_seen(manager=manager, week=week, locale=locale)


def reply_to_checkin(session, asked: Asked, *, checkin_id: int | None, text: str) -> Outcome:
    """Send the manager's (or HR's) answer to a report's blocker or low confidence, where the report is.

    The alert is answered from then on; the report's copy carries a "Resolved" button while it is not resolved.
    """
    subject = checkin_subject(session, asked.person, checkin_id)
    text = text.strip()
    if subject is None:
        return Outcome.refused({"reply": "reply_not_allowed"})
    if not text:
        return Outcome.refused({"reply": "comment_missing"})
    if len(text) > checkin_blocks.FORM_TEXT_MAX:
        return Outcome.refused({"reply": checkins.TEXT_TOO_LONG})
    answered = attention.answer(session, checkin_id=checkin_id, now=asked.now)
    resolvable = answered is not None and answered.state != AttentionState.RESOLVED
    reply = partial(_manager_reply, manager=asked.person.name, text=text,
                    resolve_id=checkin_id if resolvable else None)
    return Outcome.done(tells=[Tell(subject, reply)], value=subject)


def _manager_reply(locale: str, *, manager: str, text: str, resolve_id: int | None = None) -> dict:
    return checkin_blocks.manager_reply(manager=manager, text=text, resolve_id=resolve_id, locale=locale)


def resolve_blocker(session, asked: Asked, *, checkin_id: int | None) -> Outcome:
    """The employee says the blocker their manager answered is resolved: told here, and the manager told once."""
    before = attention.for_checkin(session, checkin_id=checkin_id)
    was_resolved = before is not None and before.state == AttentionState.RESOLVED
    resolved = attention.resolve(session, checkin_id=checkin_id, person=asked.person, now=asked.now)
    if resolved is None:
        return Outcome.refused({"resolve": "not_found"})
    week = session.get(CheckIn, resolved.checkin_id).week
    manager = session.get(Person, resolved.manager_id)
    confirmation = checkin_blocks.blocker_resolved(name=manager.name, week=week, to_manager=False,
                                                   locale=asked.locale)
    tells = [Tell(asked.person, lambda _locale: confirmation, here=True, locale=asked.locale)]
    if not was_resolved and manager.active:
        tells.append(Tell(manager, partial(_blocker_resolved, name=asked.person.name, week=week),
                          key=f"attention-resolved:{resolved.id}"))
    return Outcome.done(reply=confirmation, tells=tells, value=resolved)


def _blocker_resolved(locale: str, *, name: str, week: str) -> dict:
    return checkin_blocks.blocker_resolved(name=name, week=week, to_manager=True, locale=locale)


def history(session, asked: Asked, *, subject: Person | None) -> Outcome:
    """Show check-ins: your own, a report's (managers), anyone's (HR); `subject` None: someone not in the org."""
    viewer, locale = asked.person, asked.locale
    try:
        if subject is None:
            raise PermissionDenied("unknown person")
        entries = checkins.history(session, viewer, subject)
    except PermissionDenied:
        return Outcome.done(reply=markdown_message(render("checkin_history_not_allowed", locale)))
    rendered = [history_entry(session, checkin, progress, locale=locale) for checkin, progress in entries]
    return Outcome.done(reply=checkin_blocks.history(rendered, own=subject.id == viewer.id, name=subject.name,
                                                     locale=locale))


def history_entry(session, checkin: CheckIn, progress, *, locale: str) -> dict:
    titles = {p.goal_id: session.get(goals.Goal, p.goal_id) for p in progress}
    return {
        "week": checkin.week, "late": checkin.late, "confidence": checkin.confidence,
        "highlights": checkin.highlights, "blockers": checkin.blockers, "help_needed": checkin.help_needed,
        "goals": [{"title": titles[p.goal_id].title, "value": number(p.value),
                   "status": label(f"status_{p.status}", locale)} for p in progress],
    }


def set_away(session, asked: Asked, *, argument: str) -> Outcome:
    """`away until YYYY-MM-DD` (argument "until ..." or a date) pauses reminders; an empty argument is `back`."""
    until_text = argument.strip()
    if until_text.lower().startswith("until"):
        until_text = until_text[5:].strip()
    if argument and not until_text:
        until_text = "?"
    try:
        until = checkins.set_away(session, asked.person, until=until_text or None, now=asked.now,
                                  default_zone=asked.default_zone)
    except checkins.CheckinValidationError as error:
        return Outcome.done(reply=markdown_message(error_text(next(iter(error.errors.values())), asked.locale)))
    shown = label("date", asked.locale, d=until) if until else None
    return Outcome.done(reply=checkin_blocks.away(until=shown, locale=asked.locale))


SURFACE_NAMES = {surfaces.SLACK: "Slack", surfaces.TEAMS: "Microsoft Teams"}


def prefer_surface(session, asked: Asked) -> Outcome:
    """`checkin here`: send this person's reminders and other scheduled messages where they asked from."""
    surfaces.prefer(session, asked.person, asked.surface, now=asked.now)
    return Outcome.done(reply=markdown_message(label("surface_preferred", asked.locale,
                                                     surface=SURFACE_NAMES[asked.surface])))


def welcome_guide(session, asked: Asked, *, reminder, nudge, digest) -> Outcome:
    """The getting-started guide for the person's role, as the welcome job sends it (the slots: send times)."""
    guide = welcome.guide_for(session, asked.person)
    return Outcome.done(reply=welcome_message(guide, name=asked.person.name, reminder=reminder, nudge=nudge,
                                              digest=digest, locale=asked.locale))
