"""SMART goals: validation and coaching, levels, approval, adjustments with reasons, privacy, roll-up."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from storage import goals
from storage.goals import GoalError, GoalInput, GoalNotFound, GoalValidationError
from storage.models import TEXT_MAX, TITLE_MAX, AuditEvent, Goal, GoalChange, GoalLevel, Person
from storage.org import import_org_csv
from storage.permissions import PermissionDenied
from tests.builders import org_csv
from tests.queries import counting_queries

TODAY = date(2026, 11, 23)  # the `clock` fixture's Monday
DUE = "2026-12-31"

# The CEO manages Ada and Bob; Ada manages Alan and Li Lei (Platform); Bob manages Carol (Data); Grace is HR.
ORG = [
    ["UCEO", "Cleo Chief", "cleo@example.com", "", "Leadership", "manager", "UTC", "en"],
    ["UHR1", "Grace Hopper", "grace@example.com", "UCEO", "People", "hr", "America/New_York", "en-US"],
    ["UMGR1", "Ada Lovelace", "ada@example.com", "UCEO", "Platform", "manager", "Europe/London", "en-GB"],
    ["UEMP1", "Alan Turing", "alan@example.com", "UMGR1", "Platform", "employee", "Europe/London", "en-GB"],
    ["UEMP2", "李雷", "li.lei@example.com", "UMGR1", "Platform", "employee", "Asia/Shanghai", "zh-CN"],
    ["UMGR2", "Bob Noyce", "bob@example.com", "UCEO", "Data", "manager", "America/Los_Angeles", "en"],
    ["UEMP3", "Carol Shaw", "carol@example.com", "UMGR2", "Data", "employee", "", ""],
]


@pytest.fixture
def people(session: Session, clock) -> dict[str, Person]:
    import_org_csv(session, org_csv(ORG), now=clock.now())
    return {person.slack_id: person for person in session.exec(select(Person))}


@pytest.fixture
def alan(people) -> Person:
    return people["UEMP1"]


def form(**fields: str | None) -> GoalInput:
    """Return a valid, measurable goal form with `fields` changed."""
    return GoalInput(**({"title": "Cut p95 latency", "start": "0", "target": "100", "due_date": DUE} | fields))


def new_goal(session: Session, author: Person, now: datetime, **fields: str | None) -> Goal:
    validation = goals.validate(session, author, form(**fields), today=TODAY)
    assert validation.errors == {}
    return goals.create(session, author, validation.draft, now=now)


def approved_goal(session: Session, people, now: datetime, author: str = "UEMP1", **fields: str | None) -> Goal:
    goal = new_goal(session, people[author], now, **fields)
    if goal.approval == "proposed":
        manager = session.get(Person, people[author].manager_id)
        goals.decide(session, manager, goal.id, approve=True, comment=None, now=now)
    return goal


def count(session: Session, model) -> int:
    return session.exec(select(func.count()).select_from(model)).one()


def snapshot(session: Session, goal: Goal) -> tuple:
    """Return the goal's values and the number of history and audit rows, to show nothing changed."""
    return goal.model_dump(), count(session, GoalChange), count(session, AuditEvent)


# --- numbers -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("30", 30.0),
        ("30.5", 30.5),
        ("-2", -2.0),
        ("+4", 4.0),
        ("  42  ", 42.0),
        (".5", 0.5),
        ("1,000", 1000.0),
        ("1 000", 1000.0),
        ("12,345.67", 12345.67),
        ("1,000,000", 1_000_000.0),
        ("30%", 30.0),
        ("30 %", 30.0),
        ("¥5000", 5000.0),
        ("$12", 12.0),
        ("-$12", -12.0),
        ("€ 7.5", 7.5),
        ("\u22123", -3.0),  # the minus sign word processors type
        ("1\u202f000", 1000.0),  # a narrow no-break space between thousands
        ("３０", 30.0),  # full-width, from a Chinese input method
        ("１，０００", 1000.0),
        ("３０％", 30.0),
        ("３０．５", 30.5),
        ("￥５０００", 5000.0),
        ("30。5", 30.5),  # the ideographic full stop a Chinese IME types for "."
    ],
)
def test_it_parses_numbers_as_people_type_them(text, value):
    assert goals.parse_number(text) == value


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "abc",
        "1.2.3",
        "nan",
        "inf",
        "-inf",
        "Infinity",
        "12k",
        "$12k",
        "1e5",
        "1,5",
        "1,00",
        "1,000,00",
        "1,000 000",
        "30 5",
        "%30",
        "--1",
        "30$%",
        "1" * 400,
    ],
)
def test_it_refuses_what_is_not_a_plain_number(text):
    with pytest.raises(ValueError):
        goals.parse_number(text)


