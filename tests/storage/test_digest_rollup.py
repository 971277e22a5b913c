"""team_week_stats, the digest's weekly counts per team: the database keeps them right whoever writes.

Every test compares the stored rows with a count made from the check-ins themselves, and the digest read from
the rollup with the digest counted from the check-ins, after each kind of write: a check-in filed, filed late,
edited or deleted, a person moved to another team, made inactive or active again, erased.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from alembic import command
from sqlalchemy import case, delete, func, inspect, text, update
from sqlmodel import Session, col, select

from storage import analytics, org, privacy
from storage.checkins import CheckinInput, record
from storage.db import alembic_config, upgrade
from storage.models import CheckIn, Person, Team, TeamWeekStats
from storage.weeks import shift_week
from tests.builders import SMALL_ORG, org_csv, person
from tests.queries import counting_queries

MONDAY = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # the `clock` fixture's Monday
WEEK = "2026-W47"  # the digest's week: last week on that Monday
TRIGGERS = {
    "team_week_stats_checkin_insert", "team_week_stats_checkin_delete", "team_week_stats_checkin_update",
    "team_week_stats_person_update",
}
# SMALL_ORG plus a Data team of three, so a move leaves both teams large enough to show shares and averages.
ORG = [
    *SMALL_ORG,
    ["UDAT1", "Bob Noyce", "bob@example.com", "UMGR1", "Data", "manager", "Europe/London", "en-GB"],
    ["UDAT2", "Carol Shaw", "carol@example.com", "UDAT1", "Data", "employee", "Europe/London", "en-GB"],
    ["UDAT3", "Dennis Ritchie", "dmr@example.com", "UDAT1", "Data", "employee", "America/New_York", "en-US"],
    ["UNOT1", "Nobody's Team", "nt@example.com", "", "", "employee", "UTC", "en-US"],
]


def recounted(session: Session) -> dict[tuple[str, int], tuple[int, int, int, int]]:
    """Count every week's check-ins per team of active people straight from the check-ins."""
    blocked = case((func.trim(func.coalesce(col(CheckIn.blockers), "")) != "", 1), else_=0)
    statement = (
        select(
            Person.team_id, CheckIn.week, func.count(), func.count(col(CheckIn.confidence)),
            func.coalesce(func.sum(col(CheckIn.confidence)), 0), func.sum(blocked),
        )
        .join(Person, col(Person.id) == col(CheckIn.person_id))
        .where(col(Person.active).is_(True))
        .group_by(col(Person.team_id), CheckIn.week)
    )
    return {(week, team_id or 0): (n, confidences, total, blockers)
            for team_id, week, n, confidences, total, blockers in session.exec(statement)}


def stored(session: Session) -> dict[tuple[str, int], tuple[int, int, int, int]]:
    """Return the rollup's rows that count something (a row all check-ins have left holds zeros)."""
    return {(row.week, row.team_id): (row.checked_in, row.confidences, row.confidence_sum, row.blockers)
            for row in session.exec(select(TeamWeekStats)) if row.checked_in}


def assert_the_rollup_agrees(session: Session, *, team_names: list[str] | None = None) -> None:
    session.flush()
    assert stored(session) == recounted(session)
    from_rollup = analytics.digest(session, week=WEEK, now=MONDAY, team_names=team_names)
    counted = analytics.digest(session, week=WEEK, now=MONDAY, team_names=team_names, from_rollup=False)
    assert from_rollup == counted


def file(session: Session, slack_id: str, *, weeks_ago: int, confidence: int, blockers: str | None = None,
         week: str | None = None) -> None:
    """File (or edit) a check-in through storage.checkins.record as of `weeks_ago` weeks before MONDAY."""
    record(session, person(session, slack_id), CheckinInput(week=week, confidence=str(confidence), blockers=blockers),
           now=MONDAY - timedelta(weeks=weeks_ago), default_zone="UTC")


