"""The delivery log: one send per (job, person, period), whatever restarts, replicas and Slack failures do."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import Engine, event, text
from sqlmodel import Session, select

from storage import deliveries
from storage.deliveries import LEASE, MAX_ATTEMPTS, RETRY_DELAYS, Claim
from storage.models import AuditEvent, Delivery, Person
from tests.builders import load_org
from tests.conftest import MONDAY_MORNING

NOW = MONDAY_MORNING
JOB = "checkin-reminders"
WEEK = "2026-W48"
WAIT = 30  # seconds a thread may wait for another before the test fails instead of hanging


@pytest.fixture
def person_ids(sessions) -> list[int]:
    load_org(sessions, now=NOW)
    with sessions() as session:
        return list(session.exec(select(Person.id).order_by(Person.id)))


@pytest.fixture
def person_id(person_ids) -> int:
    return person_ids[0]


@pytest.fixture
def concurrent_writers(db_kind: str) -> None:
    if db_kind == "sqlite":
        pytest.skip("SQLite serialises writers, so two transactions never claim at the same moment")


def claim(session: Session, person_id: int, now=NOW, worker: str = "worker-a", *, period: str = WEEK) -> Claim | None:
    return deliveries.claim(session, job=JOB, person_id=person_id, period=period, now=now, worker=worker)


def schedule(session: Session, person_id: int, at, now=NOW) -> Delivery:
    return deliveries.schedule(session, job=JOB, person_id=person_id, period=WEEK, at=at, now=now)


def failed_once(sessions, person_id: int) -> Delivery:
    """Claim a key at NOW and fail its first attempt, committed."""
    with sessions() as session:
        won = claim(session, person_id)
        return deliveries.mark_failed(session, won.delivery.id, now=NOW, error="ratelimited")


# ---- claiming ------------------------------------------------------------------------------------


def test_the_first_claim_of_a_key_records_who_claimed_it_and_when(session, person_id):
    won = claim(session, person_id)

    assert won is not None and won.recovered is False
    assert won.delivery.id is not None
    assert (won.delivery.status, won.delivery.attempts) == ("claimed", 0)
    assert (won.delivery.claimed_by, won.delivery.claimed_at) == ("worker-a", NOW)


def test_the_second_claim_of_a_key_returns_none(session, person_id):
    claim(session, person_id)

    assert claim(session, person_id, worker="worker-b") is None
    assert claim(session, person_id, period="2026-W49") is not None


def test_a_worker_whose_rival_claimed_and_committed_first_gets_none(sessions, person_id):
    with sessions() as worker_a:
        won = claim(worker_a, person_id, worker="worker-a")
    with sessions() as worker_b:
        lost = claim(worker_b, person_id, worker="worker-b")

    assert won is not None
    assert lost is None
    with sessions() as session:
        assert deliveries.find(session, job=JOB, person_id=person_id, period=WEEK).claimed_by == "worker-a"


def test_a_lost_claim_leaves_the_callers_transaction_usable(sessions, person_id):
    with sessions() as session:
        claim(session, person_id)
    with sessions() as session:
        session.add(AuditEvent(at=NOW, action="before.claim", entity="delivery"))
        assert claim(session, person_id, worker="worker-b") is None
        session.add(AuditEvent(at=NOW, action="after.claim", entity="delivery"))

    with sessions() as session:
        actions = session.exec(select(AuditEvent.action).where(AuditEvent.entity == "delivery")).all()
    assert sorted(actions) == ["after.claim", "before.claim"]


def test_a_claim_rolled_back_by_the_caller_leaves_no_trace(sessions, person_id):
    with sessions() as session:
        assert claim(session, person_id) is not None
        session.rollback()

    with sessions() as session:
        assert not deliveries.exists(session, job=JOB, person_id=person_id, period=WEEK)


def test_two_transactions_claiming_a_new_key_at_the_same_moment_let_exactly_one_win(
    sessions, person_ids, concurrent_writers
):
    for person_id in person_ids:
        results = race(sessions, claiming(person_id))

        assert sum(result is not None for result in results) == 1


def test_a_claim_waiting_on_an_uncommitted_claim_of_the_key_loses_when_it_commits(
    sessions, engine, person_id, concurrent_writers
):
    first, second = second_blocked_by_first(sessions, engine, claiming(person_id))

    assert first is not None and second is None


def test_a_worker_that_saw_a_due_retry_loses_it_to_a_rival_that_claimed_it_in_between(
    sessions, person_id, concurrent_writers
):
    failed_once(sessions, person_id)
    due = NOW + RETRY_DELAYS[0]
    rival: list[Claim | None] = []

    # Between worker-b reading the due row and its conditional UPDATE, a rival claims it and commits.
    def rival_claims_first(connection, cursor, statement, parameters, context, executemany) -> None:
        if statement.startswith("UPDATE delivery") and not rival:
            with sessions() as other:
                rival.append(claim(other, person_id, due, "worker-a"))

    with sessions() as session:
        event.listen(session.connection(), "before_cursor_execute", rival_claims_first)
        lost = claim(session, person_id, due, "worker-b")

    assert rival[0] is not None and lost is None


def test_a_crashed_workers_claim_is_recovered_after_the_lease_and_not_before(sessions, person_id):
    with sessions() as session:
        claim(session, person_id, worker="crashed")

    with sessions() as session:
        assert claim(session, person_id, NOW + LEASE, "worker-b") is None
        recovered = claim(session, person_id, NOW + LEASE + timedelta(seconds=1), "worker-b")
        assert claim(session, person_id, NOW + LEASE + timedelta(seconds=2), "worker-c") is None

    assert recovered is not None and recovered.recovered is True
    assert recovered.delivery.claimed_by == "worker-b"
    assert recovered.delivery.claimed_at == NOW + LEASE + timedelta(seconds=1)
    assert recovered.previous_claimed_at == NOW


def test_stale_claims_lists_only_claims_older_than_the_lease(session, person_ids):
    claim(session, person_ids[0], NOW - LEASE - timedelta(seconds=1))
    claim(session, person_ids[1], NOW - LEASE)
    sent = claim(session, person_ids[2], NOW - timedelta(hours=1))
    deliveries.mark_sent(session, sent.delivery.id, now=NOW, channel="DUEMP1", message_ref="1.0")

    stale = deliveries.stale_claims(session, job=JOB, now=NOW)

    assert [delivery.person_id for delivery in stale] == [person_ids[0]]


# ---- outcomes ------------------------------------------------------------------------------------


def test_a_sent_message_records_where_it_went_and_is_never_claimed_again(session, person_id):
    won = claim(session, person_id)

    deliveries.mark_sent(session, won.delivery.id, now=NOW, channel="DUEMP1", message_ref="1700000000.000100")

    sent = deliveries.find(session, job=JOB, person_id=person_id, period=WEEK)
    assert (sent.status, sent.sent_at, sent.channel, sent.message_ref) == (
        "sent", NOW, "DUEMP1", "1700000000.000100"
    )
    assert claim(session, person_id, NOW + timedelta(days=1), "worker-b") is None


def test_failures_are_retried_after_each_delay_then_given_up_with_the_last_error(session, person_id):
    at = NOW
    won = claim(session, person_id, at)
    for attempt, delay in enumerate(RETRY_DELAYS, start=1):
        failed = deliveries.mark_failed(session, won.delivery.id, now=at, error=f"error {attempt}")
        assert (failed.status, failed.attempts, failed.next_attempt_at) == ("retry", attempt, at + delay)
        at += delay
        won = claim(session, person_id, at)
        assert won is not None and won.recovered is False

    given_up = deliveries.mark_failed(session, won.delivery.id, now=at, error="channel_not_found")

    assert (given_up.status, given_up.attempts, given_up.next_attempt_at) == ("failed", MAX_ATTEMPTS, None)
    assert given_up.last_error == "channel_not_found"
    assert claim(session, person_id, at + timedelta(days=1)) is None


def test_a_permanent_failure_is_not_retried(session, person_id):
    won = claim(session, person_id)

    failed = deliveries.mark_failed(session, won.delivery.id, now=NOW, error="user_not_found", permanent=True)

    assert (failed.status, failed.attempts, failed.next_attempt_at) == ("failed", 1, None)


def test_a_row_keeps_its_text_while_it_may_still_be_sent_and_drops_it_once_settled(session, person_id):
    """A notice's text (the payload) stays for a retry and goes with the verb that settles the row."""
    rows = [deliveries.enqueue(session, job="notices", person_id=person_id, period=f"k{n}", now=NOW,
                               payload={"text": f"hello {n}"}) for n in range(4)]
    claims = [deliveries.take_over(session, row, now=NOW, worker="worker-a") for row in rows]
    retrying = deliveries.mark_failed(session, claims[0].delivery.id, now=NOW, error="ratelimited")
    failed = deliveries.mark_failed(session, claims[1].delivery.id, now=NOW, error="user_not_found", permanent=True)
    deliveries.mark_skipped(session, claims[2].delivery.id, now=NOW, reason="no longer needed")
    deliveries.mark_sent(session, claims[3].delivery.id, now=NOW, channel="D1", message_ref="1.0")
    session.flush()
    session.expire_all()
    kept = {row.period: (row.status, row.payload) for row in session.exec(select(Delivery))}
    assert kept == {"k0": ("retry", {"text": "hello 0"}), "k1": ("failed", None), "k2": ("skipped", None),
                    "k3": ("sent", None)}
    assert (retrying.status, failed.status) == ("retry", "failed")


