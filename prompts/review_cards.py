"""Teams dialogs for review cycles: self, peer and manager reviews, declining, acknowledging."""

from __future__ import annotations

from typing import Any

from prompts import (
    calibration_blocks,
    peer_blocks,
    review_blocks,
)
from prompts.adaptive import (
    CARD_BUDGET_BYTES,
    choice_input,
    dialog,
    form_dialog,
    size_of,
    subtle,
    text_blocks,
    text_input,
    within,
)
from prompts.render import label, render

SUBMIT_SELF_REVIEW = review_blocks.SELF_REVIEW_VIEW
SUBMIT_MANAGER_REVIEW = review_blocks.MANAGER_REVIEW_VIEW
SUBMIT_PEER_REVIEW = peer_blocks.PEER_REVIEW_VIEW
SUBMIT_DECLINE_PEER_REVIEW = peer_blocks.DECLINE_VIEW
SUBMIT_ACKNOWLEDGE = calibration_blocks.ACKNOWLEDGE_VIEW
REVIEW_TEXT_MAX = review_blocks.TEXT_MAX


DRAFT = "draft"  # in a review dialog's data: "Draft from my records" was clicked, not the submit


def _draft_notice(notice: str | None) -> list[dict]:
    """The notice of the assistant's last draft, above the form."""
    return [{"type": "TextBlock", "text": notice, "wrap": True, "isSubtle": True}] if notice else []


def _draft_button(action: str, review_id: int, *, locale: str, draft: bool) -> list[dict]:
    """The assistant's button below a review form, beside the submit; it sends what was typed, to be kept."""
    if not draft:
        return []
    return [{"type": "ActionSet", "actions": [
        {"type": "Action.Submit", "title": label("ai_draft_button", locale), "associatedInputs": "auto",
         "data": {"action": action, "review_id": review_id, DRAFT: True}}]}]


def _checked_on_submit(body: list[dict], draft: bool) -> list[dict]:
    """With the draft button, no input is marked required: Teams would hold a half-filled form's click on the
    button (which sends the inputs) for it. The submit is checked by the action instead, each error by its field."""
    if not draft:
        return body
    return [{key: value for key, value in element.items() if key != "isRequired"} for element in body]


def with_draft(dialog_answer: dict, fields: dict[str, str]) -> dict:
    """A review dialog with the draft in its empty text inputs (never a rating: only Input.Text is filled)."""
    for element in dialog_answer["task"]["value"]["card"]["content"]["body"]:
        if element.get("type") == "Input.Text" and fields.get(element.get("id")) and not element.get("value"):
            element["value"] = fields[element["id"]][:REVIEW_TEXT_MAX]
    return dialog_answer


def _kept(values: dict[str, str | None] | None, field: str, given: Any) -> str | None:
    """A field's value: what was submitted after a refusal (`values`), else what was written before."""
    if values is not None:
        return values.get(field)
    return None if given is None else str(given)


def long_input(field: str, label_text: str, value: str | None, *, required: bool = False) -> dict:
    """Slack's long_input: a multiline text of up to the reviews' TEXT_MAX."""
    return text_input(field, label_text, value=value, required=required, multiline=True, max_length=REVIEW_TEXT_MAX)


def _scale(plan: dict, locale: str) -> list[tuple[str, str]]:
    """The plan's rating scale as choices, in Slack's words (review_blocks.scale_options)."""
    return [(option["text"]["text"], option["value"]) for option in review_blocks.scale_options(plan, locale)]


def _criteria_inputs(plan: dict, answers: dict, *, locale: str, values: dict[str, str | None] | None) -> list[dict]:
    """Slack's criteria_inputs: per criterion of the plan, a rating on its scale (with its description) and why."""
    scale = _scale(plan, locale)
    body: list[dict] = []
    for criterion in plan["criteria"]:
        key, name = criterion["key"], review_blocks.localized(criterion["name"], locale)
        given = (answers.get("criteria") or {}).get(key) or {}
        body.append(choice_input(f"rating:{key}", label("self_review_rating", locale, name=name), scale,
                                 value=_kept(values, f"rating:{key}", given.get("rating")), required=True))
        if criterion.get("description"):
            body.append(subtle(review_blocks.localized(criterion["description"], locale)))
        body.append(long_input(f"comment:{key}", label("self_review_comment", locale, name=name),
                               _kept(values, f"comment:{key}", given.get("comment"))))
    return body


def self_review_dialog(form: Any, *, locale: str, values: dict[str, str | None] | None = None,
                       errors: dict[str, str] | None = None, draft: bool = False, notice: str | None = None) -> dict:
    """Slack's self-review modal as a dialog: evidence per goal, then a rating and why per criterion of the plan.

    `form` is storage.reviews.SelfReviewForm; after a refused submit `values` are what was sent, `errors` by field.
    """
    answers = form.review.answers or {}
    body = text_blocks(f"*{form.cycle.name}*")
    body += _draft_notice(notice)
    for goal in form.goals[:review_blocks.GOALS_IN_MODAL]:
        field = f"evidence:{goal.id}"
        given = ((answers.get("goals") or {}).get(str(goal.id)) or {}).get("evidence")
        body.append(long_input(field, label("self_review_evidence", locale, title=goal.title),
                               _kept(values, field, given)))
    body += _criteria_inputs(form.plan, answers, locale=locale, values=values)
    body += _draft_button(SUBMIT_SELF_REVIEW, form.review.id, locale=locale, draft=draft)
    body = _checked_on_submit(body, draft)
    return form_dialog(label("self_review_title", locale), body, submit_title=label("submit", locale),
                        data={"action": SUBMIT_SELF_REVIEW, "review_id": form.review.id}, locale=locale,
                        errors=errors)


