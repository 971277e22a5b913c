"""A local fake of the Slack Web API, driven through the real slack_sdk WebClient in tests and `dev`."""

from __future__ import annotations

import base64
import binascii
import hashlib
import itertools
import json
import math
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from email.message import Message
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self
from urllib.parse import parse_qsl, urlsplit
from zoneinfo import ZoneInfo

# Form fields slack_sdk sends as JSON strings; decoded so tests can assert on Python objects.
JSON_FIELDS = frozenset({"blocks", "view", "attachments", "files", "metadata"})

MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
MAX_MESSAGE_TEXT = 40_000
MAX_SECTION_TEXT = 3000
MAX_SECTION_FIELDS = 10
MAX_SECTION_FIELD_TEXT = 2000
MAX_HEADER_TEXT = 150
MAX_MODAL_TITLE = 24
MAX_ACTIONS_ELEMENTS = 25
MAX_CONTEXT_ELEMENTS = 10
MAX_BUTTON_TEXT = 75
MAX_OPTION_TEXT = 75
MAX_OPTION_VALUE = 150
MAX_OPTIONS = 100
MAX_INPUT_LABEL = 2000
MAX_VALUE = 2000
MAX_ID = 255
MAX_PRIVATE_METADATA = 3000
DEFAULT_HISTORY_LIMIT = 100
MAX_HISTORY_LIMIT = 999

# Message timestamps start here so they look like Slack's and sort in posting order.
FIRST_TS_SECONDS = 1_700_000_000

# serve_forever polls for shutdown this often; the 0.5 s default would make every stop() slow.
POLL_INTERVAL = 0.01


@dataclass(frozen=True)
class RecordedCall:
    """One request the emulator answered."""

    method: str
    params: dict[str, Any]
    status: int
    response: dict[str, Any]


@dataclass(frozen=True)
class UploadedFile:
    """A file uploaded through the getUploadURLExternal / upload / completeUploadExternal flow."""

    filename: str
    title: str
    content: bytes = b""
    channel_id: str | None = None
    initial_comment: str | None = None
    thread_ts: str | None = None
    completed: bool = False


@dataclass(frozen=True)
class _User:
    """A workspace member as configured by add_user."""

    id: str
    name: str
    real_name: str
    email: str | None
    tz: str
    locale: str
    is_bot: bool
    deleted: bool

    def to_json(self, team_id: str, *, include_locale: bool) -> dict[str, Any]:
        """Render the user the way users.info and users.list do."""
        local_now = datetime.now(ZoneInfo(self.tz))
        profile: dict[str, Any] = {"real_name": self.real_name, "display_name": self.name}
        if self.email is not None:
            profile["email"] = self.email
        user: dict[str, Any] = {
            "id": self.id,
            "team_id": team_id,
            "name": self.name,
            "real_name": self.real_name,
            "deleted": self.deleted,
            "is_bot": self.is_bot,
            "tz": self.tz,
            "tz_label": local_now.tzname(),
            "tz_offset": int((local_now.utcoffset() or timedelta()).total_seconds()),
            "profile": profile,
        }
        if include_locale:
            user["locale"] = self.locale
        return user


@dataclass(frozen=True)
class _Fault:
    """An injected fault for a method's next call: an HTTP error before or after performing it, or a late answer."""

    status: int
    retry_after: int = 1
    performed: bool = False  # the call takes effect (a message is stored) before the fault is answered
    delay: float = 0.0  # seconds to wait before answering, with the emulator's lock released

    def payload(self) -> dict[str, Any]:
        """Return the body Slack sends with this status."""
        return {"ok": False, "error": "ratelimited" if self.status == 429 else "fatal_error"}

    def headers(self) -> dict[str, str]:
        """Return the extra headers Slack sends with this status."""
        return {"Retry-After": str(self.retry_after)} if self.status == 429 else {}


@dataclass
class _RateLimit:
    """Slack's per-method rate limit: at most `per_second` calls performed in each window of one second."""

    per_second: int
    now: Callable[[], float]
    window_start: float = float("-inf")
    performed: int = 0

    def retry_after(self) -> int | None:
        """Count one call; return the seconds to wait when it is over the limit (then it is not performed)."""
        now = self.now()
        if now - self.window_start >= 1:
            self.window_start, self.performed = now, 0
        if self.performed >= self.per_second:
            return max(1, math.ceil(self.window_start + 1 - now))
        self.performed += 1
        return None


@dataclass(frozen=True)
class _Reply:
    """An HTTP answer ready to be written."""

    status: int
    body: bytes
    content_type: str
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # how long to wait before writing it, as a slow Slack would


class _ApiError(Exception):
    """A Slack `ok: false` answer."""

    def __init__(self, error: str, messages: list[str] | None = None) -> None:
        super().__init__(error)
        self.error = error
        self.messages = messages or []

    def payload(self) -> dict[str, Any]:
        """Return the JSON Slack answers for this error."""
        payload: dict[str, Any] = {"ok": False, "error": self.error}
        if self.messages:
            payload["response_metadata"] = {"messages": [f"[ERROR] {m}" for m in self.messages]}
        return payload


class _Server(ThreadingHTTPServer):
    """A threading HTTP server that hands every request to one routing function."""

    # Many senders connect at once in a fan-out; the default backlog of 5 would reset their connections.
    request_queue_size = 128

    def __init__(self, route: Callable[[str, Message, bytes], _Reply]) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.route = route


