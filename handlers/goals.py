"""/goal: the new-goal modal with its SMART coach, `/goal list`, and help."""

from __future__ import annotations

from slack_bolt import App

from handlers.context import (
    deps_of,
    identify,
    locale_of,
    mentioned_slack_id,
    send_to,
    stranger_reply,
    subcommand_of,
    today_for,
)
from handlers.forms import inline_errors, view_values
from handlers.home import publish_home
from handlers.payloads import caller_id, command_caller, command_text, metadata_strings, text, trigger_id
from prompts import blocks, goal_blocks, render
from prompts.goal_blocks import error_text
from storage import goals, people
from storage.models import GoalLevel, Person
from storage.permissions import PermissionDenied

FORM_FIELDS = ("title", "metric", "unit", "start", "target", "due_date", "parent_id", "weight", "level",
               "description")


def register(app: App) -> None:
    app.command("/goal")(goal_command)
    app.action(goal_blocks.NEW_GOAL_ACTION)(open_new_goal_from_home)
    app.view(goal_blocks.NEW_GOAL_VIEW)(submit_new_goal)
    app.view(goal_blocks.CONFIRM_GOAL_VIEW)(confirm_new_goal)
    app.options(goal_blocks.PARENT_OPTIONS_ACTION)(parent_options)


def goal_command(ack, command, context, client) -> None:
    caller = identify(context, client, command_caller(command))
    if caller.person is None:
        return ack(**stranger_reply(context, caller))
    subcommand, rest = subcommand_of(command)
    if subcommand == "":
        ack()
        return open_new_goal(client, context, caller.person, caller.locale, trigger_id(command))
    if subcommand == "list":
        return ack(**goal_list_reply(context, caller.person, rest, locale=caller.locale))
    if subcommand == "help":
        return ack(**blocks.help_message("goal_help", locale=caller.locale))
    return ack(**blocks.unknown_subcommand("/goal", command_text(command), help_name="goal_help",
                                           locale=caller.locale))


def open_new_goal_from_home(ack, body, context, client) -> None:
    ack()
    caller = identify(context, client, caller_id(body))
    if caller.person is not None:
        open_new_goal(client, context, caller.person, caller.locale, trigger_id(body))


def open_new_goal(client, context, person: Person, locale: str, trigger_id: str) -> None:
    with deps_of(context).sessions() as session:
        choices = goals.visible_parent_choices(session, person)
    levels = [level.value for level in goals.allowed_levels(person)]
    view = goal_blocks.new_goal_modal(locale=locale, parent_choices=choices, levels=levels)
    client.views_open(trigger_id=trigger_id, view=view)


def goal_input(form: dict[str, str | None]) -> goals.GoalInput:
    fields = {name: form.get(name) for name in FORM_FIELDS}
    fields["level"] = fields["level"] or GoalLevel.INDIVIDUAL.value
    return goals.GoalInput(**fields)


def submit_new_goal(ack, body, view, context, client) -> None:
    form = {name: value for name, value in view_values(view).items() if name in FORM_FIELDS}
    _validate_then_save(ack, body, view, context, client, form, confirmed=False)


def confirm_new_goal(ack, body, view, context, client) -> None:
    form = metadata_strings(view, FORM_FIELDS)  # what the first step carried over; tampered reads as empty
    _validate_then_save(ack, body, view, context, client, form, confirmed=True)


def _validate_then_save(ack, body, view, context, client, form: dict, *, confirmed: bool) -> None:
    """Check the form with the SMART rules; errors inline, warnings as a confirm step, then save."""
    deps = deps_of(context)
    caller = identify(context, client, caller_id(body))
    if caller.person is None:  # only a forged submission gets here: the command refuses strangers
        return ack(response_action="errors", errors=inline_errors(
            {"title": error_text("not_in_directory", caller.locale)}, view, fallback="title"))
    raw = goal_input(form)
    with deps.sessions() as session:
        try:
            validation = goals.validate(session, caller.person, raw, today=today_for(context, caller.person))
        except PermissionDenied:
            validation = None
    if validation is None or validation.errors:
        codes = validation.errors if validation else {"title": "not_allowed"}
        errors = goal_blocks.modal_errors(codes, caller.locale)
        if confirmed:  # the confirm step has no inputs, so it shows the errors as text
            view = goal_blocks.confirm_goal_modal(form, [], locale=caller.locale, errors=list(errors.values()))
            return ack(response_action="update", view=view)
        return ack(response_action="errors", errors=inline_errors(errors, view, fallback="title"))
    if validation.warnings and not confirmed:
        return ack(response_action="push",
                   view=goal_blocks.confirm_goal_modal(form, validation.warnings, locale=caller.locale))
    if confirmed:
        ack(response_action="clear")  # closes the confirm step and the form under it
    else:
        ack()
    save_goal(context, client, caller.person, validation.draft, locale=caller.locale)


def save_goal(context, client, author: Person, draft: goals.GoalDraft, *, locale: str) -> None:
    """Store the goal, tell the author, and ask the manager to approve a proposed one."""
    deps = deps_of(context)
    with deps.sessions() as session:
        goal = goals.create(session, author, draft, now=deps.clock.now())
        manager = session.get(Person, author.manager_id) if author.manager_id else None
        parent_title = goals.get_visible(session, author, goal.parent_id).title if goal.parent_id else None
        progress = goals.own_progress(goal)
    manager_name = manager.name if manager else None
    asks_approval = goal.approval == "proposed" and manager
    if asks_approval:  # the notice first: once saved it must reach them, whatever Slack does with the next call
        send_to(context, client, manager, goal_blocks.approval_request(
            goal, progress, owner_name=author.name, parent_title=parent_title, locale=locale_of(context, manager)))
    client.chat_postMessage(channel=author.slack_id, **goal_blocks.goal_saved(
        goal, manager_name=manager_name, parent_title=parent_title, locale=locale))
    if asks_approval:
        publish_home(client, context, manager)
    publish_home(client, context, author)


def goal_list_reply(context, viewer: Person, argument: str, *, locale: str) -> dict:
    """Build `/goal list [@person]`: your own goals, a report's (managers), anyone's (HR)."""
    deps = deps_of(context)
    with deps.sessions() as session:
        subject = viewer
        if argument:
            slack_id = mentioned_slack_id(argument)
            if not slack_id:
                return blocks.markdown_message(render("goal_list_who", locale))
            subject = people.by_slack_id(session, slack_id)
        try:
            if subject is None:
                raise PermissionDenied("unknown person")
            listed = goals.goals_of(session, viewer, subject)
        except PermissionDenied:
            return blocks.markdown_message(render("goal_list_not_allowed", locale))
        progress = goals.progress_map(session, listed)
    return goal_blocks.goal_list(listed, progress, own=subject.id == viewer.id, name=subject.name, locale=locale,
                                 can_change=True)


def parent_options(ack, body, context) -> None:
    """Answer the searchable 'Supports' select when there are too many goals for a static list."""
    deps = deps_of(context)
    with deps.sessions() as session:
        person = people.by_slack_id(session, caller_id(body))
        choices = goals.visible_parent_choices(session, person) if person else []
    ack(options=goal_blocks.parent_options(choices, text(body.get("value")) or ""))
