"""A goal's ⋯ menu behaves the same from Slack and from Teams: one rule (actions/goals.py), one test per behaviour,
run from each surface. Slack opens a modal from the overflow; Teams shows the same choices behind the card's "…"
and opens the same form as a dialog."""

from __future__ import annotations

import pytest
from sqlmodel import select

from bot.emulator import SignedSlackClient
from prompts import goal_blocks, goal_cards
from prompts.adaptive import plain_text
from prompts.goal_blocks import MENU_ACTION, error_text
from prompts.render import render
from storage.models import Goal, GoalChange
from tests.builders import approved_goal
from tests.conftest import SIGNING_SECRET
from tests.slack_helpers import last_dm_text, opened_view, visible_text
from tests.teams.helpers import dialog_card, inputs

SURFACES = ("slack", "teams")


@pytest.fixture
def slack(teams_server, emulator):
    """Slack's signed requests to the same server Teams talks to, Alan and Katherine on Slack too."""
    for slack_id, name, email in (("UEMP1", "Alan Turing", "alan@example.com"),
                                  ("UEMP3", "Katherine Johnson", "kj@example.com")):
        emulator.add_user(slack_id, name=name, email=email, tz="Europe/London", locale="en-GB")
    return SignedSlackClient(f"{teams_server.url}/slack/events", SIGNING_SECRET, emulator=emulator)


@pytest.fixture
def goal(sessions, clock, teams_people) -> Goal:
    return approved_goal(sessions, "UEMP1", now=clock.now(), title="Onboard 10 pilots & partners", target="10")


def errors_of(response) -> dict:
    body = response.json()
    assert body["response_action"] == "errors", body
    return body["errors"]


def stored(sessions, goal_id: int) -> Goal:
    with sessions() as session:
        return session.get(Goal, goal_id)


def changes(sessions, goal_id: int, field: str) -> list[GoalChange]:
    with sessions() as session:
        return list(session.exec(select(GoalChange).where(GoalChange.goal_id == goal_id,
                                                          GoalChange.field_name == field)))


def menu_choice(teams, connector, user, goal_id: int, verb: str) -> dict:
    """The data of one choice of the goal's ⋯ menu on Teams' `goal list` card, as the button sends it."""
    connector.reset()
    teams.message(user, "goal list")
    [card] = connector.sent_to(user.personal_conversation_id)[-1].cards
    menus = [element for container in card["body"] if container.get("type") == "Container"
             for element in container["items"] if element.get("type") == "ActionSet"]
    [choice] = [a for menu in menus for a in menu["actions"] if a["data"]["value"] == f"{verb}:{goal_id}"]
    assert choice["mode"] == "secondary"  # behind the card's "…", as Slack's overflow
    return choice["data"]


def open_from_menu(surface, slack, teams, connector, emulator, user, slack_id: str, goal_id: int, verb: str):
    """Pick `verb` on the goal's ⋯ menu: Slack's opened modal, or Teams' dialog (task/fetch answer)."""
    if surface == "slack":
        opens = len(emulator.calls_to("views.open"))
        slack.block_action(slack_id, MENU_ACTION, block_id=f"goal-{goal_id}",
                           selected_option={"text": {"type": "plain_text", "text": verb}, "value": f"{verb}:{goal_id}"},
                           view={"id": "VHOME", "type": "home", "blocks": []})
        return opened_view(emulator) if len(emulator.calls_to("views.open")) > opens else None
    data = {"msteams": {"type": "task/fetch"}, "action": MENU_ACTION, "value": f"{verb}:{goal_id}"}
    return teams.task_fetch(user, data)


def submit(surface, slack, teams, user, slack_id: str, opened, values: dict):
    """Submit the menu's form: Slack's view submission, or Teams' dialog with its inputs merged into the data."""
    if surface == "slack":
        return slack.view_submission(slack_id, opened, values)
    [send] = dialog_card(opened)["actions"]
    return teams.task_submit(user, {**send["data"], **values})


@pytest.mark.parametrize("surface", SURFACES)
def test_the_owner_updates_progress_from_the_menu_and_it_is_kept_with_the_note(
    surface, slack, teams, teams_people, goal, connector, emulator, sessions
):
    alan = teams_people.alan
    if surface == "teams":
        choice = menu_choice(teams, connector, alan, goal.id, "progress")
        assert choice["msteams"] == {"type": "task/fetch"}  # the menu asks Teams for a dialog
    opened = open_from_menu(surface, slack, teams, connector, emulator, alan, "UEMP1", goal.id, "progress")
    if surface == "teams":
        assert inputs(dialog_card(opened))["value"]["value"] == "0"  # prefilled as Slack's modal is
    publishes = len(emulator.calls_to("views.publish"))

    answer = submit(surface, slack, teams, alan, "UEMP1", opened, {"value": "5", "note": "Two pilots live"})

    assert stored(sessions, goal.id).current_value == 5
    [change] = changes(sessions, goal.id, "current_value")
    assert (change.old_value, change.new_value, change.reason) == ("0", "5", "Two pilots live")
    assert len(emulator.calls_to("views.publish")) > publishes  # Alan's Slack home shows it, whichever surface
    if surface == "teams":
        said = render("goal_changed", "en", change="progress", title=goal.title, current="5", unit="")
        assert answer.json()["task"] == {"type": "message", "value": plain_text(said).strip()}


