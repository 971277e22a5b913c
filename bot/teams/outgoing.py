"""Send cards into people's Teams chats from a command line run, with no server: the SDK on a loop of its own."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

from microsoft_teams.apps import App

from bot.settings import Settings, SettingsError
from bot.teams.app import TeamsOverrides, cloud_environment
from bot.teams.proactive import SEND_TIMEOUT_SECONDS, ProactiveSender
from storage.models import TeamsConversation


class OutgoingTeams:
    """The Teams sender of `checkin-bot jobs run` and `cycles release`: `send(conversation, card)`, then `close()`.

    Posting a card is one outgoing Bot Connector call (POST {serviceUrl}/v3/conversations/{id}/activities with
    the app's bearer token), so no messaging endpoint is needed. The SDK app is built as `serve` builds it and
    runs on a private event loop in a background thread, since its HTTP client belongs to one loop; each send
    is handed to that loop from whichever thread the job delivers on, as ProactiveSender does for the server.
    """

    def __init__(self, settings: Settings, overrides: TeamsOverrides | None = None) -> None:
        overrides = overrides or TeamsOverrides()
        if not settings.teams_client_id or not settings.teams_tenant_id:
            raise SettingsError("Teams needs TEAMS_CLIENT_ID and TEAMS_TENANT_ID")
        if overrides.token is None and not settings.teams_client_secret:
            raise SettingsError("Teams needs TEAMS_CLIENT_SECRET to call the Bot Connector")
        credentials = {"token": overrides.token} if overrides.token else {"client_secret": settings.teams_client_secret}
        self.app = App(
            client_id=settings.teams_client_id,
            tenant_id=settings.teams_tenant_id,
            **credentials,
            cloud=cloud_environment(overrides.openid_metadata_url),
            dangerously_allow_unauthenticated_requests=False,  # nothing is served, but never by an env variable
            state=False,
            fetch_user_token=False,
        )
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="teams-outgoing", daemon=True)
        self._thread.start()
        try:
            self._run(self.app.initialize())  # app.send refuses until then; no network is involved
        except BaseException:
            self._stop_loop()
            raise
        self._sender = ProactiveSender(self.app)
        self._sender.attach(self._loop)

    def send(self, conversation: TeamsConversation, card: dict, *, timeout: float = SEND_TIMEOUT_SECONDS) -> str:
        """Post `card` into the conversation and return the new activity's id; raises what the SDK raises."""
        return self._sender.send(conversation, card, timeout=timeout)

    def close(self) -> None:
        """Close the SDK's HTTP connections and end the background loop; sending afterwards raises."""
        if self._loop.is_closed():
            return
        self._sender.attach(None)
        try:
            self._run(self._close_http())
        finally:
            self._stop_loop()

    def __enter__(self) -> OutgoingTeams:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def _run(self, coroutine: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(SEND_TIMEOUT_SECONDS)

    async def _close_http(self) -> None:
        # The API client and its per-serviceUrl clones share one httpx client; the app keeps another of its own.
        await self.app.api.http.http.aclose()
        await self.app.http_client.http.aclose()

    def _stop_loop(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(SEND_TIMEOUT_SECONDS)
        if not self._thread.is_alive():
            self._loop.close()
