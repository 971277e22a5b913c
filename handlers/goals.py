"""/goal: the new-goal modal with its SMART coach, `/goal list`, and help."""

from __future__ import annotations

from slack_bolt import App

from actions import goal_suggestions
from actions import goals as goal_actions
from actions.perform import perform
from handlers.context import (
    answer_of,
    asked_by,
    deliver_after_ack,
    deps_of,
    identify,
    mentioned_slack_id,
    stranger_reply,
    subcommand_of,
)
from handlers.forms import inline_errors, view_values
from handlers.home import publish_home
from handlers.payloads import caller_id, command_caller, command_text, metadata_strings, text, trigger_id
from prompts import blocks, goal_blocks
from prompts.goal_blocks import error_text
from storage import goals, people
from storage.models import Person

FORM_FIELDS = goal_actions.FORM_FIELDS


def register(app: App) -> None:
    app.command("/goal")(goal_command)
    app.action(goal_blocks.NEW_GOAL_ACTION)(open_new_goal_from_home)
    app.view(goal_blocks.NEW_GOAL_VIEW)(submit_new_goal)
    app.view(goal_blocks.CONFIRM_GOAL_VIEW)(confirm_new_goal)
    app.options(goal_blocks.PARENT_OPTIONS_ACTION)(parent_options)
    app.action(goal_blocks.SUGGEST_ACTION)(suggest_measurable)


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
    client.views_open(trigger_id=trigger_id, view=new_goal_view(context, person, locale))


def new_goal_view(context, person: Person, locale: str, **filled) -> dict:
    with deps_of(context).sessions() as session:
        choices = goals.visible_parent_choices(session, person)
    levels = [level.value for level in goals.allowed_levels(person)]
    return goal_blocks.new_goal_modal(locale=locale, parent_choices=choices, levels=levels, **filled)


def suggest_measurable(ack, body, context, client) -> None:
    """Turn the SMART coach's confirm step into the form again, filled with a measurable version (or the recipe).

    Nothing is saved: the person edits and submits the form, which then closes with the one under it.
    """
    ack()
    caller = identify(context, client, caller_id(body))
    view = body.get("view")
    if caller.person is None or not isinstance(view, dict):
        return
    form = metadata_strings(view, FORM_FIELDS)  # what the confirm step carried over; tampered reads as empty
    deps = deps_of(context)
    outcome = perform(deps, goal_suggestions.suggest_goal, asked_by(context, caller.person, caller.locale),
                      form=form, assistant_=deps.assistant)
    if outcome.ok:
        values, notice = outcome.value.values, outcome.value.notice
    else:
        values, notice = form, error_text(next(iter(outcome.errors.values())), caller.locale)
    client.views_update(view_id=view.get("id"), hash=view.get("hash"), view=new_goal_view(
        context, caller.person, caller.locale, values=values, notice=notice, stacked=True))


def submit_new_goal(ack, body, view, context, client) -> None:
    form = {name: value for name, value in view_values(view).items() if name in FORM_FIELDS}
    _propose(ack, body, view, context, client, form, confirmed=False)


def confirm_new_goal(ack, body, view, context, client) -> None:
    form = metadata_strings(view, FORM_FIELDS)  # what the first step carried over; tampered reads as empty
    _propose(ack, body, view, context, client, form, confirmed=True)


def _propose(ack, body, view, context, client, form: dict, *, confirmed: bool) -> None:
    """Propose the goal: errors inline, the SMART coach's warnings as a confirm step, else saved."""
    caller = identify(context, client, caller_id(body))
    if caller.person is None:  # only a forged submission gets here: the command refuses strangers
        return ack(response_action="errors", errors=inline_errors(
            {"title": error_text("not_in_directory", caller.locale)}, view, fallback="title"))
    outcome = perform(deps_of(context), goal_actions.propose_goal, asked_by(context, caller.person, caller.locale),
                      form=goal_actions.goal_input(form), confirmed=confirmed)
    if not outcome.ok:
        errors = goal_blocks.modal_errors(dict(outcome.errors), caller.locale)
        if confirmed:  # the confirm step has no inputs, so it shows the errors as text
            view = goal_blocks.confirm_goal_modal(form, [], locale=caller.locale, errors=list(errors.values()))
            return ack(response_action="update", view=view)
        return ack(response_action="errors", errors=inline_errors(errors, view, fallback="title"))
    if isinstance(outcome.value, goal_actions.Coached):  # over a suggested form, in its place: Slack stacks 3 views
        stacked = view.get("private_metadata") == goal_blocks.STACKED
        return ack(response_action="update" if stacked else "push",
                   view=goal_blocks.confirm_goal_modal(form, outcome.value.warnings, locale=caller.locale))
    if confirmed or view.get("private_metadata") == goal_blocks.STACKED:
        ack(response_action="clear")  # closes the confirm step (or the suggested form) and the form under it
    else:
        ack()
    deliver_after_ack(context, outcome)
    for person in outcome.value.homes:
        publish_home(client, context, person)


def goal_list_reply(context, viewer: Person, argument: str, *, locale: str) -> dict:
    """Build `/goal list [@person]`: your own goals, a report's (managers), anyone's (HR)."""
    subject, understood = viewer, True
    if argument:
        slack_id = mentioned_slack_id(argument)
        understood = slack_id is not None
        with deps_of(context).sessions() as session:
            subject = people.by_slack_id(session, slack_id) if slack_id else None
    return answer_of(context, goal_actions.list_goals, viewer, locale, subject=subject, understood=understood)


def parent_options(ack, body, context) -> None:
    """Answer the searchable 'Supports' select when there are too many goals for a static list."""
    deps = deps_of(context)
    with deps.sessions() as session:
        person = people.by_slack_id(session, caller_id(body))
        choices = goals.visible_parent_choices(session, person) if person else []
    ack(options=goal_blocks.parent_options(choices, text(body.get("value")) or ""))
