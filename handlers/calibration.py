"""Calibration and release in Slack: HR sees ratings beside evidence with a chart, asks for revisits, releases;
employees acknowledge their result and may respond."""

from __future__ import annotations

from slack_bolt import App

from actions import calibration as calibration_actions
from actions.perform import perform
from handlers.context import asked_by, deps_of, identify, tell
from handlers.evaluation_forms import open_form, press, submit_form
from handlers.forms import metadata_id, view_values
from handlers.modals import open_record_modal
from handlers.payloads import action_value, caller_id, record_id
from prompts import calibration_blocks
from prompts.goal_blocks import error_text
from storage import calibration, reviews


def register(app: App) -> None:
    app.action(calibration_blocks.CALIBRATE_ACTION)(show_calibration)
    app.action(calibration_blocks.REVISIT_ACTION)(open_revisit)
    app.view(calibration_blocks.REVISIT_VIEW)(submit_revisit)
    app.action(calibration_blocks.RELEASE_ACTION)(release)
    app.action(calibration_blocks.ACKNOWLEDGE_ACTION)(open_acknowledge)
    app.view(calibration_blocks.ACKNOWLEDGE_VIEW)(submit_acknowledge)


def show_calibration(ack, body, action, context, client) -> None:
    """Post the chart and every rating beside its evidence into HR's DM."""
    ack()
    caller = identify(context, client, caller_id(body))
    if caller.person is None:
        return tell(client, body, error_text(reviews.NOT_FOUND, caller.locale))
    outcome = perform(deps_of(context), calibration_actions.calibration_view,
                      asked_by(context, caller.person, caller.locale), cycle_id=record_id(action_value(action)))
    if not outcome.ok:
        return tell(client, body, error_text(outcome.errors[calibration_actions.CYCLE], caller.locale))
    found = outcome.value
    channel = client.conversations_open(users=caller.slack_id)["channel"]["id"]
    messages = calibration_blocks.calibration_messages(found, locale=caller.locale)
    client.chat_postMessage(channel=channel, **messages[0])
    client.files_upload_v2(channel=channel, content=calibration_blocks.distribution_chart(found, locale=caller.locale),
                           filename=f"calibration-{found.cycle.id}.png", title=found.cycle.name)
    for message in messages[1:]:
        client.chat_postMessage(channel=channel, **message)


def open_revisit(ack, body, action, context, client) -> None:
    open_form(ack, body, context, client, calibration_actions.revisit_form,
              lambda review_id, locale: calibration_blocks.revisit_modal(review_id, locale=locale),
              review_id=record_id(action_value(action)))


def submit_revisit(ack, body, view, context, client) -> None:
    submit_form(ack, body, view, context, client, calibration_actions.ask_to_revisit, field="note",
                review_id=metadata_id(view), note=view_values(view).get("note"))


def release(ack, body, action, context, client) -> None:
    """Release a cycle from Slack; the review-results job then tells each employee in their waking hours."""
    press(ack, body, context, client, calibration_actions.release_cycle, cycle_id=record_id(action_value(action)))


def open_acknowledge(ack, body, action, context, client) -> None:
    ack()

    def build(session, person, review_id, locale) -> dict:
        result = calibration.result_for(session, person, review_id)
        if result.subject.id != person.id:
            raise reviews.ReviewError(reviews.NOT_FOUND)
        if result.acknowledged_at is not None:
            raise reviews.ReviewError(calibration.ALREADY_ACKNOWLEDGED)
        return calibration_blocks.acknowledge_modal(review_id, locale=locale)

    open_record_modal(body, action, context, client, build)


def submit_acknowledge(ack, body, view, context, client) -> None:
    submit_form(ack, body, view, context, client, calibration_actions.acknowledge_result, field="response",
                review_id=metadata_id(view), response=view_values(view).get("response"))
