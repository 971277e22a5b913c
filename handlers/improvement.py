"""Improvement plans in Slack: the manager opens one, the employee commits, checks are recorded."""

from __future__ import annotations

from slack_bolt import App

from handlers.context import deps_of, identify, locale_of, send_to, tell, today_for
from handlers.forms import inline_errors, metadata_id, view_values
from handlers.modals import open_record_modal
from handlers.payloads import action_value, caller_id, private_metadata, record_id, record_ids, trigger_id
from prompts import improvement_blocks
from prompts.goal_blocks import error_text, modal_errors
from prompts.render import label
from storage import improvement, people
from storage.models import Person
from storage.permissions import is_hr, managed_ids

PICK = "pick"  # the home's button: no one chosen yet


def register(app: App) -> None:
    app.action(improvement_blocks.OPEN_PLAN_ACTION)(open_plan_form)
    app.view(improvement_blocks.PLAN_VIEW)(submit_plan)
    app.action(improvement_blocks.COMMITMENTS_ACTION)(open_commitments)
    app.view(improvement_blocks.COMMITMENTS_VIEW)(submit_commitments)
    app.action(improvement_blocks.RECORD_CHECK_ACTION)(open_check)
    app.view(improvement_blocks.CHECK_VIEW)(submit_check)


def _subject_and_cycle(value: str | None) -> tuple[int, int | None] | None:
    """"subject:cycle" from the below-target prompt, or "subject" alone; anything else reads as forged."""
    if value and ":" not in value:
        subject = record_id(value)
        return (subject, None) if subject is not None else None
    return record_ids(value, separator=":", count=2)  # type: ignore[return-value]


def open_plan_form(ack, body, action, context, client) -> None:
    ack()
    caller = identify(context, client, caller_id(body))
    value = action_value(action)
    if value == PICK:  # from the home: the manager chooses who
        with deps_of(context).sessions() as session:
            allowed = caller.person is not None and (is_hr(caller.person) or bool(managed_ids(session,
                                                                                            caller.person)))
        if not allowed:
            return tell(client, body, error_text(improvement.NOT_FOUND, caller.locale))
        return client.views_open(trigger_id=trigger_id(body), view=improvement_blocks.plan_modal(
            subject=None, value="", locale=caller.locale))
    target = _subject_and_cycle(value)
    with deps_of(context).sessions() as session:
        subject = session.get(Person, target[0]) if target and caller.person else None
        allowed = subject is not None and improvement.may_open(session, caller.person, subject)
    if not allowed:
        return tell(client, body, error_text(improvement.NOT_FOUND, caller.locale))
    client.views_open(trigger_id=trigger_id(body), view=improvement_blocks.plan_modal(
        subject=subject.name, value=value, locale=caller.locale))


def submit_plan(ack, body, view, context, client) -> None:
    deps = deps_of(context)
    caller = identify(context, client, caller_id(body))
    picked_in_form = not private_metadata(view)  # opened from the home: the manager chose who in the form
    target = _subject_and_cycle(private_metadata(view))
    values = view_values(view)
    try:
        if caller.person is None:
            raise improvement.ImprovementError(improvement.NOT_FOUND)
        with deps.sessions() as session:
            if picked_in_form:  # someone outside the org reads as not found
                picked = people.by_slack_id(session, values.get("subject") or "")
                target = (picked.id, None) if picked is not None else None
            if target is None:
                raise improvement.ImprovementError(improvement.NOT_FOUND)
            plan = improvement.open_plan(
                session, caller.person, target[0], gaps=values.get("gaps"),
                causes=[c for c in (values.get("causes") or "").split(",") if c],
                cause_notes=values.get("cause_notes"), actions=values.get("actions"), support=values.get("support"),
                success_measure=values.get("success_measure"),
                check_dates=[values.get(field) for field in improvement_blocks.CHECK_FIELDS],
                cycle_id=target[1], today=today_for(context, caller.person), now=deps.clock.now())
            shown = improvement.view(session, caller.person, plan.id)
    except improvement.ImprovementValidationError as error:
        errors = modal_errors({("check_1" if f == "check_dates" else f): c for f, c in error.errors.items()},
                              caller.locale)
        return ack(response_action="errors", errors=inline_errors(errors, view, fallback="gaps"))
    except improvement.ImprovementError as error:
        where = "subject" if picked_in_form else "gaps"
        return ack(response_action="errors", errors={where: error_text(error.code, caller.locale)})
    ack()
    # The notice first: once saved it must reach them, whatever Slack does with the next call.
    if shown.person.active:
        send_to(context, client, shown.person, improvement_blocks.plan_to_employee(
            shown, locale=locale_of(context, shown.person)))
    client.chat_postMessage(channel=caller.slack_id, **improvement_blocks.plan_opened(subject=shown.person.name,
                                                                                     locale=caller.locale))


