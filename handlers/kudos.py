"""/kudos @person message: public praise, kept on the person's record."""

from __future__ import annotations

import re

from slack_bolt import App

from handlers.context import deps_of, identify, locale_of, send_to, stranger_reply
from prompts import blocks, kudos_blocks
from prompts.goal_blocks import error_text
from storage import kudos, people

MENTION_FIRST = re.compile(r"^\s*<@([A-Z0-9]+)(?:\|[^>]*)?>\s*(.*)$", re.DOTALL)


def register(app: App) -> None:
    app.command("/kudos")(kudos_command)


def unescape(text: str) -> str:
    """Undo the escaping Slack applies to command text (should_escape): exactly &amp; &lt; &gt;."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def kudos_command(ack, command, context, client) -> None:
    deps = deps_of(context)
    caller = identify(context, client, command["user_id"])
    if caller.person is None:
        return ack(**stranger_reply(context, caller))
    match = MENTION_FIRST.match(command.get("text", ""))
    try:
        with deps.sessions() as session:
            receiver = people.by_slack_id(session, match.group(1)) if match else None
            message = unescape(match.group(2)) if match else None
            kudos.give(session, caller.person, receiver, message, now=deps.clock.now())
    except kudos.KudosError as error:
        return ack(**blocks.markdown_message(error_text(error.code, caller.locale)))
    channel = deps.settings.kudos_channel
    ack(**kudos_blocks.kudos_sent(receiver=receiver.name, channel=channel, locale=caller.locale))
    # A channel post is read by everyone, so it uses the organisation's language; a DM, the receiver's.
    locale = deps.settings.default_locale if channel else locale_of(context, receiver)
    post = kudos_blocks.kudos_post(giver=caller.person.name, receiver=receiver.name, message=message.strip(),
                                   locale=locale)
    if channel:
        client.chat_postMessage(channel=channel, **post)
    else:
        send_to(context, client, receiver, post)
