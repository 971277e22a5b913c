"""Thin Slack listeners: parse, call one domain verb, render, make one Slack call."""

from slack_bolt import App

from handlers import checkins, errors, goals

MODULES = (errors, goals, checkins)


def register_all(app: App) -> None:
    """Register every feature's listeners on the app."""
    for module in MODULES:
        module.register(app)
