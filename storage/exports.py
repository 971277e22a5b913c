"""HR exports of goals, check-ins and reviews as CSV or JSON, streamed from the database row by row.

`write_export` is what operators run. Check-ins, millions of rows, take a fast path to the same bytes: rows
come from the database driver as plain tuples in batches, each column has one formatter applied to a whole
batch at once, and `csv.writer.writerows` writes the batch. `rows` with `write_csv`/`write_json` give the same
output one dict at a time.
"""

from __future__ import annotations

import contextlib
import csv
import itertools
import json
import queue
import re
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from operator import itemgetter
from typing import Any, TextIO

from sqlalchemy import ColumnElement, Row, Select, String, and_, case, func, literal, or_
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from storage import goals
from storage.models import (
    Approval,
    CheckIn,
    CheckinAnswer,
    Goal,
    GoalLevel,
    Person,
    Review,
    ReviewCycle,
    ReviewKind,
    Team,
)
from storage.weeks import week_key

KINDS = ("goals", "checkins", "reviews")
COLUMNS: dict[str, tuple[str, ...]] = {
    "goals": (
        "id", "level", "team", "owner", "owner_email", "parent_id", "title", "metric", "unit", "start_value",
        "target_value", "current_value", "progress", "status", "approval", "weight", "due_date", "created_at",
        "updated_at", "archived",
    ),
    "checkins": (
        "week", "person", "email", "team", "manager", "submitted_at", "late", "confidence", "highlights", "blockers",
        "help_needed", "answers",
    ),
    "reviews": (
        "id", "kind", "cycle", "period", "author", "subject", "subject_team", "state", "rating", "assessment", "text",
        "to_improve", "criteria", "earlier_ratings", "in_reply_to", "submitted_at",
    ),
}
ANONYMOUS_PEER = "Anonymous peer"
BOM = "\ufeff"  # without it Excel reads UTF-8 as the local code page and garbles Chinese names

# Rows fetched per round trip: memory stays flat over millions of rows. Measured on 2.6 million
# check-ins: at 5000 a batch's rows outlive Python's young GC generations and the full collections
# this sets off cost about 15% of the export's speed; at 500 they die young and round trips stay cheap.
_BATCH = 500
# Excel and LibreOffice run a cell starting with one of these as a formula (=HYPERLINK(...) can leak data);
# OWASP adds tab and carriage return, which some spreadsheet imports strip before looking at the first character.
_FORMULA_FIRST = frozenset("=+-@\t\r")

_Owner = aliased(Person, name="owner")
_Manager = aliased(Person, name="manager")
_Author = aliased(Person, name="author")
_Subject = aliased(Person, name="subject")
_GoalTeam = aliased(Team, name="goal_team")