@pytest.mark.parametrize(
    ("value", "text"),
    [(100.0, "100"), (2.5, "2.5"), (-3.0, "-3"), (date(2026, 12, 31), "2026-12-31"), ("km", "km"), (None, None)],
)
def test_history_values_are_written_plainly(value, text):
    assert goals.format_value(value) == text


# --- validation --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ({"title": ""}, {"title": "title_missing"}),
        ({"title": "   "}, {"title": "title_missing"}),
        ({"title": None}, {"title": "title_missing"}),
        ({"title": "目" * (TITLE_MAX + 1)}, {"title": "title_too_long"}),
        ({"start": "abc"}, {"start": "number_invalid"}),
        ({"target": "1.2.3"}, {"target": "number_invalid"}),
        ({"start": "5", "target": "5"}, {"target": "target_equals_start"}),
        ({"start": "1,000", "target": "１０００"}, {"target": "target_equals_start"}),
        ({"due_date": ""}, {"due_date": "due_date_missing"}),
        ({"due_date": None}, {"due_date": "due_date_missing"}),
        ({"due_date": "next friday"}, {"due_date": "due_date_invalid"}),
        ({"due_date": "2026-02-30"}, {"due_date": "due_date_invalid"}),
        ({"due_date": "20261231"}, {"due_date": "due_date_invalid"}),
        ({"due_date": "2026-11-22"}, {"due_date": "due_in_past"}),
        ({"weight": "0"}, {"weight": "weight_invalid"}),
        ({"weight": "-1"}, {"weight": "weight_invalid"}),
        ({"weight": "101"}, {"weight": "weight_invalid"}),
        ({"weight": "heavy"}, {"weight": "weight_invalid"}),
        ({"parent_id": "abc"}, {"parent_id": "parent_not_visible"}),
        ({"parent_id": "9999"}, {"parent_id": "parent_not_visible"}),
        ({"parent_id": "9" * 20}, {"parent_id": "parent_not_visible"}),  # forged: no database holds that id
        ({"metric": "m" * 101}, {"metric": "metric_too_long"}),
        ({"unit": "u" * 21}, {"unit": "unit_too_long"}),
        ({"description": "d" * (TEXT_MAX + 1)}, {"description": "text_too_long"}),
    ],
)
def test_it_reports_each_field_error_by_code(session, alan, fields, errors):
    validation = goals.validate(session, alan, form(**fields), today=TODAY)

    assert validation.errors == errors
    assert validation.draft is None and validation.warnings == []


def test_it_reports_every_bad_field_at_once(session, alan):
    raw = GoalInput(title="", start="x", target="y", due_date="2020-01-01", weight="0")

    assert goals.validate(session, alan, raw, today=TODAY).errors == {
        "title": "title_missing",
        "start": "number_invalid",
        "target": "number_invalid",
        "due_date": "due_in_past",
        "weight": "weight_invalid",
    }


def test_it_accepts_values_at_the_limits(session, alan):
    raw = form(
        title=f"  {'目' * (TITLE_MAX - 1)}🎯  ",
        metric="m" * 100,
        unit="u" * 20,
        description="d" * TEXT_MAX,
        due_date="２０２６－１１－２３",  # today, typed full-width
        weight="100",
    )

    validation = goals.validate(session, alan, raw, today=TODAY)

    assert validation.errors == {}
    assert validation.draft.title == f"{'目' * (TITLE_MAX - 1)}🎯"
    assert validation.draft.due_date == TODAY and validation.draft.weight == 100.0


def test_a_valid_form_becomes_a_typed_draft(session, alan):
    raw = form(metric="NPS", unit="pts", start="1,000", target="１，５００", weight="", description="  why  ")

    draft = goals.validate(session, alan, raw, today=TODAY).draft

    assert draft == goals.GoalDraft(
        title="Cut p95 latency",
        metric="NPS",
        unit="pts",
        start_value=1000.0,
        target_value=1500.0,
        due_date=date(2026, 12, 31),
        parent_id=None,
        weight=1.0,
        level=GoalLevel.INDIVIDUAL,
        description="why",
    )


def test_a_goal_without_a_target_is_a_milestone_with_a_warning(session, alan):
    validation = goals.validate(session, alan, form(start="5", target="", unit="km"), today=TODAY)

    assert validation.errors == {}
    assert (validation.draft.start_value, validation.draft.target_value, validation.draft.unit) == (0.0, 1.0, None)
    assert "no_number" in validation.warnings


