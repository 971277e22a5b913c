"""Turn what the bot sent to the Slack emulator into readable text, per person."""

from __future__ import annotations

import json
from collections import defaultdict

INDENT = "    "


def blocks_to_lines(blocks: list[dict]) -> list[str]:
    """Render Block Kit roughly as a person would read it in Slack."""
    lines: list[str] = []
    for block in blocks:
        kind = block.get("type")
        if kind == "header":
            lines.append(f"== {block['text']['text']} ==")
        elif kind == "section":
            if "text" in block:
                lines.extend(block["text"]["text"].splitlines())
            lines.extend(f"  {field['text']}" for field in block.get("fields", []))
            if "accessory" in block:
                lines.append(_element(block["accessory"]))
        elif kind == "context":
            lines.append("  " + " · ".join(e.get("text", e.get("alt_text", "")) for e in block["elements"]))
        elif kind == "divider":
            lines.append("----")
        elif kind == "actions":
            lines.append(" ".join(_element(e) for e in block["elements"]))
        elif kind == "input":
            optional = " (optional)" if block.get("optional") else ""
            lines.append(f"{block['label']['text']}{optional}: {_element(block['element'])}")
        elif kind == "image":
            lines.append(f"[image: {block.get('alt_text', '')}]")
        elif kind == "rich_text":
            lines.append(json.dumps(block, ensure_ascii=False))
    return lines


def _element(element: dict) -> str:
    kind = element.get("type")
    if kind == "button":
        return f"[{element['text']['text']}]"
    if kind == "overflow":
        return "[⋯]"
    if kind in ("plain_text_input", "number_input"):
        return f"[{element.get('initial_value', '')}___]"
    if kind == "datepicker":
        return f"[date {element.get('initial_date', '____-__-__')}]"
    if "options" in element or "option_groups" in element or kind.endswith("_select"):
        initial = element.get("initial_option", {}).get("text", {}).get("text", "")
        return f"[{initial or 'choose'} ▾]"
    return f"[{kind}]"


def card_lines(element) -> list[str]:
    """An Adaptive Card as lines: texts, inputs as `label: [value]`, buttons as `[title]`."""
    if isinstance(element, list):
        return [line for item in element for line in card_lines(item)]
    if not isinstance(element, dict):
        return []
    kind = element.get("type", "")
    lines = []
    if kind == "TextBlock" and element.get("text"):
        lines = element["text"].splitlines()
    elif kind.startswith("Input."):
        shown = element.get("value") or ""
        lines = [f"{element.get('label') or element.get('id')}: [{shown}___]"]
    elif kind.startswith("Action.") and element.get("title"):
        lines = [f"[{element['title']}]"]
    for key in ("body", "items", "columns", "actions"):
        lines += card_lines(element.get(key))
    return lines


