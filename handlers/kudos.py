"""/kudos @person message: public praise, kept on the person's record (the action: actions/kudos.py)."""

from __future__ import annotations

import re
from collections.abc import Callable

from slack_bolt import App

from actions import kudos as kudos_actions
from actions.perform import perform
from handlers.context import asked_by, deliver_after_ack, deps_of, identify, stranger_reply
from handlers.payloads import command_caller, command_text
from prompts import blocks
from prompts.goal_blocks import error_text
from storage import people
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
    """Give praise from `<@U…> what they did`: `answer` the giver, then the receiver (or the channel) is told.

    Shared by /kudos, whose answer is the ack, and a direct message to the bot, whose answer is a message.
    """
    deps = deps_of(context)
    match = MENTION_FIRST.match(text)
    receiver = None
    if match:
        with deps.sessions() as session:
            receiver = people.by_slack_id(session, match.group(1))
    outcome = perform(deps, kudos_actions.give_kudos, asked_by(context, giver, locale), receiver=receiver,
                      message=unescape(match.group(2)) if match else None, channel=deps.settings.kudos_channel)
    if not outcome.ok:
        return answer(blocks.markdown_message(error_text(next(iter(outcome.errors.values())), locale)))
    answer(outcome.reply)
    deliver_after_ack(context, outcome)
