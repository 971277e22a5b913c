"""One ASGI server for every front end: Slack on /slack/events, Teams on /api/messages, health on /healthz."""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
from collections.abc import Callable
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from slack_bolt import App
from slack_bolt.adapter.starlette.handler import to_bolt_request, to_starlette_response
from starlette.concurrency import run_in_threadpool

from bot.deps import Deps
from storage.db import ping

if TYPE_CHECKING:
    from bot.teams import TeamsOverrides

log = logging.getLogger(__name__)


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
        if on_startup:
            on_startup()
        try:
            yield
        finally:
            if on_shutdown:
                on_shutdown()

    api = FastAPI(lifespan=lifespan, openapi_url=None, docs_url=None, redoc_url=None)

    @api.get("/healthz")
    async def healthz() -> JSONResponse:
        healthy = await run_in_threadpool(ping, deps.engine)
        return JSONResponse(
            {"status": "ok" if healthy else "unavailable", "database": "ok" if healthy else "unreachable"},
            status_code=200 if healthy else 503,
        )

    if bolt_app is not None:

        @api.post("/slack/events")
        async def slack_events(request: Request) -> Response:
            body = await request.body()
            # Bolt's sync dispatch acks within its own thread; keep it off the event loop.
            bolt_response = await run_in_threadpool(bolt_app.dispatch, to_bolt_request(request, body))
            return to_starlette_response(bolt_response)

    if teams is not None or deps.settings.teams_enabled:
        from bot.teams import mount_teams

        mount_teams(api, deps, teams)

    return api


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