def peer_review_dialog(form: Any, *, locale: str, values: dict[str, str | None] | None = None,
                       errors: dict[str, str] | None = None, draft: bool = False, notice: str | None = None) -> dict:
    """Slack's peer review modal as a dialog: who and whether anonymous, ratings and why, strengths, to improve."""
    answers = form.review.answers or {}
    intro = render("peer_review_intro", locale, subject=form.subject.name, cycle=form.cycle.name,
                   anonymous=form.cycle.peers_anonymous)
    body = [
        *text_blocks(intro),
        *_draft_notice(notice),
        *_criteria_inputs(form.plan, answers, locale=locale, values=values),
        long_input("strengths", label("manager_review_strengths", locale),
                   _kept(values, "strengths", answers.get("strengths")), required=True),
        long_input("to_improve", label("manager_review_to_improve", locale),
                   _kept(values, "to_improve", answers.get("to_improve")), required=True),
        *_draft_button(SUBMIT_PEER_REVIEW, form.review.id, locale=locale, draft=draft),
    ]
    body = _checked_on_submit(body, draft)
    return form_dialog(label("peer_review_title", locale), body, submit_title=label("submit", locale),
                        data={"action": SUBMIT_PEER_REVIEW, "review_id": form.review.id}, locale=locale,
                        errors=errors)


def decline_peer_review_dialog(review_id: int, *, subject: str, locale: str, value: str | None = None,
                               errors: dict[str, str] | None = None) -> dict:
    """Slack's decline modal as a dialog: an optional reason, for the manager."""
    body = [*text_blocks(render("peer_decline_intro", locale, subject=subject)),
            long_input("reason", label("decline_reason", locale), value)]
    return form_dialog(label("decline_title", locale), body, submit_title=label("decline_peer_review", locale),
                        data={"action": SUBMIT_DECLINE_PEER_REVIEW, "review_id": review_id}, locale=locale,
                        errors=errors, style=None)


def acknowledge_dialog(review_id: int, *, locale: str, value: str | None = None,
                       errors: dict[str, str] | None = None) -> dict:
    """Slack's acknowledge modal as a dialog: an optional response to the released result."""
    body = [long_input("response", label("acknowledge_response", locale), value)]
    return form_dialog(label("acknowledge_title", locale), body, submit_title=label("acknowledge", locale),
                        data={"action": SUBMIT_ACKNOWLEDGE, "review_id": review_id}, locale=locale, errors=errors)


def manager_review_dialog(form: Any, *, locale: str, anonymous_peer: str,
                          values: dict[str, str | None] | None = None, errors: dict[str, str] | None = None,
                          draft: bool = False, notice: str | None = None) -> dict:
    """Slack's manager review modal as a dialog: HR's revisit note and the evidence on top (review_blocks'
    evidence_text), then a rating and why per criterion, the overall rating, strengths and what to improve."""
    answers = form.review.answers or {}
    body = [
        *_draft_notice(notice),
        *_criteria_inputs(form.plan, answers, locale=locale, values=values),
        choice_input("overall", label("manager_review_overall", locale),
                     _scale(form.plan, locale),
                     value=_kept(values, "overall", form.review.rating), required=True),
        long_input("strengths", label("manager_review_strengths", locale),
                   _kept(values, "strengths", answers.get("strengths")), required=True),
        long_input("to_improve", label("manager_review_to_improve", locale),
                   _kept(values, "to_improve", answers.get("to_improve")), required=True),
        *_draft_button(SUBMIT_MANAGER_REVIEW, form.review.id, locale=locale, draft=draft),
    ]
    body = _checked_on_submit(body, draft)
    title = label("manager_review_title", locale)
    content = form_dialog(title, body, submit_title=label("submit", locale),
                           data={"action": SUBMIT_MANAGER_REVIEW, "review_id": form.review.id}, locale=locale,
                           errors=errors)["task"]["value"]["card"]["content"]
    top: list[dict] = []
    revisit = answers.get("revisit")
    if revisit:  # HR asked to look again: their note first, the earlier answers prefilled below
        top += text_blocks(render("revisit_note", locale, note=revisit.get("note") or ""))
    top += text_blocks(review_blocks.evidence_text(form, locale=locale, anonymous_peer=anonymous_peer))
    # A form cannot be cut; the evidence can, in what room the form leaves (as the weekly review dialog does).
    content["body"] = [*within(top, CARD_BUDGET_BYTES - size_of(content)), *content["body"]]
    return dialog(title, content)
