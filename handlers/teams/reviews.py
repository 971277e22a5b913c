"""Review cycles in Teams: the self-review, peer review (or declining it), manager review and acknowledging a result.

The same storage verbs, permissions and words as Slack's (handlers/reviews.py, handlers/peers.py,
handlers/calibration.py); only the surface differs. Each button on the scheduler's cards opens a dialog
(task/fetch); its submit goes through the storage verb, whose field errors come back beside their inputs with
what was typed kept, nothing written. A forged id or someone else's review gets Slack's refusal, nothing written.
Their messages to others go through the delivery log, as every action's (actions.perform.tell_one).
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from actions import drafting
from actions.assistant import REVIEW_DRAFTS
from actions.perform import tell_one
from handlers.forms import record_id
from handlers.modals import REFUSALS
from handlers.teams.context import TeamsCaller, act, identify, send_to_own_chat, stranger_card
from prompts import calibration_blocks, cards, improvement_blocks, peer_blocks, review_blocks
from prompts.goal_blocks import error_text
from prompts.render import label
from storage import calibration, improvement, peers, people, plans, reviews
from storage.models import Person, Review, ReviewCycle

if TYPE_CHECKING:
    from sqlmodel import Session

    from bot.deps import Deps

log = logging.getLogger(__name__)

FIELD_MAX = 5000  # longer than any field allows: beyond it a value is not worth validating, only refusing
NAMED_FIELDS = frozenset({"overall", "strengths", "to_improve", "reason", "response", "commitments", "outcome",
                          "decision", "next_check"})
_REVIEW_FIELD = re.compile(r"^(rating|comment|evidence):([A-Za-z0-9_.-]{1,64})$")

Values = dict[str, str | None]
Errors = dict[str, str]


@dataclass(frozen=True)
class Done:
    """What a recorded submit tells: the caller (Slack's thanks), and someone else where they are (or nobody)."""

    own: dict
    other: Person | None = None
    other_message: dict | None = None


def register(app: Any, deps: Deps) -> None:
    async def submitted(ctx: Any, record: Callable[[Deps, TeamsCaller, dict], tuple[dict, Done | None]]) -> dict:
        caller = await identify(ctx, deps)
        data = ctx.activity.value.data if ctx.activity.value is not None else None
        answer, done = await asyncio.to_thread(record, deps, caller, data if isinstance(data, dict) else {})
        if done is None:
            return answer
        if done.other is not None and done.other_message is not None:
            await asyncio.to_thread(act, deps, caller, tell_one, activity=ctx.activity, to=done.other,
                                    message=done.other_message)
        await send_to_own_chat(ctx, app, deps, caller.person, cards.card_from_block_kit(done.own))
        return cards.close_dialog(done.own["text"])

    @app.on_dialog_submit(cards.SUBMIT_SELF_REVIEW)
    async def submit_self_review(ctx: Any) -> dict:
        return await submitted(ctx, record_self_review)

    @app.on_dialog_submit(cards.SUBMIT_PEER_REVIEW)
    async def submit_peer_review(ctx: Any) -> dict:
        return await submitted(ctx, record_peer_review)

    @app.on_dialog_submit(cards.SUBMIT_DECLINE_PEER_REVIEW)
    async def submit_decline(ctx: Any) -> dict:
        return await submitted(ctx, record_decline)

    @app.on_dialog_submit(cards.SUBMIT_ACKNOWLEDGE)
    async def submit_acknowledge(ctx: Any) -> dict:
        return await submitted(ctx, record_acknowledgement)

    @app.on_dialog_submit(cards.SUBMIT_MANAGER_REVIEW)
    async def submit_manager_review(ctx: Any) -> dict:
        return await submitted(ctx, record_manager_review)

    @app.on_dialog_submit(cards.SUBMIT_COMMITMENTS)
    async def submit_commitments(ctx: Any) -> dict:
        return await submitted(ctx, record_commitments)

    @app.on_dialog_submit(cards.SUBMIT_CHECK)
    async def submit_check(ctx: Any) -> dict:
        return await submitted(ctx, record_check)


def locale_of(deps: Deps, person: Person) -> str:
    """The language to write to someone who is not the caller in: their record's, else the organisation's."""
    return people.pick_locale(person.locale, default=deps.settings.default_locale)


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
Write = Callable[["Session", Person, int, Values], Done]


def _refusal(code: str, locale: str) -> dict:
    return cards.message_dialog(error_text(code, locale), locale=locale)


def _opened(deps: Deps, caller: TeamsCaller, raw_id: Any, build: Build, *, values: Values | None = None,
            errors: Errors | None = None) -> dict:
    """The dialog `build` makes for the review id (forgeable), or Slack's refusal when storage refuses."""
    if caller.person is None:
        return cards.dialog(label("app_name", caller.locale), stranger_card(deps, caller.locale))
    review_id = record_id(raw_id)
    if review_id is None:
        return _refusal(reviews.NOT_FOUND, caller.locale)
    try:
        with deps.sessions() as session:
            return build(session, caller.person, review_id, values, errors)
    except REFUSALS as error:
        return _refusal(error.code, caller.locale)


def _recorded(deps: Deps, caller: TeamsCaller, data: dict, build: Build, write: Write) -> tuple[dict, Done | None]:
    """Validate and store through `write`; the dialog again (errors by field, values kept) or what to tell."""
    if caller.person is None:
        return cards.dialog(label("app_name", caller.locale), stranger_card(deps, caller.locale)), None
    review_id = record_id(data.get("review_id"))
    if review_id is None:
        return _refusal(reviews.NOT_FOUND, caller.locale), None
    values, errors = form_values(data)
    if errors:
        return _opened(deps, caller, review_id, build, values=values, errors=errors), None
    try:
        with deps.sessions() as session:
            return {}, write(session, caller.person, review_id, values)
    except (reviews.ReviewValidationError, improvement.ImprovementValidationError) as error:
        return _opened(deps, caller, review_id, build, values=values, errors=error.errors), None
    except REFUSALS as error:
        return _refusal(error.code, caller.locale), None


# ---- the assistant's drafts ---------------------------------------------------------------------------


def _drafts_on(deps: Deps) -> bool:
    return deps.assistant is not None and deps.assistant.on(REVIEW_DRAFTS)


def _drafted(deps: Deps, caller: TeamsCaller, data: dict, kind: str,
             builder: Callable[[str, bool, str | None], Build]) -> dict:
    """The review dialog again, its empty text fields filled by the action's draft and its notice on top.

    The button sends no inputs (a half-filled form would not pass the dialog's checks), so the dialog comes back
    with what was saved before, and the draft where nothing was; nothing is saved until the person submits.
    """
    if caller.person is None:
        return cards.dialog(label("app_name", caller.locale), stranger_card(deps, caller.locale))
    review_id = record_id(data.get("review_id"))
    outcome = act(deps, caller, drafting.draft_review, kind=kind, review_id=review_id, assistant_=deps.assistant)
    if not outcome.ok:
        return _refusal(next(iter(outcome.errors.values())), caller.locale)
    draft = outcome.value
    notice = label(draft.notice, caller.locale) if draft.notice else None
    answer = _opened(deps, caller, review_id, builder(caller.locale, _drafts_on(deps), notice))
    return cards.with_draft(answer, draft.fields) if "task" in answer and answer["task"]["type"] == "continue" \
        else answer


# ---- the self-review --------------------------------------------------------------------------------


def self_review_dialog(deps: Deps, caller: TeamsCaller, value: str) -> dict:
    """Write my self-review, on the review request: the dialog, for the review's own author while the cycle is open."""
    return _opened(deps, caller, value, _self_review_builder(caller.locale, _drafts_on(deps)))


def _self_review_builder(locale: str, draft: bool = False, notice: str | None = None) -> Build:
    return lambda session, person, review_id, values, errors: cards.self_review_dialog(
        reviews.self_review_form(session, person, review_id), locale=locale, values=values, errors=errors,
        draft=draft, notice=notice)


def record_self_review(deps: Deps, caller: TeamsCaller, data: dict) -> tuple[dict, Done | None]:
    if data.get(cards.DRAFT):
        return _drafted(deps, caller, data, drafting.SELF, _self_review_builder), None

    def write(session: Session, person: Person, review_id: int, values: Values) -> Done:
        fields = review_fields(values)
        review = reviews.submit_self_review(session, person, review_id, ratings=fields["rating"],
                                            comments=fields["comment"], evidence=fields["evidence"],
                                            now=deps.clock.now())
        cycle = session.get(ReviewCycle, review.cycle_id)
        return Done(own=review_blocks.self_review_thanks(cycle=cycle.name, locale=caller.locale))

    return _recorded(deps, caller, data, _self_review_builder(caller.locale), write)


# ---- peer reviews: writing one, or declining ---------------------------------------------------------


def peer_review_dialog(deps: Deps, caller: TeamsCaller, value: str) -> dict:
    """Write the peer review, on the peer's request: the dialog, for the peer asked while the cycle is open."""
    return _opened(deps, caller, value, _peer_review_builder(caller.locale, _drafts_on(deps)))


def _peer_review_builder(locale: str, draft: bool = False, notice: str | None = None) -> Build:
    return lambda session, person, review_id, values, errors: cards.peer_review_dialog(
        peers.peer_review_form(session, person, review_id), locale=locale, values=values, errors=errors,
        draft=draft, notice=notice)


def record_peer_review(deps: Deps, caller: TeamsCaller, data: dict) -> tuple[dict, Done | None]:
    if data.get(cards.DRAFT):
        return _drafted(deps, caller, data, drafting.PEER, _peer_review_builder), None

    def write(session: Session, person: Person, review_id: int, values: Values) -> Done:
        fields = review_fields(values)
        review = peers.submit_peer_review(session, person, review_id, ratings=fields["rating"],
                                          comments=fields["comment"], strengths=values.get("strengths"),
                                          to_improve=values.get("to_improve"), now=deps.clock.now())
        subject = session.get(Person, review.subject_id)
        return Done(own=peer_blocks.peer_review_thanks(subject=subject.name, declined=False, locale=caller.locale))

    return _recorded(deps, caller, data, _peer_review_builder(caller.locale), write)


def decline_dialog(deps: Deps, caller: TeamsCaller, value: str) -> dict:
    """Decline, on the peer's request: the reason dialog, only while the review is still requested (as Slack)."""
    return _opened(deps, caller, value, _decline_builder(caller.locale))


def _decline_builder(locale: str) -> Build:
    def build(session: Session, person: Person, review_id: int, values: Values | None, errors: Errors | None) -> dict:
        form = peers.peer_review_form(session, person, review_id)
        if form.review.state != peers.REQUESTED:
            raise reviews.ReviewError(peers.ALREADY_DONE)
        return cards.decline_peer_review_dialog(form.review.id, subject=form.subject.name, locale=locale,
                                                value=(values or {}).get("reason"), errors=errors)
    return build


def record_decline(deps: Deps, caller: TeamsCaller, data: dict) -> tuple[dict, Done | None]:
    """Decline through storage.peers.decline; the subject's manager hears it (never who) where they are."""
    def write(session: Session, person: Person, review_id: int, values: Values) -> Done:
        review = peers.decline(session, person, review_id, reason=values.get("reason"), now=deps.clock.now())
        subject = session.get(Person, review.subject_id)
        cycle = session.get(ReviewCycle, review.cycle_id)
        manager = session.get(Person, subject.manager_id) if subject.manager_id else None
        own = peer_blocks.peer_review_thanks(subject=subject.name, declined=True, locale=caller.locale)
        if manager is None or not manager.active:
            return Done(own=own)
        return Done(own=own, other=manager, other_message=peer_blocks.peer_declined_to_manager(
            subject=subject.name, value=f"{cycle.id}:{subject.id}", locale=locale_of(deps, manager)))

    return _recorded(deps, caller, data, _decline_builder(caller.locale), write)


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
        return cards.acknowledge_dialog(review_id, locale=locale, value=(values or {}).get("response"), errors=errors)
    return build


def record_acknowledgement(deps: Deps, caller: TeamsCaller, data: dict) -> tuple[dict, Done | None]:
    """Acknowledge through storage.calibration.acknowledge; the manager hears it where they are."""
    def write(session: Session, person: Person, review_id: int, values: Values) -> Done:
        reply = calibration.acknowledge(session, person, review_id, values.get("response"), now=deps.clock.now())
        result = session.get(Review, review_id)
        manager = session.get(Person, result.author_id)
        cycle = session.get(ReviewCycle, result.cycle_id)
        own = calibration_blocks.acknowledged(manager=manager.name, response=reply.text, locale=caller.locale)
        if not manager.active:
            return Done(own=own)
        return Done(own=own, other=manager, other_message=calibration_blocks.acknowledged_to_manager(
            subject=person.name, cycle=cycle.name, response=reply.text, locale=locale_of(deps, manager)))

    return _recorded(deps, caller, data, _acknowledge_builder(caller.locale), write)


# ---- the manager review -------------------------------------------------------------------------------


def manager_review_dialog(deps: Deps, caller: TeamsCaller, value: str) -> dict:
    """Write the manager review, on the manager's request: the evidence on top, then the form (as Slack)."""
    return _opened(deps, caller, value, _manager_review_builder(caller.locale, _drafts_on(deps)))


def _manager_review_builder(locale: str, draft: bool = False, notice: str | None = None) -> Build:
    return lambda session, person, review_id, values, errors: cards.manager_review_dialog(
        reviews.manager_review_form(session, person, review_id), locale=locale,
        anonymous_peer=label("anonymous_peer", locale), values=values, errors=errors, draft=draft, notice=notice)


def record_manager_review(deps: Deps, caller: TeamsCaller, data: dict) -> tuple[dict, Done | None]:
    if data.get(cards.DRAFT):
        return _drafted(deps, caller, data, drafting.MANAGER, _manager_review_builder), None

    def write(session: Session, person: Person, review_id: int, values: Values) -> Done:
        fields = review_fields(values)
        review = reviews.submit_manager_review(
            session, person, review_id, ratings=fields["rating"], comments=fields["comment"],
            overall=values.get("overall"), strengths=values.get("strengths"), to_improve=values.get("to_improve"),
            now=deps.clock.now())
        form = reviews.manager_review_form(session, person, review.id)
        shown = plans.rating_label(form.plan, review.rating, caller.locale) or str(review.rating)
        return Done(own=review_blocks.manager_review_thanks(
            subject=form.subject.name, cycle=form.cycle.name, rating=f"{review.rating} · {shown}",
            locale=caller.locale))

    return _recorded(deps, caller, data, _manager_review_builder(caller.locale), write)


# ---- improvement plans: the employee's commitments, the manager's check -----------------------------------


def commitments_dialog(deps: Deps, caller: TeamsCaller, value: str) -> dict:
    """Add my commitments, on the plan's card: for the plan's own employee (as Slack)."""
    return _opened(deps, caller, value, _commitments_builder(caller.locale))


def _commitments_builder(locale: str) -> Build:
    def build(session: Session, person: Person, plan_id: int, values: Values | None, errors: Errors | None) -> dict:
        shown = improvement.view(session, person, plan_id)
        if shown.person.id != person.id:  # only the employee commits; their manager reads it
            raise improvement.ImprovementError(improvement.NOT_FOUND)
        return cards.commitments_dialog(shown, locale=locale, value=(values or {}).get("commitments"), errors=errors)
    return build


def record_commitments(deps: Deps, caller: TeamsCaller, data: dict) -> tuple[dict, Done | None]:
    """Through storage.improvement.add_commitments; the manager hears them where they are."""
    def write(session: Session, person: Person, plan_id: int, values: Values) -> Done:
        plan = improvement.add_commitments(session, person, plan_id, values.get("commitments"), now=deps.clock.now())
        manager = session.get(Person, plan.manager_id)
        own = {"text": label("ip_commitments_saved", caller.locale)}
        if manager is None or not manager.active:
            return Done(own=own)
        return Done(own=own, other=manager, other_message=improvement_blocks.commitments_to_manager(
            subject=person.name, commitments=plan.employee_commitments or "", locale=locale_of(deps, manager)))

    return _recorded(deps, caller, data, _commitments_builder(caller.locale), write)


def check_dialog(deps: Deps, caller: TeamsCaller, value: str) -> dict:
    """Record outcome, on the check date's card: for the employee's manager chain or HR (as Slack)."""
    return _opened(deps, caller, value, _check_builder(caller.locale))


def _check_builder(locale: str) -> Build:
    def build(session: Session, person: Person, check_id: int, values: Values | None, errors: Errors | None) -> dict:
        found = improvement.check_for(session, person, check_id)
        if found is None:
            raise improvement.ImprovementError(improvement.NOT_FOUND)
        return cards.check_dialog(check_id, subject=found.person.name, locale=locale, values=values, errors=errors)
    return build


def record_check(deps: Deps, caller: TeamsCaller, data: dict) -> tuple[dict, Done | None]:
    """Through storage.improvement.record_check, on the manager's own date; the employee hears it where they are."""
    def write(session: Session, person: Person, check_id: int, values: Values) -> Done:
        today = people.local_today(person, now=deps.clock.now(), default_zone=deps.settings.default_timezone)
        shown = improvement.record_check(session, person, check_id, outcome=values.get("outcome"),
                                         decision=values.get("decision") or "", next_check=values.get("next_check"),
                                         today=today, now=deps.clock.now())
        own = {"text": label("ip_check_recorded_ok", caller.locale)}
        employee = shown.person
        if not employee.active:
            return Done(own=own)
        locale = locale_of(deps, employee)
        upcoming = shown.next_check
        return Done(own=own, other=employee, other_message=improvement_blocks.check_recorded(
            manager=person.name, outcome=(values.get("outcome") or "").strip(), decision=values.get("decision") or "",
            next_check=label("date", locale, d=upcoming.due_on) if upcoming is not None else None, locale=locale))

    return _recorded(deps, caller, data, _check_builder(caller.locale), write)
