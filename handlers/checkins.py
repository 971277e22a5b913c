"""/checkin: the weekly modal, history, away; reminders' buttons; the manager's reply to a blocker."""

from __future__ import annotations

import re

from slack_bolt import App
from slack_sdk.webhook import WebhookClient

from actions import assistant_settings
from actions import checkins as checkin_actions
from actions import questions as question_actions
from actions import warnings as warning_actions
from actions.perform import perform
from handlers import checkin_flow
from handlers.context import (
    answer_of,
    asked_by,
    deliver_after_ack,
    deps_of,
    identify,
    mentioned_slack_id,
    stranger_reply,
    subcommand_of,
    tell,
)
from handlers.forms import inline_errors, metadata, metadata_id, view_values
from handlers.home import publish_home
from handlers.payloads import (
    Malformed,
    action_value,
    caller_id,
    clicked_on_home,
    command_caller,
    command_text,
    fields,
    iso_week,
    message_ref,
    private_metadata,
    record_id,
    trigger_id,
)
from prompts import assistant_blocks, blocks, checkin_blocks, question_blocks
from prompts.goal_blocks import error_text, modal_errors
from prompts.render import label
from storage import checkins, people, questions, warnings
from storage.models import Person

GOAL_FIELD = re.compile(r"^goal:([0-9]+):(value|status|same)$")


def register(app: App) -> None:
    app.command("/checkin")(checkin_command)
    app.action(checkin_blocks.OPEN_CHECKIN_ACTION)(open_from_button)
    app.action(re.compile(f"^{checkin_blocks.SNOOZE_ACTION}-"))(snooze)
    app.view(checkin_blocks.CHECKIN_VIEW)(submit_checkin)
    app.action(checkin_blocks.RESPOND_ACTION)(open_reply)
    app.action(checkin_blocks.RESOLVE_ACTION)(resolve)
    app.view(checkin_blocks.REPLY_VIEW)(submit_reply)
    app.view(question_blocks.QUESTIONS_VIEW)(submit_questions)
    app.action(assistant_blocks.SWITCH_ACTION)(switch_assistant_feature)


def checkin_command(ack, command, context, client) -> None:
    caller = identify(context, client, command_caller(command))
    if caller.person is None:
        return ack(**stranger_reply(context, caller))
    subcommand, rest = subcommand_of(command)
    if subcommand == "":
        ack()
        return open_checkin(client, context, caller.person, caller.locale, trigger_id(command))
    if subcommand == "history":
        return ack(**history_reply(context, caller.person, rest, locale=caller.locale))
    if subcommand in ("away", "back"):
        return ack(**away_reply(context, caller.person, rest if subcommand == "away" else "", locale=caller.locale))
    if subcommand == "help":
        return ack(**blocks.help_message("checkin_help", locale=caller.locale))
    if subcommand == "questions":
        return open_questions(ack, client, context, caller.person, rest, locale=caller.locale,
                              trigger=trigger_id(command))
    if subcommand == "here":
        return ack(**here_reply(context, caller.person, locale=caller.locale))
    if subcommand in ("welcome", "start"):
        return ack(**welcome_reply(context, caller.person, locale=caller.locale))
    if subcommand == "assistant":  # HR: the assistant's features, each with an On/Off button
        return ack(**assistant_reply(context, caller.person, locale=caller.locale))
    return ack(
        **blocks.unknown_subcommand("/checkin", command_text(command), help_name="checkin_help", locale=caller.locale)
    )


def assistant_reply(context, person: Person, *, locale: str) -> dict:
    """HR's switches of the assistant's features; anyone else is told plainly that only HR may."""
    outcome = perform(deps_of(context), assistant_settings.show, asked_by(context, person, locale),
                      operator_features=assistant_settings.operator_features(deps_of(context).assistant))
    if not outcome.ok:
        return {"text": label(f"assistant_{outcome.errors[assistant_settings.REFUSED]}", locale)}
    return outcome.reply


def switch_assistant_feature(ack, body, action, context, client) -> None:
    """An On/Off button of `/checkin assistant`: switch the feature, and the message is replaced by the new view."""
    ack()
    caller = identify(context, client, caller_id(body))
    if caller.person is None:
        return tell(client, body, error_text("not_found", caller.locale))
    deps = deps_of(context)
    outcome = perform(deps, assistant_settings.switch_feature, asked_by(context, caller.person, caller.locale),
                      operator_features=assistant_settings.operator_features(deps.assistant),
                      value=action_value(action))
    if not outcome.ok:
        return tell(client, body, label(f"assistant_{outcome.errors[assistant_settings.REFUSED]}", caller.locale))
    if body.get("response_url"):
        WebhookClient(body["response_url"]).send(response_type="ephemeral", replace_original=True, **outcome.reply)
    else:
        client.chat_postMessage(channel=caller_id(body), **outcome.reply)


