"""The one place that reads the wall clock; everything else is handed `now`."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...


class WallClockRefused(RuntimeError):
    """Raised when code reads the wall clock where time was meant to be injected."""


# Module-wide, not per thread: the server and the scheduler read the clock from threads of their own.
_refusal: str | None = None


@contextmanager
def wall_clock_refused(reason: str) -> Iterator[None]:
    """Make every SystemClock refuse to answer while inside, so a forgotten injection fails loudly.

    The test suite wraps each test in this: an outcome that depends on the day the suite runs is a bug.
    """
    global _refusal
    previous, _refusal = _refusal, reason
    try:
        yield
    finally:
        _refusal = previous


class SystemClock:
    def now(self) -> datetime:
        if _refusal is not None:
            raise WallClockRefused(_refusal)
        return datetime.now(UTC)


def pause(seconds: float) -> None:
    """Wait in real time (a retry's back-off), as time.sleep does, but on an Event.

    time.sleep fails with EINVAL under libfaketime when only the wall clock is moved; an Event's wait does not.
    """
    threading.Event().wait(max(seconds, 0.0))


class FixedClock:
    """A clock that moves only when told to, for tests and the scripted try-out."""

    def __init__(self, at: datetime):
        self._at = _aware(at)

    def now(self) -> datetime:
        return self._at

    def set(self, at: datetime) -> None:
        self._at = _aware(at)

    def advance(self, delta: timedelta) -> None:
        self._at += delta


def _aware(at: datetime) -> datetime:
    if at.tzinfo is None:
        raise ValueError("FixedClock needs an aware datetime")
    return at.astimezone(UTC)
