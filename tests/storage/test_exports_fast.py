"""The check-ins export's fast path: CSV rendered a column at a time, and on PostgreSQL read ahead on a thread.

It must write exactly the bytes csv.writer writes through the row-by-row path, whatever the names and texts
hold, and leave nothing behind (no cursor, no thread) when the writing stops half-way.
"""

from __future__ import annotations

import io
import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy import text
from sqlmodel import Session

from storage import exports
from storage.models import CheckIn, Person, Team
from storage.weeks import shift_week

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
# Every character csv.writer treats apart, and every first character Excel would run as a formula.
AWKWARD = [
    "plain", "", " leading space", "comma, inside", 'a "quoted" word', '"', "line\nbreak", "carriage\rreturn",
    "crlf\r\nend", "=SUM(A1)", "+1", "-", "@here", "\tTab first", "\rCR first", "tab\tinside", "semi;colon",
    "李雷说：\"上线了\"，好", "trailing,", "'already quoted'", "back\\slash",
]


def expected(session: Session, **filters) -> str:
    out = io.StringIO()
    exports.write_csv(exports.rows(session, "checkins", **filters), out, kind="checkins")
    return out.getvalue()


def exported(session: Session, **filters) -> str:
    out = io.StringIO()
    exports.write_export(session, "checkins", out, **filters)
    return out.getvalue()


@pytest.fixture
def awkward_org(session: Session) -> list[Person]:
    """People and teams named with every awkward value, and their check-ins holding them too, over many batches."""
    teams = [Team(name=f"{value} team {number}", created_at=NOW) for number, value in enumerate(AWKWARD)]
    session.add_all(teams)
    session.flush()
    manager = Person(name='Boss, "The"', email=None, team_id=teams[0].id, created_at=NOW, updated_at=NOW)
    session.add(manager)
    session.flush()
    people = [
        Person(name=value or "x", email=value or None, team_id=None if number % 5 == 4 else teams[number].id,
               manager_id=None if number % 3 == 2 else manager.id, created_at=NOW, updated_at=NOW)
        for number, value in enumerate(AWKWARD)
    ]
    session.add_all(people)
    session.flush()
    weeks = [shift_week("2024-W01", offset) for offset in range(160)]  # several times a fetched batch
    session.add_all(
        CheckIn(person_id=person.id, week=week, submitted_at=NOW.replace(microsecond=(number * 7919) % 3 * 250_000),
                updated_at=NOW, late=bool(number % 2), confidence=None if number % 7 == 0 else number % 5 + 1,
                highlights=AWKWARD[number % len(AWKWARD)], blockers=AWKWARD[(number * 3) % len(AWKWARD)] or None,
                help_needed=None if number % 4 == 0 else AWKWARD[(number * 5) % len(AWKWARD)])
        for number, (person, week) in enumerate((person, week) for person in people for week in weeks)
    )
    session.flush()
    return people


def test_it_writes_awkward_names_and_texts_exactly_as_the_csv_module_does(session, awkward_org):
    assert exported(session) == expected(session)
    assert exported(session).count("\r\n") > 2 * exports._BATCH


def test_it_writes_only_the_chosen_team_and_weeks_exactly_as_the_csv_module_does(session, awkward_org):
    team = f"{AWKWARD[3]} team 3"
    assert exported(session, team=team) == expected(session, team=team)
    since = datetime(2025, 12, 1, tzinfo=UTC).date()
    assert exported(session, since=since) == expected(session, since=since)


class Broken(io.StringIO):
    """An output that fails after a few writes, as a closed pipe does."""

    def __init__(self, writes: int) -> None:
        super().__init__()
        self.writes = writes

    def write(self, value: str) -> int:
        self.writes -= 1
        if self.writes < 0:
            raise BrokenPipeError("the reader went away")
        return super().write(value)


def test_an_export_stopped_half_way_leaves_no_cursor_and_no_reader_behind(session, db_kind, awkward_org):
    with pytest.raises(BrokenPipeError):
        exports.write_export(session, "checkins", Broken(writes=3))  # BOM, header, a batch

    assert not [thread for thread in threading.enumerate() if thread.name == "export-read-ahead"]
    if db_kind == "postgresql":
        assert session.connection().execute(text("SELECT count(*) FROM pg_cursors")).scalar_one() == 0
    assert exported(session) == expected(session)  # the session goes on as before


def test_a_failure_while_reading_ahead_reaches_the_writer():
    def batches():
        yield [("a",)]
        raise RuntimeError("the connection dropped")

    reader = exports._read_ahead(batches())
    assert next(reader) == [("a",)]
    with pytest.raises(RuntimeError, match="the connection dropped"):
        next(reader)
