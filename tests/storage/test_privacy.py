"""The right to erasure: no personal text left anywhere, aggregates kept, others untouched, idempotent, audited."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import JSON, String, TypeDecorator, event, func
from sqlalchemy.types import TypeEngine
from sqlmodel import Session, SQLModel, select

from storage import checkins, exports, goals, privacy
from storage.audit import record as audit_record
from storage.checkins import CheckinInput, GoalUpdateInput
from storage.models import (
    ActionItem,
    AuditEvent,
    CheckIn,
    Delivery,
    Goal,
    GoalChange,
    GoalProgress,
    ImprovementCheck,
    ImprovementPlan,
    Kudos,
    OneOnOne,
    Person,
    Review,
    ReviewCycle,
    TeamsConversation,
)
from storage.org import import_org_csv
from tests.builders import org_csv

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # the `clock` fixture's Monday
LATER = NOW + timedelta(days=30)
TODAY = NOW.date()

ORG = [
    ["UHR1", "Grace Hopper", "grace@example.com", "", "People", "hr", "America/New_York", "en-US"],
    ["UMGR1", "Ada Lovelace", "ada@example.com", "", "Platform", "manager", "Europe/London", "en-GB"],
    ["UEMP1", "Alan Turing", "alan@example.com", "UMGR1", "Platform", "employee", "Europe/London", "en-GB"],
    ["UEMP2", "李雷", "li.lei@example.com", "UMGR1", "Platform", "employee", "Asia/Shanghai", "zh-CN"],
]
# Words only Alan wrote, or only others wrote about him: none may survive his erasure.
ALAN_WORDS = ("quokka", "Zanzibar", "marmalade", "enigma")
# Words Li Lei wrote about his own work: all must survive Alan's erasure.
LI_WORDS = ("上线了", "pelican")


@dataclass
class World:
    people: dict[str, Person]
    alan_goal: Goal
    li_goal: Goal
    alan_checkin: CheckIn
    li_checkin: CheckIn


@pytest.fixture
def world(session: Session) -> World:
    """Give Alan a record in every table, and Li Lei and Ada some of their own beside it."""
    import_org_csv(session, org_csv(ORG), now=NOW)
    people = {person.slack_id: person for person in session.exec(select(Person))}
    ada, alan, li, grace = people["UMGR1"], people["UEMP1"], people["UEMP2"], people["UHR1"]
    alan.teams_id = "29:alan-teams-id"
    alan_goal = approved_goal(session, alan, ada, title="Launch the quokka pipeline", metric="quokka users",
                              description="For the Zanzibar office", comment="Good one, Alan: go quokka")
    goals.adjust(session, alan, alan_goal.id, goals.GoalInput(title="Launch the quokka pipeline v2", target="120"),
                 reason="Zanzibar asked for more", now=NOW)
    li_goal = approved_goal(session, li, ada, title="Ship the pelican release", comment="Go pelican")
    alan_checkin = record_checkin(session, alan, alan_goal, highlights="Shipped quokka beta", blockers="Zanzibar VPN",
                                  help_needed="marmalade budget", note="quokka at 40")
    li_checkin = record_checkin(session, li, li_goal, highlights="上线了 pelican", blockers=None,
                                help_needed=None, note="pelican on track")
    checkins.set_away(session, alan, until=(TODAY + timedelta(days=3)).isoformat(), now=NOW, default_zone="UTC")
    audit_record(session, action="person.updated", entity="person", entity_id=alan.id, actor_id=grace.id, now=NOW,
                 detail={"email": ["alan.old@example.com", "alan@example.com"], "name": "Alan M. Turing"})
    add_reviews(session, ada, alan, li)
    add_the_rest(session, ada, alan, li)
    return World(people, alan_goal, li_goal, alan_checkin, li_checkin)


def approved_goal(session: Session, owner: Person, manager: Person, *, comment: str, **fields: str) -> Goal:
    form = goals.GoalInput(**({"start": "0", "target": "100", "due_date": "2027-06-30"} | fields))
    validation = goals.validate(session, owner, form, today=TODAY)
    assert validation.errors == {}
    goal = goals.create(session, owner, validation.draft, now=NOW)
    return goals.decide(session, manager, goal.id, approve=True, comment=comment, now=NOW)


def record_checkin(session: Session, person: Person, goal: Goal, *, note: str, **text: str | None) -> CheckIn:
    answers = CheckinInput(week=None, confidence="4", goals=(GoalUpdateInput(str(goal.id), "40", note=note),), **text)
    return checkins.record(session, person, answers, now=NOW, default_zone="UTC").checkin


def add_reviews(session: Session, ada: Person, alan: Person, li: Person) -> None:
    cycle = ReviewCycle(name="2026 H2", period_start=date(2026, 7, 1), period_end=date(2026, 12, 31),
                        self_due=TODAY, peer_due=TODAY, manager_due=TODAY, created_at=NOW)
    session.add(cycle)
    session.flush()
    session.add_all([
        Review(kind="self", author_id=alan.id, subject_id=alan.id, cycle_id=cycle.id, text="I built the quokka thing",
               rating=4, assessment="meets", answers={"goal": "quokka done"}, created_at=NOW),
        Review(kind="manager", author_id=ada.id, subject_id=alan.id, cycle_id=cycle.id, text="Alan Turing: strong",
               private_notes="Coach him on the Zanzibar rollout", rating=5, assessment="exceeds",
               answers={"craft": "enigma-level work"}, created_at=NOW),
        Review(kind="peer", author_id=alan.id, subject_id=li.id, cycle_id=cycle.id, text="Li fixed my marmalade bug",
               rating=4, answers={"collaboration": "quokka pairing"}, created_at=NOW),
        Review(kind="peer", author_id=li.id, subject_id=ada.id, cycle_id=cycle.id, text="pelican leadership",
               rating=5, answers={"q": "pelican"}, created_at=NOW),
        Review(kind="weekly_feedback", author_id=ada.id, subject_id=alan.id, text="Nice quokka demo", created_at=NOW),
    ])
    session.flush()


def add_the_rest(session: Session, ada: Person, alan: Person, li: Person) -> None:
    plan = ImprovementPlan(person_id=alan.id, manager_id=ada.id, gaps="quokka estimates", causes="Zanzibar move",
                           actions="weekly enigma review", support="marmalade mentoring",
                           success_measure="quokka on time", employee_commitments="I, Alan, will enigma",
                           opened_at=NOW)
    session.add(plan)
    session.flush()
    session.add_all([
        ImprovementCheck(plan_id=plan.id, due_on=TODAY, outcome="quokka improved", recorded_at=NOW),
        ActionItem(subject_id=alan.id, owner_id=ada.id, text="Ada to review Alan's quokka doc", created_at=NOW),
        ActionItem(subject_id=li.id, owner_id=alan.id, text="Alan pairs on marmalade", created_at=NOW),
        ActionItem(subject_id=li.id, owner_id=ada.id, text="pelican retro", created_at=NOW),
        Kudos(giver_id=alan.id, receiver_id=li.id, message="Thanks for the Zanzibar help", created_at=NOW),
        Kudos(giver_id=li.id, receiver_id=alan.id, message="<@UEMP1|alan> saved the quokka demo", created_at=NOW),
        Kudos(giver_id=ada.id, receiver_id=li.id, message="pelican hero", created_at=NOW),
        OneOnOne(manager_id=ada.id, report_id=alan.id, held_at=NOW),
        Delivery(job="checkin-reminders", person_id=alan.id, period="2026-W48", status="sent", claimed_at=NOW,
                 sent_at=NOW, channel="DALAN0001", message_ref="1732352400.000100",
                 last_error="channel_not_found for UEMP1"),
        Delivery(job="checkin-reminders", person_id=li.id, period="2026-W48", status="sent", claimed_at=NOW,
                 sent_at=NOW, channel="DLILEI001", message_ref="1732352400.000200"),
    ])
    session.flush()


def text_values(session: Session) -> Iterator[tuple[str, str, str]]:
    """Yield (table, column, text) for every non-empty text and JSON value in the database."""
    for table in SQLModel.metadata.sorted_tables:
        for column in table.columns:
            if _holds_text(column.type):
                for (value,) in session.execute(select(column).where(column.is_not(None))):
                    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
                    yield table.name, column.name, text


def _holds_text(type_: TypeEngine) -> bool:
    # SQLModel's AutoString wraps String in a TypeDecorator: look at what it wraps.
    stored = type_.impl_instance if isinstance(type_, TypeDecorator) else type_
    return isinstance(stored, String | JSON)


def traces(session: Session, needles: tuple[str, ...]) -> list[tuple[str, str, str]]:
    """Return where any needle (case-insensitive) still appears in the database's text."""
    lowered = [needle.lower() for needle in needles]
    return [
        (table, column, text)
        for table, column, text in text_values(session)
        if any(needle in text.lower() for needle in lowered)
    ]