def test_the_error_kept_is_cut_to_500_characters(session, person_id):
    won = claim(session, person_id)

    failed = deliveries.mark_failed(session, won.delivery.id, now=NOW, error="x" * 2000)

    assert failed.last_error == "x" * 500


def test_a_retry_is_claimable_only_once_due(sessions, person_id):
    failed_once(sessions, person_id)
    due = NOW + RETRY_DELAYS[0]

    with sessions() as session:
        assert claim(session, person_id, due - timedelta(seconds=1)) is None
        assert deliveries.due(session, job=JOB, now=due - timedelta(seconds=1)) == []
        assert [row.person_id for row in deliveries.due(session, job=JOB, now=due)] == [person_id]
        retried = claim(session, person_id, due, "worker-b")

    assert retried is not None and retried.recovered is False
    assert (retried.delivery.status, retried.delivery.attempts, retried.delivery.claimed_by) == (
        "claimed", 1, "worker-b"
    )


def test_a_skipped_delivery_keeps_its_reason_and_is_not_claimed_again(session, person_id):
    won = claim(session, person_id)

    deliveries.mark_skipped(session, won.delivery.id, now=NOW, reason="checked in meanwhile")

    skipped = deliveries.find(session, job=JOB, person_id=person_id, period=WEEK)
    assert (skipped.status, skipped.last_error) == ("skipped", "checked in meanwhile")
    assert claim(session, person_id, NOW + timedelta(hours=1)) is None


