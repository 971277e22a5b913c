"""Send requests to the bot's HTTP endpoint exactly as Slack does, signed with the signing secret."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import secrets
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from datetime import time as time_of_day
from email.message import Message
from typing import Any
from urllib.parse import urlencode, urlsplit

from bot.emulator.slack_api import SlackEmulator

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
SLACK_USER_AGENT = "Slackbot 1.0 (+https://api.slack.com/robots)"
VERIFICATION_TOKEN = "emulated-verification-token"
TEAM_DOMAIN = "emulated"
TIMEOUT_SECONDS = 10

# view.state key for each input element type, as Slack fills it in.
STATE_KEYS = {
    "plain_text_input": "value",
    "number_input": "value",
    "email_text_input": "value",
    "url_text_input": "value",
    "static_select": "selected_option",
    "external_select": "selected_option",
    "radio_buttons": "selected_option",
    "multi_static_select": "selected_options",
    "multi_external_select": "selected_options",
    "checkboxes": "selected_options",
    "datepicker": "selected_date",
    "timepicker": "selected_time",
    "datetimepicker": "selected_date_time",
    "users_select": "selected_user",
    "multi_users_select": "selected_users",
    "conversations_select": "selected_conversation",
    "multi_conversations_select": "selected_conversations",
    "channels_select": "selected_channel",
    "multi_channels_select": "selected_channels",
}
# Keys Slack sends as [] rather than None when nothing is chosen.
LIST_KEYS = frozenset({"selected_options", "selected_users", "selected_conversations", "selected_channels"})
EXTERNAL_SELECTS = frozenset({"external_select", "multi_external_select"})


@dataclass(frozen=True)
class BotResponse:
    """What the bot answered to one request."""

    status: int
    body: str
    headers: dict[str, str]

    def json(self) -> Any:
        """Return the body parsed as JSON, or None when it is empty or not JSON."""
        try:
            return json.loads(self.body)
        except ValueError:
            return None


def slack_signature(signing_secret: str, timestamp: str, body: bytes) -> str:
    """Sign a request body the way Slack does: v0=HMAC-SHA256("v0:{timestamp}:{body}")."""
    base = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(signing_secret.encode(), base, hashlib.sha256).hexdigest()


class SignedSlackClient:
    """Play Slack's side of the Events API, slash commands and interactivity against the bot."""

    def __init__(
        self,
        events_url: str,
        signing_secret: str,
        emulator: SlackEmulator,
        *,
        team_id: str | None = None,
        now: Callable[[], float] = time.time,
    ) -> None:
        if urlsplit(events_url).hostname not in LOOPBACK_HOSTS:
            raise ValueError(f"the signed client only talks to loopback, not {events_url}")
        self.events_url = events_url
        self.emulator = emulator
        self.team_id = team_id or emulator.team_id
        self._signing_secret = signing_secret
        self._now = now
        self._counter: Iterator[int] = itertools.count(1)
        self._last_event: dict[str, Any] | None = None
        # No proxy handler: an http_proxy in the environment must never see loopback traffic.
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    # ---- slash commands --------------------------------------------------------------------

    def slash_command(
        self,
        user_id: str,
        command: str,
        text: str = "",
        *,
        channel_id: str = "C0GENERAL",
        channel_name: str | None = None,
    ) -> BotResponse:
        """Invoke a slash command, form-encoded like Slack, with a fresh response_url and trigger_id."""
        fields = {
            "token": VERIFICATION_TOKEN,
            "team_id": self.team_id,
            "team_domain": TEAM_DOMAIN,
            "channel_id": channel_id,
            "channel_name": channel_name or _channel_name(channel_id),
            "user_id": user_id,
            "user_name": self._user_name(user_id),
            "command": command,
            "text": text,
            "api_app_id": self.emulator.app_id,
            "is_enterprise_install": "false",
            "response_url": self.emulator.new_response_url(),
            "trigger_id": self._trigger_id(),
        }
        return self._post_form(fields)

    # ---- interactivity ---------------------------------------------------------------------

    def block_action(
        self,
        user_id: str,
        action_id: str,
        value: str | None = None,
        *,
        block_id: str | None = None,
        selected_option: str | dict[str, Any] | None = None,
        view: dict[str, Any] | None = None,
        message: dict[str, Any] | None = None,
        channel_id: str | None = None,
    ) -> BotResponse:
        """Click a button or pick an option in a message, modal or home tab."""
        found_block_id, element = _find_element((view or message or {}).get("blocks") or [], action_id)
        action: dict[str, Any] = {
            "action_id": action_id,
            "block_id": block_id or found_block_id or "b",
            "type": element.get("type") or ("static_select" if selected_option is not None else "button"),
            "action_ts": self._slack_ts(),
        }
        if selected_option is not None:
            action["selected_option"] = _option(element, selected_option)
        elif value is not None or "value" in element:
            action["value"] = element.get("value") if value is None else value
        if "text" in element:
            action["text"] = element["text"]
        channel = channel_id or (message or {}).get("channel")
        payload = {
            "type": "block_actions",
            **self._envelope(user_id),
            "trigger_id": self._trigger_id(),
            "container": _container(view, message, channel),
            "actions": [action],
        }
        if view is not None:
            payload["view"] = view
        if message is not None:
            payload["message"] = message
            payload["response_url"] = self.emulator.new_response_url()
        if channel is not None:
            payload["channel"] = {"id": channel, "name": _channel_name(channel)}
        return self._post_payload(payload)

    def view_submission(
        self,
        user_id: str,
        view: dict[str, Any],
        values: dict[str, Any],
        *,
        private_metadata: str | None = None,
    ) -> BotResponse:
        """Submit a modal, turning `values` (block_id -> Python value) into Slack's view.state."""
        submitted = {**view, "state": {"values": build_state_values(view, values)}}
        if private_metadata is not None:
            submitted["private_metadata"] = private_metadata
        payload = {
            "type": "view_submission",
            **self._envelope(user_id),
            "trigger_id": self._trigger_id(),
            "view": submitted,
            "response_urls": [],
        }
        return self._post_payload(payload)

    def global_shortcut(self, user_id: str, callback_id: str) -> BotResponse:
        """Pick one of the app's global shortcuts (the composer's shortcuts button, or search)."""
        payload = {"type": "shortcut", **self._envelope(user_id), "callback_id": callback_id,
                   "trigger_id": self._trigger_id(), "action_ts": self._slack_ts()}
        return self._post_payload(payload)

    def message_shortcut(self, user_id: str, callback_id: str, message: dict[str, Any]) -> BotResponse:
        """Pick a message shortcut on `message` (as the emulator holds it, with its "channel")."""
        channel = message["channel"]
        shown = {key: value for key, value in message.items() if key != "channel"}
        payload = {
            "type": "message_action",
            **self._envelope(user_id),
            "callback_id": callback_id,
            "trigger_id": self._trigger_id(),
            "action_ts": self._slack_ts(),
            "message_ts": message["ts"],
            "channel": {"id": channel, "name": _channel_name(channel)},
            "message": shown,
            "response_url": self.emulator.new_response_url(),
        }
        return self._post_payload(payload)

    def view_closed(self, user_id: str, view: dict[str, Any]) -> BotResponse:
        """Close a modal with its X or Cancel button."""
        payload = {"type": "view_closed", **self._envelope(user_id), "view": view, "is_cleared": False}
        return self._post_payload(payload)

    # ---- Events API ------------------------------------------------------------------------

    def event(self, user_id: str | None, event: dict[str, Any]) -> BotResponse:
        """Deliver an Events API event_callback caused by `user_id` (None: no top-level user, as in edits)."""
        caused_by = {} if user_id is None else {"user": user_id}
        body = {
            "token": VERIFICATION_TOKEN,
            "team_id": self.team_id,
            "api_app_id": self.emulator.app_id,
            "event": {"event_ts": self._slack_ts(), **event, **caused_by},
            "type": "event_callback",
            "event_id": f"Ev{next(self._counter):08d}{secrets.token_hex(3).upper()}",
            "event_time": int(self._now()),
            "authorizations": [
                {
                    "enterprise_id": None,
                    "team_id": self.team_id,
                    "user_id": self.emulator.bot_user_id,
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
            "is_ext_shared_channel": False,
        }
        self._last_event = body
        return self._post_json(body)

    @property
    def last_event(self) -> dict[str, Any] | None:
        """The body of the last event delivered, to deliver again elsewhere (another replica, say)."""
        return self._last_event

    def retry_last_event(self, *, attempt: int = 1, reason: str = "http_timeout") -> BotResponse:
        """Deliver the last event again as Slack retries one: the same body and event_id, with retry headers."""
        if self._last_event is None:
            raise RuntimeError("no event was delivered yet")
        headers = {"X-Slack-Retry-Num": str(attempt), "X-Slack-Retry-Reason": reason}
        return self._post_json(self._last_event, headers=headers)

    def url_verification(self, challenge: str) -> BotResponse:
        """Send the handshake Slack sends when the Request URL is configured."""
        body = {"token": VERIFICATION_TOKEN, "challenge": challenge, "type": "url_verification"}
        return self._post_json(body)

    # ---- transport -------------------------------------------------------------------------

    def send_raw(
        self,
        body: bytes,
        content_type: str,
        *,
        sign: bool = True,
        secret: str | None = None,
        timestamp: int | str | None = None,
        drop_signature: bool = False,
        headers: dict[str, str] | None = None,
    ) -> BotResponse:
        """POST a body as-is, plus `headers`; sign=False omits both Slack headers, drop_signature the signature."""
        headers = {"Content-Type": content_type, "User-Agent": SLACK_USER_AGENT, **(headers or {})}
        if sign:
            stamp = str(int(self._now()) if timestamp is None else timestamp)
            headers["X-Slack-Request-Timestamp"] = stamp
            if not drop_signature:
                key = self._signing_secret if secret is None else secret
                headers["X-Slack-Signature"] = slack_signature(key, stamp, body)
        request = urllib.request.Request(self.events_url, data=body, headers=headers, method="POST")
        try:
            with self._opener.open(request, timeout=TIMEOUT_SECONDS) as response:
                return _bot_response(response.status, response.read(), response.headers)
        except urllib.error.HTTPError as error:
            # Non-2xx answers are results to assert on, not failures of the client.
            with error:
                return _bot_response(error.code, error.read(), error.headers)

    def _post_form(self, fields: dict[str, str]) -> BotResponse:
        """POST signed form fields."""
        return self.send_raw(urlencode(fields).encode(), "application/x-www-form-urlencoded")

    def _post_payload(self, payload: dict[str, Any]) -> BotResponse:
        """POST an interactivity payload the way Slack wraps it: one form field holding JSON."""
        return self._post_form({"payload": json.dumps(payload)})

    def _post_json(self, body: dict[str, Any], *, headers: dict[str, str] | None = None) -> BotResponse:
        """POST a signed JSON body."""
        return self.send_raw(json.dumps(body).encode(), "application/json", headers=headers)

    # ---- payload pieces --------------------------------------------------------------------

    def _envelope(self, user_id: str) -> dict[str, Any]:
        """Return the fields every interactivity payload carries."""
        name = self._user_name(user_id)
        return {
            "team": {"id": self.team_id, "domain": TEAM_DOMAIN},
            "user": {"id": user_id, "username": name, "name": name, "team_id": self.team_id},
            "api_app_id": self.emulator.app_id,
            "token": VERIFICATION_TOKEN,
            "enterprise": None,
            "is_enterprise_install": False,
        }

    def _user_name(self, user_id: str) -> str:
        """Return the emulated user's handle, or the id for users the emulator doesn't know."""
        return self.emulator.users.get(user_id, {}).get("name", user_id)

    def _trigger_id(self) -> str:
        """Return a fresh trigger_id shaped like Slack's."""
        return f"{int(self._now())}.{next(self._counter)}.{secrets.token_hex(16)}"

    def _slack_ts(self) -> str:
        """Return the current time as a Slack timestamp string."""
        return f"{self._now():.6f}"


def build_state_values(view: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """Build view.state.values for a view's input blocks, empty where `values` has no entry."""
    state: dict[str, Any] = {}
    for block in view.get("blocks") or []:
        element = block.get("element") if block.get("type") == "input" else block.get("accessory")
        # Blocks without block_id get a random one from Slack that no handler can look up.
        if not isinstance(element, dict) or element.get("type") not in STATE_KEYS or "block_id" not in block:
            continue
        block_id = block["block_id"]
        action_id = element.get("action_id") or block_id
        state[block_id] = {action_id: _state_entry(element, values.get(block_id))}
    unknown = sorted(set(values) - set(state))
    if unknown:
        raise ValueError(f"the view has no input blocks with block_id {unknown}")
    return state


def _state_entry(element: dict[str, Any], value: Any) -> dict[str, Any]:
    """Return one element's entry in view.state.values."""
    key = STATE_KEYS[element["type"]]
    return {"type": element["type"], key: _state_value(element, key, value)}


def _state_value(element: dict[str, Any], key: str, value: Any) -> Any:
    """Convert a Python value to what Slack sends under `key`."""
    if value is None:
        return [] if key in LIST_KEYS else None
    if key == "value":
        return str(value)
    if key == "selected_option":
        return _option(element, value)
    if key == "selected_options":
        return [_option(element, item) for item in value]
    if key == "selected_date":
        return value.strftime("%Y-%m-%d") if isinstance(value, date) else str(value)
    if key == "selected_time":
        return value.strftime("%H:%M") if isinstance(value, time_of_day) else str(value)
    if key == "selected_date_time":
        return int(value.timestamp()) if isinstance(value, datetime) else int(value)
    return list(value) if key in LIST_KEYS else value


def _option(element: dict[str, Any], choice: str | dict[str, Any]) -> dict[str, Any]:
    """Return the element's option whose value is `choice` (an option dict passes through)."""
    if isinstance(choice, dict):
        return choice
    for option in _options(element):
        if option.get("value") == str(choice):
            return option
    if element.get("type") in EXTERNAL_SELECTS or not element:
        # External selects and unknown elements have no options list; Slack echoes the picked one.
        return {"text": {"type": "plain_text", "text": str(choice)}, "value": str(choice)}
    raise ValueError(f"{element.get('action_id')!r} has no option with value {choice!r}")


def _options(element: dict[str, Any]) -> list[dict[str, Any]]:
    """Return an element's options, flattening option groups."""
    grouped = [option for group in element.get("option_groups") or [] for option in group.get("options", [])]
    return list(element.get("options") or []) + grouped


def _find_element(blocks: list[dict[str, Any]], action_id: str) -> tuple[str | None, dict[str, Any]]:
    """Return (block_id, element) for an action_id in a block list, or (None, {}) if absent."""
    for block in blocks:
        candidates = [*(block.get("elements") or []), block.get("accessory"), block.get("element")]
        for element in candidates:
            if isinstance(element, dict) and element.get("action_id") == action_id:
                return block.get("block_id"), element
    return None, {}


def _container(view: dict[str, Any] | None, message: dict[str, Any] | None, channel: str | None) -> dict[str, Any]:
    """Return the container Slack reports for where the action happened."""
    if view is not None:
        return {"type": "view", "view_id": view.get("id")}
    ts = (message or {}).get("ts")
    return {"type": "message", "message_ts": ts, "channel_id": channel, "is_ephemeral": False}


def _channel_name(channel_id: str) -> str:
    """Return the channel_name Slack sends: "directmessage" for DMs."""
    return "directmessage" if channel_id.startswith("D") else channel_id.lower()


def _bot_response(status: int, body: bytes, headers: Message) -> BotResponse:
    """Decode the bot's answer."""
    return BotResponse(status, body.decode("utf-8", "replace"), dict(headers.items()))
