"""A manager approves or returns a proposed goal; the employee hears the outcome."""

from __future__ import annotations

from slack_bolt import App

from handlers.context import deps_of, identify, locale_of, send_to, tell
from handlers.forms import metadata, record_id, view_values
from handlers.home import publish_home
from handlers.payloads import action_value, caller_id, message_ref, trigger_id
from prompts import goal_blocks
from storage import goals
from storage.models import Goal, Person
from storage.permissions import PermissionDenied


def register(app: App) -> None:
    app.action(goal_blocks.APPROVE_ACTION)(approve_goal)
    app.action(goal_blocks.RETURN_ACTION)(open_return_modal)
    app.view(goal_blocks.RETURN_GOAL_VIEW)(submit_return)


def approve_goal(ack, body, action, context, client) -> None:
    ack()
    caller = identify(context, client, caller_id(body))
    outcome = _decide(context, caller.person, action_value(action), approve=True, comment=None)
    if isinstance(outcome, str):
        return tell(client, body, goal_blocks.error_text(outcome, caller.locale))
    _announce(context, client, caller.person, outcome, approved=True, comment=None,
              message_ref=_message_ref(body), locale=caller.locale)


def open_return_modal(ack, body, action, context, client) -> None:
    ack()
    caller = identify(context, client, caller_id(body))
    with deps_of(context).sessions() as session:
        try:
            goal = goals.get_visible(session, caller.person, _goal_id(action_value(action)))
        except goals.GoalError as error:
            return tell(client, body, goal_blocks.error_text(error.code, caller.locale))
    view = goal_blocks.return_goal_modal(goal, locale=caller.locale, message_ref=_message_ref(body))
    client.views_open(trigger_id=trigger_id(body), view=view)


def submit_return(ack, body, view, context, client) -> None:
    caller = identify(context, client, caller_id(body))
    meta = metadata(view)
    comment = (view_values(view).get("comment") or "").strip()
    outcome = _decide(context, caller.person, meta.get("goal_id"), approve=False, comment=comment)
    if isinstance(outcome, str):
        return ack(response_action="errors", errors={"comment": goal_blocks.error_text(outcome, caller.locale)})
    ack()
    _announce(context, client, caller.person, outcome, approved=False, comment=comment,
              message_ref={k: meta[k] for k in ("channel", "ts") if isinstance(meta.get(k), str)}, locale=caller.locale)


def _decide(context, decider: Person | None, raw_goal_id, *, approve: bool, comment: str | None) -> Goal | str:
    return decide(deps_of(context), decider, raw_goal_id, approve=approve, comment=comment)


def decide(deps, decider: Person | None, raw_goal_id, *, approve: bool, comment: str | None) -> Goal | str:
    """Record the decision; return the goal, or the error code to show (nothing written then). Teams shares it."""
    if decider is None:
        return "not_allowed"
    try:
        with deps.sessions() as session:
            return goals.decide(session, decider, _goal_id(raw_goal_id), approve=approve, comment=comment,
                                now=deps.clock.now())
    except PermissionDenied:
        return "not_allowed"
    except goals.GoalValidationError as error:
        return next(iter(error.errors.values()), error.code)
    except goals.GoalError as error:
        return error.code


def _announce(context, client, decider: Person, goal: Goal, *, approved: bool, comment: str | None,
              message_ref: dict, locale: str) -> None:
    """Tell the owner (first: that must arrive whatever Slack does next), replace the buttons, refresh both homes."""
    with deps_of(context).sessions() as session:
        owner = session.get(Person, goal.owner_id)
        parent = session.get(Goal, goal.parent_id) if goal.parent_id else None
    send_to(context, client, owner, goal_blocks.goal_decided(
        goal, approved=approved, decider_name=decider.name, comment=comment,
        parent_title=parent.title if parent else None, locale=locale_of(context, owner)))
    if message_ref.get("channel") and message_ref.get("ts"):
        client.chat_update(channel=message_ref["channel"], ts=message_ref["ts"], **goal_blocks.decision_recorded(
            goal, approved=approved, owner_name=owner.name, comment=comment, locale=locale))
    publish_home(client, context, owner)
    publish_home(client, context, decider)


def _message_ref(body: dict) -> dict:
    """Where the buttons were: a DM message to update afterwards (none when clicked in the App Home)."""
    return message_ref(body)


def _goal_id(raw) -> int:
    """A goal id as a button or dialog carries it; anything else was forged and names no goal."""
    goal_id = record_id(raw)
    if goal_id is None:
        raise goals.GoalNotFound()
    return goal_id