def rows(session: Session, kind: str, *, since: date | None = None, team: str | None = None) -> Iterator[dict]:
    """Return a lazy iterator over the export's rows as dicts keyed by COLUMNS[kind].

    The kind and the team are checked now, so a bad request fails before any output is written.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown export {kind!r}: choose one of {', '.join(KINDS)}")
    team_id = _team_id(session, team) if team is not None else None
    if kind == "goals":
        return _goal_rows(session, _goals_query(since=since, team_id=team_id))
    if kind == "checkins":
        return _with_answers(session, _stream(session, _checkins_query(since=since, team_id=team_id)),
                             since=since, team_id=team_id)
    return _review_rows(_stream(session, _reviews_query(since=since, team_id=team_id)))


def write_export(
    session: Session, kind: str, out: TextIO, *, fmt: str = "csv", since: date | None = None, team: str | None = None
) -> int:
    """Write an export to `out` as CSV (with a BOM, for Excel) or JSON; return how many rows were written.

    The same output as `write_csv`/`write_json` over `rows`, and the same refusals before anything is written.
    """
    if fmt not in ("csv", "json"):
        raise ValueError(f"unknown format {fmt!r}: choose csv or json")
    if kind != "checkins":
        write = write_csv if fmt == "csv" else write_json
        return write(rows(session, kind, since=since, team=team), out, kind=kind)
    team_id = _team_id(session, team) if team is not None else None
    if fmt == "csv":
        return _write_csv_chunks(_checkin_csv_chunks(session, since=since, team_id=team_id), out, kind=kind)
    return _write_json_batches(_checkin_batches(session, since=since, team_id=team_id, text=_as_is,
                                                flag=_json_flag), out, kind=kind)


def _team_id(session: Session, name: str) -> int:
    team_id = session.execute(select(Team.id).where(Team.name == name)).scalar()
    if team_id is None:
        raise LookupError(f"no team named {name!r}")
    return team_id


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def _batches(session: Session, query: Select) -> Iterator[Sequence[Row]]:
    """Yield the query's rows as plain tuples, in batches fetched through a server-side cursor.

    Run on the session's connection, in its transaction, but as a Core statement: the ORM's per-row
    loading would cost a third of the export's speed for column tuples that need none of it.
    """
    result = session.connection().execute(query.execution_options(yield_per=_BATCH, stream_results=True))
    try:
        yield from result.partitions()
    finally:
        result.close()  # a reader that stops early must not leave the cursor open


def _stream(session: Session, query: Select) -> Iterator[dict]:
    """Yield each row as a dict keyed by the query's column labels."""
    columns = tuple(query.selected_columns.keys())
    for batch in _batches(session, query):
        for row in batch:
            yield dict(zip(columns, row, strict=True))


def _driver_batches(session: Session, query: Select, *, name: str = "export") -> Iterator[list[tuple]]:
    """Yield the query's rows in batches of tuples exactly as the database driver returns them.

    Run on the session's own driver connection, in its transaction, through a server-side cursor on PostgreSQL
    (SQLite's cursor reads as it goes): memory stays flat. No SQLAlchemy rows and no type processing, so the
    caller gets the driver's values (SQLite: datetimes as text, booleans as 0 and 1) and formats them itself.
    """
    connection = session.connection()
    compiled = query.compile(dialect=connection.dialect)
    parameters: Any = compiled.params
    if compiled.positional:
        parameters = tuple(parameters[key] for key in compiled.positiontup or ())
    driver_connection = connection.connection.dbapi_connection
    assert driver_connection is not None
    server_side = connection.dialect.name == "postgresql"
    cursor = driver_connection.cursor(name=name) if server_side else driver_connection.cursor()
    try:
        cursor.execute(compiled.string, parameters)
        while batch := cursor.fetchmany(_BATCH):
            yield batch
    finally:
        cursor.close()  # a reader that stops early must not leave the cursor open


# --- goals -------------------------------------------------------------------------------------


def _goals_query(*, since: date | None, team_id: int | None) -> Select:
    query = (
        select(
            col(Goal.id), col(Goal.level), col(_GoalTeam.name).label("team"), col(_Owner.name).label("owner"),
            col(_Owner.email).label("owner_email"), col(Goal.parent_id), col(Goal.title), col(Goal.metric),
            col(Goal.unit), col(Goal.start_value), col(Goal.target_value), col(Goal.current_value),
            col(Goal.status), col(Goal.approval), col(Goal.weight), col(Goal.due_date), col(Goal.created_at),
            col(Goal.updated_at), col(Goal.archived_at),
        )
        .join(_Owner, col(_Owner.id) == Goal.owner_id)
        .outerjoin(_GoalTeam, col(_GoalTeam.id) == Goal.team_id)
        .order_by(col(Goal.id))
    )
    return query.where(*_goal_filters(since=since, team_id=team_id))


def _goal_filters(*, since: date | None, team_id: int | None) -> list[ColumnElement[bool]]:
    filters = []
    if since is not None:
        filters.append(col(Goal.updated_at) >= _midnight(since))
    if team_id is not None:
        team_goal = and_(Goal.level == GoalLevel.TEAM, Goal.team_id == team_id)
        filters.append(or_(_Owner.team_id == team_id, team_goal))
    return filters