@pytest.fixture
def people(session: Session) -> list[str]:
    org.import_org_csv(session, org_csv(ORG), now=MONDAY)
    slack_ids = [row[0] for row in ORG]
    for weeks_ago in range(1, 10):  # W39 to W47: the eight trend weeks and one before
        for number, slack_id in enumerate(slack_ids):
            if (number + weeks_ago) % 4:  # most people, not everyone, every week
                file(session, slack_id, weeks_ago=weeks_ago, confidence=(number + weeks_ago) % 5 + 1,
                     blockers="Waiting on legal" if number % 3 == 0 else None)
    return slack_ids


def test_it_counts_the_check_ins_filed_before_and_through_the_verb(session, people):
    assert stored(session)
    assert_the_rollup_agrees(session)


def test_it_follows_a_check_in_filed_late_and_then_edited(session, people):
    missing = next(slack_id for number, slack_id in enumerate(people) if not (number + 1) % 4)
    file(session, missing, weeks_ago=0, week=WEEK, confidence=1, blockers="Late, and blocked")
    assert_the_rollup_agrees(session)
    file(session, missing, weeks_ago=0, week=WEEK, confidence=5, blockers="   ")
    assert_the_rollup_agrees(session)
    file(session, people[1], weeks_ago=1, confidence=2, blockers="Now blocked")  # an edit within the week
    assert_the_rollup_agrees(session)


def test_it_moves_a_persons_weeks_when_they_change_team(session, people):
    moved = [[*row[:4], "Data" if row[0] == "UEMP1" else "Platform" if row[0] == "UNOT1" else row[4], *row[5:]]
             for row in ORG]
    org.import_org_csv(session, org_csv(moved), now=MONDAY)
    assert_the_rollup_agrees(session)
    session.execute(update(Person).where(col(Person.slack_id) == "UEMP2").values(team_id=None))  # any writer
    assert_the_rollup_agrees(session)


def test_it_leaves_out_people_made_inactive_and_counts_them_again_when_back(session, people):
    alan = person(session, "UEMP1")
    alan.active = False
    session.add(alan)
    assert_the_rollup_agrees(session)
    alan.active, alan.team_id = True, person(session, "UDAT1").team_id  # back, in another team
    session.add(alan)
    assert_the_rollup_agrees(session)


def test_it_leaves_out_an_erased_person(session, people):
    privacy.erase(session, "UEMP2", now=MONDAY)
    assert_the_rollup_agrees(session)


def test_it_forgets_deleted_check_ins_and_counts_rows_written_without_the_verb(session, people):
    carol = person(session, "UDAT2")
    session.execute(delete(CheckIn).where(col(CheckIn.person_id) == carol.id, col(CheckIn.week) >= "2026-W44"))
    assert_the_rollup_agrees(session)
    session.add_all([CheckIn(person_id=carol.id, week=week, confidence=None, blockers="x", submitted_at=MONDAY,
                             updated_at=MONDAY) for week in ("2026-W45", "2026-W46")])
    assert_the_rollup_agrees(session)
    session.execute(update(CheckIn).where(col(CheckIn.person_id) == carol.id, col(CheckIn.week) == "2026-W46")
                    .values(week=WEEK, confidence=4))  # even a week or a person changed by hand
    assert_the_rollup_agrees(session)


def test_it_gives_the_same_digest_for_named_teams(session, people):
    assert_the_rollup_agrees(session, team_names=["Data"])
    assert_the_rollup_agrees(session, team_names=["Platform", "No such team"])


def test_the_triggers_that_keep_it_exist_at_the_head_revision(engine):
    # A later migration that rebuilds checkin or person on SQLite (batch mode) would drop them silently.
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            names = connection.execute(text("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")).scalars()
        else:
            names = connection.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger'")).scalars()
        assert set(names) >= TRIGGERS


