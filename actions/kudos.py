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


def give_kudos(session, asked: Asked, *, receiver: Person | None, message: str | None,
               channel: str | None = None) -> Outcome:
    """Record praise for `receiver` (None: the mention names no one in the org); tell them, or the kudos `channel`.

    Refused for yourself, someone outside the organisation, no words or too many. A channel post is read by
    everyone, so it is in the organisation's language; a direct message, in the receiver's.
    """
    try:
        given = kudos.give(session, asked.person, receiver, message, now=asked.now)
    except kudos.KudosError as error:
        return Outcome.refused({FIELD_OF.get(error.code, "message"): error.code})
    post = partial(_post, giver=asked.person.name, receiver=receiver.name, message=given.message)
    tell = Tell(receiver, post, channel=channel, locale=asked.default_locale if channel else None)
    return Outcome.done(reply=kudos_blocks.kudos_sent(receiver=receiver.name, channel=channel, locale=asked.locale),
                        tells=[tell], value=given)


def _post(locale: str, *, giver: str, receiver: str, message: str) -> dict:
    return kudos_blocks.kudos_post(giver=giver, receiver=receiver, message=message, locale=locale)
