"""The Teams SDK app, on our FastAPI server at POST /api/messages, with every Teams handler registered."""

from __future__ import annotations

import asyncio
import logging
import warnings
from collections.abc import Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse
from microsoft_teams.common.experimental import ExperimentalWarning

with warnings.catch_warnings():
    # The SDK builds a preview HTML-widget policy at import time and warns about it; we use no widgets.
    warnings.simplefilter("ignore", ExperimentalWarning)
    from microsoft_teams.api.auth.cloud_environment import PUBLIC, CloudEnvironment, with_overrides
    from microsoft_teams.apps import App, FastAPIAdapter
    from microsoft_teams.apps.http.adapter import HttpMethod, HttpRequest, HttpRouteHandler

from bot.deps import Deps
from bot.settings import SettingsError
from bot.teams.proactive import ProactiveSender
from handlers.teams import register_all

MESSAGING_ENDPOINT = "/api/messages"

log = logging.getLogger(__name__)

TokenSource = Callable[[str, str | None], str]


@dataclass(frozen=True)
class TeamsOverrides:
    """Where tests and `checkin-bot dev` point the SDK instead of Microsoft's cloud.

    `openid_metadata_url`: the Bot Framework's OpenID metadata (the SDK fetches the signing keys beside it);
    `token`: a callable `(scope, tenant_id) -> token` for outgoing calls, in place of MSAL and the client
    secret, since MSAL cannot be pointed at loopback. Token validation itself is never switched off.
    """

    openid_metadata_url: str | None = None
    token: TokenSource | None = None


def mount_teams(api: FastAPI, deps: Deps, overrides: TeamsOverrides | None = None) -> App:
    """Create the Teams app on `api`: POST /api/messages is registered when `api` starts up.

    `api.state.teams_app` is the SDK app; `api.state.teams_sender` sends to stored 1:1 chats from other threads.
    """
    settings = deps.settings
    overrides = overrides or TeamsOverrides()
    if not settings.teams_client_id or not settings.teams_tenant_id:
        raise SettingsError("Teams needs TEAMS_CLIENT_ID and TEAMS_TENANT_ID")
    if overrides.token is None and not settings.teams_client_secret:
        raise SettingsError("Teams needs TEAMS_CLIENT_SECRET to call the Bot Connector")
    adapter = _JsonBodyAdapter(api)
    credentials = {"token": overrides.token} if overrides.token else {"client_secret": settings.teams_client_secret}
    app = App(
        client_id=settings.teams_client_id,
        tenant_id=settings.teams_tenant_id,
        **credentials,
        cloud=cloud_environment(overrides.openid_metadata_url),
        # Explicit, so the SDK's DANGEROUSLY_ALLOW_UNAUTHENTICATED_REQUESTS variable cannot switch checks off.
        dangerously_allow_unauthenticated_requests=False,
        http_server_adapter=adapter,
        messaging_endpoint=MESSAGING_ENDPOINT,
        state=False,  # people's state lives in our database, never in the SDK's in-memory store
        fetch_user_token=False,
    )
    register_all(app, deps)
    sender = ProactiveSender(app)

    @asynccontextmanager
    async def initialize(_api: FastAPI):
        await app.initialize()  # registers the messaging endpoint and its JWT validation
        sender.attach(asyncio.get_running_loop())
        try:
            yield
        finally:
            sender.attach(None)

    adapter.lifespans.append(initialize)
    api.state.teams_app = app
    api.state.teams_sender = sender
    deps.teams = sender  # Slack's listeners send to Teams people through it too
    return app


def cloud_environment(openid_metadata_url: str | None = None) -> CloudEnvironment:
    """Microsoft's public cloud, or the same with the OpenID metadata (and so the signing keys) elsewhere."""
    return with_overrides(PUBLIC, openid_metadata_url=openid_metadata_url)


class _JsonBodyAdapter(FastAPIAdapter):
    """The SDK's FastAPI adapter, answering a body that is not a JSON object instead of failing with a 500.

    Without a bearer token that is a 401 like any other unauthenticated request; with one, a 400.
    """

    def register_route(self, method: HttpMethod, path: str, handler: HttpRouteHandler) -> None:
        if method != "POST":
            raise ValueError(f"Unsupported HTTP method: {method}")

        async def route(request: Request) -> Response:
            try:
                body = await request.json()
            except ValueError:
                body = None
            headers = dict(request.headers)
            if not isinstance(body, dict):
                bearer = headers.get("authorization", "").startswith("Bearer ")
                return JSONResponse({"error": "Bad Request" if bearer else "Unauthorized"},
                                    status_code=400 if bearer else 401)
            result = await handler(HttpRequest(body=body, headers=headers))
            if result.get("body") is not None:
                return JSONResponse(content=result["body"], status_code=result["status"])
            return Response(status_code=result["status"])

        self.app.post(path)(route)