@pytest.mark.parametrize("surface", SURFACES)
def test_a_progress_that_is_not_a_number_is_refused_beside_its_field_and_nothing_changes(
    surface, slack, teams, teams_people, goal, connector, emulator, sessions
):
    alan = teams_people.alan
    opened = open_from_menu(surface, slack, teams, connector, emulator, alan, "UEMP1", goal.id, "progress")
    answer = submit(surface, slack, teams, alan, "UEMP1", opened, {"value": "five", "note": ""})
    if surface == "slack":
        assert "value" in errors_of(answer)
    else:
        card = dialog_card(answer)
        assert inputs(card)["value"]["value"] == "five"  # what was typed stays
        assert any(element.get("color") == "Attention" for element in card["body"])
    assert stored(sessions, goal.id).current_value == 0 and changes(sessions, goal.id, "current_value") == []


@pytest.mark.parametrize("surface", SURFACES)
def test_archiving_from_the_menu_takes_the_goal_out_of_the_list_and_keeps_why(
    surface, slack, teams, teams_people, goal, connector, emulator, sessions
):
    alan = teams_people.alan
    opened = open_from_menu(surface, slack, teams, connector, emulator, alan, "UEMP1", goal.id, "archive")
    submit(surface, slack, teams, alan, "UEMP1", opened, {"reason": "Pilots moved to next year"})

    assert stored(sessions, goal.id).archived_at is not None
    connector.reset()
    teams.message(alan, "goal list")
    assert goal.title not in connector.sent_to(alan.personal_conversation_id)[-1].text
    refused = open_from_menu(surface, slack, teams, connector, emulator, alan, "UEMP1", goal.id, "archive")
    if surface == "teams":  # an archived goal no longer changes: said at once, not after filling the form in
        assert error_text("archived", "en") in dialog_card(refused)["body"][0]["text"]


@pytest.mark.parametrize("surface", SURFACES)
def test_a_colleague_cannot_open_or_forge_a_change_to_someone_elses_goal(
    surface, slack, teams, teams_people, goal, connector, emulator, sessions
):
    katherine = teams_people.katherine
    if surface == "slack":
        assert open_from_menu(surface, slack, teams, connector, emulator, katherine, "UEMP3", goal.id, "progress") \
            is None
        assert "no longer exists, or you can't see it" in last_dm_text(emulator, "UEMP3")
        forged = {"id": "VX", "type": "modal", "callback_id": goal_blocks.PROGRESS_VIEW,
                  "private_metadata": str(goal.id), "blocks": goal_blocks.progress_modal(goal, locale="en")["blocks"]}
        assert errors_of(slack.view_submission("UEMP3", forged, {"value": "10", "note": ""}))
    else:
        opened = open_from_menu(surface, slack, teams, connector, emulator, katherine, "UEMP3", goal.id, "progress")
        assert inputs(dialog_card(opened)) == {}  # why not, in her language; no form
        for forged in (goal.id, str(goal.id), "99999", None, ["1"]):
            answer = teams.task_submit(katherine, {"action": goal_cards.SUBMIT_PROGRESS, "goal_id": forged,
                                                   "value": "10", "note": ""})
            assert answer.json()["task"]["type"] == "continue"
    assert stored(sessions, goal.id).current_value == 0 and changes(sessions, goal.id, "current_value") == []


def test_the_menu_opens_the_adjustment_and_the_history_in_teams_as_in_slack(
    slack, teams, teams_people, goal, connector, emulator, sessions
):
    alan = teams_people.alan
    adjust = dialog_card(open_from_menu("teams", slack, teams, connector, emulator, alan, "UEMP1", goal.id, "adjust"))
    assert {"title", "target", "due_date", "reason"} <= set(inputs(adjust))
    assert inputs(adjust)["target"]["value"] == "10"
    history = dialog_card(open_from_menu("teams", slack, teams, connector, emulator, alan, "UEMP1", goal.id,
                                         "history"))
    assert any("created the goal" in element.get("text", "") for element in history["body"])
    slack_history = open_from_menu("slack", slack, teams, connector, emulator, alan, "UEMP1", goal.id, "history")
    assert "created the goal" in visible_text(slack_history)