# ---- snoozes -------------------------------------------------------------------------------------


def test_a_snoozed_send_is_claimed_once_its_time_comes(session, person_id):
    later = NOW + timedelta(hours=2)

    snoozed = schedule(session, person_id, later)

    assert (snoozed.status, snoozed.next_attempt_at, snoozed.attempts) == ("scheduled", later, 0)
    assert deliveries.exists(session, job=JOB, person_id=person_id, period=WEEK)
    assert claim(session, person_id, later - timedelta(seconds=1)) is None
    won = claim(session, person_id, later)
    assert won is not None and won.delivery.id == snoozed.id and won.recovered is False


def test_snoozing_again_moves_the_scheduled_send(session, person_id):
    first = schedule(session, person_id, NOW + timedelta(hours=1))

    second = schedule(session, person_id, NOW + timedelta(hours=3))

    assert second.id == first.id
    assert second.next_attempt_at == NOW + timedelta(hours=3)
    assert claim(session, person_id, NOW + timedelta(hours=1)) is None
    assert claim(session, person_id, NOW + timedelta(hours=3)) is not None


def test_snoozing_a_sent_reminder_schedules_a_new_send_with_fresh_attempts(session, person_id):
    won = claim(session, person_id)
    deliveries.mark_failed(session, won.delivery.id, now=NOW, error="ratelimited")
    won = claim(session, person_id, NOW + RETRY_DELAYS[0])
    deliveries.mark_sent(session, won.delivery.id, now=NOW, channel="DUEMP1", message_ref="1.0")

    snoozed = schedule(session, person_id, NOW + timedelta(hours=1))

    assert (snoozed.status, snoozed.attempts, snoozed.last_error) == ("scheduled", 0, None)


