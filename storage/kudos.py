"""Recognition: public praise kept on the person's record (evidence for their next review)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, select

from storage import audit
from storage.models import Kudos, Person

MESSAGE_MAX = 1000
SELF = "kudos_self"
UNKNOWN_PERSON = "kudos_unknown_person"
EMPTY = "kudos_empty"
TOO_LONG = "kudos_too_long"


class KudosError(Exception):
    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def give(session: Session, giver: Person, receiver: Person | None, message: str | None, *, now: datetime) -> Kudos:
    """Record praise from one colleague to another; refuse it to yourself or to someone outside the org."""
    text = (message or "").strip()
    if receiver is None or not receiver.active:
        raise KudosError(UNKNOWN_PERSON)
    if receiver.id == giver.id:
        raise KudosError(SELF)
    if not text:
        raise KudosError(EMPTY)
    if len(text) > MESSAGE_MAX:
        raise KudosError(TOO_LONG)
    kudos = Kudos(giver_id=giver.id, receiver_id=receiver.id, message=text, created_at=now)
    session.add(kudos)
    session.flush()
    audit.record(session, action="kudos.given", entity="kudos", entity_id=kudos.id, actor_id=giver.id, now=now,
                 detail={"receiver_id": receiver.id})
    return kudos


def received(session: Session, person: Person, *, since: datetime | None = None) -> list[Kudos]:
    """Return the praise a person received, newest first."""
    query = select(Kudos).where(Kudos.receiver_id == person.id)
    if since is not None:
        query = query.where(Kudos.created_at >= since)
    return list(session.exec(query.order_by(Kudos.created_at.desc(), Kudos.id.desc())))
