"""Send to a person's stored 1:1 chat from any thread (the scheduler's), on the Teams app's own event loop."""

from __future__ import annotations

import asyncio
from typing import Any

from handlers.teams.context import card_message
from storage.models import TeamsConversation

SEND_TIMEOUT_SECONDS = 30


class ProactiveSender:
    """Post cards into stored conversations through the SDK's `app.send`.

    The SDK's HTTP client belongs to the event loop serving /api/messages, so a job running in another thread
    hands its send to that loop and waits for the answer.
    """

    def __init__(self, app: Any) -> None:
        self.app = app
        self._loop: asyncio.AbstractEventLoop | None = None

    def attach(self, loop: asyncio.AbstractEventLoop | None) -> None:
        """Bind to the loop the server runs the Teams app on (None when it stops)."""
        self._loop = loop

    def send(self, conversation: TeamsConversation, card: dict, *, timeout: float = SEND_TIMEOUT_SECONDS) -> str:
        """Post `card` into the conversation and return the new activity's id; raises what the SDK raises."""
        loop = self._loop
        if loop is None or loop.is_closed():
            raise RuntimeError("the Teams app is not running")
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            raise RuntimeError("ProactiveSender.send blocks: await app.send inside the server's loop instead")
        coroutine = self.app.send(conversation.conversation_id, card_message(card),
                                  service_url=conversation.service_url)
        return asyncio.run_coroutine_threadsafe(coroutine, loop).result(timeout).id