@pytest.mark.parametrize(("author", "level"), [("UEMP1", "individual"), ("UMGR1", "team")])
def test_individual_and_team_goals_without_a_parent_are_not_aligned(session, people, author, level):
    validation = goals.validate(session, people[author], form(level=level), today=TODAY)

    assert validation.warnings == ["not_aligned"]


def test_a_company_goal_needs_no_parent(session, people):
    assert goals.validate(session, people["UHR1"], form(level="company"), today=TODAY).warnings == []


def test_an_aligned_measurable_goal_has_no_warnings(session, people, clock):
    company = approved_goal(session, people, clock.now(), "UHR1", level="company")

    validation = goals.validate(session, people["UEMP1"], form(parent_id=str(company.id)), today=TODAY)

    assert validation.warnings == [] and validation.draft.parent_id == company.id


# --- parents -----------------------------------------------------------------------------------


@pytest.fixture
def tree(session, people, clock) -> dict[str, Goal]:
    """A company goal, each team's goal under it, and one approved goal of Li Lei's."""
    now = clock.now()
    company = approved_goal(session, people, now, "UHR1", level="company", title="Grow revenue")
    parent = str(company.id)
    return {
        "company": company,
        "platform": approved_goal(session, people, now, "UMGR1", level="team", parent_id=parent, title="Platform"),
        "data": approved_goal(session, people, now, "UMGR2", level="team", parent_id=parent, title="Data"),
        "li_lei": approved_goal(session, people, now, "UEMP2", title="Li Lei's own"),
    }


def parent_error(session, author: Person, parent: Goal, level: str = "individual") -> str | None:
    raw = form(parent_id=str(parent.id), level=level)
    return goals.validate(session, author, raw, today=TODAY).errors.get("parent_id")


def test_an_individual_goal_may_align_with_its_team_or_the_company(session, people, tree):
    assert parent_error(session, people["UEMP1"], tree["platform"]) is None
    assert parent_error(session, people["UEMP1"], tree["company"]) is None


def test_a_parent_the_author_cannot_use_is_not_visible(session, people, tree, clock):
    archived = approved_goal(session, people, clock.now(), "UHR1", level="company")
    goals.archive(session, people["UHR1"], archived.id, reason=None, now=clock.now())
    proposed = new_goal(session, people["UEMP1"], clock.now())

    assert parent_error(session, people["UEMP1"], tree["data"]) == "parent_not_visible"  # another team's
    assert parent_error(session, people["UEMP1"], tree["li_lei"]) == "parent_not_visible"  # a peer's
    assert parent_error(session, people["UEMP1"], archived) == "parent_not_visible"
    assert parent_error(session, people["UEMP1"], proposed) == "parent_not_visible"
    # HR and the CEO can see the Platform goal, but it is not their team's to align with.
    assert parent_error(session, people["UHR1"], tree["platform"]) == "parent_not_visible"
    assert parent_error(session, people["UCEO"], tree["platform"]) == "parent_not_visible"


def test_a_parent_must_sit_at_a_higher_level(session, people, tree, clock):
    own = approved_goal(session, people, clock.now(), "UMGR1")

    assert parent_error(session, people["UMGR1"], own) == "parent_invalid_level"
    assert parent_error(session, people["UMGR1"], tree["platform"], level="team") == "parent_invalid_level"
    assert parent_error(session, people["UHR1"], tree["company"], level="company") == "parent_invalid_level"


def test_parent_choices_are_company_goals_then_the_authors_team_goals_by_title(session, people, tree, clock):
    second = approved_goal(session, people, clock.now(), "UHR1", level="company", title="Delight customers")
    archived = approved_goal(session, people, clock.now(), "UHR1", level="company", title="Old")
    goals.archive(session, people["UHR1"], archived.id, reason=None, now=clock.now())

    choices = goals.visible_parent_choices(session, people["UEMP1"])
    team_choices = goals.visible_parent_choices(session, people["UMGR1"], level=GoalLevel.TEAM)

    assert [goal.title for goal in choices] == ["Delight customers", "Grow revenue", "Platform"]
    assert team_choices == [second, tree["company"]]
    assert goals.visible_parent_choices(session, people["UHR1"], level=GoalLevel.COMPANY) == []


# --- levels and creation -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("author", "levels"),
    [
        ("UEMP1", ["individual"]),
        ("UMGR1", ["team", "individual"]),
        ("UHR1", ["company", "team", "individual"]),
    ],
)
def test_each_role_may_set_goals_at_its_levels(people, author, levels):
    assert goals.allowed_levels(people[author]) == levels


