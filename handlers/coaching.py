"""The manager's week in Slack: Review from the 1:1 agenda, 1:1 held, and the employee's reflection.

The actions (actions/coaching.py) decide who may, what is valid and who is told; this module reads Slack's
payloads into their inputs and shows their outcomes.
"""

from __future__ import annotations

from slack_bolt import App
from slack_sdk.webhook import WebhookClient

from actions import coaching as coaching_actions
from actions import goals as goal_actions
from actions import translation
from actions.perform import perform
from handlers.context import asked_by, deliver_after_ack, deps_of, identify, tell
from handlers.forms import inline_errors, metadata, metadata_id, view_values
from handlers.payloads import action_value, caller_id, fields, record_id, trigger_id
from prompts import assistant_blocks, coaching_blocks, goal_blocks
from prompts.goal_blocks import error_text, modal_errors
from prompts.render import label


def register(app: App) -> None:
    app.action(coaching_blocks.REVIEW_ACTION)(open_review)
    app.action(coaching_blocks.ONE_ON_ONE_ACTION)(one_on_one_held)
    app.view(coaching_blocks.REVIEW_VIEW)(submit_review)
    app.action(coaching_blocks.REFLECT_ACTION)(open_reflection)
    app.view(coaching_blocks.REFLECT_VIEW)(submit_reflection)
    app.action(coaching_blocks.ADJUST_GOAL_ACTION)(open_adjustment)
    app.action(assistant_blocks.TRANSLATE_ACTION)(translate)
    app.action(assistant_blocks.ORIGINAL_ACTION)(show_original)


def open_review(ack, body, action, context, client) -> None:
    """Open the review of one report, with their week as evidence, if the caller is their manager or HR."""
    ack()
    caller = identify(context, client, caller_id(body))
    raw_id, week = fields(action_value(action), separator="|", count=2) or ("", "")
    if caller.person is None:
        return tell(client, body, error_text(coaching_actions.REVIEW_NOT_ALLOWED, caller.locale))
    outcome = perform(deps_of(context), coaching_actions.week_to_review,
                      asked_by(context, caller.person, caller.locale), subject_id=record_id(raw_id), week=week)
    if not outcome.ok:
        return tell(client, body, error_text(outcome.errors[coaching_actions.REVIEW], caller.locale))
    client.views_open(trigger_id=trigger_id(body),
                      view=coaching_blocks.review_modal(outcome.value, week=week, locale=caller.locale))


def submit_review(ack, body, view, context, client) -> None:
    """Store the feedback (nothing on any error); the employee gets it with a Reflect button, the manager a note."""
    caller = identify(context, client, caller_id(body))
    meta = metadata(view)
    values = view_values(view)
    outcome = None
    if caller.person is not None:
        deps = deps_of(context)
        outcome = perform(deps, coaching_actions.review, asked_by(context, caller.person, caller.locale),
                          subject_id=record_id(meta.get("subject_id")), week=meta.get("week"),
                          form=coaching_actions.feedback_form(values, acknowledged=bool(values.get("acknowledged"))),
                          translate=translation.offered(deps.assistant))
    if outcome is None or not outcome.ok:
        errors = outcome.errors if outcome is not None else {"assessment": coaching_actions.REVIEW_NOT_ALLOWED}
        return ack(response_action="errors", errors=inline_errors(modal_errors(errors, caller.locale), view,
                                                                  fallback="assessment"))
    ack()
    deliver_after_ack(context, outcome)


def one_on_one_held(ack, body, action, context, client) -> None:
    ack()
    caller = identify(context, client, caller_id(body))
    if caller.person is None:
        return tell(client, body, error_text(coaching_actions.ONE_ON_ONE_NOT_ALLOWED, caller.locale))
    outcome = perform(deps_of(context), coaching_actions.one_on_one_held,
                      asked_by(context, caller.person, caller.locale), report_id=record_id(action_value(action)))
    if not outcome.ok:
        return tell(client, body, error_text(outcome.errors[coaching_actions.ONE_ON_ONE], caller.locale))
    tell(client, body, outcome.reply["text"])


