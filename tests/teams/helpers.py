"""Small readers for Teams tests: what the database holds, what the bot posted."""

from __future__ import annotations

from sqlmodel import func, select

from storage.models import Goal, Person, TeamsConversation


def written(sessions) -> dict[str, int]:
    """Count what a Teams request can write: stored chats, linked Teams ids, goals."""
    with sessions() as session:
        return {
            "conversations": session.exec(select(func.count()).select_from(TeamsConversation)).one(),
            "linked": session.exec(select(func.count()).where(Person.teams_id.is_not(None))).one(),
            "goals": session.exec(select(func.count()).select_from(Goal)).one(),
        }


def stored_conversation(sessions, slack_id: str) -> TeamsConversation | None:
    with sessions() as session:
        return session.exec(
            select(TeamsConversation).join(Person, Person.id == TeamsConversation.person_id)
            .where(Person.slack_id == slack_id)
        ).first()


def only_reply(connector, user) -> str:
    """Return the text of the one activity the bot sent into `user`'s 1:1 chat."""
    sent = connector.sent_to(user.personal_conversation_id)
    assert len(sent) == 1, [p.text for p in sent]
    return sent[0].text