@pytest.mark.parametrize(
    ("author", "level"), [("UEMP1", "company"), ("UEMP1", "team"), ("UMGR1", "company"), ("UMGR1", "galaxy")]
)
def test_a_forged_level_is_refused(session, people, author, level):
    with pytest.raises(PermissionDenied):
        goals.validate(session, people[author], form(level=level), today=TODAY)


def test_create_refuses_a_forged_draft_and_writes_nothing(session, alan, clock):
    draft = goals.validate(session, alan, form(), today=TODAY).draft
    forged = replace(draft, level=GoalLevel.COMPANY)

    with pytest.raises(PermissionDenied):
        goals.create(session, alan, forged, now=clock.now())
    assert count(session, Goal) == 0


def test_an_employees_goal_is_proposed_to_their_manager(session, alan, clock):
    goal = new_goal(session, alan, clock.now(), start="10", target="50", weight="2")

    assert (goal.owner_id, goal.created_by_id, goal.team_id) == (alan.id, alan.id, alan.team_id)
    assert (goal.level, goal.approval, goal.status) == ("individual", "proposed", "on_track")
    assert (goal.current_value, goal.weight, goal.created_at) == (10.0, 2.0, clock.now())
    (change,) = session.exec(select(GoalChange)).all()
    assert (change.goal_id, change.field_name, change.actor_id, change.at) == (goal.id, "created", alan.id, clock.now())
    (created,) = session.exec(select(AuditEvent).where(AuditEvent.action == "goal.created")).all()
    assert (created.entity_id, created.actor_id, created.detail["approval"]) == (goal.id, alan.id, "proposed")


@pytest.mark.parametrize(("author", "level"), [("UMGR1", "team"), ("UHR1", "company"), ("UCEO", "individual")])
def test_team_and_company_goals_and_goals_of_people_without_a_manager_start_approved(
    session, people, clock, author, level
):
    goal = new_goal(session, people[author], clock.now(), level=level)

    assert goal.approval == "approved"
    assert goal.team_id == (None if level == "company" else people[author].team_id)


@pytest.mark.parametrize(
    "title",
    [
        '增长 "Q4" 收入 <b>&amp;</b> 🚀🎯',
        "Ship v2 & retire <legacy> API — it's 'done' when 👍🏽",
        "目" * TITLE_MAX,
    ],
)
def test_titles_round_trip_exactly(session, sessions, alan, clock, title):
    goal = new_goal(session, alan, clock.now(), title=f"  {title}\n")
    session.commit()

    with sessions() as fresh:
        assert fresh.get(Goal, goal.id).title == title


# --- approval ----------------------------------------------------------------------------------


@pytest.fixture
def proposed(session, alan, clock) -> Goal:
    return new_goal(session, alan, clock.now())


def test_the_manager_sees_and_approves_a_proposed_goal(session, people, proposed, clock):
    ada = people["UMGR1"]
    assert goals.pending_approvals(session, ada) == [proposed]

    goals.decide(session, ada, proposed.id, approve=True, comment=None, now=clock.now())

    assert proposed.approval == "approved"
    assert goals.pending_approvals(session, ada) == []
    change = goals.history(session, ada, proposed.id)[-1]
    assert (change.field_name, change.old_value, change.new_value, change.actor_id) == (
        "approval",
        "proposed",
        "approved",
        ada.id,
    )
    assert session.exec(select(AuditEvent).where(AuditEvent.action == "goal.approved")).one().entity_id == proposed.id


@pytest.mark.parametrize("decider", ["UMGR2", "UEMP2", "UEMP1", "UCEO"])
def test_only_the_direct_manager_or_hr_may_decide(session, people, proposed, clock, decider):
    before = snapshot(session, proposed)

    for approve, comment in ((True, None), (False, "no")):
        with pytest.raises(PermissionDenied):
            goals.decide(session, people[decider], proposed.id, approve=approve, comment=comment, now=clock.now())

    assert snapshot(session, proposed) == before


def test_hr_sees_no_pending_goals_of_others_but_may_decide(session, people, proposed, clock):
    grace = people["UHR1"]
    assert goals.pending_approvals(session, grace) == []

    goals.decide(session, grace, proposed.id, approve=True, comment="fine by HR", now=clock.now())

    assert (proposed.approval, proposed.approval_comment) == ("approved", "fine by HR")


def test_returning_a_goal_needs_a_comment(session, people, proposed, clock):
    ada = people["UMGR1"]
    before = snapshot(session, proposed)

    with pytest.raises(GoalError) as raised:
        goals.decide(session, ada, proposed.id, approve=False, comment="   ", now=clock.now())

    assert raised.value.code == "comment_missing"
    assert snapshot(session, proposed) == before


