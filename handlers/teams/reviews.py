"""Review cycles in Teams: the self-review, peer review (or declining it), manager review and acknowledging a result.

The same actions as Slack's listeners (actions.reviews, actions.peers, actions.calibration, actions.improvement):
only the surface differs. Each button on the scheduler's cards opens a dialog (task/fetch); its submit parses the
dialog's fields into the action's inputs, and the action's field errors come back beside their inputs with what
was typed kept, nothing written. A forged id or someone else's review gets Slack's refusal, nothing written. The
thanks and every message to someone else are the action's Tells, delivered through the delivery log.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from actions import calibration as calibration_actions
from actions import drafting
from actions import improvement as improvement_actions
from actions import peers as peer_actions
from actions import reviews as review_actions
from actions.assistant import REVIEW_DRAFTS
from actions.outcome import Outcome
from handlers.forms import record_id
from handlers.modals import REFUSALS
from handlers.teams.assistant import invoke_assistant
from handlers.teams.context import FIELD_MAX, TeamsCaller, act, data_of, identify, stranger_card
from prompts import adaptive, evaluation_cards, review_cards
from prompts.goal_blocks import error_text
from prompts.render import label
from storage import calibration, improvement, peers, reviews
from storage.models import Person

if TYPE_CHECKING:
    from sqlmodel import Session

    from bot.deps import Deps

log = logging.getLogger(__name__)

NAMED_FIELDS = frozenset({"overall", "strengths", "to_improve", "reason", "response", "commitments", "outcome",
                          "decision", "next_check"})
_REVIEW_FIELD = re.compile(r"^(rating|comment|evidence):([A-Za-z0-9_.-]{1,64})$")

Values = dict[str, str | None]
Errors = dict[str, str]


Recorded = tuple[dict, "Outcome | None"]  # the dialog to show again (or a refusal), or the outcome to close on
Record = Callable[["Deps", TeamsCaller, dict, Any], Recorded]


def register(app: Any, deps: Deps) -> None:
    async def submitted(ctx: Any, record: Record) -> dict:
        caller = await identify(ctx, deps)
        answer, outcome = await asyncio.to_thread(record, deps, caller, data_of(ctx), ctx.activity)
        if outcome is None:
            return answer
        return adaptive.close_dialog(outcome.reply["text"])  # the thanks itself is the action's Tell, in their chat

    def on_submit(record: Record):
        async def submit(ctx: Any) -> dict:
            return await submitted(ctx, record)
        return submit

    for submit_id, record in SUBMITS.items():
        app.on_dialog_submit(submit_id)(on_submit(record))


# ---- reading a dialog's fields (forgeable) ---------------------------------------------------------


def form_values(data: dict) -> tuple[Values, Errors]:
    """The review fields a dialog sent: `rating:`/`comment:`/`evidence:<key>` and the named ones.

    Anything else is ignored; a field that is not text (only a forged submit sends one) is an error.
    """
    values: Values = {}
    errors: Errors = {}
    for key, value in data.items():
        if not isinstance(key, str) or not (key in NAMED_FIELDS or _REVIEW_FIELD.match(key)):
            continue
        if value is None or isinstance(value, str):
            values[key] = value[:FIELD_MAX] if value else value
        else:
            errors[key] = "invalid"
    return values, errors


def review_fields(values: Values) -> dict[str, Values]:
    """The ratings, comments and evidence by criterion or goal, as Slack's handlers.reviews.review_fields."""
    fields: dict[str, Values] = {"rating": {}, "comment": {}, "evidence": {}}
    for key, value in values.items():
        match = _REVIEW_FIELD.match(key)
        if match:
            fields[match[1]][match[2]] = value
    return fields


# ---- opening and submitting, for every review dialog -----------------------------------------------

Build = Callable[["Session", Person, int, Values | None, Errors | None], dict]
Inputs = Callable[[int, Values], dict]  # the action's inputs from the record's id and the dialog's fields


def _refusal(code: str, locale: str) -> dict:
    return adaptive.message_dialog(error_text(code, locale), locale=locale)