def _goal_rows(session: Session, query: Select) -> Iterator[dict]:
    """Yield goal rows with progress as the app shows it: rolled up from children where a goal has any."""
    rolled_up = _rolled_up_progress(session, query)
    columns = COLUMNS["goals"]
    for row in (row for batch in _batches(session, query) for row in batch):
        # own_progress reads only the start, target and current values, which the row carries by the same names.
        progress = rolled_up[row.id] if row.id in rolled_up else goals.own_progress(row)
        values = row._asdict() | {"progress": round(progress, 4), "archived": row.archived_at is not None}
        yield {name: values[name] for name in columns}


def _rolled_up_progress(session: Session, query: Select) -> dict[int, float]:
    """Return the roll-up of each exported goal that has approved, live children: few goals, a few queries."""
    exported = query.with_only_columns(col(Goal.id)).order_by(None)
    parent_ids = select(col(Goal.parent_id)).where(
        col(Goal.parent_id).in_(exported), Goal.approval == Approval.APPROVED, col(Goal.archived_at).is_(None)
    )
    parents = list(session.exec(select(Goal).where(col(Goal.id).in_(parent_ids))))
    return goals.progress_map(session, parents)


# --- check-ins ---------------------------------------------------------------------------------


def _checkins_query(*, since: date | None, team_id: int | None) -> Select:
    query = (
        select(
            col(CheckIn.week), col(Person.name).label("person"), col(Person.email), col(Team.name).label("team"),
            col(_Manager.name).label("manager"), col(CheckIn.submitted_at), col(CheckIn.late),
            col(CheckIn.confidence), col(CheckIn.highlights), col(CheckIn.blockers), col(CheckIn.help_needed),
            col(CheckIn.id).label("checkin_id"),
        )
        .join(Person, col(Person.id) == CheckIn.person_id)
        .outerjoin(Team, col(Team.id) == Person.team_id)
        .outerjoin(_Manager, col(_Manager.id) == Person.manager_id)
        # The week's index gives this order without sorting, so the first row comes at once.
        .order_by(col(CheckIn.week), col(CheckIn.id))
    )
    if since is not None:
        # Week keys are zero-padded "YYYY-Www", so they sort as text; the week holding `since` is included.
        query = query.where(col(CheckIn.week) >= week_key(since))
    if team_id is not None:
        query = query.where(Person.team_id == team_id)
    return query


def _with_answers(session: Session, rows: Iterator[dict], *, since: date | None, team_id: int | None) -> Iterator[dict]:
    """Add each check-in's answers to the custom questions ({question id: answer}, None without any), read alongside."""
    answers = _Answers(session, since=since, team_id=team_id)
    try:
        for chunk in iter(lambda: list(itertools.islice(rows, _BATCH)), []):
            found = answers.of(chunk[-1]["week"], chunk[-1]["checkin_id"])
            for row in chunk:
                checkin_id = row.pop("checkin_id")
                row["answers"] = _answer_object(found[checkin_id]) if checkin_id in found else None
                yield row
    finally:
        answers.close()


