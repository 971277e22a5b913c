"""Thin Teams handlers: identify the person, call one storage verb, build a card, one Bot Connector call."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from handlers.teams import (
    actions,
    approvals,
    calibration,
    checkins,
    coaching,
    commands,
    cycles,
    errors,
    goal_changes,
    goals,
    home,
    improvement,
    install,
    peers,
    plans,
    reviews,
    shortcuts,
)

if TYPE_CHECKING:
    from bot.deps import Deps

# Order matters: the catch-all dialog and button handlers of `actions` come after every feature's own.
MODULES = (errors, install, commands, goals, goal_changes, checkins, coaching, approvals, reviews, peers, cycles, plans,
           improvement, calibration, home, shortcuts, actions)


def register_all(app: Any, deps: Deps) -> None:
    """Register every Teams feature's handlers on the SDK app."""
    for module in MODULES:
        module.register(app, deps)