def _opened(deps: Deps, caller: TeamsCaller, raw_id: Any, build: Build, *, values: Values | None = None,
            errors: Errors | None = None) -> dict:
    """The dialog `build` makes for the review id (forgeable), or Slack's refusal when storage refuses."""
    if caller.person is None:
        return adaptive.dialog(label("app_name", caller.locale), stranger_card(deps, caller.locale))
    review_id = record_id(raw_id)
    if review_id is None:
        return _refusal(reviews.NOT_FOUND, caller.locale)
    try:
        with deps.sessions() as session:
            return build(session, caller.person, review_id, values, errors)
    except REFUSALS as error:
        return _refusal(error.code, caller.locale)


def _recorded(deps: Deps, caller: TeamsCaller, data: dict, activity: Any, build: Build, action: Callable[..., Outcome],
              inputs: Inputs) -> Recorded:
    """Record through the action; the dialog again (errors by field, values kept) or the outcome to close on.

    A refusal of the whole form, or a field error once the record is no longer open to the caller (the builder
    refuses it then), is Slack's refusal as a message.
    """
    if caller.person is None:
        return adaptive.dialog(label("app_name", caller.locale), stranger_card(deps, caller.locale)), None
    review_id = record_id(data.get("review_id"))
    if review_id is None:
        return _refusal(reviews.NOT_FOUND, caller.locale), None
    values, errors = form_values(data)
    if errors:
        return _opened(deps, caller, review_id, build, values=values, errors=errors), None
    outcome = act(deps, caller, action, activity=activity, **inputs(review_id, values))
    if outcome.ok:
        return {}, outcome
    if review_actions.FORM in outcome.errors:
        return _refusal(outcome.errors[review_actions.FORM], caller.locale), None
    return _opened(deps, caller, review_id, build, values=values, errors=dict(outcome.errors)), None


# ---- the assistant's drafts ---------------------------------------------------------------------------


def _drafts_on(deps: Deps) -> bool:
    return deps.assistant is not None and deps.assistant.on(REVIEW_DRAFTS)


def _drafted(deps: Deps, caller: TeamsCaller, data: dict, kind: str,
             builder: Callable[[str, bool, str | None], Build]) -> dict:
    """The review dialog again, its empty text fields filled by the action's draft and its notice on top.

    The button sends the inputs, so what was typed stays and the draft goes only where nothing is (a card from
    before sends none: then what was saved before stays). Nothing is saved until the person submits. The model
    gets what time Teams' invoke limit leaves; past it, the dialog comes back as it was with the timeout notice.
    """
    if caller.person is None:
        return adaptive.dialog(label("app_name", caller.locale), stranger_card(deps, caller.locale))
    review_id = record_id(data.get("review_id"))
    outcome = act(deps, caller, drafting.draft_review, kind=kind, review_id=review_id,
                  assistant_=invoke_assistant(deps))
    if not outcome.ok:
        return _refusal(next(iter(outcome.errors.values())), caller.locale)
    draft = outcome.value
    notice = label(draft.notice, caller.locale) if draft.notice else None
    typed, _ = form_values(data)
    answer = _opened(deps, caller, review_id, builder(caller.locale, _drafts_on(deps), notice),
                     values=typed or None)
    return review_cards.with_draft(answer, draft.fields) if "task" in answer and answer["task"]["type"] == "continue" \
        else answer


# ---- the self-review --------------------------------------------------------------------------------


def self_review_dialog(deps: Deps, caller: TeamsCaller, value: str) -> dict:
    """Write my self-review, on the review request: the dialog, for the review's own author while the cycle is open."""
    return _opened(deps, caller, value, _self_review_builder(caller.locale, _drafts_on(deps)))


def _self_review_builder(locale: str, draft: bool = False, notice: str | None = None) -> Build:
    return lambda session, person, review_id, values, errors: review_cards.self_review_dialog(
        reviews.self_review_form(session, person, review_id), locale=locale, values=values, errors=errors,
        draft=draft, notice=notice)


def record_self_review(deps: Deps, caller: TeamsCaller, data: dict, activity: Any = None) -> Recorded:
    if data.get(review_cards.DRAFT):
        return _drafted(deps, caller, data, drafting.SELF, _self_review_builder), None

    def inputs(review_id: int, values: Values) -> dict:
        fields = review_fields(values)
        return {"review_id": review_id, "ratings": fields["rating"], "comments": fields["comment"],
                "evidence": fields["evidence"]}

    return _recorded(deps, caller, data, activity, _self_review_builder(caller.locale),
                     review_actions.submit_self_review, inputs)


