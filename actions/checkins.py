"""Checking in: the weekly check-in, snoozing its reminder, and a manager's reply to what it raised."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, time, timedelta
from functools import partial

from actions import warnings as warning_actions
from actions.outcome import Asked, Outcome, Tell
from prompts import checkin_blocks, question_blocks
from prompts.blocks import markdown_message
from prompts.goal_blocks import error_text, number
from prompts.render import label, render
from prompts.welcome_blocks import welcome_message
from storage import attention, checkins, coaching, deliveries, goals, people, questions, surfaces, welcome
from storage.models import ActionItem, AttentionState, CheckIn, CheckinAnswer, Person
from storage.permissions import PermissionDenied, can_decide_for
from storage.weeks import ActiveHours, local_moment, week_monday

MORNING_HOUR = 9  # a reminder snoozed "until tomorrow morning" comes back at 09:00 the person's time
RESOLVED, STILL_BLOCKED = "resolved", "still"  # the answers to "Is <last week's blocker> resolved?"


@dataclass(frozen=True)
class Recorded:
    """A check-in just filed, with what its thanks says."""

    result: checkins.RecordResult
    manager: Person | None
    streak: int
    goal_lines: list[dict]
    told_manager: bool
    followed: FollowedUp | None = None  # what the follow-ups did and the custom answers: the thanks says them


@dataclass(frozen=True)
class FollowedUp:
    """What a check-in's follow-ups did (blockers' and action items' words) and its custom answers."""

    resolved: tuple[str, ...] = ()
    still_blocked: tuple[str, ...] = ()
    done: tuple[str, ...] = ()
    answers: tuple[CheckinAnswer, ...] = ()


def check_in(session, asked: Asked, *, form: checkins.CheckinInput,
             targets: tuple[warning_actions.TargetAnswer, ...] = ()) -> Outcome:
    """File (or edit) the week's check-in; thank the person, and alert their manager once a week when it needs them.

    A blocker or low confidence reaches the manager where they are, once per report and week however often the
    check-in is edited. The thanks says the manager was told only when the bot can reach them.
    The check-in also answers what it opened with (checkins.follow_ups): last week's blockers said resolved are
    resolved, their managers told; a blocker carried forward unchanged alerts no one again; action items ticked
    are done. `targets`: the answers to "Does the target still hold?" (actions.warnings), "it should change"
    telling the manager once.
    """
    person = asked.person
    invalid = warning_actions.target_errors(targets)
    follow_ups = _answered_follow_ups(session, person, form, now=asked.now, default_zone=asked.default_zone)
    if follow_ups.resolved:  # "yes" to a blocker also clears its words carried into this week's field
        form = replace(form, blockers=None) if any(_same(form.blockers, b.text) for b in follow_ups.resolved) \
            else form
    # What only the thanks needs is read before the check-in is written: on SQLite the write lock is held from
    # the first write to the commit, and every other request's write waits for it.
    manager = session.get(Person, person.manager_id) if person.manager_id else None
    streak = checkins.streak(session, person, now=asked.now, default_zone=asked.default_zone,
                             filing=_week_of(form, person, now=asked.now, default_zone=asked.default_zone))
    try:
        result = checkins.record(session, person, form, now=asked.now, default_zone=asked.default_zone,
                                 locale=asked.locale)
    except checkins.CheckinValidationError as error:
        return Outcome.refused({**error.errors, **invalid})
    except (PermissionDenied, goals.GoalError):
        return Outcome.refused({"goals": checkins.GOAL_NOT_YOURS})
    if invalid:
        return Outcome.refused(invalid)
    checkin = result.checkin
    tells: list[Tell] = _follow_up(session, person, follow_ups, now=asked.now)
    told = False
    carried = _carried(checkin, follow_ups.still_open)
    if result.needs_manager and manager is not None and not carried:
        told = surfaces.route(session, manager).reachable
        tells.append(Tell(manager, partial(_blocker_alert, name=person.name, checkin=checkin),
                          key=f"alert:{checkin.week}:{person.id}"))
        attention.open_for(session, checkin=checkin, manager=manager, now=asked.now)
    elif not result.needs_manager:  # no blocker left: what was raised is over, but what they said is still blocked
        attention.resolve_all_of(session, person=person, now=asked.now,
                                 keep=frozenset(b.attention_id for b in follow_ups.still_blocked))
    tells += warning_actions.target_tells(session, asked, answers=targets, checkin=checkin, manager=manager)
    recorded = Recorded(result, manager, streak, goal_lines(session, result, locale=asked.locale), told,
                        _followed(session, follow_ups, checkin, answered=bool(form.answers)))
    thanks = thanks_message(recorded, name=person.name, locale=asked.locale)
    tells.append(Tell(person, lambda _locale: thanks, here=True, locale=asked.locale))
    return Outcome.done(tells=tells, value=recorded, reply=thanks)


@dataclass(frozen=True)
class _FollowUpAnswers:
    """What a check-in said about the follow-ups it opened with."""

    resolved: list[attention.OpenBlocker]  # "yes, resolved"
    still_blocked: list[attention.OpenBlocker]  # "still blocked", said so
    still_open: list[attention.OpenBlocker]  # every blocker asked about and not said resolved
    done: list[int]  # action items ticked done


def _week_of(form: checkins.CheckinInput, person: Person, *, now: datetime, default_zone: str) -> str:
    """The week the form files (checkins.record refuses it unless it is open)."""
    return (form.week or "").strip() or checkins.current_week(person, now=now, default_zone=default_zone)


