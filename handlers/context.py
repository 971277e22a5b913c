"""Who is asking, in which language, and the shared dependencies of a request."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from prompts import blocks, cards
from storage import people, surfaces
from storage.models import Person

if TYPE_CHECKING:
    from bot.deps import Deps

log = logging.getLogger(__name__)

# How Slack sends a mention in command text when the command sets should_escape.
MENTION = re.compile(r"^<@([A-Z0-9]+)(?:\|[^>]*)?>$")


@dataclass(frozen=True)
class Caller:
    slack_id: str
    person: Person | None
    locale: str


def deps_of(context) -> Deps:
    return context["deps"]


def identify(context, client: WebClient, slack_id: str) -> Caller:
    """Find the person behind a Slack id and the language to answer them in."""
    deps = deps_of(context)
    with deps.sessions() as session:
        person = people.by_slack_id(session, slack_id)
        if person is not None:
            surfaces.note_activity(session, person, surfaces.SLACK)  # scheduled messages follow them here
    stored_locale = person.locale if person else None
    platform_locale = None if stored_locale else _slack_locale(client, slack_id)
    locale = people.pick_locale(stored_locale, platform_locale, default=deps.settings.default_locale)
    return Caller(slack_id=slack_id, person=person, locale=locale)


def stranger_reply(context, caller: Caller) -> dict:
    """Build the reply for someone who is not in the org directory: who to ask."""
    with deps_of(context).sessions() as session:
        contacts = [p.name for p in people.hr_contacts(session)]
    return blocks.unknown_person(contacts, locale=caller.locale)


def _slack_locale(client: WebClient, slack_id: str) -> str | None:
    try:
        return client.users_info(user=slack_id, include_locale=True)["user"].get("locale")
    except SlackApiError as exc:
        log.warning("users.info for locale failed: %s", exc.response.get("error"))
        return None


def locale_of(context, person: Person) -> str:
    """Return the language to write to someone other than the caller in (their record, else the default)."""
    return people.pick_locale(person.locale, default=deps_of(context).settings.default_locale)


def today_for(context, person: Person):
    deps = deps_of(context)
    return people.local_today(person, now=deps.clock.now(), default_zone=deps.settings.default_timezone)


def send_to(context, client: WebClient, person: Person, message: dict) -> bool:
    """Message someone other than the caller where they are: a Slack DM, or a card in their Teams chat.

    Answers whether it was sent; a failure is logged, never raised at the person who caused the message.
    """
    deps = deps_of(context)
    with deps.sessions() as session:
        where = surfaces.route(session, person)
    try:
        if where.surface == surfaces.TEAMS and where.conversation is not None and deps.teams is not None:
            deps.teams.send(where.conversation, cards.card_from_block_kit(message))
            return True
        if person.slack_id:
            client.chat_postMessage(channel=person.slack_id, **message)
            return True
    except Exception:  # Slack's or the Bot Connector's refusal: the record is kept, the message is not
        log.warning("message to person %s failed", person.id, exc_info=True)
    return False


def tell(client: WebClient, body: dict, text: str) -> None:
    """Answer an action privately: under the message clicked (response_url), else in a DM (App Home)."""
    if body.get("response_url"):
        WebhookClient(body["response_url"]).send(text=text, response_type="ephemeral", replace_original=False)
    else:
        client.chat_postMessage(channel=body["user"]["id"], text=text)


def subcommand_of(command: dict) -> tuple[str, str]:
    """Split a slash command's text into its first word (lower-cased) and the rest."""
    first, _, rest = command.get("text", "").strip().partition(" ")
    return first.lower(), rest.strip()


def mentioned_slack_id(argument: str) -> str | None:
    """Return the Slack id of an escaped mention (`<@U123|name>`) that is the whole argument."""
    match = MENTION.match(argument.strip())
    return match.group(1) if match else None
