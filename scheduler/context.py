"""What a job run is handed: sessions, the Slack client, the moment, and the schedule settings."""

from __future__ import annotations

import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from slack_sdk import WebClient
from sqlmodel import Session

from storage.weeks import ActiveHours, WeeklySlot


@dataclass(frozen=True)
class JobConfig:
    reminder_slot: WeeklySlot = field(default_factory=lambda: WeeklySlot.parse("FRI 15:00"))
    follow_up_slot: WeeklySlot = field(default_factory=lambda: WeeklySlot.parse("MON 08:30"))  # the next week
    nudge_slot: WeeklySlot = field(default_factory=lambda: WeeklySlot.parse("MON 09:00"))
    digest_slot: WeeklySlot = field(default_factory=lambda: WeeklySlot.parse("MON 10:00"))
    active_hours: ActiveHours = field(default_factory=ActiveHours)
    default_timezone: str = "UTC"
    default_locale: str = "en"
    hr_channel: str | None = None
    delivery_threads: int = 1  # messages a process sends at once; the pacer, not this, sets the rate
    max_per_run: int | None = None  # a big job sends at most this many per tick, spreading itself over its window
    escalate_after_days: int = 2  # working days an unanswered blocker alert waits before the skip-level hears
    assistant: Any = None  # actions.assistant.Assistant: the agenda's summary and translations; None: quotes only


class TeamsSender(Protocol):
    """Posts a card into a stored Teams 1:1 chat and returns the activity id (bot.teams.proactive)."""

    def send(self, conversation: Any, card: dict) -> str: ...


@dataclass(frozen=True)
class JobContext:
    sessions: Callable[[], AbstractContextManager[Session]]
    client: WebClient
    now: datetime
    config: JobConfig = field(default_factory=JobConfig)
    forced: bool = False  # an operator's `jobs run`: ignore send times and quiet hours
    worker: str = "local"  # who claims deliveries, for the delivery log
    teams: TeamsSender | None = None  # None when Teams is off: Teams people then wait, listed as unreachable
    stop: threading.Event | None = None  # set on shutdown: a fan-out ends between two messages, the rest stays due
    pacer: Any = None  # scheduler.pacing.Pacer the client waits on: a fan-out shares its allowance with other senders

    @property
    def stopping(self) -> bool:
        return self.stop is not None and self.stop.is_set()


@dataclass
class JobReport:
    sent: int = 0
    skipped: int = 0
    failed: int = 0
    unreachable: int = 0  # on Teams, where the bot cannot post yet: they stay due
    waiting: int = 0  # claimed but given back (quiet hours, a stop): still due
    notes: list[str] = field(default_factory=list)

    def count(self, outcome: str) -> None:
        if outcome == "sent":
            self.sent += 1
        elif outcome in ("failed", "retry"):
            self.failed += 1
        elif outcome == "unreachable":
            self.unreachable += 1
        elif outcome in ("held", "stopped"):
            self.waiting += 1
        else:
            self.skipped += 1

    def summary(self) -> str:
        waiting = f", waiting for Teams {self.unreachable}" if self.unreachable else ""
        later = f", left for later {self.waiting}" if self.waiting else ""
        return f"sent {self.sent}, skipped {self.skipped}, failed {self.failed}{waiting}{later}"