def open_adjustment(ack, body, action, context, client) -> None:
    """"Adjust this goal" on an early warning: the goal's own adjustment modal (saved by handlers.goal_changes,
    the reason kept in its history), if the caller may adjust it."""
    ack()
    caller = identify(context, client, caller_id(body))
    if caller.person is None:
        return tell(client, body, error_text("not_found", caller.locale))
    outcome = perform(deps_of(context), goal_actions.changeable_goal,
                      asked_by(context, caller.person, caller.locale), goal_id=record_id(action_value(action)))
    if not outcome.ok:
        return tell(client, body, error_text(outcome.errors[goal_actions.GOAL], caller.locale))
    client.views_open(trigger_id=trigger_id(body), view=goal_blocks.adjust_modal(outcome.value, locale=caller.locale))


def open_reflection(ack, body, action, context, client) -> None:
    ack()
    caller = identify(context, client, caller_id(body))
    feedback_id = record_id(action_value(action))
    if caller.person is None or feedback_id is None:  # whose feedback it is is checked on submit
        return tell(client, body, error_text("not_found", caller.locale))
    client.views_open(trigger_id=trigger_id(body),
                      view=coaching_blocks.reflect_modal(feedback_id, locale=caller.locale))


def submit_reflection(ack, body, view, context, client) -> None:
    """Store the employee's reflection on their feedback; the manager who wrote it is told."""
    caller = identify(context, client, caller_id(body))
    values = view_values(view)
    outcome = None
    if caller.person is not None:
        outcome = perform(deps_of(context), coaching_actions.reflect,
                          asked_by(context, caller.person, caller.locale), feedback_id=metadata_id(view),
                          will_do_differently=values.get("will_do_differently"),
                          support_needed=values.get("support_needed"))
    if outcome is None or not outcome.ok:
        errors = outcome.errors if outcome is not None else {"will_do_differently": "not_found"}
        return ack(response_action="errors", errors=inline_errors(modal_errors(errors, caller.locale), view,
                                                                  fallback="will_do_differently"))
    ack()
    deliver_after_ack(context, outcome)


def translate(ack, body, action, context, client) -> None:
    """"Translate" beside a check-in or feedback: the text in the caller's language, marked machine-translated."""
    ack()
    caller = identify(context, client, caller_id(body))
    if caller.person is None:
        return tell(client, body, error_text("not_found", caller.locale))
    deps = deps_of(context)
    outcome = perform(deps, translation.translate, asked_by(context, caller.person, caller.locale),
                      value=action_value(action), assistant_=deps.assistant)
    _show_translation(client, body, action, outcome, caller.locale)


def show_original(ack, body, action, context, client) -> None:
    """"Show original" under a translation: the text as written, with Translate again; nothing is sent."""
    ack()
    caller = identify(context, client, caller_id(body))
    if caller.person is None:
        return tell(client, body, error_text("not_found", caller.locale))
    outcome = perform(deps_of(context), translation.original, asked_by(context, caller.person, caller.locale),
                      value=action_value(action))
    _show_translation(client, body, action, outcome, caller.locale)


def _show_translation(client, body: dict, action: dict, outcome, locale: str) -> None:
    """Answer privately under the message clicked; a click in our own answer replaces that answer."""
    if not outcome.ok:
        code = outcome.errors[translation.REFUSED]
        return tell(client, body, label("translation_unavailable", locale) if code == translation.OFF
                    else error_text("not_found", locale))
    message = assistant_blocks.translation(outcome.value, locale=locale)
    if body.get("response_url"):
        replace = action.get("block_id") == assistant_blocks.TRANSLATION_BLOCK
        WebhookClient(body["response_url"]).send(response_type="ephemeral", replace_original=replace, **message)
    else:
        client.chat_postMessage(channel=body["user"]["id"], **message)
