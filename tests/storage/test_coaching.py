"""Weekly coaching: the manager's agenda, feedback and its rules, reflections, 1:1s, privacy, query bounds."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from storage import checkins, coaching, goals
from storage.checkins import CheckinInput, GoalUpdateInput
from storage.coaching import ActionInput, CoachingError, CoachingValidationError, FeedbackInput
from storage.models import (
    TEXT_MAX,
    ActionItem,
    AuditEvent,
    CheckIn,
    Goal,
    GoalChange,
    GoalProgress,
    OneOnOne,
    Person,
    Review,
    Team,
)
from storage.permissions import PermissionDenied
from tests.builders import SMALL_ORG, approved_goal, load_org
from tests.queries import counting_queries

ZONE = "UTC"  # the organisation's default zone
FRIDAY = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)  # still week 47 from Shanghai to New York
LAST_WEEK = "2026-W47"  # the week Ada (London) reviews on the `clock` fixture's Monday
TWO_WEEKS_AGO = "2026-W46"
BLOCKER = "Waiting on API keys from the platform team"
HELP = "An intro to the vendor's engineers"


@dataclass(frozen=True)
class Org:
    grace: Person  # HR
    ada: Person  # manager of the three below
    alan: Person
    li: Person
    kj: Person
    alan_goal: Goal
    li_goal: Goal
    kj_goal: Goal


@pytest.fixture
def org(sessions, session: Session) -> Org:
    """Ada's team last week: Alan blocked and unsure with a goal at risk, Katherine on track, 李雷 silent."""
    load_org(sessions, now=FRIDAY)
    goal_ids = {
        slack_id: approved_goal(sessions, slack_id, now=FRIDAY, title=title).id
        for slack_id, title in (("UEMP1", "Ship the billing API"), ("UEMP2", "Hire two SREs"), ("UEMP3", "Pilots"))
    }
    people = {person.slack_id: person for person in session.exec(select(Person))}
    org = Org(
        grace=people["UHR1"],
        ada=people["UMGR1"],
        alan=people["UEMP1"],
        li=people["UEMP2"],
        kj=people["UEMP3"],
        alan_goal=session.get(Goal, goal_ids["UEMP1"]),
        li_goal=session.get(Goal, goal_ids["UEMP2"]),
        kj_goal=session.get(Goal, goal_ids["UEMP3"]),
    )
    file_checkin(session, org.alan, confidence="2", blockers=BLOCKER, help_needed=HELP,
                 goals=(GoalUpdateInput(str(org.alan_goal.id), "1", status="at_risk"),))
    file_checkin(session, org.kj, confidence="4", highlights="Two pilots signed",
                 goals=(GoalUpdateInput(str(org.kj_goal.id), "5"),))
    return org


def file_checkin(session: Session, person: Person, *, now: datetime = FRIDAY, **fields) -> CheckIn:
    return checkins.record(session, person, CheckinInput(week=None, **fields), now=now, default_zone=ZONE).checkin


def feedback(**fields) -> FeedbackInput:
    return FeedbackInput(**({"went_well": "Clear write-up of the blocker", "assessment": "needs_attention"} | fields))


def give(session: Session, author: Person, subject: Person, now: datetime, **fields) -> Review:
    return coaching.record_feedback(
        session, author, subject.id, feedback(**fields), week=LAST_WEEK, now=now, default_zone=ZONE
    )


def refusal(session: Session, author: Person, subject: Person, now: datetime, **fields) -> dict[str, str]:
    with pytest.raises(CoachingValidationError) as refused:
        give(session, author, subject, now, **fields)
    return refused.value.errors


def agenda(session: Session, org: Org, now: datetime, week: str = LAST_WEEK) -> dict[str, coaching.ReportAgenda]:
    """Return Ada's agenda by report Slack id, after checking it lists her reports by name."""
    result = coaching.agenda(session, org.ada, week=week, now=now)
    assert (result.manager, result.week) == (org.ada, week)
    assert [report.person for report in result.reports] == [org.alan, org.kj, org.li]
    return {report.person.slack_id: report for report in result.reports}


def points(report: coaching.ReportAgenda) -> list[tuple[str, str]]:
    return [(point.kind, point.detail) for point in report.talking_points]


def count(session: Session, model) -> int:
    return session.exec(select(func.count()).select_from(model)).one()


def counts(session: Session) -> tuple[int, ...]:
    return tuple(count(session, model) for model in (Review, ActionItem, GoalChange, AuditEvent, OneOnOne))