# ---- peer reviews: writing one, or declining ---------------------------------------------------------


def peer_review_dialog(deps: Deps, caller: TeamsCaller, value: str) -> dict:
    """Write the peer review, on the peer's request: the dialog, for the peer asked while the cycle is open."""
    return _opened(deps, caller, value, _peer_review_builder(caller.locale, _drafts_on(deps)))


def _peer_review_builder(locale: str, draft: bool = False, notice: str | None = None) -> Build:
    return lambda session, person, review_id, values, errors: review_cards.peer_review_dialog(
        peers.peer_review_form(session, person, review_id), locale=locale, values=values, errors=errors,
        draft=draft, notice=notice)


def record_peer_review(deps: Deps, caller: TeamsCaller, data: dict, activity: Any = None) -> Recorded:
    if data.get(review_cards.DRAFT):
        return _drafted(deps, caller, data, drafting.PEER, _peer_review_builder), None

    def inputs(review_id: int, values: Values) -> dict:
        fields = review_fields(values)
        return {"review_id": review_id, "ratings": fields["rating"], "comments": fields["comment"],
                "strengths": values.get("strengths"), "to_improve": values.get("to_improve")}

    return _recorded(deps, caller, data, activity, _peer_review_builder(caller.locale),
                     review_actions.submit_peer_review, inputs)


def decline_dialog(deps: Deps, caller: TeamsCaller, value: str) -> dict:
    """Decline, on the peer's request: the reason dialog, only while the review is still requested (as Slack)."""
    return _opened(deps, caller, value, _decline_builder(caller.locale))


def _decline_builder(locale: str) -> Build:
    def build(session: Session, person: Person, review_id: int, values: Values | None, errors: Errors | None) -> dict:
        form = peers.peer_review_form(session, person, review_id)
        if form.review.state != peers.REQUESTED:
            raise reviews.ReviewError(peers.ALREADY_DONE)
        return review_cards.decline_peer_review_dialog(form.review.id, subject=form.subject.name, locale=locale,
                                                       value=(values or {}).get("reason"), errors=errors)
    return build


def record_decline(deps: Deps, caller: TeamsCaller, data: dict, activity: Any = None) -> Recorded:
    """Decline through actions.peers; the subject's manager hears it (never who) where they are."""
    return _recorded(deps, caller, data, activity, _decline_builder(caller.locale), peer_actions.decline_peer_review,
                     lambda review_id, values: {"review_id": review_id, "reason": values.get("reason")})


# ---- acknowledging a released result -----------------------------------------------------------------


def acknowledge_dialog(deps: Deps, caller: TeamsCaller, value: str) -> dict:
    """Acknowledge, on the released result: the response dialog, for the result's own employee, once (as Slack)."""
    return _opened(deps, caller, value, _acknowledge_builder(caller.locale))


def _acknowledge_builder(locale: str) -> Build:
    def build(session: Session, person: Person, review_id: int, values: Values | None, errors: Errors | None) -> dict:
        result = calibration.result_for(session, person, review_id)
        if result.subject.id != person.id:
            raise reviews.ReviewError(reviews.NOT_FOUND)
        if result.acknowledged_at is not None:
            raise reviews.ReviewError(calibration.ALREADY_ACKNOWLEDGED)
        return review_cards.acknowledge_dialog(review_id, locale=locale, value=(values or {}).get("response"),
                                               errors=errors)
    return build


def record_acknowledgement(deps: Deps, caller: TeamsCaller, data: dict, activity: Any = None) -> Recorded:
    """Acknowledge through actions.calibration; the manager hears it where they are."""
    return _recorded(deps, caller, data, activity, _acknowledge_builder(caller.locale),
                     calibration_actions.acknowledge_result,
                     lambda review_id, values: {"review_id": review_id, "response": values.get("response")})


# ---- the manager review -------------------------------------------------------------------------------


