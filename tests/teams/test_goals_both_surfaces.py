"""Goals behave the same from Slack and from Teams: one rule (actions/goals.py), so one test per behaviour, run
from each surface. The manager is asked, and the owner told, where they are, once, through the notices log."""

from __future__ import annotations

import pytest
from sqlmodel import select

from bot.emulator import SignedSlackClient
from prompts import adaptive, goal_blocks, goal_cards
from prompts.goal_blocks import error_text
from prompts.render import render
from storage import notices
from storage.models import Delivery, Goal, GoalChange
from tests.builders import person
from tests.conftest import SIGNING_SECRET
from tests.slack_helpers import dms_to, last_dm_text, opened_view, visible_text
from tests.teams.helpers import dialog_card, replies

SURFACES = ("slack", "teams")
GOOD = {"title": "Onboard 10 pilot customers", "metric": "pilot customers live", "start": "0", "target": "10",
        "unit": "customers", "due_date": "2027-03-31"}
ASKED = "proposed a goal for your approval"


@pytest.fixture
def slack(teams_server, emulator):
    """Slack's signed requests to the same server Teams talks to, Alan and Ada on Slack too."""
    for slack_id, name, email in (("UEMP1", "Alan Turing", "alan@example.com"),
                                  ("UMGR1", "Ada Lovelace", "ada@example.com"),
                                  ("UEMP3", "Katherine Johnson", "kj@example.com")):
        emulator.add_user(slack_id, name=name, email=email, tz="Europe/London", locale="en-GB")
    return SignedSlackClient(f"{teams_server.url}/slack/events", SIGNING_SECRET, emulator=emulator)


@pytest.fixture
def ada(teams, connector):
    """The manager, with the app installed in Teams: she is reached there."""
    ada = connector.add_user("aad-ada", name="Ada Lovelace", email="ada@example.com", locale="en-GB")
    teams.install(ada)
    return ada


@pytest.fixture
def alan(teams, teams_people):
    """The employee, with the app installed in Teams too."""
    teams.install(teams_people.alan)
    return teams_people.alan


@pytest.fixture
def propose(slack, teams, alan, emulator):
    """Alan proposes a goal (past the SMART coach: it supports no goal) from Slack's modal or Teams' dialog."""

    def propose_from(surface: str) -> str:
        if surface == "slack":
            slack.slash_command("UEMP1", "/goal")
            coach = slack.view_submission("UEMP1", opened_view(emulator), GOOD).json()
            assert coach["response_action"] == "push", coach
            assert slack.view_submission("UEMP1", {**coach["view"], "id": "V-confirm"}, {}).json() == {
                "response_action": "clear"}
            return last_dm_text(emulator, "UEMP1")
        response = teams.task_submit(alan, {"action": goal_cards.SUBMIT_NEW_GOAL, "confirmed": True, "form": GOOD})
        assert response.json()["task"]["type"] == "message", response.json()
        return response.json()["task"]["value"]

    return propose_from


def only_goal(sessions) -> Goal:
    with sessions() as session:
        return session.exec(select(Goal)).one()


def notices_to(sessions, slack_id: str) -> list[Delivery]:
    with sessions() as session:
        someone = person(session, slack_id)
        return list(session.exec(select(Delivery).where(Delivery.job == notices.JOB,
                                                         Delivery.person_id == someone.id)))


def requests_to(connector, ada) -> list:
    return [p for p in connector.sent_to(ada.personal_conversation_id) if ASKED in p.text]


def decide_from(surface: str, slack, teams, emulator, user, slack_id: str, goal: Goal, *,
                comment: str | None = None):
    """Approve (no comment) or return (with one) the goal from a Slack button or a Teams card."""
    if surface == "slack":
        request = {"channel": f"D{slack_id}", "ts": "1.0", "blocks": [goal_blocks.decision_actions(goal.id,
                                                                                                   locale="en")]}
        if comment is None:
            return slack.block_action(slack_id, goal_blocks.APPROVE_ACTION, message=request)
        slack.block_action(slack_id, goal_blocks.RETURN_ACTION, message=request)
        return slack.view_submission(slack_id, opened_view(emulator), {"comment": comment})
    if comment is None:
        return teams.card_submit(user, {"action": goal_blocks.APPROVE_ACTION, "value": str(goal.id)})
    return teams.task_submit(user, {"action": goal_cards.SUBMIT_RETURN_GOAL, "goal_id": goal.id, "comment": comment})


