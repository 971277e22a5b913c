"""Slack shortcuts end to end: "Check in" opens /checkin's modal; "Kudos for this message" thanks its author."""

from __future__ import annotations

import json

import pytest
from sqlmodel import select

from handlers.shortcuts import CHECKIN_SHORTCUT, KUDOS_SHORTCUT
from prompts.kudos_blocks import KUDOS_VIEW
from prompts.render import label, render
from storage.models import CheckIn, Kudos
from tests.builders import approved_goal, load_org, person
from tests.slack_helpers import dms_to, last_dm_text, opened_view, visible_text

EMPLOYEE, CHINESE_EMPLOYEE, PEER, MANAGER = "UEMP1", "UEMP2", "UEMP3", "UMGR1"
SAID = "Fixed the flaky <deploy> test & wrote it up"


@pytest.fixture
def org(sessions, clock, emulator):
    load_org(sessions, now=clock.now(), emulator=emulator)


def stored(session, model):
    session.expire_all()
    return list(session.exec(select(model)))


def ephemeral_answers(emulator) -> list[str]:
    return [call.params.get("text", "") for call in emulator.calls_to("response_url")]


def open_kudos(slack, emulator, giver: str, message: dict) -> dict:
    response = slack.message_shortcut(giver, KUDOS_SHORTCUT, message)
    assert response.status == 200 and not response.body
    view = opened_view(emulator)
    assert view["callback_id"] == KUDOS_VIEW
    return view


def test_the_check_in_shortcut_opens_the_weeks_check_in_and_its_submit_records_it(slack, emulator, org, sessions,
                                                                                  clock, session):
    goal = approved_goal(sessions, EMPLOYEE, now=clock.now(), title="Onboard 10 pilots", target="10")
    response = slack.global_shortcut(EMPLOYEE, CHECKIN_SHORTCUT)
    assert response.status == 200 and not response.body
    view = opened_view(emulator)
    assert view["title"]["text"] == "Weekly check-in"  # /checkin's own modal
    assert f"goal:{goal.id}:value" in {block.get("block_id") for block in view["blocks"]}
    submitted = slack.view_submission(EMPLOYEE, view, {f"goal:{goal.id}:value": "3", "confidence": "4",
                                                       "highlights": "Three pilots live"})
    assert submitted.status == 200 and not submitted.body
    [checkin] = stored(session, CheckIn)
    assert (checkin.week, checkin.confidence, checkin.highlights) == ("2026-W48", 4, "Three pilots live")
    assert "your check-in for the week of Nov 23 is in" in last_dm_text(emulator, EMPLOYEE)


def test_the_check_in_shortcut_tells_someone_outside_the_directory_whom_to_ask(slack, emulator, org):
    emulator.add_user("USTRANGER", name="Mallory", email="mallory@elsewhere.example")
    slack.global_shortcut("USTRANGER", CHECKIN_SHORTCUT)
    view = opened_view(emulator)
    assert "Grace Hopper" in visible_text(view) and "submit" not in view


def test_kudos_for_a_message_open_with_its_author_chosen_and_the_message_quoted(slack, emulator, org):
    message = emulator.post_as_user(CHINESE_EMPLOYEE, "C0GENERAL", SAID)
    view = open_kudos(slack, emulator, EMPLOYEE, message)
    receiver = next(block for block in view["blocks"] if block.get("block_id") == "receiver")
    assert receiver["element"] == {"type": "users_select", "action_id": "receiver", "initial_user": CHINESE_EMPLOYEE}
    about = visible_text({"blocks": [view["blocks"][0]]})
    link = f"https://emulated.slack.com/archives/C0GENERAL/p{message['ts'].replace('.', '')}"
    assert about == label("kudos_for_message", "en", quote=SAID, link=link)
    assert json.loads(view["private_metadata"]) == {"quote": SAID, "link": link}
    [permalink] = emulator.calls_to("chat.getPermalink")
    assert permalink.response["permalink"] == link


def test_kudos_for_a_message_reach_its_author_with_the_message_and_stay_on_their_record(slack, emulator, org,
                                                                                       session):
    message = emulator.post_as_user(CHINESE_EMPLOYEE, "C0GENERAL", SAID)
    view = open_kudos(slack, emulator, EMPLOYEE, message)
    response = slack.view_submission(EMPLOYEE, view, {"receiver": CHINESE_EMPLOYEE,
                                                      "message": "Thanks for chasing this down"})
    assert response.status == 200
    answer = response.json()
    assert answer["response_action"] == "update"
    assert visible_text(answer["view"]) == render("kudos_sent", "en", receiver="李雷", channel="")
    [kudos] = stored(session, Kudos)
    assert (kudos.giver_id, kudos.receiver_id, kudos.message) == (
        person(session, EMPLOYEE).id, person(session, CHINESE_EMPLOYEE).id, "Thanks for chasing this down")
    told = last_dm_text(emulator, CHINESE_EMPLOYEE)  # in the receiver's language, naming the message
    assert "Alan Turing* 表扬了 *李雷*" in told and "Thanks for chasing this down" in told
    assert "<https://emulated.slack.com/archives/C0GENERAL/p" in told and "Fixed the flaky &lt;deploy&gt;" in told


def test_kudos_without_words_are_refused_on_the_form_and_nothing_is_kept(slack, emulator, org, session):
    view = open_kudos(slack, emulator, EMPLOYEE, emulator.post_as_user(PEER, "C0GENERAL", "done"))
    response = slack.view_submission(EMPLOYEE, view, {"receiver": PEER, "message": "   "})
    assert response.json() == {"response_action": "errors", "errors": {"message": label("error_kudos_empty", "en")}}
    assert stored(session, Kudos) == [] and dms_to(emulator, PEER) == []


@pytest.mark.parametrize(("giver", "author", "words"), [
    (EMPLOYEE, EMPLOYEE, label("error_kudos_self", "en")),
    (CHINESE_EMPLOYEE, CHINESE_EMPLOYEE, label("error_kudos_self", "zh-CN")),
    (EMPLOYEE, "UOUTSIDER", label("error_kudos_author_unknown", "en")),
    (CHINESE_EMPLOYEE, "bot", label("error_kudos_bot_author", "zh-CN")),
])
def test_kudos_for_your_own_a_bots_or_a_strangers_message_are_refused_under_it(slack, emulator, org, session,
                                                                               giver, author, words):
    if author == "bot":  # one of the bot's own messages (praise it posted), as Slack holds it
        slack.slash_command(MANAGER, "/kudos", f"<@{PEER}> great demo")
        [message] = [m for m in emulator.messages if m.get("bot_id")]
    else:
        if author == "UOUTSIDER":
            emulator.add_user("UOUTSIDER", name="Mallory")
        message = emulator.post_as_user(author, "C0GENERAL", "a message")
    emulator.reset_calls()
    before = len(stored(session, Kudos))
    response = slack.message_shortcut(giver, KUDOS_SHORTCUT, message)
    assert response.status == 200 and not response.body
    assert ephemeral_answers(emulator) == [words]
    assert emulator.calls_to("views.open") == [] and len(stored(session, Kudos)) == before


def test_a_stranger_using_the_kudos_shortcut_is_told_whom_to_ask(slack, emulator, org, session):
    emulator.add_user("USTRANGER", name="Mallory")
    slack.message_shortcut("USTRANGER", KUDOS_SHORTCUT, emulator.post_as_user(PEER, "C0GENERAL", "hi"))
    [answer] = ephemeral_answers(emulator)
    assert "Grace Hopper" in answer and emulator.calls_to("views.open") == []
