"""Slack shortcuts: "Check in" (global) opens this week's check-in; "Give kudos for this message" thanks its author.

The check-in is /checkin's modal and action; the kudos are /kudos's action (actions/kudos.py), from a modal with the
message's author chosen and the message quoted, so the giver only writes what they did.
"""

from __future__ import annotations

import logging

from slack_bolt import App
from slack_sdk.errors import SlackApiError

from actions import kudos as kudos_actions
from actions.perform import perform
from handlers.checkins import open_checkin
from handlers.context import asked_by, deliver_after_ack, deps_of, identify, stranger_reply
from handlers.forms import inline_errors, view_values
from handlers.kudos import unescape
from handlers.payloads import answer_privately, caller_id, metadata_strings, slack_id, trigger_id
from prompts import kudos_blocks
from prompts.goal_blocks import error_text, modal_errors
from prompts.refusal_blocks import refusal_modal
from storage import people

log = logging.getLogger(__name__)

CHECKIN_SHORTCUT = "checkin_shortcut"
KUDOS_SHORTCUT = "kudos_for_message"


def register(app: App) -> None:
    app.shortcut(CHECKIN_SHORTCUT)(checkin_shortcut)
    app.shortcut(KUDOS_SHORTCUT)(kudos_shortcut)
    app.view(kudos_blocks.KUDOS_VIEW)(submit_kudos)


def checkin_shortcut(ack, body, context, client) -> None:
    """Open this week's check-in, as /checkin does; someone outside the directory is told whom to ask."""
    ack()
    caller = identify(context, client, caller_id(body))
    if caller.person is None:
        words = stranger_reply(context, caller)["text"]
        return client.views_open(trigger_id=trigger_id(body), view=refusal_modal(words, locale=caller.locale))
    open_checkin(client, context, caller.person, caller.locale, trigger_id(body))


def kudos_shortcut(ack, body, context, client) -> None:
    """Open kudos for a message's author; refused, under the message, for your own, a bot's or a stranger's."""
    ack()
    caller = identify(context, client, caller_id(body))
    if caller.person is None:
        return answer_privately(body, client, stranger_reply(context, caller)["text"])
    message = body.get("message") if isinstance(body.get("message"), dict) else {}
    author_id = message.get("user") if isinstance(message.get("user"), str) else None
    by_bot = bool(message.get("bot_id")) or message.get("subtype") == "bot_message" or author_id is None
    deps = deps_of(context)
    with deps.sessions() as session:
        author = people.by_slack_id(session, slack_id(author_id)) if author_id else None
    outcome = perform(deps, kudos_actions.kudos_for_author, asked_by(context, caller.person, caller.locale),
                      author=author, by_bot=by_bot)
    if not outcome.ok:
        return answer_privately(body, client, error_text(outcome.errors["receiver"], caller.locale))
    channel = body.get("channel", {}).get("id") if isinstance(body.get("channel"), dict) else None
    said = message.get("text") if isinstance(message.get("text"), str) else ""
    view = kudos_blocks.kudos_modal(receiver=outcome.value.slack_id, quote=kudos_blocks.preview(unescape(said)),
                                    link=_permalink(client, channel, message.get("ts")), locale=caller.locale)
    client.views_open(trigger_id=trigger_id(body), view=view)


def _permalink(client, channel: str | None, ts: object) -> str:
    """The message's permanent link; none when Slack will not give one (the quote still says which message)."""
    if not channel or not isinstance(ts, str):
        return ""
    try:
        return client.chat_getPermalink(channel=channel, message_ts=ts).get("permalink") or ""
    except SlackApiError as error:
        log.info("chat.getPermalink failed: %s", error.response.get("error"))
        return ""


def submit_kudos(ack, body, view, context, client) -> None:
    """Give the kudos written in the modal; errors stay on the form, the confirmation takes its place."""
    caller = identify(context, client, caller_id(body))
    if caller.person is None:  # only a forged submission gets here: the shortcut refuses strangers
        return ack(response_action="errors", errors=inline_errors(
            {"message": error_text("not_in_directory", caller.locale)}, view, fallback="message"))
    values = view_values(view)
    about = metadata_strings(view, ("quote", "link"))
    deps = deps_of(context)
    with deps.sessions() as session:
        receiver = people.by_slack_id(session, values["receiver"]) if values.get("receiver") else None
    outcome = perform(deps, kudos_actions.give_kudos, asked_by(context, caller.person, caller.locale),
                      receiver=receiver, message=values.get("message"), channel=deps.settings.kudos_channel,
                      quote=kudos_blocks.preview(about.get("quote")), link=kudos_blocks.safe_link(about.get("link")))
    if not outcome.ok:
        errors = modal_errors(outcome.errors, caller.locale)
        return ack(response_action="errors", errors=inline_errors(errors, view, fallback="message"))
    ack(response_action="update", view=kudos_blocks.kudos_sent_modal(outcome.reply, locale=caller.locale))
    deliver_after_ack(context, outcome)
