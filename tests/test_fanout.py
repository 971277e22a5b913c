"""Fan-out at Slack's pace: a pacer shared by the sending threads, claims shared by replicas, a stop between messages.

Pacing tests inject time and record waits; the fan-outs run the real jobs against the Slack emulator over HTTP.
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlmodel import select

from bot.settings import Settings, SettingsError
from bot.slack_client import make_web_client
from scheduler import JOBS, JobConfig, JobContext, build_scheduler, job_id, reminders
from scheduler.pacing import POST_METHOD, Pacer, paced_client
from storage import deliveries
from storage.models import Delivery, Person
from tests.conftest import BOT_TOKEN

PEOPLE = 40


class FakeTime:
    """Monotonic seconds that move only when a pacer sleeps; every sleep is recorded."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(round(seconds, 6))
        self.now += seconds


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


def pacer_for(fake_time: FakeTime, **rates: float) -> Pacer:
    return Pacer(rates={method.replace("_", "."): rate for method, rate in rates.items()},
                 monotonic=fake_time.monotonic, sleep=fake_time.sleep)


def test_the_pacer_spaces_the_calls_of_one_method_at_its_rate(fake_time):
    pacer = pacer_for(fake_time, chat_postMessage=10)
    for _ in range(5):
        pacer.acquire("chat.postMessage")
    assert fake_time.sleeps == [0.1, 0.1, 0.1, 0.1]


def test_each_method_and_each_workspace_has_its_own_allowance_and_unlisted_methods_are_not_paced(fake_time):
    pacer = pacer_for(fake_time, chat_postMessage=10, views_publish=2)
    pacer.acquire("chat.postMessage")
    pacer.acquire("views.publish")
    pacer.acquire("chat.postMessage", workspace="T2")
    pacer.acquire("auth.test")
    assert fake_time.sleeps == []
    pacer.acquire("views.publish")
    assert fake_time.sleeps == [0.5]


def test_a_429_makes_every_sender_of_the_method_wait_its_retry_after(fake_time):
    pacer = pacer_for(fake_time, chat_postMessage=10)
    pacer.acquire("chat.postMessage")
    pacer.pause("chat.postMessage", 30)
    pacer.acquire("chat.postMessage")
    pacer.acquire("chat.postMessage")
    assert fake_time.sleeps == [30, 0.1]


def test_a_sender_already_waiting_for_its_slot_queues_again_behind_a_429_that_came_meanwhile(fake_time):
    pacer = pacer_for(fake_time, chat_postMessage=10)
    pacer.acquire("chat.postMessage")

    def sleep_while_another_thread_hits_a_429(seconds: float) -> None:
        fake_time.sleep(seconds)
        if len(fake_time.sleeps) == 1:
            pacer.pause("chat.postMessage", 5)

    pacer._sleep = sleep_while_another_thread_hits_a_429
    pacer.acquire("chat.postMessage")
    assert fake_time.sleeps == [0.1, 5]


def test_senders_sharing_the_allowance_each_wait_that_many_slots(fake_time):
    pacer = pacer_for(fake_time, chat_postMessage=10)
    pacer.acquire("chat.postMessage")
    pacer.share(2)  # another replica is sending too: each takes half of Slack's allowance
    pacer.acquire("chat.postMessage")
    pacer.acquire("chat.postMessage")
    pacer.share(1)  # alone again
    pacer.acquire("chat.postMessage")
    assert fake_time.sleeps == [0.1, 0.2, 0.2]


def test_a_stop_ends_a_pacer_wait_at_once(fake_time):
    stop = threading.Event()
    pacer = Pacer(rates={POST_METHOD: 1}, monotonic=fake_time.monotonic, sleep=fake_time.sleep, stopped=stop.is_set)
    pacer.pause(POST_METHOD, 600)
    stop.set()
    pacer.acquire(POST_METHOD)
    assert fake_time.sleeps == []


def test_a_429_from_slack_pauses_the_method_for_retry_after_then_the_post_goes_through_once(emulator, fake_time):
    emulator.add_user("U1", name="ada")
    emulator.fail_next("chat.postMessage", status=429, retry_after=7)
    client = paced_client(make_web_client(token=BOT_TOKEN, base_url=emulator.api_url, sleep=fake_time.sleep),
                          pacer_for(fake_time, chat_postMessage=50))
    client.chat_postMessage(channel="U1", text="hello")
    assert fake_time.sleeps == [7]
    assert [m["text"] for m in emulator.messages] == ["hello"]


# ---- the fan-out, through the real jobs ----------------------------------------------------------------------