def test_a_returned_goal_goes_back_to_the_manager_once_the_owner_edits_it(session, people, alan, proposed, clock):
    ada = people["UMGR1"]
    goals.decide(session, ada, proposed.id, approve=False, comment="Make it measurable", now=clock.now())
    assert (proposed.approval, proposed.approval_comment) == ("returned", "Make it measurable")
    assert goals.pending_approvals(session, ada) == []

    goals.adjust(session, alan, proposed.id, GoalInput(target="250"), reason=None, now=clock.now())

    assert proposed.approval == "proposed"
    assert goals.pending_approvals(session, ada) == [proposed]
    assert [(c.field_name, c.old_value, c.new_value) for c in goals.history(session, alan, proposed.id)[1:]] == [
        ("approval", "proposed", "returned"),
        ("target_value", "100", "250"),
        ("approval", "returned", "proposed"),
    ]


def test_only_a_pending_goal_can_be_decided(session, people, proposed, clock):
    ada = people["UMGR1"]
    goals.decide(session, ada, proposed.id, approve=True, comment=None, now=clock.now())

    with pytest.raises(GoalError) as raised:
        goals.decide(session, ada, proposed.id, approve=False, comment="changed my mind", now=clock.now())

    assert raised.value.code == "not_pending"


def test_an_archived_goal_is_no_longer_pending(session, people, alan, proposed, clock):
    goals.archive(session, alan, proposed.id, reason="duplicate", now=clock.now())

    assert goals.pending_approvals(session, people["UMGR1"]) == []
    with pytest.raises(GoalError, match="not_pending"):
        goals.decide(session, people["UMGR1"], proposed.id, approve=True, comment=None, now=clock.now())


@pytest.mark.parametrize("goal_id", [9999, 2**31, 10**20, 0, -1])
def test_deciding_an_unknown_goal_is_not_found(session, people, clock, goal_id):
    with pytest.raises(GoalNotFound):
        goals.decide(session, people["UMGR1"], goal_id, approve=True, comment=None, now=clock.now())
    with pytest.raises(GoalNotFound):
        goals.get_visible(session, people["UHR1"], goal_id)


# --- adjustments -------------------------------------------------------------------------------


@pytest.fixture
def approved(session, people, clock) -> Goal:
    return approved_goal(session, people, clock.now())


def test_an_adjustment_is_recorded_with_who_when_old_new_and_why(session, people, alan, approved, clock):
    clock.advance(timedelta(days=3))

    goals.adjust(
        session,
        alan,
        approved.id,
        GoalInput(target="120", due_date="2027-01-15", weight="2.5", title="Cut p99 latency"),
        reason="Scope grew after the outage",
        now=clock.now(),
    )

    changes = goals.history(session, people["UMGR1"], approved.id)
    assert [(c.field_name, c.old_value, c.new_value) for c in changes[2:]] == [
        ("title", "Cut p95 latency", "Cut p99 latency"),
        ("target_value", "100", "120"),
        ("due_date", "2026-12-31", "2027-01-15"),
        ("weight", "1", "2.5"),
    ]
    assert {(c.actor_id, c.at, c.reason) for c in changes[2:]} == {
        (alan.id, clock.now(), "Scope grew after the outage")
    }
    assert (approved.target_value, approved.due_date, approved.updated_at) == (120.0, date(2027, 1, 15), clock.now())
    adjusted = session.exec(select(AuditEvent).where(AuditEvent.action == "goal.adjusted")).one()
    assert adjusted.detail == {"fields": ["due_date", "target_value", "title", "weight"]}


@pytest.mark.parametrize("changes", [GoalInput(target="150"), GoalInput(start="10"), GoalInput(due_date="2027-03-01")])
def test_moving_the_goalposts_of_an_approved_goal_needs_a_reason(session, alan, approved, clock, changes):
    before = snapshot(session, approved)

    with pytest.raises(GoalValidationError) as raised:
        goals.adjust(session, alan, approved.id, changes, reason="  ", now=clock.now())

    assert raised.value.errors == {"reason": "reason_missing"}
    assert snapshot(session, approved) == before


def test_rewording_an_approved_goal_needs_no_reason(session, alan, approved, clock):
    changes = GoalInput(title="Cut p95 latency in half", metric="p95 ms", unit="ms", description="see the SLO doc")

    goals.adjust(session, alan, approved.id, changes, reason=None, now=clock.now())

    assert (approved.title, approved.metric, approved.unit) == ("Cut p95 latency in half", "p95 ms", "ms")