def _answered_follow_ups(session, person: Person, form: checkins.CheckinInput, *, now: datetime,
                         default_zone: str) -> _FollowUpAnswers:
    """Read the follow-up answers against what the week's check-in asks; answers about anything else (a stale
    form, a forged id, a blocker resolved since) are ignored."""
    week = _week_of(form, person, now=now, default_zone=default_zone)
    try:
        week_monday(week)
    except ValueError:  # not a week: checkins.record refuses the form
        return _FollowUpAnswers([], [], [], [])
    # Read only what the form can need: most check-ins answer no follow-up and name no blocker.
    open_blockers = attention.open_blockers(session, person, before_week=week) \
        if form.blocker_answers or (form.blockers or "").strip() else []
    actions = checkins.action_items_due(session, person, week=week) if form.actions_done else []
    blockers = {str(b.attention_id): b for b in open_blockers}
    answers = {key: answer for key, answer in form.blocker_answers if key in blockers}
    resolved = [blockers[key] for key, answer in answers.items() if answer == RESOLVED]
    due = {str(action.id): action.id for action in actions}
    return _FollowUpAnswers(
        resolved=resolved,
        still_blocked=[blockers[key] for key, answer in answers.items() if answer == STILL_BLOCKED],
        still_open=[b for b in open_blockers if b not in resolved],
        done=[due[key] for key in dict.fromkeys(form.actions_done) if key in due])


def _follow_up(session, person: Person, answers: _FollowUpAnswers, *, now: datetime) -> list[Tell]:
    """Resolve the blockers said resolved (each manager told once, as by the Resolved button) and complete the
    action items ticked done."""
    tells: list[Tell] = []
    for blocker in answers.resolved:
        resolved = attention.resolve(session, checkin_id=blocker.checkin_id, person=person, now=now)
        manager = session.get(Person, resolved.manager_id) if resolved else None
        if manager is not None and manager.active:
            tells.append(Tell(manager, partial(_blocker_resolved, name=person.name, week=blocker.week),
                              key=f"attention-resolved:{resolved.id}"))
    for action_id in answers.done:
        coaching.complete_action(session, person, action_id, now=now)
    return tells


def _carried(checkin: CheckIn, still_open: list[attention.OpenBlocker]) -> bool:
    """Answer whether all the check-in raises is a blocker already open with the manager, carried forward: the
    manager was alerted about those words already and is not alerted again (its first alert stays open)."""
    if checkin.blockers is None or (checkin.confidence or 0) <= checkins.NEEDS_MANAGER_CONFIDENCE:
        return False
    return any(_same(checkin.blockers, b.text) and (checkin.help_needed is None or
                                                    _same(checkin.help_needed, b.help_needed))
               for b in still_open)


def _same(text: str | None, other: str | None) -> bool:
    return bool(text) and " ".join((text or "").split()) == " ".join((other or "").split())


def thanks_message(recorded: Recorded, *, name: str, locale: str) -> dict:
    result = recorded.result
    return checkin_blocks.thanks(
        name=name, week=result.checkin.week, created=result.created, late=result.late, streak=recorded.streak,
        goals=recorded.goal_lines, told_manager=recorded.told_manager,
        manager=recorded.manager.name if recorded.manager else "", locale=locale,
        **(vars(recorded.followed) if recorded.followed else {}))


def _followed(session, answers: _FollowUpAnswers, checkin: CheckIn, *, answered: bool) -> FollowedUp:
    """Say what the follow-ups did, in the words of the blockers and action items; the custom answers are read
    back only when the form gave some."""
    done = tuple(item.text for item in (session.get(ActionItem, action_id) for action_id in answers.done)
                 if item is not None)
    given = questions.answers_of(session, [checkin.id]).get(checkin.id, []) if answered else []
    return FollowedUp(resolved=tuple(b.text for b in answers.resolved),
                      still_blocked=tuple(b.text for b in answers.still_blocked), done=done, answers=tuple(given))


def _blocker_alert(locale: str, *, name: str, checkin: CheckIn) -> dict:
    return checkin_blocks.blocker_alert(
        name=name, week=checkin.week, confidence=checkin.confidence, blockers=checkin.blockers,
        help_needed=checkin.help_needed, checkin_id=checkin.id, locale=locale)


def goal_lines(session, result: checkins.RecordResult, *, locale: str) -> list[dict]:
    lines = []
    for progress in result.reported:  # the goals are in the session already when this submission reported them
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
    answered = questions.answers_of(session, [checkin.id for checkin, _ in entries])  # custom questions'
    rendered = [history_entry(session, checkin, progress, locale=locale, answers=answered.get(checkin.id, ()))
                for checkin, progress in entries]
    return Outcome.done(reply=checkin_blocks.history(rendered, own=subject.id == viewer.id, name=subject.name,
                                                     locale=locale))


def history_entry(session, checkin: CheckIn, progress, *, locale: str, answers=()) -> dict:
    """One week of `checkin history`: its goals, its words and the custom answers given (mrkdwn lines)."""
    titles = {p.goal_id: session.get(goals.Goal, p.goal_id) for p in progress}
    return {
        "week": checkin.week, "late": checkin.late, "confidence": checkin.confidence,
        "highlights": checkin.highlights, "blockers": checkin.blockers, "help_needed": checkin.help_needed,
        "goals": [{"title": titles[p.goal_id].title, "value": number(p.value),
                   "status": label(f"status_{p.status}", locale)} for p in progress],
        "answers": question_blocks.answer_lines(answers, locale=locale) if answers else "",
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
