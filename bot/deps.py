"""What every listener and job needs, built once and handed in."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field

from sqlalchemy import Engine
from sqlmodel import Session

from actions.assistant import Assistant
from bot.clock import Clock, SystemClock, pause
from bot.settings import Settings
from scheduler.context import JobConfig, TeamsSender
from storage.db import make_engine, session_factory
from storage.weeks import WeeklySlot


@dataclass
class Deps:
    settings: Settings
    engine: Engine
    sessions: Callable[[], AbstractContextManager[Session]]
    clock: Clock = field(default_factory=SystemClock)
    sleep: Callable[[float], None] = pause  # how retries wait; tests record instead of waiting
    teams: TeamsSender | None = None  # set when the Teams app is mounted: how Slack's listeners reach Teams people
    # Delivers notices a listener just queued (storage.notices), through the delivery log; set by bot.app.
    deliver_notices: Callable[[list], list[str]] | None = None
    # Delivers every notice waiting (the `notices` job's pass), for work after an ack; set by bot.app.
    drain_notices: Callable[[], None] | None = None
    # The writing assistant (its model, budget and features), from the settings; set by bot.app when unset.
    assistant: Assistant | None = None

    @property
    def schedule(self) -> JobConfig:
        """The configured send times and defaults, as the jobs read them."""
        return job_config(self.settings)

    @classmethod
    def from_settings(cls, settings: Settings, *, clock: Clock | None = None, **overrides) -> Deps:
        engine = make_engine(settings.database_url)
        return cls(
            settings=settings,
            engine=engine,
            sessions=session_factory(engine),
            clock=clock or SystemClock(),
            **overrides,
        )


def job_config(settings: Settings) -> JobConfig:
    """The schedule settings the jobs need, from the operator's settings."""
    return JobConfig(
        reminder_slot=WeeklySlot.parse(settings.reminder_time),
        nudge_slot=WeeklySlot.parse(settings.nudge_time),
        digest_slot=WeeklySlot.parse(settings.digest_time),
        default_timezone=settings.default_timezone,
        default_locale=settings.default_locale,
        hr_channel=settings.hr_channel,
        delivery_threads=settings.delivery_threads,
        escalate_after_days=settings.escalate_after_days,
    )
