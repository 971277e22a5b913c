"""A blocker or low confidence in a Teams check-in reaches the manager where they are, once a week, as on Slack."""

from __future__ import annotations

import pytest
from sqlmodel import select

from prompts import cards, checkin_blocks
from prompts.goal_blocks import error_text
from prompts.render import label, render
from storage.models import CheckIn, Delivery, Person
from tests.builders import person
from tests.slack_helpers import dms_to
from tests.teams.helpers import buttons, dialog_card, replies

BLOCKED = {"confidence": "2", "blockers": "Waiting on <legal> & procurement", "help_needed": "A nudge to legal"}


@pytest.fixture
def ada(connector):
    """The manager, in the tenant as well: a Teams user once she has the app."""
    return connector.add_user("aad-ada", name="Ada Lovelace", email="ada@example.com", locale="en-GB")


def check_in(teams, user, **values) -> dict:
    response = teams.task_submit(user, {"action": cards.SUBMIT_CHECKIN, "week": "2026-W48", **values})
    assert response.json()["task"]["type"] == "message", response.json()
    return response.json()["task"]


def alert_words(locale: str = "en") -> str:
    return cards.teams_markdown(render("blocker_alert", locale, name="Alan Turing", week="2026-W48", confidence=2,
                                       blockers=BLOCKED["blockers"], help_needed=BLOCKED["help_needed"]))


def alert_delivery(sessions) -> Delivery:
    with sessions() as session:
        return session.exec(select(Delivery).where(Delivery.job == "blocker-alerts")).one()


def test_a_manager_in_teams_gets_the_alert_card_and_their_reply_reaches_the_employee(
    teams, teams_people, ada, connector, emulator, sessions
):
    teams.install(ada)
    teams.message(teams_people.alan, "help")  # Alan uses Teams too: the reply will find him there
    connector.reset()

    thanks = check_in(teams, teams_people.alan, **BLOCKED)
    assert "I've let Ada Lovelace know" in thanks["value"]
    [alert] = connector.sent_to(ada.personal_conversation_id)
    assert alert.text == alert_words().replace("\n\n", "\n")
    assert "Waiting on <legal> & procurement" in alert.text  # as typed, not Slack-escaped
    [respond] = buttons(alert.cards[0])
    assert respond["title"] == label("respond", "en") and respond["data"]["msteams"] == {"type": "task/fetch"}
    assert dms_to(emulator, "UMGR1") == []  # one alert, in Teams only
    delivery = alert_delivery(sessions)
    assert (delivery.status, delivery.channel) == ("sent", ada.personal_conversation_id)

    dialog = dialog_card(teams.task_fetch(ada, respond["data"]))
    assert dialog["body"][0]["label"] == label("reply_text", "en", name="Alan Turing")
    empty = dialog_card(teams.task_submit(ada, {**dialog["actions"][0]["data"], "reply": "  "}))
    assert f"⚠️ {error_text('comment_missing', 'en')}" in [e.get("text") for e in empty["body"]]
    connector.reset()
    sent = teams.task_submit(ada, {**dialog["actions"][0]["data"], "reply": "I'll call legal today"})
    assert sent.status == 200 and not sent.body  # the dialog closes, as Slack's modal does
    [reply] = replies(connector, teams_people.alan)
    assert reply == cards.teams_markdown(render("manager_reply", "en", manager="Ada Lovelace",
                                                text="I'll call legal today")).replace("\n\n", "\n")

    # Editing the check-in later the same week does not alert the manager twice.
    connector.reset()
    check_in(teams, teams_people.alan, confidence="1", blockers="still stuck")
    assert connector.sent_to(ada.personal_conversation_id) == []


