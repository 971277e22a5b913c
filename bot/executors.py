"""Where listeners run: inline for scripted runs and tests (deterministic), a bounded pool for `serve`."""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from contextlib import contextmanager

from slack_bolt.context.ack import Ack

log = logging.getLogger(__name__)


class InlineExecutor(Executor):
    """Run each listener to completion before the HTTP response returns (ack still comes first)."""

    def submit(self, fn, /, *args, **kwargs) -> Future:
        _keep_acknowledgement(fn)
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # handed to the future, as a thread pool would
            future.set_exception(exc)
        return future


class _KeptAck(Ack):
    """An Ack whose answer, once given, stays given.

    When a listener fails after acknowledging, Bolt's runner clears the acknowledgement: with a thread pool the
    answer has long gone to Slack by then, so nothing changes. Run inline, the clearing would happen before the
    answer is read and turn it into a 404; keeping it makes a test see what Slack sees.
    """

    @property
    def response(self):
        return self.__dict__.get("_kept")

    @response.setter
    def response(self, value) -> None:
        if value is not None or self.__dict__.get("_kept") is None:
            self.__dict__["_kept"] = value


def _keep_acknowledgement(fn) -> None:
    """Make the Ack a Bolt listener task closes over keep its answer (see _KeptAck)."""
    names = getattr(getattr(fn, "__code__", None), "co_freevars", ())
    for name, cell in zip(names, getattr(fn, "__closure__", None) or (), strict=False):
        value = cell.cell_contents if name == "ack" else None
        if type(value) is Ack:
            given = value.__dict__.get("response")
            value.__class__ = _KeptAck
            value.__dict__["_kept"] = given


class BoundedExecutor(Executor):
    """A thread pool whose queue has a limit: beyond it, `submit` waits for a free slot instead of memory growing.

    Bolt's default pool queues without end, so a burst of App Home opens piles up work (and RSS) faster than it
    drains. Here at most `workers + queue_limit` tasks are held; the caller of a full pool (a request thread)
    waits, which slows the senders down rather than the process swelling.
    """

    def __init__(self, *, workers: int = 8, queue_limit: int = 64, name: str = "listener"):
        if workers < 1 or queue_limit < 0:
            raise ValueError("workers must be at least 1 and queue_limit at least 0")
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix=name)
        self._slots = threading.BoundedSemaphore(workers + queue_limit)

    def submit(self, fn, /, *args, **kwargs) -> Future:
        self._slots.acquire()
        try:
            future = self._pool.submit(fn, *args, **kwargs)
        except BaseException:
            self._slots.release()
            raise
        future.add_done_callback(lambda _done: self._slots.release())
        return future

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self._pool.shutdown(wait=wait, cancel_futures=cancel_futures)


class AcksFirst:
    """Give the GIL to answers before work that can wait: work after an ack starts once no request has been waiting
    for its answer for `quiet_for` seconds, or after `max_wait` seconds.

    Python runs one thread at a time, so an App Home publish or a thanks running beside a burst of requests takes
    the CPU from their acks (Slack retries what is not answered in 3 seconds). Under a trickle of requests the
    quiet comes almost at once; under a burst the later work runs every `max_wait` (so it never starves) and,
    coalesced per person, catches up when the burst eases. Between two requests of a burst there is no request
    for a moment, hence the `quiet_for`.
    """

    def __init__(self, *, max_wait: float = 0.25, quiet_for: float = 0.03, monotonic=time.monotonic,
                 sleep=time.sleep) -> None:
        self.max_wait, self.quiet_for = max_wait, quiet_for
        self._monotonic, self._sleep = monotonic, sleep
        self._answering = 0
        self._last_answered = monotonic()
        self._lock = threading.Lock()

    @contextmanager
    def answering(self):
        """Around a request, from its arrival to its answer. Nobody is woken here: the waiting work looks again
        every `quiet_for`, which costs less than a wake-up at each of hundreds of answers a second."""
        with self._lock:
            self._answering += 1
        try:
            yield
        finally:
            with self._lock:
                self._answering -= 1
                self._last_answered = self._monotonic()

    def wait_for_quiet(self) -> None:
        """Wait until no request has waited for its answer for `quiet_for` seconds, or `max_wait` has passed."""
        deadline = self._monotonic() + self.max_wait
        while True:
            with self._lock:
                now = self._monotonic()
                quiet_still_needed = self.quiet_for - (now - self._last_answered)
                if now >= deadline or (not self._answering and quiet_still_needed <= 0):
                    return
            self._sleep(min(deadline - now, max(quiet_still_needed, self.quiet_for / 2)))


class Coalescing:
    """Run work later on an executor, once per key: a submission whose key is still waiting to start is dropped.

    For work that reads the latest state when it runs (publishing someone's App Home): ten clicks in a burst
    need one publish, not ten, as long as it starts after the last of them. Once a task starts, a new submission
    with its key waits again, so nothing written after the start is missed. A failure is logged, as after an ack
    there is no one left to answer. With `acks_first`, each task gives way to requests being answered while fewer
    than `backlog` tasks wait (see AcksFirst).
    """

    def __init__(self, executor: Executor, *, acks_first: AcksFirst | None = None, backlog: int = 0):
        self._executor = executor
        self._acks_first, self._backlog = acks_first, backlog
        self._waiting: set = set()
        self._lock = threading.Lock()

    def submit(self, key, fn) -> bool:
        """Queue `fn` unless work with `key` is already waiting; True when queued."""
        with self._lock:
            if key in self._waiting:
                return False
            self._waiting.add(key)

        def run() -> None:
            # Give way to the acks while the backlog is short (the same work asked again meanwhile is dropped);
            # a long one goes at once, since a full queue would make listeners wait and hold up the acks themselves.
            if self._acks_first is not None and len(self._waiting) < self._backlog:
                self._acks_first.wait_for_quiet()
            with self._lock:
                self._waiting.discard(key)
            try:
                fn()
            except Exception:
                log.exception("work after an acknowledgement failed")

        try:
            self._executor.submit(run)
        except BaseException:
            with self._lock:
                self._waiting.discard(key)
            raise
        return True
