"""The evaluation flows' rules hold whichever surface a person acts from: one action each (actions/peers.py,
actions/cycles.py, actions/improvement.py), so one test per behaviour, run from Slack and from Teams."""

from __future__ import annotations

import pytest
from sqlmodel import select

from bot.emulator import SignedSlackClient
from prompts import cycle_blocks, evaluation_cards, improvement_blocks, peer_blocks
from prompts.goal_blocks import error_text
from storage import cycles, notices
from storage.models import Delivery, ImprovementPlan, Review, ReviewCycle
from tests.builders import person
from tests.conftest import SIGNING_SECRET
from tests.slack_helpers import dms_to, last_dm_text, opened_view
from tests.teams.helpers import buttons, dialog_card, replies

SURFACES = ("slack", "teams")
DATES = {"from": "2026-07-01", "to": "2026-12-31", "self_due": "2026-12-04", "peer_due": "2026-12-09",
         "manager_due": "2026-12-16"}
NO_MESSAGE = {"channel": "D0", "blocks": [], "text": ""}


@pytest.fixture
def slack(teams_server, emulator, teams_people):
    """Slack on the same server as Teams; the org's people are in the Slack workspace too."""
    for slack_id, name, email in (("UHR1", "Grace Hopper", "grace@example.com"),
                                  ("UMGR1", "Ada Lovelace", "ada@example.com"),
                                  ("UEMP2", "李雷", "li.lei@example.com")):
        emulator.add_user(slack_id, name=name, email=email, tz="Europe/London", locale="en-GB")
    return SignedSlackClient(f"{teams_server.url}/slack/events", SIGNING_SECRET, emulator=emulator)


@pytest.fixture
def ada(teams, connector):
    """The manager, last seen in Teams: what she is told reaches her there."""
    user = connector.add_user("aad-ada", name="Ada Lovelace", email="ada@example.com", locale="en-GB")
    teams.install(user)
    teams.message(user, "help")
    return user


@pytest.fixture
def grace(teams, connector):
    user = connector.add_user("aad-grace", name="Grace Hopper", email="grace@example.com", locale="en-US")
    teams.install(user)
    return user


@pytest.fixture
def cycle_id(teams_people, sessions, clock) -> int:
    with sessions() as session:
        return cycles.open_cycle(session, name="2026-H2", period_start="2026-07-01", period_end="2026-12-31",
                                 self_due="2026-12-04", peer_due="2026-12-09", manager_due="2026-12-16",
                                 team="Platform", now=clock.now()).id


def peer_ids(sessions, *slack_ids: str) -> list[int]:
    with sessions() as session:
        return [person(session, slack_id).id for slack_id in slack_ids]


@pytest.mark.parametrize("surface", SURFACES)
def test_proposed_peers_reach_the_manager_where_she_is_once(surface, slack, teams, teams_people, ada, cycle_id,
                                                           connector, emulator, sessions):
    connector.reset()
    alan, katherine = peer_ids(sessions, "UEMP1", "UEMP3")
    if surface == "slack":
        slack.block_action("UEMP2", peer_blocks.CHOOSE_PEERS_ACTION, str(cycle_id), message=NO_MESSAGE)
        assert slack.view_submission("UEMP2", opened_view(emulator), {"peers": ["UEMP1", "UEMP3"]}).status == 200
        assert "Alan Turing" in last_dm_text(emulator, "UEMP2")
    else:
        done = teams.task_submit(teams_people.li_lei, {"action": evaluation_cards.SUBMIT_PEERS, "value": str(cycle_id),
                                                       "peers": f"{alan},{katherine}"}).json()
        assert done["task"]["type"] == "message"
    [request] = connector.sent_to(ada.personal_conversation_id)
    assert "李雷" in request.text and "Alan Turing" in request.text and "Katherine Johnson" in request.text
    assert {b["data"]["action"] for b in buttons(request.cards[0])} == {peer_blocks.CONFIRM_PEERS_ACTION,
                                                                        peer_blocks.CHANGE_PEERS_ACTION}
    assert dms_to(emulator, "UMGR1") == []
    with sessions() as session:
        assert len(session.exec(select(Review).where(Review.kind == "peer", Review.state == "proposed")).all()) == 2
        delivered = session.exec(select(Delivery).where(Delivery.job == notices.JOB)).all()
        manager_id = person(session, "UMGR1").id
    assert [d.status for d in delivered if d.person_id == manager_id] == ["sent"]