def test_a_proposed_goal_may_change_without_a_reason(session, alan, proposed, clock):
    goals.adjust(session, alan, proposed.id, GoalInput(target="80"), reason=None, now=clock.now())

    assert proposed.target_value == 80.0 and proposed.approval == "proposed"


def test_an_adjustment_that_changes_nothing_writes_nothing(session, alan, approved, clock):
    before = snapshot(session, approved)

    goals.adjust(session, alan, approved.id, form(), reason=None, now=clock.now() + timedelta(days=1))

    assert snapshot(session, approved) == before


def test_an_invalid_adjustment_raises_its_field_errors_and_writes_nothing(session, alan, approved, clock):
    before = snapshot(session, approved)

    with pytest.raises(GoalValidationError) as raised:
        goals.adjust(
            session, alan, approved.id, GoalInput(title=" ", target="0", weight="500"), reason="x", now=clock.now()
        )

    assert raised.value.errors == {
        "title": "title_missing",
        "target": "target_equals_start",
        "weight": "weight_invalid",
    }
    assert raised.value.code == "invalid"
    assert snapshot(session, approved) == before


def test_a_past_due_date_may_be_kept_but_not_newly_set(session, alan, approved, clock):
    later = date(2027, 1, 5)

    goals.adjust(session, alan, approved.id, form(title="Renamed"), reason=None, now=clock.now(), today=later)
    with pytest.raises(GoalValidationError) as raised:
        goals.adjust(
            session, alan, approved.id, GoalInput(due_date="2027-01-01"), reason="late", now=clock.now(), today=later
        )

    assert approved.title == "Renamed"
    assert raised.value.errors == {"due_date": "due_in_past"}


@pytest.mark.parametrize("actor", ["UEMP1", "UMGR1", "UHR1"])
def test_the_owner_their_manager_and_hr_may_adjust(session, people, approved, clock, actor):
    goals.adjust(session, people[actor], approved.id, GoalInput(target="90"), reason="re-planned", now=clock.now())

    assert goals.history(session, people[actor], approved.id)[-1].actor_id == people[actor].id


@pytest.mark.parametrize("actor", ["UEMP2", "UMGR2", "UCEO"])
def test_others_may_not_adjust_or_archive(session, people, approved, clock, actor):
    before = snapshot(session, approved)

    with pytest.raises(PermissionDenied):
        goals.adjust(session, people[actor], approved.id, GoalInput(target="90"), reason="x", now=clock.now())
    with pytest.raises(PermissionDenied):
        goals.archive(session, people[actor], approved.id, reason=None, now=clock.now())

    assert snapshot(session, approved) == before


# --- progress ----------------------------------------------------------------------------------


def test_progress_updates_the_value_the_status_and_the_history(session, people, alan, approved, clock):
    clock.advance(timedelta(days=7))

    goals.update_progress(session, alan, approved.id, value="３０", note="first week", now=clock.now())

    assert (approved.current_value, approved.progress_updated_at, approved.status) == (30.0, clock.now(), "on_track")
    change = goals.history(session, people["UMGR1"], approved.id)[-1]
    assert (change.field_name, change.old_value, change.new_value, change.reason) == (
        "current_value",
        "0",
        "30",
        "first week",
    )


def test_progress_may_carry_an_explicit_status(session, alan, approved, clock):
    goals.update_progress(session, alan, approved.id, value=10, status="at_risk", now=clock.now())

    assert approved.status == "at_risk"


def test_bad_progress_is_refused_and_writes_nothing(session, alan, approved, clock):
    before = snapshot(session, approved)

    with pytest.raises(GoalValidationError) as raised:
        goals.update_progress(session, alan, approved.id, value="lots", status="great", now=clock.now())

    assert raised.value.errors == {"value": "number_invalid", "status": "status_invalid"}
    assert snapshot(session, approved) == before


def test_managers_up_the_chain_and_hr_may_report_progress_but_peers_may_not(session, people, approved, clock):
    for actor in ("UMGR1", "UCEO", "UHR1"):
        goals.update_progress(session, people[actor], approved.id, value=5, now=clock.now())
    for actor in ("UEMP2", "UMGR2"):
        with pytest.raises(PermissionDenied):
            goals.update_progress(session, people[actor], approved.id, value=50, now=clock.now())

    assert approved.current_value == 5.0


