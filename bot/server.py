"""One ASGI server for every front end: Slack on /slack/events, Teams on /api/messages, health on /healthz.

Operators' endpoints beside them: /livez and /readyz (bot.probes), /metrics (bot.metrics).
"""

from __future__ import annotations

import asyncio
import gc
import hashlib
import hmac
import logging
import re
import socket
import threading
from collections.abc import Callable
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from slack_bolt import App
from slack_bolt.adapter.starlette.handler import to_starlette_response
from slack_bolt.request import BoltRequest
from slack_bolt.request.internals import parse_body
from slack_sdk.signature import SignatureVerifier
from starlette.concurrency import run_in_threadpool

from bot import logs, metrics, probes
from bot.deps import Deps
from handlers import payloads
from prompts.render import compile_templates
from storage.db import ping

if TYPE_CHECKING:
    from bot.teams import TeamsOverrides

log = logging.getLogger(__name__)

SLACK_TIMESTAMP = re.compile(r"[0-9]{1,12}")  # seconds since 1970, as Slack sends them
SLACK_BODY_MAX = 4 * 1024 * 1024  # well above any payload Slack sends
SIGNATURE_MAX_AGE = 5 * 60  # seconds, as Bolt allows


def build_asgi(
    deps: Deps,
    bolt_app: App | None,
    *,
    on_startup: Callable[[], None] | None = None,
    on_shutdown: Callable[[], None] | None = None,
    teams: TeamsOverrides | None = None,
) -> FastAPI:
    """Create the web app; `bolt_app` is None in Socket Mode, where Slack does not call us over HTTP.

    Teams is mounted when its settings are there (or `teams` points it at an emulator); the SDK is imported
    only then, so a Slack-only server does not pay for it.
    """

    @asynccontextmanager
    async def lifespan(_api: FastAPI):
        compile_templates()  # the first answers in each language do not wait for Jinja (about 0.4 s a language)
        if on_startup:
            on_startup()
        settle_startup_objects()
        try:
            yield
        finally:
            if on_shutdown:
                on_shutdown()

    api = FastAPI(lifespan=lifespan, openapi_url=None, docs_url=None, redoc_url=None)
    probes.mount(api, deps.engine)
    metrics.mount(api, deps.engine)
    api.add_middleware(logs.RequestIds)  # added last, so outermost: every line of a request carries its id

    @api.get("/healthz")
    async def healthz() -> JSONResponse:
        healthy = await run_in_threadpool(ping, deps.engine)
        return JSONResponse(
            {"status": "ok" if healthy else "unavailable", "database": "ok" if healthy else "unreachable"},
            status_code=200 if healthy else 503,
        )

    if bolt_app is not None:

        verifier = SignatureVerifier(deps.settings.slack_signing_secret or "unused")

        @api.post("/slack/events")
        async def slack_events(request: Request) -> Response:
            body = await request.body()
            read = _read_slack_request(body, request.headers, verifier)
            if isinstance(read, Response):
                return read
            metrics.note_slack_kind(request.scope, read)
            # Bolt's sync dispatch acks within its own thread; keep it off the event loop.
            bolt_request = ReadRequest(raw_body=body.decode("utf-8"), body=read, query=request.query_params,
                                       headers=request.headers)
            with deps.acks_first.answering():  # work after earlier acks waits meanwhile (see AcksFirst)
                bolt_response = await run_in_threadpool(bolt_app.dispatch, bolt_request)
            return to_starlette_response(bolt_response)

    if teams is not None or deps.settings.teams_enabled:
        from bot.teams import mount_teams

        mount_teams(api, deps, teams)

    return api


def settle_startup_objects() -> None:
    """Move what start-up built (modules, the ORM's mappers, compiled templates, Bolt) out of the garbage
    collector's sight: they live as long as the process, and a full collection walking all ~220,000 of them held
    the GIL for about 170 ms, the slowest acks' tail. After it, one takes about 15 ms."""
    gc.collect()
    gc.freeze()


def _read_slack_request(body: bytes, headers, verifier: SignatureVerifier) -> dict | Response:
    """Check Slack's signature and read the body once, for Bolt: the parsed body, or the refusal to answer.

    401 unless signed by Slack within five minutes (Bolt's own check, done here once so Bolt need not parse or
    hash again); 400 for what Bolt would choke on (a body that is not UTF-8, JSON or a form, shapes where Slack
    sends dicts, strings no database can store), which would otherwise be a 500 and a logged trace.
    """
    timestamp = headers.get("x-slack-request-timestamp")
    if timestamp is not None and not SLACK_TIMESTAMP.fullmatch(timestamp):
        return JSONResponse({"error": "invalid request"}, status_code=401)
    if len(body) > SLACK_BODY_MAX:
        return JSONResponse({"error": "request too large"}, status_code=413)
    if not _signed(body, timestamp, headers.get("x-slack-signature"), verifier):
        return JSONResponse({"error": "invalid request"}, status_code=401)
    try:
        parsed = parse_body(body.decode("utf-8"), headers.get("content-type", "").split(";")[0] or None)
        problem = payloads.envelope_problem(parsed) or (
            "a string no database can store" if payloads.unstorable_text(parsed) else None)
    except (ValueError, RecursionError):  # not UTF-8, or broken JSON
        problem = "the body is neither a form nor JSON"
    if problem is None:
        return parsed
    log.info("refused an unreadable Slack request: %s", problem)
    return JSONResponse({"error": "malformed request"}, status_code=400)


class ReadRequest(BoltRequest):
    """A Bolt request whose body was verified and parsed at the edge (`_read_slack_request`), not again by Bolt."""

    def __init__(self, *, raw_body: str, body: dict, query, headers) -> None:
        # Bolt takes a parsed body only in Socket Mode's shape; the request is HTTP's all the same.
        super().__init__(body=body, query=query, headers=headers, mode="socket_mode")
        self.raw_body, self.mode = raw_body, "http"


def _signed(body: bytes, timestamp: str | None, signature: str | None, verifier: SignatureVerifier) -> bool:
    """Check Slack's signature over the raw bytes (the SDK's check decodes them first, which may fail)."""
    if timestamp is None or signature is None or abs(verifier.clock.now() - int(timestamp)) > SIGNATURE_MAX_AGE:
        return False
    base = b"v0:" + timestamp.encode() + b":" + body
    expected = "v0=" + hmac.new(verifier.signing_secret.encode(), base, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, signature)


class BackgroundServer:
    """Serve an ASGI app on a free loopback port in a thread (the try-out and the tests)."""

    def __init__(self, asgi_app, host: str = "127.0.0.1"):
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind((host, 0))
        self.host, self.port = self._socket.getsockname()
        config = uvicorn.Config(asgi_app, log_level="warning", lifespan="on")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._run, name="checkin-bot-server", daemon=True)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def _run(self) -> None:
        asyncio.run(self._server.serve(sockets=[self._socket]))

    def start(self) -> BackgroundServer:
        self._thread.start()
        while not self._server.started:
            if not self._thread.is_alive():
                raise RuntimeError("the server thread stopped before it started")
            threading.Event().wait(0.01)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self._socket.close()

    def __enter__(self) -> BackgroundServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