# --- the agenda --------------------------------------------------------------------------------


def test_the_agenda_shows_each_reports_week_and_what_to_talk_about(session, org, clock) -> None:
    reports = agenda(session, org, clock.now())
    alan, kj, li = reports["UEMP1"], reports["UEMP3"], reports["UEMP2"]

    assert (alan.checkin.blockers, alan.checkin.confidence) == (BLOCKER, 2)
    assert kj.checkin.highlights == "Two pilots signed" and li.checkin is None
    assert (alan.risky_goals, kj.risky_goals, li.risky_goals) == ([org.alan_goal], [], [])
    assert points(alan) == [
        ("blocker", BLOCKER),
        ("help", HELP),
        ("low_confidence", "2"),
        ("goal_at_risk", "Ship the billing API"),
        ("no_one_on_one", ""),
    ]
    assert points(kj) == [("no_one_on_one", "")]
    assert points(li) == [("missing_checkin", ""), ("no_one_on_one", "")]
    for report in (alan, kj, li):
        assert report.days_since_one_on_one is None and report.one_on_one_overdue
        assert report.open_actions == []


def test_goal_lines_show_progress_as_reported_for_the_week(session, org, clock) -> None:
    goals.update_progress(session, org.alan, org.alan_goal.id, value="6", now=clock.now())  # this week's news

    reports = agenda(session, org, clock.now())

    [line] = reports["UEMP1"].goals
    assert (line.goal, line.progress, line.reported.value, line.reported.status) == (org.alan_goal, 0.1, 1, "at_risk")
    [unreported] = reports["UEMP2"].goals
    assert (unreported.goal, unreported.progress, unreported.reported) == (org.li_goal, 0.0, None)


def test_a_one_on_one_logged_three_days_ago_is_counted_and_not_overdue(session, org, clock) -> None:
    coaching.log_one_on_one(session, org.ada, org.alan.id, now=clock.now() - timedelta(days=3))
    coaching.log_one_on_one(session, org.ada, org.kj.id, now=clock.now() - timedelta(days=14))
    coaching.log_one_on_one(session, org.grace, org.li.id, now=clock.now() - timedelta(days=1))  # HR's, not Ada's

    reports = agenda(session, org, clock.now())

    alan, kj, li = reports["UEMP1"], reports["UEMP3"], reports["UEMP2"]
    assert (alan.days_since_one_on_one, alan.one_on_one_overdue) == (3, False)
    assert "no_one_on_one" not in [kind for kind, _ in points(alan)]
    assert (kj.days_since_one_on_one, kj.one_on_one_overdue, points(kj)) == (14, True, [("no_one_on_one", "14")])
    assert (li.days_since_one_on_one, li.one_on_one_overdue) == (None, True)


def test_open_action_items_come_after_the_checkin_and_at_most_five_points_are_kept(session, org, clock) -> None:
    later = clock.now() + timedelta(hours=1)
    give(session, org.ada, org.li, clock.now(), actions=(
        ActionInput("Agree a hiring plan", due_date="2026-12-04"),
        ActionInput("Share the job ad", owner="manager", due_date="2026-11-27"),
    ))
    give(session, org.ada, org.alan, clock.now(), actions=(ActionInput("Escalate the keys"), ActionInput("Demo it")))

    reports = agenda(session, org, later)

    li, alan = reports["UEMP2"], reports["UEMP1"]
    assert [action.text for action in li.open_actions] == ["Share the job ad", "Agree a hiring plan"]  # soonest first
    assert points(li) == [
        ("missing_checkin", ""),
        ("action_due", "Share the job ad"),
        ("action_due", "Agree a hiring plan"),
        ("no_one_on_one", ""),
    ]
    assert [action.text for action in alan.open_actions] == ["Escalate the keys", "Demo it"]
    assert [kind for kind, _ in points(alan)] == ["blocker", "help", "low_confidence", "goal_at_risk", "action_due"]

    coaching.complete_action(session, org.li, li.open_actions[0].id, now=later)
    assert [action.text for action in agenda(session, org, later)["UEMP2"].open_actions] == ["Agree a hiring plan"]


def test_a_fortnightly_teams_week_off_is_not_a_missing_checkin(session, org, clock) -> None:
    session.get(Team, org.li.team_id).checkin_every_weeks = 2  # Platform: W47 is on, W46 is off

    assert ("missing_checkin", "") in points(agenda(session, org, clock.now())["UEMP2"])
    assert ("missing_checkin", "") not in points(agenda(session, org, clock.now(), week=TWO_WEEKS_AGO)["UEMP2"])


