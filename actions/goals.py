"""Goals: proposing one (the SMART checks, the confirm step), the manager's decision, progress, adjusting, archiving,
the history, and `goal list`."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import tzinfo
from functools import partial

from actions.outcome import Asked, Outcome, Tell
from prompts import goal_blocks, warning_blocks
from prompts.blocks import markdown_message
from prompts.render import render
from storage import goals, people
from storage.models import Approval, Goal, GoalChange, GoalLevel, Person
from storage.permissions import PermissionDenied

# The new-goal form's fields, as Slack's modal and Teams' dialog name them.
FORM_FIELDS = ("title", "metric", "unit", "start", "target", "due_date", "parent_id", "weight", "level",
               "description")
# The fields an adjustment may change, as forms name them and as the goal stores them.
ADJUSTABLE = ("title", "metric", "unit", "start", "target", "due_date")
ADJUSTED_COLUMNS = ("title", "metric", "unit", "start_value", "target_value", "due_date")
# The error key for a refusal that is about the goal itself, not one field (a surface shows it where it can).
GOAL = "goal"


def goal_input(form: Mapping[str, str | None]) -> goals.GoalInput:
    """Read a form's fields (missing ones empty) as the storage verbs take them; a goal is individual unless chosen."""
    fields = {name: form.get(name) for name in FORM_FIELDS}
    fields["level"] = fields["level"] or GoalLevel.INDIVIDUAL.value
    return goals.GoalInput(**fields)


# ---- proposing ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Coached:
    """The SMART coach's warnings (no number, not aligned): the goal is saved only once the person confirms."""

    warnings: list[str]


@dataclass(frozen=True)
class Saved:
    """A goal just saved; `homes`: the people whose goal lists show something new."""

    goal: Goal
    homes: tuple[Person, ...]


def propose_goal(session, asked: Asked, *, form: goals.GoalInput, confirmed: bool = False) -> Outcome:
    """Check a new goal with the SMART rules; ask to confirm a vague one; save it and ask the manager to approve.

    Errors per field (nothing saved); warnings and not `confirmed`: `Coached` (nothing saved); else the goal is
    saved, the author sees where it stands, and an individual goal asks the author's active manager, where they are.
    """
    author = asked.person
    today = people.local_today(author, now=asked.now, default_zone=asked.default_zone)
    try:
        validation = goals.validate(session, author, form, today=today)
        if validation.errors:
            return Outcome.refused(validation.errors)
        if validation.warnings and not confirmed:
            return Outcome.done(value=Coached(validation.warnings))
        goal = goals.create(session, author, validation.draft, now=asked.now)
    except PermissionDenied:
        return Outcome.refused({"title": "not_allowed"})
    except goals.GoalValidationError as error:  # the parent changed between the check and the save
        return Outcome.refused(error.errors)
    manager = session.get(Person, author.manager_id) if author.manager_id else None
    parent_title = session.get(Goal, goal.parent_id).title if goal.parent_id else None
    tells: list[Tell] = []
    homes = [author]
    if goal.approval == Approval.PROPOSED and manager is not None and manager.active:
        tells.append(Tell(manager, partial(_approval_request, goal=goal, progress=goals.own_progress(goal),
                                           owner=author.name, parent_title=parent_title)))
        homes.append(manager)
    saved = goal_blocks.goal_saved(goal, manager_name=manager.name if manager else None, parent_title=parent_title,
                                   locale=asked.locale)
    tells.append(Tell(author, lambda _locale: saved, here=True, locale=asked.locale))
    return Outcome.done(reply=saved, tells=tells, value=Saved(goal, tuple(homes)))


def _approval_request(locale: str, *, goal: Goal, progress: float, owner: str, parent_title: str | None) -> dict:
    return goal_blocks.approval_request(goal, progress, owner_name=owner, parent_title=parent_title, locale=locale)


# ---- the manager's decision -----------------------------------------------------------------------


@dataclass(frozen=True)
class Decided:
    """A decision just recorded; `homes`: the owner's and the decider's lists changed."""

    goal: Goal
    owner: Person
    homes: tuple[Person, ...]


