"""The /goal command."""

from __future__ import annotations

from slack_bolt import App

from handlers.context import identify, stranger_reply
from prompts import blocks


def register(app: App) -> None:
    app.command("/goal")(goal_command)


def goal_command(ack, command, context, client) -> None:
    caller = identify(context, client, command["user_id"])
    if caller.person is None:
        return ack(**stranger_reply(context, caller))
    subcommand = command.get("text", "").strip().split(" ", 1)[0].lower()
    if subcommand in ("", "help"):
        return ack(**blocks.help_message("goal_help", locale=caller.locale))
    return ack(**blocks.unknown_subcommand("/goal", command["text"], help_name="goal_help", locale=caller.locale))
