"""`checkin` in Teams: a button, the weekly check-in dialog, the same rules and words as Slack's modal."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlmodel import func, select

from prompts import adaptive, checkin_blocks, checkin_cards
from prompts.goal_blocks import error_text
from prompts.render import label, render
from storage.models import CheckIn, Goal, GoalProgress
from tests.builders import approved_goal
from tests.teams.helpers import buttons, dialog_card, inputs, replies


@pytest.fixture
def goal(teams_people, sessions, clock) -> Goal:
    return approved_goal(sessions, "UEMP1", now=clock.now(), title="Onboard 10 pilots", target="10",
                         unit="customers")


def count(sessions, model) -> int:
    with sessions() as session:
        return session.exec(select(func.count()).select_from(model)).one()


def only_checkin(sessions) -> CheckIn:
    with sessions() as session:
        [checkin] = session.exec(select(CheckIn)).all()
        return checkin


def open_dialog(teams, connector, user) -> dict:
    """Type `checkin`, press the card's button: return the dialog's card."""
    connector.reset()
    teams.message(user, "checkin")
    [reply] = connector.sent_to(user.personal_conversation_id)
    [button] = buttons(reply.cards[0])
    connector.reset()
    return dialog_card(teams.task_fetch(user, button["data"]))


def submit(teams, user, card: dict, values: dict):
    """Submit a dialog as Teams does: the inputs (their values unless given) merged into the action's data."""
    fields = {key: element.get("value", "") for key, element in inputs(card).items()}
    [action] = card["actions"]
    return teams.task_submit(user, {**action["data"], **fields, **values})


def test_checkin_answers_with_a_button_that_opens_this_weeks_dialog_prefilled_with_the_goals(
    teams, teams_people, connector, goal
):
    teams.message(teams_people.alan, "checkin")
    [reply] = connector.sent_to(teams_people.alan.personal_conversation_id)
    assert label("checkin_this_week", "en", week="2026-W48") in reply.text
    [button] = buttons(reply.cards[0])
    assert button["title"] == label("check_in_now", "en")
    assert button["data"]["msteams"] == {"type": "task/fetch"}

    response = teams.task_fetch(teams_people.alan, button["data"])
    assert response.json()["task"]["value"]["title"] == label("checkin_modal_title", "en")
    card = dialog_card(response)
    fields = inputs(card)
    value = fields[f"goal:{goal.id}:value"]
    assert (value["label"], value["value"]) == ("Onboard 10 pilots (0 → 10 customers)", "0")
    assert fields[f"goal:{goal.id}:status"]["value"] == "on_track"
    assert [c["value"] for c in fields["confidence"]["choices"]] == ["1", "2", "3", "4", "5"]
    assert fields["confidence"]["choices"][0]["title"] == label("confidence_1", "en")
    assert {"highlights", "blockers", "help_needed"} <= set(fields)
    # On Monday last week is still open, late, until the manager's agenda goes out: this week comes first.
    assert [c["value"] for c in fields["week"]["choices"]] == ["2026-W48", "2026-W47"]
    assert fields["week"]["value"] == "2026-W48"
    assert card["actions"][0]["data"] == {"action": checkin_cards.SUBMIT_CHECKIN}


