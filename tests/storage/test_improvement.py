"""Improvement plans: opening one with its checks, who may see and act, recording checks to the end, what is due."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest
from sqlalchemy import func
from sqlmodel import Session, col, select

from storage import improvement
from storage.improvement import ImprovementError, ImprovementValidationError
from storage.models import TEXT_MAX, AuditEvent, ImprovementCheck, ImprovementPlan, Person, ReviewCycle
from tests.builders import SMALL_ORG, load_org

TODAY = date(2026, 11, 23)  # the `clock` fixture's Monday


@dataclass(frozen=True)
class Org:
    grace: Person  # HR
    ada: Person  # manager of the three below
    alan: Person
    li: Person
    kj: Person


@pytest.fixture
def org(sessions, session: Session, clock) -> Org:
    load_org(sessions, now=clock.now())
    people = {person.slack_id: person for person in session.exec(select(Person))}
    return Org(grace=people["UHR1"], ada=people["UMGR1"], alan=people["UEMP1"], li=people["UEMP2"],
               kj=people["UEMP3"])


FORM = {
    "gaps": "Code reviews wait three days on average",
    "causes": ["skills"],
    "cause_notes": None,
    "actions": "Review within one working day; pair with Katherine weekly",
    "support": "A reviewing course; an hour a week with Katherine",
    "success_measure": "Median review wait under one day for four weeks",
    "check_dates": ["2026-12-07", "2026-12-21"],
}


def open_plan(session: Session, actor: Person, subject: Person, clock, **fields) -> ImprovementPlan:
    return improvement.open_plan(session, actor, subject.id, **(FORM | fields), today=TODAY, now=clock.now())


def checks_of(session: Session, plan: ImprovementPlan) -> list[ImprovementCheck]:
    query = select(ImprovementCheck).where(ImprovementCheck.plan_id == plan.id).order_by(ImprovementCheck.due_on)
    return list(session.exec(query))


def record(session: Session, actor: Person, check: ImprovementCheck, clock, *, outcome="Reviews now take two days",
           decision="continue", next_check=None, today=TODAY) -> improvement.ImprovementView:
    return improvement.record_check(session, actor, check.id, outcome=outcome, decision=decision,
                                    next_check=next_check, today=today, now=clock.now())


def count(session: Session, model) -> int:
    return session.exec(select(func.count()).select_from(model)).one()


def counts(session: Session) -> tuple[int, int, int]:
    """Plans, checks and improvement audit events (the org import leaves its own)."""
    ours = select(func.count()).select_from(AuditEvent).where(col(AuditEvent.action).startswith("improvement."))
    return count(session, ImprovementPlan), count(session, ImprovementCheck), session.exec(ours).one()


def events(session: Session, action: str) -> list[AuditEvent]:
    return list(session.exec(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


# --- opening -----------------------------------------------------------------------------------


def test_a_manager_opens_a_plan_with_its_checks_in_date_order(session, org, clock) -> None:
    plan = open_plan(session, org.ada, org.alan, clock, causes=["other", "skills", "skills"],
                     cause_notes="A new codebase", check_dates=["2026-12-21", "", "2026-12-07", None, "2026-12-07"])

    assert (plan.person_id, plan.manager_id, plan.cycle_id, plan.state) == (org.alan.id, org.ada.id, None, "open")
    assert (plan.opened_at, plan.closed_at, plan.employee_commitments) == (clock.now(), None, None)
    assert (plan.gaps, plan.actions, plan.support, plan.success_measure) == (
        FORM["gaps"], FORM["actions"], FORM["support"], FORM["success_measure"])
    assert improvement.causes_of(plan) == (["skills", "other"], "A new codebase")
    checks = checks_of(session, plan)
    assert [check.due_on for check in checks] == [date(2026, 12, 7), date(2026, 12, 21)]
    assert all(check.outcome is None and check.recorded_at is None for check in checks)
    [opened] = events(session, "improvement.opened")
    assert (opened.entity, opened.entity_id, opened.actor_id, opened.detail) == (
        "improvement_plan", plan.id, org.ada.id, {"checks": 2})
    assert improvement.open_for(session, org.alan) == plan


def test_hr_a_skip_level_manager_and_a_cycle_may_be_involved(sessions, session, clock) -> None:
    rows = [["UVP1", "Vera Rubin", "vera@example.com", "", "Platform", "manager", "Europe/London", "en"]]
    rows += [[*row[:3], "UVP1" if row[0] == "UMGR1" else row[3], *row[4:]] for row in SMALL_ORG]
    load_org(sessions, now=clock.now(), rows=rows)
    people = {person.slack_id: person for person in session.exec(select(Person))}
    cycle = ReviewCycle(name="2026 H2", period_start=date(2026, 7, 1), period_end=date(2026, 12, 31),
                        self_due=date(2026, 12, 4), peer_due=date(2026, 12, 11), manager_due=date(2026, 12, 18),
                        created_at=clock.now())
    session.add(cycle)
    session.flush()

    by_vera = open_plan(session, people["UVP1"], people["UEMP1"], clock, cycle_id=cycle.id)
    by_grace = open_plan(session, people["UHR1"], people["UMGR1"], clock)

    assert (by_vera.manager_id, by_vera.cycle_id) == (people["UVP1"].id, cycle.id)
    assert (by_grace.person_id, by_grace.manager_id) == (people["UMGR1"].id, people["UHR1"].id)


def test_chinese_words_are_kept_as_written(session, org, clock) -> None:
    plan = open_plan(session, org.ada, org.li, clock, gaps="代码评审太慢", causes=["resources", "circumstances"],
                     cause_notes="团队人手不足", actions="每天处理评审", success_measure="四周内评审等待少于一天",
                     check_dates=["２０２６-１２-０７"])  # full-width digits from a Chinese IME
    session.commit()
    session.expire_all()

    stored = session.get(ImprovementPlan, plan.id)
    assert (stored.gaps, stored.success_measure) == ("代码评审太慢", "四周内评审等待少于一天")
    assert improvement.causes_of(stored) == (["resources", "circumstances"], "团队人手不足")
    assert [check.due_on for check in checks_of(session, stored)] == [date(2026, 12, 7)]


def test_causes_of_reads_plain_text_from_elsewhere_as_the_note() -> None:
    assert improvement.causes_of(ImprovementPlan(causes="Too much on")) == ([], "Too much on")
    assert improvement.causes_of(ImprovementPlan(causes=None)) == ([], None)
    assert improvement.causes_of(ImprovementPlan(causes='{"kinds": ["skills", "luck"], "note": ""}')) == (
        ["skills"], None)


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ({"gaps": " ", "causes": [], "actions": None, "success_measure": "", "check_dates": ["", None]},
         {"gaps": "ip_field_missing", "causes": "ip_field_missing", "actions": "ip_field_missing",
          "success_measure": "ip_field_missing", "check_dates": "ip_check_dates_missing"}),
        ({"gaps": "g" * (TEXT_MAX + 1), "support": "s" * (TEXT_MAX + 1), "cause_notes": "n" * (TEXT_MAX + 1)},
         {"gaps": "text_too_long", "support": "text_too_long", "cause_notes": "text_too_long"}),
        ({"causes": ["skills", "laziness"]}, {"causes": "ip_cause_invalid"}),
        ({"check_dates": ["2026-12-07", "07/12/2026"]}, {"check_dates": "invalid_date"}),
        ({"check_dates": ["2026-02-30"]}, {"check_dates": "invalid_date"}),
        ({"check_dates": ["2026-12-07", "2026-11-23"]}, {"check_dates": "ip_check_date_past"}),
        ({"check_dates": [f"2027-01-{day:02d}" for day in range(1, 8)]}, {"check_dates": "ip_too_many_checks"}),
    ],
)
def test_every_field_error_is_reported_and_nothing_is_written(session, org, clock, fields, errors) -> None:
    with pytest.raises(ImprovementValidationError) as refused:
        open_plan(session, org.ada, org.alan, clock, **fields)

    assert refused.value.errors == errors
    assert refused.value.code == "invalid"
    assert counts(session) == (0, 0, 0)


def test_six_checks_are_allowed_and_duplicates_do_not_count(session, org, clock) -> None:
    dates = [f"2027-01-{day:02d}" for day in range(1, 7)]

    plan = open_plan(session, org.ada, org.alan, clock, check_dates=[*dates, dates[0]])

    assert len(checks_of(session, plan)) == improvement.MAX_CHECKS == 6


@pytest.mark.parametrize(
    ("actor", "subject"),
    [("alan", "li"), ("li", "alan"), ("ada", "ada"), ("grace", "grace"), ("alan", "ada"), ("ada", "grace")],
)
def test_only_the_management_chain_or_hr_may_open_a_plan_and_others_find_nobody(
    session, org, clock, actor, subject
) -> None:
    with pytest.raises(ImprovementError) as refused:
        open_plan(session, getattr(org, actor), getattr(org, subject), clock)

    assert refused.value.code == "not_found"
    assert counts(session) == (0, 0, 0)


@pytest.mark.parametrize("subject_id", [0, -1, 999_999, 2**40, "1", True])
def test_a_plan_for_nobody_is_refused_like_one_for_someone_else(session, org, clock, subject_id) -> None:
    with pytest.raises(ImprovementError) as refused:
        improvement.open_plan(session, org.ada, subject_id, **FORM, today=TODAY, now=clock.now())

    assert refused.value.code == "not_found"
    assert counts(session) == (0, 0, 0)


def test_no_plan_for_someone_who_left_by_someone_who_left_or_in_an_unknown_cycle(session, org, clock) -> None:
    org.kj.active = False
    session.flush()
    for actor, subject, extra in ((org.ada, org.kj, {}), (org.ada, org.alan, {"cycle_id": 999})):
        with pytest.raises(ImprovementError) as refused:
            open_plan(session, actor, subject, clock, **extra)
        assert refused.value.code == "not_found"
    org.kj.active = True
    org.ada.active = False
    session.flush()
    with pytest.raises(ImprovementError) as refused:
        open_plan(session, org.ada, org.alan, clock)
    assert refused.value.code == "not_found"
    assert counts(session) == (0, 0, 0)


def test_one_open_plan_per_person_until_it_ends(session, org, clock) -> None:
    first = open_plan(session, org.ada, org.alan, clock)

    with pytest.raises(ImprovementError) as refused:
        open_plan(session, org.grace, org.alan, clock, gaps="")  # refused before the fields are read
    assert refused.value.code == "ip_already_open"
    assert counts(session) == (1, 2, 1)

    record(session, org.ada, checks_of(session, first)[0], clock, decision="not_met")
    second = open_plan(session, org.grace, org.alan, clock)
    assert improvement.open_for(session, org.alan) == second


# --- seeing ------------------------------------------------------------------------------------


def test_the_person_their_managers_and_hr_see_the_plan(session, org, clock) -> None:
    plan = open_plan(session, org.ada, org.alan, clock, causes=["skills", "other"], cause_notes="New stack")

    for viewer in (org.alan, org.ada, org.grace):
        seen = improvement.view(session, viewer, plan.id)
        assert (seen.plan, seen.person, seen.manager) == (plan, org.alan, org.ada)
        assert (seen.causes, seen.cause_note) == (["skills", "other"], "New stack")
        assert [check.due_on for check in seen.checks] == [date(2026, 12, 7), date(2026, 12, 21)]
        assert seen.next_check == seen.checks[0]


@pytest.mark.parametrize("viewer", ["li", "kj"])
def test_a_colleague_finds_nothing(session, org, clock, viewer) -> None:
    plan = open_plan(session, org.ada, org.alan, clock)

    for plan_id in (plan.id, plan.id + 1, 2**40):
        with pytest.raises(ImprovementError) as refused:
            improvement.view(session, getattr(org, viewer), plan_id)
        assert refused.value.code == "not_found"


def test_open_plans_lists_what_each_viewer_may_follow_soonest_check_first(session, org, clock) -> None:
    alan = open_plan(session, org.ada, org.alan, clock, check_dates=["2026-12-21"])
    li = open_plan(session, org.ada, org.li, clock, check_dates=["2026-12-07"])
    ada = open_plan(session, org.grace, org.ada, clock, check_dates=["2027-01-04"])

    assert [view.plan for view in improvement.open_plans(session, org.grace)] == [li, alan, ada]
    mine = improvement.open_plans(session, org.ada)
    assert [view.plan for view in mine] == [li, alan]
    assert [(view.person, view.manager, view.next_check.due_on) for view in mine] == [
        (org.li, org.ada, date(2026, 12, 7)), (org.alan, org.ada, date(2026, 12, 21))]
    assert improvement.open_plans(session, org.alan) == []

    record(session, org.ada, checks_of(session, li)[0], clock, decision="met")
    assert [view.plan for view in improvement.open_plans(session, org.ada)] == [alan]


def test_may_open_and_check_for_answer_like_the_verbs_they_gate(session, org, clock) -> None:
    assert improvement.may_open(session, org.ada, org.alan) and improvement.may_open(session, org.grace, org.ada)
    assert not improvement.may_open(session, org.alan, org.li) and not improvement.may_open(session, org.ada, org.ada)
    plan = open_plan(session, org.ada, org.alan, clock)
    first = checks_of(session, plan)[0]

    assert improvement.check_for(session, org.ada, first.id).plan == plan
    assert improvement.check_for(session, org.grace, first.id).next_check == first
    for who, check_id in ((org.alan, first.id), (org.li, first.id), (org.ada, 999_999), (org.ada, 2**40)):
        assert improvement.check_for(session, who, check_id) is None
    record(session, org.ada, first, clock)
    assert improvement.check_for(session, org.ada, first.id) is None  # recorded already
    second = checks_of(session, plan)[1]
    record(session, org.ada, second, clock, decision="met")
    assert improvement.check_for(session, org.ada, second.id) is None  # the plan ended


# --- the person's commitments ------------------------------------------------------------------


def test_the_person_writes_their_commitments_and_may_rewrite_them(session, org, clock) -> None:
    plan = open_plan(session, org.ada, org.li, clock)

    improvement.add_commitments(session, org.li, plan.id, "  每天上午先看评审  ", now=clock.now())
    improvement.add_commitments(session, org.li, plan.id, "每天上午和下午各看一次评审", now=clock.now())

    assert session.get(ImprovementPlan, plan.id).employee_commitments == "每天上午和下午各看一次评审"
    assert [(event.actor_id, event.detail) for event in events(session, "improvement.commitments")] == [
        (org.li.id, {"replaced": False}), (org.li.id, {"replaced": True})]


@pytest.mark.parametrize(("text", "code"), [("  ", "ip_field_missing"), (None, "ip_field_missing"),
                                            ("x" * (TEXT_MAX + 1), "text_too_long")])
def test_commitments_need_words_and_not_too_many(session, org, clock, text, code) -> None:
    plan = open_plan(session, org.ada, org.alan, clock)

    with pytest.raises(ImprovementValidationError) as refused:
        improvement.add_commitments(session, org.alan, plan.id, text, now=clock.now())

    assert refused.value.errors == {"commitments": code}
    assert session.get(ImprovementPlan, plan.id).employee_commitments is None
    assert events(session, "improvement.commitments") == []


def test_only_the_person_writes_commitments_and_only_while_the_plan_is_open(session, org, clock) -> None:
    plan = open_plan(session, org.ada, org.alan, clock)
    for other in (org.ada, org.grace, org.li):
        with pytest.raises(ImprovementError) as refused:
            improvement.add_commitments(session, other, plan.id, "I will", now=clock.now())
        assert refused.value.code == "not_found"

    record(session, org.ada, checks_of(session, plan)[0], clock, decision="met")
    with pytest.raises(ImprovementError) as refused:
        improvement.add_commitments(session, org.alan, plan.id, "I will", now=clock.now())
    assert refused.value.code == "ip_closed"
    assert session.get(ImprovementPlan, plan.id).employee_commitments is None
    assert events(session, "improvement.commitments") == []


# --- checks ------------------------------------------------------------------------------------


def test_continuing_records_the_outcome_and_the_next_check_comes_up(session, org, clock) -> None:
    plan = open_plan(session, org.ada, org.alan, clock)
    first, second = checks_of(session, plan)

    seen = record(session, org.ada, first, clock)  # two weeks early: recording before the date is fine

    assert (first.outcome, first.recorded_at) == ("Reviews now take two days", clock.now())
    assert (seen.plan.state, seen.next_check) == ("open", second)
    [recorded] = events(session, "improvement.check_recorded")
    assert (recorded.entity_id, recorded.actor_id, recorded.detail) == (
        plan.id, org.ada.id, {"check_id": first.id, "decision": "continue", "checks_added": 0})

    with pytest.raises(ImprovementValidationError) as refused:
        record(session, org.ada, second, clock)  # the last check: continuing needs a next one
    assert refused.value.errors == {"next_check": "ip_field_missing"}
    assert second.recorded_at is None

    seen = record(session, org.ada, second, clock, next_check="2027-01-11")
    assert [check.due_on for check in seen.checks] == [date(2026, 12, 7), date(2026, 12, 21), date(2027, 1, 11)]
    assert seen.next_check.due_on == date(2027, 1, 11)


def test_extending_adds_a_check_and_keeps_the_plan_open_then_met_ends_it(sessions, session, org, clock) -> None:
    plan = open_plan(session, org.ada, org.alan, clock)
    first, second = checks_of(session, plan)
    session.commit()

    with sessions() as later:
        seen = record(later, org.ada, first, clock, decision="extended", next_check="2027-01-11")
        assert (seen.plan.state, seen.plan.closed_at) == ("open", None)
        assert [check.due_on for check in seen.checks] == [date(2026, 12, 7), date(2026, 12, 21), date(2027, 1, 11)]
    with sessions() as later:
        seen = record(later, org.grace, later.get(ImprovementCheck, second.id), clock, decision="met",
                      outcome="Reviews in under a day for a month", today=date(2026, 12, 21))
        assert (seen.plan.state, seen.plan.closed_at, seen.next_check) == ("met", clock.now(), None)
        assert [check.due_on for check in seen.checks] == [date(2026, 12, 7), date(2026, 12, 21)]  # 2027 one gone

    session.expire_all()
    assert session.get(ImprovementPlan, plan.id).state == "met"
    assert [event.detail["decision"] for event in events(session, "improvement.check_recorded")] == [
        "extended", "met"]
    [closed] = events(session, "improvement.closed")
    assert (closed.actor_id, closed.detail) == (org.grace.id, {"state": "met", "checks_dropped": 1})


def test_not_met_ends_the_plan_dropping_future_checks_but_keeping_missed_ones(session, org, clock) -> None:
    plan = open_plan(session, org.ada, org.alan, clock, check_dates=["2026-12-07", "2026-12-21", "2027-01-04"])
    first, second, third = checks_of(session, plan)

    seen = record(session, org.ada, second, clock, decision="not_met", today=date(2026, 12, 22))

    assert seen.plan.state == "not_met" and seen.next_check is None
    assert [(check.id, check.recorded_at) for check in seen.checks] == [(first.id, None), (second.id, clock.now())]
    assert session.get(ImprovementCheck, third.id) is None


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ({"outcome": " ", "decision": ""}, {"outcome": "ip_field_missing", "decision": "ip_field_missing"}),
        ({"outcome": "o" * (TEXT_MAX + 1), "decision": "fired"},
         {"outcome": "text_too_long", "decision": "ip_outcome_invalid"}),
        ({"decision": "extended"}, {"next_check": "ip_field_missing"}),
        ({"decision": "extended", "next_check": "2026-11-23"}, {"next_check": "ip_check_date_past"}),
        ({"decision": "continue", "next_check": "next week"}, {"next_check": "invalid_date"}),
    ],
)
def test_a_refused_check_records_nothing(session, org, clock, fields, errors) -> None:
    plan = open_plan(session, org.ada, org.alan, clock)
    first = checks_of(session, plan)[0]

    with pytest.raises(ImprovementValidationError) as refused:
        record(session, org.ada, first, clock, **fields)

    assert refused.value.errors == errors
    assert (first.outcome, first.recorded_at, plan.state) == (None, None, "open")
    assert counts(session) == (1, 2, 1)


def test_a_next_check_on_a_day_already_planned_adds_none(session, org, clock) -> None:
    plan = open_plan(session, org.ada, org.alan, clock, check_dates=[f"2027-01-{day:02d}" for day in range(1, 7)])
    first = checks_of(session, plan)[0]

    seen = record(session, org.ada, first, clock, decision="extended", next_check="2027-01-06")

    assert [check.due_on.day for check in seen.checks] == [1, 2, 3, 4, 5, 6]
    [recorded] = events(session, "improvement.check_recorded")
    assert recorded.detail["checks_added"] == 0


def test_met_ignores_a_next_check_typed_anyway(session, org, clock) -> None:
    plan = open_plan(session, org.ada, org.alan, clock)

    seen = record(session, org.ada, checks_of(session, plan)[0], clock, decision="met", next_check="not a date")

    assert seen.plan.state == "met"


@pytest.mark.parametrize("actor", ["alan", "li", "kj"])
def test_only_the_chain_or_hr_records_a_check_and_others_find_nothing(session, org, clock, actor) -> None:
    plan = open_plan(session, org.ada, org.alan, clock)
    first = checks_of(session, plan)[0]

    for check_id in (first.id, 999_999, 2**40):
        with pytest.raises(ImprovementError) as refused:
            improvement.record_check(session, getattr(org, actor), check_id, outcome="ok", decision="met",
                                     next_check=None, today=TODAY, now=clock.now())
        assert refused.value.code == "not_found"
    assert (first.recorded_at, plan.state) == (None, "open")
    assert counts(session) == (1, 2, 1)


def test_a_check_is_recorded_once_and_a_closed_plan_takes_no_more(session, org, clock) -> None:
    plan = open_plan(session, org.ada, org.alan, clock)
    first, second = checks_of(session, plan)
    record(session, org.ada, first, clock)

    with pytest.raises(ImprovementError) as again:
        record(session, org.grace, first, clock, outcome="Changed my mind", decision="met")
    assert again.value.code == "ip_check_recorded"
    assert first.outcome == "Reviews now take two days"

    record(session, org.ada, second, clock, decision="met", today=date(2026, 12, 21))
    with pytest.raises(ImprovementError) as closed:
        record(session, org.ada, second, clock)
    assert closed.value.code == "ip_closed"
    assert len(events(session, "improvement.check_recorded")) == 2


def test_a_check_recorded_meanwhile_in_another_session_is_not_recorded_again(sessions, session, org, clock) -> None:
    plan = open_plan(session, org.ada, org.alan, clock)
    first = checks_of(session, plan)[0]
    session.commit()

    with sessions() as slow:
        stale = slow.get(ImprovementCheck, first.id)  # the form was opened before the other click landed
        with sessions() as fast:
            record(fast, org.grace, fast.get(ImprovementCheck, first.id), clock)
        with pytest.raises(ImprovementError) as refused:
            record(slow, org.ada, stale, clock, decision="met")
        assert refused.value.code == "ip_check_recorded"

    session.expire_all()
    assert [event.actor_id for event in events(session, "improvement.check_recorded")] == [org.grace.id]


# --- what is due -------------------------------------------------------------------------------


def test_checks_due_lists_unrecorded_checks_of_open_plans_of_people_still_here(session, org, clock) -> None:
    alan = open_plan(session, org.ada, org.alan, clock, check_dates=["2026-12-07", "2026-12-21"])
    li = open_plan(session, org.ada, org.li, clock, check_dates=["2026-12-01", "2026-12-07"])
    kj = open_plan(session, org.grace, org.kj, clock, check_dates=["2026-12-02"])
    ada = open_plan(session, org.grace, org.ada, clock, check_dates=["2026-12-03"])
    alan_first = checks_of(session, alan)[0]
    li_first, li_second = checks_of(session, li)
    kj_first = checks_of(session, kj)[0]
    ada_first = checks_of(session, ada)[0]

    due = improvement.checks_due(session, on=date(2026, 12, 7))
    assert [(check, plan, person, manager) for check, plan, person, manager in due] == [
        (li_first, li, org.li, org.ada), (kj_first, kj, org.kj, org.grace), (ada_first, ada, org.ada, org.grace),
        (alan_first, alan, org.alan, org.ada), (li_second, li, org.li, org.ada)]
    assert improvement.checks_due(session, on=date(2026, 11, 30)) == []

    record(session, org.ada, li_first, clock)  # recorded: no longer due
    record(session, org.grace, ada_first, clock, decision="met")  # the plan ended
    org.kj.active = False  # left
    session.flush()
    assert [row[0] for row in improvement.checks_due(session, on=date(2026, 12, 7))] == [alan_first, li_second]
    org.ada.active = False  # the manager who opened the plans left
    session.flush()
    assert improvement.checks_due(session, on=date(2026, 12, 7)) == []


def test_error_codes_are_listed_once() -> None:
    assert len(set(improvement.ERROR_CODES)) == len(improvement.ERROR_CODES)
    assert "not_found" in improvement.ERROR_CODES and "ip_check_not_due" not in improvement.ERROR_CODES