def alans_traces(session: Session) -> list[tuple[str, str, str]]:
    return traces(session, ("Alan", "Turing", "alan@example.com", "UEMP1", "alan-teams-id",
                            *ALAN_WORDS))


@contextmanager
def writes(engine) -> Iterator[list[str]]:
    """Collect the INSERT, UPDATE and DELETE statements run inside the block."""
    statements: list[str] = []

    def record(_connection, _cursor, statement, *_args) -> None:
        if statement.lstrip().split(None, 1)[0].upper() in ("INSERT", "UPDATE", "DELETE"):
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def erase_alan(session: Session, world: World) -> privacy.ErasureReport:
    return privacy.erase(session, "UEMP1", now=LATER, actor_id=world.people["UHR1"].id)


# --- nothing of theirs remains -----------------------------------------------------------------


def test_before_erasure_the_scan_finds_alan_in_every_kind_of_record(session, world):
    found = {table for table, _column, _text in alans_traces(session)}

    assert found >= {"person", "checkin", "goalprogress", "goal", "goalchange", "review", "actionitem", "kudos",
                     "improvementplan", "improvementcheck", "delivery", "auditevent"}


def test_after_erasure_no_text_of_theirs_remains_anywhere(session, world):
    erase_alan(session, world)

    assert alans_traces(session) == []


