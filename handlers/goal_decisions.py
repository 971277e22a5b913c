"""A manager approves or returns a proposed goal; the employee hears the outcome (actions.goals.decide_goal)."""

from __future__ import annotations

from slack_bolt import App

from actions import goals as goal_actions
from actions.outcome import Outcome
from actions.perform import perform
from handlers.context import asked_by, deliver_after_ack, deps_of, identify, tell
from handlers.forms import metadata, record_id, view_values
from handlers.home import publish_home
from handlers.payloads import action_value, caller_id, message_ref, trigger_id
from prompts import goal_blocks
from prompts.goal_blocks import error_text


def register(app: App) -> None:
    app.action(goal_blocks.APPROVE_ACTION)(approve_goal)
    app.action(goal_blocks.RETURN_ACTION)(open_return_modal)
    app.view(goal_blocks.RETURN_GOAL_VIEW)(submit_return)


def approve_goal(ack, body, action, context, client) -> None:
    ack()
    caller = identify(context, client, caller_id(body))
    if caller.person is None:
        return tell(client, body, error_text("not_allowed", caller.locale))
    outcome = perform(deps_of(context), goal_actions.decide_goal, asked_by(context, caller.person, caller.locale),
                      goal_id=record_id(action_value(action)), approve=True)
    if not outcome.ok:
        return tell(client, body, error_text(_first(outcome), caller.locale))
    _recorded(context, client, outcome, where=message_ref(body))


def open_return_modal(ack, body, action, context, client) -> None:
    ack()
    caller = identify(context, client, caller_id(body))
    with deps_of(context).sessions() as session:
        goal = goal_actions.visible_goal(session, caller.person, record_id(action_value(action)))
    if isinstance(goal, str):
        return tell(client, body, error_text(goal, caller.locale))
    view = goal_blocks.return_goal_modal(goal, locale=caller.locale, message_ref=message_ref(body))
    client.views_open(trigger_id=trigger_id(body), view=view)


def submit_return(ack, body, view, context, client) -> None:
    caller = identify(context, client, caller_id(body))
    if caller.person is None:
        return ack(response_action="errors", errors={"comment": error_text("not_allowed", caller.locale)})
    meta = metadata(view)
    outcome = perform(deps_of(context), goal_actions.decide_goal, asked_by(context, caller.person, caller.locale),
                      goal_id=record_id(meta.get("goal_id")), approve=False,
                      comment=view_values(view).get("comment") or "")
    if not outcome.ok:  # the comment is the modal's only input: every refusal shows beside it
        return ack(response_action="errors", errors={"comment": error_text(_first(outcome), caller.locale)})
    ack()
    _recorded(context, client, outcome, where={k: meta[k] for k in ("channel", "ts") if isinstance(meta.get(k), str)})


def _recorded(context, client, outcome: Outcome, *, where: dict) -> None:
    """Tell the owner (first: that must arrive whatever Slack does next), replace the buttons, refresh both homes."""
    deliver_after_ack(context, outcome)
    if where.get("channel") and where.get("ts"):
        client.chat_update(channel=where["channel"], ts=where["ts"], **outcome.reply)
    for person in outcome.value.homes:
        publish_home(client, context, person)


def _first(outcome: Outcome) -> str:
    return next(iter(outcome.errors.values()))
