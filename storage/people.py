"""Who is asking: people by chat id, their locale and zone, and the HR contacts."""

from __future__ import annotations

import itertools
from datetime import date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import event
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session, select

from storage.models import Person, Role
from storage.org import normalize_locale

SLACK_ID_MAX = 32  # the width of Person.slack_id

_generation = itertools.count()
_current_generation = [next(_generation)]


def generation() -> int:
    """A number that moves on whenever this process writes to a person: caches of people compare it."""
    return _current_generation[0]


def _moved_on() -> None:
    _current_generation[0] = next(_generation)


@event.listens_for(OrmSession, "after_flush")
def _note_person_flush(session, _context) -> None:
    if any(isinstance(row, Person) for row in (*session.new, *session.dirty, *session.deleted)):
        _moved_on()


@event.listens_for(OrmSession, "do_orm_execute")
def _note_person_statement(state) -> None:
    if (state.is_update or state.is_delete) and any(
            mapper.class_ is Person for mapper in (state.all_mappers or ())):
        _moved_on()


def by_slack_id(session: Session, slack_id: str) -> Person | None:
    """Return the active person with this Slack id, if the org directory has one (an id that is no string: none)."""
    if not isinstance(slack_id, str) or not 0 < len(slack_id) <= SLACK_ID_MAX:
        return None
    return session.exec(select(Person).where(Person.slack_id == slack_id, Person.active)).first()


def hr_contacts(session: Session) -> list[Person]:
    """Return the active HR people, the ones to ask about the org directory."""
    return list(
        session.exec(select(Person).where(Person.role == Role.HR, Person.active).order_by(Person.name))
    )


def pick_locale(*candidates: str | None, default: str) -> str:
    """Return the first candidate we support (person's record, then the platform's), else the default."""
    for candidate in candidates:
        locale = normalize_locale(candidate)
        if locale:
            return locale
    return default


def zone_of(person: Person | None, *, default: str) -> ZoneInfo:
    """Return the person's time zone, or the organisation's default when unknown or invalid."""
    try:
        return ZoneInfo(person.timezone) if person and person.timezone else ZoneInfo(default)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(default)


def local_today(person: Person | None, *, now: datetime, default_zone: str) -> date:
    """Return the date it is for this person right now, in their own time zone."""
    return now.astimezone(zone_of(person, default=default_zone)).date()


def by_ids(session: Session, ids: set[int]) -> dict[int, Person]:
    """Return the people with these ids, in one query."""
    if not ids:
        return {}
    return {person.id: person for person in session.exec(select(Person).where(Person.id.in_(ids)))}


def names_by_id(session: Session, ids: set[int]) -> dict[int, str]:
    """Return display names for person ids, in one query."""
    if not ids:
        return {}
    return dict(session.exec(select(Person.id, Person.name).where(Person.id.in_(ids))).all())