def test_the_person_is_pseudonymised_and_deactivated(session, world):
    alan = world.people["UEMP1"]

    report = erase_alan(session, world)

    session.refresh(alan)
    assert report.person_id == alan.id
    assert report.pseudonym == alan.name == f"Former colleague {alan.id}"
    assert (alan.email, alan.slack_id, alan.teams_id, alan.timezone, alan.locale) == (None,) * 5
    assert (alan.active, alan.away_until, alan.erased_at, alan.updated_at) == (False, None, LATER, LATER)
    # Where they sat in the org stays, so team and manager roll-ups still count them.
    assert (alan.team_id, alan.manager_id) == (world.people["UMGR1"].team_id, world.people["UMGR1"].id)


def test_the_report_counts_the_rows_touched_per_table(session, world):
    session.add(TeamsConversation(person_id=world.people["UEMP1"].id, user_id="29:alan", conversation_id="a:1",
                                  service_url="https://smba.trafficmanager.net/teams/", bot_id="28:bot",
                                  created_at=LATER, updated_at=LATER))
    session.flush()
    report = erase_alan(session, world)

    assert report.counts == {
        "person": 1, "checkin": 1, "goalprogress": 1, "goal": 1, "goalchange": 5, "review": 4, "actionitem": 2,
        "kudos": 2, "improvementplan": 1, "improvementcheck": 1, "delivery": 1, "teamsconversation": 1,
        "auditevent": 2,
    }
    assert session.exec(select(TeamsConversation)).all() == []  # Teams can no longer reach them


# --- what stays --------------------------------------------------------------------------------


def test_aggregates_stay_true(session, world):
    goal_before = world.alan_goal.model_dump()
    checkin_before = world.alan_checkin.model_dump()

    erase_alan(session, world)

    session.refresh(world.alan_goal)
    session.refresh(world.alan_checkin)
    kept_goal = ("start_value", "target_value", "current_value", "due_date", "status", "approval", "weight", "level")
    assert {name: getattr(world.alan_goal, name) for name in kept_goal} == {
        name: goal_before[name] for name in kept_goal}
    assert world.alan_goal.title == "[erased]" and world.alan_goal.unit == goal_before["unit"]
    kept_checkin = ("week", "confidence", "late", "submitted_at")
    assert {name: getattr(world.alan_checkin, name) for name in kept_checkin} == {
        name: checkin_before[name] for name in kept_checkin}
    progress = session.exec(select(GoalProgress).where(GoalProgress.checkin_id == world.alan_checkin.id)).one()
    assert (progress.value, progress.note) == (40.0, None)
    alan_id = world.alan_goal.owner_id
    ratings = session.exec(select(Review.rating, Review.assessment).where(Review.subject_id == alan_id))
    assert sorted(ratings, key=str) == sorted([(4, "meets"), (5, "exceeds"), (None, None)], key=str)


def test_the_goal_history_keeps_numbers_and_states_but_not_words(session, world):
    erase_alan(session, world)

    history = session.exec(
        select(GoalChange.field_name, GoalChange.old_value, GoalChange.new_value, GoalChange.reason)
        .where(GoalChange.goal_id == world.alan_goal.id)
        .order_by(GoalChange.id)
    ).all()
    kept = [(field, old, new, reason) for field, old, new, reason in history if field in ("approval", "target_value")]
    assert kept == [("approval", "proposed", "approved", None), ("target_value", "100", "120", None)]
    assert all(old is None and new is None for field, old, new, _ in history if field in ("created", "title"))
    assert all(reason is None for *_, reason in history)


