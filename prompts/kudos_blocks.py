"""Block Kit for kudos: the public post (or DM), the giver's confirmation, and the modal of a message shortcut."""

from __future__ import annotations

import json

from prompts.blocks import markdown_message
from prompts.render import label, render

KUDOS_VIEW = "kudos_for_message_submit"  # the modal of the "Give kudos for this message" shortcut
QUOTE_MAX = 300  # characters of the message shown as context; the link leads to the whole of it
MESSAGE_MAX = 1000  # storage.kudos.MESSAGE_MAX: Slack counts it in the input, storage refuses beyond it


def kudos_post(*, giver: str, receiver: str, message: str, locale: str, quote: str = "", link: str = "") -> dict:
    """The praise as the receiver (or the kudos channel) reads it; with the message it thanks for, if any."""
    text = render("kudos_post", locale, giver=giver, receiver=receiver, message=message)
    if quote or link:
        text = f"{text}\n{label('kudos_for_message', locale, quote=quote, link=link)}"
    return markdown_message(text)


def kudos_sent(*, receiver: str, channel: str | None, locale: str) -> dict:
    return markdown_message(render("kudos_sent", locale, receiver=receiver, channel=channel or ""))


def preview(text: str | None) -> str:
    """A message's text as one line of at most QUOTE_MAX characters, to quote it."""
    flat = " ".join((text or "").split())
    return flat if len(flat) <= QUOTE_MAX else flat[:QUOTE_MAX - 1].rstrip() + "…"


def safe_link(raw: object) -> str:
    """A message's link as a form sent it back (forgeable): a web address that cannot break out of `<url|text>`."""
    if not isinstance(raw, str) or not raw.startswith("https://") or len(raw) > 1000 or any(c in raw for c in "<>| \n"):
        return ""
    return raw


def kudos_modal(*, receiver: str, quote: str, link: str, locale: str) -> dict:
    """Kudos for a message: its author (Slack id) chosen as the receiver, the message quoted, the words to write.

    The quote and link ride in private_metadata, so the post can name the message the kudos are for.
    """
    return {
        "type": "modal",
        "callback_id": KUDOS_VIEW,
        "title": {"type": "plain_text", "text": label("kudos_modal_title", locale)},
        "submit": {"type": "plain_text", "text": label("kudos_send", locale)},
        "close": {"type": "plain_text", "text": label("cancel", locale)},
        "private_metadata": json.dumps({"quote": quote, "link": link}, ensure_ascii=False),
        "blocks": [
            {"type": "section", "block_id": "about",
             "text": {"type": "mrkdwn", "text": label("kudos_for_message", locale, quote=quote, link=link)}},
            {"type": "input", "block_id": "receiver",
             "label": {"type": "plain_text", "text": label("kudos_receiver", locale)},
             "element": {"type": "users_select", "action_id": "receiver", "initial_user": receiver}},
            {"type": "input", "block_id": "message",
             "label": {"type": "plain_text", "text": label("kudos_message", locale)},
             "hint": {"type": "plain_text", "text": label("kudos_message_hint", locale)},
             "element": {"type": "plain_text_input", "action_id": "message", "multiline": True,
                         "max_length": MESSAGE_MAX}},
        ],
    }


def kudos_sent_modal(reply: dict, *, locale: str) -> dict:
    """The modal once the kudos are sent: the giver's confirmation in place of the form."""
    return {
        "type": "modal",
        "title": {"type": "plain_text", "text": label("kudos_modal_title", locale)},
        "close": {"type": "plain_text", "text": label("kudos_close", locale)},
        "blocks": reply["blocks"],
    }