def test_an_archived_goal_takes_no_more_changes_but_keeps_its_history(session, people, alan, approved, clock):
    goals.archive(session, alan, approved.id, reason="Reorg", now=clock.now())

    for change in (
        lambda: goals.update_progress(session, alan, approved.id, value=50, now=clock.now()),
        lambda: goals.adjust(session, alan, approved.id, GoalInput(title="x"), reason=None, now=clock.now()),
    ):
        with pytest.raises(GoalError, match="archived"):
            change()

    assert goals.goals_of(session, alan, alan) == []
    assert goals.goals_of(session, alan, alan, include_archived=True) == [approved]
    archived = goals.history(session, people["UMGR1"], approved.id)[-1]
    assert (archived.field_name, archived.reason, archived.actor_id) == ("archived", "Reorg", alan.id)


@pytest.mark.parametrize(
    ("start", "target", "current", "progress"),
    [
        (0, 100, 30, 0.3),
        (50, 10, 30, 0.5),  # a "reduce" goal
        (50, 10, 5, 1.0),
        (50, 10, 60, 0.0),
        (0, 100, 150, 1.0),
        (0, 100, -20, 0.0),
        (0, 1, 1, 1.0),  # a milestone, done
    ],
)
def test_own_progress_runs_from_start_to_target_either_way(start, target, current, progress):
    goal = Goal(start_value=start, target_value=target, current_value=current)

    assert goals.own_progress(goal) == pytest.approx(progress)


def test_a_reduce_goal_halfway_is_at_fifty_percent(session, people, alan, clock):
    reduce = approved_goal(session, people, clock.now(), start="50", target="10", unit="bugs")

    goals.update_progress(session, alan, reduce.id, value="30", now=clock.now())

    assert goals.rolled_up_progress(session, reduce) == 0.5


CREATED = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("progress", "today", "status"),
    [
        (0.45, date(2026, 11, 16), "on_track"),  # half the time gone: expected 0.5
        (0.40, date(2026, 11, 16), "on_track"),
        (0.39, date(2026, 11, 16), "at_risk"),
        (0.20, date(2026, 11, 16), "at_risk"),
        (0.19, date(2026, 11, 16), "off_track"),
        (0.0, date(2026, 11, 1), "on_track"),  # nothing expected on day one
        (0.0, date(2026, 10, 30), "on_track"),
        (0.95, date(2026, 12, 1), "on_track"),  # due today: everything expected
        (0.75, date(2026, 12, 1), "at_risk"),
        (0.99, date(2026, 12, 2), "off_track"),  # past due and not done
        (1.0, date(2026, 12, 2), "done"),
        (1.0, date(2026, 11, 2), "done"),
    ],
)
def test_status_compares_progress_with_the_time_elapsed(progress, today, status):
    goal = Goal(created_at=CREATED, due_date=date(2026, 12, 1))

    assert goals.compute_status(goal, progress, today=today) == status


# --- cascade and roll-up -----------------------------------------------------------------------


@pytest.fixture
def cascade(session, people, tree, clock) -> dict[str, Goal]:
    """Alan's two goals under the Platform goal, at 50% (weight 1) and 100% (weight 3)."""
    now, alan, platform = clock.now(), people["UEMP1"], str(tree["platform"].id)
    half = approved_goal(session, people, now, parent_id=platform, weight="1")
    full = approved_goal(session, people, now, parent_id=platform, weight="3")
    goals.update_progress(session, alan, half.id, value="50", now=now)
    goals.update_progress(session, alan, full.id, value="100", now=now)
    return tree | {"half": half, "full": full}


def test_progress_rolls_up_from_individual_to_team_to_company(session, cascade):
    assert goals.rolled_up_progress(session, cascade["platform"]) == pytest.approx(0.875)
    assert goals.rolled_up_progress(session, cascade["data"]) == 0.0
    assert goals.rolled_up_progress(session, cascade["company"]) == pytest.approx(0.4375)
    assert goals.progress_map(session, list(cascade.values())) == pytest.approx(
        {
            cascade["company"].id: 0.4375,
            cascade["platform"].id: 0.875,
            cascade["data"].id: 0.0,
            cascade["li_lei"].id: 0.0,
            cascade["half"].id: 0.5,
            cascade["full"].id: 1.0,
        }
    )


def test_archived_and_unapproved_children_leave_the_roll_up(session, people, cascade, clock):
    alan = people["UEMP1"]
    new_goal(session, alan, clock.now(), parent_id=str(cascade["platform"].id))  # proposed, not counted

    goals.archive(session, alan, cascade["full"].id, reason="Dropped", now=clock.now())

    assert goals.rolled_up_progress(session, cascade["platform"]) == pytest.approx(0.5)
    assert goals.rolled_up_progress(session, cascade["company"]) == pytest.approx(0.25)