def test_a_validation_error_shows_in_the_dialog_with_the_values_kept_then_a_good_submit_thanks_as_slack(
    teams, teams_people, connector, goal, sessions
):
    card = open_dialog(teams, connector, teams_people.alan)
    response = submit(teams, teams_people.alan, card, {f"goal:{goal.id}:value": "four", "confidence": "",
                                                       "highlights": "Two pilots signed"})
    again = dialog_card(response)
    body = again["body"]
    ids = [e.get("id") or e.get("text") for e in body]
    assert ids[ids.index(f"goal:{goal.id}:value") + 1] == f"⚠️ {error_text('number_invalid', 'en')}"
    assert ids[ids.index("confidence") + 1] == f"⚠️ {error_text('confidence_missing', 'en')}"
    kept = inputs(again)
    assert (kept[f"goal:{goal.id}:value"]["value"], kept["highlights"]["value"]) == ("four", "Two pilots signed")
    assert count(sessions, CheckIn) == 0 and count(sessions, GoalProgress) == 0
    assert connector.sent_to(teams_people.alan.personal_conversation_id) == []

    response = submit(teams, teams_people.alan, again, {f"goal:{goal.id}:value": "4", "confidence": "4"})
    thanks = render("checkin_thanks", "en", name="Alan Turing", week="2026-W48", created=True, late=False, streak=1,
                    goals=[{"title": "Onboard 10 pilots", "percent": 40, "status": label("status_on_track", "en")}],
                    told_manager=False, manager="Ada Lovelace")
    assert response.json() == {"task": {"type": "message", "value": adaptive.plain_text(thanks)}}
    assert replies(connector, teams_people.alan) == [adaptive.plain_text(thanks).replace("Onboard 10 pilots",
                                                                                         "**Onboard 10 pilots**")]
    checkin = only_checkin(sessions)
    assert (checkin.week, checkin.confidence, checkin.highlights, checkin.late) == ("2026-W48", 4,
                                                                                     "Two pilots signed", False)
    with sessions() as session:
        assert session.get(Goal, goal.id).current_value == 4


def test_the_dialog_speaks_chinese_to_a_chinese_speaker(teams, teams_people, connector, sessions, clock):
    approved_goal(sessions, "UEMP2", now=clock.now(), title="完成 5 个试点", target="5")
    card = open_dialog(teams, connector, teams_people.li_lei)
    assert inputs(card)["confidence"]["label"] == label("checkin_confidence", "zh-CN")
    response = submit(teams, teams_people.li_lei, card, {"confidence": "９"})  # a full-width digit out of range
    assert f"⚠️ {error_text('confidence_invalid', 'zh-CN')}" in [e.get("text") for e in dialog_card(response)["body"]]
    response = submit(teams, teams_people.li_lei, card, {"confidence": "３"})  # full-width digits are fine
    assert "11月23日那一周" in response.json()["task"]["value"]
    assert only_checkin(sessions).confidence == 3


def test_a_double_submit_stores_one_checkin(teams, teams_people, connector, goal, sessions):
    card = open_dialog(teams, connector, teams_people.alan)
    values = {f"goal:{goal.id}:value": "2", "confidence": "3"}
    first, second = (submit(teams, teams_people.alan, card, values) for _ in range(2))
    assert first.status == second.status == 200
    assert count(sessions, CheckIn) == 1 and count(sessions, GoalProgress) == 1
    assert "is updated" in second.json()["task"]["value"]


