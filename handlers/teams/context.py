"""Who is writing from Teams, in which language; where their 1:1 chat is; how a handler answers."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from microsoft_teams.api import Attachment, MessageActivityInput

from actions.outcome import Asked, Outcome
from actions.perform import deliver, perform
from prompts import adaptive
from storage import people, surfaces, teams_links
from storage.models import Person
from storage.teams_links import ConversationRef

if TYPE_CHECKING:
    from bot.deps import Deps

log = logging.getLogger(__name__)

FIELD_MAX = 5000  # longer than any field allows: beyond it a dialog's value is not worth validating, only refusing

# In channels and group chats Teams puts the bot's @mention first: "<at>checkin-bot</at> goal list"
_BOT_MENTION = re.compile(r"^\s*(?:<at>[^<]*</at>\s*)+")


@dataclass(frozen=True)
class TeamsCaller:
    person: Person | None
    locale: str


async def identify(ctx: Any, deps: Deps) -> TeamsCaller:
    """Find the person behind an activity (Teams id, else e-mail in our own tenant) and remember their 1:1 chat."""
    activity = ctx.activity
    sender = activity.from_
    ref = conversation_ref(activity)
    person = await asyncio.to_thread(_find_and_remember, deps, sender.aad_object_id, [], None, ref)
    if person is None and sender.aad_object_id:
        # Not linked yet: ask Teams for their e-mail, the org directory's other key.
        emails = await _emails_of(ctx)
        if emails:
            person = await asyncio.to_thread(_find_and_remember, deps, sender.aad_object_id, emails,
                                             tenant_of(activity), ref)
    stored = person.locale if person else None
    locale = people.pick_locale(stored, activity.locale, default=deps.settings.default_locale)
    return TeamsCaller(person, locale)


def tenant_of(activity: Any) -> str | None:
    """Return the Entra ID tenant an activity comes from, or None when it names none, or two that differ.

    Teams names it twice, in `conversation.tenantId` and in `channelData.tenant.id`; either may be left out.
    """
    in_conversation = activity.conversation.tenant_id if activity.conversation else None
    in_channel_data = activity.channel_data.tenant if activity.channel_data else None
    named = [tenant.strip() for tenant in (in_conversation, in_channel_data.id if in_channel_data else None)
             if tenant and tenant.strip()]
    if not named or len({tenant.lower() for tenant in named}) != 1:
        return None
    return named[0]


def conversation_ref(activity: Any) -> ConversationRef | None:
    """Return the activity's 1:1 chat as a reference to store, or None for channels and group chats."""
    conversation = activity.conversation
    if conversation.conversation_type != "personal" or not activity.service_url:
        return None
    return ConversationRef(
        user_id=activity.from_.id,
        conversation_id=conversation.id,
        service_url=activity.service_url,
        bot_id=activity.recipient.id,
        aad_object_id=activity.from_.aad_object_id,
        tenant_id=tenant_of(activity),
    )


def _find_and_remember(deps: Deps, aad_object_id: str | None, emails: list[str], tenant_id: str | None,
                       ref: ConversationRef | None) -> Person | None:
    now = deps.clock.now()
    with deps.sessions() as session:
        person = teams_links.by_teams_id(session, aad_object_id)
        if person is None and emails:
            person = teams_links.link_by_email(session, emails, aad_object_id=aad_object_id, tenant_id=tenant_id,
                                               home_tenant_id=deps.settings.teams_tenant_id, now=now)
        if person is not None and ref is not None:
            teams_links.remember_conversation(session, person, ref, now=now)
        if person is not None:
            surfaces.note_activity(session, person, surfaces.TEAMS)  # scheduled messages follow them here
        return person


async def _emails_of(ctx: Any) -> list[str]:
    activity = ctx.activity
    try:
        member = await ctx.api.conversations.get_member_by_id(activity.conversation.id, activity.from_.id)
    except Exception as exc:  # the member API is a convenience; failing it leaves a stranger, not an error
        log.warning("Teams member lookup failed: %s", type(exc).__name__)
        return []
    return [email for email in (member.email, member.user_principal_name) if email]


def stranger_card(deps: Deps, locale: str) -> dict:
    """Build the card for someone who is not in the org directory: who to ask."""
    with deps.sessions() as session:
        contacts = [p.name for p in people.hr_contacts(session)]
    return adaptive.unknown_person_card(contacts, locale=locale)


def command_of(text: str | None) -> tuple[str, str]:
    """Split a message into its command (lower-cased first word, after the bot's mention) and the rest."""
    cleaned = _BOT_MENTION.sub("", text or "").strip()
    first, _, rest = cleaned.partition(" ")
    return first.lower().removeprefix("/"), rest.strip()


def data_of(ctx: Any) -> dict:
    """The data a dialog's submit sent (forgeable): a dict, else empty."""
    value = ctx.activity.value
    data = value.data if value is not None else None
    return data if isinstance(data, dict) else {}


def card_message(card: dict) -> MessageActivityInput:
    """Wrap one of our Adaptive Cards (from prompts.adaptive or a feature's *_cards module) as a message, as built."""
    attachment = Attachment(content_type=adaptive.CARD_CONTENT_TYPE, content=card)
    return MessageActivityInput(attachments=[attachment], summary=card.get("fallbackText"))


def asked_in_teams(deps: Deps, caller: TeamsCaller, *, activity: Any = None) -> Asked:
    """The action's view of a Teams activity: who, in which language, when, and the activity's key."""
    raw = getattr(activity, "id", None)
    request = hashlib.sha256(raw.encode("utf-8")).hexdigest()[:16] if isinstance(raw, str) and raw else \
        uuid.uuid4().hex[:16]
    return Asked(person=caller.person, locale=caller.locale, now=deps.clock.now(), surface=surfaces.TEAMS,
                 request=request, default_zone=deps.settings.default_timezone,
                 default_locale=deps.settings.default_locale)


def act(deps: Deps, caller: TeamsCaller, action, /, *, activity: Any = None, **inputs) -> Outcome:
    """Run an action for a Teams caller and deliver what it queued (call it off the event loop)."""
    outcome = perform(deps, action, asked_in_teams(deps, caller, activity=activity), **inputs)
    deliver(deps, outcome)
    return outcome


def answer_card(deps: Deps, caller: TeamsCaller, action, /, **inputs) -> dict:
    """Run an action whose outcome is an answer, and show the answer as a card."""
    return adaptive.card_from_block_kit(act(deps, caller, action, **inputs).reply)


async def send_to_own_chat(ctx: Any, app: Any, deps: Deps, person: Person, card: dict) -> None:
    """Post a private answer in the person's 1:1 chat, never in the channel or group chat the dialog came from.

    Slack sends these to the person's DM; in Teams that is the stored 1:1 chat, if the bot has one yet.
    """
    if ctx.activity.conversation.conversation_type == "personal":
        await ctx.send(card_message(card))
        return
    conversation = await asyncio.to_thread(_own_chat, deps, person)
    if conversation is not None:
        await app.send(conversation.conversation_id, card_message(card), service_url=conversation.service_url)


def _own_chat(deps: Deps, person: Person):
    with deps.sessions() as session:
        return surfaces.on(session, person, surfaces.TEAMS).conversation
