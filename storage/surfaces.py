"""Where a person is reached: Slack, Teams or both; scheduled messages go to one place only.

The person's choice wins; else where they were last active; else Slack, the first surface they had. A person on
Teams the bot cannot post to yet (the app not installed for them) is unreachable there, and said so.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, col, select

from storage.models import Person, TeamsConversation

SLACK = "slack"
TEAMS = "teams"
SURFACES = (SLACK, TEAMS)


@dataclass(frozen=True)
class Route:
    surface: str | None  # None: no way to reach them
    conversation: TeamsConversation | None = None  # for Teams: the stored 1:1 chat

    @property
    def reachable(self) -> bool:
        return self.surface == SLACK or self.conversation is not None


def route(session: Session, person: Person) -> Route:
    """Where this person's scheduled messages go now."""
    conversation = session.exec(
        select(TeamsConversation).where(TeamsConversation.person_id == person.id)).first() if person.id else None
    on = [surface for surface, present in ((SLACK, bool(person.slack_id)),
                                           (TEAMS, bool(person.teams_id) or conversation is not None)) if present]
    if not on:
        return Route(None)
    chosen = next((s for s in (person.preferred_surface, person.last_surface) if s in on), on[0])
    if chosen == TEAMS and conversation is None and SLACK in on:
        chosen = SLACK  # Teams cannot post to them yet, Slack can
    return Route(chosen, conversation if chosen == TEAMS else None)


def on(session: Session, person: Person, surface: str) -> Route:
    """Reach this person on one surface, whatever they prefer (an answer to what they just did there)."""
    if surface == TEAMS:
        conversation = session.exec(
            select(TeamsConversation).where(TeamsConversation.person_id == person.id)).first()
        return Route(TEAMS, conversation)
    return Route(SLACK if person.slack_id else None)


def note_activity(session: Session, person: Person, surface: str) -> None:
    """Remember the surface someone just used; written only when it changes, so a request costs no write."""
    if surface in SURFACES and person.id is not None and person.last_surface != surface:
        session.execute(update(Person).where(col(Person.id) == person.id).values(last_surface=surface))
        person.last_surface = surface


def prefer(session: Session, person: Person, surface: str, *, now: datetime) -> None:
    """Send this person's scheduled messages to `surface` from now on."""
    if surface not in SURFACES:
        raise ValueError(f"unknown surface {surface!r}")
    session.execute(update(Person).where(col(Person.id) == person.id)
                    .values(preferred_surface=surface, updated_at=now))
    person.preferred_surface = surface