def test_two_submits_at_once_store_one_checkin(teams, teams_people, connector, goal, sessions):
    card = open_dialog(teams, connector, teams_people.alan)
    values = {f"goal:{goal.id}:value": "2", "confidence": "3"}
    answers: list[int] = []
    threads = [threading.Thread(target=lambda: answers.append(submit(teams, teams_people.alan, card, values).status))
               for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert answers == [200, 200]
    assert count(sessions, CheckIn) == 1 and count(sessions, GoalProgress) == 1


def test_opening_it_again_shows_this_weeks_checkin_to_edit(teams, teams_people, connector, goal, sessions):
    card = open_dialog(teams, connector, teams_people.alan)
    submit(teams, teams_people.alan, card, {f"goal:{goal.id}:value": "3", f"goal:{goal.id}:status": "at_risk",
                                            "confidence": "3", "highlights": "first"})
    again = inputs(open_dialog(teams, connector, teams_people.alan))
    assert (again["highlights"]["value"], again["confidence"]["value"]) == ("first", "3")
    assert (again[f"goal:{goal.id}:value"]["value"], again[f"goal:{goal.id}:status"]["value"]) == ("3", "at_risk")
    assert "blockers" not in {k for k, v in again.items() if v.get("value")}


def test_last_weeks_missed_checkin_can_be_filed_late(teams, teams_people, connector, goal, sessions, clock):
    clock.advance(timedelta(days=7))  # Monday of 2026-W49; 2026-W48 was missed
    card = open_dialog(teams, connector, teams_people.alan)
    week = inputs(card)["week"]
    assert [c["value"] for c in week["choices"]] == ["2026-W49", "2026-W48"]
    assert week["choices"][1]["title"] == label("checkin_last_week", "en", week="2026-W48")
    assert "week" not in card["actions"][0]["data"]
    response = submit(teams, teams_people.alan, card, {"week": "2026-W48", "confidence": "3"})
    assert "(late)" in response.json()["task"]["value"]
    assert (only_checkin(sessions).week, only_checkin(sessions).late) == ("2026-W48", True)


@pytest.mark.parametrize("forged", [
    {"goal:{other}:value": "99"},  # another person's goal
    {"goal:{goal}:value": "99", "goal:{other}:status": "done"},
    {"confidence": 4},  # not text: only a forged submit sends one
    {"highlights": {"nested": "object"}},
    {"highlights": "x" * 100_000},
    {"blockers": "y" * 3001},
    {"goal:{goal}:status": "finished"},
    {"goal:{goal}:value": "-5"},
    {"week": "2020-W01"},
    {"week": "2026-W49"},
])
def test_forged_and_oversized_submits_are_refused_in_the_dialog_and_nothing_is_written(
    teams, teams_people, connector, goal, sessions, clock, forged
):
    other = approved_goal(sessions, "UEMP3", now=clock.now(), title="Katherine's goal")
    card = open_dialog(teams, connector, teams_people.alan)
    values = {key.format(goal=goal.id, other=other.id): value for key, value in forged.items()}
    response = submit(teams, teams_people.alan, card, {"confidence": "4", **values})
    assert any(str(e.get("text", "")).startswith("⚠️") for e in dialog_card(response)["body"]), forged
    assert count(sessions, CheckIn) == 0
    with sessions() as session:
        assert session.get(Goal, other.id).current_value == 0 and session.get(Goal, goal.id).current_value == 0
    assert connector.sent_to(teams_people.alan.personal_conversation_id) == []


def test_a_stranger_gets_the_unknown_person_words_in_the_dialog_and_nothing_is_written(
    teams, teams_people, sessions
):
    response = teams.task_fetch(teams_people.stranger, {"action": checkin_blocks.OPEN_CHECKIN_ACTION, "value": ""})
    words = adaptive.plain_text(render("unknown_person", "en", hr_names=["Grace Hopper"])).splitlines()[0]
    assert words in str(dialog_card(response)["body"])
    submitted = teams.task_submit(teams_people.stranger, {"action": checkin_cards.SUBMIT_CHECKIN, "confidence": "3"})
    assert submitted.status == 200
    assert count(sessions, CheckIn) == 0


def test_a_checkin_from_a_channel_is_thanked_in_the_1_1_chat_not_in_the_channel(teams, teams_people, connector, goal,
                                                                                 sessions):
    teams.message(teams_people.alan, "help")  # his 1:1 chat is stored
    channel = "19:platform@thread.tacv2"
    connector.add_channel(channel, [teams_people.alan])
    connector.reset()
    activity = teams.invoke(teams_people.alan, "task/submit", {"action": checkin_cards.SUBMIT_CHECKIN,
                                                               "week": "2026-W48", "confidence": "2",
                                                               "blockers": "private worry"})
    activity["conversation"] = {"conversationType": "channel", "id": channel, "tenantId": connector.tenant_id}
    assert teams.send(activity).json()["task"]["type"] == "message"
    assert connector.sent_to(channel) == []
    [thanks] = replies(connector, teams_people.alan)
    assert "week of Nov 23" in thanks
    assert count(sessions, CheckIn) == 1
