"""The ⋯ menu on a goal: update progress, adjust with a reason, read the history, archive."""

from __future__ import annotations

from slack_bolt import App

from handlers.context import deps_of, identify, tell
from handlers.forms import metadata_id, view_values
from handlers.goals import goal_input
from handlers.home import publish_home
from handlers.payloads import action_value, caller_id, fields, input_block_ids, record_id, trigger_id
from prompts import goal_blocks
from storage import goals, people
from storage.permissions import PermissionDenied

MENU_MODALS = {
    "progress": goal_blocks.progress_modal,
    "adjust": goal_blocks.adjust_modal,
    "archive": goal_blocks.archive_modal,
}
ADJUSTABLE = ("title", "metric", "unit", "start", "target", "due_date")


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
    deps = deps_of(context)
    with deps.sessions() as session:
        try:
            if caller.person is None or goal_id is None:
                raise goals.GoalNotFound()
            goal = goals.get_visible(session, caller.person, goal_id)
            if verb == "history":
                changes = goals.history(session, caller.person, goal.id)
                names = people.names_by_id(session, {c.actor_id for c in changes if c.actor_id})
                zone = people.zone_of(caller.person, default=deps.settings.default_timezone)
                view = goal_blocks.history_modal(goal, changes, names, locale=caller.locale, zone=zone)
            elif verb in MENU_MODALS:
                view = MENU_MODALS[verb](goal, locale=caller.locale)
            else:
                return
        except goals.GoalError as error:
            return tell(client, body, goal_blocks.error_text(error.code, caller.locale))
    client.views_open(trigger_id=trigger_id(body), view=view)


def submit_progress(ack, body, view, context, client) -> None:
    values = view_values(view)
    _change(ack, body, view, context, client, lambda session, person, goal_id, now: goals.update_progress(
        session, person, goal_id, value=values.get("value") or "", note=values.get("note"), now=now))


def submit_adjustment(ack, body, view, context, client) -> None:
    values = view_values(view)
    changes = goal_input({name: values.get(name) or "" for name in ADJUSTABLE})
    _change(ack, body, view, context, client, lambda session, person, goal_id, now: goals.adjust(
        session, person, goal_id, changes, reason=values.get("reason"), now=now))


def submit_archive(ack, body, view, context, client) -> None:
    values = view_values(view)
    _change(ack, body, view, context, client, lambda session, person, goal_id, now: goals.archive(
        session, person, goal_id, reason=values.get("reason"), now=now))


def _change(ack, body, view, context, client, verb) -> None:
    """Run one change verb on the goal named in the view; errors inline, nothing written on any error."""
    deps = deps_of(context)
    caller = identify(context, client, caller_id(body))
    goal_id = metadata_id(view)
    first_block = next(iter(input_block_ids(view)), "reason")
    try:
        if caller.person is None or goal_id is None:
            raise goals.GoalNotFound()
        with deps.sessions() as session:
            goal = verb(session, caller.person, goal_id, deps.clock.now())
            owner = session.get(people.Person, goal.owner_id)
    except goals.GoalValidationError as error:
        present = set(input_block_ids(view))
        errors = {field if field in present else first_block: goal_blocks.error_text(code, caller.locale)
                  for field, code in error.errors.items()}
        return ack(response_action="errors", errors=errors)
    except PermissionDenied:
        return ack(response_action="errors", errors={first_block: goal_blocks.error_text("not_allowed", caller.locale)})
    except goals.GoalError as error:
        return ack(response_action="errors", errors={first_block: goal_blocks.error_text(error.code, caller.locale)})
    ack()
    publish_home(client, context, caller.person)
    if owner and owner.id != caller.person.id:
        publish_home(client, context, owner)
