"""Exactly once through Slack's worst days: a checkin-reminders fan-out to 201 people while Slack posts but
answers 500, answers too late, loses its history for a while, or rate-limits us. Every person gets one reminder."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from bot.slack_client import MAX_RETRIES, make_web_client
from scheduler import JobContext, reminders
from storage import deliveries
from storage.models import Delivery, Person
from tests.builders import load_org
from tests.conftest import BOT_TOKEN

FRIDAY_3PM_LONDON = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)
REPORTS = [f"U{n:04d}" for n in range(1, 201)]
EVERYONE = ["UBOSS", *REPORTS]
CLIENT_TIMEOUT = 1.0  # seconds the bot waits for one answer from Slack
LATE = 2.0  # seconds a slow Slack takes to answer: past the bot's timeout


def generated_org() -> list[list[str]]:
    boss = ["UBOSS", "Boss", "boss@example.com", "", "Sales", "manager", "Europe/London", "en-GB"]
    return [boss, *([slack_id, f"Person {slack_id}", f"{slack_id.lower()}@example.com", "UBOSS", "Sales",
                     "employee", "Europe/London", "en-GB"] for slack_id in REPORTS)]


class ServerTime:
    """Slack's clock for its rate limits: it moves when the bot waits, as real time would, without sleeping."""

    def __init__(self) -> None:
        self.seconds = 0.0

    def __call__(self) -> float:
        return self.seconds

    def advance(self, seconds: float) -> None:
        self.seconds += seconds


@pytest.fixture
def server_time() -> ServerTime:
    return ServerTime()


@pytest.fixture
def org(sessions, clock, emulator):
    load_org(sessions, now=clock.now(), rows=generated_org(), emulator=emulator)
    clock.set(FRIDAY_3PM_LONDON)


@pytest.fixture
def run_job(sessions, emulator, clock, waits, server_time):
    """Run checkin-reminders at the clock's time, as the scheduler would; the bot's waits are recorded."""

    def wait(seconds: float) -> None:
        waits.append(seconds)
        server_time.advance(seconds)

    client = make_web_client(token=BOT_TOKEN, base_url=emulator.api_url, sleep=wait, timeout=CLIENT_TIMEOUT)

    def run():
        return reminders.run(JobContext(sessions=sessions, client=client, now=clock.now(), worker="w1"))

    return run


def posts(emulator) -> int:
    return len(emulator.calls_to("chat.postMessage"))


def assert_exactly_one_reminder_each(emulator, sessions) -> None:
    """None lost, none duplicated, and the delivery log names the very message each person got."""
    received = Counter(message["channel"] for message in emulator.messages)
    assert sorted(received) == sorted(f"D{slack_id}" for slack_id in EVERYONE)
    assert set(received.values()) == {1}
    ts_by_channel = {message["channel"]: message["ts"] for message in emulator.messages}
    with sessions() as session:
        logged = session.exec(select(Person.slack_id, Delivery.status, Delivery.channel, Delivery.message_ref)
                              .join(Delivery, Delivery.person_id == Person.id)).all()
    assert len(logged) == len(EVERYONE)
    assert {(status, ts_by_channel[f"D{slack_id}"]) for slack_id, status, _, _ in logged} == {
        ("sent", ref) for _, _, _, ref in logged}
    assert all(channel == f"D{slack_id}" for slack_id, _, channel, _ in logged)


def test_posts_slack_stored_but_answered_500_are_found_in_the_history_not_posted_again(org, run_job, emulator,
                                                                                         clock, sessions):
    emulator.fail_after_performing("chat.postMessage", status=500, times=20)
    emulator.fail_next("chat.postMessage", status=500, times=10)  # these Slack did not post
    emulator.fail_after_performing("chat.postMessage", status=503, times=20)

    first = run_job()
    assert (first.sent, first.failed) == (len(EVERYONE) - 10, 10)
    assert len(emulator.messages) == len(EVERYONE) - 10

    clock.advance(timedelta(minutes=1))
    second = run_job()
    assert (second.sent, second.failed) == (10, 0)
    assert posts(emulator) == len(EVERYONE) + 10  # only the ten Slack refused were posted again
    assert_exactly_one_reminder_each(emulator, sessions)


