"""Block Kit for kudos: the public post (or DM) and the giver's confirmation."""

from __future__ import annotations

from prompts.blocks import markdown_message
from prompts.render import render


def kudos_post(*, giver: str, receiver: str, message: str, locale: str) -> dict:
    return markdown_message(render("kudos_post", locale, giver=giver, receiver=receiver, message=message))


def kudos_sent(*, receiver: str, channel: str | None, locale: str) -> dict:
    return markdown_message(render("kudos_sent", locale, receiver=receiver, channel=channel or ""))