@pytest.mark.parametrize("surface", SURFACES)
def test_choosing_yourself_as_a_peer_is_refused_and_nothing_is_written(surface, slack, teams, teams_people, ada,
                                                                       cycle_id, connector, emulator, sessions):
    connector.reset()
    li, alan = peer_ids(sessions, "UEMP2", "UEMP1")
    if surface == "slack":
        slack.block_action("UEMP2", peer_blocks.CHOOSE_PEERS_ACTION, str(cycle_id), message=NO_MESSAGE)
        refused = slack.view_submission("UEMP2", opened_view(emulator), {"peers": ["UEMP2", "UEMP1"]})
        assert refused.json()["errors"] == {"peers": error_text("peer_self", "zh-CN")}
    else:
        refused = dialog_card(teams.task_submit(teams_people.li_lei, {
            "action": evaluation_cards.SUBMIT_PEERS, "value": str(cycle_id), "peers": f"{li},{alan}"}))
        assert f"⚠️ {error_text('peer_self', 'zh-CN')}" in str(refused["body"])
    with sessions() as session:
        assert session.exec(select(Review).where(Review.kind == "peer")).all() == []
    assert connector.sent_to(ada.personal_conversation_id) == []


@pytest.mark.parametrize("surface", SURFACES)
def test_a_cycle_with_dates_out_of_order_is_refused_on_the_self_due_date(surface, slack, teams, teams_people, grace,
                                                                          emulator, sessions):
    values = {"name": "2026 H2", "team": "Platform", **DATES, "peer_due": "2026-12-01"}
    if surface == "slack":
        slack.block_action("UHR1", cycle_blocks.OPEN_CYCLE_ACTION, message=NO_MESSAGE)
        errors = slack.view_submission("UHR1", opened_view(emulator), values).json()["errors"]
    else:
        card = dialog_card(teams.task_submit(grace, {"action": evaluation_cards.SUBMIT_OPEN_CYCLE, **values}))
        errors = {card["body"][i]["id"]: card["body"][i + 1]["text"].removeprefix("⚠️ ")
                  for i in range(len(card["body"]) - 1) if card["body"][i + 1].get("color") == "Attention"}
    assert list(errors) == ["self_due"] and errors["self_due"].startswith("The dates are out of order")
    with sessions() as session:
        assert session.exec(select(ReviewCycle)).all() == []


@pytest.mark.parametrize("surface", SURFACES)
def test_an_improvement_plan_reaches_the_employee_where_they_are(surface, slack, teams, teams_people, ada,
                                                                 connector, emulator, sessions):
    li_lei = teams_people.li_lei
    teams.install(li_lei)
    connector.reset()
    form = {"gaps": "Late hand-offs", "causes": "circumstances", "actions": "Daily stand-up notes",
            "success_measure": "No late hand-off for a month", "check_1": "2026-12-07"}
    if surface == "slack":
        slack.block_action("UMGR1", improvement_blocks.OPEN_PLAN_ACTION, "pick", message=NO_MESSAGE)
        assert slack.view_submission("UMGR1", opened_view(emulator), {
            **form, "causes": ["circumstances"], "subject": "UEMP2"}).status == 200
    else:
        [li] = peer_ids(sessions, "UEMP2")
        done = teams.task_submit(ada, {"action": evaluation_cards.SUBMIT_IMPROVEMENT_PLAN, "value": "", **form,
                                       "subject": str(li)}).json()
        assert done["task"]["type"] == "message"
    [plan] = connector.sent_to(li_lei.personal_conversation_id)
    assert "Late hand-offs" in plan.text
    assert improvement_blocks.COMMITMENTS_ACTION in str(plan.cards[0])
    assert dms_to(emulator, "UEMP2") == []
    with sessions() as session:
        assert session.exec(select(ImprovementPlan)).one().state == "open"
    assert replies(connector, li_lei) == [plan.text]


@pytest.mark.parametrize("surface", SURFACES)
def test_a_manager_who_has_left_is_not_asked_to_confirm_peers(surface, slack, teams, teams_people, ada, cycle_id,
                                                              connector, emulator, sessions):
    with sessions() as session:
        manager = person(session, "UMGR1")
        manager.active = False
        session.add(manager)
    connector.reset()
    alan, katherine = peer_ids(sessions, "UEMP1", "UEMP3")
    if surface == "slack":
        slack.block_action("UEMP2", peer_blocks.CHOOSE_PEERS_ACTION, str(cycle_id), message=NO_MESSAGE)
        assert slack.view_submission("UEMP2", opened_view(emulator), {"peers": ["UEMP1", "UEMP3"]}).status == 200
        thanks = last_dm_text(emulator, "UEMP2")
    else:
        thanks = teams.task_submit(teams_people.li_lei, {"action": evaluation_cards.SUBMIT_PEERS,
                                                         "value": str(cycle_id), "peers": f"{alan},{katherine}"})
        thanks = thanks.json()["task"]["value"]
    assert "Alan Turing" in thanks and "Ada Lovelace" not in thanks
    assert connector.sent_to(ada.personal_conversation_id) == [] and dms_to(emulator, "UMGR1") == []