def test_posts_answered_after_the_bots_timeout_are_found_not_posted_again(org, run_job, emulator, clock, sessions):
    emulator.answer_late("chat.postMessage", seconds=LATE, times=2)
    emulator.fail_next("chat.postMessage", status=503, times=2)
    emulator.answer_late("chat.postMessage", seconds=LATE, times=2)

    first = run_job()
    assert (first.sent, first.failed) == (len(EVERYONE) - 2, 2)

    clock.advance(timedelta(minutes=1))
    assert run_job().sent == 2
    assert posts(emulator) == len(EVERYONE) + 2
    assert_exactly_one_reminder_each(emulator, sessions)


def test_a_post_whose_lookup_also_fails_waits_for_its_scheduled_retry_and_is_found_then(org, run_job, emulator,
                                                                                          clock, sessions, waits):
    emulator.fail_after_performing("chat.postMessage", status=500, times=5)
    # The history is down for the look-up right after the lost answer, and again at the first scheduled retry:
    # each time the client's own retries of conversations.history run out.
    emulator.fail_next("conversations.history", status=503, times=2 * 5 * (MAX_RETRIES + 1))

    first = run_job()
    assert (first.sent, first.failed) == (len(EVERYONE) - 5, 5)
    assert len(waits) == 5 * MAX_RETRIES  # backoff for the idempotent reads only

    clock.advance(timedelta(seconds=30))
    assert run_job().sent == 0  # not due yet
    clock.advance(timedelta(seconds=30))
    retried = run_job()
    assert (retried.sent, retried.failed) == (0, 5)  # the history is still down: looked, posted nothing

    clock.advance(deliveries.RETRY_DELAYS[1])
    assert run_job().sent == 5
    assert posts(emulator) == len(EVERYONE)  # never posted again
    assert_exactly_one_reminder_each(emulator, sessions)


def test_a_rate_limit_is_waited_out_as_slack_asks_and_nothing_is_lost(org, run_job, emulator, sessions, waits,
                                                                       server_time):
    emulator.rate_limit("chat.postMessage", per_second=50, now=server_time)

    report = run_job()

    assert report.sent == len(EVERYONE)
    assert waits == [1.0] * 4  # 201 posts at 50 a second
    assert Counter(call.status for call in emulator.calls_to("chat.postMessage")) == {200: len(EVERYONE), 429: 4}
    assert_exactly_one_reminder_each(emulator, sessions)


def snoozed_reminders(emulator) -> list[dict]:
    return [message for message in emulator.messages
            if message["metadata"]["event_payload"]["key"].endswith(f":{reminders.SNOOZE}")]


def test_a_reminder_snoozed_twice_is_posted_again_after_a_500_not_mistaken_for_the_first(
        sessions, clock, emulator, run_job):
    load_org(sessions, now=clock.now(), emulator=emulator)  # the small org: Alan lives in London
    with sessions() as session:
        alan = session.exec(select(Person).where(Person.slack_id == "UEMP1")).one()
        snooze = reminders.snooze_period("2026-W48")
        deliveries.schedule(session, job=reminders.JOB, person_id=alan.id, period=snooze,
                            at=FRIDAY_3PM_LONDON, now=FRIDAY_3PM_LONDON)
    clock.set(FRIDAY_3PM_LONDON)
    run_job()
    assert len(snoozed_reminders(emulator)) == 1

    later = FRIDAY_3PM_LONDON + timedelta(hours=2)
    with sessions() as session:
        deliveries.schedule(session, job=reminders.JOB, person_id=alan.id, period=snooze, at=later, now=later)
    emulator.fail_next("chat.postMessage", status=500)  # Slack did not post the second one
    clock.set(later)
    run_job()
    clock.advance(timedelta(minutes=1))
    run_job()

    snoozed = snoozed_reminders(emulator)
    assert len(snoozed) == 2
    with sessions() as session:
        row = deliveries.find(session, job=reminders.JOB, person_id=alan.id, period=snooze)
        assert (row.status, row.message_ref) == ("sent", snoozed[-1]["ts"])