def test_progress_of_many_goals_takes_a_bounded_number_of_queries(session, engine, people, tree, clock):
    now = clock.now()
    parents = {"UEMP1": tree["platform"], "UEMP2": tree["platform"], "UEMP3": tree["data"]}
    for number in range(116):
        owner = list(parents)[number % 3]
        goal = approved_goal(session, people, now, owner, parent_id=str(parents[owner].id), title=f"Goal {number}")
        goals.update_progress(session, people[owner], goal.id, value=str(number % 101), now=now)
    session.flush()
    session.expire_all()
    every_goal = list(session.exec(select(Goal)))
    assert len(every_goal) == 120

    with counting_queries(engine) as statements:
        progress = goals.progress_map(session, every_goal)
        company_only = goals.progress_map(session, [tree["company"]])

    assert len(progress) == 120
    assert company_only[tree["company"].id] == pytest.approx(progress[tree["company"].id])
    assert len(statements) <= 6, statements


# --- privacy -----------------------------------------------------------------------------------


@pytest.mark.parametrize("viewer", ["UEMP2", "UMGR2", "UEMP3"])
def test_colleagues_cannot_see_someone_elses_goals(session, people, approved, viewer):
    with pytest.raises(PermissionDenied):
        goals.goals_of(session, people[viewer], people["UEMP1"])
    with pytest.raises(GoalNotFound):
        goals.get_visible(session, people[viewer], approved.id)
    with pytest.raises(GoalNotFound):
        goals.history(session, people[viewer], approved.id)


def test_a_hidden_goal_looks_exactly_like_a_missing_one(session, people, approved):
    with pytest.raises(GoalNotFound) as hidden:
        goals.get_visible(session, people["UEMP2"], approved.id)
    with pytest.raises(GoalNotFound) as missing:
        goals.get_visible(session, people["UEMP2"], approved.id + 1000)

    assert hidden.value.code == missing.value.code == "not_found"


@pytest.mark.parametrize("viewer", ["UEMP1", "UMGR1", "UCEO", "UHR1"])
def test_the_owner_their_managers_and_hr_can_see_an_individual_goal(session, people, approved, viewer):
    assert goals.goals_of(session, people[viewer], people["UEMP1"]) == [approved]
    assert goals.get_visible(session, people[viewer], approved.id) == approved
    assert [change.field_name for change in goals.history(session, people[viewer], approved.id)] == [
        "created",
        "approval",
    ]


@pytest.mark.parametrize(
    ("viewer", "sees"),
    [("UEMP2", True), ("UMGR1", True), ("UCEO", True), ("UHR1", True), ("UEMP3", False), ("UMGR2", False)],
)
def test_a_team_goal_is_seen_by_the_team_their_managers_and_hr(session, people, tree, viewer, sees):
    assert goals.can_see(session, people[viewer], tree["platform"]) is sees


@pytest.mark.parametrize("viewer", ["UEMP1", "UEMP3", "UMGR2"])
def test_everyone_sees_company_goals(session, people, tree, viewer):
    assert goals.get_visible(session, people[viewer], tree["company"].id) == tree["company"]


# --- lists -------------------------------------------------------------------------------------


def test_a_persons_goals_list_unfinished_first_then_by_due_date(session, people, clock):
    now, alan = clock.now(), people["UEMP1"]
    late = approved_goal(session, people, now, due_date="2027-03-01")
    done = approved_goal(session, people, now, due_date="2026-12-01")
    soon = approved_goal(session, people, now, due_date="2026-12-15")
    goals.update_progress(session, alan, done.id, value="100", now=now)

    assert goals.goals_of(session, alan, alan) == [soon, late, done]


def test_a_manager_sees_the_team_goals_then_the_reports_goals(session, people, tree, clock):
    alans = approved_goal(session, people, clock.now(), due_date="2026-12-01")
    carol = approved_goal(session, people, clock.now(), "UEMP3")

    assert goals.team_goals(session, people["UMGR1"]) == [tree["platform"], alans, tree["li_lei"]]
    assert goals.team_goals(session, people["UMGR2"]) == [tree["data"], carol]
    assert goals.team_goals(session, people["UEMP1"]) == []


def test_pending_approvals_are_the_oldest_first(session, people, clock):
    first = new_goal(session, people["UEMP2"], clock.now())
    second = new_goal(session, people["UEMP1"], clock.now() + timedelta(hours=1))
    new_goal(session, people["UEMP3"], clock.now())

    assert goals.pending_approvals(session, people["UMGR1"]) == [first, second]
