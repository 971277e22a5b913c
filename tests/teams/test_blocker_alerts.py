"""A blocker or low confidence reaches the manager where they are, once a week, whichever surface the employee
checked in from: one rule (actions/checkins.py), so one test per behaviour, run from Slack and from Teams."""

from __future__ import annotations

import pytest
from sqlmodel import select

from bot.emulator import SignedSlackClient
from prompts import adaptive, checkin_blocks, checkin_cards
from prompts.goal_blocks import error_text
from prompts.render import label, render
from storage import notices
from storage.models import CheckIn, Delivery, Person
from tests.builders import person
from tests.conftest import SIGNING_SECRET
from tests.slack_helpers import dms_to, last_dm_text, opened_view
from tests.teams.helpers import buttons, dialog_card, replies

BLOCKED = {"confidence": "2", "blockers": "Waiting on <legal> & procurement", "help_needed": "A nudge to legal"}
SURFACES = ("slack", "teams")


@pytest.fixture
def ada(connector):
    """The manager, in the tenant as well: a Teams user once she has the app."""
    return connector.add_user("aad-ada", name="Ada Lovelace", email="ada@example.com", locale="en-GB")


@pytest.fixture
def check_in(teams, teams_server, teams_people, emulator):
    """Alan checks in from Slack's modal or Teams' dialog; returns the thanks he sees."""
    slack = SignedSlackClient(f"{teams_server.url}/slack/events", SIGNING_SECRET, emulator=emulator)
    emulator.add_user("UEMP1", name="Alan Turing", email="alan@example.com", tz="Europe/London", locale="en-GB")

    def check_in_from(surface: str, **values) -> str:
        if surface == "slack":
            assert slack.slash_command("UEMP1", "/checkin").status == 200
            slack.view_submission("UEMP1", opened_view(emulator), values)
            return last_dm_text(emulator, "UEMP1")
        response = teams.task_submit(teams_people.alan, {"action": checkin_cards.SUBMIT_CHECKIN, "week": "2026-W48",
                                                         **values})
        assert response.json()["task"]["type"] == "message", response.json()
        return response.json()["task"]["value"]

    return check_in_from


def alert_words(locale: str = "en") -> str:
    return adaptive.teams_markdown(render("blocker_alert", locale, name="Alan Turing", week="2026-W48", confidence=2,
                                          blockers=BLOCKED["blockers"], help_needed=BLOCKED["help_needed"]))


def alert_delivery(sessions) -> Delivery:
    with sessions() as session:
        return session.exec(select(Delivery).where(Delivery.job == notices.JOB,
                                                   Delivery.period.startswith("alert:"))).one()


@pytest.mark.parametrize("surface", SURFACES)
def test_a_manager_in_teams_gets_the_alert_card_once_a_week(surface, check_in, teams, teams_people, ada, connector,
                                                            emulator, sessions):
    teams.install(ada)
    connector.reset()
    thanks = check_in(surface, **BLOCKED)
    assert "I've let Ada Lovelace know" in thanks
    [alert] = connector.sent_to(ada.personal_conversation_id)
    assert alert.text == alert_words().replace("\n\n", "\n")
    assert "Waiting on <legal> & procurement" in alert.text  # as typed, not Slack-escaped
    [respond] = buttons(alert.cards[0])
    assert respond["title"] == label("respond", "en") and respond["data"]["msteams"] == {"type": "task/fetch"}
    assert dms_to(emulator, "UMGR1") == []  # one alert, in Teams only
    delivery = alert_delivery(sessions)
    assert (delivery.status, delivery.channel) == ("sent", f"teams:{ada.personal_conversation_id}"[:64])

    # Editing the check-in later the same week, from either surface, does not alert the manager twice.
    connector.reset()
    for again in SURFACES:
        assert "I've let Ada Lovelace know" in check_in(again, confidence="1", blockers="still stuck")
    assert connector.sent_to(ada.personal_conversation_id) == []


@pytest.mark.parametrize("surface", SURFACES)
def test_a_manager_only_on_slack_gets_the_alert_as_a_slack_dm(surface, check_in, teams_people, connector, emulator,
                                                             sessions):
    emulator.add_user("UMGR1", name="Ada Lovelace", email="ada@example.com", tz="Europe/London", locale="en-GB")
    assert "I've let Ada Lovelace know" in check_in(surface, **BLOCKED)
    [alert] = dms_to(emulator, "UMGR1")
    assert alert["text"] == render("blocker_alert", "en", name="Alan Turing", week="2026-W48", confidence=2,
                                   blockers=BLOCKED["blockers"], help_needed=BLOCKED["help_needed"])
    assert alert["blocks"][-1]["elements"][0]["action_id"] == checkin_blocks.RESPOND_ACTION  # Slack's own button
    delivery = alert_delivery(sessions)
    assert (delivery.status, delivery.channel, delivery.message_ref) == ("sent", "DUMGR1", alert["ts"])


@pytest.mark.parametrize("surface", SURFACES)
def test_a_manager_who_prefers_teams_is_alerted_there_not_in_slack(surface, check_in, teams, teams_people, ada,
                                                                   connector, emulator, sessions):
    emulator.add_user("UMGR1", name="Ada Lovelace", email="ada@example.com", tz="Europe/London", locale="en-GB")
    teams.install(ada)
    teams.message(ada, "checkin here")
    connector.reset()
    check_in(surface, **BLOCKED)
    assert len(connector.sent_to(ada.personal_conversation_id)) == 1
    assert dms_to(emulator, "UMGR1") == []


