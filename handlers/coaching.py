"""The manager's week: Review from the 1:1 agenda, 1:1 held, and the employee's reflection."""

from __future__ import annotations

from slack_bolt import App

from handlers.context import deps_of, identify, locale_of, send_to, tell
from handlers.forms import inline_errors, metadata, metadata_id, view_values
from handlers.payloads import action_value, caller_id, fields, iso_week, record_id, trigger_id
from prompts import coaching_blocks
from prompts.goal_blocks import error_text, modal_errors
from storage import coaching
from storage.models import Person
from storage.permissions import PermissionDenied, can_decide_for


def register(app: App) -> None:
    app.action(coaching_blocks.REVIEW_ACTION)(open_review)
    app.action(coaching_blocks.ONE_ON_ONE_ACTION)(one_on_one_held)
    app.view(coaching_blocks.REVIEW_VIEW)(submit_review)
    app.action(coaching_blocks.REFLECT_ACTION)(open_reflection)
    app.view(coaching_blocks.REFLECT_VIEW)(submit_reflection)


def open_review(ack, body, action, context, client) -> None:
    """Open the review of one report, with their week as evidence, if the caller is their manager or HR."""
    ack()
    deps = deps_of(context)
    caller = identify(context, client, caller_id(body))
    raw_id, raw_week = fields(action_value(action), separator="|", count=2) or ("", "")
    subject_id, week = record_id(raw_id), iso_week(raw_week)
    with deps.sessions() as session:
        subject = session.get(Person, subject_id) if subject_id and week else None
        if caller.person is None or subject is None or not can_decide_for(session, caller.person, subject):
            return tell(client, body, error_text("review_week_not_allowed", caller.locale))
        report = coaching.report_agenda(session, subject, week=week, now=deps.clock.now())
    client.views_open(trigger_id=trigger_id(body),
                      view=coaching_blocks.review_modal(report, week=week, locale=caller.locale))


def feedback_input(view: dict) -> coaching.FeedbackInput:
    values = view_values(view)
    actions = tuple(
        coaching.ActionInput(text=values.get(f"action:{n}:text"), owner=values.get(f"action:{n}:owner") or "employee",
                             due_date=values.get(f"action:{n}:due_date"))
        for n in range(1, coaching_blocks.ACTION_ROWS + 1)
    )
    return coaching.FeedbackInput(
        acknowledged=bool(values.get("acknowledged")), went_well=values.get("went_well"),
        to_improve=values.get("to_improve"), assessment=values.get("assessment"),
        private_notes=values.get("private_notes"), actions=actions, goal_id=values.get("goal_id"),
        new_target=values.get("new_target"), new_due_date=values.get("new_due_date"),
        adjust_reason=values.get("adjust_reason"),
    )


def submit_review(ack, body, view, context, client) -> None:
    """Store the feedback (nothing on any error), then send it to the employee with a Reflect button."""
    deps = deps_of(context)
    caller = identify(context, client, caller_id(body))
    meta = metadata(view)
    week, subject_id = iso_week(meta.get("week")), record_id(meta.get("subject_id"))
    try:
        if caller.person is None or week is None or subject_id is None:
            raise PermissionDenied("no such review")
        with deps.sessions() as session:
            review = coaching.record_feedback(session, caller.person, subject_id, feedback_input(view),
                                              week=week, now=deps.clock.now(),
                                              default_zone=deps.settings.default_timezone)
            subject = session.get(Person, review.subject_id)
            shown = coaching.feedback_view(session, review, viewer_is_subject=True)
    except coaching.CoachingValidationError as error:
        errors = modal_errors(error.errors, caller.locale)
        return ack(response_action="errors", errors=inline_errors(errors, view, fallback="assessment"))
    except (PermissionDenied, coaching.CoachingError):
        return ack(response_action="errors", errors=inline_errors(
            {"assessment": error_text("review_week_not_allowed", caller.locale)}, view, fallback="assessment"))
    ack()
    send_to(context, client, subject, coaching_blocks.feedback_to_employee(
        shown, manager=caller.person.name, week=week, feedback_id=review.id, locale=locale_of(context, subject)))
    client.chat_postMessage(channel=caller.person.slack_id,
                            **coaching_blocks.feedback_sent(name=subject.name, week=week, locale=caller.locale))


def one_on_one_held(ack, body, action, context, client) -> None:
    ack()
    deps = deps_of(context)
    caller = identify(context, client, caller_id(body))
    report_id = record_id(action_value(action))
    try:
        if caller.person is None or report_id is None:
            raise PermissionDenied("no such report")
        with deps.sessions() as session:
            coaching.log_one_on_one(session, caller.person, report_id, now=deps.clock.now())
            report = session.get(Person, report_id)
    except PermissionDenied:
        return tell(client, body, error_text("one_on_one_not_allowed", caller.locale))
    tell(client, body, coaching_blocks.one_on_one_logged(name=report.name, locale=caller.locale)["text"])


def open_reflection(ack, body, action, context, client) -> None:
    ack()
    caller = identify(context, client, caller_id(body))
    feedback_id = record_id(action_value(action))
    if caller.person is None or feedback_id is None:
        return tell(client, body, error_text("not_found", caller.locale))
    client.views_open(trigger_id=trigger_id(body),
                      view=coaching_blocks.reflect_modal(feedback_id, locale=caller.locale))


def submit_reflection(ack, body, view, context, client) -> None:
    """Store the employee's reflection on their feedback and pass it to the manager who wrote it."""
    deps = deps_of(context)
    caller = identify(context, client, caller_id(body))
    values = view_values(view)
    feedback_id = metadata_id(view)
    try:
        if caller.person is None or feedback_id is None:
            raise coaching.CoachingError("not_found")
        with deps.sessions() as session:
            reflection = coaching.record_reflection(
                session, caller.person, feedback_id, will_do_differently=values.get("will_do_differently"),
                support_needed=values.get("support_needed"), now=deps.clock.now())
            manager = session.get(Person, coaching.feedback_author_id(session, feedback_id))
    except coaching.CoachingValidationError as error:
        errors = modal_errors(error.errors, caller.locale)
        return ack(response_action="errors", errors=inline_errors(errors, view, fallback="will_do_differently"))
    except coaching.CoachingError as error:
        return ack(response_action="errors", errors={"will_do_differently": error_text(error.code, caller.locale)})
    ack()
    if manager is not None:
        send_to(context, client, manager, coaching_blocks.reflection_to_manager(
            name=caller.person.name, week=reflection.period or "", will_do=values.get("will_do_differently"),
            support=values.get("support_needed"), locale=locale_of(context, manager)))
    client.chat_postMessage(channel=caller.person.slack_id,
                            **coaching_blocks.reflection_sent(manager=manager.name if manager else "",
                                                              locale=caller.locale))
