"""Getting started: who should be welcomed, for which plan, and in which role."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_
from sqlmodel import Session, col, select

from storage import permissions, plans
from storage.models import PerformancePlan, Person, ReviewCycle

EMPLOYEE = "employee"
MANAGER = "manager"
HR = "hr"
DEFAULT_PLAN_KEY = "plan:default"


@dataclass(frozen=True)
class Welcome:
    person: Person
    plan_key: str  # the delivery period: one welcome per person per plan that applies to them
    role: str  # employee, manager or hr: which guide they get


def role_of(person: Person, *, has_reports: bool) -> str:
    """HR gets the HR guide, anyone with reports the manager's, everyone else the employee's."""
    if permissions.is_hr(person):
        return HR
    return MANAGER if has_reports else EMPLOYEE


def role_for(session: Session, person: Person) -> str:
    has_reports = session.exec(select(Person.id).where(Person.manager_id == person.id, Person.active)).first()
    return role_of(person, has_reports=has_reports is not None)


def plan_key(plan_rows: list[PerformancePlan], person: Person) -> str:
    """The key of the plan that applies (plans.applicable, resolved in memory for everyone at once)."""
    found = plans.applicable(plan_rows, person)
    return f"plan:{found.id}" if found is not None else DEFAULT_PLAN_KEY


def wanted(session: Session) -> list[Welcome]:
    """Everyone active on chat, with the plan that applies to them now and their role: a few queries in all."""
    plan_rows = list(session.exec(select(PerformancePlan).order_by(col(PerformancePlan.id))))
    people = list(session.exec(
        select(Person).where(col(Person.active).is_(True), col(Person.erased_at).is_(None),
                             or_(col(Person.slack_id).is_not(None), col(Person.teams_id).is_not(None)))
        .order_by(col(Person.id))))
    managers = set(session.exec(
        select(Person.manager_id).where(col(Person.manager_id).is_not(None), col(Person.active).is_(True))))
    return [Welcome(person=person, plan_key=plan_key(plan_rows, person),
                    role=role_of(person, has_reports=person.id in managers)) for person in people]


@dataclass(frozen=True)
class Guide:
    """What a person's getting-started guide says about them: their role, plan, team size and open cycles."""

    role: str
    plan: dict
    reports: int
    open_cycles: list[ReviewCycle]


def guide_for(session: Session, person: Person, *, role: str | None = None) -> Guide:
    reports = len(list(session.exec(select(Person.id).where(Person.manager_id == person.id, Person.active))))
    cycles = list(session.exec(select(ReviewCycle).where(ReviewCycle.state == "open")
                               .order_by(col(ReviewCycle.self_due), col(ReviewCycle.id))))
    return Guide(role=role or role_of(person, has_reports=reports > 0), plan=plans.plan_for(session, person),
                 reports=reports, open_cycles=cycles)
