"""HR edits performance plans in Slack: the same checks as `checkin-bot plans load`, errors by field and line."""

from __future__ import annotations

from slack_bolt import App

from actions import plans as plan_actions
from handlers.evaluation_forms import open_form, submit_form
from handlers.forms import view_values
from handlers.payloads import action_value, private_metadata
from prompts import plan_blocks

NEW_PLAN = plan_actions.NEW_PLAN


def register(app: App) -> None:
    app.action(plan_blocks.EDIT_PLAN_ACTION)(open_editor)
    app.view(plan_blocks.PLAN_VIEW)(save)


def open_editor(ack, body, action, context, client) -> None:
    open_form(ack, body, context, client, plan_actions.plan_editor,
              lambda editor, locale: plan_blocks.plan_modal(editor.text, plan_id=editor.plan_id, teams=editor.teams,
                                                            locale=locale),
              value=action_value(action) or None)


def save(ack, body, view, context, client) -> None:
    submit_form(ack, body, view, context, client, plan_actions.save_plan, field="name",
                words=plan_actions.error_words, value=private_metadata(view) or "", form=view_values(view))