class _Answers:
    """The answers to custom questions of the exported check-ins, read in the check-ins' own order beside them.

    A merge of two ordered cursors, so memory stays flat and check-ins without answers cost one comparison a
    batch; each batch asks for the answers up to its last (week, check-in id).
    """

    def __init__(self, session: Session, *, since: date | None, team_id: int | None) -> None:
        query = (
            select(col(CheckIn.week), col(CheckinAnswer.checkin_id), col(CheckinAnswer.question_id),
                   col(CheckinAnswer.answer_type), col(CheckinAnswer.value))
            .join(CheckIn, col(CheckIn.id) == CheckinAnswer.checkin_id)
            .order_by(col(CheckIn.week), col(CheckIn.id), col(CheckinAnswer.id))
        )
        if since is not None:
            query = query.where(col(CheckIn.week) >= week_key(since))
        if team_id is not None:
            query = query.where(col(CheckIn.person_id).in_(select(Person.id).where(Person.team_id == team_id)))
        self._batches = _driver_batches(session, query, name="export_answers")
        self._rows: Iterator[tuple] = iter(())
        self._next: tuple | None = None
        self._done = False

    def of(self, week: str, checkin_id: int) -> dict[int, list[tuple]]:
        """Return the answers of the check-ins up to (week, checkin_id), by check-in id: (question id, type, value)."""
        found: dict[int, list[tuple]] = {}
        while (row := self._peek()) is not None and (row[0], row[1]) <= (week, checkin_id):
            found.setdefault(row[1], []).append(row[2:])
            self._next = None
        return found

    def _peek(self) -> tuple | None:
        if self._next is None and not self._done:
            self._next = next(self._rows, None)
            while self._next is None and not self._done:
                batch = next(self._batches, None)
                if batch is None:
                    self._done = True
                else:
                    self._rows = iter(batch)
                    self._next = next(self._rows, None)
        return self._next

    def close(self) -> None:
        self._batches.close()


def _answer_object(answers: list[tuple]) -> dict:
    """A check-in's answers as JSON gives them: 1-5 as numbers, yes/no and text as written."""
    return {question_id: int(value) if kind == "1-5" and value.isdigit() else value
            for question_id, kind, value in answers}


def _answers_csv(answers: list[tuple]) -> str:
    """A check-in's answers in one CSV cell: `mood=4; shipped=yes; note=...`."""
    return "; ".join(f"{question_id}={value}" for question_id, _kind, value in answers)


# --- reviews -----------------------------------------------------------------------------------


def _reviews_query(*, since: date | None, team_id: int | None) -> Select:
    query = (
        select(
            col(Review.id), col(Review.kind), col(ReviewCycle.name).label("cycle"), col(Review.period),
            _author_shown().label("author"), col(_Subject.name).label("subject"),
            col(Team.name).label("subject_team"), col(Review.state), col(Review.rating), col(Review.assessment),
            col(Review.text), col(Review.answers), col(Review.in_reply_to_id).label("in_reply_to"),
            col(Review.submitted_at),
        )
        .join(_Author, col(_Author.id) == Review.author_id)
        .join(_Subject, col(_Subject.id) == Review.subject_id)
        .outerjoin(ReviewCycle, col(ReviewCycle.id) == Review.cycle_id)
        .outerjoin(Team, col(Team.id) == _Subject.team_id)
        .order_by(col(Review.id))
    )
    if since is not None:
        query = query.where(col(Review.created_at) >= _midnight(since))
    if team_id is not None:
        query = query.where(_Subject.team_id == team_id)
    return query


def _review_rows(rows: Iterator[dict]) -> Iterator[dict]:
    """Flatten the answers a person would read: what to improve, each criterion's rating and comment, and the
    ratings a revisit replaced. Nothing else of the answers leaves (they are the form's working state)."""
    for row in rows:
        answers = row.pop("answers") or {}
        criteria = answers.get("criteria") or {}
        row["to_improve"] = answers.get("to_improve")
        row["criteria"] = "; ".join(
            f"{key} {answer.get('rating')}" + (f": {answer['comment']}" if answer.get("comment") else "")
            for key, answer in criteria.items() if isinstance(answer, dict)) or None
        row["earlier_ratings"] = ", ".join(
            f"{entry.get('rating')} (until {entry.get('until', '')[:16]})" for entry in answers.get("history") or []
        ) or None
        yield {column: row[column] for column in COLUMNS["reviews"]}


