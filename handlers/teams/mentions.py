"""@mentions in Teams messages: `<at>Name</at>` in the text, and a `mention` entity saying who it is."""

from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlmodel import col, select

from storage import teams_links
from storage.models import Person, TeamsConversation

if TYPE_CHECKING:
    from bot.deps import Deps

log = logging.getLogger(__name__)

_LEADING = re.compile(r"^\s*(<at>([^<]*)</at>)(.*)$", re.DOTALL)
_ANY = re.compile(r"<at>([^<]*)</at>")


@dataclass(frozen=True)
class Mention:
    """A leading @mention: `found` when Teams said who it is; `person` when that is someone in the org."""

    found: bool
    person: Person | None = None
    rest: str = ""  # the text after the mention


NOT_A_MENTION = Mention(found=False)


async def leading_mention(ctx: Any, deps: Deps, text: str) -> Mention:
    """Read the @mention `text` starts with, and who in the org it is.

    Markup without Teams' entity for it (typed, or forged) is no mention. The person is found by their
    Teams id, else by the e-mail Teams gives for the member, without linking anyone: only the person
    writing is linked, by their own activity.
    """
    match = _LEADING.match(text or "")
    if match is None:
        return NOT_A_MENTION
    account = _mentioned(ctx.activity, match[1], match[2])
    if account is None:
        return NOT_A_MENTION
    person = await _person_of(ctx, deps, account)
    return Mention(found=True, person=person, rest=match[3].strip())


def plain_mentions(text: str) -> str:
    """Write the other mentions in a text as `@Name`, as a reader sees them."""
    return _ANY.sub(lambda m: f"@{m[1].strip()}", text)


def _mentioned(activity: Any, markup: str, name: str) -> Any | None:
    """Return the account of the mention entity for this markup; never the bot's own mention."""
    bot_id = activity.recipient.id if activity.recipient else None
    for entity in activity.entities or []:
        if getattr(entity, "type", None) != "mention":
            continue
        account = getattr(entity, "mentioned", None)
        if account is None or not account.id or account.id == bot_id:
            continue
        if entity.text == markup or (entity.text is None and (account.name or "").strip() == name.strip()):
            return account
    return None


async def _person_of(ctx: Any, deps: Deps, account: Any) -> Person | None:
    """Who an account is: by its Teams object id, else by the user id of a chat the bot has with them, else by
    the e-mail Teams gives for the conversation's member (which it does for people in a channel or group chat)."""
    person = await asyncio.to_thread(_by_ids, deps, account.aad_object_id, account.id)
    if person is not None:
        return person
    try:
        member = await ctx.api.conversations.get_member_by_id(ctx.activity.conversation.id, account.id)
    except Exception as exc:  # not a member Teams will describe here: no one we can name
        log.info("Teams member lookup for a mention failed: %s", type(exc).__name__)
        return None
    return await asyncio.to_thread(_by_member, deps, member.aad_object_id, member.tenant_id,
                                   [member.email, member.user_principal_name])


def _by_ids(deps: Deps, aad_object_id: str | None, user_id: str) -> Person | None:
    with deps.sessions() as session:
        person = teams_links.by_teams_id(session, aad_object_id)
        if person is None:
            # Teams gives a person the same user id in all of a bot's conversations: their stored 1:1 chat's.
            # (A read that belongs in storage.teams_links beside by_teams_id.)
            person = session.exec(
                select(Person).join(TeamsConversation, col(TeamsConversation.person_id) == Person.id)
                .where(TeamsConversation.user_id == user_id, Person.active)
            ).first()
        return person


def _by_member(deps: Deps, aad_object_id: str | None, tenant_id: str | None,
               emails: list[str | None]) -> Person | None:
    with deps.sessions() as session:
        person = teams_links.by_teams_id(session, aad_object_id)
        # No Teams id given: the e-mail match links no one, and refuses anyone linked to another account or
        # from another tenant (an external member of a group chat).
        return person or teams_links.link_by_email(session, emails, aad_object_id=None, tenant_id=tenant_id,
                                                   home_tenant_id=deps.settings.teams_tenant_id,
                                                   now=deps.clock.now())
