"""Notices: messages that someone's action causes (an approval, feedback, a reply), kept in the delivery log.

A listener queues a notice in its own transaction, so once the action is saved the message cannot be lost:
it is delivered right away and, when the platform fails, retried by the `notices` job like any scheduled
message (claimed once, looked up before a re-send, given up only after the last retry).
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlmodel import Session

from storage import deliveries
from storage.models import Delivery

JOB = "notices"
KEY_MAX = 40  # the delivery log's period column
SURFACE, CHANNEL, MESSAGE = "surface", "channel", "message"  # a pinned notice's payload; else the message itself


def key_for(*parts: object) -> str:
    """Build a notice key from what identifies the event (a request id and a sequence number, say)."""
    raw = ":".join(str(part) for part in parts)
    if len(raw) <= KEY_MAX:
        return raw
    return "h:" + hashlib.sha256(raw.encode("utf-8")).hexdigest()[: KEY_MAX - 2]


def queue(session: Session, *, person_id: int, key: str, message: dict, now: datetime,
          surface: str | None = None, channel: str | None = None) -> Delivery | None:
    """Queue `message` for a person once per key; None when this key was queued before (a repeated request).

    `surface` pins it to one surface (an answer to the person who acted, where they acted); `channel` posts it
    in a Slack channel instead, recorded against the person; neither sends it where the person is when it goes out.
    """
    if len(key) > KEY_MAX:
        raise ValueError(f"a notice key is at most {KEY_MAX} characters: {key!r}")
    if channel is not None:
        payload = {CHANNEL: channel, MESSAGE: message}
    else:
        payload = message if surface is None else {SURFACE: surface, MESSAGE: message}
    return deliveries.enqueue(session, job=JOB, person_id=person_id, period=key, now=now, payload=payload)


def target_of(delivery: Delivery) -> tuple[dict | None, str | None, str | None]:
    """Return a notice's message, the surface it is pinned to and the Slack channel it is posted in, if any, from
    its row as read (as claimed: None once sent, when its text is dropped)."""
    payload = delivery.payload
    if isinstance(payload, dict) and MESSAGE in payload:
        return payload[MESSAGE], payload.get(SURFACE), payload.get(CHANNEL)
    return payload, None, None