def _author_shown() -> ColumnElement[str]:
    """Return the author's name, or ANONYMOUS_PEER for a peer review promised anonymity.

    Decided in SQL so an anonymous peer's name never leaves the database. A peer review outside any
    cycle was given without a stated promise, so it is treated as anonymous too.
    """
    anonymous = and_(
        Review.kind == ReviewKind.PEER, or_(col(ReviewCycle.id).is_(None), col(ReviewCycle.peers_anonymous))
    )
    return case((anonymous, literal(ANONYMOUS_PEER)), else_=col(_Author.name))


# --- writing -----------------------------------------------------------------------------------


def write_csv(rows: Iterable[dict], out: TextIO, *, kind: str) -> int:
    """Write a BOM, the header and the rows as Excel-ready CSV; return how many rows were written.

    Only the kind's columns are written, whatever else a row carries. Text that Excel would run as a
    formula gets a leading apostrophe (see _defuse); numbers are not text, so -5 stays a number.
    """
    columns = COLUMNS[kind]
    values_of = itemgetter(*columns)
    out.write(BOM)
    writer = csv.writer(out, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow(columns)
    count = 0
    for row in rows:
        writer.writerow(_csv_record(values_of(row)))
        count += 1
    return count


def write_json(rows: Iterable[dict], out: TextIO, *, kind: str) -> int:
    """Write the rows as a JSON array, one object per line; return how many were written.

    Characters stay as written (ensure_ascii=False); None, booleans and numbers stay JSON values, and
    datetimes and dates get the same ISO text as in CSV. No formula guard: JSON is read by programs.
    """
    columns = COLUMNS[kind]
    values_of = itemgetter(*columns)
    out.write("[")
    separator = "\n"
    count = 0
    for row in rows:
        out.write(separator + _JSON.encode(dict(zip(columns, values_of(row), strict=True))))
        separator = ",\n"
        count += 1
    out.write("\n]\n")
    return count


def _iso(value: date | datetime) -> str:
    """Return a date as ISO text, and a datetime as ISO text in UTC ending in Z."""
    if isinstance(value, datetime):
        if value.tzinfo is not UTC:  # the database hands back UTC already: convert only what is not
            if value.tzinfo is None:
                raise ValueError("naive datetimes are not exported: their zone is unknown")
            value = value.astimezone(UTC)
        return value.isoformat()[:-6] + "Z"  # "+00:00" becomes "Z"
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"cannot export a {type(value).__name__}")


# One encoder for all rows: json.dumps with options would build a new one per row.
_JSON = json.JSONEncoder(ensure_ascii=False, default=_iso)
# The csv module writes these as the export wants already: None as "", ints with str(), floats with repr().
_AS_IS = frozenset({type(None), int, float})


def _csv_record(values: tuple) -> list:
    """Return a row's values as the csv module should write them.

    This runs for every cell of millions of rows, hence one expression over exact types, not a call per cell.
    """
    return [
        ("'" + value if value[:1] in _FORMULA_FIRST else value) if value.__class__ is str  # _defuse, inlined
        else value if value.__class__ in _AS_IS
        else _csv_other(value)
        for value in values
    ]


def _defuse(text: str) -> str:
    """Prefix text Excel would read as a formula with an apostrophe, so it shows as the text it is."""
    return "'" + text if text[:1] in _FORMULA_FIRST else text