def test_a_snooze_leaves_a_send_under_way_alone(session, person_id):
    won = claim(session, person_id)

    snoozed = schedule(session, person_id, NOW + timedelta(hours=1))

    assert snoozed.id == won.delivery.id
    assert (snoozed.status, snoozed.next_attempt_at) == ("claimed", None)


# ---- reading the log -----------------------------------------------------------------------------


def test_due_lists_the_waiting_rows_of_one_job_oldest_first(session, person_ids):
    late, early, not_yet = person_ids[:3]
    schedule(session, late, NOW - timedelta(minutes=1))
    schedule(session, early, NOW - timedelta(hours=1))
    schedule(session, not_yet, NOW + timedelta(minutes=1))
    deliveries.schedule(session, job="manager-nudges", person_id=late, period=WEEK, at=NOW, now=NOW)

    assert [row.person_id for row in deliveries.due(session, job=JOB, now=NOW)] == [early, late]
    assert [row.person_id for row in deliveries.due(session, job=JOB, now=NOW, limit=1)] == [early]
    assert deliveries.due(session, job=JOB, now=NOW, statuses=("retry",)) == []


def test_summary_counts_a_jobs_rows_claimed_since_by_status(session, person_ids):
    sent, failed, retrying, claimed, old = person_ids
    deliveries.mark_sent(session, claim(session, sent).delivery.id, now=NOW, channel=None, message_ref=None)
    deliveries.mark_failed(session, claim(session, failed).delivery.id, now=NOW, error="x", permanent=True)
    deliveries.mark_failed(session, claim(session, retrying).delivery.id, now=NOW, error="ratelimited")
    claim(session, claimed)
    claim(session, old, NOW - timedelta(days=8))
    deliveries.claim(session, job="hr-digest", person_id=sent, period=WEEK, now=NOW, worker="worker-a")

    counts = deliveries.summary(session, job=JOB, since=NOW - timedelta(days=7))

    assert counts == {"scheduled": 0, "claimed": 1, "sent": 1, "retry": 1, "failed": 1, "skipped": 0}


def test_failures_lists_given_up_rows_newest_first_of_one_job_or_all(session, person_ids):
    first, second, third = person_ids[:3]
    for person, at in ((first, NOW - timedelta(hours=2)), (second, NOW - timedelta(hours=1))):
        won = claim(session, person, at)
        deliveries.mark_failed(session, won.delivery.id, now=at, error="user_not_found", permanent=True)
    other = deliveries.claim(session, job="hr-digest", person_id=third, period=WEEK, now=NOW, worker="worker-a")
    deliveries.mark_failed(session, other.delivery.id, now=NOW, error="user_not_found", permanent=True)
    claim(session, third)

    assert [row.person_id for row in deliveries.failures(session)] == [third, second, first]
    assert [row.person_id for row in deliveries.failures(session, job=JOB)] == [second, first]
    assert [row.person_id for row in deliveries.failures(session, job=JOB, limit=1)] == [second]


