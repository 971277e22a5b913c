"""What the Teams dialogs of review cycles, peers, plans and improvement plans share: registering a submit,
reading it, running its action, and showing the dialog again with errors or closing it."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from actions.outcome import Outcome
from handlers.teams.context import TeamsCaller, act, data_of, identify, stranger_card
from prompts import adaptive
from prompts.goal_blocks import error_text, modal_errors
from prompts.render import label

if TYPE_CHECKING:
    from bot.deps import Deps

Values = dict[str, str | None]
Words = dict[str, str]  # errors in words, by field
Submit = Callable[["Deps", TeamsCaller, dict, Any], dict]


def on_submit(app: Any, deps: Deps, action: str, submit: Submit) -> None:
    """Answer the dialog submits whose action is `action` with `submit(deps, caller, data, activity)`, off the loop."""
    @app.on_dialog_submit(action)
    async def submitted(ctx: Any) -> dict:
        caller = await identify(ctx, deps)
        return await asyncio.to_thread(submit, deps, caller, data_of(ctx), ctx.activity)


def text_of(data: dict, key: str) -> str:
    """One of the submit's own values (not a field): text, else empty."""
    value = data.get(key)
    return value if isinstance(value, str) else ""


def refusal(code: str, locale: str) -> dict:
    """A dialog saying why there is nothing to open or save, in Slack's words."""
    return adaptive.message_dialog(error_text(code, locale), locale=locale)


def stranger(deps: Deps, caller: TeamsCaller) -> dict:
    return adaptive.dialog(label("app_name", caller.locale), stranger_card(deps, caller.locale))


def opened(deps: Deps, caller: TeamsCaller, action, build: Callable[[Any], dict], /, **inputs) -> dict:
    """The dialog `build(outcome.value)` makes once `action` allows it; else why not, in Slack's words."""
    if caller.person is None:
        return stranger(deps, caller)
    outcome = act(deps, caller, action, **inputs)
    if not outcome.ok:
        return adaptive.message_dialog(" ".join(modal_errors(dict(outcome.errors), caller.locale).values()),
                                       locale=caller.locale)
    return build(outcome.value)


def submitted(deps: Deps, caller: TeamsCaller, data: dict, action, /, *, fields: tuple[str, ...],
              inputs: Callable[[Values], dict], again: Callable[[Values, Words], dict], activity: Any = None,
              words: Callable[[Outcome, str], Words] | None = None,
              done: Callable[[Outcome], None] | None = None) -> dict:
    """Run `action` on a dialog's `fields`: closed with its answer (which reaches the person's chat as a notice),
    or `again(values, words)`: the dialog once more, each error beside its field and what was typed kept.
    `done(outcome)` runs once the action succeeded, before the dialog closes (a Slack home tab to refresh)."""
    if caller.person is None:
        return stranger(deps, caller)
    values, invalid = adaptive.form_fields(data, fields)
    if invalid:
        return again(values, modal_errors(invalid, caller.locale))
    outcome = act(deps, caller, action, activity=activity, **inputs(values))
    if not outcome.ok:
        shown = words(outcome, caller.locale) if words else modal_errors(dict(outcome.errors), caller.locale)
        return again(values, shown)
    if done is not None:
        done(outcome)
    return adaptive.close_dialog(outcome.reply["text"])