def decide_goal(session, asked: Asked, *, goal_id: int | None, approve: bool, comment: str | None = None) -> Outcome:
    """Approve a proposed goal, or return it with a comment; the owner is told where they are.

    Refusals: `goal` (not_found, not_allowed, not_pending) or `comment` (comment_missing, text_too_long).
    The reply is what the decider sees in place of the request's buttons.
    """
    decider = asked.person
    comment = comment.strip() if comment else None
    if goal_id is None:
        return Outcome.refused({GOAL: goals.NOT_FOUND})  # a forged id names no goal
    try:
        goal = goals.decide(session, decider, goal_id, approve=approve, comment=comment, now=asked.now)
    except PermissionDenied:
        return Outcome.refused({GOAL: "not_allowed"})
    except goals.GoalValidationError as error:
        return Outcome.refused(error.errors)
    except goals.GoalError as error:
        return Outcome.refused({"comment" if error.code == goals.COMMENT_MISSING else GOAL: error.code})
    approved = goal.approval == Approval.APPROVED
    owner = session.get(Person, goal.owner_id)
    parent = session.get(Goal, goal.parent_id) if goal.parent_id else None
    told = partial(_decided, goal=goal, approved=approved, decider=decider.name, comment=comment,
                   parent_title=parent.title if parent else None)
    recorded = goal_blocks.decision_recorded(goal, approved=approved, owner_name=owner.name, comment=comment,
                                             locale=asked.locale)
    return Outcome.done(reply=recorded, tells=[Tell(owner, told)], value=Decided(goal, owner, (owner, decider)))


def _decided(locale: str, *, goal: Goal, approved: bool, decider: str, comment: str | None,
             parent_title: str | None) -> dict:
    return goal_blocks.goal_decided(goal, approved=approved, decider_name=decider, comment=comment,
                                    parent_title=parent_title, locale=locale)


# ---- changing a goal --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Changed:
    """A goal just changed; `homes`: whose goal lists show it (the one who changed it, and its owner)."""

    goal: Goal
    homes: tuple[Person, ...]


def update_progress(session, asked: Asked, *, goal_id: int | None, value: str, note: str | None = None) -> Outcome:
    """Record a goal's current value (its owner, their managers, HR); errors per field, or `goal`."""
    return _change(session, asked, goal_id, lambda: goals.update_progress(
        session, asked.person, goal_id, value=value, note=note, now=asked.now), said="progress")


def adjust_goal(session, asked: Asked, *, goal_id: int | None, changes: goals.GoalInput,
                reason: str | None) -> Outcome:
    """Change a goal's title, metric, numbers or due date, with a reason kept in its history; when someone else
    (their manager, HR) changed it, its owner is told what changed and why, once, where they are."""
    before: dict[str, str | None] = {}

    def adjust() -> Goal:
        stored = session.get(Goal, goal_id)
        if stored is not None:
            before.update({name: goals.format_value(getattr(stored, name)) for name in ADJUSTED_COLUMNS})
        return goals.adjust(session, asked.person, goal_id, changes, reason=reason, now=asked.now)

    outcome = _change(session, asked, goal_id, adjust)
    if not outcome.ok:
        return outcome
    goal = outcome.value.goal
    owner = session.get(Person, goal.owner_id)
    moved = tuple((name, before.get(name), goals.format_value(getattr(goal, name))) for name in ADJUSTED_COLUMNS
                  if before.get(name) != goals.format_value(getattr(goal, name)))
    if owner is None or owner.id == asked.person.id or not owner.active or not moved:
        return outcome
    told = partial(warning_blocks.goal_adjusted_for_owner, adjuster=asked.person.name, title=goal.title,
                   changes=moved, reason=(reason or "").strip() or None)
    return replace(outcome, tells=(*outcome.tells, Tell(owner, lambda locale: told(locale=locale))))


def archive_goal(session, asked: Asked, *, goal_id: int | None, reason: str | None = None) -> Outcome:
    """Take a goal out of lists and roll-ups; its history stays."""
    return _change(session, asked, goal_id, lambda: goals.archive(
        session, asked.person, goal_id, reason=reason, now=asked.now), said="archive")


