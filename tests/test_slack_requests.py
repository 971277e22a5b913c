"""The first slice through the whole stack: signed HTTP in, Bolt, storage, prompts, a reply out."""

import json
import time
from urllib.parse import urlencode

import pytest
from sqlmodel import select

from prompts.digest_blocks import EXPORT_ACTION
from prompts.goal_blocks import APPROVE_ACTION
from storage.models import CheckIn, Goal
from tests.builders import load_org
from tests.slack_helpers import opened_view

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
    assert "提交周进展" in reply_text(slack.slash_command("UEMP2", "/checkin", "help"))


def test_a_person_without_a_stored_locale_gets_slacks_locale(slack, org, emulator):
    emulator.add_user("UEMP3", name="Katherine Johnson", tz="America/New_York", locale="zh-CN")
    assert "提交周进展" in reply_text(slack.slash_command("UEMP3", "/checkin", "help"))


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


# ---- malformed input: a clear refusal, never a 500 -------------------------------------------------------------

JSON = "application/json"


def signed_payload(slack, payload: dict):
    return slack.send_raw(urlencode({"payload": json.dumps(payload)}).encode(), FORM)


def test_an_unsigned_request_whose_timestamp_is_not_a_number_is_refused(slack, org):
    assert slack.send_raw(BODY, FORM, timestamp="abc", drop_signature=True).status == 401
    assert slack.send_raw(BODY, FORM, timestamp="abc").status == 401  # signed over "abc": still no time


@pytest.mark.parametrize(("body", "content_type"), [
    (b"payload=%7Bnot+json", FORM),
    (b"\xff\xfe" + BODY, FORM),
    (b"[1, 2]", JSON),
    (b"{" * 5000 + b"}" * 5000, JSON),
    (b'{"type": "block_actions", "user": {"id": {"a": 1}}, "actions": [{"action_id": "goal_approve"}]}', JSON),
    (b'{"type": "view_submission", "user": {"id": "UEMP1"}, "view": {"callback_id": "goal_new"}}', JSON),
    (b'{"type": "block_actions", "user": {"id": "UEMP1"}, "response_url": "abc", "actions": [{"action_id": "x"}]}',
     JSON),
    (json.dumps({"command": "/goal", "user_id": "UEMP1", "text": "a\x00b"}).encode(), JSON),
])
def test_a_body_bolt_could_not_read_is_refused_400_when_signed_and_401_when_not(slack, org, body, content_type):
    assert slack.send_raw(body, content_type).status == 400
    assert slack.send_raw(body, content_type, drop_signature=True).status == 401


def test_a_command_from_an_id_that_is_no_slack_id_gets_a_clear_refusal(slack, org):
    assert "could not be read" in reply_text(slack.slash_command("uemp1", "/goal", "help"))


@pytest.mark.parametrize(("user_id", "words"), [("UEMP1", "could not be read"), ("UEMP2", "无法读取")])
def test_a_submission_whose_state_is_not_objects_gets_an_inline_refusal_and_saves_nothing(
        slack, org, emulator, session, user_id, words):
    slack.slash_command(user_id, "/goal")
    view = opened_view(emulator)
    response = signed_payload(slack, {"type": "view_submission", "user": {"id": user_id}, "trigger_id": "1.2.3",
                                      "view": {**view, "state": {"values": {"title": ["not", "an", "object"]}}}})
    assert response.status == 200
    assert response.json()["response_action"] == "errors"
    assert words in response.json()["errors"]["title"]
    assert session.exec(select(Goal)).all() == []


@pytest.mark.parametrize("goal_id", [str(2**31), "99999999999999999999", "1e309", "²", "-1"])
def test_a_goal_id_no_database_holds_reads_as_not_found(slack, org, emulator, goal_id):
    response = slack.block_action("UMGR1", APPROVE_ACTION, goal_id, message={"channel": "DUMGR1", "ts": "1.0",
                                                                             "blocks": []})
    assert response.status == 200
    assert emulator.calls_to("response_url")[-1].params["text"] == "That no longer exists, or you can't see it."


def test_checkin_history_of_a_colleague_is_refused_in_words_about_check_ins(slack, org):
    assert "your reports' check-ins" in reply_text(slack.slash_command("UEMP3", "/checkin", "history <@UEMP1>"))
    assert "下属的周进展" in reply_text(slack.slash_command("UEMP2", "/checkin", "history <@UEMP1>"))


def test_a_checkin_submitted_from_outside_the_org_is_refused_not_cleared(slack, org, emulator, session):
    slack.slash_command("UEMP1", "/checkin")
    view = opened_view(emulator)
    emulator.add_user("UGUEST", name="Guest", tz="UTC", locale="en-US")
    response = slack.view_submission("UGUEST", view, {"confidence": "4"})
    assert response.json()["errors"] == {
        "confidence": "You are not in this organisation's directory, so nothing was saved. Ask HR to add you."}
    assert session.exec(select(CheckIn)).all() == []


def test_an_export_by_someone_outside_hr_says_only_hr_can_export(slack, org, emulator):
    slack.block_action("UEMP1", f"{EXPORT_ACTION}-goals", "goals", message={"channel": "DUEMP1", "ts": "1.0",
                                                                            "blocks": []})
    assert emulator.calls_to("response_url")[-1].params["text"] == "Only HR can export records."