def manager_review_dialog(deps: Deps, caller: TeamsCaller, value: str) -> dict:
    """Write the manager review, on the manager's request: the evidence on top, then the form (as Slack)."""
    return _opened(deps, caller, value, _manager_review_builder(caller.locale, _drafts_on(deps)))


def _manager_review_builder(locale: str, draft: bool = False, notice: str | None = None) -> Build:
    return lambda session, person, review_id, values, errors: review_cards.manager_review_dialog(
        reviews.manager_review_form(session, person, review_id), locale=locale,
        anonymous_peer=label("anonymous_peer", locale), values=values, errors=errors, draft=draft, notice=notice)


def record_manager_review(deps: Deps, caller: TeamsCaller, data: dict, activity: Any = None) -> Recorded:
    if data.get(review_cards.DRAFT):
        return _drafted(deps, caller, data, drafting.MANAGER, _manager_review_builder), None

    def inputs(review_id: int, values: Values) -> dict:
        fields = review_fields(values)
        return {"review_id": review_id, "ratings": fields["rating"], "comments": fields["comment"],
                "overall": values.get("overall"), "strengths": values.get("strengths"),
                "to_improve": values.get("to_improve")}

    return _recorded(deps, caller, data, activity, _manager_review_builder(caller.locale),
                     review_actions.submit_manager_review, inputs)


# ---- improvement plans: the employee's commitments, the manager's check -----------------------------------


def commitments_dialog(deps: Deps, caller: TeamsCaller, value: str) -> dict:
    """Add my commitments, on the plan's card: for the plan's own employee (as Slack)."""
    return _opened(deps, caller, value, _commitments_builder(caller.locale))


def _commitments_builder(locale: str) -> Build:
    def build(session: Session, person: Person, plan_id: int, values: Values | None, errors: Errors | None) -> dict:
        shown = improvement.view(session, person, plan_id)
        if shown.person.id != person.id:  # only the employee commits; their manager reads it
            raise improvement.ImprovementError(improvement.NOT_FOUND)
        return evaluation_cards.commitments_dialog(shown, locale=locale, value=(values or {}).get("commitments"),
                                                   errors=errors)
    return build


def record_commitments(deps: Deps, caller: TeamsCaller, data: dict, activity: Any = None) -> Recorded:
    """Through actions.improvement; the manager hears them where they are."""
    return _recorded(deps, caller, data, activity, _commitments_builder(caller.locale),
                     improvement_actions.add_commitments,
                     lambda plan_id, values: {"plan_id": plan_id, "text": values.get("commitments")})


def check_dialog(deps: Deps, caller: TeamsCaller, value: str) -> dict:
    """Record outcome, on the check date's card: for the employee's manager chain or HR (as Slack)."""
    return _opened(deps, caller, value, _check_builder(caller.locale))


def _check_builder(locale: str) -> Build:
    def build(session: Session, person: Person, check_id: int, values: Values | None, errors: Errors | None) -> dict:
        found = improvement.check_for(session, person, check_id)
        if found is None:
            raise improvement.ImprovementError(improvement.NOT_FOUND)
        return evaluation_cards.check_dialog(check_id, subject=found.person.name, locale=locale, values=values,
                                             errors=errors)
    return build


def record_check(deps: Deps, caller: TeamsCaller, data: dict, activity: Any = None) -> Recorded:
    """Through actions.improvement, on the manager's own date; the employee hears it where they are."""
    return _recorded(deps, caller, data, activity, _check_builder(caller.locale), improvement_actions.record_check,
                     lambda check_id, values: {"check_id": check_id, "form": values})


# Each dialog's submit and the function that reads it and calls its action.
SUBMITS: dict[str, Record] = {
    review_cards.SUBMIT_SELF_REVIEW: record_self_review,
    review_cards.SUBMIT_PEER_REVIEW: record_peer_review,
    review_cards.SUBMIT_DECLINE_PEER_REVIEW: record_decline,
    review_cards.SUBMIT_ACKNOWLEDGE: record_acknowledgement,
    review_cards.SUBMIT_MANAGER_REVIEW: record_manager_review,
    evaluation_cards.SUBMIT_COMMITMENTS: record_commitments,
    evaluation_cards.SUBMIT_CHECK: record_check,
}
