"""Run an action in one transaction with the notices it causes, then hand the notices to the one sender."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING

from actions.outcome import Asked, Outcome, Tell
from storage import notices, people

if TYPE_CHECKING:
    from bot.deps import Deps


def perform(deps: Deps, action: Callable[..., Outcome], asked: Asked, /, **inputs) -> Outcome:
    """Call `action(session, asked, **inputs)`; commit its writes and its notices together, or nothing if refused.

    The notices are queued in the delivery log inside the action's transaction, so an action saved is an action
    whose messages will be delivered (now, or by the `notices` job when a platform fails). Deliver them with
    `deliver` once the asker has their answer.
    """
    with deps.sessions() as session:
        outcome = action(session, asked, **inputs)
        if not outcome.ok:
            session.rollback()  # a refusal saves nothing, whatever the action had begun
            return outcome
        queued = tuple(queue(session, outcome.tells, asked=asked, default_locale=deps.settings.default_locale))
    return replace(outcome, queued=queued)


def queue(session, tells: tuple[Tell, ...], *, asked: Asked, default_locale: str) -> list:
    """Queue each tell in the delivery log, rendered in its reader's language; skip keys queued before."""
    queued = []
    for sequence, tell in enumerate(tells, start=1):
        locale = tell.locale or people.pick_locale(tell.to.locale, default=default_locale)
        key = tell.key or notices.key_for(asked.request, sequence)
        delivery = notices.queue(session, person_id=tell.to.id, key=key, message=tell.message(locale), now=asked.now,
                                 surface=asked.surface if tell.here else None, channel=tell.channel)
        if delivery is not None:
            queued.append(delivery)
    return queued


def deliver(deps: Deps, outcome: Outcome) -> list[str]:
    """Deliver the notices an action queued, on this thread; what fails stays queued for the `notices` job."""
    if not outcome.queued or deps.deliver_notices is None:
        return []
    return deps.deliver_notices(list(outcome.queued))

