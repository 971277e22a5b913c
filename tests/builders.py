"""Builders for test data: an org CSV and a small demo organisation loaded into the DB and the emulator."""

from __future__ import annotations

import csv
import io
from datetime import datetime

from storage import org

ORG_HEADER = ["slack_id", "name", "email", "manager_slack_id", "team", "role", "timezone", "locale"]

# An HR person, a manager with two reports (one in Shanghai writing Chinese), and a peer team.
SMALL_ORG = [
    ["UHR1", "Grace Hopper", "grace@example.com", "", "People", "hr", "America/New_York", "en-US"],
    ["UMGR1", "Ada Lovelace", "ada@example.com", "", "Platform", "manager", "Europe/London", "en-GB"],
    ["UEMP1", "Alan Turing", "alan@example.com", "UMGR1", "Platform", "employee", "Europe/London", "en-GB"],
    ["UEMP2", "李雷", "li.lei@example.com", "UMGR1", "Platform", "employee", "Asia/Shanghai", "zh-CN"],
    ["UEMP3", "Katherine Johnson", "kj@example.com", "UMGR1", "Platform", "employee", "America/New_York", ""],
]


def org_csv(rows: list[list[str]], header: list[str] = ORG_HEADER) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def load_org(sessions, *, now: datetime, rows: list[list[str]] = SMALL_ORG, emulator=None) -> None:
    """Import `rows` into the database and, when given, add the same people to the Slack emulator."""
    with sessions() as session:
        org.import_org_csv(session, org_csv(rows), now=now)
    if emulator is not None:
        for slack_id, name, email, _manager, _team, _role, tz, locale in rows:
            emulator.add_user(slack_id, name=name, real_name=name, email=email or None, tz=tz or "UTC",
                              locale=locale or "en-US")


def person(session, slack_id: str):
    from sqlmodel import select

    from storage.models import Person

    return session.exec(select(Person).where(Person.slack_id == slack_id)).one()


def approved_goal(sessions, owner: str, *, now: datetime, title: str = "Onboard 10 pilots", start: str = "0",
                  target: str = "10", unit: str | None = None, due: str = "2027-06-30"):
    """Create a goal for `owner` (by Slack id) and have their manager approve it; return the goal."""
    from storage import goals

    with sessions() as session:
        author = person(session, owner)
        validation = goals.validate(session, author, goals.GoalInput(
            title=title, start=start, target=target, unit=unit, due_date=due), today=now.date())
        goal = goals.create(session, author, validation.draft, now=now)
        if goal.approval == "proposed":
            manager = session.get(type(author), author.manager_id)
            goal = goals.decide(session, manager, goal.id, approve=True, comment=None, now=now)
        return goal
