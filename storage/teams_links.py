"""Teams people and conversations: who a Teams user is, and where the bot can reach them proactively."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime

from sqlmodel import Session, col, func, select

from storage.db import insert_unless_exists
from storage.models import Person, TeamsConversation


@dataclass(frozen=True)
class ConversationRef:
    """What the bot needs to post into a person's 1:1 chat later, as Teams sent it."""

    user_id: str
    conversation_id: str
    service_url: str
    bot_id: str
    aad_object_id: str | None = None
    tenant_id: str | None = None


def by_teams_id(session: Session, aad_object_id: str | None) -> Person | None:
    """Return the active person whose Teams id (Entra ID object id) this is."""
    if not aad_object_id:
        return None
    return session.exec(select(Person).where(Person.teams_id == aad_object_id, Person.active)).first()


def link_by_email(session: Session, emails: list[str | None], *, aad_object_id: str | None,
                  tenant_id: str | None, home_tenant_id: str | None, now: datetime) -> Person | None:
    """Find the one active person with one of these e-mails and no Teams id yet, and record their Teams id.

    E-mail is how people are matched when the org CSV has no `teams_id`; once matched, later requests are
    matched by id. Someone already linked to another Teams account, or an e-mail two people share, matches
    no one: a guess would show one person's goals to another. So does a Teams user whose tenant (`tenant_id`,
    as the activity or member record names it) is not the bot's own (`home_tenant_id`): another organisation's
    directory can give anyone any address.
    """
    if not same_tenant(tenant_id, home_tenant_id):
        return None
    for email in dict.fromkeys(e.strip().lower() for e in emails if e and e.strip()):
        found = list(session.exec(
            select(Person).where(func.lower(Person.email) == email, Person.active).limit(2)
        ))
        if len(found) != 1:
            continue
        person = found[0]
        if person.teams_id and person.teams_id != aad_object_id:
            return None
        if aad_object_id and person.teams_id != aad_object_id:
            person.teams_id = aad_object_id
            person.updated_at = now
            session.add(person)
            session.flush()
        return person
    return None


def same_tenant(tenant_id: str | None, home_tenant_id: str | None) -> bool:
    """Whether a Teams tenant id is the bot's own (tenant ids are GUIDs: compared in any case); unknown is not."""
    return bool(tenant_id and home_tenant_id and tenant_id.strip().lower() == home_tenant_id.strip().lower())


def remember_conversation(session: Session, person: Person, ref: ConversationRef, *,
                          now: datetime) -> TeamsConversation:
    """Store or refresh where `person` is reached in Teams; the latest 1:1 chat wins."""
    values = asdict(ref)
    inserted = insert_unless_exists(
        session, TeamsConversation, {**values, "person_id": person.id, "created_at": now, "updated_at": now},
        unique=["person_id"],
    )
    stored = conversation_of(session, person.id)
    assert stored is not None
    if not inserted:
        for name, value in values.items():
            setattr(stored, name, value)
        stored.updated_at = now
        session.add(stored)
        session.flush()
    return stored


def conversation_of(session: Session, person_id: int | None) -> TeamsConversation | None:
    """Return the stored 1:1 chat with a person, or None when the bot cannot reach them in Teams yet."""
    if person_id is None:
        return None
    return session.exec(select(TeamsConversation).where(TeamsConversation.person_id == person_id)).first()


def unreachable(session: Session) -> list[Person]:
    """Return active people only on Teams whose 1:1 chat the bot does not know yet (never silently skipped).

    Someone also on Slack is reached there meanwhile, so they are not listed.
    """
    known = select(TeamsConversation.person_id)
    return list(session.exec(
        select(Person)
        .where(col(Person.teams_id).is_not(None), col(Person.slack_id).is_(None), Person.active,
               col(Person.id).not_in(known))
        .order_by(Person.name)
    ))
