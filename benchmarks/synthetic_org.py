"""Generate a synthetic organisation at benchmark scale (50,000 people, a year of check-ins) into a fresh database."""

from __future__ import annotations

import random
import time
from array import array
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from itertools import islice
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, make_url, text

from storage.db import make_engine, upgrade
from storage.weeks import shift_week, week_monday

CHECKIN_RATE = 0.95
HR_RATE = 0.01
INACTIVE_RATE = 0.01
HISTORY = timedelta(weeks=26)  # how far back goals and one-on-ones go
_BATCH = 50_000  # rows per executemany: large enough to amortise, small enough to keep memory flat

_FIRST = ("Ada", "Alan", "Grace", "Katherine", "Linus", "Margaret", "Dennis", "Barbara", "Ken", "Frances")
_LAST = ("Lovelace", "Turing", "Hopper", "Johnson", "Torvalds", "Hamilton", "Ritchie", "Liskov", "Thompson", "Allen")
_SURNAMES = ("王", "李", "张", "刘", "陈", "杨", "黄", "赵", "周", "吴")
_GIVEN = ("伟", "芳", "娜", "敏", "静", "磊", "洋", "勇", "艳", "杰")
_ZONES = ("Europe/London", "America/New_York", "Asia/Shanghai", "UTC")
_BLOCKERS = ("Waiting on the platform team for access", "CI is flaky on the integration suite", "等待法务审批合同")
_HIGHLIGHTS = ("Shipped the onboarding flow", "Closed three customer escalations", "完成了季度规划")
_SUBMITTED_HOURS = range(72, 186, 6)  # after Monday 09:00: Thursday morning to the next Monday evening
_LATE_FROM = 168  # hours after Monday 09:00: the next Monday, filed late
_STATUSES = (("on_track", 55), ("at_risk", 20), ("off_track", 10), ("done", 15))
_APPROVALS = (("approved", 85), ("proposed", 10), ("returned", 5))
_CADENCES = (7, 14, 14, 21, 28, 0)  # days between one-on-ones; 0: this pair never meets
FEEDBACK_WEEKS = 13  # the managers' weekly feedback of the last quarter (the digest reads the last week's)
FEEDBACK_RATE = 0.6
_FEEDBACK = ("Good progress, keep the customer in the loop", "Let's unblock this in our 1:1", "进展不错，继续保持")
TABLE_OF = {"feedback": "review"}  # the weekly feedback is loaded into review after the cycle's reviews


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[str, ...]
    rows: Iterable[tuple]
    explicit_ids: bool = False  # ids are given here, so PostgreSQL's sequence must move past them


@dataclass(frozen=True)
class Formats:
    """How values are written: SQLite gets the strings SQLAlchemy would store, PostgreSQL native values."""

    moment: Callable[[datetime], Any]
    day: Callable[[date], Any]


SQLITE_FORMATS = Formats(moment=lambda value: value.strftime("%Y-%m-%d %H:%M:%S.%f"), day=date.isoformat)
POSTGRESQL_FORMATS = Formats(moment=lambda value: value, day=lambda value: value)


@dataclass(frozen=True)
class Roster:
    """Who is who, by person id - 1: every table after person is generated from it."""

    team_id: list[int]
    manager_id: list[int | None]
    role: list[str]
    active: list[bool]


def digest_now(end_week: str) -> datetime:
    """Return the Monday 09:00 UTC after `end_week`: when that week's digest goes out."""
    monday = week_monday(shift_week(end_week, 1))
    return datetime(monday.year, monday.month, monday.day, 9, tzinfo=UTC)


