"""The Teams SDK app, on our FastAPI server at POST /api/messages, with every Teams handler registered."""

from __future__ import annotations

import asyncio
import logging
import warnings
from collections.abc import Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import jwt
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
from bot.executors import AcksFirst
from bot.settings import SettingsError
from bot.teams.proactive import ProactiveSender
from bot.teams.tenancy import only_tenant
from handlers.teams import register_all
from handlers.teams.install import UPGRADE_MARKER

MESSAGING_ENDPOINT = "/api/messages"
# Teams sends these when a new version of the app package replaces the old; the SDK knows only add and remove.
# Every Bot Framework SDK dispatches them as add and remove (microsoft/botframework-sdk#6139).
INSTALL_ACTIONS = {"add-upgrade": "add", "remove-upgrade": "remove"}

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
    adapter = _JsonBodyAdapter(api, acks_first=deps.acks_first)
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
    app.use(only_tenant(settings.teams_tenant_id))  # first: a foreign tenant's activity reaches no handler
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
    """The SDK's FastAPI adapter, answering what the SDK would fail or let through before it sees the request.

    A body that is not a JSON object: without a bearer token a 401 like any other unauthenticated request, with
    one a 400 (the SDK answers 500). A token without `exp`: 401 (the SDK checks `exp` only when present, and
    then the signature and everything else itself). Teams' upgrade actions of an installationUpdate: read as
    add and remove (the SDK rejects them with a 500).
    """

    def __init__(self, app: FastAPI, *, acks_first: AcksFirst) -> None:
        super().__init__(app)
        self.acks_first = acks_first  # the deps' own: Teams' answers count as Slack's do

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
            if _never_expires(headers.get("authorization", "")):
                log.warning("Teams %s activity refused: its token has no expiry (exp)", _activity_type(body))
                return JSONResponse({"error": "Unauthorized"}, status_code=401)
            with self.acks_first.answering():  # Slack's work after its acks waits meanwhile (bot.executors)
                result = await handler(HttpRequest(body=_with_sdk_install_action(body), headers=headers))
            if result.get("body") is not None:
                return JSONResponse(content=result["body"], status_code=result["status"])
            return Response(status_code=result["status"])

        self.app.post(path)(route)


def _never_expires(authorization: str) -> bool:
    """Whether a bearer token lacks the `exp` claim; read unverified, the SDK verifies the token afterwards."""
    if not authorization.startswith("Bearer "):
        return False
    try:
        jwt.decode(authorization.removeprefix("Bearer "), options={"verify_signature": False, "require": ["exp"]})
    except jwt.MissingRequiredClaimError:
        return True
    except jwt.InvalidTokenError:
        return False  # not a token at all: the SDK answers 401 for it
    return False


def _with_sdk_install_action(body: dict[str, Any]) -> dict[str, Any]:
    """Return the activity with an installationUpdate's upgrade action as the add or remove the SDK knows."""
    action = body.get("action")
    if body.get("type") != "installationUpdate" or not isinstance(action, str) or action not in INSTALL_ACTIONS:
        return body
    # The marker lets the install handler skip the hello: every release would otherwise greet everyone again.
    return {**body, "action": INSTALL_ACTIONS[action], UPGRADE_MARKER: True}


def _activity_type(body: dict[str, Any]) -> str:
    """Return the activity's type for a log line: attacker-controlled, so printable and short."""
    kind = body.get("type")
    return repr(kind[:40]) if isinstance(kind, str) else "untyped"