def _csv_other(value: Any) -> Any:
    """Return any other value as CSV text: booleans, dates, and subclasses of str such as enums."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):  # a check-in's answers to the custom questions
        return _defuse("; ".join(f"{key}={answer}" for key, answer in value.items()))
    if isinstance(value, date):
        return _iso(value)
    if isinstance(value, str):
        return _defuse(value)
    return value


# --- the check-ins fast path: tuples, one formatter per column, a batch at a time --------------------------

Column = Sequence[Any]  # one column of a batch, as the driver returned it
Formatter = Callable[[Column], Column]


def _checkin_csv_chunks(session: Session, *, since: date | None, team_id: int | None) -> Iterator[tuple[int, str]]:
    """Yield the check-ins export as CSV a batch at a time: how many rows, and their lines, each ending in CRLF.

    The same bytes as csv.writer writes (see _csv_cells), without it: the csv module looks at every character
    of every cell, which alone cost more than the rest of the export. Here each column of a batch is rendered
    by one list comprehension, a person's four cells are rendered once for all their check-ins, and a line is
    one str.join.
    """
    batches = _opened_checkin_batches(session, since=since, team_id=team_id)
    if batches is None:
        return
    people = _people_csv(session)
    answers = _Answers(session, since=since, team_id=team_id)
    join = ",".join
    try:
        for batch in batches:
            weeks, person_ids, submitted, late, confidence, highlights, blockers, help_needed, ids = zip(
                *batch, strict=True)
            lines = map(join, zip(
                _csv_repeated(weeks), map(people.__getitem__, person_ids), submitted, _csv_flag(late),
                _csv_numbers(confidence), _csv_cells(highlights), _csv_cells(blockers), _csv_cells(help_needed),
                _answer_cells(answers.of(weeks[-1], ids[-1]), ids, _answers_csv, _csv_cells, ""),
                strict=True,
            ))
            yield len(batch), "\r\n".join(lines) + "\r\n"
    finally:
        answers.close()


def _answer_cells(found: dict[int, list[tuple]], ids: Column, render: Callable[[list[tuple]], Any],
                  cells: Formatter, empty: Any) -> Column:
    """A batch's answers column: `empty` for every check-in when none of the batch has answers (the usual case)."""
    if not found:
        return [empty] * len(ids)
    return cells([render(found[checkin_id]) if checkin_id in found else None for checkin_id in ids])


def _checkin_batches(
    session: Session, *, since: date | None, team_id: int | None, text: Formatter, flag: Formatter
) -> Iterator[Iterable[tuple]]:
    """Yield the check-ins export in batches of rows in COLUMNS["checkins"] order, every value as written.

    The check-ins are read without their people: each person's name, e-mail, team and manager are read once,
    formatted once, and looked up per row, which spares the database three joins per row and the writer the
    same names formatted over and over.
    """
    batches = _opened_checkin_batches(session, since=since, team_id=team_id)
    if batches is None:
        return
    people = _people_columns(session, text)
    answers = _Answers(session, since=since, team_id=team_id)
    try:
        for batch in batches:
            weeks, person_ids, submitted, late, confidence, highlights, blockers, help_needed, ids = zip(
                *batch, strict=True)
            names, emails, teams, managers = zip(*map(people.__getitem__, person_ids), strict=True)
            yield zip(
                text(weeks), names, emails, teams, managers, submitted, flag(late), confidence,
                text(highlights), text(blockers), text(help_needed),
                _answer_cells(answers.of(weeks[-1], ids[-1]), ids, _answer_object, _as_is, None), strict=True,
            )
    finally:
        answers.close()


def _opened_checkin_batches(
    session: Session, *, since: date | None, team_id: int | None
) -> Iterator[list[tuple]] | None:
    """Open the cursor over the check-ins and return their batches, or None when there are none.

    Opened before the caller reads the people, so every check-in it returns (from the cursor's snapshot, on
    PostgreSQL) has its person among them.
    """
    batches = _driver_batches(session, _checkins_alone_query(session, since=since, team_id=team_id))
    first = next(batches, None)
    if first is None:
        return None
    # SQLite works in this process, under the same lock as the writing for most of each row: nothing to gain there.
    server = session.connection().dialect.name == "postgresql"
    return itertools.chain((first,), _read_ahead(batches) if server else batches)