def generate(
    url: str, *, people: int = 50_000, teams: int = 5_000, weeks: int = 52, end_week: str = "2026-W47", seed: int = 1
) -> dict[str, int]:
    """Create a fresh migrated database at `url`, bulk-load the organisation and return the rows per table."""
    engine = _fresh_engine(url)
    try:
        upgrade(engine)
        rng = random.Random(seed)
        formats = SQLITE_FORMATS if engine.dialect.name == "sqlite" else POSTGRESQL_FORMATS
        now = digest_now(end_week)
        roster = _roster(rng, people=people, teams=teams)
        week_keys = [shift_week(end_week, offset) for offset in range(1 - weeks, 1)]
        tables = _tables(rng, roster, formats, teams=teams, weeks=week_keys, now=now)
        started = time.perf_counter()
        counts = _load_sqlite(engine, tables) if engine.dialect.name == "sqlite" else _load_postgresql(engine, tables)
        print(f"loaded {sum(counts.values()):,} rows in {time.perf_counter() - started:.1f} s: "
              + ", ".join(f"{name} {count:,}" for name, count in counts.items()))
        return counts
    finally:
        engine.dispose()


def _fresh_engine(url: str) -> Engine:
    """Return an engine on an empty database: SQLite starts a new file, PostgreSQL a new public schema."""
    if url.startswith("sqlite"):
        path = Path(make_url(url).database or "")
        path.parent.mkdir(parents=True, exist_ok=True)
        for stale in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
            stale.unlink(missing_ok=True)
        return make_engine(url)
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    return engine


# --- the organisation ---------------------------------------------------------------------------------------------


