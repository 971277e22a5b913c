"""`home` in Teams: what Slack's App Home shows, as a card whose buttons open the same Teams dialogs."""

from __future__ import annotations

import pytest

from prompts import checkin_blocks, cycle_blocks, home_blocks, improvement_blocks
from prompts.adaptive import plain_text, teams_markdown
from prompts.goal_blocks import NEW_GOAL_ACTION
from prompts.home_blocks import GOALS_PER_PAGE, PAGE_ACTION
from prompts.render import format_week, label, render
from storage import checkins, cycles
from tests.builders import approved_goal, person
from tests.teams.helpers import buttons, dialog_card, inputs, only_reply, written


@pytest.fixture
def grace(teams, connector):
    """HR, in Teams."""
    grace = connector.add_user("aad-grace", name="Grace Hopper", email="grace@example.com", locale="en-US")
    teams.install(grace)
    return grace


@pytest.fixture
def ada(teams, connector):
    """The manager of Alan, 李雷 and Katherine, in Teams."""
    ada = connector.add_user("aad-ada", name="Ada Lovelace", email="ada@example.com", locale="en-GB")
    teams.install(ada)
    return ada


def home_of(teams, connector, user) -> dict:
    """Type `home` and return the one card the bot answers with."""
    connector.reset()
    assert teams.message(user, "home").status == 200
    [sent] = connector.sent_to(user.personal_conversation_id)
    [card] = sent.cards
    return card


def button(card: dict, action: str) -> dict:
    [found] = [b for b in buttons(card) if b.get("data", {}).get("action") == action]
    return found


def texts(card: dict) -> str:
    return "\n".join(block["text"] for block in card["body"] if block.get("type") == "TextBlock")


def test_it_shows_an_employee_their_goals_and_latest_check_in_with_the_buttons_that_open_their_dialogs(
    teams, teams_people, connector, sessions, clock
):
    goal = approved_goal(sessions, "UEMP1", now=clock.now(), title="Onboard 10 pilots & partners", target="10")
    with sessions() as session:
        checkins.record(session, person(session, "UEMP1"), checkins.CheckinInput(
            week=None, confidence="4", goals=(checkins.GoalUpdateInput(goal_id=str(goal.id), value="5"),)),
            now=clock.now(), default_zone="UTC")
        week = checkins.latest(session, person(session, "UEMP1")).week

    card = home_of(teams, connector, teams_people.alan)

    shown = texts(card)
    assert teams_markdown(render("home_intro", "en", name="Alan Turing")) in shown
    assert "Onboard 10 pilots & partners" in shown  # Slack's &amp; decoded for Teams
    assert format_week(week, "en") in shown and "4/5" in shown  # the week as people say it, not its ISO id
    check_in = button(card, checkin_blocks.OPEN_CHECKIN_ACTION)
    assert check_in["data"]["msteams"] == {"type": "task/fetch"}
    assert "confidence" in inputs(dialog_card(teams.task_fetch(teams_people.alan, check_in["data"])))
    new_goal = button(card, NEW_GOAL_ACTION)
    assert "title" in inputs(dialog_card(teams.task_fetch(teams_people.alan, new_goal["data"])))
    assert label("cycle_open_button", "en") not in [b["title"] for b in buttons(card)]  # HR's, not his
    assert label("ip_start", "en") not in [b["title"] for b in buttons(card)]


def test_it_shows_hr_the_cycles_and_open_a_cycle_opens_the_teams_dialog(teams, teams_people, grace, connector,
                                                                        sessions, clock):
    with sessions() as session:
        cycle = cycles.open_cycle(session, name="2026-H2", period_start="2026-07-01", period_end="2026-12-31",
                                  self_due="2026-12-04", peer_due="2026-12-09", manager_due="2026-12-16",
                                  team="Platform", now=clock.now())
        cycle_id = cycle.id

    card = home_of(teams, connector, grace)

    assert label("home_cycles", "en") in texts(card) and "2026-H2" in texts(card)
    calibrate = button(card, home_blocks.CALIBRATE_ACTION)
    assert calibrate["data"] == {"action": home_blocks.CALIBRATE_ACTION, "value": str(cycle_id)}  # a plain submit
    opener = button(card, cycle_blocks.OPEN_CYCLE_ACTION)
    assert opener["title"] == label("cycle_open_button", "en")
    assert opener["data"]["msteams"] == {"type": "task/fetch"}
    dialog = dialog_card(teams.task_fetch(grace, opener["data"]))
    assert {"name", "team", "self_due", "anonymous"} <= set(inputs(dialog))
    assert label("plan_new", "en") in [b["title"] for b in buttons(card)]  # and her performance plans


def test_it_shows_a_manager_start_a_plan_which_opens_its_dialog_to_pick_the_person(
    teams, teams_people, ada, connector
):
    card = home_of(teams, connector, ada)

    start = button(card, improvement_blocks.OPEN_PLAN_ACTION)
    assert start["title"] == label("ip_start", "en")
    assert start["data"]["msteams"] == {"type": "task/fetch"}
    subject = inputs(dialog_card(teams.task_fetch(ada, start["data"])))["subject"]
    assert {choice["title"] for choice in subject["choices"]} >= {"Alan Turing", "李雷", "Katherine Johnson"}


def test_it_speaks_chinese_to_a_chinese_speaker(teams, teams_people, connector, sessions, clock):
    approved_goal(sessions, "UEMP2", now=clock.now(), title="完成 5 个试点")

    card = home_of(teams, connector, teams_people.li_lei)

    shown = texts(card)
    assert teams_markdown(render("home_intro", "zh-CN", name="李雷")) in shown
    assert "完成 5 个试点" in shown
    assert button(card, checkin_blocks.OPEN_CHECKIN_ACTION)["title"] == label("check_in_now", "zh-CN")


def test_a_stranger_gets_the_stranger_card_and_nothing_is_stored(teams, teams_people, connector, sessions):
    before = written(sessions)
    teams.message(teams_people.stranger, "home")
    assert only_reply(connector, teams_people.stranger) == plain_text(
        render("unknown_person", "en", hr_names=["Grace Hopper"]))
    assert written(sessions) == before


def test_show_more_turns_the_page_in_place_of_the_card(teams, teams_people, connector, sessions, clock):
    for n in range(GOALS_PER_PAGE + 1):
        approved_goal(sessions, "UEMP1", now=clock.now(), title=f"Pilot number {n:02d}")
    card = home_of(teams, connector, teams_people.alan)
    assert f"Pilot number {GOALS_PER_PAGE:02d}" not in texts(card)
    more = button(card, f"{PAGE_ACTION}-mine-next")
    connector.reset()

    assert teams.card_submit(teams_people.alan, more["data"], reply_to="1:000042").status == 200

    [turned] = connector.sent_to(teams_people.alan.personal_conversation_id)
    assert (turned.operation, turned.activity_id) == ("update", "1:000042")
    assert f"Pilot number {GOALS_PER_PAGE:02d}" in turned.text
    assert label("teams_not_in_teams_yet", "en") not in turned.text


def test_help_mentions_home(teams, teams_people, connector):
    teams.message(teams_people.li_lei, "help")
    assert teams_markdown(label("teams_home_help", "zh-CN")) in only_reply(connector, teams_people.li_lei)
