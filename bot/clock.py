"""The one place that reads the wall clock; everything else is handed `now`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


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