def _read_ahead(batches: Iterator[list[tuple]]) -> Iterator[list[tuple]]:
    """Yield the batches, each fetched on a thread while the caller writes the one before.

    The driver lets go of the GIL while it waits for the database, so on PostgreSQL the server reads and formats
    the next rows on its own core while this process writes: the export takes about the longer of the two, not
    their sum. At most _READ_AHEAD batches wait, so memory stays flat. The thread starts on the first batch the
    caller asks for, after it has read what it needs first (the people), and is over when this generator is:
    finished, failed or closed early, the cursor is closed by then.
    """
    waiting: queue.Queue = queue.Queue(maxsize=_READ_AHEAD)
    stop = threading.Event()

    def fetch() -> None:
        try:
            for batch in batches:
                waiting.put(batch)
                if stop.is_set():
                    return
            waiting.put(_END)
        except BaseException as error:  # noqa: BLE001  (raised again by the caller's thread)
            waiting.put(_Failed(error))

    reader = threading.Thread(target=fetch, name="export-read-ahead", daemon=True)
    reader.start()
    try:
        while (batch := waiting.get()) is not _END:
            if isinstance(batch, _Failed):
                raise batch.error
            yield batch
    finally:
        stop.set()
        while reader.is_alive():  # a reader blocked on a full queue takes one more batch and then sees `stop`
            with contextlib.suppress(queue.Empty):
                waiting.get(timeout=0.05)
        batches.close()  # closes the cursor, in this thread, now that the reader is done with it


_READ_AHEAD = 4
_END = object()


@dataclass(frozen=True)
class _Failed:
    error: BaseException


def _checkins_alone_query(session: Session, *, since: date | None, team_id: int | None) -> Select:
    """Return the check-ins' own columns, person by id, submitted_at as the export's text, in the export's order."""
    query = (
        select(
            col(CheckIn.week), col(CheckIn.person_id), _iso_text(session, col(CheckIn.submitted_at)),
            col(CheckIn.late), col(CheckIn.confidence), col(CheckIn.highlights), col(CheckIn.blockers),
            col(CheckIn.help_needed), col(CheckIn.id),
        )
        .order_by(col(CheckIn.week), col(CheckIn.id))  # as _checkins_query: the week's index gives this order
    )
    if since is not None:
        query = query.where(col(CheckIn.week) >= week_key(since))
    if team_id is not None:
        query = query.where(col(CheckIn.person_id).in_(select(Person.id).where(Person.team_id == team_id)))
    return query


