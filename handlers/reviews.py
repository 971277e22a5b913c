"""Review cycles in Slack: the self- and manager review modals; what they record is decided in actions.reviews."""

from __future__ import annotations

import re

from slack_bolt import App

from actions import drafting
from actions import reviews as review_actions
from actions.assistant import REVIEW_DRAFTS
from actions.perform import perform
from handlers.context import asked_by, deliver_after_ack, deps_of, identify
from handlers.forms import inline_errors, metadata_id, record_id, view_values
from handlers.modals import open_record_modal
from handlers.payloads import caller_id, input_block_ids
from prompts import label, review_blocks
from prompts.goal_blocks import error_text, modal_errors
from storage import reviews

FIELD = re.compile(r"^(rating|comment|evidence):(.+)$")


def register(app: App) -> None:
    app.action(review_blocks.OPEN_SELF_REVIEW_ACTION)(open_self_review)
    app.view(review_blocks.SELF_REVIEW_VIEW)(submit_self_review)
    app.action(review_blocks.OPEN_MANAGER_REVIEW_ACTION)(open_manager_review)
    app.view(review_blocks.MANAGER_REVIEW_VIEW)(submit_manager_review)
    app.action(review_blocks.DRAFT_ACTION)(draft_review)


def open_self_review(ack, body, action, context, client) -> None:
    ack()
    open_record_modal(body, action, context, client, lambda session, person, review_id, locale: (
        with_draft(context, review_blocks.self_review_modal(reviews.self_review_form(session, person, review_id),
                                                            locale=locale), drafting.SELF, locale)))


def open_manager_review(ack, body, action, context, client) -> None:
    ack()
    open_record_modal(body, action, context, client, lambda session, person, review_id, locale: (
        with_draft(context, review_blocks.manager_review_modal(
            reviews.manager_review_form(session, person, review_id), locale=locale,
            anonymous_peer=label("anonymous_peer", locale)), drafting.MANAGER, locale)))


def with_draft(context, view: dict, kind: str, locale: str) -> dict:
    """A review modal with "Draft from my records" when the assistant's review drafts are on."""
    assistant = deps_of(context).assistant
    return review_blocks.with_draft_button(view, kind, locale=locale,
                                           on=assistant is not None and assistant.on(REVIEW_DRAFTS))


def draft_review(ack, body, action, context, client) -> None:
    """Fill the open review modal's empty text fields from the writer's records (the action decides what)."""
    ack()
    caller = identify(context, client, caller_id(body))
    view = body.get("view")
    kind, _, raw_id = (action.get("value") or "").partition(":")
    if caller.person is None or not isinstance(view, dict):
        return
    deps = deps_of(context)
    outcome = perform(deps, drafting.draft_review, asked_by(context, caller.person, caller.locale), kind=kind,
                      review_id=record_id(raw_id), assistant_=deps.assistant)
    if outcome.ok:
        draft = outcome.value
        notice = label(draft.notice, caller.locale) if draft.notice else None
        fields = draft.fields
    else:
        notice, fields = error_text(next(iter(outcome.errors.values())), caller.locale), {}
    client.views_update(view_id=view.get("id"), hash=view.get("hash"), view=review_blocks.drafted_view(
        view, typed=view_values(view), draft=fields, notice=notice, nonce=(context.get("request_key") or "d")[:8]))


def submit_self_review(ack, body, view, context, client) -> None:
    fields = review_fields(view_values(view))
    submitted(ack, body, view, context, client, review_actions.submit_self_review, review_id=metadata_id(view),
              ratings=fields["rating"], comments=fields["comment"], evidence=fields["evidence"])


def submit_manager_review(ack, body, view, context, client) -> None:
    values = view_values(view)
    fields = review_fields(values)
    submitted(ack, body, view, context, client, review_actions.submit_manager_review, review_id=metadata_id(view),
              ratings=fields["rating"], comments=fields["comment"], overall=values.get("overall"),
              strengths=values.get("strengths"), to_improve=values.get("to_improve"))


def submitted(ack, body, view, context, client, action, /, **inputs) -> None:
    """Record a review through its action: errors beside their inputs (nothing saved), or close and thank."""
    caller = identify(context, client, caller_id(body))
    first = first_input(view)
    if caller.person is None:
        return ack(response_action="errors", errors={first: error_text(reviews.NOT_FOUND, caller.locale)})
    outcome = perform(deps_of(context), action, asked_by(context, caller.person, caller.locale), **inputs)
    if not outcome.ok:
        return ack(response_action="errors", errors=form_errors(outcome.errors, view, caller.locale))
    ack()
    deliver_after_ack(context, outcome)


def form_errors(errors, view: dict, locale: str) -> dict[str, str]:
    """A review action's refusal as Slack's modal errors: by field, or the whole form's on its first input."""
    first = first_input(view)
    if review_actions.FORM in errors:
        return {first: error_text(errors[review_actions.FORM], locale)}
    return inline_errors(modal_errors(dict(errors), locale), view, fallback=first)


def first_input(view: dict) -> str:
    """The block an error about the whole form goes on: Slack shows errors on input blocks only."""
    return next(iter(input_block_ids(view)), "")


def review_fields(values: dict) -> dict[str, dict[str, str | None]]:
    fields: dict[str, dict[str, str | None]] = {"rating": {}, "comment": {}, "evidence": {}}
    for block_id, value in values.items():
        match = FIELD.match(block_id)
        if match:
            fields[match.group(1)][match.group(2)] = value
    return fields