def test_people_who_left_are_not_on_the_agenda(session, org, clock) -> None:
    org.kj.active = False

    result = coaching.agenda(session, org.ada, week=LAST_WEEK, now=clock.now())

    assert [report.person for report in result.reports] == [org.alan, org.li]


def test_the_review_modal_gets_one_reports_entry_with_their_managers_one_on_ones(session, org, clock) -> None:
    coaching.log_one_on_one(session, org.ada, org.alan.id, now=clock.now() - timedelta(days=2))

    entry = coaching.report_agenda(session, org.alan, week=LAST_WEEK, now=clock.now())

    assert (entry.person, entry.checkin.blockers, entry.days_since_one_on_one) == (org.alan, BLOCKER, 2)
    assert entry.talking_points == agenda(session, org, clock.now())["UEMP1"].talking_points


def test_the_reviewed_week_is_the_last_one_to_end_in_the_managers_zone(org) -> None:
    sunday_evening_utc = datetime(2026, 11, 22, 20, 0, tzinfo=UTC)  # Monday 04:00 in Shanghai
    assert coaching.reviewed_week(org.ada, now=sunday_evening_utc, default_zone=ZONE) == TWO_WEEKS_AGO
    assert coaching.reviewed_week(org.li, now=sunday_evening_utc, default_zone=ZONE) == LAST_WEEK
    with pytest.raises(ValueError):
        coaching.reviewed_week(org.ada, now=datetime(2026, 11, 23, 9, 0), default_zone=ZONE)


def test_managers_due_lists_each_reachable_manager_once_with_the_week_they_review(sessions, session, engine) -> None:
    load_org(sessions, now=FRIDAY, rows=[
        *SMALL_ORG,
        ["UMGR2", "Kupe", "kupe@example.com", "", "Harbour", "manager", "Pacific/Auckland", "en"],
        ["UEMP4", "Aroha", "aroha@example.com", "UMGR2", "Harbour", "employee", "Pacific/Auckland", "en"],
        ["UMGR3", "Left Alone", "alone@example.com", "", "Harbour", "manager", "Europe/London", "en"],
        ["UEMP5", "Gone", "gone@example.com", "UMGR3", "Harbour", "employee", "Europe/London", "en"],
        ["UMGR4", "Offline", "offline@example.com", "", "Harbour", "manager", "Europe/London", "en"],
        ["UEMP6", "Reports To Offline", "rto@example.com", "UMGR4", "Harbour", "employee", "Europe/London", "en"],
    ])
    people = {person.slack_id: person for person in session.exec(select(Person))}
    people["UEMP5"].active = False
    kupe, offline = people["UMGR2"], people["UMGR4"]
    kupe.slack_id, kupe.teams_id = None, "29:kupe"  # reachable on Teams only
    offline.slack_id = None
    session.flush()
    sunday_evening_utc = datetime(2026, 11, 22, 20, 0, tzinfo=UTC)  # already Monday 09:00 in Auckland

    with counting_queries(engine) as statements:
        due = coaching.managers_due(session, now=sunday_evening_utc, default_zone=ZONE)

    assert [(manager.name, week) for manager, week in due] == [("Ada Lovelace", TWO_WEEKS_AGO), ("Kupe", LAST_WEEK)]
    assert len(statements) == 1


# --- feedback ----------------------------------------------------------------------------------


