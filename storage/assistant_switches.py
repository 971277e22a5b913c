"""HR's switches of the assistant's features: which ones are off, who switched them, and a cached reader.

The operator decides which features exist at all (CHECKIN_AI_FEATURES); within those, HR switches each off or on
again in chat. A feature with no row is on. Every switch is in the audit trail.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import datetime

from sqlalchemy import event
from sqlmodel import Session, col, select

from storage import audit
from storage.models import AssistantSwitch

CACHE_SECONDS = 30.0  # how long a process trusts its last reading; a switch made in this process is seen at once

# Bumped by every switch committed in this process: a reader whose reading is older reads again at once.
_generation = 0
_generation_lock = threading.Lock()
_LISTENING = "assistant_switch_listening"  # session.info: this session bumps the generation when it commits


def switched_off(session: Session) -> frozenset[str]:
    """The features HR has switched off."""
    return frozenset(session.exec(select(AssistantSwitch.feature).where(col(AssistantSwitch.on).is_(False))).all())


def switch(session: Session, feature: str, on: bool, by: int | None, now: datetime) -> AssistantSwitch:
    """Switch one feature on or off for everyone, recording who did it; readers in this process see it once
    committed."""
    row = session.get(AssistantSwitch, feature)
    was = True if row is None else row.on
    if row is None:
        row = AssistantSwitch(feature=feature)
    row.on, row.changed_by_id, row.changed_at = on, by, now
    session.add(row)
    audit.record(session, action="assistant_switched", entity="assistant_switch", entity_id=None, actor_id=by,
                 now=now, detail={"feature": feature, "on": on, "was": was})
    if not session.info.get(_LISTENING):
        session.info[_LISTENING] = True
        event.listen(session, "after_commit", _changed)
    return row


def _changed(_session: Session) -> None:
    global _generation
    with _generation_lock:
        _generation += 1


class SwitchReader:
    """`switched_off()` as the assistant asks it before every use: the database's answer, kept CACHE_SECONDS by
    `seconds` (a monotonic count, or the injected clock), and read again at once after a switch in this process.
    Another replica's switch is seen within CACHE_SECONDS."""

    def __init__(self, sessions: Callable[[], AbstractContextManager[Session]], *, seconds: Callable[[], float],
                 ttl: float = CACHE_SECONDS) -> None:
        self._sessions = sessions
        self._seconds = seconds
        self._ttl = ttl
        self._reading: tuple[int, float, frozenset[str]] | None = None

    def __call__(self) -> frozenset[str]:
        generation, at = _generation, self._seconds()
        reading = self._reading
        if reading is not None and reading[0] == generation and 0 <= at - reading[1] < self._ttl:
            return reading[2]
        with self._sessions() as session:
            off = switched_off(session)
        self._reading = (generation, at, off)
        return off