def _roster(rng: random.Random, *, people: int, teams: int) -> Roster:
    """Split people into teams of equal size: the first of each team manages the rest and reports up a tree."""
    size = people // teams
    team_id, manager_id, role, active = [], [], [], []
    for index in range(people):
        team = min(index // size, teams - 1)  # a remainder joins the last team
        boss = team * size + 1  # person ids start at 1
        is_manager = index + 1 == boss
        team_id.append(team + 1)
        # Each team's manager reports to the manager of a parent team, ten teams per parent, a tree to the top.
        manager_id.append(((team - 1) // 10 * size + 1 if team else None) if is_manager else boss)
        role.append("manager" if is_manager else "hr" if rng.random() < HR_RATE else "employee")
        active.append(is_manager or rng.random() >= INACTIVE_RATE)
    return Roster(team_id=team_id, manager_id=manager_id, role=role, active=active)


COLUMNS = {
    "team": ("id", "name", "checkin_every_weeks", "created_at"),
    "person": (
        "id", "slack_id", "name", "email", "team_id", "role", "manager_id", "timezone", "locale", "active",
        "created_at", "updated_at",
    ),
    "goal": (
        "level", "owner_id", "team_id", "title", "start_value", "target_value", "current_value", "due_date", "status",
        "approval", "weight", "created_by_id", "created_at", "updated_at", "progress_updated_at", "archived_at",
    ),
    "checkin": (
        "person_id", "week", "submitted_at", "updated_at", "late", "confidence", "highlights", "blockers",
        "help_needed",
    ),
    "oneonone": ("manager_id", "report_id", "held_at"),
    "reviewcycle": (
        "id", "name", "period_start", "period_end", "self_due", "peer_due", "manager_due", "state", "peers_anonymous",
        "created_at",
    ),
    "review": (
        "kind", "author_id", "subject_id", "cycle_id", "state", "answers", "visibility", "due_date", "created_at",
    ),
    "improvementplan": ("person_id", "manager_id", "state", "opened_at"),
    "attention": ("checkin_id", "person_id", "manager_id", "state", "opened_at", "seen_at", "answered_at",
                  "resolved_at"),
    "feedback": ("kind", "author_id", "subject_id", "checkin_id", "period", "state", "text", "answers", "visibility",
                 "created_at", "submitted_at"),
}


def _tables(
    rng: random.Random, roster: Roster, formats: Formats, *, teams: int, weeks: list[str], now: datetime
) -> list[Table]:
    """Return every table in foreign-key order; rows are generated lazily, while they load, from one seeded rng."""
    cycle_id = 1
    answered = Answered()
    rows = {
        "team": _teams(teams, formats, now),
        "person": _people(rng, roster, formats, now),
        "goal": _goals(rng, roster, formats, now),
        "checkin": _checkins(rng, roster, formats, weeks, answered),
        "oneonone": _one_on_ones(rng, roster, formats, now),
        "reviewcycle": _review_cycles(cycle_id, formats, now),
        "review": _reviews(rng, roster, formats, cycle_id, now),
        "improvementplan": _improvement_plans(rng, roster, formats, now),
        # Filled while the check-ins load (their ids are the order they are generated in, from 1).
        "attention": _attention(rng, roster, formats, weeks, answered),
        "feedback": _feedback(rng, roster, formats, weeks, answered),
    }
    return [Table(TABLE_OF.get(name, name), COLUMNS[name], rows[name], explicit_ids="id" in COLUMNS[name])
            for name in rows]


def _teams(teams: int, formats: Formats, now: datetime) -> Iterator[tuple]:
    created = formats.moment(now - timedelta(days=400))
    for team in range(1, teams + 1):
        name = f"团队 {team:04d}" if team % 10 == 0 else f"Team {team:04d}"
        yield team, name, 1, created


def _people(rng: random.Random, roster: Roster, formats: Formats, now: datetime) -> Iterator[tuple]:
    created = formats.moment(now - timedelta(days=400))
    for index, team in enumerate(roster.team_id):
        person_id = index + 1
        chinese = rng.random() < 0.15
        name = rng.choice(_SURNAMES) + rng.choice(_GIVEN) if chinese else f"{rng.choice(_FIRST)} {rng.choice(_LAST)}"
        yield (
            person_id, f"U{person_id:09d}", name, f"p{person_id}@example.com", team, roster.role[index],
            roster.manager_id[index], "Asia/Shanghai" if chinese else rng.choice(_ZONES), "zh-CN" if chinese else "en",
            roster.active[index], created, created,
        )


def _goals(rng: random.Random, roster: Roster, formats: Formats, now: datetime) -> Iterator[tuple]:
    """Yield 1-3 goals a person, of varied status and approval, some archived, some never updated."""
    statuses, status_weights = zip(*_STATUSES, strict=True)
    approvals, approval_weights = zip(*_APPROVALS, strict=True)
    due = formats.day(date(now.year + 1, 3, 31))
    for index, team in enumerate(roster.team_id):
        owner = index + 1
        for number in range(rng.randint(1, 3)):
            level = "team" if number == 0 and roster.role[index] == "manager" else "individual"
            created = now - HISTORY + timedelta(hours=rng.randrange(HISTORY.days * 24))
            progress = None if rng.random() < 0.3 else created + (now - created) * rng.random()
            status = rng.choices(statuses, status_weights)[0]
            archived = formats.moment(now) if rng.random() < 0.05 else None
            yield (
                level, owner, team, f"Goal {number + 1} of person {owner}", 0.0, 100.0, rng.random() * 100, due,
                status, rng.choices(approvals, approval_weights)[0], 1.0, owner, formats.moment(created),
                formats.moment(progress or created), None if progress is None else formats.moment(progress), archived,
            )


def _checkins(rng: random.Random, roster: Roster, formats: Formats, weeks: list[str],
              answered: Answered) -> Iterator[tuple]:
    """Yield a check-in for ~95% of people every week, week by week as they would arrive; note in `answered` the
    ones a manager was alerted to (a blocker or a request for help) and, in the last FEEDBACK_WEEKS, all of them."""
    people = len(roster.team_id)
    checkin_id = 0
    for week_index, week in enumerate(weeks):
        monday = week_monday(week)
        start = datetime(monday.year, monday.month, monday.day, 9, tzinfo=UTC)
        # A score of submission moments a week, formatted once: formatting millions of datetimes is the slow part.
        moments = [(formats.moment(start + timedelta(hours=hours)), hours >= _LATE_FROM) for hours in _SUBMITTED_HOURS]
        recent = week_index >= len(weeks) - FEEDBACK_WEEKS
        for person_id in range(1, people + 1):
            if rng.random() >= CHECKIN_RATE:
                continue
            moment = rng.randrange(len(moments))
            submitted, late = moments[moment]
            roll = rng.random()
            checkin_id += 1
            if roster.manager_id[person_id - 1] is not None:
                if roll > 0.85:  # a blocker, perhaps a request for help: the manager is alerted
                    answered.alerts.extend((checkin_id, person_id, week_index, moment))
                if recent:
                    answered.checkins.extend((checkin_id, person_id, week_index, moment))
            yield (
                person_id, week, submitted, submitted, late,
                None if roll < 0.02 else rng.randint(1, 5),
                _HIGHLIGHTS[person_id % 3] if roll < 0.6 else None,
                _BLOCKERS[int(roll * 100) % 3] if roll > 0.85 else None,
                "Need a second reviewer" if roll > 0.97 else None,
            )


def _one_on_ones(rng: random.Random, roster: Roster, formats: Formats, now: datetime) -> Iterator[tuple]:
    """Yield six months of one-on-ones per manager/report pair, at a cadence each pair keeps (or never)."""
    for index, manager in enumerate(roster.manager_id):
        cadence = rng.choice(_CADENCES)
        if manager is None or not cadence:
            continue
        held = now - timedelta(days=rng.randint(1, cadence + 10), hours=rng.randint(0, 8))
        while held > now - HISTORY:
            yield manager, index + 1, formats.moment(held)
            held -= timedelta(days=cadence)


def _review_cycles(cycle_id: int, formats: Formats, now: datetime) -> Iterator[tuple]:
    year = now.year
    yield (
        cycle_id, f"{year} H2", formats.day(date(year, 7, 1)), formats.day(date(year, 12, 31)),
        formats.day((now - timedelta(days=10)).date()), formats.day((now - timedelta(days=3)).date()),
        formats.day((now + timedelta(days=4)).date()), "open", True, formats.moment(now - timedelta(days=30)),
    )


def _reviews(rng: random.Random, roster: Roster, formats: Formats, cycle_id: int, now: datetime) -> Iterator[tuple]:
    """Yield self, peer and manager reviews of the open cycle: a third still requested, some with their own due date."""
    created = formats.moment(now - timedelta(days=30))
    own_due = formats.day((now - timedelta(days=1)).date())
    people = len(roster.team_id)
    for index, manager in enumerate(roster.manager_id):
        subject = index + 1
        requests = [("self", subject)]
        if rng.random() < 0.3:
            requests.append(("peer", rng.randint(1, people)))
        if manager is not None:
            requests.append(("manager", manager))
        for kind, author in requests:
            requested = rng.random() < 0.33
            due = own_due if requested and rng.random() < 0.2 else None
            yield (kind, author, subject, cycle_id, "requested" if requested else "submitted", "{}", "subject", due,
                   created)


def _improvement_plans(rng: random.Random, roster: Roster, formats: Formats, now: datetime) -> Iterator[tuple]:
    opened = formats.moment(now - timedelta(days=45))
    for index, manager in enumerate(roster.manager_id):
        if manager is not None and rng.random() < 0.005:
            yield index + 1, manager, "open" if rng.random() < 0.8 else "met", opened


@dataclass
class Answered:
    """Check-ins a manager answers or is alerted to, as flat (checkin id, person id, week index, hour index) runs."""

    alerts: array = field(default_factory=lambda: array("i"))
    checkins: array = field(default_factory=lambda: array("i"))


def _moment_of(weeks: list[str], week_index: int, moment: int, *, hours: float = 0) -> datetime:
    monday = week_monday(weeks[week_index])
    return datetime(monday.year, monday.month, monday.day, 9, tzinfo=UTC) + timedelta(
        hours=_SUBMITTED_HOURS[moment] + hours)


def _attention(rng: random.Random, roster: Roster, formats: Formats, weeks: list[str],
               answered: Answered) -> Iterator[tuple]:
    """Yield the blocker alerts: in the last two weeks 40% still open, 20% seen, the rest answered; before that,
    answered (30%) or resolved, each answer 2-96 hours after the alert."""
    alerts = answered.alerts
    for at in range(0, len(alerts), 4):
        checkin_id, person_id, week_index, moment = alerts[at:at + 4]
        opened = _moment_of(weeks, week_index, moment)
        roll = rng.random()
        recent = week_index >= len(weeks) - 2
        state = ("open" if roll < 0.4 else "seen" if roll < 0.6 else "answered") if recent else \
            ("answered" if roll < 0.3 else "resolved")
        seen = opened + timedelta(hours=rng.uniform(0.5, 24)) if state != "open" else None
        answer = seen + timedelta(hours=rng.uniform(1, 72)) if state in ("answered", "resolved") else None
        resolved = answer + timedelta(days=rng.uniform(1, 6)) if state == "resolved" else None
        yield (checkin_id, person_id, roster.manager_id[person_id - 1], state, formats.moment(opened),
               *(None if value is None else formats.moment(value) for value in (seen, answer, resolved)))


def _feedback(rng: random.Random, roster: Roster, formats: Formats, weeks: list[str],
              answered: Answered) -> Iterator[tuple]:
    """Yield the managers' weekly feedback on 60% of the last FEEDBACK_WEEKS' check-ins, a day or so after each."""
    checkins = answered.checkins
    for at in range(0, len(checkins), 4):
        checkin_id, person_id, week_index, moment = checkins[at:at + 4]
        if rng.random() >= FEEDBACK_RATE:
            continue
        given = formats.moment(_moment_of(weeks, week_index, moment, hours=rng.uniform(2, 48)))
        yield ("weekly_feedback", roster.manager_id[person_id - 1], person_id, checkin_id, weeks[week_index],
               "submitted", _FEEDBACK[checkin_id % len(_FEEDBACK)], "{}", "subject", given, given)


# --- loading ------------------------------------------------------------------------------------------------------


def _load_sqlite(engine: Engine, tables: list[Table]) -> dict[str, int]:
    """Insert with executemany in large batches, in one transaction, without a journal."""
    counts = {}
    raw = engine.raw_connection()
    try:
        connection = raw.driver_connection
        # A failed load is thrown away, so no journal, no fsync; rows are generated consistent, so no FK checks.
        connection.execute("PRAGMA foreign_keys=OFF")
        connection.execute("PRAGMA journal_mode=OFF")
        connection.execute("PRAGMA synchronous=OFF")
        for table in tables:
            placeholders = ", ".join("?" * len(table.columns))
            statement = f"INSERT INTO {table.name} ({', '.join(table.columns)}) VALUES ({placeholders})"
            counts.setdefault(table.name, 0)
            for batch in _batches(table.rows):
                connection.executemany(statement, batch)
                counts[table.name] += len(batch)
        connection.commit()
        connection.execute("PRAGMA journal_mode=WAL")  # back to what make_engine gives every connection
        connection.execute("PRAGMA foreign_keys=ON")
    finally:
        raw.close()
    return counts


def _load_postgresql(engine: Engine, tables: list[Table]) -> dict[str, int]:
    """COPY every table through psycopg in one transaction, then move sequences and refresh planner statistics."""
    counts = {}
    raw = engine.raw_connection()
    try:
        connection = raw.driver_connection
        with connection.cursor() as cursor:
            for table in tables:
                counts.setdefault(table.name, 0)
                with cursor.copy(f"COPY {table.name} ({', '.join(table.columns)}) FROM STDIN") as copy:
                    for row in table.rows:
                        copy.write_row(row)
                        counts[table.name] += 1
                if table.explicit_ids:
                    sequence = f"pg_get_serial_sequence('{table.name}', 'id')"
                    cursor.execute(f"SELECT setval({sequence}, (SELECT max(id) FROM {table.name}))")
        connection.commit()
    finally:
        raw.close()
    # Autovacuum would analyse the new rows within a minute or so; do it now so the first runs are planned well.
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE"))
    return counts


def _batches(rows: Iterable[tuple]) -> Iterator[list[tuple]]:
    iterator = iter(rows)
    while batch := list(islice(iterator, _BATCH)):
        yield batch
