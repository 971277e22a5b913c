"""Manager nudges end to end: the Monday agenda, the review modal, feedback in the employee's language,
the reflection back to the manager, permissions, private notes, and Slack failures."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from bot.slack_client import make_web_client
from prompts.coaching_blocks import ONE_ON_ONE_ACTION, REFLECT_ACTION, REVIEW_ACTION
from scheduler import JobConfig, JobContext, nudges
from storage import checkins
from storage.models import ActionItem, Delivery, OneOnOne, Review
from tests.builders import approved_goal, load_org, person
from tests.conftest import BOT_TOKEN
from tests.slack_helpers import button, dms_to, last_dm_text, opened_view, visible_text

ON_TRACK, BLOCKED, MISSING, MANAGER, PEER_MANAGER = "UEMP1", "UEMP2", "UEMP3", "UMGR1", "UHR1"
MONDAY_9AM_LONDON = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


@pytest.fixture
def week(sessions, clock, emulator):
    """Week 2026-W48: Alan on track, 李雷 blocked with a goal at risk, Katherine silent."""
    load_org(sessions, now=clock.now(), emulator=emulator)
    pilots = approved_goal(sessions, ON_TRACK, now=clock.now(), title="Onboard 10 pilots", target="10")
    billing = approved_goal(sessions, BLOCKED, now=clock.now(), title="发布计费页面", target="4", unit="页")
    clock.set(datetime(2026, 11, 26, 10, 0, tzinfo=UTC))
    with sessions() as session:
        checkins.record(session, person(session, ON_TRACK), checkins.CheckinInput(
            week=None, confidence="4", highlights="Pilot 5 live",
            goals=(checkins.GoalUpdateInput(goal_id=str(pilots.id), value="5"),)), now=clock.now(),
            default_zone="UTC")
        checkins.record(session, person(session, BLOCKED), checkins.CheckinInput(
            week=None, confidence="2", blockers="法务审批卡住了", help_needed="请帮忙催一下法务",
            goals=(checkins.GoalUpdateInput(goal_id=str(billing.id), value="1", status="at_risk"),)),
            now=clock.now(), default_zone="UTC")
    clock.set(MONDAY_9AM_LONDON)
    return {"pilots": pilots, "billing": billing}


@pytest.fixture
def run_nudges(sessions, emulator, waits):
    client = make_web_client(token=BOT_TOKEN, base_url=emulator.api_url, sleep=waits.append)

    def run(at: datetime, *, worker: str = "w1", forced: bool = False):
        return nudges.run(JobContext(sessions=sessions, client=client, now=at, config=JobConfig(), worker=worker,
                                     forced=forced))

    return run


def nudges_to(emulator, user_id: str) -> list[dict]:
    return [m for m in dms_to(emulator, user_id) if "1:1 agenda" in m.get("text", "")]


def test_the_agenda_shows_the_missing_the_blocked_and_the_on_track_report(week, run_nudges, emulator):
    run_nudges(MONDAY_9AM_LONDON - timedelta(minutes=1))
    assert nudges_to(emulator, MANAGER) == []
    run_nudges(MONDAY_9AM_LONDON)
    [agenda] = nudges_to(emulator, MANAGER)
    text = visible_text(agenda)
    assert "Your 1:1 agenda for the week of Nov 23*, Ada Lovelace: 2 of 3 checked in" in text
    assert "*Alan Turing* · confidence 4/5" in text and "Onboard 10 pilots: 50%" in text
    assert "*李雷* · confidence 2/5" in text and "🚧 法务审批卡住了" in text and "🙋 请帮忙催一下法务" in text
    assert "“发布计费页面” is at risk" in text and "the blocker" in text
    assert "*Katherine Johnson* · _no check-in this week_" in text and "how the week went (no check-in)" in text
    assert "No 1:1 logged yet" in text
    assert button(agenda, REVIEW_ACTION)["value"].endswith("|2026-W48")


def review_blocked_report(slack, emulator, **values):
    agenda = nudges_to(emulator, MANAGER)[-1]
    review = next(e for b in agenda["blocks"] if b.get("block_id") == f"coach-{person_id(emulator, BLOCKED)}"
                  for e in b["elements"] if e["action_id"] == REVIEW_ACTION)
    slack.block_action(MANAGER, REVIEW_ACTION, value=review["value"], message=agenda)
    return slack.view_submission(MANAGER, opened_view(emulator), values)


def person_id(emulator, slack_id: str) -> int:
    agenda = nudges_to(emulator, MANAGER)[-1]
    names = {"UEMP1": "Alan Turing", "UEMP2": "李雷", "UEMP3": "Katherine Johnson"}
    for block in agenda["blocks"]:
        if block.get("block_id", "").startswith("report-") and names[slack_id] in block["text"]["text"]:
            return int(block["block_id"].removeprefix("report-"))
    raise AssertionError(slack_id)


def test_feedback_reaches_the_employee_in_chinese_without_the_private_notes(week, run_nudges, emulator, slack,
                                                                           session):
    run_nudges(MONDAY_9AM_LONDON)
    response = review_blocked_report(
        slack, emulator, acknowledged=["yes"], went_well="Clear write-up of the legal blocker",
        to_improve="Escalate sooner next time", assessment="needs_attention",
        private_notes="Seems stretched; watch workload", **{
            "action:1:text": "Ask legal for a date", "action:1:owner": "manager", "action:1:due_date": "2026-12-02"})
    assert response.status == 200 and not response.body
    feedback = last_dm_text(emulator, BLOCKED)
    assert "Ada Lovelace 给了你11月23日那一周的反馈" in feedback and "需要关注" in feedback
    assert "Escalate sooner next time" in feedback and "Ask legal for a date" in feedback
    assert "watch workload" not in feedback
    assert all("watch workload" not in visible_text(m) for m in dms_to(emulator, BLOCKED))
    review = session.exec(select(Review)).one()
    assert review.private_notes == "Seems stretched; watch workload"
    assert session.exec(select(ActionItem)).one().text == "Ask legal for a date"
    assert "reached 李雷" in last_dm_text(emulator, MANAGER)


def test_the_reflection_reaches_the_manager(week, run_nudges, emulator, slack):
    run_nudges(MONDAY_9AM_LONDON)
    review_blocked_report(slack, emulator, went_well="Good write-up", assessment="on_track")
    feedback = dms_to(emulator, BLOCKED)[-1]
    slack.block_action(BLOCKED, REFLECT_ACTION, message=feedback)
    slack.view_submission(BLOCKED, opened_view(emulator), {"will_do_differently": "下次更早上报",
                                                           "support_needed": "每周和法务同步一次"})
    reflection = last_dm_text(emulator, MANAGER)
    assert "李雷 reflected on your feedback for the week of Nov 23" in reflection and "下次更早上报" in reflection


def test_a_forged_review_by_someone_else_is_refused_and_nothing_is_sent(week, run_nudges, emulator, slack, session):
    run_nudges(MONDAY_9AM_LONDON)
    agenda = nudges_to(emulator, MANAGER)[-1]
    target = person_id(emulator, BLOCKED)
    before = len(dms_to(emulator, BLOCKED))
    slack.block_action(ON_TRACK, REVIEW_ACTION, value=f"{target}|2026-W48", message={**agenda,
                                                                                      "channel": f"D{ON_TRACK}"})
    assert "Only this person's manager or HR can review their week." in emulator.calls_to("response_url")[-1].params[
        "text"]
    forged = {"id": "VF", "type": "modal", "callback_id": "coach_review_submit",
              "private_metadata": f'{{"subject_id": {target}, "week": "2026-W48"}}',
              "blocks": [{"type": "input", "block_id": "assessment", "label": {"type": "plain_text", "text": "a"},
                          "element": {"type": "plain_text_input", "action_id": "assessment"}}]}
    refused = slack.view_submission(ON_TRACK, forged, {"assessment": "off_track"})
    assert refused.json()["response_action"] == "errors"
    assert session.exec(select(Review)).all() == []
    assert len(dms_to(emulator, BLOCKED)) == before


def test_one_on_one_held_is_logged_and_changes_next_weeks_agenda(week, run_nudges, emulator, slack, session, clock):
    run_nudges(MONDAY_9AM_LONDON)
    agenda = nudges_to(emulator, MANAGER)[-1]
    alan = person_id(emulator, ON_TRACK)
    slack.block_action(MANAGER, ONE_ON_ONE_ACTION, value=str(alan), message=agenda)
    assert "Logged your 1:1 with Alan Turing" in emulator.calls_to("response_url")[-1].params["text"]
    assert len(session.exec(select(OneOnOne)).all()) == 1
    run_nudges(MONDAY_9AM_LONDON + timedelta(days=7))
    next_agenda = visible_text(nudges_to(emulator, MANAGER)[-1])
    assert "Last 1:1 7 days ago." in next_agenda


def test_a_429_then_a_500_still_ends_in_exactly_one_nudge(week, run_nudges, emulator, waits, session):
    emulator.fail_next("chat.postMessage", status=429, retry_after=5)
    emulator.fail_next("chat.postMessage", status=500)
    run_nudges(MONDAY_9AM_LONDON)
    run_nudges(MONDAY_9AM_LONDON + timedelta(minutes=1))
    assert len(nudges_to(emulator, MANAGER)) == 1
    assert waits[0] == 5
    delivery = session.exec(select(Delivery).where(Delivery.job == "manager-nudges")).one()
    assert delivery.status == "sent"


def test_a_nudge_failing_for_good_is_recorded_with_its_error(week, run_nudges, emulator, session):
    emulator.fail_next("chat.postMessage", status=500, times=1000)
    # Retries back off 1 min, 5 min, 15 min, 1 h, 3 h, then the nudge is given up and recorded.
    for minutes in (0, 2, 8, 24, 85, 266, 600):
        run_nudges(MONDAY_9AM_LONDON + timedelta(minutes=minutes))
    session.expire_all()
    delivery = session.exec(select(Delivery).where(Delivery.job == "manager-nudges")).one()
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("failed", 6, "fatal_error")
    assert nudges_to(emulator, MANAGER) == []


def test_two_replicas_send_one_nudge(week, run_nudges, emulator):
    barrier = threading.Barrier(2)

    def tick(worker):
        barrier.wait()
        run_nudges(MONDAY_9AM_LONDON, worker=worker)

    threads = [threading.Thread(target=tick, args=(w,)) for w in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(nudges_to(emulator, MANAGER)) == 1
