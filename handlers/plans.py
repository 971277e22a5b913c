"""HR edits performance plans in Slack: the same checks as `checkin-bot plans load`, errors by field and line."""

from __future__ import annotations

from slack_bolt import App
from sqlmodel import col, select

from handlers.context import deps_of, identify, tell
from handlers.forms import view_values
from handlers.payloads import action_value, caller_id, private_metadata, record_id, trigger_id
from prompts import plan_blocks
from prompts.goal_blocks import error_text
from prompts.render import label
from storage import plan_edits
from storage.models import Team

NEW_PLAN = "new"  # the value of the "New plan" button


def register(app: App) -> None:
    app.action(plan_blocks.EDIT_PLAN_ACTION)(open_editor)
    app.view(plan_blocks.PLAN_VIEW)(save)


def open_editor(ack, body, action, context, client) -> None:
    ack()
    caller = identify(context, client, caller_id(body))
    raw = action_value(action)
    plan_id = record_id(raw)
    try:
        if caller.person is None or (plan_id is None and raw != NEW_PLAN):
            raise plan_edits.PlanEditError(plan_edits.NOT_FOUND)
        with deps_of(context).sessions() as session:
            text = plan_edits.as_text(session, caller.person, plan_id, caller.locale)
            teams = list(session.exec(select(Team.name).order_by(col(Team.name))))
    except plan_edits.PlanEditError as error:
        return tell(client, body, error_text(error.code, caller.locale))
    client.views_open(trigger_id=trigger_id(body), view=plan_blocks.plan_modal(
        text, plan_id=plan_id, teams=teams, locale=caller.locale))


def save(ack, body, view, context, client) -> None:
    deps = deps_of(context)
    caller = identify(context, client, caller_id(body))
    values = view_values(view)
    raw = private_metadata(view) or ""  # empty for a new plan
    plan_id = record_id(raw)
    if caller.person is None or (raw and plan_id is None):
        return ack(response_action="errors", errors={"name": error_text(plan_edits.NOT_FOUND, caller.locale)})
    text = plan_edits.PlanText(
        plan_id=plan_id, name=values.get("name") or "", cycle=values.get("cycle") or "",
        improvement_threshold=values.get("improvement_threshold") or "", criteria=values.get("criteria") or "",
        scale=values.get("scale") or "", rewards=values.get("rewards") or "",
        team=_scope(values.get("team")), role=_scope(values.get("role")))
    try:
        with deps.sessions() as session:
            plan = plan_edits.save(session, caller.person, plan_id, text, locale=caller.locale,
                                   now=deps.clock.now())
            name = plan.name
    except plan_edits.PlanEditError as error:
        if not error.errors:
            return ack(response_action="errors", errors={"name": error_text(error.code, caller.locale)})
        return ack(response_action="errors", errors={
            field: " ".join(filter(None, (label("error_line", caller.locale, n=line) if line else "",
                                          error_text(code, caller.locale))))
            for field, (code, line) in error.errors.items()})
    ack()
    client.chat_postMessage(channel=caller.slack_id, **plan_blocks.plan_saved(name=name, locale=caller.locale))


def _scope(value: str | None) -> str | None:
    return None if value in (None, "", plan_blocks.NO_SCOPE) else value
