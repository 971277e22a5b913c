"""Direct messages to the bot, answered as the slash command with the same words; Slack's retries handled once."""

from __future__ import annotations

import logging
import re

from slack_bolt import App
from slack_bolt.middleware import Middleware

from handlers.checkins import away_reply, here_reply, history_reply, welcome_reply
from handlers.context import Caller, deps_of, identify, stranger_reply
from handlers.goals import goal_list_reply
from handlers.kudos import give_kudos, unescape
from prompts import blocks, direct_message_blocks
from storage import checkins, slack_events
from storage.db import BOOKKEEPING
from storage.models import Person

log = logging.getLogger(__name__)

LEADING_MENTION = re.compile(r"^\s*<@([A-Z0-9]+)(?:\|[^>]*)?>")


def register(app: App) -> None:
    app.use(EachEventOnce())
    app.event("message")(answer_direct_message)


class EachEventOnce(Middleware):
    """Let an Events API delivery through once per event id; acknowledge Slack's retries of it and stop there.

    Slack retries an event it saw no timely 200 for (X-Slack-Retry-Num), although the first delivery's
    listeners may be running already: Bolt acknowledges events before it runs them. The id is committed
    before any listener runs, so whichever replica gets the retry finds it; when recording it fails, the
    request fails and Slack's retry runs the listeners instead. (A class rather than a function: Bolt builds a
    function middleware's arguments on every request, commands and clicks included.)
    """

    def process(self, *, req, resp, next):
        body, context = req.body, req.context
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        if not isinstance(event_id, str) or not 0 < len(event_id) <= slack_events.EVENT_ID_MAX:
            return next()
        deps = deps_of(context)
        with deps.sessions() as session:
            session.info[BOOKKEEPING] = True  # recording a delivery is not the person's action: not "saved"
            first = slack_events.first_time(session, event_id, deps.clock.now())
        if first:
            return next()
        log.info("event %s was handled already: acknowledging Slack's retry of it", event_id)
        return context.ack()


def answer_direct_message(event, context, client) -> None:
    """Answer what a person typed in their DM with the bot, in that DM (in its thread, if they wrote in one)."""
    if not is_typed_by_a_person_in_a_dm(event):
        return
    caller = identify(context, client, event["user"])
    reply = reply_to(context, client, caller, command_text(event.get("text") or "", bot_user_id=context.bot_user_id))
    thread = {"thread_ts": event["thread_ts"]} if event.get("thread_ts") else {}
    client.chat_postMessage(channel=event["channel"], **reply, **thread)


def is_typed_by_a_person_in_a_dm(event: dict) -> bool:
    """Answer whether a message event is a new message a person wrote to the bot: no edit, no bot, no channel."""
    return (event.get("channel_type") == "im" and "subtype" not in event and not event.get("bot_id")
            and isinstance(event.get("user"), str) and isinstance(event.get("channel"), str))


def command_text(text: str, *, bot_user_id: str | None) -> str:
    """Drop what may come before a command: a mention of the bot ("@checkin help"), a slash typed by habit."""
    mention = LEADING_MENTION.match(text)
    if mention and mention.group(1) == bot_user_id:
        text = text[mention.end():]
    return text.strip().removeprefix("/")


def reply_to(context, client, caller: Caller, text: str) -> dict:
    """Build the answer to a typed command: the same words as /goal, /checkin and /kudos."""
    if caller.person is None:
        return stranger_reply(context, caller)
    command, rest = split_first_word(text)
    if command == "help":
        return direct_message_blocks.help_message(locale=caller.locale)
    if command == "goal":
        return goal_reply(context, caller.person, rest, locale=caller.locale)
    if command == "checkin":
        return checkin_reply(context, caller.person, rest, locale=caller.locale)
    if command == "kudos":
        answers: list[dict] = []
        give_kudos(context, client, caller.person, rest, locale=caller.locale, answer=answers.append)
        return answers[0]
    return direct_message_blocks.not_understood(unescape(text.strip()), locale=caller.locale)


def goal_reply(context, person: Person, text: str, *, locale: str) -> dict:
    """`goal`, `goal list [@person]`, `goal help`, as /goal answers them."""
    subcommand, argument = split_first_word(text)
    if subcommand == "":
        return direct_message_blocks.new_goal_button(locale=locale)
    if subcommand == "list":
        return goal_list_reply(context, person, argument, locale=locale)
    if subcommand == "help":
        return blocks.help_message("goal_help", locale=locale)
    return blocks.unknown_subcommand("goal", unescape(text), help_name="goal_help", locale=locale)


def checkin_reply(context, person: Person, text: str, *, locale: str) -> dict:
    """`checkin`, `checkin history [@person]`, `checkin away until ...`, `back`, `here`, `welcome`, `help`."""
    subcommand, argument = split_first_word(text)
    if subcommand == "":
        deps = deps_of(context)
        week = checkins.current_week(person, now=deps.clock.now(), default_zone=deps.settings.default_timezone)
        return direct_message_blocks.checkin_button(week=week, locale=locale)
    if subcommand == "history":
        return history_reply(context, person, argument, locale=locale)
    if subcommand in ("away", "back"):
        return away_reply(context, person, argument if subcommand == "away" else "", locale=locale)
    if subcommand == "here":
        return here_reply(context, person, locale=locale)
    if subcommand in ("welcome", "start"):
        return welcome_reply(context, person, locale=locale)
    if subcommand == "help":
        return blocks.help_message("checkin_help", locale=locale)
    return blocks.unknown_subcommand("checkin", unescape(text), help_name="checkin_help", locale=locale)


def split_first_word(text: str) -> tuple[str, str]:
    """Split typed text into its first word (lower-cased) and the rest, as it was typed."""
    parts = text.strip().split(None, 1)
    if not parts:
        return "", ""
    return parts[0].lower(), (parts[1].strip() if len(parts) > 1 else "")