class _Handler(BaseHTTPRequestHandler):
    """Pass each request to the emulator and write its reply."""

    server: _Server

    def do_POST(self) -> None:
        """Answer a request through the emulator's router."""
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        reply = self.server.route(self.path, self.headers, body)
        if reply.delay:
            threading.Event().wait(reply.delay)  # performed already; the lock is released (and faketime-safe)
        try:
            self.send_response(reply.status)
            self.send_header("Content-Type", reply.content_type)
            self.send_header("Content-Length", str(len(reply.body)))
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(reply.body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client stopped waiting for a late answer, as it would with Slack

    do_GET = do_POST

    def log_message(self, format: str, *args: Any) -> None:
        """Keep test and `dev` output free of access logs."""


class SlackEmulator:
    """A fake Slack Web API on a loopback port, recording every call made to it."""

    def __init__(
        self,
        token: str,
        *,
        team_id: str = "T0001",
        bot_user_id: str = "UBOT0001",
        bot_id: str = "B0001",
        app_id: str = "A0001",
        users_page_size: int = 200,
    ) -> None:
        self.token = token
        self.team_id = team_id
        self.bot_user_id = bot_user_id
        self.bot_id = bot_id
        self.app_id = app_id
        self.users_page_size = users_page_size
        # One lock serialises every request: simple, and fast enough for tests.
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._users: dict[str, _User] = {}
        self._calls: list[RecordedCall] = []
        self._faults: dict[str, list[_Fault]] = {}
        self._rate_limits: dict[str, _RateLimit] = {}
        self._latency = 0.0  # seconds before every Web API answer, with the lock released (a distant Slack)
        self._messages: dict[str, dict[str, Any]] = {}
        self._views: dict[str, dict[str, Any]] = {}
        self._home_views: dict[str, dict[str, Any]] = {}
        self._files: dict[str, UploadedFile] = {}
        self._hooks: set[str] = set()
        self._methods: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
            "auth.test": self._auth_test,
            "users.info": self._users_info,
            "users.list": self._users_list,
            "users.lookupByEmail": self._users_lookup_by_email,
            "conversations.open": self._conversations_open,
            "conversations.history": self._conversations_history,
            "chat.postMessage": self._chat_post_message,
            "chat.postEphemeral": self._chat_post_ephemeral,
            "chat.update": self._chat_update,
            "chat.getPermalink": self._chat_get_permalink,
            "views.open": self._views_open,
            # Slack treats push like open, except the view lands on the modal stack.
            "views.push": self._views_open,
            "views.update": self._views_update,
            "views.publish": self._views_publish,
            "files.getUploadURLExternal": self._files_get_upload_url_external,
            "files.completeUploadExternal": self._files_complete_upload_external,
        }

    # ---- lifecycle -------------------------------------------------------------------------

    def start(self) -> Self:
        """Start serving on a free loopback port in a daemon thread."""
        if self._server is not None:
            raise RuntimeError("the Slack emulator is already running")
        self._server = _Server(self._route)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": POLL_INTERVAL},
            name="slack-emulator",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and free the port; safe to call twice."""
        server, thread = self._server, self._thread
        self._server, self._thread = None, None
        if server is not None:
            server.shutdown()
            server.server_close()
        if thread is not None:
            thread.join()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        """Return http://127.0.0.1:PORT of the running emulator."""
        if self._server is None:
            raise RuntimeError("start the Slack emulator first")
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def api_url(self) -> str:
        """Return the base_url to give slack_sdk.WebClient."""
        return f"{self.base_url}/api/"

    # ---- test set-up -----------------------------------------------------------------------

    def add_user(
        self,
        user_id: str,
        *,
        name: str,
        real_name: str | None = None,
        email: str | None = None,
        tz: str = "UTC",
        locale: str = "en-US",
        is_bot: bool = False,
        deleted: bool = False,
    ) -> None:
        """Add a workspace member, or replace the one with the same id."""
        ZoneInfo(tz)  # fail here, not on the first users.info, when the zone is misspelt
        user = _User(user_id, name, real_name or name, email, tz, locale, is_bot, deleted)
        with self._lock:
            self._users[user_id] = user

    def fail_next(self, method: str, *, status: int = 429, retry_after: int = 1, times: int = 1) -> None:
        """Answer the next `times` calls to `method` with an HTTP error before any other check, performing nothing."""
        if status < 400:
            raise ValueError(f"an injected failure needs an error status, not {status}")
        self._add_faults(method, _Fault(status, retry_after), times)

    def fail_after_performing(self, method: str, *, status: int = 500, times: int = 1) -> None:
        """Perform the next `times` calls to `method` (a message is stored), then answer an HTTP error anyway."""
        if status < 500:
            raise ValueError(f"a call performed then failed needs a server error status, not {status}")
        self._add_faults(method, _Fault(status, performed=True), times)

    def answer_late(self, method: str, *, seconds: float, times: int = 1) -> None:
        """Perform the next `times` calls to `method` at once, but answer each only after `seconds`."""
        if seconds <= 0:
            raise ValueError(f"a late answer needs a positive delay, not {seconds}")
        self._add_faults(method, _Fault(200, performed=True, delay=seconds), times)

    def answer_every_call_after(self, seconds: float) -> None:
        """Answer every Web API call `seconds` after performing it, as Slack does from afar (0: at once).

        The wait happens outside the emulator's lock, so concurrent senders overlap as they would with Slack.
        """
        if seconds < 0:
            raise ValueError(f"a latency cannot be negative, not {seconds}")
        with self._lock:
            self._latency = seconds

    def rate_limit(self, method: str, *, per_second: int, now: Callable[[], float] = time.monotonic) -> None:
        """Perform at most `per_second` calls to `method` a second; answer the rest 429 with Retry-After.

        `now` is the server's clock in seconds; a test may pass one that moves when the client waits.
        """
        if per_second < 1:
            raise ValueError(f"a rate limit needs at least one call a second, not {per_second}")
        with self._lock:
            self._rate_limits[method] = _RateLimit(per_second, now)

    def _add_faults(self, method: str, fault: _Fault, times: int) -> None:
        """Queue faults for a method; they are used up in the order they were asked for, whatever their kind."""
        with self._lock:
            self._faults.setdefault(method, []).extend([fault] * times)

    def new_response_url(self) -> str:
        """Issue a response_url whose POSTs are recorded as method "response_url"."""
        hook_id = secrets.token_urlsafe(12)
        with self._lock:
            self._hooks.add(hook_id)
        return f"{self.base_url}/response/{hook_id}"

    @staticmethod
    def dm_channel_id(user_id: str) -> str:
        """Return the id of the bot's DM channel with a user."""
        return f"D{user_id}"

    def reset_calls(self) -> None:
        """Forget the recorded calls."""
        with self._lock:
            self._calls.clear()

    def post_as_user(self, user_id: str, channel: str, text: str) -> dict[str, Any]:
        """Record a message a member wrote in a channel, as Slack holds it (with its "channel"): something to point
        a message shortcut at. The bot's own messages are in `messages` already."""
        with self._lock:
            self._user(user_id)
            ts = self._next_ts()
            message = {"type": "message", "text": text, "user": user_id, "team": self.team_id, "ts": ts,
                       "channel": channel}
            self._messages[ts] = message
            return dict(message)

    # ---- inspection ------------------------------------------------------------------------

    @property
    def calls(self) -> list[RecordedCall]:
        """Return every recorded call, oldest first."""
        with self._lock:
            return list(self._calls)

    def calls_to(self, method: str) -> list[RecordedCall]:
        """Return the recorded calls to one method, oldest first."""
        return [call for call in self.calls if call.method == method]

    @property
    def users(self) -> dict[str, dict[str, Any]]:
        """Return user_id -> the user as users.info renders it."""
        with self._lock:
            return {uid: u.to_json(self.team_id, include_locale=True) for uid, u in self._users.items()}

    @property
    def messages(self) -> list[dict[str, Any]]:
        """Return every posted message as it now reads, with its "channel", oldest first."""
        with self._lock:
            return list(self._messages.values())

    @property
    def views(self) -> dict[str, dict[str, Any]]:
        """Return view_id -> latest view from open, push, update or publish."""
        with self._lock:
            return dict(self._views)

    @property
    def home_views(self) -> dict[str, dict[str, Any]]:
        """Return user_id -> the last home tab published for them."""
        with self._lock:
            return dict(self._home_views)

    @property
    def uploaded_files(self) -> dict[str, UploadedFile]:
        """Return file_id -> what was uploaded and how it was shared."""
        with self._lock:
            return dict(self._files)

    # ---- HTTP routing ----------------------------------------------------------------------

    def _route(self, path: str, headers: Message, body: bytes) -> _Reply:
        """Send a request to the Web API, an upload URL or a response_url."""
        url = urlsplit(path)
        kind, _, name = url.path.lstrip("/").partition("/")
        if kind == "api":
            return self._api_call(name, url.query, headers, body)
        if kind == "upload":
            return self._upload(name, headers, body)
        if kind == "response":
            return self._response_url(name, f"{self.base_url}{url.path}", headers, body)
        return _text_reply(404, "not_found")

    def _api_call(self, method: str, query: str, headers: Message, body: bytes) -> _Reply:
        """Answer and record one Web API call."""
        params, parse_error = _parse_params(query, headers.get("Content-Type") or "", body)
        with self._lock:
            fault = self._take_fault(method) or self._rate_limited(method)
            status, payload, extra = _faulted(
                fault, lambda: (200, self._answer(method, params, headers.get("Authorization"), parse_error))
            )
            self._calls.append(RecordedCall(method, params, status, payload))
            delay = fault.delay if fault and fault.delay else self._latency
        return replace(_json_reply(status, payload, extra), delay=delay)

    def _answer(
        self, method: str, params: dict[str, Any], authorization: str | None, parse_error: str | None
    ) -> dict[str, Any]:
        """Run a Web API method, turning its refusals into Slack's ok:false answers."""
        handler = self._methods.get(method)
        try:
            if handler is None:
                raise _ApiError("unknown_method")
            if parse_error is not None:
                raise _ApiError(parse_error)
            self._check_auth(authorization)
            return handler(params)
        except _ApiError as error:
            return error.payload()

    def _check_auth(self, authorization: str | None) -> None:
        """Refuse calls without the configured bot token."""
        if not authorization:
            raise _ApiError("not_authed")
        if authorization != f"Bearer {self.token}":
            raise _ApiError("invalid_auth")

    def _take_fault(self, method: str) -> _Fault | None:
        """Pop the next injected fault for a method, if any."""
        pending = self._faults.get(method)
        return pending.pop(0) if pending else None

    def _rate_limited(self, method: str) -> _Fault | None:
        """Count a call against the method's rate limit; a 429 to answer when it is used up this second."""
        limit = self._rate_limits.get(method)
        retry_after = None if limit is None else limit.retry_after()
        return None if retry_after is None else _Fault(429, retry_after)

    def _upload(self, file_id: str, headers: Message, body: bytes) -> _Reply:
        """Store the bytes POSTed to an upload URL."""
        content = _upload_content(headers.get("Content-Type") or "", body)
        with self._lock:
            upload = self._files.get(file_id)
            if upload is None:
                return _text_reply(404, "file_not_found")
            self._files[file_id] = replace(upload, content=content)
        return _text_reply(200, f"OK - {len(content)}")

    def _response_url(self, hook_id: str, url: str, headers: Message, body: bytes) -> _Reply:
        """Record a POST to a response_url and answer like Slack's webhook endpoint."""
        params, parse_error = _parse_params("", headers.get("Content-Type") or "", body)
        with self._lock:
            fault = self._take_fault("response_url")
            status, payload, extra = _faulted(fault, lambda: self._hook_answer(hook_id, params, parse_error))
            self._calls.append(RecordedCall("response_url", {**params, "url": url}, status, payload))
        reply = _text_reply(status, "ok" if payload["ok"] else payload["error"], extra)
        return replace(reply, delay=fault.delay if fault else 0.0)

    def _hook_answer(self, hook_id: str, params: dict[str, Any], parse_error: str | None) -> tuple[int, dict[str, Any]]:
        """Return the status and outcome Slack gives a response_url POST."""
        if hook_id not in self._hooks:
            return 404, {"ok": False, "error": "expired_url"}
        if parse_error is not None:
            return 400, {"ok": False, "error": "invalid_payload"}
        if not any(params.get(key) for key in ("text", "blocks", "attachments", "delete_original")):
            return 400, {"ok": False, "error": "no_text"}
        return 200, {"ok": True}

    # ---- auth and users --------------------------------------------------------------------

    def _auth_test(self, params: dict[str, Any]) -> dict[str, Any]:
        """Describe the bot token."""
        return {
            "ok": True,
            "url": "https://emulated.slack.com/",
            "team": "Emulated Workspace",
            "team_id": self.team_id,
            "user": "checkin-bot",
            "user_id": self.bot_user_id,
            "bot_id": self.bot_id,
            "is_enterprise_install": False,
        }

    def _user(self, user_id: str) -> _User:
        """Return a member or refuse with user_not_found."""
        user = self._users.get(user_id)
        if user is None:
            raise _ApiError("user_not_found")
        return user

    def _users_info(self, params: dict[str, Any]) -> dict[str, Any]:
        """Return one member, with locale only when asked for."""
        user = self._user(_str(params, "user"))
        include_locale = _truthy(params.get("include_locale"))
        return {"ok": True, "user": user.to_json(self.team_id, include_locale=include_locale)}

    def _users_list(self, params: dict[str, Any]) -> dict[str, Any]:
        """Return one page of members, deleted users and bots included, as Slack does."""
        start = _cursor_offset(_str(params, "cursor"))
        size = min(_int(params.get("limit")) or self.users_page_size, self.users_page_size)
        users = list(self._users.values())
        end = start + size
        return {
            "ok": True,
            "members": [user.to_json(self.team_id, include_locale=True) for user in users[start:end]],
            "cache_ts": int(time.time()),
            "response_metadata": {"next_cursor": _encode_cursor("user", str(end)) if end < len(users) else ""},
        }

    def _users_lookup_by_email(self, params: dict[str, Any]) -> dict[str, Any]:
        """Find a member by email, case-insensitively like Slack."""
        email = _str(params, "email").lower()
        for user in self._users.values():
            if user.email is not None and user.email.lower() == email:
                return {"ok": True, "user": user.to_json(self.team_id, include_locale=False)}
        raise _ApiError("users_not_found")

    def _conversations_open(self, params: dict[str, Any]) -> dict[str, Any]:
        """Open a DM (one user) or group DM (several) with deterministic ids."""
        user_ids = [uid.strip() for uid in _str(params, "users").split(",") if uid.strip()]
        if not user_ids:
            raise _ApiError("users_list_not_supplied")
        for user_id in user_ids:
            self._user(user_id)
        if len(user_ids) == 1:
            return {"ok": True, "channel": {"id": self.dm_channel_id(user_ids[0])}}
        digest = hashlib.sha1(",".join(sorted(user_ids)).encode()).hexdigest()[:10].upper()
        return {"ok": True, "channel": {"id": f"G{digest}"}}

    def _conversations_history(self, params: dict[str, Any]) -> dict[str, Any]:
        """Return one page of a channel's messages, newest first, filtered and paginated like Slack."""
        channel = self._known_channel(_str(params, "channel"))
        window = _HistoryWindow.from_params(params)
        messages = [message for message in self._top_level_messages(channel) if window.admits(message["ts"])]
        limit = min(max(_int(params.get("limit")) or DEFAULT_HISTORY_LIMIT, 1), MAX_HISTORY_LIMIT)
        page, rest = messages[:limit], messages[limit:]
        with_metadata = _truthy(params.get("include_all_metadata"))
        return {
            "ok": True,
            "messages": [_history_message(message, with_metadata=with_metadata) for message in page],
            "has_more": bool(rest),
            # Like Slack's, the cursor names the ts the next page starts at, so new posts shift nothing.
            "response_metadata": {"next_cursor": _encode_cursor("next_ts", rest[0]["ts"]) if rest else ""},
        }

    def _known_channel(self, channel: str) -> str:
        """Return a channel the bot posted in or its DM with a member; refuse any other like Slack."""
        is_dm = channel in {self.dm_channel_id(user_id) for user_id in self._users}
        if is_dm or any(message["channel"] == channel for message in self._messages.values()):
            return channel
        raise _ApiError("channel_not_found")

    def _top_level_messages(self, channel: str) -> list[dict[str, Any]]:
        """Return a channel's messages outside threads, thread parents included, newest first."""
        found = [
            message
            for message in self._messages.values()
            if message["channel"] == channel and message.get("thread_ts", message["ts"]) == message["ts"]
        ]
        return sorted(found, key=lambda message: Decimal(message["ts"]), reverse=True)

    # ---- messages --------------------------------------------------------------------------

    def _chat_post_message(self, params: dict[str, Any]) -> dict[str, Any]:
        """Post a message, enforcing Slack's content limits."""
        channel = self._channel(params)
        _check_message_content(params)
        ts = self._next_ts()
        message = self._message(params, ts)
        self._messages[ts] = {**message, "channel": channel}
        return {"ok": True, "channel": channel, "ts": ts, "message": message}

    def _chat_post_ephemeral(self, params: dict[str, Any]) -> dict[str, Any]:
        """Accept an ephemeral message; like Slack, it cannot be updated later."""
        self._channel(params)
        self._user(_str(params, "user"))
        _check_message_content(params)
        return {"ok": True, "message_ts": self._next_ts()}

    def _chat_update(self, params: dict[str, Any]) -> dict[str, Any]:
        """Edit a posted message; fields left out keep their old value, as in Slack."""
        channel, ts = _str(params, "channel"), _str(params, "ts")
        old = self._messages.get(ts)
        if old is None or old["channel"] != channel:
            raise _ApiError("message_not_found")
        _check_message_content(params)
        edited = {key: params[key] for key in ("text", "blocks", "attachments", "metadata") if key in params}
        message = {**old, **edited, "edited": {"user": self.bot_user_id, "ts": self._next_ts()}}
        self._messages[ts] = message
        public = {key: value for key, value in message.items() if key != "channel"}
        return {"ok": True, "channel": channel, "ts": ts, "text": message.get("text", ""), "message": public}

    def _chat_get_permalink(self, params: dict[str, Any]) -> dict[str, Any]:
        """Return a message's permanent link; like Slack, only for a message it holds."""
        channel, ts = _str(params, "channel"), _str(params, "message_ts")
        message = self._messages.get(ts)
        if not channel or message is None or message["channel"] != channel:
            raise _ApiError("message_not_found")
        return {"ok": True, "channel": channel,
                "permalink": f"https://emulated.slack.com/archives/{channel}/p{ts.replace('.', '')}"}

    def _channel(self, params: dict[str, Any]) -> str:
        """Resolve the target channel; a user id means the bot's DM with that user, as in Slack."""
        channel = _str(params, "channel")
        if not channel:
            raise _ApiError("channel_not_found")
        return self.dm_channel_id(channel) if channel in self._users else channel

    def _message(self, params: dict[str, Any], ts: str) -> dict[str, Any]:
        """Build the message object Slack echoes back."""
        message: dict[str, Any] = {
            "type": "message",
            "text": _str(params, "text"),
            "user": self.bot_user_id,
            "bot_id": self.bot_id,
            "team": self.team_id,
            "ts": ts,
        }
        for key in ("blocks", "attachments", "thread_ts", "metadata"):
            if key in params:
                message[key] = params[key]
        return message

    def _next_ts(self) -> str:
        """Return a unique, increasing Slack-style message timestamp."""
        micros = next(self._ids) * 100
        return f"{FIRST_TS_SECONDS + micros // 1_000_000}.{micros % 1_000_000:06d}"

    # ---- views -----------------------------------------------------------------------------

    def _views_open(self, params: dict[str, Any]) -> dict[str, Any]:
        """Open (or push) a modal."""
        if not _str(params, "trigger_id").strip():
            raise _ApiError("invalid_trigger_id")
        return {"ok": True, "view": self._save_view(_valid_view(params, {"modal"}))}

    def _views_update(self, params: dict[str, Any]) -> dict[str, Any]:
        """Replace an open view found by view_id or external_id."""
        current = self._find_view(params)
        _check_hash(current, params)
        view = _valid_view(params, {current["type"]})
        return {"ok": True, "view": self._save_view(view, replacing=current)}

    def _views_publish(self, params: dict[str, Any]) -> dict[str, Any]:
        """Publish a user's home tab, keeping its view id across publishes."""
        user_id = _str(params, "user_id")
        self._user(user_id)
        current = self._home_views.get(user_id)
        if current is not None:
            _check_hash(current, params)
        view = self._save_view(_valid_view(params, {"home"}), replacing=current)
        self._home_views[user_id] = view
        return {"ok": True, "view": view}

    def _find_view(self, params: dict[str, Any]) -> dict[str, Any]:
        """Return the view named by view_id or external_id, or refuse with not_found."""
        view_id, external_id = _str(params, "view_id"), _str(params, "external_id")
        for view in self._views.values():
            if (view_id and view["id"] == view_id) or (external_id and view["external_id"] == external_id):
                return view
        raise _ApiError("not_found")

    def _save_view(self, view: dict[str, Any], replacing: dict[str, Any] | None = None) -> dict[str, Any]:
        """Store a view with the fields Slack adds, under a new or the replaced view's id."""
        view_id = replacing["id"] if replacing else f"V{next(self._ids):010d}"
        saved = {
            "private_metadata": "",
            "callback_id": "",
            "external_id": "",
            **view,
            "id": view_id,
            "team_id": self.team_id,
            "app_id": self.app_id,
            "bot_id": self.bot_id,
            "state": {"values": {}},
            "hash": secrets.token_hex(8),
            "root_view_id": replacing["root_view_id"] if replacing else view_id,
        }
        self._views[view_id] = saved
        return saved

    # ---- files -----------------------------------------------------------------------------

    def _files_get_upload_url_external(self, params: dict[str, Any]) -> dict[str, Any]:
        """Reserve a file id and hand out its loopback upload URL."""
        filename, length = _str(params, "filename"), _int(params.get("length"))
        if not filename or length is None:
            raise _ApiError("invalid_arguments", ["filename and length are required"])
        file_id = f"F{next(self._ids):010d}"
        self._files[file_id] = UploadedFile(filename=filename, title=filename)
        return {"ok": True, "upload_url": f"{self.base_url}/upload/{file_id}", "file_id": file_id}

    def _files_complete_upload_external(self, params: dict[str, Any]) -> dict[str, Any]:
        """Finish uploads and share them where asked."""
        files = params.get("files")
        if not isinstance(files, list) or not files or not all(isinstance(f, dict) for f in files):
            raise _ApiError("invalid_arguments", ["files must be a non-empty array of objects"])
        if any(f.get("id") not in self._files for f in files):
            raise _ApiError("file_not_found")
        shared = []
        for item in files:
            upload = self._files[item["id"]]
            upload = replace(
                upload,
                title=item.get("title") or upload.filename,
                channel_id=params.get("channel_id") or None,
                initial_comment=params.get("initial_comment") or None,
                thread_ts=params.get("thread_ts") or None,
                completed=True,
            )
            self._files[item["id"]] = upload
            shared.append({"id": item["id"], "title": upload.title, "name": upload.filename})
        return {"ok": True, "files": shared}


