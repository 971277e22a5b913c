"""Tell someone other than the caller, where they are: their Teams 1:1 chat if the bot knows it, else a Slack DM."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from slack_sdk.errors import SlackApiError

from bot.app import slack_web_client
from handlers.checkins import ALERT_JOB
from handlers.teams.context import card_message
from prompts import cards, checkin_blocks
from storage import deliveries, people, surfaces
from storage.models import CheckIn, Person, TeamsConversation

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


async def notify_manager_of_blocker(app: Any, deps: Deps, employee: Person, manager: Person, checkin: CheckIn) -> bool:
    """Alert the manager once per week about a report's blocker or low confidence; True when they know.

    The same alert and delivery-log entry as Slack's check-in handler, sent wherever the manager is.
    """
    claim = await asyncio.to_thread(_claim, deps, manager, period=f"{checkin.week}:{employee.id}")
    if claim is None:
        return True  # told earlier this week
    message = checkin_blocks.blocker_alert(
        name=employee.name, week=checkin.week, confidence=checkin.confidence, blockers=checkin.blockers,
        help_needed=checkin.help_needed, checkin_id=checkin.id, locale=locale_of(deps, manager))
    outcome = await send_where_they_are(app, deps, manager, message)
    await asyncio.to_thread(_settle, deps, claim.delivery.id, outcome)
    return outcome.sent


def _claim(deps: Deps, manager: Person, *, period: str) -> deliveries.Claim | None:
    with deps.sessions() as session:
        return deliveries.claim(session, job=ALERT_JOB, person_id=manager.id, period=period, now=deps.clock.now(),
                                worker="listener")


def _settle(deps: Deps, delivery_id: int, outcome: Outcome) -> None:
    with deps.sessions() as session:
        if outcome.sent:
            deliveries.mark_sent(session, delivery_id, now=deps.clock.now(), channel=outcome.channel,
                                 message_ref=outcome.ref)
        else:
            deliveries.mark_failed(session, delivery_id, now=deps.clock.now(), error=outcome.error or "unknown",
                                   permanent=True)
