"""Weekly check-ins: weeks per zone, recording and editing, goal progress, late filing, streaks, away, reminders."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from storage import checkins, goals
from storage.checkins import CheckinInput, CheckinValidationError, GoalUpdateInput, WeekChoice
from storage.models import (
    TEXT_MAX,
    AuditEvent,
    CheckIn,
    Delivery,
    DeliveryStatus,
    Goal,
    GoalChange,
    GoalProgress,
    Person,
    Team,
)
from storage.permissions import PermissionDenied
from tests.builders import load_org
from tests.queries import counting_queries

ZONE = "UTC"  # the organisation's default zone
TODAY = date(2026, 11, 23)  # the `clock` fixture's Monday
THIS_WEEK = "2026-W48"
LAST_WEEK = "2026-W47"
TWO_WEEKS_AGO = "2026-W46"


@pytest.fixture
def people(sessions, session: Session, clock) -> dict[str, Person]:
    load_org(sessions, now=clock.now())
    return {person.slack_id: person for person in session.exec(select(Person))}


@pytest.fixture
def alan(people) -> Person:
    return people["UEMP1"]


def approved_goal(session: Session, owner: Person, *, now: datetime, **fields: str | None) -> Goal:
    """Create a goal for the owner and have their manager (UMGR1) approve it."""
    form = goals.GoalInput(
        **({"title": "Onboard pilot customers", "start": "0", "target": "10", "due_date": "2027-06-30"} | fields)
    )
    validation = goals.validate(session, owner, form, today=TODAY)
    assert validation.errors == {}
    goal = goals.create(session, owner, validation.draft, now=now)
    manager = session.get(Person, owner.manager_id)
    return goals.decide(session, manager, goal.id, approve=True, comment=None, now=now)


def answers(week: str | None = None, confidence: str | None = "4", **fields) -> CheckinInput:
    return CheckinInput(week=week, confidence=confidence, **fields)


def update(goal: Goal, value: str | None, status: str | None = None, note: str | None = None) -> GoalUpdateInput:
    return GoalUpdateInput(goal_id=str(goal.id), value=value, status=status, note=note)


def record(session: Session, person: Person, now: datetime, **fields) -> checkins.RecordResult:
    return checkins.record(session, person, answers(**fields), now=now, default_zone=ZONE)


def refusal(session: Session, person: Person, now: datetime, **fields) -> dict[str, str]:
    with pytest.raises(CheckinValidationError) as refused:
        record(session, person, now, **fields)
    return refused.value.errors


def count(session: Session, model) -> int:
    return session.exec(select(func.count()).select_from(model)).one()


def nudge_sent(session: Session, manager: Person, period: str, *, now: datetime, status=DeliveryStatus.SENT) -> None:
    session.add(Delivery(job="manager-nudges", person_id=manager.id, period=period, status=status, claimed_at=now))
    session.flush()


def away_events(session: Session) -> list[AuditEvent]:
    return list(session.exec(select(AuditEvent).where(AuditEvent.action == "person.away").order_by(AuditEvent.id)))


# --- weeks -------------------------------------------------------------------------------------


def test_a_persons_week_is_the_iso_week_in_their_own_zone(people) -> None:
    sunday_evening_utc = datetime(2026, 11, 22, 20, 0, tzinfo=UTC)  # Monday 04:00 in Shanghai
    assert checkins.current_week(people["UEMP2"], now=sunday_evening_utc, default_zone=ZONE) == THIS_WEEK
    assert checkins.current_week(people["UEMP3"], now=sunday_evening_utc, default_zone=ZONE) == LAST_WEEK
    monday_early_utc = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)  # still Sunday 22:00 in New York
    assert checkins.current_week(people["UEMP3"], now=monday_early_utc, default_zone=ZONE) == LAST_WEEK
    assert checkins.current_week(people["UEMP3"], now=monday_early_utc + timedelta(hours=2), default_zone=ZONE) == (
        THIS_WEEK
    )


def test_someone_without_a_zone_lives_in_the_organisation_default(people) -> None:
    nowhere = people["UEMP1"]
    nowhere.timezone = None
    sunday_evening_utc = datetime(2026, 11, 22, 20, 0, tzinfo=UTC)
    assert checkins.current_week(nowhere, now=sunday_evening_utc, default_zone="UTC") == LAST_WEEK
    assert checkins.current_week(nowhere, now=sunday_evening_utc, default_zone="Asia/Tokyo") == THIS_WEEK


def test_a_naive_now_is_refused(alan) -> None:
    with pytest.raises(ValueError):
        checkins.current_week(alan, now=datetime(2026, 11, 23, 9, 0), default_zone=ZONE)


# --- recording ---------------------------------------------------------------------------------


def test_the_first_submission_of_a_week_creates_a_checkin(session, alan, clock) -> None:
    result = record(session, alan, clock.now(), confidence="4", highlights="  Shipped search  ", blockers="   ")

    assert result.created and not result.late and not result.needs_manager
    checkin = result.checkin
    assert (checkin.person_id, checkin.week, checkin.confidence) == (alan.id, THIS_WEEK, 4)
    assert (checkin.highlights, checkin.blockers, checkin.help_needed) == ("Shipped search", None, None)
    assert checkin.submitted_at == checkin.updated_at == clock.now()
    assert checkins.existing(session, alan, THIS_WEEK) == checkin


def test_submitting_twice_in_a_week_edits_the_same_checkin(session, alan, clock) -> None:
    first = record(session, alan, clock.now(), confidence="4", highlights="Shipped search", help_needed="Reviews")
    later = clock.now() + timedelta(hours=3)
    second = record(session, alan, later, confidence="2", blockers="Waiting on legal")

    assert not second.created and second.checkin.id == first.checkin.id
    assert count(session, CheckIn) == 1
    checkin = session.get(CheckIn, first.checkin.id)
    assert (checkin.confidence, checkin.highlights, checkin.blockers, checkin.help_needed) == (
        2,
        None,
        "Waiting on legal",
        None,
    )
    assert (checkin.submitted_at, checkin.updated_at) == (clock.now(), later)


def test_a_double_click_race_ends_with_one_checkin(sessions, clock, monkeypatch) -> None:
    """The other request inserts between our "not there yet" and our INSERT: the savepoint catches it."""
    load_org(sessions, now=clock.now())
    with sessions() as session:
        alan = session.exec(select(Person).where(Person.slack_id == "UEMP1")).one()
        goal = approved_goal(session, alan, now=clock.now())
    with sessions() as rival:
        rival.add(CheckIn(person_id=alan.id, week=THIS_WEEK, submitted_at=clock.now(), updated_at=clock.now()))

    real_existing = checkins.existing
    lookups: list[str] = []

    def stale_existing(session: Session, person: Person, week: str) -> CheckIn | None:
        lookups.append(week)
        return None if len(lookups) == 1 else real_existing(session, person, week)

    monkeypatch.setattr(checkins, "existing", stale_existing)
    with sessions() as session:
        alan = session.get(Person, alan.id)
        result = record(session, alan, clock.now(), confidence="3", goals=(update(goal, "4"),))

    assert lookups == [THIS_WEEK, THIS_WEEK]  # the second look-up is the savepoint's fallback
    assert not result.created
    with sessions() as session:
        (checkin,) = session.exec(select(CheckIn)).all()
        assert checkin.id == result.checkin.id and checkin.confidence == 3
        assert session.get(Goal, goal.id).current_value == 4  # the goal update before the savepoint stayed
        assert [(row.checkin_id, row.value) for row in session.exec(select(GoalProgress))] == [(checkin.id, 4)]


def test_a_person_who_left_cannot_check_in(session, alan, clock) -> None:
    alan.active = False
    with pytest.raises(PermissionDenied):
        record(session, alan, clock.now())
    assert count(session, CheckIn) == 0


# --- goal progress -----------------------------------------------------------------------------


def test_progress_updates_land_in_the_goal_history_with_the_checkin_week(session, alan, clock) -> None:
    goal = approved_goal(session, alan, now=clock.now())
    result = record(session, alan, clock.now(), goals=(update(goal, "4", note="Two more signed"),))

    assert goal.current_value == 4 and goal.progress_updated_at == clock.now()
    assert result.progress == {goal.id: pytest.approx(0.4)}
    change = session.exec(select(GoalChange).where(GoalChange.field_name == "current_value")).one()
    assert (change.goal_id, change.actor_id, change.old_value, change.new_value, change.reason) == (
        goal.id,
        alan.id,
        "0",
        "4",
        f"check-in {THIS_WEEK}",
    )
    (progress,) = checkins.progress_of(session, result.checkin)
    assert (progress.goal_id, progress.value, progress.status, progress.note) == (
        goal.id,
        4,
        goal.status,
        "Two more signed",
    )


def test_a_status_given_with_a_value_is_kept(session, alan, clock) -> None:
    goal = approved_goal(session, alan, now=clock.now())
    result = record(session, alan, clock.now(), goals=(update(goal, "1", status="at_risk"),))

    assert goal.status == "at_risk"
    assert [row.status for row in checkins.progress_of(session, result.checkin)] == ["at_risk"]


def test_editing_a_checkin_updates_its_goal_progress_rows(session, alan, clock) -> None:
    goal = approved_goal(session, alan, now=clock.now())
    first = record(session, alan, clock.now(), goals=(update(goal, "2"),))
    record(session, alan, clock.now() + timedelta(hours=1), goals=(update(goal, "5", note="Faster than hoped"),))

    assert [(row.value, row.note) for row in checkins.progress_of(session, first.checkin)] == [(5, "Faster than hoped")]
    assert count(session, GoalProgress) == 1
    values = session.exec(select(GoalChange.new_value).where(GoalChange.field_name == "current_value")).all()
    assert values == ["2", "5"]


def test_a_goal_listed_without_a_value_keeps_its_value_but_is_reported(session, alan, clock) -> None:
    goal = approved_goal(session, alan, now=clock.now())
    goals.update_progress(session, alan, goal.id, value="3", now=clock.now())
    changes_before = count(session, GoalChange)

    result = record(session, alan, clock.now(), goals=(update(goal, "  "),))

    assert goal.current_value == 3 and count(session, GoalChange) == changes_before
    assert [(row.value, row.status) for row in checkins.progress_of(session, result.checkin)] == [(3, goal.status)]
    assert result.progress == {goal.id: pytest.approx(0.3)}


def test_a_status_without_a_value_changes_the_goal_status_and_keeps_its_value(session, alan, clock) -> None:
    goal = approved_goal(session, alan, now=clock.now())
    result = record(session, alan, clock.now(), goals=(update(goal, None, status="off_track"),))

    assert (goal.current_value, goal.status) == (0, "off_track")
    assert [(row.value, row.status) for row in checkins.progress_of(session, result.checkin)] == [(0, "off_track")]
    reasons = session.exec(select(GoalChange.reason).where(GoalChange.field_name == "current_value")).all()
    assert reasons == [f"check-in {THIS_WEEK}"]


@pytest.mark.parametrize("goal_id", ["peer", "999999", "abc", "", "99999999999999999999"])
def test_a_goal_that_is_not_yours_refuses_the_whole_submission(session, people, clock, goal_id) -> None:
    alan = people["UEMP1"]
    mine = approved_goal(session, alan, now=clock.now())
    peer_goal = approved_goal(session, people["UEMP2"], now=clock.now())
    forged = str(peer_goal.id) if goal_id == "peer" else goal_id
    changes_before = count(session, GoalChange)

    errors = refusal(session, alan, clock.now(), goals=(update(mine, "5"), GoalUpdateInput(goal_id=forged, value="7")))

    assert errors == {"goals": "goal_not_yours"}
    assert count(session, CheckIn) == count(session, GoalProgress) == 0
    assert count(session, GoalChange) == changes_before
    assert (mine.current_value, peer_goal.current_value) == (0, 0)


def test_goals_not_yet_approved_or_archived_or_listed_twice_are_refused(session, alan, clock) -> None:
    validation = goals.validate(
        session, alan, goals.GoalInput(title="Write docs", target="5", due_date="2027-01-31"), today=TODAY
    )
    proposed = goals.create(session, alan, validation.draft, now=clock.now())
    archived = approved_goal(session, alan, now=clock.now())
    goals.archive(session, alan, archived.id, reason=None, now=clock.now())
    active = approved_goal(session, alan, now=clock.now())

    assert checkins.active_goals(session, alan) == [active]
    for listed in [(update(proposed, "1"),), (update(archived, "1"),), (update(active, "1"), update(active, "2"))]:
        assert refusal(session, alan, clock.now(), goals=listed) == {"goals": "goal_not_yours"}
    assert count(session, CheckIn) == 0


def test_active_goals_are_the_persons_own_at_any_level_by_due_date(session, people, clock) -> None:
    ada = people["UMGR1"]
    later = approved_goal(session, people["UEMP1"], now=clock.now(), due_date="2027-09-30")
    sooner = approved_goal(session, people["UEMP1"], now=clock.now(), due_date="2027-03-31")
    validation = goals.validate(
        session,
        ada,
        goals.GoalInput(title="Platform uptime", target="99", level="team", due_date="2027-06-30"),
        today=TODAY,
    )
    team_goal = goals.create(session, ada, validation.draft, now=clock.now())

    assert checkins.active_goals(session, people["UEMP1"]) == [sooner, later]
    assert checkins.active_goals(session, ada) == [team_goal]


def test_an_unreadable_number_is_refused(session, alan, clock) -> None:
    goal = approved_goal(session, alan, now=clock.now())
    assert refusal(session, alan, clock.now(), goals=(update(goal, "about 5"),)) == {
        f"goal:{goal.id}:value": "number_invalid"
    }


@pytest.mark.parametrize(
    ("start", "target", "unit", "value"),
    [
        ("0", "10", None, "-1"),  # a count cannot go below zero
        ("50", "0", None, "-0.5"),  # nor can one counting down
        ("0", "100", "%", "101"),
        ("20", "80", "%", "150%"),
    ],
)
def test_a_value_out_of_range_is_refused(session, alan, clock, start, target, unit, value) -> None:
    goal = approved_goal(session, alan, now=clock.now(), start=start, target=target, unit=unit)
    errors = refusal(session, alan, clock.now(), goals=(update(goal, value),))
    assert errors == {f"goal:{goal.id}:value": "value_out_of_range"}


@pytest.mark.parametrize(
    ("start", "target", "unit", "value", "stored"),
    [
        ("0", "10", None, "12", 12),  # beating the target
        ("5", "10", None, "2", 2),  # going backwards
        ("0", "100", "%", "100%", 100),
        ("-5", "10", None, "-8", -8),  # a goal that starts below zero may go further below
        ("0", "150", "%", "120", 120),  # a percentage goal aiming past 100
        ("0", "100", "pts", "250", 250),  # over 100 is only odd for percentages
    ],
)
def test_values_beyond_start_and_target_are_otherwise_accepted(
    session, alan, clock, start, target, unit, value, stored
) -> None:
    goal = approved_goal(session, alan, now=clock.now(), start=start, target=target, unit=unit)
    record(session, alan, clock.now(), goals=(update(goal, value),))
    assert goal.current_value == stored


def test_an_unknown_status_is_refused(session, alan, clock) -> None:
    goal = approved_goal(session, alan, now=clock.now())
    assert refusal(session, alan, clock.now(), goals=(update(goal, "1", status="great"),)) == {
        f"goal:{goal.id}:status": "status_invalid"
    }


# --- the form's own fields ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("confidence", "code"),
    [
        (None, "confidence_missing"),
        ("", "confidence_missing"),
        ("  ", "confidence_missing"),
        ("0", "confidence_invalid"),
        ("6", "confidence_invalid"),
        ("3.5", "confidence_invalid"),
        ("high", "confidence_invalid"),
        ("-1", "confidence_invalid"),
    ],
)
def test_confidence_is_required_and_a_whole_number_from_one_to_five(session, alan, clock, confidence, code) -> None:
    assert refusal(session, alan, clock.now(), confidence=confidence) == {"confidence": code}


def test_confidence_typed_with_full_width_digits_is_read(session, alan, clock) -> None:
    assert record(session, alan, clock.now(), confidence=" ５ ").checkin.confidence == 5


@pytest.mark.parametrize("field", ["highlights", "blockers", "help_needed"])
def test_texts_longer_than_the_limit_are_refused(session, alan, clock, field) -> None:
    assert refusal(session, alan, clock.now(), **{field: "x" * (TEXT_MAX + 1)}) == {field: "text_too_long"}
    assert record(session, alan, clock.now(), **{field: "字" * TEXT_MAX}).created


def test_every_error_comes_back_at_once_and_nothing_is_written(session, alan, clock) -> None:
    goal = approved_goal(session, alan, now=clock.now())
    other = approved_goal(session, alan, now=clock.now(), title="Second goal")
    changes_before = count(session, GoalChange)

    errors = refusal(
        session,
        alan,
        clock.now(),
        week=TWO_WEEKS_AGO,
        confidence="9",
        blockers="x" * (TEXT_MAX + 1),
        goals=(update(goal, "5"), update(other, "lots", status="meh", note="n" * (TEXT_MAX + 1))),
    )

    assert errors == {
        "week": "week_closed",
        "confidence": "confidence_invalid",
        "blockers": "text_too_long",
        f"goal:{other.id}:value": "number_invalid",
        f"goal:{other.id}:status": "status_invalid",
        f"goal:{other.id}:note": "text_too_long",
    }
    assert count(session, CheckIn) == count(session, GoalProgress) == 0
    assert count(session, GoalChange) == changes_before and goal.current_value == 0


@pytest.mark.parametrize(
    ("confidence", "blockers", "needs_manager"),
    [("4", None, False), ("3", "   ", False), ("4", "Waiting on legal", True), ("2", None, True), ("1", None, True)],
)
def test_blockers_or_low_confidence_need_the_manager(session, alan, clock, confidence, blockers, needs_manager) -> None:
    result = record(session, alan, clock.now(), confidence=confidence, blockers=blockers)
    assert result.needs_manager is needs_manager


# --- late filing -------------------------------------------------------------------------------


def test_last_week_can_be_filed_late_on_monday(session, alan, clock) -> None:
    assert checkins.open_weeks(session, alan, now=clock.now(), default_zone=ZONE) == [
        WeekChoice(LAST_WEEK, late=True),
        WeekChoice(THIS_WEEK, late=False),
    ]
    result = record(session, alan, clock.now(), week=LAST_WEEK)

    assert result.created and result.late and result.checkin.week == LAST_WEEK and result.checkin.late
    assert checkins.open_weeks(session, alan, now=clock.now(), default_zone=ZONE) == [WeekChoice(THIS_WEEK, False)]


def test_a_late_checkin_may_be_edited_while_its_window_is_open(session, alan, clock) -> None:
    first = record(session, alan, clock.now(), week=LAST_WEEK, confidence="3")
    again = record(session, alan, clock.now() + timedelta(minutes=1), week=f" {LAST_WEEK} ", confidence="4")
    assert not again.created and again.late and again.checkin.id == first.checkin.id
    assert again.checkin.confidence == 4


def test_editing_a_checkin_filed_on_time_keeps_it_on_time(session, alan, clock) -> None:
    record(session, alan, clock.now() - timedelta(days=3), week=None, confidence="3")  # last Friday
    result = record(session, alan, clock.now(), week=LAST_WEEK, confidence="4")
    assert not result.created and not result.late and not result.checkin.late


def test_late_filing_closes_once_the_manager_has_been_nudged_for_that_week(session, people, clock) -> None:
    alan, ada = people["UEMP1"], people["UMGR1"]
    nudge_sent(session, ada, LAST_WEEK, now=clock.now(), status=DeliveryStatus.CLAIMED)
    nudge_sent(session, ada, THIS_WEEK, now=clock.now())
    assert checkins.open_weeks(session, alan, now=clock.now(), default_zone=ZONE)[0] == WeekChoice(LAST_WEEK, True)

    session.exec(select(Delivery).where(Delivery.period == LAST_WEEK)).one().status = DeliveryStatus.SENT
    session.flush()

    assert checkins.open_weeks(session, alan, now=clock.now(), default_zone=ZONE) == [WeekChoice(THIS_WEEK, False)]
    assert refusal(session, alan, clock.now(), week=LAST_WEEK) == {"week": "week_closed"}
    assert record(session, alan, clock.now(), week=THIS_WEEK).checkin.week == THIS_WEEK


def test_another_managers_nudge_does_not_close_the_window(session, people, clock) -> None:
    nudge_sent(session, people["UHR1"], LAST_WEEK, now=clock.now())
    assert record(session, people["UEMP1"], clock.now(), week=LAST_WEEK).late


def test_without_a_manager_last_week_stays_open_all_this_week(session, people, clock) -> None:
    ada = people["UMGR1"]
    sunday_night = datetime(2026, 11, 29, 23, 0, tzinfo=UTC)  # Sunday 23:00 in London
    assert checkins.open_weeks(session, ada, now=sunday_night, default_zone=ZONE)[0] == WeekChoice(LAST_WEEK, True)
    assert record(session, ada, sunday_night, week=LAST_WEEK).late
    next_monday = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    assert refusal(session, ada, next_monday, week=LAST_WEEK) == {"week": "week_closed"}


@pytest.mark.parametrize("week", [TWO_WEEKS_AGO, "2026-W49", "2025-W48", "last week", "2026-W99"])
def test_other_weeks_cannot_be_filed(session, alan, clock, week) -> None:
    assert refusal(session, alan, clock.now(), week=week) == {"week": "week_closed"}


# --- history and streaks -----------------------------------------------------------------------


def weeks_filed(session: Session, person: Person, weeks: list[str], *, now: datetime) -> list[CheckIn]:
    rows = [CheckIn(person_id=person.id, week=week, submitted_at=now, updated_at=now, confidence=3) for week in weeks]
    session.add_all(rows)
    session.flush()
    return rows


def test_history_shows_the_latest_weeks_newest_first_with_their_progress(session, alan, clock) -> None:
    goal = approved_goal(session, alan, now=clock.now())
    weeks_filed(session, alan, ["2026-W40", "2026-W45", "2026-W46"], now=clock.now())
    result = record(session, alan, clock.now(), week=LAST_WEEK, goals=(update(goal, "2"),))

    entries = checkins.history(session, alan, alan)
    assert [checkin.week for checkin, _ in entries] == [LAST_WEEK, "2026-W46", "2026-W45", "2026-W40"]
    assert [(row.goal_id, row.value) for row in entries[0][1]] == [(goal.id, 2)]
    assert entries[1][1] == []
    assert [checkin.week for checkin, _ in checkins.history(session, alan, alan, limit=2)] == [LAST_WEEK, "2026-W46"]
    assert checkins.latest(session, alan) == result.checkin


def test_year_boundaries_sort_by_week(session, alan, clock) -> None:
    weeks_filed(session, alan, ["2026-W53", "2027-W01", "2026-W09"], now=clock.now())
    assert checkins.latest(session, alan).week == "2027-W01"
    assert [checkin.week for checkin, _ in checkins.history(session, alan, alan)] == [
        "2027-W01",
        "2026-W53",
        "2026-W09",
    ]


@pytest.mark.parametrize(("viewer", "allowed"), [("UEMP1", True), ("UMGR1", True), ("UHR1", True), ("UEMP2", False)])
def test_history_is_for_the_person_their_managers_and_hr(session, people, clock, viewer, allowed) -> None:
    record(session, people["UEMP1"], clock.now())
    if allowed:
        assert len(checkins.history(session, people[viewer], people["UEMP1"])) == 1
    else:
        with pytest.raises(PermissionDenied):
            checkins.history(session, people[viewer], people["UEMP1"])


def test_a_person_with_no_checkins_has_no_history_and_no_latest(session, alan) -> None:
    assert checkins.history(session, alan, alan) == [] and checkins.latest(session, alan) is None


@pytest.mark.parametrize(
    ("weeks", "expected"),
    [
        ([], 0),
        ([THIS_WEEK], 1),
        ([THIS_WEEK, LAST_WEEK, TWO_WEEKS_AGO, "2026-W44"], 3),  # W45 missing breaks it
        ([LAST_WEEK, TWO_WEEKS_AGO], 2),  # this week is still open
        ([TWO_WEEKS_AGO, "2026-W45"], 0),  # last week was missed
        (["2026-W01", "2025-W52", "2025-W51"], 0),
    ],
)
def test_streak_counts_weeks_in_a_row_back_from_this_week_or_last(session, alan, clock, weeks, expected) -> None:
    weeks_filed(session, alan, weeks, now=clock.now())
    assert checkins.streak(session, alan, now=clock.now(), default_zone=ZONE) == expected


def test_a_streak_runs_across_the_new_year(session, alan) -> None:
    weeks_filed(session, alan, ["2027-W01", "2026-W53", "2026-W52"], now=datetime(2027, 1, 5, tzinfo=UTC))
    assert checkins.streak(session, alan, now=datetime(2027, 1, 8, 12, 0, tzinfo=UTC), default_zone=ZONE) == 3


def test_a_fortnightly_streak_counts_only_the_weeks_the_team_checks_in(session, alan, clock) -> None:
    session.get(Team, alan.team_id).checkin_every_weeks = 2  # this week (W48) is off, W47 and W45 are on
    weeks_filed(session, alan, [LAST_WEEK, "2026-W45", "2026-W43"], now=clock.now())
    assert checkins.streak(session, alan, now=clock.now(), default_zone=ZONE) == 3
    session.delete(checkins.existing(session, alan, "2026-W45"))
    session.flush()
    assert checkins.streak(session, alan, now=clock.now(), default_zone=ZONE) == 1


# --- time away ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("until", "code"),
    [
        ("next week", "away_date_invalid"),
        ("2026-13-01", "away_date_invalid"),
        ("20261201", "away_date_invalid"),
        ("2026-11-22", "away_date_past"),
        ("2027-11-24", "away_too_far"),
    ],
)
def test_an_away_date_must_be_a_date_from_today_to_a_year_ahead(session, alan, clock, until, code) -> None:
    with pytest.raises(CheckinValidationError) as refused:
        checkins.set_away(session, alan, until=until, now=clock.now(), default_zone=ZONE)
    assert refused.value.errors == {"until": code}
    assert alan.away_until is None and away_events(session) == []


def test_being_away_runs_through_the_last_day_and_is_audited(session, alan, clock) -> None:
    assert checkins.set_away(session, alan, until="２０２６-１２-０１", now=clock.now(), default_zone=ZONE) == date(
        2026, 12, 1
    )
    assert alan.away_until == date(2026, 12, 1)
    assert checkins.is_away(alan, today=TODAY)
    assert checkins.is_away(alan, today=date(2026, 12, 1))
    assert not checkins.is_away(alan, today=date(2026, 12, 2))
    (event_,) = away_events(session)
    assert (event_.entity, event_.entity_id, event_.actor_id, event_.detail) == (
        "person",
        alan.id,
        alan.id,
        {"until": "2026-12-01"},
    )


def test_coming_back_clears_the_date_and_a_repeat_changes_nothing(session, alan, clock) -> None:
    checkins.set_away(session, alan, until="2026-11-23", now=clock.now(), default_zone=ZONE)  # just today
    checkins.set_away(session, alan, until="2026-11-23", now=clock.now(), default_zone=ZONE)
    assert checkins.set_away(session, alan, until="  ", now=clock.now(), default_zone=ZONE) is None
    assert alan.away_until is None and not checkins.is_away(alan, today=TODAY)
    assert [event_.detail for event_ in away_events(session)] == [{"until": "2026-11-23"}, {"until": None}]


def test_today_is_the_persons_own_date(session, people) -> None:
    shanghai = people["UEMP2"]
    late_sunday_utc = datetime(2026, 11, 29, 20, 0, tzinfo=UTC)  # already Monday 30 November in Shanghai
    with pytest.raises(CheckinValidationError):
        checkins.set_away(session, shanghai, until="2026-11-29", now=late_sunday_utc, default_zone=ZONE)
    checkins.set_away(session, people["UEMP3"], until="2026-11-29", now=late_sunday_utc, default_zone=ZONE)


# --- cadence and reminders ---------------------------------------------------------------------


def test_weekly_teams_check_in_every_week() -> None:
    assert all(checkins.cadence_due(1, week) for week in [TWO_WEEKS_AGO, LAST_WEEK, THIS_WEEK])


def test_fortnightly_teams_check_in_on_even_weeks_counted_from_monday_1_january_2024() -> None:
    assert checkins.cadence_due(2, "2024-W01") and not checkins.cadence_due(2, "2024-W02")
    assert checkins.cadence_due(2, "2024-W03")
    assert checkins.cadence_due(2, LAST_WEEK) and not checkins.cadence_due(2, THIS_WEEK)  # 150 and 151 weeks on
    assert checkins.cadence_due(2, "2023-W51") and not checkins.cadence_due(2, "2023-W52")  # before the anchor


def test_reminders_go_to_those_who_have_not_checked_in_and_are_here(session, people, clock) -> None:
    now = clock.now()
    record(session, people["UEMP1"], now)  # checked in
    checkins.set_away(session, people["UEMP2"], until="2026-11-27", now=now, default_zone=ZONE)
    people["UHR1"].active = False
    weeks_filed(session, people["UEMP3"], [LAST_WEEK], now=now)  # last week's does not count
    session.flush()

    found = checkins.reminder_candidates(session, now=now, default_zone=ZONE)

    assert [(person.slack_id, week) for person, week in found] == [("UMGR1", THIS_WEEK), ("UEMP3", THIS_WEEK)]


def test_reminders_skip_a_fortnightly_team_in_its_off_week(session, people, clock) -> None:
    session.get(Team, people["UEMP1"].team_id).checkin_every_weeks = 2  # Platform: W48 is off
    session.flush()
    assert [p.slack_id for p, _ in checkins.reminder_candidates(session, now=clock.now(), default_zone=ZONE)] == [
        "UHR1"
    ]
    next_week = clock.now() + timedelta(weeks=1)
    assert len(checkins.reminder_candidates(session, now=next_week, default_zone=ZONE)) == 5


def test_reminders_use_each_persons_week_and_today(session, people) -> None:
    sunday_evening_utc = datetime(2026, 11, 22, 20, 0, tzinfo=UTC)  # Monday in Shanghai, Sunday elsewhere
    checkins.set_away(
        session, people["UEMP2"], until="2026-11-22", now=datetime(2026, 11, 22, 1, tzinfo=UTC), default_zone=ZONE
    )  # away through Sunday, so back on Shanghai's Monday
    weeks_filed(session, people["UEMP1"], [LAST_WEEK], now=sunday_evening_utc)

    found = dict(
        (p.slack_id, week)
        for p, week in checkins.reminder_candidates(session, now=sunday_evening_utc, default_zone=ZONE)
    )

    assert found == {"UHR1": LAST_WEEK, "UMGR1": LAST_WEEK, "UEMP2": THIS_WEEK, "UEMP3": LAST_WEEK}


def test_reminders_need_a_way_to_reach_the_person(session, clock) -> None:
    session.add_all(
        [
            Person(name="Slack only", slack_id="US1", created_at=clock.now(), updated_at=clock.now()),
            Person(name="Teams only", teams_id="29:teams", created_at=clock.now(), updated_at=clock.now()),
            Person(name="Unreachable", email="x@example.com", created_at=clock.now(), updated_at=clock.now()),
        ]
    )
    session.flush()
    found = checkins.reminder_candidates(session, now=clock.now(), default_zone=ZONE)
    assert [person.name for person, _ in found] == ["Slack only", "Teams only"]


def test_reminder_candidates_take_a_bounded_number_of_queries(sessions, engine, clock) -> None:
    now = clock.now()
    zones = ["Asia/Shanghai", "America/New_York", "Europe/London", "Pacific/Auckland", "Pacific/Honolulu", None]
    with sessions() as session:
        weekly, fortnightly = (
            Team(name="Weekly", created_at=now),
            Team(name="Fortnightly", checkin_every_weeks=2, created_at=now),
        )
        session.add_all([weekly, fortnightly])
        session.flush()
        staff = [
            Person(
                name=f"Person {n}",
                slack_id=f"U{n:03d}",
                timezone=zones[n % len(zones)],
                team_id=(fortnightly if n % 10 == 0 else weekly).id if n % 7 else None,
                created_at=now,
                updated_at=now,
            )
            for n in range(50)
        ]
        session.add_all(staff)
        session.flush()
        for person in staff[:10]:
            session.add(
                CheckIn(
                    person_id=person.id,
                    week=checkins.current_week(person, now=now, default_zone=ZONE),
                    submitted_at=now,
                    updated_at=now,
                )
            )

    with sessions() as session, counting_queries(engine) as statements:
        found = checkins.reminder_candidates(session, now=now, default_zone=ZONE)

    assert len(statements) <= 4
    # Fortnightly (U010, U020, U030, U040) is off in W48, but U010 and U040 live in Honolulu, still in W47.
    expected = {f"U{n:03d}" for n in range(10, 50)} - {"U020", "U030"}
    assert {person.slack_id for person, _ in found} == expected


def test_missing_for_week_names_who_has_not_filed_in_one_query(session, people, clock, engine) -> None:
    team = [people["UEMP1"], people["UEMP2"], people["UEMP3"]]
    record(session, people["UEMP2"], clock.now())
    weeks_filed(session, people["UEMP1"], [LAST_WEEK], now=clock.now())

    with counting_queries(engine) as statements:
        missing = checkins.missing_for_week(session, team, THIS_WEEK)

    assert missing == [people["UEMP1"], people["UEMP3"]] and len(statements) == 1
    assert checkins.missing_for_week(session, [], THIS_WEEK) == []
    assert checkins.missing_for_week(session, team, LAST_WEEK) == [people["UEMP2"], people["UEMP3"]]