@pytest.mark.parametrize("surface", SURFACES)
def test_a_proposed_goal_asks_the_manager_once_where_she_is_and_tells_the_author_it_waits(
    surface, propose, ada, connector, emulator, sessions
):
    connector.reset()
    saved = propose(surface)
    assert "Ada Lovelace" in saved and GOOD["title"] in saved  # waits for her approval, in the words of goal_saved
    goal = only_goal(sessions)
    assert goal.approval == "proposed"
    [request] = requests_to(connector, ada)
    words = render("goal_approval_request", "en", owner="Alan Turing", parent="")
    assert adaptive.teams_markdown(words) in request.text
    assert [m for m in dms_to(emulator, "UMGR1") if "proposed a goal" in visible_text(m)] == []  # Teams only
    [asked] = notices_to(sessions, "UMGR1")
    assert (asked.status, asked.channel) == ("sent", f"teams:{ada.personal_conversation_id}"[:64])


@pytest.mark.parametrize("surface", SURFACES)
def test_a_manager_only_on_slack_is_asked_there_with_slacks_buttons(surface, propose, connector, emulator, sessions):
    propose(surface)
    goal = only_goal(sessions)
    [request] = [m for m in dms_to(emulator, "UMGR1") if "proposed a goal" in visible_text(m)]
    assert request["blocks"][-1] == goal_blocks.decision_actions(goal.id, locale="en")
    assert emulator.home_views.get("UMGR1") is not None  # her App Home lists it, whichever surface it came from


@pytest.mark.parametrize("surface", SURFACES)
def test_a_manager_who_has_left_is_not_asked(surface, propose, ada, connector, emulator, sessions):
    with sessions() as session:
        manager = person(session, "UMGR1")
        manager.active = False
        session.add(manager)
    connector.reset()
    propose(surface)
    assert requests_to(connector, ada) == []
    assert [m for m in dms_to(emulator, "UMGR1") if "proposed a goal" in visible_text(m)] == []
    assert notices_to(sessions, "UMGR1") == []


@pytest.mark.parametrize("surface", SURFACES)
def test_the_owner_hears_the_decision_where_he_is_whichever_surface_the_manager_decides_on(
    surface, propose, slack, teams, alan, ada, connector, emulator, sessions
):
    propose("teams")
    goal = only_goal(sessions)
    connector.reset()
    before = len(dms_to(emulator, "UEMP1"))
    decide_from(surface, slack, teams, emulator, ada, "UMGR1", goal)
    assert only_goal(sessions).approval == "approved"
    told = render("goal_decided", "en", approved=True, decider="Ada Lovelace", title=GOOD["title"], comment="",
                  parent="")
    assert replies(connector, alan) == [adaptive.teams_markdown(told).replace("\n\n", "\n").strip()]
    assert len(dms_to(emulator, "UEMP1")) == before  # told once, in Teams, where he is
    assert [n.status for n in notices_to(sessions, "UEMP1")] == ["sent", "sent"]  # goal saved, goal decided


@pytest.mark.parametrize("surface", SURFACES)
def test_a_return_needs_a_comment_and_nothing_is_written_without_one(
    surface, propose, slack, teams, alan, ada, connector, emulator, sessions
):
    propose("teams")
    goal = only_goal(sessions)
    connector.reset()
    refused = decide_from(surface, slack, teams, emulator, ada, "UMGR1", goal, comment="   ")
    words = error_text("comment_missing", "en")
    if surface == "slack":
        assert refused.json() == {"response_action": "errors", "errors": {"comment": words}}
    else:
        assert f"⚠️ {words}" in [e.get("text") for e in dialog_card(refused)["body"]]
    assert only_goal(sessions).approval == "proposed" and replies(connector, alan) == []

    decide_from(surface, slack, teams, emulator, ada, "UMGR1", goal, comment="Smaller, please")
    stored = only_goal(sessions)
    assert (stored.approval, stored.approval_comment) == ("returned", "Smaller, please")
    [told] = replies(connector, alan)
    assert "returned your goal" in told and "Smaller, please" in told


@pytest.mark.parametrize("surface", SURFACES)
def test_a_colleague_cannot_approve_and_the_owner_hears_nothing(
    surface, propose, slack, teams, teams_people, alan, connector, emulator, sessions
):
    propose("teams")
    goal = only_goal(sessions)
    connector.reset()
    katherine = teams_people.katherine
    decide_from(surface, slack, teams, emulator, katherine, "UEMP3", goal)
    if surface == "slack":
        assert emulator.calls_to("response_url")[-1].params["text"] == error_text("not_allowed", "en")
    else:
        assert replies(connector, katherine) == [error_text("not_allowed", "zh-CN")]  # her Teams client's language
    assert only_goal(sessions).approval == "proposed" and replies(connector, alan) == []
    with sessions() as session:
        assert session.exec(select(GoalChange).where(GoalChange.field_name == "approval")).all() == []
