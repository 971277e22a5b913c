"""Block Kit for direct messages to the bot: help, and the buttons that stand in for a slash command's modal."""

from __future__ import annotations

from prompts.blocks import markdown_message, sections
from prompts.checkin_blocks import OPEN_CHECKIN_ACTION
from prompts.goal_blocks import NEW_GOAL_ACTION
from prompts.render import label, render

ECHO_MAX = 100  # characters of a misunderstood message quoted back; the rest is noise
ELLIPSIS = "…"


def help_message(*, locale: str) -> dict:
    """`help`: what /goal and /checkin do, then how to type the same in this chat."""
    words = "\n\n".join(render(name, locale, **extra) for name, extra in (
        ("goal_help", {}), ("checkin_help", {}), ("direct_message_help", {"text": ""})))
    return markdown_message(words)


def not_understood(text: str, *, locale: str) -> dict:
    """A short help for words that are no command, quoting them back (shortened)."""
    shown = text if len(text) <= ECHO_MAX else text[:ECHO_MAX] + ELLIPSIS
    return markdown_message(render("direct_message_help", locale, text=shown))


def new_goal_button(*, locale: str) -> dict:
    """`goal`: a message event carries no trigger_id to open the modal with, so offer the button that does."""
    text = f"*{label('goal_modal_title', locale)}*\n{label('goal_title_hint', locale)}"
    return _with_button(text, action_id=NEW_GOAL_ACTION, value=None, title=label("new_goal", locale))


def checkin_button(*, week: str, locale: str) -> dict:
    """`checkin`: this week's check-in behind the reminder's "Check in now" button, for the same reason."""
    text = f"*{label('checkin_modal_title', locale)}*\n{label('checkin_this_week', locale, week=week)}"
    return _with_button(text, action_id=OPEN_CHECKIN_ACTION, value=week, title=label("check_in_now", locale))


def _with_button(text: str, *, action_id: str, value: str | None, title: str) -> dict:
    button = {"type": "button", "action_id": action_id, "style": "primary",
              "text": {"type": "plain_text", "text": title, "emoji": True}}
    if value:  # Slack refuses an empty value
        button["value"] = value
    return {"text": text, "blocks": [*sections(text), {"type": "actions", "elements": [button]}]}
