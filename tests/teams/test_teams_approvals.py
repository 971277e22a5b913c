"""Goal approvals in Teams: a goal proposed in Teams reaches the manager where they are; Approve and Return with
comment work from the Teams card through storage.goals.decide; the owner is told where they are, as on Slack."""

from __future__ import annotations

import pytest
from sqlmodel import select

from prompts import adaptive, goal_blocks, goal_cards
from prompts.goal_blocks import error_text
from prompts.render import label, render
from storage.models import Goal, GoalChange
from tests.slack_helpers import dms_to
from tests.teams.helpers import buttons, dialog_card, inputs, replies

GOOD = {"title": "Onboard 10 pilot customers", "metric": "pilot customers live", "start": "0", "target": "10",
        "unit": "customers", "due_date": "2027-03-31", "weight": "", "description": ""}
REQUEST_ID = "1:request"  # the approval request's activity id, which Teams sends back as replyToId


@pytest.fixture
def ada(teams, connector):
    """The manager, with the app installed: she is asked in Teams."""
    ada = connector.add_user("aad-ada", name="Ada Lovelace", email="ada@example.com", locale="en-GB")
    teams.install(ada)
    return ada


@pytest.fixture
def li_lei(teams, teams_people):
    teams.install(teams_people.li_lei)
    return teams_people.li_lei


def propose(teams, user) -> None:
    """Propose a goal from the Teams dialog, confirming past the SMART coach's warning (it supports no goal)."""
    response = teams.task_submit(user, {"action": goal_cards.SUBMIT_NEW_GOAL, "confirmed": True, "form": GOOD})
    assert response.json()["task"]["type"] == "message", response.json()


def only_goal(sessions) -> Goal:
    with sessions() as session:
        return session.exec(select(Goal)).one()


def changes(sessions) -> int:
    with sessions() as session:
        return len(session.exec(select(GoalChange).where(GoalChange.field_name == "approval")).all())


def sends(connector) -> list:
    return [p for p in connector.posted if p.operation != "get_member"]


def request_to(connector, ada) -> dict:
    [request] = [p for p in connector.sent_to(ada.personal_conversation_id)
                 if "proposed a goal for your approval" in p.text]
    return request


def button(card: dict, action: str) -> dict:
    return next(b for b in buttons(card) if b["data"]["action"] == action)


def fetch_with_reply_to(teams, user, data: dict, reply_to: str | None = REQUEST_ID):
    """Press a dialog button on a card in the chat: Teams names the card's activity in replyToId."""
    activity = teams.invoke(user, "task/fetch", data)
    if reply_to is not None:
        activity["replyToId"] = reply_to
    return teams.send(activity)


def test_a_goal_proposed_in_teams_asks_the_manager_in_teams_and_approve_tells_the_owner_where_he_is(
    teams, teams_people, ada, li_lei, connector, emulator, sessions
):
    connector.reset()
    propose(teams, li_lei)
    goal = only_goal(sessions)
    assert goal.approval == "proposed"

    request = request_to(connector, ada)
    asked = render("goal_approval_request", "en", owner="李雷", parent="")
    assert adaptive.teams_markdown(asked) in request.text and GOOD["title"] in request.text
    approve = button(request.cards[0], goal_blocks.APPROVE_ACTION)
    back = button(request.cards[0], goal_blocks.RETURN_ACTION)
    assert (approve["title"], approve["data"]) == (label("approve", "en"),
                                                   {"action": goal_blocks.APPROVE_ACTION, "value": str(goal.id)})
    assert back["title"] == label("return_goal", "en") and back["data"]["msteams"] == {"type": "task/fetch"}
    assert dms_to(emulator, "UMGR1") == []  # asked once, in Teams

    connector.reset()
    teams.card_submit(ada, approve["data"], reply_to=REQUEST_ID)
    recorded = render("goal_decision_recorded", "en", approved=True, owner="李雷", title=GOOD["title"], comment="")
    [update] = [p for p in connector.posted if p.operation == "update"]
    assert (update.conversation_id, update.activity_id) == (ada.personal_conversation_id, REQUEST_ID)
    assert update.text == adaptive.teams_markdown(recorded)  # the buttons are gone, as on Slack
    told = render("goal_decided", "zh-CN", approved=True, decider="Ada Lovelace", title=GOOD["title"], comment="",
                  parent="")
    assert replies(connector, li_lei) == [adaptive.teams_markdown(told).replace("\n\n", "\n").strip()]
    assert only_goal(sessions).approval == "approved"

    connector.reset()
    teams.card_submit(ada, approve["data"], reply_to=REQUEST_ID)  # pressed again: already decided
    assert replies(connector, ada) == [error_text("not_pending", "en")]
    assert replies(connector, li_lei) == [] and changes(sessions) == 1