def test_other_peoples_text_is_untouched(session, world):
    erase_alan(session, world)

    session.refresh(world.li_goal)
    session.refresh(world.li_checkin)
    assert world.li_goal.title == "Ship the pelican release" and world.li_goal.approval_comment == "Go pelican"
    assert world.li_checkin.highlights == "上线了 pelican"
    li_history = session.exec(select(GoalChange.new_value).where(
        GoalChange.goal_id == world.li_goal.id, GoalChange.field_name == "created")).one()
    assert li_history == "Ship the pelican release"
    found = {(table, column) for table, column, _text in traces(session, LI_WORDS)}
    assert found == {
        ("goal", "title"), ("goal", "approval_comment"), ("goalchange", "new_value"), ("goalchange", "reason"),
        ("checkin", "highlights"), ("goalprogress", "note"), ("review", "text"), ("review", "answers"),
        ("actionitem", "text"), ("kudos", "message"),
    }
    li = world.people["UEMP2"]
    session.refresh(li)
    assert (li.name, li.email, li.slack_id, li.active) == ("李雷", "li.lei@example.com", "UEMP2", True)


def test_erasing_a_manager_removes_the_comments_they_wrote_on_their_reports_goals(session, world):
    privacy.erase(session, "UMGR1", now=LATER)

    session.refresh(world.li_goal)
    assert world.li_goal.approval_comment is None
    assert world.li_goal.title == "Ship the pelican release"  # the report's own words stay
    assert traces(session, ("Go pelican", "Ada", "Lovelace", "ada@example.com")) == []


# --- idempotence, unknown people, the audit trail ----------------------------------------------


def test_a_second_erase_by_the_same_slack_id_finds_no_one_and_writes_nothing(session, engine, world):
    erase_alan(session, world)
    session.flush()

    with writes(engine) as statements, pytest.raises(LookupError, match="already erased"):
        erase_alan(session, world)

    assert statements == []


def test_erasing_someone_already_erased_changes_nothing(session, engine, world):
    alan = world.people["UEMP1"]
    first = erase_alan(session, world)
    # As a second erasure that looked them up just before the first committed would find them.
    session.refresh(alan)
    alan.slack_id = "UEMP1"
    session.flush()
    before = [row.model_dump() for row in session.exec(select(AuditEvent))]

    with writes(engine) as statements:
        second = erase_alan(session, world)

    assert (second.person_id, second.pseudonym) == (first.person_id, first.pseudonym)
    assert second.counts == dict.fromkeys(first.counts, 0)
    assert [row.model_dump() for row in session.exec(select(AuditEvent))] == before
    assert len(statements) == 1 and statements[0].lstrip().upper().startswith("UPDATE PERSON")


def test_an_unknown_slack_id_is_refused_and_nothing_is_written(session, engine, world):
    with writes(engine) as statements, pytest.raises(LookupError, match="'UNOBODY'"):
        privacy.erase(session, "UNOBODY", now=LATER)

    assert statements == []
    assert alans_traces(session) != []


def test_the_erasure_is_audited_with_counts_and_no_names(session, world):
    grace = world.people["UHR1"]

    report = erase_alan(session, world)

    event_ = session.exec(select(AuditEvent).where(AuditEvent.action == "person.erased")).one()
    assert (event_.entity, event_.entity_id, event_.actor_id) == ("person", report.person_id, grace.id)
    assert event_.at == LATER
    assert event_.detail == report.counts
    assert all(isinstance(value, int) for value in event_.detail.values())


def test_earlier_audit_events_about_them_keep_their_action_but_lose_their_detail(session, world):
    alan = world.people["UEMP1"]

    erase_alan(session, world)

    earlier = session.exec(
        select(AuditEvent.action, AuditEvent.detail)
        .where(AuditEvent.entity == "person", AuditEvent.entity_id == alan.id, AuditEvent.action != "person.erased")
        .order_by(AuditEvent.id)
    ).all()
    assert earlier == [("person.away", {}), ("person.updated", {})]


def test_naive_times_are_refused_before_anything_is_written(session, engine, world):
    with writes(engine) as statements, pytest.raises(ValueError, match="aware"):
        privacy.erase(session, "UEMP1", now=LATER.replace(tzinfo=None))

    assert statements == []


# --- seen from outside -------------------------------------------------------------------------


def test_exports_after_erasure_show_the_pseudonym_and_none_of_their_words(session, world):
    report = erase_alan(session, world)

    exported = ""
    for kind in exports.KINDS:
        out = io.StringIO()
        exports.write_csv(exports.rows(session, kind), out, kind=kind)
        exported += out.getvalue()

    assert report.pseudonym in exported
    assert not any(word.lower() in exported.lower() for word in ("Alan", "alan@example.com", *ALAN_WORDS))
    assert session.exec(select(func.count()).select_from(CheckIn)).one() == 2
