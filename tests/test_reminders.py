"""checkin-reminders, driven by an injected clock against the Slack emulator: local times, DST, quiet
hours, snoozes, restarts, two schedulers at once, and Slack's failures."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from bot.slack_client import make_web_client
from prompts.checkin_blocks import SNOOZE_ACTION
from prompts.goal_blocks import error_text
from scheduler import JobConfig, JobContext, reminders
from scheduler.outbox import METADATA_EVENT
from storage import checkins, deliveries
from storage.models import Delivery, Person
from storage.weeks import WeeklySlot
from tests.builders import load_org
from tests.conftest import BOT_TOKEN
from tests.slack_helpers import button, dms_to

SHANGHAI_PERSON, NEW_YORK_PERSON, LONDON_PERSON = "UEMP2", "UEMP3", "UEMP1"
EVERYONE = ("UHR1", "UMGR1", "UEMP1", "UEMP2", "UEMP3")


@pytest.fixture
def org(sessions, clock, emulator):
    load_org(sessions, now=clock.now(), emulator=emulator)


@pytest.fixture
def run_at(sessions, emulator, waits):
    """Run the reminders job as the scheduler would at a given moment; returns the report."""
    client = make_web_client(token=BOT_TOKEN, base_url=emulator.api_url, sleep=waits.append)

    def run(at: datetime, *, config: JobConfig | None = None, worker: str = "w1", forced: bool = False):
        ctx = JobContext(sessions=sessions, client=client, now=at, config=config or JobConfig(), worker=worker,
                         forced=forced)
        return reminders.run(ctx)

    return run


def reminded(emulator) -> list[str]:
    """Who was sent a reminder DM (with its Check in now button), in order."""
    return [call.response["channel"][1:] for call in emulator.calls_to("chat.postMessage")
            if call.status == 200 and "checkin_open" in str(call.params.get("blocks"))]


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_reminders_go_out_at_3pm_friday_local_time_in_shanghai_and_new_york(org, run_at, emulator):
    run_at(utc(2026, 11, 27, 6, 59))
    assert reminded(emulator) == []
    run_at(utc(2026, 11, 27, 7, 0))  # 15:00 in Shanghai
    assert reminded(emulator) == [SHANGHAI_PERSON]
    run_at(utc(2026, 11, 27, 15, 0))  # 15:00 in London
    assert sorted(reminded(emulator)) == sorted([SHANGHAI_PERSON, "UMGR1", LONDON_PERSON])
    run_at(utc(2026, 11, 27, 19, 59))
    assert NEW_YORK_PERSON not in reminded(emulator)
    run_at(utc(2026, 11, 27, 20, 0))  # 15:00 in New York (EST)
    assert sorted(reminded(emulator)) == sorted(EVERYONE)


@pytest.mark.parametrize(("friday", "new_york_utc_hour"), [
    (utc(2027, 3, 12), 20),  # the Friday before New York springs forward: EST, UTC-5
    (utc(2027, 3, 19), 19),  # the Friday after: EDT, UTC-4
    (utc(2026, 10, 30), 19),  # the Friday before New York falls back: EDT
    (utc(2026, 11, 6), 20),  # the Friday after: EST
])
def test_new_york_is_reminded_at_3pm_local_across_daylight_saving(org, run_at, emulator, friday, new_york_utc_hour):
    run_at(friday.replace(hour=new_york_utc_hour - 1, minute=59))
    assert NEW_YORK_PERSON not in reminded(emulator)
    run_at(friday.replace(hour=new_york_utc_hour))
    assert NEW_YORK_PERSON in reminded(emulator)


def test_nobody_is_messaged_outside_8_to_20_their_time(org, run_at, emulator):
    late_slot = JobConfig(reminder_slot=WeeklySlot.parse("FRI 21:00"))
    run_at(utc(2026, 11, 27, 13, 30), config=late_slot)  # 21:30 in Shanghai: past the slot, but night
    assert SHANGHAI_PERSON not in reminded(emulator)
    run_at(utc(2026, 11, 27, 23, 59), config=late_slot)  # 07:59 Saturday in Shanghai
    assert SHANGHAI_PERSON not in reminded(emulator)
    run_at(utc(2026, 11, 28, 0, 0), config=late_slot)  # 08:00 Saturday in Shanghai: still this week
    assert reminded(emulator).count(SHANGHAI_PERSON) == 1


def test_running_again_in_the_same_week_sends_nothing_twice(org, run_at, emulator):
    friday_night = utc(2026, 11, 28, 1, 0)
    first = run_at(friday_night, forced=True)
    second = run_at(friday_night + timedelta(hours=1), forced=True)
    assert first.sent == 5 and second.sent == 0
    assert sorted(reminded(emulator)) == sorted(EVERYONE)


def test_a_past_weeks_reminder_is_never_sent_after_downtime(org, run_at, emulator):
    run_at(utc(2026, 11, 30, 12, 0))  # the bot was down all Friday; now it is Monday of the next week
    assert reminded(emulator) == []


def test_people_who_checked_in_or_are_away_are_not_reminded(org, run_at, emulator, sessions, clock):
    with sessions() as session:
        alan = session.exec(select(Person).where(Person.slack_id == LONDON_PERSON)).one()
        checkins.record(session, alan, checkins.CheckinInput(week=None, confidence="4"), now=clock.now(),
                        default_zone="UTC")
        katherine = session.exec(select(Person).where(Person.slack_id == NEW_YORK_PERSON)).one()
        checkins.set_away(session, katherine, until="2026-12-01", now=clock.now(), default_zone="UTC")
    run_at(utc(2026, 11, 28, 1, 0), forced=True)
    assert sorted(reminded(emulator)) == sorted(["UHR1", "UMGR1", SHANGHAI_PERSON])


def test_two_schedulers_ticking_at_once_send_one_reminder_each(org, run_at, emulator):
    start = threading.Barrier(2)
    reports = []

    def tick(worker):
        start.wait()
        reports.append(run_at(utc(2026, 11, 28, 1, 0), forced=True, worker=worker))

    threads = [threading.Thread(target=tick, args=(name,)) for name in ("replica-a", "replica-b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(report.sent for report in reports) == 5
    assert sorted(reminded(emulator)) == sorted(EVERYONE)


def test_a_restart_after_posting_but_before_recording_sends_nothing_twice(org, run_at, emulator, sessions):
    crashed_at = utc(2026, 11, 27, 7, 0)
    with sessions() as session:
        li = session.exec(select(Person).where(Person.slack_id == SHANGHAI_PERSON)).one()
        claim = deliveries.claim(session, job=reminders.JOB, person_id=li.id, period="2026-W48", now=crashed_at,
                                 worker="dead-replica")
    # The dead replica had posted the reminder, then died before writing "sent".
    client = make_web_client(token=BOT_TOKEN, base_url=emulator.api_url, sleep=lambda _: None)
    client.chat_postMessage(channel=SHANGHAI_PERSON, text="Hi 李雷, time for your weekly check-in",
                            blocks=[{"type": "actions", "elements": [{"type": "button", "action_id": "checkin_open",
                                                                      "text": {"type": "plain_text", "text": "Go"}}]}],
                            metadata={"event_type": METADATA_EVENT,
                                      "event_payload": {"key": f"{reminders.JOB}:{li.id}:2026-W48"}})

    run_at(crashed_at + timedelta(minutes=2))  # the claim is still leased: hands off
    run_at(crashed_at + deliveries.LEASE + timedelta(minutes=1))

    assert reminded(emulator).count(SHANGHAI_PERSON) == 1
    with sessions() as session:
        assert session.get(Delivery, claim.delivery.id).status == "sent"


def test_a_restart_before_posting_sends_the_reminder_once(org, run_at, emulator, sessions):
    crashed_at = utc(2026, 11, 27, 7, 0)
    with sessions() as session:
        li = session.exec(select(Person).where(Person.slack_id == SHANGHAI_PERSON)).one()
        deliveries.claim(session, job=reminders.JOB, person_id=li.id, period="2026-W48", now=crashed_at,
                         worker="dead-replica")
    run_at(crashed_at + deliveries.LEASE + timedelta(minutes=1))
    run_at(crashed_at + deliveries.LEASE + timedelta(minutes=2))
    assert reminded(emulator).count(SHANGHAI_PERSON) == 1


def test_a_429_then_a_500_still_ends_in_one_reminder(org, run_at, emulator, waits):
    emulator.fail_next("chat.postMessage", status=429, retry_after=30)
    emulator.fail_next("chat.postMessage", status=500)
    run_at(utc(2026, 11, 27, 7, 0))  # the 429 is waited out; a post answered 500 is looked for, not repeated
    run_at(utc(2026, 11, 27, 7, 1))
    assert reminded(emulator) == [SHANGHAI_PERSON]
    assert waits[0] == 30


def test_slack_down_for_longer_delays_the_reminder_but_loses_none(org, run_at, emulator, sessions):
    emulator.fail_next("chat.postMessage", status=503, times=2)  # a post is never repeated inside the call
    first = run_at(utc(2026, 11, 27, 7, 0))
    assert first.failed == 1 and reminded(emulator) == []
    with sessions() as session:
        [delivery] = session.exec(select(Delivery)).all()
        assert (delivery.status, delivery.attempts, delivery.last_error) == ("retry", 1, "fatal_error")
    run_at(utc(2026, 11, 27, 7, 0, 30))  # not yet due again
    assert reminded(emulator) == []
    run_at(utc(2026, 11, 27, 7, 1))  # still down: the next try is 5 minutes later
    assert reminded(emulator) == []
    run_at(utc(2026, 11, 27, 7, 6))
    assert reminded(emulator) == [SHANGHAI_PERSON]


def test_a_snoozed_reminder_comes_back_two_hours_later(org, run_at, emulator, slack, clock):
    friday_3pm_shanghai = utc(2026, 11, 27, 7, 0)
    run_at(friday_3pm_shanghai)
    reminder = dms_to(emulator, SHANGHAI_PERSON)[-1]
    clock.set(friday_3pm_shanghai + timedelta(minutes=5))
    slack.block_action(SHANGHAI_PERSON, f"{SNOOZE_ACTION}-2h", message=reminder)
    assert "已推迟" in dms_to(emulator, SHANGHAI_PERSON)[-1]["text"]  # the reminder now says it is snoozed

    run_at(friday_3pm_shanghai + timedelta(hours=2, minutes=4))
    assert reminded(emulator).count(SHANGHAI_PERSON) == 1
    run_at(friday_3pm_shanghai + timedelta(hours=2, minutes=5))
    assert reminded(emulator).count(SHANGHAI_PERSON) == 2
    assert button(dms_to(emulator, SHANGHAI_PERSON)[-1], "checkin_open")["value"] == "2026-W48"


@pytest.mark.parametrize("week", ["2026-W40", "2030-W01"])
def test_a_snooze_for_a_week_that_is_not_open_is_refused_and_nothing_is_scheduled(org, run_at, emulator, slack, clock,
                                                                                  sessions, week):
    """Slack's snooze now checks the week as Teams' always did (one action for both: actions/checkins.py)."""
    friday_3pm_shanghai = utc(2026, 11, 27, 7, 0)
    run_at(friday_3pm_shanghai)
    reminder = dms_to(emulator, SHANGHAI_PERSON)[-1]
    slack.block_action(SHANGHAI_PERSON, f"{SNOOZE_ACTION}-2h", f"{week}|2h", message=reminder)
    assert dms_to(emulator, SHANGHAI_PERSON)[-1]["text"] == error_text("week_closed", "zh-CN")
    with sessions() as session:
        assert session.exec(select(Delivery).where(Delivery.period.endswith(":snooze"))).all() == []


def test_someone_who_said_they_are_away_is_not_reminded(org, run_at, emulator, slack):
    away = slack.slash_command(NEW_YORK_PERSON, "/checkin", "away until 2026-12-01").json()["text"]
    assert "until Dec 1, 2026" in away
    run_at(utc(2026, 11, 28, 1, 0), forced=True)
    assert NEW_YORK_PERSON not in reminded(emulator)
    slack.slash_command(NEW_YORK_PERSON, "/checkin", "back")
    run_at(utc(2026, 11, 28, 1, 5), forced=True)
    assert NEW_YORK_PERSON in reminded(emulator)


def last_calls(emulator) -> list[str]:
    return [call.response["channel"][1:] for call in emulator.calls_to("chat.postMessage")
            if call.status == 200 and "Last call" in call.params.get("text", "")]


def test_a_last_call_comes_on_monday_morning_while_last_week_is_still_open(org, run_at, emulator):
    run_at(utc(2026, 11, 27, 15, 0))  # Friday 15:00 in London: Alan and Ada reminded
    run_at(utc(2026, 11, 30, 8, 29))
    assert last_calls(emulator) == []
    run_at(utc(2026, 11, 30, 8, 30))  # Monday 08:30 in London
    assert sorted(last_calls(emulator)) == ["UEMP1", "UMGR1"]
    run_at(utc(2026, 11, 30, 8, 45))
    assert sorted(last_calls(emulator)) == ["UEMP1", "UMGR1"]  # once


def test_no_last_call_once_the_managers_agenda_has_gone_out(org, run_at, emulator, sessions):
    run_at(utc(2026, 11, 27, 15, 0))
    with sessions() as session:
        ada = session.exec(select(Person).where(Person.slack_id == "UMGR1")).one()
        claim = deliveries.claim(session, job="manager-nudges", person_id=ada.id, period="2026-W48",
                                 now=utc(2026, 11, 30, 8, 0), worker="w")
        deliveries.mark_sent(session, claim.delivery.id, now=utc(2026, 11, 30, 8, 0), channel="DUMGR1",
                             message_ref="1.0")
    run_at(utc(2026, 11, 30, 8, 30))
    assert "UEMP1" not in last_calls(emulator)  # Ada's report: her agenda closed the week
