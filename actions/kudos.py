"""Kudos: public praise from one colleague to another, kept on the receiver's record."""

from __future__ import annotations

from functools import partial

from actions.outcome import Asked, Outcome, Tell
from prompts import kudos_blocks
from storage import kudos
from storage.models import Person

# Which part of `kudos @person what they did` each refusal is about.
FIELD_OF = {kudos.UNKNOWN_PERSON: "receiver", kudos.SELF: "receiver", kudos.EMPTY: "message",
            kudos.TOO_LONG: "message"}
# Why a message's author cannot be thanked from the message (beside kudos.SELF).
BOT_AUTHOR = "kudos_bot_author"
AUTHOR_UNKNOWN = "kudos_author_unknown"


def give_kudos(session, asked: Asked, *, receiver: Person | None, message: str | None,
               channel: str | None = None, quote: str = "", link: str = "") -> Outcome:
    """Record praise for `receiver` (None: the mention names no one in the org); tell them, or the kudos `channel`.

    Refused for yourself, someone outside the organisation, no words or too many. A channel post is read by
    everyone, so it is in the organisation's language; a direct message, in the receiver's. Kudos given from a
    message (a shortcut) name it: its `quote` and `link` go with the post, not on the record.
    """
    try:
        given = kudos.give(session, asked.person, receiver, message, now=asked.now)
    except kudos.KudosError as error:
        return Outcome.refused({FIELD_OF.get(error.code, "message"): error.code})
    post = partial(_post, giver=asked.person.name, receiver=receiver.name, message=given.message, quote=quote,
                   link=link)
    tell = Tell(receiver, post, channel=channel, locale=asked.default_locale if channel else None)
    return Outcome.done(reply=kudos_blocks.kudos_sent(receiver=receiver.name, channel=channel, locale=asked.locale),
                        tells=[tell], value=given)


def kudos_for_author(session, asked: Asked, *, author: Person | None, by_bot: bool) -> Outcome:
    """Check that the asker may thank a message's author: a colleague in the organisation, not a bot, not
    themselves. Done: `value` is the author, to open the kudos form for."""
    if by_bot:
        return Outcome.refused({"receiver": BOT_AUTHOR})
    if author is None or not author.active:
        return Outcome.refused({"receiver": AUTHOR_UNKNOWN})
    if author.id == asked.person.id:
        return Outcome.refused({"receiver": kudos.SELF})
    return Outcome.done(value=author)


def _post(locale: str, *, giver: str, receiver: str, message: str, quote: str = "", link: str = "") -> dict:
    return kudos_blocks.kudos_post(giver=giver, receiver=receiver, message=message, locale=locale, quote=quote,
                                   link=link)
