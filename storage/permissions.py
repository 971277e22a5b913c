"""Who may see and decide what about whom: the management chain, HR and admins."""

from __future__ import annotations

from sqlalchemy import Select, false
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from storage.models import Person, Role

# Made once: an alias is costly to build, and the queries below are built on every App Home.
_REPORT, _FIRST, _STEP = aliased(Person), aliased(Person), aliased(Person)


class PermissionDenied(Exception):
    """The person may not do this; str() is a short English reason for logs, surfaces show their own words."""


def is_hr(person: Person) -> bool:
    """Answer whether the person holds the HR or admin role (and still works here)."""
    return person.active and person.role in (Role.HR, Role.ADMIN)


def manages(session: Session, manager: Person, report: Person) -> bool:
    """Answer whether `manager` is above `report` in the management chain, directly or skip-level.

    Inactive people manage nobody. The walk goes through inactive people in the middle of the chain:
    a departed middle manager does not cut their own manager off from the team below.
    """
    if not manager.active or manager.id is None or manager.id == report.id:
        return False
    return manager.id in _chain_ids(session, report)


def managed_ids(session: Session, manager: Person) -> set[int]:
    """Return the ids of everyone below `manager` in the management chain (one recursive query)."""
    if not manager.active or manager.id is None:
        return set()
    return set(session.exec(below(manager)))


def below(manager: Person) -> Select:
    """A query for the ids of everyone below `manager`, to use inside other queries (`col(...).in_(below(m))`).

    A recursive CTE, so the database walks the chain and nothing the size of the org is built in Python.
    UNION (not UNION ALL) drops rows already found, so a reporting cycle in bad data ends the walk.
    """
    if not manager.active or manager.id is None:
        return select(Person.id).where(false())
    tree = select(Person.id).where(Person.manager_id == manager.id).cte("below", recursive=True)
    tree = tree.union(select(_REPORT.id).join(tree, col(_REPORT.manager_id) == tree.c.id))
    return select(tree.c.id).where(tree.c.id != manager.id)


def managed_among(manager: Person, people: Select) -> Select:
    """A query for the ids among `people` (a query of person ids) that `manager` is above, directly or skip-level.

    It walks up from those people rather than down from the manager, so its cost follows how many people are
    asked about and how deep the chain is, never how many people are below the manager (the top of a 50,000
    person org). UNION ends the walk on a reporting cycle in bad data.
    """
    if not manager.active or manager.id is None:
        return select(Person.id).where(false())
    start = people.subquery()
    asked = start.c[list(start.c.keys())[0]]
    chain = select(_FIRST.id.label("subject"), _FIRST.manager_id.label("above")).where(
        col(_FIRST.id).in_(select(asked))).cte("chain", recursive=True)
    chain = chain.union(select(chain.c.subject, _STEP.manager_id).join(_STEP, col(_STEP.id) == chain.c.above)
                        .where(chain.c.above != manager.id))
    return select(chain.c.subject).where(chain.c.above == manager.id, chain.c.subject != manager.id)


def has_reports(session: Session, manager: Person) -> bool:
    """Answer whether anyone reports to `manager` (someone directly below means someone below at all)."""
    if not manager.active or manager.id is None:
        return False
    return session.exec(select(Person.id).where(Person.manager_id == manager.id).limit(1)).first() is not None


def can_view_person(session: Session, viewer: Person, subject: Person) -> bool:
    """Answer whether the viewer may see the subject's goals and records: self, up the chain, HR and admin."""
    if not viewer.active:
        return False
    return viewer.id == subject.id or is_hr(viewer) or manages(session, viewer, subject)


def require_view_person(session: Session, viewer: Person, subject: Person) -> None:
    """Raise PermissionDenied unless the viewer may see the subject's records."""
    if not can_view_person(session, viewer, subject):
        raise PermissionDenied(f"person {viewer.id} may not view person {subject.id}")


def can_decide_for(session: Session, viewer: Person, subject: Person) -> bool:
    """Answer whether the viewer may approve or return the subject's goals: direct manager or HR, never oneself."""
    if not viewer.active or viewer.id == subject.id:
        return False
    return subject.manager_id == viewer.id or is_hr(viewer)


def _chain_ids(session: Session, person: Person) -> list[int]:
    """Return the ids of the person's managers, nearest first."""
    chain: list[int] = []
    manager_id = person.manager_id
    while manager_id is not None and manager_id != person.id and manager_id not in chain:
        chain.append(manager_id)
        manager = session.get(Person, manager_id)  # usually in the identity map already
        manager_id = manager.manager_id if manager else None
    return chain