def changeable_goal(session, asked: Asked, *, goal_id: int | None) -> Outcome:
    """The goal a ⋯ menu names, when the asker may change it (its owner, their managers, HR) and it is not archived:
    its form opens for it. Refused: `goal` (not_found, not_allowed, archived)."""
    goal = visible_goal(session, asked.person, goal_id)
    if isinstance(goal, str):
        return Outcome.refused({GOAL: goal})
    if not goals.can_edit(session, asked.person, goal):
        return Outcome.refused({GOAL: "not_allowed"})
    if goal.archived_at is not None:
        return Outcome.refused({GOAL: goals.ARCHIVED})
    return Outcome.done(value=goal)


def _change(session, asked: Asked, goal_id: int | None, verb: Callable[[], Goal], *,
            said: str | None = None) -> Outcome:
    if goal_id is None:
        return Outcome.refused({GOAL: goals.NOT_FOUND})
    try:
        goal = verb()
    except goals.GoalValidationError as error:
        return Outcome.refused(error.errors)
    except PermissionDenied:
        return Outcome.refused({GOAL: "not_allowed"})
    except goals.GoalError as error:
        return Outcome.refused({GOAL: error.code})
    owner = session.get(Person, goal.owner_id)
    homes = (asked.person,) if owner is None or owner.id == asked.person.id else (asked.person, owner)
    # Slack's modal just closes and the home tab shows the change; a surface that closes its form with words says this.
    reply = markdown_message(render("goal_changed", asked.locale, change=said, title=goal.title, unit=goal.unit or "",
                                    current=goal_blocks.number(goal.current_value))) if said else None
    return Outcome.done(value=Changed(goal, homes), reply=reply)


# ---- reading ----------------------------------------------------------------------------------------


def visible_goal(session, viewer: Person | None, goal_id: int | None) -> Goal | str:
    """Return the goal if the viewer may see it, else the error name to show (a forged id is not found)."""
    if viewer is None or goal_id is None:
        return goals.NOT_FOUND
    try:
        return goals.get_visible(session, viewer, goal_id)
    except goals.GoalError as error:
        return error.code


@dataclass(frozen=True)
class History:
    """A goal's changes, with the names of who made them and the reader's time zone."""

    goal: Goal
    changes: list[GoalChange]
    names: dict[int, str]
    zone: tzinfo


def goal_history(session, asked: Asked, *, goal_id: int | None) -> Outcome:
    """Read a goal's history (anyone who can see the goal)."""
    goal = visible_goal(session, asked.person, goal_id)
    if isinstance(goal, str):
        return Outcome.refused({GOAL: goal})
    changes = goals.history(session, asked.person, goal.id)
    names = people.names_by_id(session, {c.actor_id for c in changes if c.actor_id})
    return Outcome.done(value=History(goal, changes, names, people.zone_of(asked.person, default=asked.default_zone)))


@dataclass(frozen=True)
class Listing:
    """The goals `goal list` shows, with their progress, for a surface that lays them out itself."""

    goals: list[Goal]
    progress: dict[int, float]
    own: bool
    name: str


def list_goals(session, asked: Asked, *, subject: Person | None, understood: bool = True) -> Outcome:
    """`goal list [@person]`: your own goals, a report's (managers), anyone's (HR).

    `subject` None: someone not in the org; `understood` False: the argument named no one.
    """
    viewer, locale = asked.person, asked.locale
    if not understood:
        return Outcome.done(reply=markdown_message(render("goal_list_who", locale)))
    try:
        if subject is None:
            raise PermissionDenied("unknown person")
        listed = goals.goals_of(session, viewer, subject)
    except PermissionDenied:
        return Outcome.done(reply=markdown_message(render("goal_list_not_allowed", locale)))
    progress = goals.progress_map(session, listed)
    own = subject.id == viewer.id
    return Outcome.done(reply=goal_blocks.goal_list(listed, progress, own=own, name=subject.name, locale=locale,
                                                    can_change=True),
                        value=Listing(listed, progress, own, subject.name))
