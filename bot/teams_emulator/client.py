"""Post activities to the bot's /api/messages the way Teams does, with Bot Connector tokens signed on loopback."""

from __future__ import annotations

import itertools
import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from bot.emulator import BotResponse
from bot.teams_emulator.connector import BotConnector, TeamsUser
from bot.teams_emulator.keys import TOKEN_LIFETIME_SECONDS, KeyServer, SigningKey

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
TIMEOUT_SECONDS = 10
BOT_NAME = "checkin-bot"
_SAME = object()  # "the activity's own serviceUrl" for the token's serviceurl claim


@dataclass(frozen=True)
class Mention:
    """An @mention as Teams writes it: `<at>Name</at>` in the text and a `mention` entity saying who it is.

    Use it in an f-string for the text, and pass it in `mentions=` for the entity.
    """

    text: str
    entity: dict[str, Any]

    def __str__(self) -> str:
        return self.text


class TeamsClient:
    """Play Teams' side: messages, invokes (dialogs) and installation updates, each with a signed token.

    Every method takes the token options of `send`, so a test can post the same activity unsigned,
    signed with another key, for another audience or for another service URL.
    """

    def __init__(self, messages_url: str, *, keys: KeyServer, connector: BotConnector,
                 now: Callable[[], float] = time.time) -> None:
        if urlsplit(messages_url).hostname not in LOOPBACK_HOSTS:
            raise ValueError(f"the Teams client only talks to loopback, not {messages_url}")
        self.messages_url = messages_url
        self.keys = keys
        self.connector = connector
        self._now = now
        self._counter = itertools.count(1)
        # No proxy handler: an http_proxy in the environment must never see loopback traffic.
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    @property
    def bot_account(self) -> dict[str, str]:
        return {"id": f"28:{self.connector.client_id}", "name": BOT_NAME}

    # ---- what people do --------------------------------------------------------------------

    def message(self, user: TeamsUser, text: str, *, mentions: Sequence[Mention] = (), **token: Any) -> BotResponse:
        """Send the bot a message in the 1:1 chat (typing it, or picking a command from the manifest's list).

        `mentions` are the people @mentioned in `text` (see `mention`): their entities go with the message.
        """
        activity = self.activity(user, "message", text=text, textFormat="plain")
        activity["entities"] = [*activity["entities"], *(m.entity for m in mentions)]
        return self.send(activity, **token)

    def mention(self, user: TeamsUser, *, with_aad_object_id: bool = False) -> Mention:
        """@mention `user` as Teams does: the mentioned account's id and name (Teams leaves out the object id,
        which some clients add: `with_aad_object_id`)."""
        text = f"<at>{user.name}</at>"
        mentioned: dict[str, Any] = {"id": user.id, "name": user.name}
        if with_aad_object_id:
            mentioned["aadObjectId"] = user.aad_object_id
        return Mention(text, {"type": "mention", "text": text, "mentioned": mentioned})

    def card_submit(self, user: TeamsUser, data: dict[str, Any], *, reply_to: str | None = None,
                    **token: Any) -> BotResponse:
        """Press an Action.Submit button on a card in the chat: a message activity carrying the card's data.

        `reply_to` is the id of the activity holding the card, which Teams sends as replyToId.
        """
        fields: dict[str, Any] = {"value": data}
        if reply_to is not None:
            fields["replyToId"] = reply_to
        return self.send(self.activity(user, "message", **fields), **token)

    def task_fetch(self, user: TeamsUser, data: dict[str, Any], **token: Any) -> BotResponse:
        """Press a card button whose data asks for a dialog (`msteams: {type: task/fetch}`)."""
        return self.send(self.invoke(user, "task/fetch", data), **token)

    def task_submit(self, user: TeamsUser, data: dict[str, Any], **token: Any) -> BotResponse:
        """Submit a dialog's Adaptive Card: its inputs merged into the submit action's data."""
        return self.send(self.invoke(user, "task/submit", data), **token)

    # ---- the message extension (composeExtension invokes) -----------------------------------

    def posted_message(self, author: TeamsUser | None, html: str, *, app_name: str | None = None) -> dict[str, Any]:
        """A chat message as Teams describes it to a message action (`messagePayload`): its author's Entra ID
        object id, its HTML body and its link. author=None: posted by an app (`app_name`), as bots' messages are."""
        number = next(self._counter)
        sender = {"user": {"id": author.aad_object_id, "displayName": author.name, "userIdentityType": "aadUser"}} \
            if author is not None else {"application": {"id": f"app-{number}", "displayName": app_name or "An app"}}
        now = datetime.fromtimestamp(self._now(), UTC).isoformat().replace("+00:00", "Z")
        message_id = f"{int(self._now() * 1000)}{number:04d}"
        return {
            "id": message_id,
            "messageType": "message",
            "createdDateTime": now,
            "importance": "normal",
            "locale": "en-us",
            "linkToMessage": f"https://teams.microsoft.com/l/message/19:chat-{number}@thread.v2/{message_id}",
            "from": sender,
            "body": {"contentType": "html", "content": html},
            "attachments": [],
            "mentions": [],
            "reactions": [],
        }

    def extension_fetch(self, user: TeamsUser, command_id: str, *, context: str = "compose",
                        message: dict[str, Any] | None = None, **token: Any) -> BotResponse:
        """Pick one of the message extension's action commands: `context` is where ("message" with the message's
        payload, "compose" or "commandbox"); Teams asks the bot for the dialog to show (composeExtension/fetchTask)."""
        value = self._extension_value(command_id, context, message)
        return self.send(self.activity(user, "invoke", name="composeExtension/fetchTask", value=value), **token)

    def extension_submit(self, user: TeamsUser, command_id: str, data: dict[str, Any], *, context: str = "compose",
                         message: dict[str, Any] | None = None, **token: Any) -> BotResponse:
        """Submit the dialog a command opened: its inputs merged into the submit action's data
        (composeExtension/submitAction)."""
        value = {**self._extension_value(command_id, context, message), "data": data}
        return self.send(self.activity(user, "invoke", name="composeExtension/submitAction", value=value), **token)

    @staticmethod
    def _extension_value(command_id: str, context: str, message: dict[str, Any] | None) -> dict[str, Any]:
        value: dict[str, Any] = {"commandId": command_id, "commandContext": context, "context": {"theme": "default"}}
        if message is not None:
            value["messagePayload"] = message
        return value

    def install(self, user: TeamsUser, *, upgrade: bool = False, **token: Any) -> BotResponse:
        """Add the app for a person (personal scope): an installationUpdate with action `add`.

        upgrade=True sends `add-upgrade`, what Teams sends to everyone who has the app when a new version of its
        package is published.
        """
        action = "add-upgrade" if upgrade else "add"
        return self.send(self.activity(user, "installationUpdate", action=action), **token)

    def uninstall(self, user: TeamsUser, *, upgrade: bool = False, **token: Any) -> BotResponse:
        """Remove the app for a person: action `remove`, or `remove-upgrade` (the old version going, on update)."""
        action = "remove-upgrade" if upgrade else "remove"
        return self.send(self.activity(user, "installationUpdate", action=action), **token)

    def bot_added(self, user: TeamsUser, **token: Any) -> BotResponse:
        """Send the conversationUpdate Teams sends beside the installationUpdate: the bot joined the 1:1 chat."""
        return self.send(self.activity(user, "conversationUpdate", membersAdded=[self.bot_account]), **token)

    # ---- activities ------------------------------------------------------------------------

    def activity(self, user: TeamsUser, kind: str, **fields: Any) -> dict[str, Any]:
        """Build an activity from `user` in their 1:1 chat with the bot, shaped like Teams'."""
        now = datetime.fromtimestamp(self._now(), UTC)
        return {
            "type": kind,
            "id": f"f:{next(self._counter):08d}",
            "timestamp": now.isoformat().replace("+00:00", "Z"),
            "localTimestamp": now.isoformat(),
            "serviceUrl": self.connector.service_url,
            "channelId": "msteams",
            "from": user.account(),
            "conversation": {"conversationType": "personal", "tenantId": user.tenant_id,
                             "id": user.personal_conversation_id},
            "recipient": self.bot_account,
            "locale": user.locale,
            "entities": [{"type": "clientInfo", "locale": user.locale, "platform": "Web", "country": "US"}],
            "channelData": {"tenant": {"id": user.tenant_id}},
            **fields,
        }

    def invoke(self, user: TeamsUser, name: str, data: dict[str, Any]) -> dict[str, Any]:
        return self.activity(user, "invoke", name=name, value={"data": data, "context": {"theme": "default"}})

    # ---- transport -------------------------------------------------------------------------

    def send(
        self,
        activity: dict[str, Any],
        *,
        signed: bool = True,
        key: SigningKey | None = None,
        audience: str | None = None,
        service_url_claim: Any = _SAME,
        lifetime: int | None = TOKEN_LIFETIME_SECONDS,
        authorization: str | None = None,
    ) -> BotResponse:
        """POST an activity with a Bot Connector token.

        signed=False sends no Authorization header; `key` signs with another key; `audience` and
        `service_url_claim` put other values in the token than Teams would; `lifetime` is how long it is valid
        (negative: expired; None: no `exp` claim at all); `authorization` sends a raw header.
        """
        if authorization is None and signed:
            claim = activity.get("serviceUrl") if service_url_claim is _SAME else service_url_claim
            token = self.keys.token(audience=audience or self.connector.client_id, service_url=claim, key=key,
                                    lifetime=lifetime)
            authorization = f"Bearer {token}"
        return self.send_raw(json.dumps(activity).encode(), authorization=authorization)

    def send_raw(self, body: bytes, *, authorization: str | None = None,
                 content_type: str = "application/json") -> BotResponse:
        headers = {"Content-Type": content_type, "User-Agent": "Microsoft-SkypeBotApi (Microsoft-BotFramework/3.0)"}
        if authorization is not None:
            headers["Authorization"] = authorization
        request = urllib.request.Request(self.messages_url, data=body, headers=headers, method="POST")
        try:
            with self._opener.open(request, timeout=TIMEOUT_SECONDS) as response:
                return BotResponse(response.status, response.read().decode("utf-8", "replace"), dict(response.headers))
        except urllib.error.HTTPError as error:
            with error:  # non-2xx answers are results to assert on
                return BotResponse(error.code, error.read().decode("utf-8", "replace"), dict(error.headers))
