"""The Bot Connector on loopback: the `/v3/conversations` API a Teams bot posts to, recording every activity."""

from __future__ import annotations

import itertools
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

import jwt

from bot.teams_emulator.keys import SigningKey
from bot.teams_emulator.loopback import LoopbackService, Reply, Request, json_reply

BOT_API_AUDIENCE = "https://api.botframework.com"  # the audience of the tokens bots get from Entra ID
SERVICE_PATH = "/teams"  # Teams' service URLs carry a path (…/amer/, …/teams/); ours does too
DEFAULT_TENANT_ID = "9a6f5e4d-0000-4000-8000-00000000c0de"

_ACTIVITIES = re.compile(r"^/v3/conversations/(?P<conversation>[^/]+)/activities(?:/(?P<activity>[^/]+))?$")
_SENDS = frozenset({"send", "reply", "update"})
_MEMBER = re.compile(r"^/v3/conversations/(?P<conversation>[^/]+)/members/(?P<member>[^/]+)$")
# What the Bot Connector answers when it refuses a bot's message (Teams' documented error codes).
REFUSALS = {
    403: ("ConversationBlockedByUser", "User blocked the conversation with the bot."),
    404: ("ConversationNotFound", "Conversation not found."),
    429: ("Throttled", "Too many requests."),
}


@dataclass(frozen=True)
class TeamsUser:
    """A person in the emulated tenant (or in another one that has the app too)."""

    aad_object_id: str
    name: str
    email: str | None
    locale: str
    tenant_id: str

    @property
    def id(self) -> str:
        """The user's id in the bot's conversations."""
        return f"29:{self.aad_object_id}"

    @property
    def personal_conversation_id(self) -> str:
        """The id of the bot's 1:1 chat with this user."""
        return f"a:personal-{self.aad_object_id}"

    def account(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "aadObjectId": self.aad_object_id}

    def member(self) -> dict[str, Any]:
        """Render the user as the conversation members API does."""
        given, _, surname = self.name.partition(" ")
        return {
            **self.account(),
            "givenName": given,
            "surname": surname or None,
            "email": self.email,
            "userPrincipalName": self.email,
            "tenantId": self.tenant_id,
            "userRole": "user",
        }


@dataclass(frozen=True)
class PostedActivity:
    """One call the bot made to the conversations API."""

    operation: str  # "send", "reply", "update", "create_conversation", "get_member" or "failed"
    conversation_id: str
    activity: dict[str, Any]
    status: int
    activity_id: str | None = None  # the activity replied to or updated

    @property
    def text(self) -> str:
        """Return the activity's text and every TextBlock of its Adaptive Cards, one per line."""
        return "\n".join([self.activity.get("text") or "", *_card_texts(self.activity)]).strip()

    @property
    def cards(self) -> list[dict[str, Any]]:
        return [a["content"] for a in self.activity.get("attachments") or []
                if a.get("contentType") == "application/vnd.microsoft.card.adaptive"]


@dataclass(frozen=True)
class _Failure:
    status: int
    retry_after: int
    sends_only: bool = False  # only the bot's messages fail; member look-ups and new chats still work