def test_taken_keys_lists_a_jobs_keys_among_the_periods_whatever_their_status(session, person_ids):
    first, second, third = person_ids[:3]
    deliveries.mark_skipped(session, claim(session, first).delivery.id, now=NOW, reason="checked in")
    schedule(session, second, NOW + timedelta(hours=1))
    claim(session, third, period="2026-W47")
    deliveries.claim(session, job="hr-digest", person_id=third, period=WEEK, now=NOW, worker="worker-a")

    taken = deliveries.taken_keys(session, job=JOB, periods={WEEK, "2026-W49"})

    assert taken == {(first, WEEK), (second, WEEK)}


def test_sent_people_lists_who_a_jobs_message_reached_in_the_periods(session, person_ids):
    first, second, third = person_ids[:3]
    for person, period in ((first, WEEK), (second, "2026-W47"), (third, WEEK)):
        deliveries.mark_sent(session, claim(session, person, period=period).delivery.id, now=NOW, channel=None,
                             message_ref=None)
    claim(session, second)

    sent = deliveries.sent_people(session, job=JOB, periods={WEEK})

    assert [(person.id, period) for person, period in sent] == [(first, WEEK), (third, WEEK)]


def test_find_and_exists_answer_for_one_key_only(session, person_ids):
    claim(session, person_ids[0])

    assert deliveries.exists(session, job=JOB, person_id=person_ids[0], period=WEEK)
    assert not deliveries.exists(session, job=JOB, person_id=person_ids[1], period=WEEK)
    assert not deliveries.exists(session, job=JOB, person_id=person_ids[0], period="2026-W49")
    assert deliveries.find(session, job="hr-digest", person_id=person_ids[0], period=WEEK) is None


# ---- concurrency helpers -------------------------------------------------------------------------

Attempt = Callable[[Session, str], Claim | None]


def claiming(person_id: int) -> Attempt:
    """Return an attempt by one worker to claim WEEK's key for a person at NOW."""
    return lambda session, worker: claim(session, person_id, worker=worker)


def race(sessions, attempt: Attempt, workers: int = 2) -> list[Claim | None]:
    """Run `attempt` in `workers` threads, each in its own transaction, released at the same moment."""
    start = threading.Barrier(workers)

    def run(worker: str) -> Claim | None:
        with sessions() as session:
            session.connection()  # connect before the start line, so only the claims race
            start.wait(timeout=WAIT)
            return attempt(session, worker)

    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(run, f"worker-{index}") for index in range(workers)]
        return [future.result(timeout=WAIT) for future in futures]


def second_blocked_by_first(sessions, engine: Engine, attempt: Attempt) -> tuple[Claim | None, Claim | None]:
    """Run `attempt` in two transactions; the second starts while the first is claimed but uncommitted."""
    first_claimed, release = threading.Event(), threading.Event()

    def first() -> Claim | None:
        with sessions() as session:
            result = attempt(session, "worker-a")
            first_claimed.set()
            release.wait(timeout=WAIT)
            return result

    def second() -> Claim | None:
        first_claimed.wait(timeout=WAIT)
        with sessions() as session:
            return attempt(session, "worker-b")

    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = pool.submit(first), pool.submit(second)
        try:
            wait_for_a_blocked_query(engine)
        finally:
            release.set()
        return futures[0].result(timeout=WAIT), futures[1].result(timeout=WAIT)


def wait_for_a_blocked_query(engine: Engine) -> None:
    """Return once some PostgreSQL backend waits for a lock, proving the two transactions overlap."""
    deadline = time.monotonic() + WAIT
    with engine.connect() as connection:
        while connection.execute(text("SELECT count(*) FROM pg_locks WHERE NOT granted")).scalar_one() == 0:
            assert time.monotonic() < deadline, "the second claim never waited for the first"
            connection.rollback()  # a fresh snapshot of pg_locks on each poll
            time.sleep(0.01)