def test_feedback_is_stored_with_its_action_items_private_notes_and_the_checkin_it_answers(session, org, clock) -> None:
    review = give(
        session, org.ada, org.alan, clock.now(),
        went_well="  Clear write-up of the blocker  ",
        to_improve="Escalate after a day, not a week",
        assessment="needs_attention",
        private_notes="Seems stretched; keep an eye on the workload",
        actions=(
            ActionInput("Ask the platform team for the keys", owner="manager", due_date="2026-11-23"),
            ActionInput("   ", owner="manager", due_date="2026-11-30"),  # an empty row of the form
            ActionInput("Draft the vendor email"),
        ),
    )

    stored = session.get(Review, review.id)
    assert (stored.kind, stored.author_id, stored.subject_id, stored.period, stored.state, stored.visibility) == (
        "weekly_feedback", org.ada.id, org.alan.id, LAST_WEEK, "submitted", "subject"
    )
    assert stored.checkin_id == checkins.existing(session, org.alan, LAST_WEEK).id
    assert (stored.text, stored.assessment) == ("Clear write-up of the blocker", "needs_attention")
    assert stored.answers == {
        "went_well": "Clear write-up of the blocker", "to_improve": "Escalate after a day, not a week",
        "acknowledged": True,
    }
    assert stored.private_notes == "Seems stretched; keep an eye on the workload"
    assert stored.created_at == stored.submitted_at == clock.now()
    actions = session.exec(select(ActionItem).order_by(ActionItem.id)).all()
    assert [(a.review_id, a.subject_id, a.owner_id, a.text, a.due_date, a.done_at) for a in actions] == [
        (review.id, org.alan.id, org.ada.id, "Ask the platform team for the keys", date(2026, 11, 23), None),
        (review.id, org.alan.id, org.alan.id, "Draft the vendor email", None, None),
    ]
    [logged] = session.exec(select(AuditEvent).where(AuditEvent.action == "review.feedback")).all()
    assert (logged.actor_id, logged.entity_id) == (org.ada.id, review.id)
    assert "Seems stretched" not in str(logged.detail)


def test_a_second_feedback_for_the_same_week_is_a_follow_up(session, org, clock) -> None:
    first = give(session, org.ada, org.li, clock.now())
    second = give(session, org.ada, org.li, clock.now() + timedelta(hours=2), to_improve="Check in next week")

    assert first.id != second.id and count(session, Review) == 2
    assert first.checkin_id is None  # 李雷 did not check in


def test_invalid_feedback_is_refused_with_every_error_and_nothing_is_written(session, org, clock) -> None:
    before = counts(session)

    errors = refusal(
        session, org.ada, org.alan, clock.now(),
        went_well="x" * (TEXT_MAX + 1),
        assessment="great",
        private_notes="y" * (TEXT_MAX + 1),
        actions=(
            ActionInput("Past", due_date="2026-11-22"),  # yesterday in London
            ActionInput("Typo", owner="hr", due_date="22/11/2026"),
            ActionInput("z" * (TEXT_MAX + 1)),
            ActionInput("One too many"),
        ),
    )

    assert errors == {
        "went_well": "text_too_long",
        "assessment": "assessment_invalid",
        "private_notes": "text_too_long",
        "action:1:due_date": "due_in_past",
        "action:2:owner": "action_invalid",
        "action:2:due_date": "due_date_invalid",
        "action:3:text": "text_too_long",
        "action:4:text": "action_invalid",
    }
    assert counts(session) == before


@pytest.mark.parametrize(
    "fields, errors",
    [
        ({"went_well": "  ", "to_improve": None}, {"went_well": "feedback_missing"}),
        ({"assessment": None}, {"assessment": "assessment_invalid"}),
        ({"assessment": "on track"}, {"assessment": "assessment_invalid"}),
    ],
)
def test_feedback_needs_some_words_and_one_of_the_three_assessments(session, org, clock, fields, errors) -> None:
    assert refusal(session, org.ada, org.alan, clock.now(), **fields) == errors
    assert count(session, Review) == 0


def test_at_most_three_actions_are_taken_and_rows_without_text_do_not_count(session, org, clock) -> None:
    rows = (ActionInput("One"), ActionInput(""), ActionInput("Two"), ActionInput("Three"), ActionInput("Four"))

    assert refusal(session, org.ada, org.alan, clock.now(), actions=rows) == {"action:5:text": "action_invalid"}

    give(session, org.ada, org.alan, clock.now(), actions=rows[:4])
    assert [action.text for action in session.exec(select(ActionItem).order_by(ActionItem.id))] == [
        "One", "Two", "Three"
    ]


@pytest.mark.parametrize(
    "author, subject",
    [("UEMP1", "UEMP3"), ("UEMP1", "UEMP1"), ("UEMP3", "UMGR1"), ("UMGR1", "UMGR1")],
    ids=["a peer", "the employee themselves", "a report of their manager", "a manager of themselves"],
)
def test_only_the_direct_manager_or_hr_may_give_feedback(session, org, clock, author, subject) -> None:
    people = {person.slack_id: person for person in session.exec(select(Person))}
    before = counts(session)

    with pytest.raises(PermissionDenied):
        give(session, people[author], people[subject], clock.now())

    assert counts(session) == before


