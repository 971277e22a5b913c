"""/kudos @person message: public praise, kept on the person's record."""

from __future__ import annotations

import re
from collections.abc import Callable

from slack_bolt import App

from handlers.context import deps_of, identify, locale_of, send_to, stranger_reply
from handlers.payloads import command_caller, command_text
from prompts import blocks, kudos_blocks
from prompts.goal_blocks import error_text
from storage import kudos, people
from storage.models import Person

MENTION_FIRST = re.compile(r"^\s*<@([A-Z0-9]+)(?:\|[^>]*)?>\s*(.*)$", re.DOTALL)


def register(app: App) -> None:
    app.command("/kudos")(kudos_command)


def unescape(text: str) -> str:
    """Undo the escaping Slack applies to command text (should_escape): exactly &amp; &lt; &gt;."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def kudos_command(ack, command, context, client) -> None:
    caller = identify(context, client, command_caller(command))
    if caller.person is None:
        return ack(**stranger_reply(context, caller))
    give_kudos(context, client, caller.person, command_text(command), locale=caller.locale,
               answer=lambda reply: ack(**reply))


def give_kudos(context, client, giver: Person, text: str, *, locale: str, answer: Callable[[dict], object]) -> None:
    """Record praise from `<@U…> what they did`, `answer` the giver, then tell the receiver (or the channel).

    Shared by /kudos, whose answer is the ack, and a direct message to the bot, whose answer is a message.
    """
    deps = deps_of(context)
    match = MENTION_FIRST.match(text)
    try:
        with deps.sessions() as session:
            receiver = people.by_slack_id(session, match.group(1)) if match else None
            message = unescape(match.group(2)) if match else None
            kudos.give(session, giver, receiver, message, now=deps.clock.now())
    except kudos.KudosError as error:
        return answer(blocks.markdown_message(error_text(error.code, locale)))
    channel = deps.settings.kudos_channel
    answer(kudos_blocks.kudos_sent(receiver=receiver.name, channel=channel, locale=locale))
    # A channel post is read by everyone, so it uses the organisation's language; a DM, the receiver's.
    readers_locale = deps.settings.default_locale if channel else locale_of(context, receiver)
    post = kudos_blocks.kudos_post(giver=giver.name, receiver=receiver.name, message=message.strip(),
                                   locale=readers_locale)
    if channel:
        client.chat_postMessage(channel=channel, **post)
    else:
        send_to(context, client, receiver, post)
