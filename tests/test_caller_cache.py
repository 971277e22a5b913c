"""Who is asking is read once for a burst of clicks, and never served stale after this process changed a person."""

from __future__ import annotations

import pytest
from sqlalchemy import event, update
from sqlmodel import col

from handlers.context import CALLER_TTL
from storage.models import Person
from tests.builders import load_org

EMPLOYEE = "UEMP1"


@pytest.fixture
def org(sessions, clock, emulator):
    load_org(sessions, now=clock.now(), emulator=emulator)


@pytest.fixture
def person_reads(engine) -> list[str]:
    """Every SELECT that reads the person table, as the database sees it."""
    seen: list[str] = []

    def note(_conn, _cursor, statement, _params, _context, _many):
        if statement.lstrip().upper().startswith("SELECT") and "FROM person" in statement:
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", note)
    yield seen
    event.remove(engine, "before_cursor_execute", note)


def help_text(slack) -> str:
    """Ask for `/checkin help` as the employee and return the answer."""
    response = slack.slash_command(EMPLOYEE, "/checkin", "help")
    assert response.status == 200, response.body
    return response.json()["text"]


def test_it_reads_the_caller_once_for_commands_a_moment_apart(org, slack, person_reads):
    help_text(slack)  # notes that they use Slack: a write to the person, so the next request reads again
    help_text(slack)
    read = len(person_reads)
    help_text(slack)
    help_text(slack)

    assert read >= 1 and len(person_reads) == read


def test_it_reads_the_caller_again_once_the_entry_is_a_few_seconds_old(org, slack, clock, person_reads):
    help_text(slack)
    first = len(person_reads)
    clock.advance(CALLER_TTL)
    help_text(slack)

    assert len(person_reads) > first


def test_it_answers_in_the_new_language_right_after_this_process_changes_it(org, slack, sessions):
    english = help_text(slack)
    with sessions() as session:
        session.exec(update(Person).where(col(Person.slack_id) == EMPLOYEE).values(locale="zh-CN"))

    chinese = help_text(slack)
    assert chinese != english and "/checkin" in chinese
    assert any("\u4e00" <= char <= "\u9fff" for char in chinese)  # answered in Chinese at once


def test_it_treats_someone_who_left_as_a_stranger_at_once(org, slack, sessions, emulator):
    help_text(slack)
    with sessions() as session:
        session.exec(update(Person).where(col(Person.slack_id) == EMPLOYEE).values(active=False))
    emulator.add_user("UNOBODY", name="No Body")

    departed = slack.slash_command(EMPLOYEE, "/checkin", "help").json()["text"]
    assert departed == slack.slash_command("UNOBODY", "/checkin", "help").json()["text"]