@pytest.mark.parametrize("subject_id", [999_999, 2**40, 0, -1])
def test_feedback_on_nobody_is_refused_like_feedback_on_someone_else(session, org, clock, subject_id) -> None:
    with pytest.raises(PermissionDenied):
        coaching.record_feedback(session, org.ada, subject_id, feedback(), week=LAST_WEEK, now=clock.now(),
                                 default_zone=ZONE)
    assert count(session, Review) == 0


def test_no_feedback_goes_to_someone_who_left(session, org, clock) -> None:
    org.alan.active = False
    with pytest.raises(PermissionDenied):
        give(session, org.ada, org.alan, clock.now())


def test_hr_may_give_feedback_to_anyone(session, org, clock) -> None:
    review = give(session, org.grace, org.alan, clock.now(), actions=(ActionInput("Talk to me", owner="manager"),))

    assert (review.author_id, review.subject_id) == (org.grace.id, org.alan.id)
    assert session.exec(select(ActionItem.owner_id)).one() == org.grace.id


def test_a_goal_adjusted_through_feedback_keeps_its_history_with_the_reason(session, org, clock) -> None:
    reason = "The vendor delay halves the pilot pool"
    give(session, org.ada, org.alan, clock.now(), goal_id=str(org.alan_goal.id), new_target="6",
         new_due_date="2027-03-31", adjust_reason=reason)

    goal = session.get(Goal, org.alan_goal.id)
    assert (goal.target_value, goal.due_date) == (6, date(2027, 3, 31))
    changes = [c for c in goals.history(session, org.ada, goal.id) if c.field_name in ("target_value", "due_date")]
    assert sorted((c.field_name, c.old_value, c.new_value, c.reason, c.actor_id) for c in changes) == [
        ("due_date", "2027-06-30", "2027-03-31", reason, org.ada.id),
        ("target_value", "10", "6", reason, org.ada.id),
    ]
    assert count(session, Review) == 1


def test_a_goal_chosen_with_nothing_new_typed_is_left_alone(session, org, clock) -> None:
    before = count(session, GoalChange)
    give(session, org.ada, org.alan, clock.now(), goal_id=str(org.alan_goal.id), adjust_reason="No change")
    assert count(session, GoalChange) == before


def test_a_refused_goal_adjustment_writes_no_review(session, org, clock) -> None:
    before = counts(session)

    errors = refusal(session, org.ada, org.alan, clock.now(), goal_id=str(org.alan_goal.id), new_target="6")

    assert errors == {"adjust_reason": "reason_missing"}
    assert counts(session) == before
    assert session.get(Goal, org.alan_goal.id).target_value == 10


def test_adjustment_errors_come_back_with_the_feedbacks_own(session, org, clock) -> None:
    errors = refusal(session, org.ada, org.alan, clock.now(), assessment="great", goal_id=str(org.alan_goal.id),
                     new_target="six", new_due_date="2026-01-01", adjust_reason="r" * (TEXT_MAX + 1))

    assert errors == {
        "assessment": "assessment_invalid",
        "new_target": "number_invalid",
        "new_due_date": "due_in_past",
        "adjust_reason": "text_too_long",
    }


def test_a_valid_adjustment_is_not_applied_while_the_rest_of_the_feedback_is_refused(session, org, clock) -> None:
    before = counts(session)

    errors = refusal(session, org.ada, org.alan, clock.now(), assessment="great", goal_id=str(org.alan_goal.id),
                     new_target="6", adjust_reason="Smaller pool")

    assert errors == {"assessment": "assessment_invalid"}
    assert counts(session) == before
    session.expire_all()
    assert session.get(Goal, org.alan_goal.id).target_value == 10


@pytest.mark.parametrize("goal", ["someone else's", "archived", "abc", "99999999999"])
def test_a_goal_adjustment_needs_one_of_the_subjects_own_live_goals(session, org, clock, goal) -> None:
    goals.archive(session, org.ada, org.alan_goal.id, reason="Vendor dropped", now=clock.now())
    goal_id = {"someone else's": str(org.kj_goal.id), "archived": str(org.alan_goal.id)}.get(goal, goal)

    errors = refusal(session, org.ada, org.alan, clock.now(), goal_id=goal_id, new_target="6", adjust_reason="x")

    assert errors == {"goal_id": "goal_not_theirs"}


def test_a_new_target_without_a_goal_is_refused(session, org, clock) -> None:
    assert refusal(session, org.ada, org.alan, clock.now(), new_due_date="2027-01-31") == {"goal_id": "goal_missing"}


