"""`goal` in Teams: a card whose button opens the new-goal dialog; submits validated by the same SMART rules."""

from sqlmodel import select

from prompts import adaptive, goal_cards
from prompts.adaptive import teams_markdown
from prompts.goal_blocks import error_text
from prompts.render import label, render
from storage import goals
from storage.models import Goal
from tests.builders import approved_goal, person
from tests.teams.helpers import written

GOOD = {"title": "Onboard 10 pilot customers", "metric": "pilot customers live", "start": "0", "target": "10",
        "unit": "customers", "due_date": "2027-03-31", "weight": "", "description": ""}


def company_goal(sessions, now, title: str = "Grow revenue 20%") -> Goal:
    with sessions() as session:
        hr = person(session, "UHR1")
        validation = goals.validate(session, hr, goals.GoalInput(
            title=title, start="0", target="20", unit="%", due_date="2027-12-31", level="company"), today=now.date())
        return goals.create(session, hr, validation.draft, now=now)


def dialog_card(response) -> dict:
    """Return the Adaptive Card a task/fetch or task/submit answer shows."""
    task = response.json()["task"]
    assert task["type"] == "continue", task
    return task["value"]["card"]["content"]


def inputs(card: dict) -> dict[str, dict]:
    return {element["id"]: element for element in card["body"] if element.get("type", "").startswith("Input.")}


def texts(card: dict) -> list[str]:
    return [element["text"] for element in card["body"] if element.get("type") == "TextBlock"]


def submit(teams, user, **fields):
    return teams.task_submit(user, {"action": goal_cards.SUBMIT_NEW_GOAL, **GOOD, **fields})


def test_goal_answers_with_a_button_that_opens_the_new_goal_dialog(teams, teams_people, connector):
    teams.message(teams_people.alan, "goal")
    [reply] = connector.sent_to(teams_people.alan.personal_conversation_id)
    [button] = reply.cards[0]["actions"]
    assert button["title"] == label("goal_modal_title", "en")
    response = teams.task_fetch(teams_people.alan, button["data"])
    assert response.status == 200
    assert response.json()["task"]["value"]["title"] == label("goal_modal_title", "en")
    fields = inputs(dialog_card(response))
    assert fields["title"]["label"] == label("goal_title", "en") and fields["title"]["isRequired"] is True
    assert {"metric", "start", "target", "unit", "due_date", "weight", "description"} <= set(fields)


def test_the_dialog_is_in_the_persons_language_and_offers_the_goals_they_may_support(
    teams, teams_people, sessions, clock
):
    parent = company_goal(sessions, clock.now(), title="收入增长 20%")
    approved_goal(sessions, "UEMP1", now=clock.now(), title="Alan's own goal")  # not one to support
    response = teams.task_fetch(teams_people.li_lei, {"dialog_id": goal_cards.NEW_GOAL_DIALOG})
    fields = inputs(dialog_card(response))
    assert fields["title"]["label"] == label("goal_title", "zh-CN")
    assert fields["parent_id"]["choices"] == [{"title": f"{label('level_company', 'zh-CN')}: 收入增长 20%",
                                               "value": str(parent.id)}]


def test_a_good_goal_is_saved_listed_and_the_dialog_closes_with_the_same_words_as_slack(
    teams, teams_people, connector, sessions, clock
):
    parent = company_goal(sessions, clock.now())
    response = submit(teams, teams_people.alan, parent_id=str(parent.id))
    assert response.status == 200
    words = render("goal_saved", "en", title=GOOD["title"], proposed=True, manager="Ada Lovelace", parent="")
    assert response.json() == {"task": {"type": "message", "value": adaptive.plain_text(words)}}
    assert teams_markdown(words) in connector.sent_to(teams_people.alan.personal_conversation_id)[0].text
    with sessions() as session:
        goal = session.exec(select(Goal).where(Goal.title == GOOD["title"])).one()
    assert (goal.target_value, goal.approval, goal.parent_id) == (10.0, "proposed", parent.id)
    connector.reset()
    teams.message(teams_people.alan, "goal list")
    assert GOOD["title"] in connector.sent_to(teams_people.alan.personal_conversation_id)[0].text


def test_a_validation_error_comes_back_in_the_dialog_beside_its_field_and_nothing_is_saved(
    teams, teams_people, connector, sessions
):
    before = written(sessions)
    response = submit(teams, teams_people.alan, start="10", target="10", due_date="2020-01-01")
    card = dialog_card(response)
    shown = texts(card)
    assert f"⚠️ {error_text('target_equals_start', 'en')}" in shown
    assert f"⚠️ {error_text('due_in_past', 'en')}" in shown
    body_ids = [element.get("id") for element in card["body"]]
    error_at = shown.index(f"⚠️ {error_text('due_in_past', 'en')}")
    assert card["body"].index(next(e for e in card["body"] if e.get("text") == shown[error_at])) == \
        body_ids.index("due_date") + 1
    assert inputs(card)["title"]["value"] == GOOD["title"]  # what they typed is kept
    assert written(sessions)["goals"] == before["goals"]
    assert connector.sent_to(teams_people.alan.personal_conversation_id) == []


def test_errors_are_worded_in_chinese_for_a_chinese_speaker(teams, teams_people):
    card = dialog_card(submit(teams, teams_people.li_lei, target="很多"))
    assert f"⚠️ {error_text('number_invalid', 'zh-CN')}" in texts(card)


def test_a_vague_goal_asks_first_and_is_saved_once_confirmed(teams, teams_people, sessions):
    vague = {"title": "Improve work efficiency", "start": "", "target": "", "metric": "", "unit": ""}
    card = dialog_card(submit(teams, teams_people.alan, **vague))
    assert written(sessions)["goals"] == 0
    save, back, suggest = card["actions"]
    assert save["title"] == label("goal_confirm_submit", "en")
    assert suggest["title"] == label("goal_suggest_button", "en")
    assert dialog_card(teams.task_submit(teams_people.alan, back["data"]))["body"]  # back to the filled form
    assert written(sessions)["goals"] == 0
    assert teams.task_submit(teams_people.alan, save["data"]).json()["task"]["type"] == "message"
    assert written(sessions)["goals"] == 1


def test_forged_and_oversized_submits_are_refused_in_the_dialog_and_nothing_is_written(
    teams, teams_people, sessions, clock
):
    other = approved_goal(sessions, "UEMP2", now=clock.now(), title="李雷's own goal")
    forged = [
        {"parent_id": str(other.id)},  # another person's goal as the parent
        {"parent_id": "99999999999999999999"},
        {"title": "x" * 5000},
        {"description": "y" * 100_000},
        {"title": {"nested": "object"}},
        {"level": "company"},  # an employee may not set company goals
    ]
    for fields in forged:
        response = submit(teams, teams_people.alan, **fields)
        assert response.status == 200
        assert any(text.startswith("⚠️") for text in texts(dialog_card(response))), fields
    assert written(sessions)["goals"] == 1


def test_a_stranger_cannot_open_or_submit_the_dialog(teams, teams_people, sessions):
    response = teams.task_fetch(teams_people.stranger, {"dialog_id": goal_cards.NEW_GOAL_DIALOG})
    assert adaptive.plain_text(render("unknown_person", "en", hr_names=["Grace Hopper"])).splitlines()[0] in str(
        texts(dialog_card(response)))
    submit(teams, teams_people.stranger)
    assert written(sessions)["goals"] == 0