def test_a_manager_only_on_slack_gets_the_alert_as_a_slack_dm(teams, teams_people, connector, emulator, sessions):
    emulator.add_user("UMGR1", name="Ada Lovelace", email="ada@example.com", tz="Europe/London", locale="en-GB")
    thanks = check_in(teams, teams_people.alan, **BLOCKED)
    assert "I've let Ada Lovelace know" in thanks["value"]
    [alert] = dms_to(emulator, "UMGR1")
    assert alert["text"] == render("blocker_alert", "en", name="Alan Turing", week="2026-W48", confidence=2,
                                   blockers=BLOCKED["blockers"], help_needed=BLOCKED["help_needed"])
    assert alert["blocks"][-1]["elements"][0]["action_id"] == checkin_blocks.RESPOND_ACTION  # Slack's own button
    delivery = alert_delivery(sessions)
    assert (delivery.status, delivery.channel, delivery.message_ref) == ("sent", "DUMGR1", alert["ts"])


def test_the_manager_is_told_in_their_own_language(teams, teams_people, ada, connector, sessions):
    with sessions() as session:
        manager = person(session, "UMGR1")
        manager.locale = "zh-CN"
        session.add(manager)
    teams.install(ada)
    connector.reset()
    check_in(teams, teams_people.alan, **BLOCKED)
    [alert] = connector.sent_to(ada.personal_conversation_id)
    assert alert.text == alert_words("zh-CN").replace("\n\n", "\n")


def test_good_confidence_without_blockers_alerts_no_one(teams, teams_people, ada, connector, emulator, sessions):
    teams.install(ada)
    connector.reset()
    thanks = check_in(teams, teams_people.alan, confidence="4", highlights="Shipped")
    assert "I've let" not in thanks["value"]
    assert connector.sent_to(ada.personal_conversation_id) == [] and dms_to(emulator, "UMGR1") == []
    with sessions() as session:
        assert session.exec(select(Delivery)).all() == []


def test_a_manager_the_bot_cannot_reach_is_not_claimed_as_told(teams, teams_people, connector, sessions):
    with sessions() as session:
        manager = person(session, "UMGR1")
        manager.slack_id = None  # not on Slack, and no Teams chat stored
        session.add(manager)
    thanks = check_in(teams, teams_people.alan, **BLOCKED)
    assert "I've let" not in thanks["value"]
    delivery = alert_delivery(sessions)
    assert (delivery.status, delivery.last_error) == ("failed", "unreachable")


def test_a_failing_bot_connector_is_recorded_and_the_checkin_still_stands(teams, teams_people, ada, connector,
                                                                          sessions):
    teams.install(ada)
    teams.message(teams_people.alan, "help")
    connector.reset()
    connector.fail_next(status=503)
    thanks = check_in(teams, teams_people.alan, **BLOCKED)
    assert "I've let" not in thanks["value"]
    assert [(p.operation, p.conversation_id) for p in connector.posted] == [
        ("failed", ada.personal_conversation_id), ("send", teams_people.alan.personal_conversation_id)]
    delivery = alert_delivery(sessions)
    assert (delivery.status, delivery.last_error) == ("failed", "teams:HTTPStatusError")
    with sessions() as session:
        assert len(session.exec(select(CheckIn)).all()) == 1


def test_only_the_manager_or_hr_may_respond(teams, teams_people, ada, connector, sessions):
    teams.install(ada)
    teams.message(teams_people.alan, "help")
    check_in(teams, teams_people.alan, **BLOCKED)
    with sessions() as session:
        checkin_id = session.exec(select(CheckIn)).one().id
        assert session.exec(select(Person).where(Person.slack_id == "UEMP3")).one()
    connector.reset()
    katherine = teams_people.katherine  # a colleague
    refused = dialog_card(teams.task_fetch(katherine, {"action": checkin_blocks.RESPOND_ACTION,
                                                       "value": str(checkin_id)}))
    assert cards.plain_text(error_text("not_allowed", "zh-CN")) in str(refused["body"])
    for forged in (str(checkin_id), checkin_id, "99999999999999999999", "abc", None, ["1"]):
        answer = teams.task_submit(katherine, {"action": cards.SUBMIT_REPLY, "checkin_id": forged, "reply": "gotcha"})
        assert answer.status == 200 and "task" in answer.json()
    assert replies(connector, teams_people.alan) == []
