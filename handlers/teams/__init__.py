"""Thin Teams handlers: identify the person, call one storage verb, build a card, one Bot Connector call."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from handlers.teams import commands, errors, goals, install

if TYPE_CHECKING:
    from bot.deps import Deps

MODULES = (errors, install, commands, goals)


def register_all(app: Any, deps: Deps) -> None:
    """Register every Teams feature's handlers on the SDK app."""
    for module in MODULES:
        module.register(app, deps)