@pytest.fixture
def crowd(sessions, emulator, clock) -> list[str]:
    """PEOPLE employees on Slack, in UTC, none checked in."""
    slack_ids = [f"UFAN{index:04d}" for index in range(PEOPLE)]
    with sessions() as session:
        session.add_all(Person(slack_id=slack_id, name=f"Person {slack_id}", timezone="UTC", locale="en",
                               created_at=clock.now(), updated_at=clock.now()) for slack_id in slack_ids)
    for slack_id in slack_ids:
        emulator.add_user(slack_id, name=slack_id)
    return slack_ids


@pytest.fixture
def remind(sessions, emulator, clock, waits):
    """Run the reminders job as an operator's `jobs run` would (send times ignored), with a given worker and config."""

    def run(*, worker: str = "w1", threads: int = 4, client=None, stop=None, max_per_run=None):
        client = client or make_web_client(token=BOT_TOKEN, base_url=emulator.api_url, sleep=waits.append)
        config = JobConfig(delivery_threads=threads, max_per_run=max_per_run)
        return reminders.run(JobContext(sessions=sessions, client=client, now=clock.now(), config=config,
                                        worker=worker, forced=True, stop=stop))

    return run


def reminders_received(emulator) -> Counter:
    return Counter(message["channel"][1:] for message in emulator.messages)


def test_a_pool_of_senders_reminds_everyone_exactly_once(crowd, remind, emulator, sessions):
    report = remind(threads=4)
    assert report.sent == PEOPLE
    assert reminders_received(emulator) == Counter(crowd)
    with sessions() as session:
        statuses = Counter(session.exec(select(Delivery.status).where(Delivery.job == reminders.JOB)).all())
    assert statuses == {"sent": PEOPLE}


