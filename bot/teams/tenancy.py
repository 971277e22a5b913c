"""Serve only our own Microsoft Teams tenant: another organisation's activities are refused before any handler."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from microsoft_teams.api import InvokeResponse

from handlers.teams.context import tenant_of
from storage.teams_links import same_tenant

log = logging.getLogger(__name__)

FORBIDDEN = 403


def only_tenant(home_tenant_id: str) -> Callable[[Any], Awaitable[InvokeResponse | None]]:
    """Build the SDK middleware that answers 403 to any activity not from `home_tenant_id`.

    The Bot Connector signs activities for every tenant that installs the app, so a valid token says only that
    Teams sent it; the tenant is what says it is one of our people. Teams names the tenant in every activity it
    sends a bot (`conversation.tenantId`, `channelData.tenant.id`); an activity naming none comes from another
    channel (the Azure portal's Web Chat, Direct Line, the Bot Framework Emulator), which this Teams-only bot
    does not serve, so it is refused too.
    """

    async def refuse_other_tenants(ctx: Any) -> InvokeResponse | None:
        # Registered before every handler, so nothing is read or written for a refused activity.
        activity = ctx.activity
        tenant = tenant_of(activity)
        if same_tenant(tenant, home_tenant_id):
            await ctx.next()
            return None
        log.warning("Teams %s activity refused: tenant %s is not ours", activity.type,
                    repr(tenant[:64]) if tenant else "missing or ambiguous")
        return InvokeResponse(status=FORBIDDEN, body={"error": "Forbidden"})

    return refuse_other_tenants
