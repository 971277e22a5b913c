"""How the evaluation listeners in Slack (peers, cycles, plans, improvement plans, calibration) run their actions:
a button opens a form or answers, a modal's submit shows errors inline or closes and delivers what was queued."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from actions.outcome import Outcome
from actions.perform import perform
from handlers.context import asked_by, deliver_after_ack, deps_of, identify, tell
from handlers.forms import inline_errors
from handlers.payloads import caller_id, trigger_id
from prompts.goal_blocks import error_text, modal_errors

NOT_FOUND = "not_found"
Words = Callable[[Outcome, str], dict[str, str]]


def _words(outcome: Outcome, locale: str) -> dict[str, str]:
    return modal_errors(dict(outcome.errors), locale)


def _pressed(ack, body, context, client, action, inputs: dict) -> tuple[Outcome, str] | None:
    """Ack a button and run `action`: its outcome and the caller's language, or None once why not was said."""
    ack()
    caller = identify(context, client, caller_id(body))
    if caller.person is None:
        tell(client, body, error_text(NOT_FOUND, caller.locale))
        return None
    outcome = perform(deps_of(context), action, asked_by(context, caller.person, caller.locale), **inputs)
    if not outcome.ok:
        tell(client, body, " ".join(_words(outcome, caller.locale).values()))
        return None
    return outcome, caller.locale


def open_form(ack, body, context, client, action, build: Callable[[Any, str], dict], /, **inputs) -> None:
    """Open the modal `build(outcome.value, locale)` makes once `action` allows it; else say why, privately."""
    pressed = _pressed(ack, body, context, client, action, inputs)
    if pressed is not None:
        outcome, locale = pressed
        client.views_open(trigger_id=trigger_id(body), view=build(outcome.value, locale))


def press(ack, body, context, client, action, /, **inputs) -> None:
    """Run `action` for a button; its answer is delivered as a notice, a refusal is said privately."""
    pressed = _pressed(ack, body, context, client, action, inputs)
    if pressed is not None:
        deliver_after_ack(context, pressed[0])


def submit_form(ack, body, view, context, client, action, /, *, field: str, fallback: str | None = None,
                words: Words = _words, **inputs) -> None:
    """Run `action` for a modal's submit: its errors inline (those on no block go on `fallback`), or close the
    modal and deliver what it queued. A stranger's (forged) submit is refused on `field`."""
    caller = identify(context, client, caller_id(body))
    if caller.person is None:
        return ack(response_action="errors", errors={field: error_text(NOT_FOUND, caller.locale)})
    outcome = perform(deps_of(context), action, asked_by(context, caller.person, caller.locale), **inputs)
    if not outcome.ok:
        errors = words(outcome, caller.locale)
        return ack(response_action="errors",
                   errors=inline_errors(errors, view, fallback=fallback) if fallback else errors)
    ack()
    deliver_after_ack(context, outcome)
