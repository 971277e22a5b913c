"""Review cycles: HR opens one (the same rules as `checkin-bot cycles open`), each error on the field it is about."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from sqlmodel import col, select

from actions.outcome import Asked, Outcome, Tell
from prompts import cycle_blocks
from storage import cycles
from storage.models import Review, Team
from storage.permissions import is_hr

# The CLI option a CycleError names, and the form field it belongs to.
OPTION_FIELDS = {"--from": "from", "--to": "to", "--self-due": "self_due", "--peer-due": "peer_due",
                 "--manager-due": "manager_due"}
CODE_FIELDS = {cycles.INVALID_NAME: "name", cycles.DUPLICATE: "name", cycles.UNKNOWN_TEAM: "team",
               cycles.EMPTY_SCOPE: "team", cycles.INVALID_PEER_THRESHOLD: cycle_blocks.PEER_THRESHOLD_FIELD}
FIELDS = ("name", "team", *cycle_blocks.DATE_FIELDS, "anonymous", cycle_blocks.PEER_THRESHOLD_FIELD)
NOT_FOUND = "not_found"


def team_names(session) -> list[str]:
    return list(session.exec(select(Team.name).order_by(col(Team.name))))


def cycle_form(session, asked: Asked) -> Outcome:
    """The form to open a cycle, for HR only: its value is the teams a cycle may be scoped to."""
    if not is_hr(asked.person):
        return Outcome.refused({"name": NOT_FOUND})
    return Outcome.done(value=team_names(session))


@dataclass(frozen=True)
class Opened:
    name: str
    people: int  # asked for a self-review
    team: str | None


def open_cycle(session, asked: Asked, *, form: Mapping[str, str | None]) -> Outcome:
    """Open a review cycle for the whole organisation or one team; everyone in scope is asked for a self-review.

    `form`: name, team (WHOLE_ORG or empty: everyone), from, to, self_due, peer_due, manager_due, anonymous
    ("yes": peers stay anonymous) and peer_threshold (how many peers must answer before the reviewed person reads
    their comments; empty: the default). The review-reminders job brings each request where the person is.
    """
    if not is_hr(asked.person):
        return Outcome.refused({"name": NOT_FOUND})
    team = form.get("team")
    scope = None if team in (None, "", cycle_blocks.WHOLE_ORG) else team
    try:
        cycle = cycles.open_cycle(
            session, name=form.get("name") or "", period_start=form.get("from"), period_end=form.get("to"),
            self_due=form.get("self_due"), peer_due=form.get("peer_due"), manager_due=form.get("manager_due"),
            team=scope, now=asked.now, actor_id=asked.person.id, peers_anonymous=form.get("anonymous") == "yes",
            peer_threshold=form.get(cycle_blocks.PEER_THRESHOLD_FIELD))
    except cycles.CycleError as error:
        return Outcome.refused({field_of(error): error.code})
    people = len(list(session.exec(select(Review.id).where(Review.cycle_id == cycle.id, Review.kind == "self"))))
    opened = cycle_blocks.cycle_opened(cycle=cycle.name, people=people, team=scope, locale=asked.locale)
    return Outcome.done(reply=opened, value=Opened(cycle.name, people, scope),
                        tells=[Tell(asked.person, lambda _locale: opened, here=True, locale=asked.locale)])


def field_of(error: cycles.CycleError) -> str:
    """Put the error on the field it is about: by its code, else by the first option its reason names."""
    if error.code in CODE_FIELDS:
        return CODE_FIELDS[error.code]
    named = re.search(r"--[a-z-]+", error.detail)
    return OPTION_FIELDS.get(named.group(0), "from") if named else "from"
