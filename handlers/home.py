"""The App Home tab: published when opened, and again whenever something on it changes."""

from __future__ import annotations

import logging
import re

from slack_bolt import App
from slack_sdk.errors import SlackApiError

from handlers.context import deps_of, identify, locale_of
from handlers.payloads import action_value, caller_id, slack_id
from prompts.home_blocks import PAGE_ACTION, HomeData, HomePages, home_view
from storage import attention, checkins, cycles, goals, improvement, people, permissions, plan_edits
from storage.models import Person
from storage.permissions import is_hr

log = logging.getLogger(__name__)


def register(app: App) -> None:
    app.event("app_home_opened")(home_opened)
    app.action(re.compile(f"^{PAGE_ACTION}-"))(turn_page)


def home_opened(event, context, client) -> None:
    if event.get("tab", "home") != "home":
        return
    caller = identify(context, client, slack_id(event.get("user")))
    if caller.person is not None:
        publish_home(client, context, caller.person)


def turn_page(ack, body, action, context, client) -> None:
    ack()
    caller = identify(context, client, caller_id(body))
    if caller.person is not None:
        publish_home(client, context, caller.person, pages=HomePages.from_value(action_value(action)))


def load_home(session, person: Person, *, now, default_zone: str) -> HomeData:
    """Gather what a person's home shows, with the progress of every goal on it in a few queries."""
    mine = goals.goals_of(session, person, person)
    waiting = goals.pending_approvals(session, person)
    mine_ids = {goal.id for goal in mine}
    team = [goal for goal in goals.team_goals(session, person) if goal.id not in mine_ids]
    alignment = goals.visible_parent_choices(session, person)
    progress = goals.progress_map(session, [*mine, *waiting, *team, *alignment])
    owners = people.names_by_id(session, {goal.owner_id for goal in [*waiting, *team]})
    this_week = checkins.current_week(person, now=now, default_zone=default_zone)
    follows_plans = is_hr(person) or _has_reports(session, person)  # no one else can follow a plan: skip the query
    followed = improvement.open_plans(session, person) if follows_plans else []
    return HomeData(name=person.name, my_goals=mine, waiting=waiting, team_goals=team,
                    alignment_goals=alignment, progress=progress, owner_names=owners,
                    latest_checkin=checkins.latest(session, person),
                    streak=checkins.streak(session, person, now=now, default_zone=default_zone),
                    checked_in_this_week=checkins.existing(session, person, this_week) is not None,
                    cycles=cycles.summaries(session, now=now) if is_hr(person) else None,
                    plans=plan_edits.plans_for_hr(session, person) if is_hr(person) else None,
                    improvement=followed if follows_plans else None,
                    own_plan=_own_plan(session, person),
                    attention=attention.waiting_for(session, person, now=now, default_zone=default_zone)
                    if follows_plans else ())


def _has_reports(session, person: Person) -> bool:
    return permissions.has_reports(session, person)


def _own_plan(session, person: Person):
    plan = improvement.open_for(session, person)
    return improvement.view(session, person, plan.id) if plan is not None else None


def publish_home(client, context, person: Person, *, pages: HomePages | None = None) -> None:
    """Publish the person's home tab (later, once for a burst, when the app runs such work later)."""
    if not person.slack_id:
        return
    later = context.get("later") if hasattr(context, "get") else None
    if later is None:
        return _publish_now(client, context, person, pages=pages)
    deps, locale = deps_of(context), locale_of(context, person)
    pages = pages or HomePages()
    later.submit(("home", person.id, pages.to_value()),
                 lambda: _publish_now(client, {"deps": deps}, person, pages=pages, locale=locale))


def _publish_now(client, context, person: Person, *, pages: HomePages | None = None, locale: str | None = None):
    """Publish the person's home tab now; a failure here must not undo what they just did."""
    deps = deps_of(context)
    with deps.sessions() as session:
        data = load_home(session, person, now=deps.clock.now(), default_zone=deps.settings.default_timezone)
    try:
        client.views_publish(user_id=person.slack_id, view=home_view(data, locale=locale or locale_of(context, person),
                                                                     pages=pages or HomePages()))
    except SlackApiError as exc:
        log.warning("views.publish failed: %s", exc.response.get("error"))
