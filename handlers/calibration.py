"""Calibration and release in Slack: HR sees ratings beside evidence with a chart, asks for revisits, releases;
employees acknowledge their result and may respond."""

from __future__ import annotations

from slack_bolt import App

from handlers.context import deps_of, identify, locale_of, send_to, tell
from handlers.forms import metadata_id, view_values
from handlers.modals import open_record_modal
from handlers.payloads import action_value, caller_id, record_id, trigger_id
from prompts import calibration_blocks, review_blocks
from prompts.goal_blocks import error_text, modal_errors
from storage import calibration, cycles, reviews
from storage.models import Person, Review, ReviewCycle
from storage.permissions import is_hr


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
    cycle_id = record_id(action_value(action))
    try:
        if caller.person is None or cycle_id is None:
            raise reviews.ReviewError(reviews.NOT_FOUND)
        with deps_of(context).sessions() as session:
            found = calibration.calibration(session, caller.person, cycle_id)
    except reviews.ReviewError as error:
        return tell(client, body, error_text(error.code, caller.locale))
    channel = client.conversations_open(users=caller.slack_id)["channel"]["id"]
    messages = calibration_blocks.calibration_messages(found, locale=caller.locale)
    client.chat_postMessage(channel=channel, **messages[0])
    client.files_upload_v2(channel=channel, content=calibration_blocks.distribution_chart(found, locale=caller.locale),
                           filename=f"calibration-{found.cycle.id}.png", title=found.cycle.name)
    for message in messages[1:]:
        client.chat_postMessage(channel=channel, **message)


def open_revisit(ack, body, action, context, client) -> None:
    ack()
    caller = identify(context, client, caller_id(body))
    review_id = record_id(action_value(action))
    if caller.person is None or not is_hr(caller.person) or review_id is None:
        return tell(client, body, error_text(reviews.NOT_FOUND, caller.locale))
    client.views_open(trigger_id=trigger_id(body), view=calibration_blocks.revisit_modal(review_id,
                                                                                         locale=caller.locale))


def submit_revisit(ack, body, view, context, client) -> None:
    deps = deps_of(context)
    caller = identify(context, client, caller_id(body))
    review_id = metadata_id(view)
    note = view_values(view).get("note")
    try:
        if caller.person is None or review_id is None:
            raise reviews.ReviewError(reviews.NOT_FOUND)
        with deps.sessions() as session:
            review = calibration.ask_to_revisit(session, caller.person, review_id, note, now=deps.clock.now())
            manager = session.get(Person, review.author_id)
            subject = session.get(Person, review.subject_id)
            cycle = session.get(ReviewCycle, review.cycle_id)
    except reviews.ReviewValidationError as error:
        return ack(response_action="errors", errors={"note": " ".join(
            modal_errors(error.errors, caller.locale).values())})
    except reviews.ReviewError as error:
        return ack(response_action="errors", errors={"note": error_text(error.code, caller.locale)})
    ack()
    # The notice first: once saved it must reach them, whatever Slack does with the next call.
    if manager.active:
        send_to(context, client, manager, calibration_blocks.revisit_request(
            subject=subject.name, cycle=cycle.name, note=(note or "").strip(), review_id=review.id,
            open_action=review_blocks.OPEN_MANAGER_REVIEW_ACTION, locale=locale_of(context, manager)))
    client.chat_postMessage(channel=caller.slack_id, **calibration_blocks.revisit_sent(
        manager=manager.name, subject=subject.name, locale=caller.locale))


def release(ack, body, action, context, client) -> None:
    """Release a cycle from Slack; the review-results job then tells each employee in their waking hours."""
    ack()
    deps = deps_of(context)
    caller = identify(context, client, caller_id(body))
    cycle_id = record_id(action_value(action))
    with deps.sessions() as session:
        cycle = session.get(ReviewCycle, cycle_id) if cycle_id and caller.person else None
        if cycle is None or not is_hr(caller.person):
            return tell(client, body, error_text(reviews.NOT_FOUND, caller.locale))
        try:
            results = cycles.release(session, cycle.name, now=deps.clock.now(), actor_id=caller.person.id)
        except cycles.CycleError as error:
            return tell(client, body, error_text(error.code, caller.locale))
        name = cycle.name
    client.chat_postMessage(channel=caller.slack_id, **calibration_blocks.cycle_released(
        cycle=name, count=len(results), locale=caller.locale))


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
    deps = deps_of(context)
    caller = identify(context, client, caller_id(body))
    review_id = metadata_id(view)
    try:
        if caller.person is None or review_id is None:
            raise reviews.ReviewError(reviews.NOT_FOUND)
        with deps.sessions() as session:
            reply = calibration.acknowledge(session, caller.person, review_id, view_values(view).get("response"),
                                            now=deps.clock.now())
            result = session.get(Review, review_id)
            manager = session.get(Person, result.author_id)
            cycle = session.get(ReviewCycle, result.cycle_id)
    except reviews.ReviewValidationError as error:
        return ack(response_action="errors", errors={"response": " ".join(
            modal_errors(error.errors, caller.locale).values())})
    except reviews.ReviewError as error:
        return ack(response_action="errors", errors={"response": error_text(error.code, caller.locale)})
    ack()
    # The notice first: once saved it must reach them, whatever Slack does with the next call.
    if manager.active:
        send_to(context, client, manager, calibration_blocks.acknowledged_to_manager(
            subject=caller.person.name, cycle=cycle.name, response=reply.text, locale=locale_of(context, manager)))
    client.chat_postMessage(channel=caller.slack_id, **calibration_blocks.acknowledged(
        manager=manager.name, response=reply.text, locale=caller.locale))
