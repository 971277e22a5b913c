"""Opening a modal about one record from a button: the storage verb decides who may see it."""

from __future__ import annotations

from collections.abc import Callable

from sqlmodel import Session

from handlers.context import deps_of, identify, tell
from handlers.payloads import action_value, caller_id, record_id, trigger_id
from prompts.goal_blocks import error_text
from storage.improvement import ImprovementError
from storage.models import Person
from storage.plan_edits import PlanEditError
from storage.reviews import ReviewError

REFUSALS = (ReviewError, ImprovementError, PlanEditError)  # each carries the `code` of its words
BuildView = Callable[[Session, Person, int, str], dict]


def open_record_modal(body, action, context, client, build_view: BuildView) -> None:
    """Open the modal `build_view(session, person, record_id, locale)` makes for the button's record id.

    A stranger, a forged id or a refusal from storage gets a private answer in the person's words, and no modal.
    """
    caller = identify(context, client, caller_id(body))
    raw = record_id(action_value(action))
    if caller.person is None or raw is None:
        return tell(client, body, error_text("not_found", caller.locale))
    try:
        with deps_of(context).sessions() as session:
            view = build_view(session, caller.person, raw, caller.locale)
    except REFUSALS as error:
        return tell(client, body, error_text(error.code, caller.locale))
    client.views_open(trigger_id=trigger_id(body), view=view)
