"""Thin Slack listeners: parse, call one domain verb, render, make one Slack call."""

from slack_bolt import App

from handlers import (
    calibration,
    checkins,
    coaching,
    cycles,
    errors,
    goal_changes,
    goal_decisions,
    goals,
    home,
    hr,
    improvement,
    kudos,
    messages,
    peers,
    plans,
    reviews,
    shortcuts,
)
from handlers.routing import Router

MODULES = (errors, home, goals, goal_decisions, goal_changes, checkins, coaching, hr, kudos, reviews, peers,
           calibration, cycles, improvement, plans, shortcuts, messages)


def register_all(app: App) -> None:
    """Register every feature's listeners on the app, routed by id; a malformed payload gets a refusal from each."""
    router = Router(app)
    for module in MODULES:
        module.register(router)
    router.install()
