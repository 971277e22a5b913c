"""Improvement plans in Slack: the manager opens one, the employee commits, checks are recorded."""

from __future__ import annotations

from slack_bolt import App

from actions import improvement as improvement_actions
from handlers.evaluation_forms import open_form, submit_form
from handlers.forms import metadata_id, view_values
from handlers.modals import open_record_modal
from handlers.payloads import action_value, private_metadata
from prompts import improvement_blocks
from storage import improvement

PICK = improvement_actions.PICK


def register(app: App) -> None:
    app.action(improvement_blocks.OPEN_PLAN_ACTION)(open_plan_form)
    app.view(improvement_blocks.PLAN_VIEW)(submit_plan)
    app.action(improvement_blocks.COMMITMENTS_ACTION)(open_commitments)
    app.view(improvement_blocks.COMMITMENTS_VIEW)(submit_commitments)
    app.action(improvement_blocks.RECORD_CHECK_ACTION)(open_check)
    app.view(improvement_blocks.CHECK_VIEW)(submit_check)


def open_plan_form(ack, body, action, context, client) -> None:
    open_form(ack, body, context, client, improvement_actions.plan_form,
              lambda form, locale: improvement_blocks.plan_modal(
                  subject=form.subject.name if form.subject else None, value=form.value, locale=locale),
              value=action_value(action))


def submit_plan(ack, body, view, context, client) -> None:
    value = private_metadata(view)  # empty when opened from the home: the manager chose who in the form
    values = view_values(view)
    submit_form(ack, body, view, context, client, improvement_actions.start_plan, field="gaps", fallback="gaps",
                value=value, form=values, subject_slack_id=(values.get("subject") or "") if not value else None)


def open_commitments(ack, body, action, context, client) -> None:
    ack()

    def build(session, person, plan_id, locale) -> dict:
        shown = improvement.view(session, person, plan_id)
        if shown.person.id != person.id:  # only the employee commits; their manager reads it
            raise improvement.ImprovementError(improvement.NOT_FOUND)
        return improvement_blocks.commitments_modal(shown, locale=locale)

    open_record_modal(body, action, context, client, build)


def submit_commitments(ack, body, view, context, client) -> None:
    submit_form(ack, body, view, context, client, improvement_actions.add_commitments, field="commitments",
                plan_id=metadata_id(view), text=view_values(view).get("commitments"))


def open_check(ack, body, action, context, client) -> None:
    ack()

    def build(session, person, check_id, locale) -> dict:
        found = improvement.check_for(session, person, check_id)
        if found is None:
            raise improvement.ImprovementError(improvement.NOT_FOUND)
        return improvement_blocks.check_modal(check_id, subject=found.person.name, locale=locale)

    open_record_modal(body, action, context, client, build)


def submit_check(ack, body, view, context, client) -> None:
    submit_form(ack, body, view, context, client, improvement_actions.record_check, field="outcome",
                fallback="outcome", check_id=metadata_id(view), form=view_values(view))
