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


def people_rows(sessions) -> list[dict]:
    """Return every person as stored, every column, to show that a request changed no one."""
    with sessions() as session:
        return [row.model_dump() for row in session.exec(select(Person).order_by(Person.id))]


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


def dialog_card(response) -> dict:
    """Return the Adaptive Card a task/fetch or task/submit answer shows."""
    assert response.status == 200, response.body
    task = response.json()["task"]
    assert task["type"] == "continue", task
    return task["value"]["card"]["content"]


def inputs(card: dict) -> dict[str, dict]:
    """Return a card's inputs by id."""
    return {element["id"]: element for element in card["body"] if element.get("type", "").startswith("Input.")}


def body_texts(card: dict) -> list[str]:
    """Return the text of a card's top-level TextBlocks."""
    return [element["text"] for element in card["body"] if element.get("type") == "TextBlock"]


def buttons(card: dict) -> list[dict]:
    """Return a card's actions: its own, then those of the ActionSets in its body."""
    sets = [element for element in card["body"] if element.get("type") == "ActionSet"]
    return [*card.get("actions", []), *(action for element in sets for action in element["actions"])]


def replies(connector, user) -> list[str]:
    """Return the texts the bot sent into `user`'s 1:1 chat, oldest first."""
    return [posted.text for posted in connector.sent_to(user.personal_conversation_id)]