def _iso_text(session: Session, column: Any) -> Any:
    """Return a datetime column as the export writes it, "YYYY-MM-DDTHH:MM:SS[.ffffff]Z" in UTC, from the database.

    As _iso writes a datetime: microseconds only when not zero. Made by the database, so that on PostgreSQL the
    server does this work on its own core while this process writes the rows before (one to_char a row: each
    costs PostgreSQL about a microsecond).
    """
    if session.connection().dialect.name == "postgresql":
        text = func.to_char(func.timezone("UTC", column), 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"', type_=String)
    else:  # SQLite stores "YYYY-MM-DD HH:MM:SS.ffffff"
        text = func.substr(column, 1, 10, type_=String) + "T" + func.substr(column, 12, 15, type_=String) + "Z"
    return func.replace(text, ".000000Z", "Z", type_=String)


def _people_csv(session: Session) -> dict[int, str]:
    """Return every person's name, e-mail, team and manager by id as the four CSV cells of their check-ins.

    One string a person (about 6 MB for 50,000 people), rendered a fetched batch at a time.
    """
    join = ",".join
    people: dict[int, str] = {}
    for batch in _driver_batches(session, _people_query(), name="export_people"):
        ids, *columns = zip(*batch, strict=True)
        people.update(zip(ids, map(join, zip(*map(_csv_cells, columns), strict=True)), strict=True))
    return people


def _people_query() -> Select:
    return (
        select(col(Person.id), col(Person.name), col(Person.email), col(Team.name), col(_Manager.name))
        .outerjoin(Team, col(Team.id) == Person.team_id)
        .outerjoin(_Manager, col(_Manager.id) == Person.manager_id)
    )


def _people_columns(session: Session, text: Formatter) -> dict[int, tuple]:
    """Return every person's name, e-mail, team and manager by id, each formatted as the export writes it."""
    people: dict[int, tuple] = {}
    shared: dict[str, str] = {}  # one copy of each team's and manager's name, not one per person: a third less memory
    for batch in _driver_batches(session, _people_query(), name="export_people"):
        ids, names, emails, teams, managers = zip(*batch, strict=True)
        teams, managers = ([shared.setdefault(name, name) for name in text(column)] for column in (teams, managers))
        people.update(zip(ids, zip(text(names), text(emails), teams, managers, strict=True), strict=True))
    return people


def _csv_cells(values: Column) -> list[str]:
    """Render a column of text as csv.writer writes its cells (QUOTE_MINIMAL, CRLF lines), defused (see _defuse).

    None is written as nothing, and a cell holding a comma, a double quote or a line break is quoted, its double
    quotes doubled: exactly what the csv module does with these settings, and nothing else does it quote.
    """
    return [
        "" if value is None
        else _csv_quoted(value) if _NEEDS_QUOTES(value)
        else "'" + value if value[:1] in _FORMULA_FIRST
        else value
        for value in values
    ]


def _csv_quoted(value: str) -> str:
    return '"' + _defuse(value).replace('"', '""') + '"'


_NEEDS_QUOTES = re.compile('[,"\r\n]').search


def _csv_repeated(values: Column) -> list[str]:
    """Render a column that holds a few values many times (a batch's weeks) as _csv_cells does, each value once."""
    distinct = list(set(values))
    cells = dict(zip(distinct, _csv_cells(distinct), strict=True))
    return list(map(cells.__getitem__, values))


def _csv_numbers(values: Column) -> list[str]:
    """Render a column of whole numbers as csv.writer does (str), None as nothing, and any other value as write_csv
    does (SQLite keeps whatever a column is given)."""
    cells = list(map(_SMALL_NUMBERS.get, values))  # confidences are 1 to 5: looked up in C, not formatted
    if None in cells:
        cells = [cell if cell is not None else "" if value is None else str(value) if value.__class__ is int
                 else _csv_cell(value) for cell, value in zip(cells, values, strict=True)]
    return cells


_SMALL_NUMBERS = {number: str(number) for number in range(-9, 10)} | {None: ""}


def _csv_cell(value: Any) -> str:
    """Render one value of any type as write_csv writes it: _csv_record's value, quoted as csv.writer would."""
    (value,) = _csv_record((value,))
    text = str(value)
    return '"' + text.replace('"', '""') + '"' if _NEEDS_QUOTES(text) else text


def _csv_flag(values: Column) -> Column:
    try:
        return list(map(_FLAGS.__getitem__, values))  # SQLite hands back 0 and 1, PostgreSQL booleans
    except KeyError:
        return ["true" if value else "false" for value in values]


_FLAGS = {False: "false", True: "true"}  # 0 == False and 1 == True: the same keys


def _json_flag(values: Column) -> Column:
    return [bool(value) for value in values]


def _as_is(values: Column) -> Column:
    return values


def _write_csv_chunks(chunks: Iterable[tuple[int, str]], out: TextIO, *, kind: str) -> int:
    """Write a BOM, the header and the chunks' lines as write_csv does; return how many rows were written."""
    out.write(BOM)
    csv.writer(out, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n").writerow(COLUMNS[kind])
    count = 0
    for rows, lines in chunks:
        out.write(lines)
        count += rows
    return count


def _write_json_batches(batches: Iterable[Iterable[tuple]], out: TextIO, *, kind: str) -> int:
    """Write the batches' rows as write_json does: a JSON array, one object per line; return how many."""
    columns = COLUMNS[kind]
    encode = _JSON.encode
    out.write("[")
    separator = "\n"
    count = 0
    for batch in batches:
        for record in batch:
            out.write(separator + encode(dict(zip(columns, record, strict=True))))
            separator = ",\n"
            count += 1
    out.write("\n]\n")
    return count
