"""Reading what the bot did in the Slack emulator, the way a person would see it."""

from __future__ import annotations

from bot.transcript import blocks_to_lines


def opened_view(emulator) -> dict:
    """The modal the bot opened last, as Slack holds it (with its id)."""
    return emulator.calls_to("views.open")[-1].response["view"]


def dms_to(emulator, user_id: str) -> list[dict]:
    """Messages in the bot's DM with a person, oldest first, as they read after any edits."""
    return [m for m in emulator.messages if m["channel"] == f"D{user_id}"]


def last_dm_text(emulator, user_id: str) -> str:
    return visible_text(dms_to(emulator, user_id)[-1])


def visible_text(message_or_view: dict) -> str:
    """Everything a person reads in a message or view: the blocks rendered as text."""
    if message_or_view.get("blocks"):
        return "\n".join(blocks_to_lines(message_or_view["blocks"]))
    return message_or_view.get("text", "")


def home_text(emulator, user_id: str) -> str:
    return visible_text(emulator.home_views[user_id])


def button(message: dict, action_id: str) -> dict:
    for block in message.get("blocks", []):
        for element in block.get("elements", []):
            if element.get("action_id") == action_id:
                return element
    raise AssertionError(f"no {action_id} button in the message")
