"""HR switches each of the assistant's features off or on again, for everyone, within what the operator allows.

`show` answers with each feature, whether it is on, and what it sends; `switch_feature` switches one and answers
with the same view, updated. Only HR (and admins) may; a feature the operator left out of CHECKIN_AI_FEATURES is
shown "off by the operator" and cannot be switched on here. Surfaces pass the operator's features in.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlmodel import Session

from actions.assistant import FEATURES, Assistant
from actions.outcome import Asked, Outcome
from prompts import assistant_blocks
from storage import assistant_switches
from storage.permissions import is_hr

ORDER = ("review_drafts", "goal_suggestions", "agenda_summary", "translation")  # as the view lists them
REFUSED = "assistant"  # the refusal's key; its code is one of the three below (a label named assistant_<code>)
NOT_ALLOWED, UNKNOWN, OPERATOR_OFF = "not_allowed", "unknown_feature", "operator_off"
ON, OFF, BY_OPERATOR = "on", "off", "operator"
assert set(ORDER) == FEATURES


def operator_features(assistant_: Assistant | None) -> frozenset[str]:
    """The features the operator allows (CHECKIN_AI_FEATURES), as the configured assistant holds them."""
    return assistant_.features if assistant_ is not None else frozenset()


def show(session: Session, asked: Asked, *, operator_features: Iterable[str]) -> Outcome:
    """Each feature, on, off, or off by the operator, with what it sends (HR only)."""
    if not is_hr(asked.person):
        return Outcome.refused({REFUSED: NOT_ALLOWED})
    return Outcome.done(reply=_view(session, frozenset(operator_features), asked.locale))


def switch_feature(session: Session, asked: Asked, *, operator_features: Iterable[str], value: object) -> Outcome:
    """Switch one feature on or off for everyone (`value`: "feature:on" or "feature:off"), then show the view again."""
    if not is_hr(asked.person):
        return Outcome.refused({REFUSED: NOT_ALLOWED})
    feature, _, wanted = str(value or "").partition(":")
    if feature not in FEATURES or wanted not in (ON, OFF):
        return Outcome.refused({REFUSED: UNKNOWN})
    allowed = frozenset(operator_features)
    if feature not in allowed:
        return Outcome.refused({REFUSED: OPERATOR_OFF})
    assistant_switches.switch(session, feature, wanted == ON, asked.person.id, asked.now)
    session.flush()
    return Outcome.done(reply=_view(session, allowed, asked.locale), value=feature)


def _view(session: Session, allowed: frozenset[str], locale: str) -> dict:
    off = assistant_switches.switched_off(session)
    rows = [(feature, BY_OPERATOR if feature not in allowed else OFF if feature in off else ON) for feature in ORDER]
    return assistant_blocks.settings(rows, locale=locale)
