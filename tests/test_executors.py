"""The listener pools: the bounded one makes a full queue wait instead of growing; later work runs once a burst,
giving way to the acks while requests wait for their answers."""

from __future__ import annotations

import threading

import pytest

from bot.executors import AcksFirst, BoundedExecutor, Coalescing


@pytest.fixture
def pool():
    executor = BoundedExecutor(workers=1, queue_limit=1, name="test-bounded")
    yield executor
    executor.shutdown(wait=True, cancel_futures=True)


def _submit_in_thread(pool: BoundedExecutor, fn) -> tuple[threading.Thread, threading.Event]:
    submitted = threading.Event()

    def submit():
        pool.submit(fn)
        submitted.set()

    thread = threading.Thread(target=submit, daemon=True)
    thread.start()
    return thread, submitted


def test_it_makes_a_submission_wait_while_the_workers_and_the_queue_are_full(pool):
    release = threading.Event()
    running = threading.Event()

    def blocker():
        running.set()
        release.wait(10)

    pool.submit(blocker)  # the one worker
    assert running.wait(10)
    pool.submit(lambda: None)  # the one queued slot
    thread, submitted = _submit_in_thread(pool, lambda: None)
    assert not submitted.wait(0.05)  # waits: nothing was taken from the queue
    release.set()
    assert submitted.wait(10)
    thread.join(10)


def test_it_runs_every_task_it_accepts_and_hands_back_results_and_errors(pool):
    def fail():
        raise ValueError("boom")

    assert pool.submit(lambda: 41 + 1).result(10) == 42
    assert isinstance(pool.submit(fail).exception(10), ValueError)
    # a failed task frees its slot like a finished one: two more fit at once
    first, second = pool.submit(lambda: 1), pool.submit(lambda: 2)
    assert (first.result(10), second.result(10)) == (1, 2)


def test_it_refuses_a_pool_without_workers():
    with pytest.raises(ValueError):
        BoundedExecutor(workers=0)


def test_it_runs_work_asked_for_again_while_it_waits_only_once(pool):
    release, running = threading.Event(), threading.Event()
    ran: list[str] = []
    pool.submit(lambda: (running.set(), release.wait(10)))  # keeps the one worker busy
    assert running.wait(10)
    later = Coalescing(pool)
    assert later.submit("home:7", lambda: ran.append("first"))
    assert not later.submit("home:7", lambda: ran.append("second"))  # still waiting: one publish covers both
    release.set()
    pool.shutdown(wait=True)
    assert ran == ["first"]


def test_it_runs_work_asked_for_again_once_the_earlier_run_has_started(pool):
    started, release = threading.Event(), threading.Event()
    ran: list[str] = []
    later = Coalescing(pool)

    def first():
        started.set()
        release.wait(10)
        ran.append("first")

    assert later.submit("home:7", first)
    assert started.wait(10)
    assert later.submit("home:7", lambda: ran.append("second"))  # the first may have read before the change
    release.set()
    pool.shutdown(wait=True)
    assert ran == ["first", "second"]


def test_it_logs_a_failure_of_later_work_and_keeps_going(pool, caplog):
    later = Coalescing(pool)

    def fail():
        raise RuntimeError("boom")

    later.submit("a", fail)
    later.submit("b", lambda: None)
    pool.shutdown(wait=True)
    assert "work after an acknowledgement failed" in caplog.text


def _hold_the_worker(pool: BoundedExecutor) -> threading.Event:
    """Keep the pool's one worker busy until the returned event is set, so that what is submitted queues."""
    release, running = threading.Event(), threading.Event()
    pool.submit(lambda: (running.set(), release.wait(10)))
    assert running.wait(10)
    return release


class FakeTime:
    """A monotonic clock that moves only when the code under test sleeps; `on_sleep` runs at each sleep."""

    def __init__(self, on_sleep=lambda now: None) -> None:
        self.now, self.slept, self.on_sleep = 1000.0, [], on_sleep

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(round(seconds, 3))
        self.now += seconds
        self.on_sleep(self.now)


def test_work_after_an_ack_starts_at_once_when_no_request_has_been_answered_for_a_while():
    time = FakeTime()
    acks = AcksFirst(max_wait=0.25, quiet_for=0.03, monotonic=time.monotonic, sleep=time.sleep)
    time.now += 1
    acks.wait_for_quiet()
    assert time.slept == []


def test_work_after_an_ack_waits_while_a_request_waits_for_its_answer_and_a_moment_after():
    request = None

    def answer_it_after_100_ms(now):
        if request is not None and now >= 1000.1:
            request.__exit__(None, None, None)

    time = FakeTime(answer_it_after_100_ms)
    acks = AcksFirst(max_wait=0.25, quiet_for=0.03, monotonic=time.monotonic, sleep=time.sleep)
    request = acks.answering()
    request.__enter__()
    acks.wait_for_quiet()
    assert 0.13 <= sum(time.slept) < 0.25  # answered at 100 ms, then 30 ms of quiet
    request = None


def test_work_after_an_ack_is_not_starved_by_requests_that_never_stop():
    time = FakeTime()
    acks = AcksFirst(max_wait=0.25, quiet_for=0.03, monotonic=time.monotonic, sleep=time.sleep)
    with acks.answering():
        acks.wait_for_quiet()
    assert sum(time.slept) == pytest.approx(0.25)


def test_later_work_gives_way_to_a_request_being_answered_and_runs_once_it_is_answered(pool):
    answered = threading.Event()
    acks = AcksFirst(max_wait=60, quiet_for=0, sleep=lambda _seconds: answered.wait(10))
    later = Coalescing(pool, acks_first=acks, backlog=10)
    ran = threading.Event()
    with acks.answering():
        later.submit("home:7", ran.set)
        assert not ran.wait(0.1)  # a request is still being answered
    answered.set()
    assert ran.wait(10)


def test_a_backlog_of_work_after_acks_runs_at_once_so_that_the_queue_never_fills():
    pool = BoundedExecutor(workers=1, queue_limit=4, name="test-backlog")
    answered = threading.Event()
    acks = AcksFirst(max_wait=60, quiet_for=0, sleep=lambda _seconds: answered.wait(10))
    later = Coalescing(pool, acks_first=acks, backlog=2)
    ran: list[str] = []
    first_ran = threading.Event()
    release = _hold_the_worker(pool)
    with acks.answering():
        later.submit("home:1", lambda: (ran.append("home:1"), first_ran.set()))
        later.submit("home:2", lambda: ran.append("home:2"))
        release.set()
        assert first_ran.wait(10)  # two waiting: a backlog, run while the request is still being answered
        assert ran == ["home:1"]  # the second, alone now, gives way again
    answered.set()
    pool.shutdown(wait=True)
    assert ran == ["home:1", "home:2"]
