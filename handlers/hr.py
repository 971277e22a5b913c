"""HR's exports from Slack: a button press ends in a CSV file in their DM (the rule: actions.exports)."""

from __future__ import annotations

import re
import tempfile

from slack_bolt import App

from actions import exports as export_actions
from actions.perform import perform
from handlers.context import asked_by, deps_of, identify, tell
from handlers.payloads import action_value, caller_id
from prompts import digest_blocks
from prompts.goal_blocks import error_text


def register(app: App) -> None:
    app.action(re.compile(f"^{digest_blocks.EXPORT_ACTION}-"))(export_to_dm)


def export_to_dm(ack, body, action, context, client) -> None:
    """Write the export to a temporary file (it may be millions of rows) and upload it to HR's DM."""
    ack()
    caller = identify(context, client, caller_id(body))
    if caller.person is None:
        return tell(client, body, error_text("export_not_allowed", caller.locale))
    with tempfile.NamedTemporaryFile("w+", encoding="utf-8", newline="", suffix=".csv") as handle:
        outcome = perform(deps_of(context), export_actions.export_records,
                          asked_by(context, caller.person, caller.locale), kind=action_value(action), out=handle)
        if not outcome.ok:
            return tell(client, body, error_text(outcome.errors[export_actions.KIND], caller.locale))
        handle.flush()
        kind, rows = outcome.value.kind, outcome.value.rows
        channel = client.conversations_open(users=caller.slack_id)["channel"]["id"]
        client.files_upload_v2(channel=channel, file=handle.name, filename=f"{kind}.csv", title=f"{kind}.csv",
                               initial_comment=digest_blocks.export_ready(kind=kind, rows=rows, locale=caller.locale))