def test_the_migration_counts_the_check_ins_already_there(engine, sessions):
    command.downgrade(alembic_config(engine), "0006")
    try:
        assert "team_week_stats" not in inspect(engine).get_table_names()
        with engine.begin() as connection:
            connection.execute(text("INSERT INTO team (id, name, checkin_every_weeks, created_at) "
                                    "VALUES (7, 'Seven', 1, :now)"), {"now": MONDAY})
            for number in range(1, 6):
                connection.execute(text(
                    "INSERT INTO person (id, name, team_id, role, active, created_at, updated_at) "
                    "VALUES (:id, :name, :team, 'employee', :active, :now, :now)"
                ), {"id": number, "name": f"P{number}", "team": 7 if number < 5 else None, "active": number != 3,
                    "now": MONDAY})
                for back in range(number):
                    connection.execute(text(
                        "INSERT INTO checkin (person_id, week, submitted_at, updated_at, late, confidence, blockers) "
                        "VALUES (:person, :week, :now, :now, false, :confidence, :blockers)"
                    ), {"person": number, "week": shift_week(WEEK, -back), "now": MONDAY,
                        "confidence": None if back == 2 else number, "blockers": "b" if back == 1 else " "})
    finally:
        upgrade(engine)
    with sessions() as session:
        assert stored(session) == recounted(session)
        assert stored(session)[(WEEK, 7)] == (3, 3, 1 + 2 + 4, 0)
        assert stored(session)[(WEEK, 0)] == (1, 1, 5, 0)


def test_the_digest_reads_no_check_in_for_its_trend(session, engine, people):
    with counting_queries(engine) as statements:
        analytics.digest(session, week=WEEK, now=MONDAY)
    assert any("team_week_stats" in statement for statement in statements)
    assert not any("sum(checkin.confidence)" in statement.lower() for statement in statements)


def test_a_check_in_filed_while_its_person_moves_team_counts_where_they_end_up(db_kind, sessions, engine):
    if db_kind != "postgresql":
        pytest.skip("SQLite has one writer at a time: nothing can run in between")
    with sessions() as session:
        org.import_org_csv(session, org_csv(ORG), now=MONDAY)
        file(session, "UEMP1", weeks_ago=2, confidence=3)
        alan = person(session, "UEMP1").id
        data = session.exec(select(Team.id).where(Team.name == "Data")).one()
    # The move first: the check-in waits for it, then counts in Data.
    _race(engine, first=lambda session: _move(session, alan, data), then=lambda session: _file(session, alan, WEEK))
    with sessions() as session:
        assert stored(session) == recounted(session)
        assert stored(session)[(WEEK, data)][0] == 1
    # The check-in first: the move waits for it, then takes it along, out of any team.
    _race(engine, first=lambda session: _file(session, alan, "2026-W48"),
          then=lambda session: _move(session, alan, None))
    with sessions() as session:
        assert stored(session) == recounted(session)
        assert stored(session)[("2026-W48", 0)][0] == 1


def _race(engine, *, first, then) -> None:
    """Run `first` in a transaction left open and `then` in another, on a thread; commit `first` once `then` waits."""
    errors: list[BaseException] = []
    with Session(engine) as holder, Session(engine) as waiter:
        first(holder)

        def second() -> None:
            try:
                then(waiter)
                waiter.commit()
            except BaseException as error:  # noqa: BLE001  (re-raised by the test below)
                errors.append(error)

        thread = threading.Thread(target=second)
        thread.start()
        _until_waiting_or_done(engine, thread)
        holder.commit()
        thread.join(timeout=30)
    assert not thread.is_alive() and not errors, errors


def _file(session: Session, person_id: int, week: str) -> None:
    session.add(CheckIn(person_id=person_id, week=week, confidence=4, submitted_at=MONDAY, updated_at=MONDAY))
    session.flush()


def _move(session: Session, person_id: int, team_id: int | None) -> None:
    session.execute(update(Person).where(col(Person.id) == person_id).values(team_id=team_id))


def _until_waiting_or_done(engine, thread: threading.Thread) -> None:
    """Return once the thread's transaction waits for a lock, or has finished without waiting."""
    waiting = text("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                   "AND datname = current_database()")
    for _attempt in range(2000):
        with engine.connect() as connection:
            if connection.execute(waiting).scalar_one() or not thread.is_alive():
                return
        threading.Event().wait(0.005)
    raise AssertionError("the second transaction neither waited nor finished")
