"""Getting started: a guide for each role when a plan first applies, once, in the person's language and hours."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.slack_client import make_web_client
from scheduler import JobConfig, JobContext, welcome
from storage import plans
from tests.builders import load_org
from tests.conftest import BOT_TOKEN
from tests.slack_helpers import dms_to, last_dm_text

HR, MANAGER, EMPLOYEE, CHINESE_EMPLOYEE, NEW_YORKER = "UHR1", "UMGR1", "UEMP1", "UEMP2", "UEMP3"
MONDAY_10AM_LONDON = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)  # 18:00 Shanghai, 05:00 New York
MONDAY_10AM_NEW_YORK = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
PLAN = """
plans:
  - name: Platform engineering
    team: Platform
    cycle: quarterly
    criteria:
      - {key: delivery, name: {en: Delivery, zh-CN: 交付}, weight: 2}
      - {key: teamwork, name: {en: Teamwork, zh-CN: 协作}, weight: 1}
    rating_scale:
      - {value: 1, label: Below}
      - {value: 2, label: Meets}
      - {value: 3, label: Above}
    improvement_threshold: 2
"""


@pytest.fixture
def run_job(sessions, emulator, waits, clock):
    load_org(sessions, now=clock.now(), emulator=emulator)
    client = make_web_client(token=BOT_TOKEN, base_url=emulator.api_url, sleep=waits.append)
    return lambda at: welcome.run(JobContext(sessions=sessions, client=client, now=at, config=JobConfig()))


def welcomes(emulator, user_id: str) -> list[str]:
    return [m["text"] for m in dms_to(emulator, user_id) if "👋" in m.get("text", "")]


def test_each_role_gets_its_own_guide_once_in_waking_hours(run_job, emulator):
    run_job(MONDAY_10AM_LONDON)
    run_job(MONDAY_10AM_LONDON)

    assert "Here is how the weekly habit works" in last_dm_text(emulator, EMPLOYEE)
    assert "What makes a goal SMART" in last_dm_text(emulator, EMPLOYEE)
    assert "I send you a 1:1 agenda" in last_dm_text(emulator, MANAGER)
    assert "You lead 3 people" in last_dm_text(emulator, MANAGER)
    assert "每周的习惯是这样的" in last_dm_text(emulator, CHINESE_EMPLOYEE)
    assert welcomes(emulator, NEW_YORKER) == [] and welcomes(emulator, HR) == []  # 05:00 in New York
    run_job(MONDAY_10AM_NEW_YORK)
    assert "The digest shows" in last_dm_text(emulator, HR)
    assert [len(welcomes(emulator, who)) for who in (HR, MANAGER, EMPLOYEE, CHINESE_EMPLOYEE, NEW_YORKER)] == [
        1, 1, 1, 1, 1]


def test_a_new_plan_for_a_team_welcomes_its_people_again_under_it(run_job, emulator, sessions, clock):
    run_job(MONDAY_10AM_NEW_YORK)
    with sessions() as session:
        plans.load_plans(session, PLAN, now=clock.now())
        session.commit()
    run_job(MONDAY_10AM_NEW_YORK)
    run_job(MONDAY_10AM_LONDON.replace(day=24))  # Shanghai's evening: 18:00

    assert len(welcomes(emulator, EMPLOYEE)) == 2
    assert "*Platform engineering* (quarterly reviews: Delivery, Teamwork)" in last_dm_text(emulator, EMPLOYEE)
    assert "（每季度评估：交付、协作）" in last_dm_text(emulator, CHINESE_EMPLOYEE)
    assert len(welcomes(emulator, HR)) == 1  # People team: its plan did not change


def test_checkin_welcome_shows_the_guide_and_help_points_to_it(slack, sessions, clock, emulator):
    load_org(sessions, now=clock.now(), emulator=emulator)
    guide = slack.slash_command(CHINESE_EMPLOYEE, "/checkin", "welcome").json()
    assert "欢迎你，李雷" in guide["text"]
    assert "`/checkin welcome`" in slack.slash_command(EMPLOYEE, "/goal", "help").json()["text"]