@pytest.mark.parametrize("surface", SURFACES)
def test_the_manager_is_told_in_their_own_language(surface, check_in, teams, teams_people, ada, connector, sessions):
    with sessions() as session:
        manager = person(session, "UMGR1")
        manager.locale = "zh-CN"
        session.add(manager)
    teams.install(ada)
    connector.reset()
    check_in(surface, **BLOCKED)
    [alert] = connector.sent_to(ada.personal_conversation_id)
    assert alert.text == alert_words("zh-CN").replace("\n\n", "\n")


@pytest.mark.parametrize("surface", SURFACES)
def test_good_confidence_without_blockers_alerts_no_one(surface, check_in, teams, teams_people, ada, connector,
                                                        emulator, sessions):
    teams.install(ada)
    connector.reset()
    assert "I've let" not in check_in(surface, confidence="4", highlights="Shipped")
    assert connector.sent_to(ada.personal_conversation_id) == [] and dms_to(emulator, "UMGR1") == []
    with sessions() as session:
        assert session.exec(select(Delivery).where(Delivery.period.startswith("alert:"))).all() == []


@pytest.mark.parametrize("surface", SURFACES)
def test_a_manager_the_bot_cannot_reach_is_never_claimed_as_told(surface, check_in, teams_people, connector,
                                                                 sessions):
    with sessions() as session:
        manager = person(session, "UMGR1")
        manager.slack_id = None  # not on Slack, and no Teams chat stored
        session.add(manager)
    assert "I've let" not in check_in(surface, **BLOCKED)
    assert "I've let" not in check_in(surface, confidence="1", blockers="still stuck")  # not on the second try either
    assert alert_delivery(sessions).status == "skipped"  # nowhere to send it: recorded, not pretended


@pytest.mark.parametrize("surface", SURFACES)
def test_a_failing_bot_connector_keeps_the_alert_for_a_retry_and_the_checkin_stands(
    surface, check_in, teams, teams_people, ada, connector, sessions
):
    teams.install(ada)
    teams.message(teams_people.alan, "help")  # known in Teams already: nothing else calls the connector first
    connector.reset()
    connector.fail_next(status=503)
    check_in(surface, **BLOCKED)
    assert [(p.operation, p.conversation_id) for p in connector.posted][0] == ("failed", ada.personal_conversation_id)
    delivery = alert_delivery(sessions)
    assert (delivery.status, delivery.last_error) == ("retry", "teams: http 503")
    with sessions() as session:
        assert len(session.exec(select(CheckIn)).all()) == 1


def test_the_managers_reply_in_teams_reaches_the_employee(check_in, teams, teams_people, ada, connector):
    teams.install(ada)
    teams.message(teams_people.alan, "help")  # Alan uses Teams too: the reply will find him there
    connector.reset()
    check_in("teams", **BLOCKED)
    [alert] = connector.sent_to(ada.personal_conversation_id)
    [respond] = buttons(alert.cards[0])
    dialog = dialog_card(teams.task_fetch(ada, respond["data"]))
    assert dialog["body"][0]["label"] == label("reply_text", "en", name="Alan Turing")
    empty = dialog_card(teams.task_submit(ada, {**dialog["actions"][0]["data"], "reply": "  "}))
    assert f"⚠️ {error_text('comment_missing', 'en')}" in [e.get("text") for e in empty["body"]]
    too_long = dialog_card(teams.task_submit(ada, {**dialog["actions"][0]["data"], "reply": "x" * 3001}))
    assert f"⚠️ {error_text('text_too_long', 'en')}" in [e.get("text") for e in too_long["body"]]
    connector.reset()
    sent = teams.task_submit(ada, {**dialog["actions"][0]["data"], "reply": "I'll call legal today"})
    assert sent.status == 200 and not sent.body  # the dialog closes, as Slack's modal does
    [reply] = replies(connector, teams_people.alan)
    assert reply == adaptive.teams_markdown(render("manager_reply", "en", manager="Ada Lovelace",
                                                   text="I'll call legal today")).replace("\n\n", "\n")


def test_only_the_manager_or_hr_may_respond(check_in, teams, teams_people, ada, connector, sessions):
    teams.install(ada)
    teams.message(teams_people.alan, "help")
    check_in("teams", **BLOCKED)
    with sessions() as session:
        checkin_id = session.exec(select(CheckIn)).one().id
        assert session.exec(select(Person).where(Person.slack_id == "UEMP3")).one()
    connector.reset()
    katherine = teams_people.katherine  # a colleague
    refused = dialog_card(teams.task_fetch(katherine, {"action": checkin_blocks.RESPOND_ACTION,
                                                       "value": str(checkin_id)}))
    assert adaptive.plain_text(error_text("reply_not_allowed", "zh-CN")) in str(refused["body"])
    for forged in (str(checkin_id), checkin_id, "99999999999999999999", "abc", None, ["1"]):
        answer = teams.task_submit(katherine, {"action": checkin_cards.SUBMIT_REPLY, "checkin_id": forged,
                                               "reply": "gotcha"})
        assert answer.status == 200 and "task" in answer.json()
    assert replies(connector, teams_people.alan) == []
