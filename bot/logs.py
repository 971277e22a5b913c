"""Logging for `serve` and the command line: text or one JSON object per line, secrets always masked.

Every line passes a redacting filter: Slack tokens (xoxb-, xapp-, ...), the password in a database URL and the
configured secrets' values are replaced by "***" in the message, its arguments and any traceback.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import uuid
from collections.abc import Iterable
from contextvars import ContextVar
from datetime import UTC, datetime

from scheduler.observe import current_job

MASK = "***"
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
SLACK_TOKEN = re.compile(r"\bx(?:ox[a-z]|app)-[A-Za-z0-9-]+")
URL_PASSWORD = re.compile(r"(\b[a-zA-Z][a-zA-Z0-9+.-]*://[^:/?#@\s]*:)[^@\s/]+@")
MIN_SECRET_LENGTH = 4  # shorter "secrets" would mask ordinary words
REQUEST_ID_HEADER = "x-request-id"
REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")  # an id a proxy sent, accepted only when it is this tame

# The request this task or thread is serving, for every log line written meanwhile.
current_request: ContextVar[str | None] = ContextVar("checkin_current_request", default=None)


class Redactor(logging.Filter):
    """Mask secrets in a record before any handler formats it."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self._secrets = sorted({s for s in secrets if len(s) >= MIN_SECRET_LENGTH}, key=len, reverse=True)

    def redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, MASK)
        return URL_PASSWORD.sub(rf"\1{MASK}@", SLACK_TOKEN.sub(MASK, text))

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: keep what there is rather than lose the line
            message = f"{record.msg} {record.args}"
        record.msg, record.args = self.redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, the request or job when known, the exception."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request, job = current_request.get(), current_job.get()
        if request:
            entry["request_id"] = request
        if job:
            entry["job"] = job
        for name in ("surface", "kind", "status", "ack_ms"):  # set by bot.metrics on its request lines
            if name in record.__dict__:
                entry[name] = record.__dict__[name]
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = record.stack_info
        return json.dumps(entry, ensure_ascii=False, default=str)


class _StderrHandler(logging.StreamHandler):
    """Write to whatever sys.stderr is when the line is written (a test's capture, a reopened stream)."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, _value) -> None:
        pass


def configure(log_format: str = "text", *, secrets: Iterable[str] = (), database_url: str | None = None,
              level: int = logging.INFO, stream=None) -> logging.Handler:
    """Send every log line to stderr (or `stream`) as text or JSON, through the redactor; replace an earlier setup.

    `secrets` are masked wherever they appear, as is the password of `database_url`.
    """
    handler = logging.StreamHandler(stream) if stream is not None else _StderrHandler()
    handler.setFormatter(JsonFormatter() if log_format == "json" else logging.Formatter(TEXT_FORMAT))
    handler.addFilter(Redactor([*secrets, *password_of(database_url)]))
    handler._checkin_bot = True  # type: ignore[attr-defined]  # ours, to replace on the next configure
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "_checkin_bot", False)]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    logging.captureWarnings(True)  # a library's warning becomes a log line too, not a stray line of text
    return handler


def configure_from(settings, *, level: int = logging.INFO) -> logging.Handler:
    """Configure logging as the operator's settings ask (CHECKIN_LOG_FORMAT), masking their secrets."""
    return configure(settings.log_format, secrets=settings.secret_values, database_url=settings.database_url,
                     level=level)


def password_of(url: str | None) -> list[str]:
    """The password in a database URL, as a list of none or one."""
    if not url:
        return []
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        password = make_url(url).password
    except (ArgumentError, ValueError):
        return []
    return [str(password)] if password else []


class RequestIds:
    """ASGI middleware: give each HTTP request an id (the proxy's X-Request-Id when tame), for its log lines."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        sent = dict(scope.get("headers", [])).get(REQUEST_ID_HEADER.encode(), b"").decode("latin-1")
        request_id = sent if REQUEST_ID.fullmatch(sent) else uuid.uuid4().hex[:16]

        async def send_with_id(message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []),
                                                  (REQUEST_ID_HEADER.encode(), request_id.encode())]}
            await send(message)

        token = current_request.set(request_id)
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            current_request.reset(token)