def here_reply(context, person: Person, *, locale: str) -> dict:
    """Send this person's reminders and other scheduled messages to Slack from now on (they may use Teams too)."""
    return answer_of(context, checkin_actions.prefer_surface, person, locale)


def welcome_reply(context, person: Person, *, locale: str) -> dict:
    """The getting-started guide for the person's role, as the welcome job sends it."""
    schedule = deps_of(context).schedule
    return answer_of(context, checkin_actions.welcome_guide, person, locale, reminder=schedule.reminder_slot,
                     nudge=schedule.nudge_slot, digest=schedule.digest_slot)


def open_from_button(ack, body, action, context, client) -> None:
    ack()
    caller = identify(context, client, caller_id(body))
    if caller.person is not None:  # the reminder's week, when the button came from one
        open_checkin(client, context, caller.person, caller.locale, trigger_id(body),
                     week=iso_week(action_value(action)), from_home=clicked_on_home(body))


def open_checkin(client, context, person: Person, locale: str, trigger_id: str, *, week: str | None = None,
                 from_home: bool = False) -> None:
    """Open the check-in (this week's, or the reminder's week), prefilled with goals and what was said before."""
    deps = deps_of(context)
    with deps.sessions() as session:
        weeks = checkins.open_weeks(session, person, now=deps.clock.now(), default_zone=deps.settings.default_timezone)
        # This week first, unless the button came from a reminder about last week.
        weeks.sort(key=lambda choice: (choice.week != week, choice.late))
        active = checkins.active_goals(session, person)
        existing = checkins.existing(session, person, weeks[0].week)
        reported = {p.goal_id: p for p in checkins.progress_of(session, existing)} if existing else {}
        asked, answered = questions.asked_with_answers(session, person, weeks[0].week, existing)
        follow_ups = checkins.follow_ups(session, person, week=weeks[0].week)
        flags = warnings.flagged_goals(session, person, now=deps.clock.now(),
                                       default_zone=deps.settings.default_timezone)
    view = checkin_blocks.checkin_modal(
        active, weeks=[checkin_blocks.WeekOption(w.week, w.late) for w in weeks], existing=existing,
        existing_progress=reported, locale=locale, questions=asked, answers=answered, follow_ups=follow_ups,
        flags=flags, from_home=from_home)
    client.views_open(trigger_id=trigger_id, view=view)


def checkin_input(view: dict) -> checkins.CheckinInput:
    return checkin_flow.checkin_input(view_values(view), goal_field=_goal_field,
                                      week=checkin_blocks.opened_from_home(private_metadata(view))[0] or None)


def _goal_field(block_id: str) -> tuple[str, str] | None:
    match = GOAL_FIELD.match(block_id)
    return (match.group(1), match.group(2)) if match else None


def submit_checkin(ack, body, view, context, client) -> None:
    caller = identify(context, client, caller_id(body))
    if caller.person is None:  # only a forged submission gets here: the command refuses strangers
        return ack(response_action="errors", errors=inline_errors(
            {"confidence": error_text("not_in_directory", caller.locale)}, view, fallback="confidence"))
    outcome = perform(deps_of(context), checkin_actions.check_in, asked_by(context, caller.person, caller.locale),
                      form=checkin_input(view), targets=warning_actions.target_answers(view_values(view)))
    if not outcome.ok:
        errors = modal_errors(outcome.errors, caller.locale)
        return ack(response_action="errors", errors=inline_errors(errors, view, fallback="confidence"))
    ack()
    deliver_after_ack(context, outcome)
    # Refresh the App Home only when the check-in was opened from it: a person elsewhere sees a fresh one the next
    # time they open it (app_home_opened), and 50,000 Friday check-ins would otherwise be 50,000 views.publish
    # calls against Slack's Tier 4 allowance of about 100 a minute.
    if checkin_blocks.opened_from_home(private_metadata(view))[1]:
        publish_home(client, context, caller.person)


def open_questions(ack, client, context, person: Person, argument: str, *, locale: str, trigger: str) -> None:
    """`/checkin questions [team NAME | plan NAME]`: the list in a modal, for HR or the team's manager."""
    outcome = perform(deps_of(context), question_actions.open_questions, asked_by(context, person, locale),
                      argument=argument)
    if not outcome.ok:
        return ack(**blocks.markdown_message(error_text(outcome.errors["questions"], locale)))
    ack()
    scope = outcome.value.scope
    client.views_open(trigger_id=trigger, view=question_blocks.questions_modal(
        scope_key=scope.key, scope_kind=scope.kind, scope_name=scope.name, source=outcome.value.source,
        locale=locale))