class Transcript:
    """Collect, per person, the commands they typed and everything the bot showed them."""

    def __init__(self, emulator, names: dict[str, str], *, teams_chats: dict[str, str] | None = None,
                 connector=None):
        self._emulator = emulator
        self._names = names
        self._seen = 0
        self._teams_chats = teams_chats or {}  # a Teams 1:1 conversation id -> the person's key
        self._connector = connector
        self._teams_seen = 0
        self.lines: dict[str, list[str]] = defaultdict(list)

    def say(self, user_id: str, line: str) -> None:
        self.lines[user_id].append(line)

    def command(self, user_id: str, text: str, response) -> None:
        """Record a slash command and the ephemeral reply in its HTTP response."""
        self.say(user_id, f"> {text}")
        self._reply(user_id, "only visible to you", response.json())
        self.collect(actor=user_id)

    def submission(self, user_id: str, what: str, response) -> None:
        """Record a modal submission and how the bot answered it: inline errors, a pushed step, or closed."""
        self.say(user_id, f"> submits {what}")
        body = response.json() or {}
        if body.get("response_action") == "errors":
            self.say(user_id, "  modal shows errors:")
            self.lines[user_id].extend(f"{INDENT}{field}: {text}" for field, text in body["errors"].items())
        elif body.get("response_action") in ("push", "update"):
            self._view(user_id, "modal", body["view"])
        self.collect(actor=user_id)

    def action(self, user_id: str, what: str) -> None:
        self.say(user_id, f"> clicks {what}")
        self.collect(actor=user_id)

    def collect(self, *, actor: str | None = None, show_home: bool = False) -> None:
        """Attribute the emulator's new calls: DMs to their person, modals to the actor.

        The bot republishes App Homes after every change; they are shown only when someone opens theirs.
        """
        calls = self._emulator.calls[self._seen :]
        self._seen += len(calls)
        for call in calls:
            if call.status != 200 or not call.response.get("ok", call.method == "response_url"):
                continue
            params = call.params
            if call.method == "chat.postMessage":
                channel = call.response.get("channel", "")
                self._reply(self._dm_user(channel) or channel, "direct message", params)
            elif call.method == "chat.update":
                channel = call.response.get("channel", "")
                self._reply(self._dm_user(channel) or channel, "message updated", params)
            elif call.method == "chat.postEphemeral":
                self._reply(params.get("user", "?"), "only visible to you", params)
            elif call.method in ("views.open", "views.push") and actor:
                self._view(actor, "modal", params["view"])
            elif call.method == "views.update" and actor:
                self._view(actor, "modal updated", params["view"])
            elif call.method == "views.publish" and show_home and params["user_id"] == actor:
                self._view(params["user_id"], "App Home", params["view"])
            elif call.method == "files.completeUploadExternal":
                self._file(params)
            elif call.method == "response_url" and actor:
                self._reply(actor, "only visible to you", params)
        self._collect_teams()

    def _collect_teams(self) -> None:
        """Attribute what the bot posted into Teams 1:1 chats to their person."""
        if self._connector is None:
            return
        posted = self._connector.posted[self._teams_seen:]
        self._teams_seen += len(posted)
        for activity in posted:
            who = self._teams_chats.get(activity.conversation_id)
            if who is not None and activity.operation in ("send", "reply", "update") and activity.text:
                self.say(who, "  bot (Teams chat):")
                self.lines[who].extend(INDENT + line for line in activity.text.splitlines())

    def teams_card(self, user_id: str, where: str, card: dict) -> None:
        """Show an Adaptive Card (a Teams dialog) as its reader sees it: its texts, inputs and buttons."""
        self.say(user_id, f"  bot ({where}):")
        self.lines[user_id].extend(INDENT + line for line in card_lines(card))

    def _dm_user(self, channel: str) -> str | None:
        user = channel[1:] if channel.startswith("D") else None
        return user if user in self._names else None

    def _reply(self, user_id: str, where: str, message: dict | None) -> None:
        if not message:
            return
        self.say(user_id, f"  bot ({where}):")
        lines = blocks_to_lines(message["blocks"]) if message.get("blocks") else message.get("text", "").splitlines()
        self.lines[user_id].extend(INDENT + line for line in lines)

    def _file(self, params: dict) -> None:
        channel = params.get("channel_id", "")
        for entry in params.get("files", []):
            upload = self._emulator.uploaded_files.get(entry["id"])
            size = f"{len(upload.content) / 1024:.0f} KB" if upload else "?"
            self.say(self._dm_user(channel) or channel, f"  bot (file in the DM): {entry.get('title')} ({size})")
            if params.get("initial_comment"):
                self.lines[self._dm_user(channel) or channel].append(INDENT + params["initial_comment"])

    def _view(self, user_id: str, where: str, view: dict) -> None:
        title = view.get("title", {}).get("text", "")
        self.say(user_id, f"  bot ({where}{': ' + title if title else ''}):")
        self.lines[user_id].extend(INDENT + line for line in blocks_to_lines(view.get("blocks", [])))

    def render(self) -> str:
        sections = []
        for user_id, lines in self.lines.items():
            heading = f"── {self._names.get(user_id, user_id)} ──"
            sections.append("\n".join([heading, *lines]))
        return "\n\n".join(sections)