def test_two_replicas_with_their_own_pools_share_the_fan_out_and_send_one_reminder_each(crowd, remind, emulator):
    start = threading.Barrier(2)
    reports = {}

    def replica(name: str) -> None:
        start.wait()
        reports[name] = remind(worker=name, threads=4)

    threads = [threading.Thread(target=replica, args=(name,)) for name in ("replica-a", "replica-b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(report.sent for report in reports.values()) == PEOPLE
    assert reminders_received(emulator) == Counter(crowd)


def test_the_senders_are_the_workers_holding_live_claims_not_listeners_or_the_dead(crowd, remind, sessions, clock):
    remind(threads=1, max_per_run=0)  # plans everyone, sends nothing
    with sessions() as session:
        assert deliveries.senders(session, now=clock.now()) == 0
        for worker in ("replica-a", "replica-b", "listener:42"):
            deliveries.claim_due(session, job=reminders.JOB, now=clock.now(), worker=worker, limit=2)
        deliveries.claim_due(session, job=reminders.JOB, now=clock.now() - deliveries.LEASE - timedelta(seconds=1),
                             worker="dead", limit=2)
    with sessions() as session:
        assert deliveries.senders(session, now=clock.now()) == 2


def test_a_replica_paces_itself_at_its_share_while_another_is_sending(crowd, remind, emulator, sessions, clock,
                                                                      fake_time):
    remind(threads=1, max_per_run=0)
    with sessions() as session:  # another replica is mid-send
        deliveries.claim_due(session, job=reminders.JOB, now=clock.now(), worker="replica-b", limit=3)
    pacer = Pacer(rates={POST_METHOD: 10}, monotonic=fake_time.monotonic, sleep=fake_time.sleep)
    client = paced_client(make_web_client(token=BOT_TOKEN, base_url=emulator.api_url, sleep=fake_time.sleep), pacer)
    reminders.run(JobContext(sessions=sessions, client=client, now=clock.now(), worker="replica-a", forced=True,
                             config=JobConfig(delivery_threads=1, max_per_run=4), pacer=pacer))
    assert pacer.senders == 2
    assert set(fake_time.sleeps[-2:]) == {0.2}  # a fifth of a second apart: half of the 10 a second


def test_a_claim_takes_no_more_rows_than_asked_whatever_plan_the_database_picks(crowd, remind, sessions, clock):
    remind(threads=1, max_per_run=0)  # plans everyone, sends nothing
    with sessions() as session:
        if session.get_bind().dialect.name == "postgresql":
            # The plan under which PostgreSQL ran a LIMIT ... SKIP LOCKED subquery once per row it updated.
            for setting in ("enable_hashjoin", "enable_mergejoin", "enable_material", "enable_seqscan"):
                session.execute(text(f"SET LOCAL {setting} = off"))
        claimed = deliveries.claim_due(session, job=reminders.JOB, now=clock.now(), worker="a", limit=10)
    assert len(claimed) == 10


def test_claims_taken_by_one_replica_are_skipped_by_another_not_waited_for(crowd, remind, sessions, clock):
    remind(threads=1, max_per_run=0)  # plans everyone, sends nothing
    with sessions() as first, sessions() as second:
        mine = deliveries.claim_due(first, job=reminders.JOB, now=clock.now(), worker="a", limit=10)
        first.flush()
        theirs = deliveries.claim_due(second, job=reminders.JOB, now=clock.now(), worker="b", limit=10) \
            if first.get_bind().dialect.name == "postgresql" else []
    assert len(mine) == 10
    assert not {c.delivery.id for c in mine} & {c.delivery.id for c in theirs}


def test_a_stop_during_a_fan_out_ends_it_between_messages_and_the_rest_stays_due(crowd, remind, emulator, sessions,
                                                                                 fake_time):
    stop = threading.Event()

    def sleep_then_shut_down_after_five_posts(seconds: float) -> None:
        fake_time.sleep(seconds)
        if len(emulator.messages) >= 5:
            stop.set()

    pacer = Pacer(rates={POST_METHOD: 100}, monotonic=fake_time.monotonic, sleep=sleep_then_shut_down_after_five_posts,
                  stopped=stop.is_set)
    client = paced_client(make_web_client(token=BOT_TOKEN, base_url=emulator.api_url, sleep=fake_time.sleep), pacer)
    stopped = remind(threads=1, client=client, stop=stop)
    assert 5 <= stopped.sent <= 6  # the message whose slot was being waited for may still go
    with sessions() as session:
        waiting = session.exec(select(Delivery).where(Delivery.status == "scheduled")).all()
    assert len(waiting) == PEOPLE - stopped.sent

    resumed = remind(threads=4)
    assert stopped.sent + resumed.sent == PEOPLE
    assert reminders_received(emulator) == Counter(crowd)


def test_a_job_started_while_shutting_down_sends_nothing_and_leaves_everyone_due(crowd, remind, emulator, sessions):
    stop = threading.Event()
    stop.set()
    report = remind(threads=4, stop=stop)
    assert (report.sent, emulator.messages) == (0, [])
    with sessions() as session:
        statuses = Counter(session.exec(select(Delivery.status).where(Delivery.job == reminders.JOB)).all())
    assert statuses == {"scheduled": PEOPLE}


def test_a_large_job_sends_at_most_its_share_per_tick_and_the_rest_on_the_next(crowd, remind, emulator):
    first = remind(threads=2, max_per_run=15)
    assert first.sent == 15
    second = remind(threads=2, max_per_run=15)
    third = remind(threads=2, max_per_run=15)
    assert (second.sent, third.sent) == (15, PEOPLE - 30)
    assert reminders_received(emulator) == Counter(crowd)


# ---- the scheduler and its settings -------------------------------------------------------------------------


def test_each_job_has_its_own_interval_job_with_a_stable_id_one_run_at_a_time(clock):
    scheduler = build_scheduler(sessions=None, client=None, clock_now=clock.now, config=JobConfig())
    jobs = scheduler.get_jobs()
    assert [job.id for job in jobs] == [job_id(job.name) for job in JOBS if job.available]
    assert all(job.max_instances == 1 and job.coalesce for job in jobs)
    assert all(job.trigger.interval.total_seconds() == 60 for job in jobs)
    again = build_scheduler(sessions=None, client=None, clock_now=clock.now, config=JobConfig())
    assert [job.id for job in again.get_jobs()] == [job.id for job in jobs]


def test_the_fan_out_settings_refuse_nonsense_with_the_variable_named():
    with pytest.raises(SettingsError, match="CHECKIN_DELIVERY_THREADS: 'many' is not a whole number"):
        Settings.from_env({"CHECKIN_DELIVERY_THREADS": "many"})
    with pytest.raises(SettingsError, match="CHECKIN_SLACK_POSTS_PER_SECOND: 0.0 is not between"):
        Settings.from_env({"CHECKIN_SLACK_POSTS_PER_SECOND": "0"})
    settings = Settings.from_env({"CHECKIN_SLACK_POSTS_PER_SECOND": "47.5", "CHECKIN_DELIVERY_THREADS": "12"})
    assert (settings.slack_posts_per_second, settings.delivery_threads) == (47.5, 12)
    assert replace(settings, delivery_threads=8).delivery_threads == 8