# --- reflections -------------------------------------------------------------------------------


def test_the_subject_can_reflect_on_their_feedback(session, org, clock) -> None:
    given = give(session, org.ada, org.alan, clock.now(), private_notes="Watch the workload")
    later = clock.now() + timedelta(days=1)

    reflection = coaching.record_reflection(session, org.alan, given.id, now=later,
                                            will_do_differently=" Raise blockers on day one ", support_needed="")

    stored = session.get(Review, reflection.id)
    assert (stored.kind, stored.author_id, stored.subject_id, stored.in_reply_to_id, stored.period) == (
        "reflection", org.alan.id, org.alan.id, given.id, LAST_WEEK
    )
    assert stored.answers == {"will_do_differently": "Raise blockers on day one", "support_needed": None}
    assert (stored.visibility, stored.private_notes, stored.submitted_at) == ("subject", None, later)
    assert coaching.feedback_author_id(session, given.id) == org.ada.id
    assert session.exec(select(AuditEvent.entity_id).where(AuditEvent.action == "review.reflection")).one() == (
        reflection.id
    )


@pytest.mark.parametrize("who", ["UEMP3", "UMGR1", "UHR1"], ids=["a peer", "the author", "HR"])
def test_nobody_but_the_subject_can_reflect_and_the_feedback_is_simply_not_found(session, org, clock, who) -> None:
    given = give(session, org.ada, org.alan, clock.now())
    someone = session.exec(select(Person).where(Person.slack_id == who)).one()

    with pytest.raises(CoachingError) as refused:
        coaching.record_reflection(session, someone, given.id, will_do_differently="Me?", support_needed=None,
                                   now=clock.now())

    assert refused.value.code == "not_found"
    assert count(session, Review) == 1


def test_only_weekly_feedback_can_be_reflected_on(session, org, clock) -> None:
    given = give(session, org.ada, org.alan, clock.now())
    reflection = coaching.record_reflection(session, org.alan, given.id, will_do_differently="More",
                                            support_needed=None, now=clock.now())
    for feedback_id in (reflection.id, 999_999, -1):
        with pytest.raises(CoachingError) as refused:
            coaching.record_reflection(session, org.alan, feedback_id, will_do_differently="Again",
                                       support_needed=None, now=clock.now())
        assert refused.value.code == "not_found"


def test_an_empty_or_overlong_reflection_is_refused(session, org, clock) -> None:
    given = give(session, org.ada, org.alan, clock.now())

    with pytest.raises(CoachingValidationError) as empty:
        coaching.record_reflection(session, org.alan, given.id, will_do_differently=" ", support_needed=None,
                                   now=clock.now())
    with pytest.raises(CoachingValidationError) as long:
        coaching.record_reflection(session, org.alan, given.id, will_do_differently=None,
                                   support_needed="s" * (TEXT_MAX + 1), now=clock.now())

    assert empty.value.errors == {"will_do_differently": "reflection_missing"}
    assert long.value.errors == {"support_needed": "text_too_long"}
    assert count(session, Review) == 1


# --- reading feedback --------------------------------------------------------------------------


def test_the_subject_never_sees_the_private_notes_but_the_manager_and_hr_do(session, org, clock) -> None:
    notes = "Seems stretched; keep an eye on the workload"
    given = give(session, org.ada, org.alan, clock.now(), private_notes=notes)
    coaching.record_reflection(session, org.alan, given.id, will_do_differently="Ask earlier", support_needed=None,
                               now=clock.now() + timedelta(hours=1))

    mine = coaching.feedback_for(session, org.alan, org.alan)

    assert [review.kind for review in mine] == ["reflection", "weekly_feedback"] and mine[1].id == given.id
    assert all(review.private_notes is None and review not in session for review in mine)
    session.flush()
    session.expire_all()
    assert session.get(Review, given.id).private_notes == notes  # the stored row keeps them
    for viewer in (org.ada, org.grace):
        assert coaching.feedback_for(session, viewer, org.alan)[1].private_notes == notes
    with pytest.raises(PermissionDenied):
        coaching.feedback_for(session, org.kj, org.alan)


