"""The message extension in Teams: "Give kudos for this message" and "Check in", through signed invokes."""

from __future__ import annotations

import pytest
from sqlmodel import select

from handlers.teams.shortcuts import CHECKIN_COMMAND, KUDOS_COMMAND, plain_text
from prompts import adaptive
from prompts.goal_blocks import error_text
from prompts.render import label, render
from storage.models import CheckIn, Kudos
from tests.builders import approved_goal, person
from tests.slack_helpers import dms_to
from tests.teams.helpers import dialog_card, inputs, replies

HTML = "<p>Shipped the <b>pilot</b> &amp; wrote the notes, thanks <at>Ada</at></p>"


@pytest.fixture
def ada(connector):
    return connector.add_user("aad-ada", name="Ada Lovelace", email="ada@example.com", locale="en-GB")


def stored(sessions, model) -> list:
    with sessions() as session:
        return list(session.exec(select(model)))


def submit_data(card: dict) -> dict:
    [submit] = [action for action in card.get("actions", []) if action["type"] == "Action.Submit"]
    return submit["data"]


def closed_with(response) -> str:
    assert response.status == 200, response.body
    task = response.json()["task"]
    assert task["type"] == "message", task
    return task["value"]


def test_it_reads_the_words_of_a_teams_message():
    assert plain_text(HTML) == " Shipped the pilot & wrote the notes, thanks Ada"


def test_check_in_from_the_compose_box_opens_the_weeks_dialog_and_records_it(teams, teams_people, sessions, clock):
    goal = approved_goal(sessions, "UEMP1", now=clock.now(), title="Onboard 10 pilots", target="10")
    card = dialog_card(teams.extension_fetch(teams_people.alan, CHECKIN_COMMAND, context="compose"))
    assert {f"goal:{goal.id}:value", "confidence", "highlights"} <= set(inputs(card))
    data = {**submit_data(card), f"goal:{goal.id}:value": "2", "confidence": "4", "highlights": "Two pilots live"}
    answer = closed_with(teams.extension_submit(teams_people.alan, CHECKIN_COMMAND, data, context="compose"))
    assert "week of Nov 23" in answer
    [checkin] = stored(sessions, CheckIn)
    assert (checkin.week, checkin.confidence, checkin.highlights) == ("2026-W48", 4, "Two pilots live")


def test_a_check_in_without_confidence_comes_back_with_the_error_and_saves_nothing(teams, teams_people, sessions):
    card = dialog_card(teams.extension_fetch(teams_people.alan, CHECKIN_COMMAND, context="commandbox"))
    again = dialog_card(teams.extension_submit(teams_people.alan, CHECKIN_COMMAND,
                                               {**submit_data(card), "confidence": ""}, context="commandbox"))
    assert "confidence" in inputs(again)
    assert any(element.get("color") == "Attention" for element in again["body"])
    assert stored(sessions, CheckIn) == []


def test_kudos_for_a_message_open_with_its_author_chosen_and_the_message_quoted(teams, teams_people, ada):
    teams.install(ada)  # Ada is linked by her Entra ID object id
    message = teams.posted_message(ada, HTML)
    card = dialog_card(teams.extension_fetch(teams_people.li_lei, KUDOS_COMMAND, context="message",
                                             message=message))
    fields = inputs(card)
    assert [choice["title"] for choice in fields["receiver"]["choices"]] == ["Ada Lovelace"]
    assert fields["receiver"]["value"] == fields["receiver"]["choices"][0]["value"]
    assert "message" in fields and fields["message"]["label"] == label("kudos_message", "zh-CN")
    shown = " ".join(element.get("text", "") for element in card["body"])
    assert "Shipped the pilot & wrote the notes, thanks Ada" in shown and message["linkToMessage"] in shown


def test_kudos_sent_from_a_message_reach_its_author_and_stay_on_their_record(teams, teams_people, ada, connector,
                                                                             sessions):
    teams.install(ada)
    connector.reset()
    message = teams.posted_message(ada, HTML)
    card = dialog_card(teams.extension_fetch(teams_people.alan, KUDOS_COMMAND, context="message", message=message))
    data = {**submit_data(card), "receiver": inputs(card)["receiver"]["value"], "message": "Great notes"}
    answer = closed_with(teams.extension_submit(teams_people.alan, KUDOS_COMMAND, data, context="message",
                                                message=message))
    assert answer == adaptive.plain_text(render("kudos_sent", "en", receiver="Ada Lovelace", channel=""))
    [kudos] = stored(sessions, Kudos)
    with sessions() as session:
        assert (kudos.giver_id, kudos.receiver_id, kudos.message) == (
            person(session, "UEMP1").id, person(session, "UMGR1").id, "Great notes")
    [praise] = replies(connector, ada)
    assert "Alan Turing" in praise and "Great notes" in praise and "Shipped the pilot" in praise


def test_kudos_for_someone_only_on_slack_reach_them_in_slack(teams, teams_people, emulator, sessions):
    emulator.add_user("UEMP2", name="李雷", email="li.lei@example.com", tz="Asia/Shanghai", locale="zh-CN")
    message = teams.posted_message(teams_people.li_lei, "<div>合同已经签好了</div>")  # his Teams id is in the org CSV
    card = dialog_card(teams.extension_fetch(teams_people.alan, KUDOS_COMMAND, context="message", message=message))
    data = {**submit_data(card), "receiver": inputs(card)["receiver"]["value"], "message": "谢谢！"}
    closed_with(teams.extension_submit(teams_people.alan, KUDOS_COMMAND, data, context="message"))
    [dm] = dms_to(emulator, "UEMP2")
    assert "谢谢！" in dm["text"] and "合同已经签好了" in dm["text"]
    assert len(stored(sessions, Kudos)) == 1


def test_kudos_without_words_come_back_with_the_error(teams, teams_people, ada, sessions):
    teams.install(ada)
    message = teams.posted_message(ada, "<p>done</p>")
    card = dialog_card(teams.extension_fetch(teams_people.alan, KUDOS_COMMAND, context="message", message=message))
    data = {**submit_data(card), "receiver": inputs(card)["receiver"]["value"], "message": "  "}
    again = dialog_card(teams.extension_submit(teams_people.alan, KUDOS_COMMAND, data, context="message"))
    assert error_text("kudos_empty", "en") in " ".join(element.get("text", "") for element in again["body"])
    assert stored(sessions, Kudos) == []


@pytest.mark.parametrize("case", ["own", "app", "stranger"])
def test_kudos_for_your_own_an_apps_or_a_strangers_message_are_refused(teams, teams_people, sessions, case):
    author = {"own": teams_people.li_lei, "app": None, "stranger": teams_people.stranger}[case]
    message = teams.posted_message(author, "<p>hello</p>", app_name="Build bot")
    response = teams.extension_fetch(teams_people.li_lei, KUDOS_COMMAND, context="message", message=message)
    code = {"own": "kudos_self", "app": "kudos_bot_author", "stranger": "kudos_author_unknown"}[case]
    card = dialog_card(response)
    assert inputs(card) == {}
    assert adaptive.plain_text(error_text(code, "zh-CN")) in adaptive.plain_text(
        " ".join(element.get("text", "") for element in card["body"]))
    assert stored(sessions, Kudos) == []


def test_a_stranger_is_told_whom_to_ask(teams, teams_people):
    card = dialog_card(teams.extension_fetch(teams_people.stranger, CHECKIN_COMMAND))
    assert "Grace Hopper" in " ".join(element.get("text", "") for element in card["body"])