def open_commitments(ack, body, action, context, client) -> None:
    ack()

    def build(session, person, plan_id, locale) -> dict:
        shown = improvement.view(session, person, plan_id)
        if shown.person.id != person.id:  # only the employee commits; their manager reads it
            raise improvement.ImprovementError(improvement.NOT_FOUND)
        return improvement_blocks.commitments_modal(shown, locale=locale)

    open_record_modal(body, action, context, client, build)


def submit_commitments(ack, body, view, context, client) -> None:
    deps = deps_of(context)
    caller = identify(context, client, caller_id(body))
    plan_id = metadata_id(view)
    try:
        if caller.person is None or plan_id is None:
            raise improvement.ImprovementError(improvement.NOT_FOUND)
        with deps.sessions() as session:
            plan = improvement.add_commitments(session, caller.person, plan_id,
                                               view_values(view).get("commitments"), now=deps.clock.now())
            manager = session.get(Person, plan.manager_id)
    except improvement.ImprovementValidationError as error:
        return ack(response_action="errors", errors={"commitments": " ".join(
            modal_errors(error.errors, caller.locale).values())})
    except improvement.ImprovementError as error:
        return ack(response_action="errors", errors={"commitments": error_text(error.code, caller.locale)})
    ack()
    # The notice first: once saved it must reach them, whatever Slack does with the next call.
    if manager is not None and manager.active:
        send_to(context, client, manager, improvement_blocks.commitments_to_manager(
            subject=caller.person.name, commitments=plan.employee_commitments or "",
            locale=locale_of(context, manager)))
    client.chat_postMessage(channel=caller.slack_id, text=label("ip_commitments_saved", caller.locale))


def open_check(ack, body, action, context, client) -> None:
    ack()

    def build(session, person, check_id, locale) -> dict:
        found = improvement.check_for(session, person, check_id)
        if found is None:
            raise improvement.ImprovementError(improvement.NOT_FOUND)
        return improvement_blocks.check_modal(check_id, subject=found.person.name, locale=locale)

    open_record_modal(body, action, context, client, build)


def submit_check(ack, body, view, context, client) -> None:
    deps = deps_of(context)
    caller = identify(context, client, caller_id(body))
    check_id = metadata_id(view)
    values = view_values(view)
    try:
        if caller.person is None or check_id is None:
            raise improvement.ImprovementError(improvement.NOT_FOUND)
        with deps.sessions() as session:
            shown = improvement.record_check(
                session, caller.person, check_id, outcome=values.get("outcome"),
                decision=values.get("decision") or "", next_check=values.get("next_check"),
                today=today_for(context, caller.person), now=deps.clock.now())
    except improvement.ImprovementValidationError as error:
        errors = modal_errors(error.errors, caller.locale)
        return ack(response_action="errors", errors=inline_errors(errors, view, fallback="outcome"))
    except improvement.ImprovementError as error:
        return ack(response_action="errors", errors={"outcome": error_text(error.code, caller.locale)})
    ack()
    client.chat_postMessage(channel=caller.slack_id, text=label("ip_check_recorded_ok", caller.locale))
    person = shown.person
    if person.active:
        locale = locale_of(context, person)
        upcoming = shown.next_check
        send_to(context, client, person, improvement_blocks.check_recorded(
            manager=caller.person.name, outcome=(values.get("outcome") or "").strip(),
            decision=values.get("decision") or "", locale=locale,
            next_check=label("date", locale, d=upcoming.due_on) if upcoming is not None else None))