def test_return_with_comment_opens_a_dialog_and_the_owner_gets_the_comment(
    teams, teams_people, ada, li_lei, connector, sessions
):
    propose(teams, li_lei)
    goal = only_goal(sessions)
    back = button(request_to(connector, ada).cards[0], goal_blocks.RETURN_ACTION)
    connector.reset()

    response = fetch_with_reply_to(teams, ada, back["data"])
    assert response.json()["task"]["value"]["title"] == label("return_modal_title", "en")
    dialog = dialog_card(response)
    comment = inputs(dialog)["comment"]
    assert (comment["label"], comment["isRequired"]) == (label("return_comment", "en"), True)
    assert comment["placeholder"] == label("return_comment_placeholder", "en")
    assert GOOD["title"] in str(dialog["body"])
    [send] = dialog["actions"]
    assert send["title"] == label("return_modal_submit", "en")
    assert send["data"] == {"action": goal_cards.SUBMIT_RETURN_GOAL, "goal_id": goal.id, "message_id": REQUEST_ID}

    empty = dialog_card(teams.task_submit(ada, {**send["data"], "comment": "   "}))
    body = [e.get("id") or e.get("text") for e in empty["body"]]
    assert body[body.index("comment") + 1] == f"⚠️ {error_text('comment_missing', 'en')}"
    assert only_goal(sessions).approval == "proposed" and sends(connector) == []

    answer = teams.task_submit(ada, {**send["data"], "comment": "Can we tie it to the Q1 platform goal?"})
    recorded = render("goal_decision_recorded", "en", approved=False, owner="李雷", title=GOOD["title"],
                      comment="Can we tie it to the Q1 platform goal?")
    assert answer.json() == {"task": {"type": "message", "value": adaptive.plain_text(recorded)}}
    [update] = [p for p in connector.posted if p.operation == "update"]
    assert (update.activity_id, update.text) == (REQUEST_ID, adaptive.teams_markdown(recorded))
    [told] = replies(connector, li_lei)
    assert "Ada Lovelace" in told and "Can we tie it to the Q1 platform goal?" in told
    assert told == adaptive.teams_markdown(render(
        "goal_decided", "zh-CN", approved=False, decider="Ada Lovelace", title=GOOD["title"],
        comment="Can we tie it to the Q1 platform goal?", parent="")).replace("\n\n", "\n").strip()
    stored = only_goal(sessions)
    assert (stored.approval, stored.approval_comment) == ("returned", "Can we tie it to the Q1 platform goal?")


def test_a_return_opened_without_a_card_to_replace_confirms_in_the_chat(teams, teams_people, ada, li_lei, connector,
                                                                       sessions):
    propose(teams, li_lei)
    back = button(request_to(connector, ada).cards[0], goal_blocks.RETURN_ACTION)
    dialog = dialog_card(teams.task_fetch(ada, back["data"]))
    assert "message_id" not in dialog["actions"][0]["data"]
    connector.reset()
    teams.task_submit(ada, {**dialog["actions"][0]["data"], "comment": "Smaller, please"})
    assert [p.operation for p in connector.posted if p.conversation_id == ada.personal_conversation_id] == ["send"]
    assert "Smaller, please" in replies(connector, ada)[0]