class BotConnector(LoopbackService):
    """smba.trafficmanager.net on loopback.

    Every call must carry a bot token from `bot_token` (what Entra ID would issue the app); the activities
    posted are recorded, 1:1 conversations are created on request, and members are looked up by id.
    """

    name = "teams-bot-connector"

    def __init__(self, *, client_id: str, tenant_id: str = DEFAULT_TENANT_ID,
                 now: Callable[[], float] = time.time) -> None:
        super().__init__()
        self.client_id = client_id
        self.tenant_id = tenant_id
        self._now = now
        self._token_key = SigningKey.generate()  # Entra ID's key: only the connector checks these tokens
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._users: dict[str, TeamsUser] = {}
        self._posted: list[PostedActivity] = []
        self._failures: list[_Failure] = []
        self._conversations: dict[str, list[str]] = {}  # conversation id -> member ids

    # ---- set-up ----------------------------------------------------------------------------

    @property
    def service_url(self) -> str:
        """The serviceUrl Teams puts in every activity it sends the bot."""
        return f"{self.base_url}{SERVICE_PATH}"

    def add_user(self, aad_object_id: str, *, name: str, email: str | None = None, locale: str = "en-US",
                 tenant_id: str | None = None) -> TeamsUser:
        """Add a person to the tenant, or replace the one with the same object id.

        `tenant_id` puts them in another organisation that installed the app too: their activities come through
        the same Bot Connector, with valid tokens, naming their own tenant.
        """
        user = TeamsUser(aad_object_id, name, email, locale, tenant_id or self.tenant_id)
        with self._lock:
            self._users[user.id] = user
            self._conversations.setdefault(user.personal_conversation_id, [user.id])
        return user

    def add_channel(self, conversation_id: str, members: list[TeamsUser]) -> None:
        """Add a channel or group chat the bot is in, with these members."""
        with self._lock:
            self._conversations[conversation_id] = [member.id for member in members]

    def user(self, aad_object_id: str) -> TeamsUser:
        with self._lock:
            return self._users[f"29:{aad_object_id}"]

    def bot_token(self, scope: str | None = None, tenant_id: str | None = None) -> str:
        """Issue the app token Entra ID would; the Teams SDK's `token` callable returns this in tests."""
        now = int(self._now())
        return self._token_key.sign({
            "iss": f"https://sts.windows.net/{tenant_id or self.tenant_id}/", "aud": BOT_API_AUDIENCE,
            "appid": self.client_id, "tid": tenant_id or self.tenant_id,
            "nbf": now - 5, "iat": now - 5, "exp": now + 3600,
        })

    def fail_next(self, *, status: int = 429, retry_after: int = 1, times: int = 1) -> None:
        """Answer the next `times` calls with an HTTP error (429 with Retry-After, or a 5xx)."""
        if status < 400:
            raise ValueError(f"an injected failure needs an error status, not {status}")
        with self._lock:
            self._failures.extend([_Failure(status, retry_after)] * times)

    def refuse_sends(self, *, status: int = 403, times: int = 1) -> None:
        """Refuse the bot's next `times` messages (send, reply, update) as the Bot Connector does.

        403: the person blocked the bot or removed the app; 404: the chat is gone; 429: the bot is throttled.
        Member look-ups still answer, so only what the bot says is lost.
        """
        if status not in REFUSALS:
            raise ValueError(f"the Bot Connector refuses messages with {sorted(REFUSALS)}, not {status}")
        with self._lock:
            self._failures.extend([_Failure(status, retry_after=1, sends_only=True)] * times)

    def reset(self) -> None:
        """Forget the recorded activities."""
        with self._lock:
            self._posted.clear()

    # ---- inspection ------------------------------------------------------------------------

    @property
    def posted(self) -> list[PostedActivity]:
        """Return every recorded call, oldest first."""
        with self._lock:
            return list(self._posted)

    def sent_to(self, conversation_id: str) -> list[PostedActivity]:
        """Return the activities the bot sent into one conversation, oldest first."""
        return [p for p in self.posted if p.conversation_id == conversation_id and p.operation in _SENDS
                and p.status < 300]

    # ---- HTTP ------------------------------------------------------------------------------

    def route(self, request: Request) -> Reply:
        path = unquote(urlsplit(request.path).path)
        if not path.startswith(SERVICE_PATH + "/"):
            return json_reply(404, _error("NotFound", "unknown service path"))
        path = path.removeprefix(SERVICE_PATH)
        if not self._authorised(request.headers.get("authorization", "")):
            return json_reply(401, _error("Unauthorized", "missing or invalid bot token"))
        sending = request.method in ("POST", "PUT") and _ACTIVITIES.match(path) is not None
        with self._lock:
            failure = self._failures[0] if self._failures else None
            if failure is not None and failure.sends_only and not sending:
                failure = None  # a refusal waits for the bot's next message
            if failure is not None:
                self._failures.pop(0)
        if failure is not None:
            headers = {"Retry-After": str(failure.retry_after)} if failure.status == 429 else {}
            self._record("failed", _conversation_in(path), request.json() or {}, failure.status)
            code, message = REFUSALS[failure.status] if failure.sends_only else ("ServiceError", "injected failure")
            return json_reply(failure.status, _error(code, message), headers)
        if request.method == "POST" and path == "/v3/conversations":
            return self._create_conversation(request.json())
        if request.method == "GET" and (member := _MEMBER.match(path)):
            return self._member(member["conversation"], member["member"])
        if request.method in ("POST", "PUT") and (target := _ACTIVITIES.match(path)):
            return self._activity(request.method, target["conversation"], target["activity"], request.json())
        return json_reply(404, _error("NotFound", f"{request.method} {path}"))

    def _authorised(self, authorization: str) -> bool:
        if not authorization.startswith("Bearer "):
            return False
        try:
            claims = jwt.decode(authorization.removeprefix("Bearer "), self._token_key.private_key.public_key(),
                                algorithms=["RS256"], audience=BOT_API_AUDIENCE)
        except jwt.InvalidTokenError:
            return False
        return claims.get("appid") == self.client_id

    def _create_conversation(self, body: Any) -> Reply:
        members = [m.get("id") for m in (body or {}).get("members") or [] if isinstance(m, dict)]
        with self._lock:
            users = [self._users.get(member) for member in members]
        if len(users) != 1 or users[0] is None or (body or {}).get("isGroup"):
            return json_reply(400, _error("BadArgument", "a 1:1 conversation needs exactly one known member"))
        conversation_id = users[0].personal_conversation_id
        self._record("create_conversation", conversation_id, body, 201)
        return json_reply(201, {"id": conversation_id, "serviceUrl": self.service_url})

    def _member(self, conversation_id: str, member_id: str) -> Reply:
        with self._lock:
            user = self._users.get(member_id)
            in_conversation = member_id in self._conversations.get(conversation_id, [])
        if user is None or not in_conversation:
            self._record("get_member", conversation_id, {"id": member_id}, 404)
            return json_reply(404, _error("MemberNotFoundInConversation", "no such member"))
        self._record("get_member", conversation_id, {"id": member_id}, 200)
        return json_reply(200, user.member())

    def _activity(self, method: str, conversation_id: str, activity_id: str | None, body: Any) -> Reply:
        if not isinstance(body, dict) or not body.get("type"):
            return json_reply(400, _error("BadSyntax", "an activity needs a type"))
        with self._lock:
            known = conversation_id in self._conversations
        if not known:
            return json_reply(404, _error("ConversationNotFound", "no such conversation"))
        operation = "update" if method == "PUT" else ("reply" if activity_id else "send")
        new_id = activity_id if method == "PUT" else f"1:{next(self._ids):06d}"
        self._record(operation, conversation_id, body, 200, activity_id)
        return json_reply(200, {"id": new_id})

    def _record(self, operation: str, conversation_id: str | None, activity: Any, status: int,
                activity_id: str | None = None) -> None:
        posted = PostedActivity(operation, conversation_id or "", activity if isinstance(activity, dict) else {},
                                status, activity_id)
        with self._lock:
            self._posted.append(posted)


def _conversation_in(path: str) -> str | None:
    match = _ACTIVITIES.match(path) or _MEMBER.match(path)
    return match["conversation"] if match else None


def _error(code: str, message: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message}}


def _card_texts(activity: dict[str, Any]) -> list[str]:
    texts: list[str] = []
    for attachment in activity.get("attachments") or []:
        texts.extend(card_texts(attachment.get("content") or {}))
    return texts


def card_texts(element: Any) -> list[str]:
    """Return every TextBlock's text in an Adaptive Card (or any part of one), in reading order."""
    if isinstance(element, list):
        return [text for item in element for text in card_texts(item)]
    if not isinstance(element, dict):
        return []
    texts = [element["text"]] if element.get("type") == "TextBlock" and element.get("text") else []
    for key in ("body", "items", "columns", "card", "content", "inlines"):
        texts.extend(card_texts(element.get(key)))
    return texts