def test_the_feedback_view_carries_the_actions_and_the_notes_only_for_others(session, org, clock) -> None:
    given = give(session, org.ada, org.alan, clock.now(), to_improve="Escalate sooner", private_notes="Stretched",
                 actions=(ActionInput("Ask for the keys", owner="manager", due_date="2026-11-25"),
                          ActionInput("Draft the email")))
    [as_subject] = coaching.feedback_for(session, org.alan, org.alan)

    shown = coaching.feedback_view(session, as_subject, viewer_is_subject=True)

    assert "private_notes" not in shown
    assert (shown["went_well"], shown["to_improve"], shown["assessment"], shown["week"]) == (
        "Clear write-up of the blocker", "Escalate sooner", "needs_attention", LAST_WEEK
    )
    assert [(a["text"], a["owner"], a["owner_name"], a["due_date"], a["done"]) for a in shown["actions"]] == [
        ("Ask for the keys", "manager", "Ada Lovelace", date(2026, 11, 25), False),
        ("Draft the email", "employee", "Alan Turing", None, False),
    ]
    assert coaching.feedback_view(session, given, viewer_is_subject=False)["private_notes"] == "Stretched"


# --- 1:1s and actions --------------------------------------------------------------------------


def test_logging_a_one_on_one_twice_in_an_hour_keeps_one_row(session, org, clock) -> None:
    first = coaching.log_one_on_one(session, org.ada, org.alan.id, now=clock.now())
    again = coaching.log_one_on_one(session, org.ada, org.alan.id, now=clock.now() + timedelta(minutes=40))

    assert again.id == first.id and count(session, OneOnOne) == 1
    next_day = coaching.log_one_on_one(session, org.ada, org.alan.id, now=clock.now() + timedelta(hours=13))
    assert next_day.id != first.id and count(session, OneOnOne) == 2
    assert (next_day.manager_id, next_day.report_id, next_day.held_at) == (
        org.ada.id, org.alan.id, clock.now() + timedelta(hours=13)
    )


@pytest.mark.parametrize("who, report", [("UEMP3", "UEMP1"), ("UEMP1", "UEMP1"), ("UMGR1", "UHR1")])
def test_only_the_direct_manager_or_hr_may_log_a_one_on_one(session, org, clock, who, report) -> None:
    people = {person.slack_id: person for person in session.exec(select(Person))}
    with pytest.raises(PermissionDenied):
        coaching.log_one_on_one(session, people[who], people[report].id, now=clock.now())
    assert count(session, OneOnOne) == 0


def test_overdue_one_on_ones_lists_active_pairs_without_one_in_two_weeks(session, org, clock) -> None:
    now = clock.now()
    coaching.log_one_on_one(session, org.ada, org.alan.id, now=now - timedelta(days=3))
    coaching.log_one_on_one(session, org.ada, org.kj.id, now=now - timedelta(days=30))
    coaching.log_one_on_one(session, org.ada, org.kj.id, now=now - timedelta(days=14))
    coaching.log_one_on_one(session, org.grace, org.li.id, now=now - timedelta(days=1))  # HR's 1:1 is not Ada's

    overdue = coaching.overdue_one_on_ones(session, now=now)

    assert [(manager.id, report.id, days) for manager, report, days in overdue] == [
        (org.ada.id, org.kj.id, 14),
        (org.ada.id, org.li.id, None),
    ]
    assert len(coaching.overdue_one_on_ones(session, now=now, team_id=org.alan.team_id)) == 2
    assert coaching.overdue_one_on_ones(session, now=now, team_id=org.grace.team_id) == []
    org.li.active = False
    session.flush()
    assert [report.id for _, report, _ in coaching.overdue_one_on_ones(session, now=now)] == [org.kj.id]


def test_an_action_is_completed_by_its_owner_its_subject_or_their_manager(session, org, clock) -> None:
    give(session, org.ada, org.alan, clock.now(), actions=(
        ActionInput("Ask for the keys", owner="manager"), ActionInput("Draft the email"), ActionInput("Demo it"),
    ))
    mine, email, demo = session.exec(select(ActionItem).order_by(ActionItem.id)).all()
    later = clock.now() + timedelta(days=1)

    assert coaching.complete_action(session, org.ada, mine.id, now=clock.now()).done_at == clock.now()
    assert coaching.complete_action(session, org.ada, mine.id, now=later).done_at == clock.now()  # a second click
    assert coaching.complete_action(session, org.alan, email.id, now=later).done_at == later
    assert coaching.complete_action(session, org.grace, demo.id, now=later).done_at == later