def submit_questions(ack, body, view, context, client) -> None:
    """Save the list; a refused one keeps the modal open with every line at fault under the text."""
    caller = identify(context, client, caller_id(body))
    if caller.person is None:
        return ack(response_action="errors",
                   errors={question_blocks.QUESTIONS_FIELD: error_text("questions_not_allowed", caller.locale)})
    scope = metadata(view).get("scope")
    outcome = perform(deps_of(context), question_actions.save_questions,
                      asked_by(context, caller.person, caller.locale),
                      scope_key=scope if isinstance(scope, str) else "",
                      text=view_values(view).get(question_blocks.QUESTIONS_FIELD) or "")
    if not outcome.ok:
        words = question_blocks.error_lines(outcome.value, caller.locale) if outcome.value else \
            error_text(outcome.errors["questions"], caller.locale)
        return ack(response_action="errors", errors={question_blocks.QUESTIONS_FIELD: words})
    ack()
    deliver_after_ack(context, outcome)


def snooze(ack, body, action, context, client) -> None:
    """Snooze a reminder for two hours or until tomorrow morning, within the person's waking hours."""
    ack()
    caller = identify(context, client, caller_id(body))
    week, choice = fields(action_value(action), separator="|", count=2) or ("", "")
    if iso_week(week) is None or choice not in checkin_blocks.SNOOZE_CHOICES:
        raise Malformed("a snooze button's value is not week|choice")
    if caller.person is None:
        return
    outcome = perform(deps_of(context), checkin_actions.snooze_reminder,
                      asked_by(context, caller.person, caller.locale), week=week, choice=choice)
    message = outcome.reply or blocks.markdown_message(error_text(outcome.errors["snooze"], caller.locale))
    if where := message_ref(body):
        client.chat_update(**where, **message)
    else:
        client.chat_postMessage(channel=caller.person.slack_id, **message)


def history_reply(context, viewer: Person, argument: str, *, locale: str) -> dict:
    """Build `/checkin history [@person]`: your own, a report's (managers), anyone's (HR)."""
    subject = viewer
    if argument:
        slack_id = mentioned_slack_id(argument)
        with deps_of(context).sessions() as session:
            subject = people.by_slack_id(session, slack_id) if slack_id else None
    return answer_of(context, checkin_actions.history, viewer, locale, subject=subject)


def away_reply(context, person: Person, argument: str, *, locale: str) -> dict:
    """Handle `/checkin away until YYYY-MM-DD` and `/checkin back`."""
    return answer_of(context, checkin_actions.set_away, person, locale, argument=argument)


def open_reply(ack, body, action, context, client) -> None:
    """The Respond button: the reply modal for the report's manager or HR; the alert is seen from then on."""
    ack()
    caller = identify(context, client, caller_id(body))
    checkin_id = record_id(action_value(action))
    if caller.person is None:
        return tell(client, body, error_text("reply_not_allowed", caller.locale))
    outcome = perform(deps_of(context), checkin_actions.open_reply, asked_by(context, caller.person, caller.locale),
                      checkin_id=checkin_id)
    if not outcome.ok:
        return tell(client, body, error_text("reply_not_allowed", caller.locale))
    view = checkin_blocks.reply_modal(checkin_id=checkin_id, name=outcome.value.name, locale=caller.locale)
    client.views_open(trigger_id=trigger_id(body), view=view)
    deliver_after_ack(context, outcome)


def resolve(ack, body, action, context, client) -> None:
    """The employee's Resolved button on their manager's reply."""
    ack()
    caller = identify(context, client, caller_id(body))
    if caller.person is None:
        return
    outcome = perform(deps_of(context), checkin_actions.resolve_blocker,
                      asked_by(context, caller.person, caller.locale), checkin_id=record_id(action_value(action)))
    if not outcome.ok:
        return tell(client, body, error_text(outcome.errors["resolve"], caller.locale))
    deliver_after_ack(context, outcome)


def submit_reply(ack, body, view, context, client) -> None:
    caller = identify(context, client, caller_id(body))
    if caller.person is None:
        return ack(response_action="errors", errors={"reply": error_text("reply_not_allowed", caller.locale)})
    outcome = perform(deps_of(context), checkin_actions.reply_to_checkin,
                      asked_by(context, caller.person, caller.locale), checkin_id=metadata_id(view),
                      text=view_values(view).get("reply") or "")
    if not outcome.ok:
        return ack(response_action="errors", errors=modal_errors(outcome.errors, caller.locale))
    ack()
    deliver_after_ack(context, outcome)
