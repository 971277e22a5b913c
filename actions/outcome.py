"""What an action decides: errors per field, or what to show the asker and what to tell whom."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from storage.models import Person

Message = Callable[[str], dict]  # a Block Kit message in the reader's language (Teams cards are derived from it)


@dataclass(frozen=True)
class Asked:
    """Who acts, from where and when, and the organisation's defaults: what every action needs beside its form."""

    person: Person
    locale: str  # the asker's language
    now: datetime
    surface: str  # storage.surfaces.SLACK or TEAMS: where answers to the asker go
    request: str  # the request's key: the notices it causes are keyed by it, so a repeated request sends nothing new
    default_zone: str = "UTC"
    default_locale: str = "en"


@dataclass(frozen=True)
class Tell:
    """A message for one person, delivered once through the delivery log.

    `here`: an answer to the asker, on the surface they acted from; otherwise it goes where the person is.
    `key`: a key that holds beyond this request (a blocker alert: once a week), instead of the request's own.
    `locale`: the reader's language when it is known better than their record (the asker's client language).
    `channel`: a Slack channel to post in instead (recorded against `to`, whom it is about: kudos).
    """

    to: Person
    message: Message
    here: bool = False
    key: str | None = None
    locale: str | None = None
    channel: str | None = None


@dataclass(frozen=True)
class Outcome:
    """An action's result. Refused: `errors` (field -> error name), nothing saved. Done: `reply`, `tells`, `value`."""

    errors: Mapping[str, str] = field(default_factory=dict)
    reply: dict | None = None  # a Block Kit message the asker sees at once (the surface renders it in place)
    tells: tuple[Tell, ...] = ()
    value: Any = None  # what a surface may need to draw its answer (the recorded check-in, ...)
    queued: tuple = ()  # filled by `perform`: the notices committed with the action, to deliver after answering

    @property
    def ok(self) -> bool:
        return not self.errors

    @classmethod
    def refused(cls, errors: Mapping[str, str]) -> Outcome:
        return cls(errors=dict(errors))

    @classmethod
    def done(cls, *, reply: dict | None = None, tells: tuple[Tell, ...] | list[Tell] = (),
             value: Any = None) -> Outcome:
        return cls(reply=reply, tells=tuple(tells), value=value)