def test_a_skip_level_manager_sees_but_neither_reviews_nor_completes(session, org, clock) -> None:
    skip = Person(name="Skip Level", role="manager", created_at=FRIDAY, updated_at=FRIDAY)
    session.add(skip)
    session.flush()
    org.ada.manager_id = skip.id
    give(session, org.ada, org.alan, clock.now(), private_notes="Stretched", actions=(ActionInput("Draft the email"),))
    action = session.exec(select(ActionItem)).one()

    assert coaching.feedback_for(session, skip, org.alan)[0].private_notes == "Stretched"
    with pytest.raises(PermissionDenied):
        give(session, skip, org.alan, clock.now())
    with pytest.raises(PermissionDenied):
        coaching.complete_action(session, skip, action.id, now=clock.now())
    assert action.done_at is None


@pytest.mark.parametrize("action_id", ["a peer's", 999_999, 0])
def test_someone_who_cannot_see_an_action_finds_nothing(session, org, clock, action_id) -> None:
    give(session, org.ada, org.alan, clock.now(), actions=(ActionInput("Draft the email"),))
    action = session.exec(select(ActionItem)).one()

    with pytest.raises(CoachingError) as refused:
        coaching.complete_action(session, org.kj, action.id if action_id == "a peer's" else action_id,
                                 now=clock.now())

    assert refused.value.code == "not_found"
    assert session.get(ActionItem, action.id).done_at is None


# --- query bounds ------------------------------------------------------------------------------


def test_the_agenda_takes_a_fixed_number_of_queries_for_thirty_reports(session, org, clock, engine) -> None:
    now = clock.now()
    for n in range(30):
        report = Person(name=f"Report {n:02d}", slack_id=f"UR{n:02d}", manager_id=org.ada.id, team_id=org.ada.team_id,
                        created_at=FRIDAY, updated_at=FRIDAY)
        session.add(report)
        session.flush()
        goal = Goal(level="individual", owner_id=report.id, title=f"Goal {n}", due_date=date(2027, 6, 30),
                    status="at_risk" if n % 2 else "on_track", created_by_id=report.id, created_at=FRIDAY,
                    updated_at=FRIDAY)
        checkin = CheckIn(person_id=report.id, week=LAST_WEEK, submitted_at=FRIDAY, updated_at=FRIDAY, confidence=3,
                          blockers="Stuck" if n % 3 == 0 else None)
        session.add_all([goal, checkin])
        session.flush()
        session.add_all([
            GoalProgress(checkin_id=checkin.id, goal_id=goal.id, value=4, status=goal.status),
            OneOnOne(manager_id=org.ada.id, report_id=report.id, held_at=now - timedelta(days=n)),
            ActionItem(subject_id=report.id, owner_id=report.id, text=f"Action {n}", created_at=FRIDAY),
        ])
    session.flush()

    with counting_queries(engine) as statements:
        result = coaching.agenda(session, org.ada, week=LAST_WEEK, now=now)
        due = coaching.managers_due(session, now=now, default_zone=ZONE)
        overdue = coaching.overdue_one_on_ones(session, now=now)

    assert len(result.reports) == 33 and len(due) == 1 and len(overdue) == 3 + 16
    generated = [report for report in result.reports if report.person.slack_id.startswith("UR")]
    assert len(generated) == 30 and all(report.goals and report.open_actions for report in generated)
    assert len(statements) <= 12
    # agenda (six, three for the early warnings, one for the custom questions' answers), managers_due, overdue
    assert len(statements) == 6 + 3 + 1 + 1 + 1


def test_a_checked_adjustment_commits_with_its_feedback_and_a_refusal_leaves_nothing(
    sessions, session, org, clock
) -> None:
    """The dry run's savepoint must neither commit on its own (SQLite) nor swallow the real change."""
    session.commit()  # the week filed by the fixture, so other sessions see it and nothing is locked
    adjust = {"goal_id": str(org.alan_goal.id), "new_target": "6", "adjust_reason": "Smaller pool"}
    with pytest.raises(CoachingValidationError), sessions() as refused:
        give(refused, refused.get(Person, org.ada.id), org.alan, clock.now(), assessment="great", **adjust)
    with sessions() as accepted:
        give(accepted, accepted.get(Person, org.ada.id), org.alan, clock.now(), **adjust)

    with sessions() as fresh:
        assert count(fresh, Review) == 1
        assert fresh.get(Goal, org.alan_goal.id).target_value == 6
        reasons = fresh.exec(select(GoalChange.reason).where(GoalChange.field_name == "target_value")).all()
        assert reasons == ["Smaller pool"]
