"""A review cycle in Slack: the self-review request, the modal on the plan's scale, a reminder, closing."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlmodel import select

from bot.slack_client import make_web_client
from prompts.review_blocks import OPEN_SELF_REVIEW_ACTION
from scheduler import JobConfig, JobContext, review_reminders
from storage import cycles, kudos
from storage.models import Review, ReviewCycle
from tests.builders import approved_goal, load_org, person
from tests.conftest import BOT_TOKEN
from tests.slack_helpers import dms_to, last_dm_text, opened_view

CHINESE_EMPLOYEE, EMPLOYEE = "UEMP2", "UEMP1"
TUESDAY_10AM_SHANGHAI = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
TUESDAY_10AM_LONDON = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


@pytest.fixture
def cycle(sessions, clock, emulator):
    load_org(sessions, now=clock.now(), emulator=emulator)
    approved_goal(sessions, CHINESE_EMPLOYEE, now=clock.now(), title="发布计费页面", target="4")
    with sessions() as session:
        return cycles.open_cycle(session, name="2026-H2", period_start="2026-07-01", period_end="2026-12-31",
                                 self_due="2026-12-04", peer_due="2026-12-09", manager_due="2026-12-16",
                                 team="Platform", now=clock.now())


@pytest.fixture
def run_job(sessions, emulator, waits):
    client = make_web_client(token=BOT_TOKEN, base_url=emulator.api_url, sleep=waits.append)
    return lambda at: review_reminders.run(JobContext(sessions=sessions, client=client, now=at, config=JobConfig()))


def requests_to(emulator, user_id: str) -> list[dict]:
    return [m for m in dms_to(emulator, user_id) if "review_self_open" in str(m.get("blocks"))]


def test_everyone_in_scope_is_asked_once_in_their_own_language_and_waking_hours(cycle, run_job, emulator):
    run_job(TUESDAY_10AM_SHANGHAI)
    assert len(requests_to(emulator, CHINESE_EMPLOYEE)) == 1
    assert "请在 2026年12月4日 前完成自评" in last_dm_text(emulator, CHINESE_EMPLOYEE)
    assert requests_to(emulator, EMPLOYEE) == []  # 02:00 in London
    run_job(TUESDAY_10AM_LONDON)
    run_job(TUESDAY_10AM_LONDON)
    assert len(requests_to(emulator, EMPLOYEE)) == 1 and len(requests_to(emulator, CHINESE_EMPLOYEE)) == 1


def test_the_self_review_uses_the_plans_scale_and_refuses_a_forged_rating(cycle, run_job, emulator, slack, session):
    run_job(TUESDAY_10AM_SHANGHAI)
    slack.block_action(CHINESE_EMPLOYEE, OPEN_SELF_REVIEW_ACTION, message=requests_to(emulator, CHINESE_EMPLOYEE)[-1])
    view = opened_view(emulator)
    assert view["title"]["text"] == "自评"
    ratings = {b["block_id"]: b for b in view["blocks"] if b.get("block_id", "").startswith("rating:")}
    assert set(ratings) == {"rating:results", "rating:quality", "rating:collaboration", "rating:ownership"}
    forged = {**view, "blocks": [*view["blocks"][:-1]]}
    forged_rating = {"type": "input", "block_id": "rating:results", "label": {"type": "plain_text", "text": "r"},
                     "element": {"type": "plain_text_input", "action_id": "rating"}}
    forged["blocks"] = [forged_rating if b.get("block_id") == "rating:results" else b for b in forged["blocks"]]
    response = slack.view_submission(CHINESE_EMPLOYEE, forged, {"rating:results": "9"})
    assert response.json()["response_action"] == "errors"
    assert session.exec(select(Review).where(Review.state == "submitted")).all() == []

    values = {key: "4" for key in ratings} | {"comment:results": "计费页面已上线 3 页", "comment:quality": "零回滚"}
    assert slack.view_submission(CHINESE_EMPLOYEE, view, values).status == 200
    session.expire_all()
    review = session.exec(select(Review).where(Review.state == "submitted")).one()
    assert review.answers["criteria"]["results"] == {"rating": 4, "comment": "计费页面已上线 3 页"}
    assert "你在 *2026-H2* 的自评已提交" in last_dm_text(emulator, CHINESE_EMPLOYEE)


def test_a_reminder_comes_two_days_before_the_due_date_only_to_who_has_not_written(cycle, run_job, emulator,
                                                                                       slack, session):
    run_job(TUESDAY_10AM_LONDON)
    run_job(datetime(2026, 12, 1, 10, 0, tzinfo=UTC))
    assert len(requests_to(emulator, EMPLOYEE)) == 1  # due 4 December: too early to remind
    run_job(datetime(2026, 12, 2, 10, 0, tzinfo=UTC))
    assert "⏰ Your self-review for *2026-H2* is due Dec 4, 2026" in last_dm_text(emulator, EMPLOYEE)
    run_job(datetime(2026, 12, 3, 10, 0, tzinfo=UTC))
    assert len(requests_to(emulator, EMPLOYEE)) == 2  # one request, one reminder


def test_nothing_can_be_written_once_the_cycle_is_released(cycle, run_job, emulator, slack, sessions):
    run_job(TUESDAY_10AM_LONDON)
    request = requests_to(emulator, EMPLOYEE)[-1]
    with sessions() as session:
        session.get(ReviewCycle, cycle.id).state = "released"
    views_before = len(emulator.calls_to("views.open"))
    slack.block_action(EMPLOYEE, OPEN_SELF_REVIEW_ACTION, message=request)
    assert len(emulator.calls_to("views.open")) == views_before
    assert "its cycle is closed or released" in emulator.calls_to("response_url")[-1].params["text"]


MANAGER = "UMGR1"


def manager_requests(emulator) -> list[dict]:
    return [m for m in dms_to(emulator, MANAGER) if "review_manager_open" in str(m.get("blocks"))]


def test_the_manager_review_shows_the_evidence_and_needs_ratings_and_a_written_summary(
        cycle, run_job, emulator, slack, session, sessions, clock):
    with sessions() as s:
        kudos.give(s, person(s, EMPLOYEE), person(s, CHINESE_EMPLOYEE), "谢谢你帮忙评审计费页面", now=clock.now())
    run_job(TUESDAY_10AM_LONDON)
    request = next(m for m in manager_requests(emulator) if "李雷" in m["text"])
    slack.block_action(MANAGER, "review_manager_open", message=request)
    view = opened_view(emulator)
    evidence = view["blocks"][0]["text"]["text"]
    assert "发布计费页面: 0%" in evidence and "谢谢你帮忙评审计费页面" in evidence
    assert "*Self-review*: not written yet" in evidence

    ratings = {b["block_id"]: "4" for b in view["blocks"] if b.get("block_id", "").startswith("rating:")}
    refused = slack.view_submission(MANAGER, view, {**ratings, "overall": "4", "strengths": "", "to_improve": ""})
    assert "a rating alone is not feedback" in refused.json()["errors"]["strengths"]
    ok = slack.view_submission(MANAGER, view, {**ratings, "overall": "4", "strengths": "Owns the billing launch",
                                               "to_improve": "Escalate blockers sooner"})
    assert ok.status == 200 and not ok.body
    session.expire_all()
    review = session.exec(select(Review).where(Review.kind == "manager", Review.state == "submitted")).one()
    assert review.rating == 4 and review.answers["to_improve"] == "Escalate blockers sooner"
    assert "Your review of *李雷* for *2026-H2* is saved (4 · Exceeds expectations)" in last_dm_text(emulator, MANAGER)


def test_only_the_manager_asked_may_open_or_submit_the_review(cycle, run_job, emulator, slack, session):
    run_job(TUESDAY_10AM_LONDON)
    request = next(m for m in manager_requests(emulator) if "李雷" in m["text"])
    slack.block_action(EMPLOYEE, "review_manager_open", message={**request, "channel": f"D{EMPLOYEE}"})
    assert "no longer exists, or you can't see it" in emulator.calls_to("response_url")[-1].params["text"]
