"""HR opens a review cycle from the App Home: the same rules as `checkin-bot cycles open`, errors inline."""

from __future__ import annotations

import re

from slack_bolt import App
from sqlmodel import col, select

from handlers.context import deps_of, identify, tell
from handlers.forms import view_values
from handlers.payloads import caller_id, trigger_id
from prompts import cycle_blocks
from prompts.goal_blocks import error_text
from storage import cycles
from storage.models import Review, Team
from storage.permissions import is_hr

# The CLI option a CycleError names, and the modal field it belongs to.
OPTION_FIELDS = {"--from": "from", "--to": "to", "--self-due": "self_due", "--peer-due": "peer_due",
                 "--manager-due": "manager_due"}
CODE_FIELDS = {cycles.INVALID_NAME: "name", cycles.DUPLICATE: "name", cycles.UNKNOWN_TEAM: "team",
               cycles.EMPTY_SCOPE: "team"}


def register(app: App) -> None:
    app.action(cycle_blocks.OPEN_CYCLE_ACTION)(open_form)
    app.view(cycle_blocks.OPEN_CYCLE_VIEW)(submit)


def open_form(ack, body, context, client) -> None:
    ack()
    caller = identify(context, client, caller_id(body))
    if caller.person is None or not is_hr(caller.person):
        return tell(client, body, error_text("not_found", caller.locale))
    with deps_of(context).sessions() as session:
        teams = list(session.exec(select(Team.name).order_by(col(Team.name))))
    client.views_open(trigger_id=trigger_id(body), view=cycle_blocks.open_cycle_modal(teams, locale=caller.locale))


def submit(ack, body, view, context, client) -> None:
    deps = deps_of(context)
    caller = identify(context, client, caller_id(body))
    values = view_values(view)
    if caller.person is None or not is_hr(caller.person):
        return ack(response_action="errors", errors={"name": error_text("not_found", caller.locale)})
    team = values.get("team")
    scope = None if team in (None, cycle_blocks.WHOLE_ORG) else team
    try:
        with deps.sessions() as session:
            cycle = cycles.open_cycle(
                session, name=values.get("name") or "", period_start=values.get("from"), period_end=values.get("to"),
                self_due=values.get("self_due"), peer_due=values.get("peer_due"),
                manager_due=values.get("manager_due"), team=scope, now=deps.clock.now(),
                actor_id=caller.person.id, peers_anonymous=values.get("anonymous") == "yes")
            people = len(list(session.exec(select(Review.id).where(Review.cycle_id == cycle.id,
                                                                   Review.kind == "self"))))
            name = cycle.name
    except cycles.CycleError as error:
        return ack(response_action="errors", errors={_field(error): error_text(error.code, caller.locale)})
    ack()
    client.chat_postMessage(channel=caller.slack_id, **cycle_blocks.cycle_opened(
        cycle=name, people=people, team=scope, locale=caller.locale))


def _field(error: cycles.CycleError) -> str:
    """Put the error on the field it is about: by its code, else by the first option its reason names."""
    if error.code in CODE_FIELDS:
        return CODE_FIELDS[error.code]
    named = re.search(r"--[a-z-]+", error.detail)
    return OPTION_FIELDS.get(named.group(0), "from") if named else "from"
