"""The evaluation flows in Teams: choosing and confirming peers, opening a cycle, starting an improvement plan,
editing plans, calibration with its figures, asking to revisit and releasing. Each button on the bot's cards opens
Slack's form as a dialog (or answers as a card), through the same actions as Slack; errors come back beside their
field with what was typed kept, and nothing is written; someone without the right gets Slack's refusal."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlmodel import select

from bot.slack_client import make_web_client
from prompts import adaptive, calibration_blocks, cycle_blocks, improvement_blocks, peer_blocks, plan_blocks
from prompts.goal_blocks import error_text
from prompts.render import label
from scheduler import JobContext
from scheduler.registry import find_job
from storage import cycles, plans, reviews
from storage.models import ImprovementPlan, PerformancePlan, Review, ReviewCycle
from tests.builders import person
from tests.conftest import BOT_TOKEN
from tests.teams.helpers import buttons, dialog_card, inputs, replies

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
CRITERIA = ("results", "quality", "collaboration", "ownership")


@pytest.fixture
def ada(teams, connector):
    user = connector.add_user("aad-ada", name="Ada Lovelace", email="ada@example.com", locale="en-GB")
    teams.install(user)
    teams.message(user, "help")
    return user


@pytest.fixture
def grace(teams, connector):
    user = connector.add_user("aad-grace", name="Grace Hopper", email="grace@example.com", locale="en-US")
    teams.install(user)
    teams.message(user, "help")
    return user


@pytest.fixture
def in_teams(teams, teams_people, ada, grace, connector):
    for user in (teams_people.li_lei, teams_people.alan, teams_people.katherine):
        teams.install(user)
        teams.message(user, "help")
    connector.reset()
    return teams_people


@pytest.fixture
def cycle_id(teams_people, sessions, clock) -> int:
    with sessions() as session:
        return cycles.open_cycle(session, name="2026-H2", period_start="2026-07-01", period_end="2026-12-31",
                                 self_due="2026-12-04", peer_due="2026-12-09", manager_due="2026-12-16",
                                 team="Platform", now=clock.now()).id


def run(name: str, *, sessions, emulator, teams_server, waits) -> None:
    client = make_web_client(token=BOT_TOKEN, base_url=emulator.api_url, sleep=waits.append)
    find_job(name).run(JobContext(sessions=sessions, client=client, now=NOW, forced=True,
                                  teams=teams_server.api.state.teams_sender))


def card_with(connector, user, action: str) -> dict:
    found = [card for posted in connector.sent_to(user.personal_conversation_id) for card in posted.cards
             if any(b.get("data", {}).get("action") == action for b in buttons(card))]
    assert found, [p.text for p in connector.sent_to(user.personal_conversation_id)]
    return found[-1]


def button(card: dict, action: str) -> dict:
    return next(b for b in buttons(card) if b.get("data", {}).get("action") == action)


def submit_data(card: dict) -> dict:
    return card["actions"][0]["data"]


def error_after(card: dict, field: str) -> str:
    body = card["body"]
    index = next(i for i, element in enumerate(body) if element.get("id") == field)
    return body[index + 1]["text"]


def peer_rows(sessions) -> list[tuple[str, int, int]]:
    with sessions() as session:
        return sorted((r.state, r.author_id, r.subject_id) for r in session.exec(select(Review).where(
            Review.kind == "peer")))


def ids(sessions, *slack_ids: str) -> list[int]:
    with sessions() as session:
        return [person(session, slack_id).id for slack_id in slack_ids]


# ---- peers -------------------------------------------------------------------------------------------------


def test_peers_are_chosen_and_confirmed_in_teams(teams, in_teams, ada, cycle_id, connector, sessions, emulator,
                                                 teams_server, waits):
    li_lei = in_teams.li_lei
    run("review-reminders", sessions=sessions, emulator=emulator, teams_server=teams_server, waits=waits)
    choose = button(card_with(connector, li_lei, peer_blocks.CHOOSE_PEERS_ACTION), peer_blocks.CHOOSE_PEERS_ACTION)
    assert choose["data"]["msteams"] == {"type": "task/fetch"}

    dialog = dialog_card(teams.task_fetch(li_lei, choose["data"]))
    picker = inputs(dialog)["peers"]
    li, alan, katherine = ids(sessions, "UEMP2", "UEMP1", "UEMP3")
    offered = {choice["value"] for choice in picker["choices"]}
    assert picker["isMultiSelect"] and {str(alan), str(katherine)} <= offered and str(li) not in offered

    refused = dialog_card(teams.task_submit(li_lei, {**submit_data(dialog), "peers": f"{li},{alan}"}))
    assert error_after(refused, "peers") == "⚠️ " + error_text("peer_self", "zh-CN")
    assert inputs(refused)["peers"]["value"] == f"{li},{alan}"  # what was chosen is kept
    assert peer_rows(sessions) == []

    done = teams.task_submit(li_lei, {**submit_data(dialog), "peers": f"{alan},{katherine}"}).json()
    assert done["task"]["type"] == "message" and "Alan Turing" in done["task"]["value"]
    assert any("Alan Turing" in text for text in replies(connector, li_lei))  # the answer in their own chat too
    assert peer_rows(sessions) == [("proposed", alan, li), ("proposed", katherine, li)]

    request = card_with(connector, ada, peer_blocks.CONFIRM_PEERS_ACTION)  # the manager is asked where she is
    connector.reset()
    teams.card_submit(ada, button(request, peer_blocks.CONFIRM_PEERS_ACTION)["data"])
    [confirmed] = replies(connector, ada)
    assert "李雷" in confirmed and "Alan Turing" in confirmed
    assert peer_rows(sessions) == [("requested", alan, li), ("requested", katherine, li)]

    again = dialog_card(teams.task_fetch(li_lei, choose["data"]))  # confirmed: the employee's pick is closed
    assert again["body"][0]["text"] == adaptive.teams_markdown(error_text("peers_confirmed", "zh-CN"))


def test_a_manager_changes_the_peers_in_teams_and_an_employee_cannot(teams, in_teams, ada, cycle_id, connector,
                                                                    sessions):
    li, alan, katherine = ids(sessions, "UEMP2", "UEMP1", "UEMP3")
    value = f"{cycle_id}:{li}"
    refused = dialog_card(teams.task_fetch(in_teams.li_lei, adaptive.button_data(peer_blocks.CHANGE_PEERS_ACTION,
                                                                                 value)))
    assert refused["body"][0]["text"] == adaptive.teams_markdown(error_text("not_found", "zh-CN"))

    dialog = dialog_card(teams.task_fetch(ada, adaptive.button_data(peer_blocks.CHANGE_PEERS_ACTION, value)))
    assert "李雷" in str(dialog["body"])
    done = teams.task_submit(ada, {**submit_data(dialog), "peers": str(katherine)}).json()
    assert done["task"]["type"] == "message"
    assert peer_rows(sessions) == [("requested", katherine, li)]
    forged = dialog_card(teams.task_submit(ada, {**submit_data(dialog), "peers": "999999"}))
    assert error_after(forged, "peers") == "⚠️ " + error_text("peer_unknown", "en")
    assert peer_rows(sessions) == [("requested", katherine, li)]


# ---- opening a cycle ---------------------------------------------------------------------------------------


DATES = {"from": "2026-07-01", "to": "2026-12-31", "self_due": "2026-12-04", "peer_due": "2026-12-09",
         "manager_due": "2026-12-16"}


def test_hr_opens_a_cycle_in_teams_with_errors_on_the_right_field(teams, in_teams, grace, connector, sessions):
    dialog = dialog_card(teams.task_fetch(grace, adaptive.button_data(cycle_blocks.OPEN_CYCLE_ACTION)))
    fields = inputs(dialog)
    assert set(fields) == {"name", "team", *cycle_blocks.DATE_FIELDS, "anonymous", cycle_blocks.PEER_THRESHOLD_FIELD}
    assert {c["value"] for c in fields["team"]["choices"]} >= {cycle_blocks.WHOLE_ORG, "Platform", "People"}
    wrong = dialog_card(teams.task_submit(grace, {**submit_data(dialog), "name": "2026 H2", "team": "Platform",
                                                  **DATES, "peer_due": "2026-12-01"}))
    assert error_after(wrong, "self_due").startswith("⚠️ The dates are out of order")
    assert inputs(wrong)["name"]["value"] == "2026 H2"
    with sessions() as session:
        assert session.exec(select(ReviewCycle)).all() == []
    done = teams.task_submit(grace, {**submit_data(dialog), "name": "2026 H2", "team": "Platform", **DATES,
                                     "anonymous": "yes"}).json()
    assert done["task"]["type"] == "message" and "2026 H2" in done["task"]["value"]
    with sessions() as session:
        assert session.exec(select(ReviewCycle)).one().peers_anonymous is True

    alan = dialog_card(teams.task_fetch(in_teams.alan, adaptive.button_data(cycle_blocks.OPEN_CYCLE_ACTION)))
    assert "can't see it" in alan["body"][0]["text"]
    forged = dialog_card(teams.task_submit(in_teams.alan, {**submit_data(dialog), "name": "Mine", **DATES}))
    assert "can't see it" in forged["body"][0]["text"]
    with sessions() as session:
        assert len(session.exec(select(ReviewCycle)).all()) == 1


# ---- starting an improvement plan ----------------------------------------------------------------------------


PLAN = {"gaps": "Late hand-offs", "causes": "circumstances", "actions": "Daily stand-up notes",
        "success_measure": "No late hand-off for a month", "check_1": "2026-12-07"}


def test_a_manager_starts_an_improvement_plan_in_teams_for_someone_they_manage(teams, in_teams, ada, connector,
                                                                               sessions):
    dialog = dialog_card(teams.task_fetch(ada, adaptive.button_data(improvement_blocks.OPEN_PLAN_ACTION, "pick")))
    grace_id, katherine = ids(sessions, "UHR1", "UEMP3")
    subject = inputs(dialog)["subject"]
    assert str(katherine) in {c["value"] for c in subject["choices"]}
    assert str(grace_id) not in {c["value"] for c in subject["choices"]}
    assert inputs(dialog)["causes"]["isMultiSelect"]

    outsider = dialog_card(teams.task_submit(ada, {**submit_data(dialog), **PLAN, "subject": str(grace_id)}))
    assert error_after(outsider, "subject") == "⚠️ " + error_text("not_found", "en")
    bad = dialog_card(teams.task_submit(ada, {**submit_data(dialog), **PLAN, "causes": "", "check_1": "2026-11-01",
                                              "subject": str(katherine)}))
    assert error_after(bad, "causes").startswith("⚠️") and error_after(bad, "check_1").startswith("⚠️")
    with sessions() as session:
        assert session.exec(select(ImprovementPlan)).all() == []

    done = teams.task_submit(ada, {**submit_data(dialog), **PLAN, "subject": str(katherine)}).json()
    assert done["task"]["type"] == "message"
    plan_card = card_with(connector, in_teams.katherine, improvement_blocks.COMMITMENTS_ACTION)
    assert "Late hand-offs" in str(plan_card)  # the employee gets the plan where she is
    with sessions() as session:
        assert session.exec(select(ImprovementPlan)).one().person_id == katherine

    alan = dialog_card(teams.task_fetch(in_teams.alan, adaptive.button_data(improvement_blocks.OPEN_PLAN_ACTION,
                                                                            "pick")))
    assert "can't see it" in alan["body"][0]["text"]


# ---- editing plans -----------------------------------------------------------------------------------------


def test_hr_edits_a_plan_in_teams_with_errors_by_line(teams, in_teams, grace, sessions):
    dialog = dialog_card(teams.task_fetch(grace, adaptive.button_data(plan_blocks.EDIT_PLAN_ACTION, "new")))
    fields = inputs(dialog)
    assert "Results |" in fields["criteria"]["value"] and "5 | Outstanding" in fields["scale"]["value"]
    values = {"name": "Customer service", "cycle": "monthly", "team": "Platform", "role": "-",
              "criteria": "Calls handled | 40 | inbound calls a week\nSatisfaction | sixty",
              "scale": fields["scale"]["value"], "rewards": "", "improvement_threshold": "2"}
    refused = dialog_card(teams.task_submit(grace, {**submit_data(dialog), **values}))
    assert error_after(refused, "criteria") == "⚠️ Line 2: The weight must be a positive number."
    assert inputs(refused)["criteria"]["value"] == values["criteria"]
    fixed = {**values, "criteria": "Calls handled | 40 | inbound calls a week\nSatisfaction | 30\nResolution | 30"}
    done = teams.task_submit(grace, {**submit_data(dialog), **fixed}).json()
    assert done["task"]["type"] == "message" and "Customer service" in done["task"]["value"]
    with sessions() as session:
        plan = plans.plan_for(session, person(session, "UEMP1"))
        assert plan["name"] == "Customer service"
        plan_id = session.exec(select(PerformancePlan.id)).one()

    edit = dialog_card(teams.task_fetch(grace, adaptive.button_data(plan_blocks.EDIT_PLAN_ACTION, str(plan_id))))
    assert inputs(edit)["name"]["value"] == "Customer service"
    alan = dialog_card(teams.task_fetch(in_teams.alan, adaptive.button_data(plan_blocks.EDIT_PLAN_ACTION, "new")))
    assert "can't see it" in alan["body"][0]["text"]


# ---- calibration, revisit, release ---------------------------------------------------------------------------


def write_manager_reviews(sessions, clock, cycle_id: int) -> None:
    with sessions() as session:
        ada = person(session, "UMGR1")
        for review in session.exec(select(Review).where(Review.cycle_id == cycle_id, Review.kind == "manager")):
            reviews.submit_manager_review(session, ada, review.id, ratings={c: "4" for c in CRITERIA},
                                          comments={}, overall="4", strengths="Steady", to_improve="Write more",
                                          now=clock.now())


def test_hr_calibrates_asks_to_revisit_and_releases_in_teams(teams, in_teams, ada, grace, cycle_id, connector,
                                                             sessions, clock):
    teams.card_submit(in_teams.alan, adaptive.button_data(calibration_blocks.CALIBRATE_ACTION, str(cycle_id)))
    assert "can't see it" in replies(connector, in_teams.alan)[0]

    write_manager_reviews(sessions, clock, cycle_id)
    connector.reset()
    teams.card_submit(grace, adaptive.button_data(calibration_blocks.CALIBRATE_ACTION, str(cycle_id)))
    posted = connector.sent_to(grace.personal_conversation_id)
    header, rows, release = (p.cards[0] for p in posted)
    [figures] = [element for element in header["body"] if element["type"] == "FactSet"]  # Platform: the chart's
    assert {"title": "4 · Exceeds expectations", "value": "3 people"} in figures["facts"]  # figures as a table
    assert "Alan Turing" in str(rows["body"])

    revisit = next(b for b in buttons(rows) if b["data"]["action"] == calibration_blocks.REVISIT_ACTION)
    dialog = dialog_card(teams.task_fetch(grace, revisit["data"]))
    empty = dialog_card(teams.task_submit(grace, {**submit_data(dialog), "note": " "}))
    assert error_after(empty, "note").startswith("⚠️")
    done = teams.task_submit(grace, {**submit_data(dialog), "note": "Compare with the goal results"}).json()
    assert done["task"]["type"] == "message"
    assert any("Compare with the goal results" in text for text in replies(connector, ada))

    opener = button(release, calibration_blocks.RELEASE_ACTION)
    assert opener["data"]["msteams"] == {"type": "task/fetch"}  # Slack's "are you sure" as a dialog
    confirm = dialog_card(teams.task_fetch(grace, opener["data"]))
    refused = dialog_card(teams.task_submit(grace, submit_data(confirm)))  # a rating is being revisited
    assert refused["body"][0]["text"] == adaptive.teams_markdown(error_text("reviews_missing", "en"))
    write_manager_reviews(sessions, clock, cycle_id)
    released = teams.task_submit(grace, submit_data(confirm)).json()
    assert released["task"]["type"] == "message" and "2026-H2" in released["task"]["value"]
    with sessions() as session:
        assert session.get(ReviewCycle, cycle_id).state == "released"

    connector.reset()
    teams.card_submit(in_teams.alan, adaptive.button_data(calibration_blocks.RELEASE_ACTION, str(cycle_id)))
    [offered] = connector.sent_to(in_teams.alan.personal_conversation_id)
    assert buttons(offered.cards[0])[0]["data"]["msteams"] == {"type": "task/fetch"}
    alan = dialog_card(teams.task_fetch(in_teams.alan, opener["data"]))
    assert "can't see it" in alan["body"][0]["text"]


# ---- no button of these flows says "not in Teams yet" ------------------------------------------------------------


def test_no_slack_button_the_bot_puts_on_a_teams_card_answers_not_in_teams_yet(teams, in_teams, grace, connector):
    not_yet = label("teams_not_in_teams_yet", "en")
    for action in sorted(adaptive.DIALOG_ACTIONS):
        answer = teams.task_fetch(grace, adaptive.button_data(action, "1")).json()
        assert not_yet not in str(answer), action
    for action in sorted(adaptive.BUTTON_ACTIONS):
        connector.reset()
        teams.card_submit(grace, adaptive.button_data(action, "1"))
        assert not_yet not in str(replies(connector, grace)), action
