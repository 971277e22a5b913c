"""Slack's Events API deliveries already handled, so each event is processed once across replicas."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlmodel import Session, col

from storage.db import insert_unless_exists
from storage.models import SlackEvent

EVENT_ID_MAX = 255
# Slack retries an unacknowledged event three times within about an hour; a day of memory is ample.
KEPT_FOR = timedelta(days=1)


def first_time(session: Session, event_id: str, now: datetime) -> bool:
    """Record an event id; answer whether this is its first delivery (commit before acting on it).

    Concurrent deliveries of one id race on its unique key, so exactly one of them is the first.
    """
    if not event_id or len(event_id) > EVENT_ID_MAX:
        raise ValueError(f"an event id has 1 to {EVENT_ID_MAX} characters")
    first = insert_unless_exists(session, SlackEvent, {"event_id": event_id, "received_at": now}, unique=["event_id"])
    if first:
        forget_before(session, now - KEPT_FOR)
    return first


def forget_before(session: Session, cutoff: datetime) -> int:
    """Delete the ids received before `cutoff` (an index range on received_at); return how many went."""
    return session.execute(delete(SlackEvent).where(col(SlackEvent.received_at) < cutoff)).rowcount