# ---- injected faults -------------------------------------------------------------------------


def _faulted(
    fault: _Fault | None, perform: Callable[[], tuple[int, dict[str, Any]]]
) -> tuple[int, dict[str, Any], dict[str, str]]:
    """Answer a call as its fault says: refused unperformed, performed then failed, or performed (maybe late)."""
    if fault is not None and not fault.performed:
        return fault.status, fault.payload(), fault.headers()
    status, payload = perform()
    if fault is not None and fault.status != 200:
        return fault.status, fault.payload(), fault.headers()
    return status, payload, {}


# ---- request parsing -------------------------------------------------------------------------


def _parse_params(query: str, content_type: str, body: bytes) -> tuple[dict[str, Any], str | None]:
    """Merge query string and body params; return them with Slack's parse error, if any."""
    params: dict[str, Any] = dict(parse_qsl(query, keep_blank_values=True))
    if content_type.split(";")[0].strip().lower() == "application/json":
        try:
            decoded = json.loads(body or b"{}")
        except ValueError:
            return params, "invalid_json"
        if not isinstance(decoded, dict):
            return params, "invalid_json"
        params.update(decoded)
    else:
        params.update(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
    return {key: _decode_json_field(key, value) for key, value in params.items()}, None


def _decode_json_field(key: str, value: Any) -> Any:
    """Decode a JSON-string form field; leave anything else (or bad JSON, for the limits to refuse)."""
    if key not in JSON_FIELDS or not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


def _upload_content(content_type: str, body: bytes) -> bytes:
    """Return the uploaded bytes from a raw body or a multipart "file" part."""
    if not content_type.lower().startswith("multipart/form-data"):
        return body
    head = f"Content-Type: {content_type}\r\n\r\n".encode()
    form = BytesParser(policy=HTTP).parsebytes(head + body)
    for part in form.iter_parts():
        if part.get_filename() or part.get_param("name", header="content-disposition") == "file":
            return part.get_payload(decode=True) or b""
    return b""


def _str(params: dict[str, Any], key: str) -> str:
    """Return a param as a string, "" when absent."""
    value = params.get(key)
    return "" if value is None else str(value)


def _int(value: Any) -> int | None:
    """Return a numeric param as int, None when absent."""
    if value is None or value == "":
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise _ApiError("invalid_arguments", [f"{value!r} is not a number"]) from None


def _truthy(value: Any) -> bool:
    """Read a boolean flag sent as JSON or as slack_sdk's form "1"."""
    return value is True or value in ("1", "true", 1)


def _encode_cursor(kind: str, value: str) -> str:
    """Make an opaque cursor, shaped like Slack's base64 ones ("next_ts:1700000000.000100")."""
    return base64.b64encode(f"{kind}:{value}".encode()).decode()


def _decode_cursor(cursor: str, kind: str) -> str:
    """Read the value of a cursor of one kind; "" is the first page."""
    if not cursor:
        return ""
    try:
        prefix, _, value = base64.b64decode(cursor, validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        raise _ApiError("invalid_cursor") from None
    if prefix != kind or not value:
        raise _ApiError("invalid_cursor")
    return value


def _cursor_offset(cursor: str) -> int:
    """Read a users.list cursor: how many members earlier pages held."""
    offset = _decode_cursor(cursor, "user") or "0"
    if not offset.isdigit():
        raise _ApiError("invalid_cursor")
    return int(offset)


def _ts(raw: str, error: str) -> Decimal:
    """Read a Slack timestamp such as "1700000000.000100"; refuse anything else with `error`."""
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise _ApiError(error) from None
    if not value.is_finite():
        raise _ApiError(error)
    return value


def _optional_ts(raw: str, error: str) -> Decimal | None:
    """Read a timestamp param or cursor value; None when absent."""
    return _ts(raw, error) if raw else None


def _check_hash(current: dict[str, Any], params: dict[str, Any]) -> None:
    """Refuse an update based on a stale view, as Slack does when a hash is given."""
    given = _str(params, "hash")
    if given and given != current["hash"]:
        raise _ApiError("hash_conflict")


@dataclass(frozen=True)
class _HistoryWindow:
    """The message timestamps one conversations.history call asks for."""

    oldest: Decimal | None
    latest: Decimal | None
    inclusive: bool
    next_ts: Decimal | None  # where the page the cursor asks for starts

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> _HistoryWindow:
        """Read oldest, latest, inclusive and cursor, refusing bad values with Slack's errors."""
        return cls(
            oldest=_optional_ts(_str(params, "oldest"), "invalid_ts_oldest"),
            latest=_optional_ts(_str(params, "latest"), "invalid_ts_latest"),
            inclusive=_truthy(params.get("inclusive")),
            next_ts=_optional_ts(_decode_cursor(_str(params, "cursor"), "next_ts"), "invalid_cursor"),
        )

    def admits(self, ts: str) -> bool:
        """Answer whether a message ts lies inside the bounds (exclusive unless inclusive) and this page."""
        value = Decimal(ts)
        after_oldest = self.oldest is None or value > self.oldest or (self.inclusive and value == self.oldest)
        before_latest = self.latest is None or value < self.latest or (self.inclusive and value == self.latest)
        return after_oldest and before_latest and (self.next_ts is None or value <= self.next_ts)


def _history_message(message: dict[str, Any], *, with_metadata: bool) -> dict[str, Any]:
    """Render a stored message as conversations.history lists it; metadata only when asked for."""
    hidden = {"channel"} if with_metadata else {"channel", "metadata"}
    return {key: value for key, value in message.items() if key not in hidden}


# ---- replies ---------------------------------------------------------------------------------


def _json_reply(status: int, payload: dict[str, Any], headers: dict[str, str]) -> _Reply:
    """Build a JSON reply."""
    return _Reply(status, json.dumps(payload).encode(), "application/json; charset=utf-8", headers)


def _text_reply(status: int, text: str, headers: dict[str, str] | None = None) -> _Reply:
    """Build a plain-text reply."""
    return _Reply(status, text.encode(), "text/plain; charset=utf-8", headers or {})


# ---- Slack's content limits ------------------------------------------------------------------


def _check_message_content(params: dict[str, Any]) -> None:
    """Refuse message content Slack would refuse."""
    if not any(params.get(key) for key in ("text", "blocks", "attachments")):
        raise _ApiError("no_text")
    if len(_str(params, "text")) > MAX_MESSAGE_TEXT:
        raise _ApiError("msg_too_long")
    if "metadata" in params:
        _check_metadata(params["metadata"])
    if "blocks" in params:
        problems = _block_problems(params["blocks"], "/blocks", MAX_MESSAGE_BLOCKS)
        if problems:
            raise _ApiError("invalid_blocks", problems)


def _check_metadata(metadata: Any) -> None:
    """Refuse message metadata that is not {"event_type": name, "event_payload": object}, as Slack does."""
    if not isinstance(metadata, dict):
        raise _ApiError("invalid_metadata_format")
    event_type, payload = metadata.get("event_type"), metadata.get("event_payload")
    if not isinstance(event_type, str) or not event_type or not isinstance(payload, dict):
        raise _ApiError("invalid_metadata_schema")


def _valid_view(params: dict[str, Any], types: set[str]) -> dict[str, Any]:
    """Return the view param, or refuse it with Slack's invalid_arguments."""
    view = params.get("view")
    if not isinstance(view, dict):
        raise _ApiError("invalid_arguments", ["must provide an object [json-pointer:/view]"])
    problems = _view_problems(view, types)
    if problems:
        raise _ApiError("invalid_arguments", problems)
    return view


def _view_problems(view: dict[str, Any], types: set[str]) -> list[str]:
    """List what Slack would refuse in a modal or home view."""
    problems = []
    if view.get("type") not in types:
        problems.append(f"must be one of {sorted(types)} [json-pointer:/view/type]")
    problems += _block_problems(view.get("blocks"), "/view/blocks", MAX_VIEW_BLOCKS)
    problems += _length(view.get("private_metadata"), MAX_PRIVATE_METADATA, "/view/private_metadata")
    problems += _length(view.get("callback_id"), MAX_ID, "/view/callback_id")
    if view.get("type") == "modal":
        problems += _modal_problems(view)
    return problems


def _modal_problems(view: dict[str, Any]) -> list[str]:
    """List what Slack would refuse in a modal's title and buttons."""
    problems = [] if "title" in view else ["missing required field: title [json-pointer:/view/title]"]
    for key in ("title", "submit", "close"):
        problems += _length(view.get(key), MAX_MODAL_TITLE, f"/view/{key}")
    blocks = view.get("blocks") if isinstance(view.get("blocks"), list) else []
    has_inputs = any(isinstance(b, dict) and b.get("type") == "input" for b in blocks)
    if has_inputs and "submit" not in view:
        problems.append("missing required field: submit [json-pointer:/view/submit]")
    return problems


def _block_problems(blocks: Any, pointer: str, max_blocks: int) -> list[str]:
    """List what Slack would refuse in a block list."""
    if not isinstance(blocks, list):
        return [f"must be an array [json-pointer:{pointer}]"]
    problems = _count(blocks, max_blocks, pointer)
    seen_ids: set[str] = set()
    for index, block in enumerate(blocks):
        here = f"{pointer}/{index}"
        if not isinstance(block, dict) or not isinstance(block.get("type"), str):
            problems.append(f"missing required field: type [json-pointer:{here}]")
            continue
        block_id = block.get("block_id")
        if block_id is not None and block_id in seen_ids:
            problems.append(f"duplicate block_id [json-pointer:{here}/block_id]")
        seen_ids.add(block_id)
        problems += _length(block_id, MAX_ID, f"{here}/block_id")
        problems += _BLOCK_CHECKS.get(block["type"], _no_problems)(block, here)
    return problems


def _section_problems(block: dict[str, Any], here: str) -> list[str]:
    """Check a section's text, fields and accessory."""
    if "text" not in block and "fields" not in block:
        return [f"must provide either text or fields [json-pointer:{here}]"]
    fields = block.get("fields")
    problems = _length(block.get("text"), MAX_SECTION_TEXT, f"{here}/text")
    problems += _count(fields, MAX_SECTION_FIELDS, f"{here}/fields")
    for index, item in enumerate(fields if isinstance(fields, list) else []):
        problems += _length(item, MAX_SECTION_FIELD_TEXT, f"{here}/fields/{index}")
    if "accessory" in block:
        problems += _element_problems(block["accessory"], f"{here}/accessory")
    return problems


def _header_problems(block: dict[str, Any], here: str) -> list[str]:
    """Check a header's text."""
    return _length(block.get("text"), MAX_HEADER_TEXT, f"{here}/text")


def _actions_problems(block: dict[str, Any], here: str) -> list[str]:
    """Check an actions block's elements."""
    elements = block.get("elements")
    problems = _count(elements, MAX_ACTIONS_ELEMENTS, f"{here}/elements")
    for index, element in enumerate(elements if isinstance(elements, list) else []):
        problems += _element_problems(element, f"{here}/elements/{index}")
    return problems


def _context_problems(block: dict[str, Any], here: str) -> list[str]:
    """Check a context block's element count."""
    return _count(block.get("elements"), MAX_CONTEXT_ELEMENTS, f"{here}/elements")


def _input_problems(block: dict[str, Any], here: str) -> list[str]:
    """Check an input block's label and element."""
    problems = _length(block.get("label"), MAX_INPUT_LABEL, f"{here}/label")
    return problems + _element_problems(block.get("element"), f"{here}/element")


def _no_problems(block: dict[str, Any], here: str) -> list[str]:
    """Accept block types the emulator does not check."""
    return []


def _element_problems(element: Any, here: str) -> list[str]:
    """Check an interactive element's ids, button text and options."""
    if not isinstance(element, dict):
        return [f"must be an object [json-pointer:{here}]"]
    problems = _length(element.get("action_id"), MAX_ID, f"{here}/action_id")
    if element.get("type") == "button":
        problems += _length(element.get("text"), MAX_BUTTON_TEXT, f"{here}/text")
        problems += _length(element.get("value"), MAX_VALUE, f"{here}/value")
    options = element.get("options")
    problems += _count(options, MAX_OPTIONS, f"{here}/options")
    for index, option in enumerate(options if isinstance(options, list) else []):
        problems += _option_problems(option, f"{here}/options/{index}")
    return problems


def _option_problems(option: Any, here: str) -> list[str]:
    """Check an option's text and value."""
    if not isinstance(option, dict):
        return [f"must be an object [json-pointer:{here}]"]
    return _length(option.get("text"), MAX_OPTION_TEXT, f"{here}/text") + _length(
        option.get("value"), MAX_OPTION_VALUE, f"{here}/value"
    )


def _length(value: Any, limit: int, pointer: str) -> list[str]:
    """Report a string, or a text object's text, longer than `limit`."""
    if isinstance(value, dict):
        value, pointer = value.get("text"), f"{pointer}/text"
    if isinstance(value, str) and len(value) > limit:
        return [f"must be less than {limit + 1} characters [json-pointer:{pointer}]"]
    return []


def _count(items: Any, limit: int, pointer: str) -> list[str]:
    """Report a list with more than `limit` items."""
    if isinstance(items, list) and len(items) > limit:
        return [f"must be no more than {limit} items [json-pointer:{pointer}]"]
    return []


_BLOCK_CHECKS: dict[str, Callable[[dict[str, Any], str], list[str]]] = {
    "section": _section_problems,
    "header": _header_problems,
    "actions": _actions_problems,
    "context": _context_problems,
    "input": _input_problems,
}
