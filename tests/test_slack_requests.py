"""The first slice through the whole stack: signed HTTP in, Bolt, storage, prompts, a reply out."""

import time

import pytest

from tests.builders import load_org

FORM = "application/x-www-form-urlencoded"
BODY = b"token=x&team_id=T0001&user_id=UEMP1&command=%2Fgoal&text=help&trigger_id=1.2.3"


@pytest.fixture
def org(sessions, clock, emulator):
    load_org(sessions, now=clock.now(), emulator=emulator)


def reply_text(response) -> str:
    assert response.status == 200, response.body
    return response.json()["text"]


def test_it_refuses_an_unsigned_request(slack, org):
    response = slack.send_raw(BODY, FORM, drop_signature=True)
    assert response.status == 401


def test_it_refuses_a_request_signed_with_another_secret(slack, org):
    assert slack.send_raw(BODY, FORM, secret="forged-secret").status == 401


def test_it_refuses_a_request_older_than_five_minutes(slack, org):
    stale = int(time.time()) - 5 * 60 - 30  # noqa: TID251 (Bolt checks signatures against real time)
    assert slack.send_raw(BODY, FORM, timestamp=stale).status == 401


def test_it_refuses_a_replayed_signature_on_a_changed_body(slack, org):
    response = slack.send_raw(BODY, FORM, secret="forged-secret")
    assert response.status == 401
    assert "text" not in response.body


def test_goal_help_answers_in_english(slack, org, emulator):
    text = reply_text(slack.slash_command("UEMP1", "/goal", "help"))
    assert "SMART" in text and "/goal list" in text


def test_goal_help_answers_in_chinese_for_a_zh_cn_person(slack, org):
    text = reply_text(slack.slash_command("UEMP2", "/goal", "help"))
    assert "目标" in text and "SMART" in text


def test_checkin_help_answers_in_the_persons_language(slack, org):
    assert "Weekly check-ins" in reply_text(slack.slash_command("UEMP1", "/checkin", "help"))
    assert "每周签到" in reply_text(slack.slash_command("UEMP2", "/checkin", "help"))


def test_a_person_without_a_stored_locale_gets_slacks_locale(slack, org, emulator):
    emulator.add_user("UEMP3", name="Katherine Johnson", tz="America/New_York", locale="zh-CN")
    assert "每周签到" in reply_text(slack.slash_command("UEMP3", "/checkin", "help"))


def test_an_unknown_subcommand_says_so_and_shows_help(slack, org):
    text = reply_text(slack.slash_command("UEMP1", "/goal", "frobnicate <b>"))
    assert "frobnicate &lt;b&gt;" in text and "/goal list" in text


def test_someone_outside_the_org_is_told_who_to_ask(slack, org, emulator):
    emulator.add_user("UGUEST", name="Guest", tz="UTC", locale="en-US")
    text = reply_text(slack.slash_command("UGUEST", "/goal", "help"))
    assert "not in this organisation's directory" in text and "Grace Hopper" in text


def test_someone_outside_the_org_is_told_in_their_slack_language(slack, org, emulator):
    emulator.add_user("UGUEST", name="访客", tz="Asia/Shanghai", locale="zh-CN")
    assert "Grace Hopper" in reply_text(slack.slash_command("UGUEST", "/goal", "help"))
    assert "通讯录" in reply_text(slack.slash_command("UGUEST", "/goal", "help"))