def test_a_manager_only_on_slack_is_asked_with_slacks_own_buttons(teams, teams_people, li_lei, connector, emulator,
                                                                  sessions):
    emulator.add_user("UMGR1", name="Ada Lovelace", email="ada@example.com", tz="Europe/London", locale="en-GB")
    propose(teams, li_lei)
    goal = only_goal(sessions)
    [request] = [m for m in dms_to(emulator, "UMGR1") if "proposed a goal" in m["text"]]
    assert request["text"].startswith(render("goal_approval_request", "en", owner="李雷", parent=""))
    assert request["blocks"][-1] == goal_blocks.decision_actions(goal.id, locale="en")
    assert emulator.home_views.get("UMGR1") is not None  # her App Home lists it, as when proposed on Slack


@pytest.mark.parametrize("who, value", [
    ("katherine", "{goal}"),  # a colleague
    ("li", "{goal}"),  # the goal's own author
    ("ada", "abc"),
    ("ada", ""),
    ("ada", "-1"),
    ("ada", "1.0"),
    ("ada", "99999999999"),
    ("ada", "424242"),
])
def test_forged_ids_and_someone_elses_goal_are_refused_with_slacks_words_and_nothing_is_written(
    teams, teams_people, ada, li_lei, connector, sessions, who, value
):
    propose(teams, li_lei)
    goal = only_goal(sessions)
    user = {"katherine": teams_people.katherine, "li": li_lei, "ada": ada}[who]
    forged = value.format(goal=goal.id)
    locale = "en" if who == "ada" else "zh-CN"
    words = {error_text("not_allowed", locale), error_text("not_found", locale)}
    connector.reset()

    teams.card_submit(user, {"action": goal_blocks.APPROVE_ACTION, "value": forged})
    [refused] = replies(connector, user)
    assert refused in words
    opened = dialog_card(fetch_with_reply_to(teams, user, {"action": goal_blocks.RETURN_ACTION, "value": forged}))
    if "comment" not in inputs(opened):  # someone who cannot see the goal is refused already
        assert any(w in str(opened["body"]) for w in words)
    submitted = dialog_card(teams.task_submit(user, {"action": goal_cards.SUBMIT_RETURN_GOAL, "goal_id": forged,
                                                     "comment": "gotcha", "message_id": REQUEST_ID}))
    assert any(w in str(submitted["body"]) for w in words), submitted
    assert only_goal(sessions).approval == "proposed" and changes(sessions) == 0
    assert [p for p in sends(connector) if p.conversation_id != user.personal_conversation_id] == []
    assert [p.operation for p in sends(connector)] == ["send"]  # the one refusal, never an update


@pytest.mark.parametrize("goal_id", [True, None, ["1"], {"id": 1}, 1.5])
def test_a_forged_goal_id_type_is_not_found(teams, teams_people, ada, li_lei, connector, sessions, goal_id):
    propose(teams, li_lei)
    answer = dialog_card(teams.task_submit(ada, {"action": goal_cards.SUBMIT_RETURN_GOAL, "goal_id": goal_id,
                                                 "comment": "x"}))
    assert error_text("not_found", "en") in str(answer["body"])
    assert only_goal(sessions).approval == "proposed"


def test_an_oversized_comment_is_refused_beside_the_comment_and_nothing_is_written(
    teams, teams_people, ada, li_lei, connector, sessions
):
    propose(teams, li_lei)
    goal = only_goal(sessions)
    connector.reset()
    answer = dialog_card(teams.task_submit(ada, {"action": goal_cards.SUBMIT_RETURN_GOAL, "goal_id": goal.id,
                                                 "comment": "x" * 100_000}))
    assert f"⚠️ {error_text('text_too_long', 'en')}" in [e.get("text") for e in answer["body"]]
    assert len(inputs(answer)["comment"]["value"]) <= 5000
    assert only_goal(sessions).approval == "proposed" and sends(connector) == []
