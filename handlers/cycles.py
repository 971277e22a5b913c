"""HR opens a review cycle from the App Home: the same rules as `checkin-bot cycles open`, errors inline."""

from __future__ import annotations

from slack_bolt import App

from actions import cycles as cycle_actions
from handlers.evaluation_forms import open_form, submit_form
from handlers.forms import view_values
from prompts import cycle_blocks


def register(app: App) -> None:
    app.action(cycle_blocks.OPEN_CYCLE_ACTION)(open_cycle_form)
    app.view(cycle_blocks.OPEN_CYCLE_VIEW)(submit)


def open_cycle_form(ack, body, context, client) -> None:
    open_form(ack, body, context, client, cycle_actions.cycle_form,
              lambda teams, locale: cycle_blocks.open_cycle_modal(teams, locale=locale))


def submit(ack, body, view, context, client) -> None:
    submit_form(ack, body, view, context, client, cycle_actions.open_cycle, field="name", form=view_values(view))
