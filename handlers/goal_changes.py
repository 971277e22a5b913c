"""The ⋯ menu on a goal: update progress, adjust with a reason, read the history, archive (actions.goals)."""

from __future__ import annotations

from slack_bolt import App

from actions import goals as goal_actions
from actions.perform import perform
from handlers.context import asked_by, deliver_after_ack, deps_of, identify, tell
from handlers.forms import metadata_id, view_values
from handlers.home import publish_home
from handlers.payloads import action_value, caller_id, fields, input_block_ids, record_id, trigger_id
from prompts import goal_blocks
from prompts.goal_blocks import error_text
from storage import goals

MENU_MODALS = {
    "progress": goal_blocks.progress_modal,
    "adjust": goal_blocks.adjust_modal,
    "archive": goal_blocks.archive_modal,
}
ADJUSTABLE = goal_actions.ADJUSTABLE


def register(app: App) -> None:
    app.action(goal_blocks.MENU_ACTION)(open_from_menu)
    app.view(goal_blocks.PROGRESS_VIEW)(submit_progress)
    app.view(goal_blocks.ADJUST_VIEW)(submit_adjustment)
    app.view(goal_blocks.ARCHIVE_VIEW)(submit_archive)


def open_from_menu(ack, body, action, context, client) -> None:
    ack()
    caller = identify(context, client, caller_id(body))
    verb, raw_id = fields(action_value(action), separator=":", count=2) or ("", "")
    goal_id = record_id(raw_id)
    if caller.person is None:
        return tell(client, body, error_text(goals.NOT_FOUND, caller.locale))
    if verb == "history":
        outcome = perform(deps_of(context), goal_actions.goal_history,
                          asked_by(context, caller.person, caller.locale), goal_id=goal_id)
        if not outcome.ok:
            return tell(client, body, error_text(outcome.errors[goal_actions.GOAL], caller.locale))
        history = outcome.value
        view = goal_blocks.history_modal(history.goal, history.changes, history.names, locale=caller.locale,
                                         zone=history.zone)
    elif verb in MENU_MODALS:
        with deps_of(context).sessions() as session:
            goal = goal_actions.visible_goal(session, caller.person, goal_id)
        if isinstance(goal, str):
            return tell(client, body, error_text(goal, caller.locale))
        view = MENU_MODALS[verb](goal, locale=caller.locale)
    else:
        return
    client.views_open(trigger_id=trigger_id(body), view=view)


def submit_progress(ack, body, view, context, client) -> None:
    values = view_values(view)
    _change(ack, body, view, context, client, goal_actions.update_progress, value=values.get("value") or "",
            note=values.get("note"))


def submit_adjustment(ack, body, view, context, client) -> None:
    values = view_values(view)
    changes = goal_actions.goal_input({name: values.get(name) or "" for name in ADJUSTABLE})
    _change(ack, body, view, context, client, goal_actions.adjust_goal, changes=changes, reason=values.get("reason"))


def submit_archive(ack, body, view, context, client) -> None:
    _change(ack, body, view, context, client, goal_actions.archive_goal, reason=view_values(view).get("reason"))


def _change(ack, body, view, context, client, action, **inputs) -> None:
    """Run one change on the goal named in the view; errors inline (a goal-wide one by the first input)."""
    caller = identify(context, client, caller_id(body))
    present = input_block_ids(view)
    first_block = next(iter(present), "reason")
    if caller.person is None:
        return ack(response_action="errors", errors={first_block: error_text(goals.NOT_FOUND, caller.locale)})
    outcome = perform(deps_of(context), action, asked_by(context, caller.person, caller.locale),
                      goal_id=metadata_id(view), **inputs)
    if not outcome.ok:
        return ack(response_action="errors", errors={
            field if field in present else first_block: error_text(code, caller.locale)
            for field, code in outcome.errors.items()})
    ack()
    for person in outcome.value.homes:
        publish_home(client, context, person)
    deliver_after_ack(context, outcome)  # an adjustment by someone else tells the goal's owner
