"""Blocker alerts left unanswered: escalated once to the skip-level after N working days, in their language;
and what waits for a manager on their App Home."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from bot.deps import job_config
from bot.settings import Settings, SettingsError
from bot.slack_client import make_web_client
from prompts import checkin_blocks
from scheduler import JobConfig, JobContext, escalations
from scheduler.registry import JOBS
from storage import attention as attention_store
from storage.models import Attention, Delivery
from tests.builders import SMALL_ORG, load_org
from tests.conftest import BOT_TOKEN
from tests.slack_helpers import dms_to, home_text, opened_view, visible_text

BLOCKED = {"confidence": "2", "blockers": "Waiting on <legal> & procurement", "help_needed": "A nudge to legal"}
EMPLOYEE, MANAGER, SKIP = "UEMP1", "UMGR1", "UVP1"
FRIDAY = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)  # 2026-W48
# 02:00 UTC is 10:00 in Shanghai (the skip-level's waking hours) and already the day in London (the manager's).
MONDAY = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)
TUESDAY = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
WEDNESDAY = datetime(2026, 12, 2, 2, 0, tzinfo=UTC)
ORG = [["UVP1", "王芳", "wang.fang@example.cn", "", "Platform", "manager", "Asia/Shanghai", "zh-CN"],
       *[[*row[:3], SKIP if row[0] == MANAGER else row[3], *row[4:]] for row in SMALL_ORG]]


@pytest.fixture
def org(sessions, clock, emulator):
    clock.set(FRIDAY)
    load_org(sessions, now=clock.now(), rows=ORG, emulator=emulator)


@pytest.fixture
def blocked(org, slack, emulator):
    """Alan checks in blocked on Friday; Ada is alerted."""
    assert slack.slash_command(EMPLOYEE, "/checkin").status == 200
    assert slack.view_submission(EMPLOYEE, opened_view(emulator), BLOCKED).status == 200
    assert len(dms_to(emulator, MANAGER)) == 1


@pytest.fixture
def run_escalations(sessions, emulator, waits):
    client = make_web_client(token=BOT_TOKEN, base_url=emulator.api_url, sleep=waits.append)

    def run(at: datetime, *, days: int = 2):
        return escalations.run(JobContext(sessions=sessions, client=client, now=at,
                                          config=JobConfig(escalate_after_days=days)))

    return run


def test_the_escalation_job_runs_before_the_notices_job():
    names = [job.name for job in JOBS]
    assert names.index(escalations.JOB) < names.index("notices")


def test_it_counts_whole_working_days_after_the_alerts_day():
    london = ZoneInfo("Europe/London")
    waited = [attention_store.working_days_between(FRIDAY, at, london) for at in (MONDAY, TUESDAY, WEDNESDAY)]
    assert waited == [0, 1, 2]
    saturday = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
    assert attention_store.working_days_between(saturday, WEDNESDAY, london) == 2
    assert attention_store.working_days_between(FRIDAY, datetime(2026, 12, 11, 12, 0, tzinfo=UTC), london) == 9


def test_a_friday_alert_escalates_on_wednesday_not_monday_once_in_the_skip_levels_language(
    blocked, run_escalations, emulator, sessions
):
    assert run_escalations(MONDAY).sent == 0
    assert run_escalations(TUESDAY).sent == 0
    assert dms_to(emulator, SKIP) == []

    assert run_escalations(WEDNESDAY).sent == 1
    [message] = dms_to(emulator, SKIP)
    expected = checkin_blocks.blocker_escalation(
        name="Alan Turing", manager="Ada Lovelace", week="2026-W48", waited=2, since="2026年11月27日", confidence=2,
        blockers=BLOCKED["blockers"], help_needed=BLOCKED["help_needed"], locale="zh-CN")
    assert message["text"] == expected["text"]
    assert "已经等了 2 个工作日" in message["text"]
    with sessions() as session:
        record = session.exec(select(Attention)).one()
        assert (record.escalated_at, record.state) == (WEDNESDAY, "open")

    assert run_escalations(WEDNESDAY.replace(hour=5)).sent == 0  # never twice
    assert run_escalations(datetime(2026, 12, 9, 3, 0, tzinfo=UTC)).sent == 0
    assert len(dms_to(emulator, SKIP)) == 1
    with sessions() as session:
        sent = session.exec(select(Delivery).where(Delivery.job == escalations.JOB)).all()
        assert [(d.status, d.period) for d in sent] == [("sent", f"attention:{record.id}")]


def test_an_answered_blocker_is_never_escalated(blocked, slack, run_escalations, emulator):
    alert = dms_to(emulator, MANAGER)[0]
    slack.block_action(MANAGER, checkin_blocks.RESPOND_ACTION, message=alert)
    assert slack.view_submission(MANAGER, opened_view(emulator), {"reply": "Calling legal"}).status == 200
    assert run_escalations(WEDNESDAY).sent == 0
    assert dms_to(emulator, SKIP) == []


def test_a_seen_but_unanswered_blocker_is_still_escalated(blocked, slack, run_escalations, emulator, sessions):
    slack.block_action(MANAGER, checkin_blocks.RESPOND_ACTION, message=dms_to(emulator, MANAGER)[0])
    with sessions() as session:
        assert session.exec(select(Attention)).one().state == "seen"
    assert run_escalations(WEDNESDAY).sent == 1


def test_it_waits_the_configured_number_of_working_days(blocked, run_escalations, emulator):
    assert run_escalations(WEDNESDAY, days=3).sent == 0
    assert run_escalations(datetime(2026, 12, 3, 2, 0, tzinfo=UTC), days=3).sent == 1


def test_no_escalation_leaves_the_chain_when_the_manager_has_no_manager(slack, sessions, clock, emulator,
                                                                        run_escalations):
    clock.set(FRIDAY)
    load_org(sessions, now=clock.now(), emulator=emulator)  # Ada is at the top
    assert slack.slash_command(EMPLOYEE, "/checkin").status == 200
    assert slack.view_submission(EMPLOYEE, opened_view(emulator), BLOCKED).status == 200
    assert run_escalations(WEDNESDAY).sent == 0
    with sessions() as session:
        assert session.exec(select(Delivery).where(Delivery.job == escalations.JOB)).all() == []


def test_the_managers_home_lists_what_waits_for_them_oldest_first_with_how_long(blocked, slack, clock, emulator):
    clock.set(datetime(2026, 11, 30, 11, 0, tzinfo=UTC))  # Monday: 李雷 raises one too
    assert slack.slash_command("UEMP2", "/checkin").status == 200
    assert slack.view_submission("UEMP2", opened_view(emulator), {"confidence": "1"}).status == 200
    clock.set(datetime(2026, 12, 2, 12, 0, tzinfo=UTC))  # Wednesday
    slack.event(MANAGER, {"type": "app_home_opened", "user": MANAGER, "tab": "home", "channel": f"D{MANAGER}"})
    home = home_text(emulator, MANAGER)
    assert "Waiting for your answer (2)" in home
    alan = home.index("Alan Turing*, check-in for the week of Nov 23")
    li_lei = home.index("李雷*, check-in for the week of Nov 30")
    assert alan < li_lei
    assert "waiting 2 working days" in home and "waiting 1 working day" in home

    # Answered, it leaves the list.
    slack.block_action(MANAGER, checkin_blocks.RESPOND_ACTION, message=dms_to(emulator, MANAGER)[0])
    assert slack.view_submission(MANAGER, opened_view(emulator), {"reply": "Calling legal"}).status == 200
    slack.event(MANAGER, {"type": "app_home_opened", "user": MANAGER, "tab": "home", "channel": f"D{MANAGER}"})
    home = home_text(emulator, MANAGER)
    assert "Waiting for your answer (1)" in home and "Alan Turing" not in home.split("Waiting for your answer")[1][:80]


def test_the_employees_home_has_no_waiting_list(blocked, slack, emulator):
    slack.event(EMPLOYEE, {"type": "app_home_opened", "user": EMPLOYEE, "tab": "home", "channel": f"D{EMPLOYEE}"})
    assert "Waiting for your answer" not in home_text(emulator, EMPLOYEE)
    assert visible_text(dms_to(emulator, EMPLOYEE)[-1])


def test_the_working_days_before_escalating_are_a_setting_passed_to_the_job():
    assert job_config(Settings.from_env({})).escalate_after_days == 2
    assert job_config(Settings.from_env({"CHECKIN_ESCALATE_AFTER_DAYS": "3"})).escalate_after_days == 3
    for bad in ("0", "two"):
        with pytest.raises(SettingsError, match="CHECKIN_ESCALATE_AFTER_DAYS"):
            Settings.from_env({"CHECKIN_ESCALATE_AFTER_DAYS": bad})
