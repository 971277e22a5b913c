"""What every listener and job needs, built once and handed in."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field, replace
from functools import cache

from sqlalchemy import Engine
from sqlmodel import Session

from actions.assistant import Assistant, nothing_off
from bot.clock import Clock, SystemClock, pause
from bot.executors import AcksFirst
from bot.settings import Settings
from scheduler.context import JobConfig, TeamsSender
from storage.assistant_switches import SwitchReader
from storage.db import make_engine, session_factory
from storage.models import Person
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
    # Republishes a person's Slack App Home after a change made elsewhere (a Teams dialog); set by bot.app, so
    # handlers reach Slack without importing `bot`. A failure is logged, never raised.
    refresh_home: Callable[[Person], None] | None = None
    # HR's switches of the assistant's features (storage.assistant_switches), read through a 30-second cache;
    # built once, and shared by the copies a request makes of these deps.
    assistant_switches: Callable[[], frozenset[str]] | None = None
    # Requests waiting for their answers, which work after an ack gives way to (bot.executors.AcksFirst); one per
    # process, shared by the copies a request makes of these deps.
    acks_first: AcksFirst = field(default_factory=AcksFirst)

    def __post_init__(self) -> None:
        if self.assistant_switches is None:
            self.assistant_switches = SwitchReader(self.sessions, seconds=lambda: self.clock.now().timestamp())
        self.assistant = self.assistant  # now that the switches exist: see __setattr__

    def __setattr__(self, name: str, value: object) -> None:
        # Whoever sets the assistant (bot.app, the try-out, a test), it obeys HR's switches: one not given any gets
        # this process's reader, so no surface can offer a feature HR switched off.
        if name == "assistant" and isinstance(value, Assistant) and value.switched_off is nothing_off:
            switches = getattr(self, "assistant_switches", None)
            if switches is not None:
                value = replace(value, switched_off=switches)
        super().__setattr__(name, value)

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
        assistant=_assistant_of(settings),
    )


@cache
def _assistant_of(settings: Settings) -> Assistant:
    """The jobs' assistant (the Monday agenda's summary), one per settings: its HTTP client is built once. A job
    applies HR's switches as they are when it runs (scheduler.nudges)."""
    from bot.ai_client import assistant_from  # the `openai` package, only once a job needs the assistant

    return assistant_from(settings)
