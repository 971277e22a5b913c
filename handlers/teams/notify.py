"""Tell someone other than the caller, where they are: their Teams 1:1 chat if the bot knows it, else a Slack DM."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from slack_sdk.errors import SlackApiError

from bot.app import slack_web_client
from handlers.teams.context import card_message
from prompts import cards
from storage import people, surfaces
from storage.models import Person, TeamsConversation

if TYPE_CHECKING:
    from bot.deps import Deps

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outcome:
    """Where a message went (a Teams conversation or a Slack channel, and the message's id), or why it did not."""

    channel: str | None = None
    ref: str | None = None
    error: str | None = None

    @property
    def sent(self) -> bool:
        return self.error is None


def locale_of(deps: Deps, person: Person) -> str:
    """The language to write to someone who is not the caller in: their record's, else the organisation's."""
    return people.pick_locale(person.locale, default=deps.settings.default_locale)


async def send_where_they_are(app: Any, deps: Deps, person: Person, message: dict) -> Outcome:
    """Send a Block Kit message to `person` where they are (storage.surfaces): a Teams card or a Slack DM."""
    conversation = await asyncio.to_thread(teams_chat_of, deps, person)
    if conversation is not None:
        try:
            sent = await app.send(conversation.conversation_id, card_message(cards.card_from_block_kit(message)),
                                  service_url=conversation.service_url)
        except Exception as exc:  # the SDK raises its HTTP client's errors: keep the kind, never the request
            log.warning("Teams send failed: %s", type(exc).__name__)
            return Outcome(error=f"teams:{type(exc).__name__}")
        return Outcome(conversation.conversation_id, sent.id)
    if person.slack_id:
        return await asyncio.to_thread(post_to_slack, deps, person.slack_id, message)
    return Outcome(error="unreachable")


def teams_chat_of(deps: Deps, person: Person) -> TeamsConversation | None:
    """The person's Teams chat when their messages go to Teams now (their choice, or where they were last)."""
    with deps.sessions() as session:
        return surfaces.route(session, person).conversation


def post_to_slack(deps: Deps, channel: str, message: dict) -> Outcome:
    """Post to a Slack channel or DM (a user id) with the bot's Slack client, as Slack's handlers do."""
    try:
        response = slack_web_client(deps).chat_postMessage(channel=channel, **message)
    except SlackApiError as exc:
        return Outcome(error=str(exc.response.get("error")))
    except OSError as exc:  # the network, after the client's own retries
        return Outcome(error=f"network: {type(exc).__name__}")
    return Outcome(response["channel"], response["ts"])
