"""HR's exports from Slack: a button press ends in a CSV file in their DM."""

from __future__ import annotations

import re
import tempfile

from slack_bolt import App

from handlers.context import deps_of, identify, tell
from handlers.payloads import action_value, caller_id
from prompts import digest_blocks
from prompts.goal_blocks import error_text
from storage import exports
from storage.permissions import is_hr


def register(app: App) -> None:
    app.action(re.compile(f"^{digest_blocks.EXPORT_ACTION}-"))(export_to_dm)


def export_to_dm(ack, body, action, context, client) -> None:
    """Write the export to a temporary file (it may be millions of rows) and upload it to HR's DM."""
    ack()
    deps = deps_of(context)
    caller = identify(context, client, caller_id(body))
    kind = action_value(action)
    if kind not in digest_blocks.EXPORT_KINDS:
        return tell(client, body, error_text("not_found", caller.locale))
    if caller.person is None or not is_hr(caller.person):
        return tell(client, body, error_text("export_not_allowed", caller.locale))
    with tempfile.NamedTemporaryFile("w+", encoding="utf-8", newline="", suffix=".csv") as handle:
        with deps.sessions() as session:
            count = exports.write_csv(exports.rows(session, kind), handle, kind=kind)
        handle.flush()
        channel = client.conversations_open(users=caller.slack_id)["channel"]["id"]
        client.files_upload_v2(channel=channel, file=handle.name, filename=f"{kind}.csv", title=f"{kind}.csv",
                               initial_comment=digest_blocks.export_ready(kind=kind, rows=count, locale=caller.locale))
