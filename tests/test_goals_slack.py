"""Goals end to end: /goal, the modal and its SMART coach, approval, progress, adjustments, privacy."""

from __future__ import annotations

import json

import pytest
from sqlmodel import select

from prompts.goal_blocks import APPROVE_ACTION, MENU_ACTION, RETURN_ACTION
from storage import goals
from storage.models import Goal, GoalChange, Person
from tests.builders import load_org
from tests.slack_helpers import button, dms_to, home_text, last_dm_text, opened_view, visible_text

NEXT_YEAR = "2027-06-30"
EMPLOYEE, CHINESE_EMPLOYEE, PEER, MANAGER, HR = "UEMP1", "UEMP2", "UEMP3", "UMGR1", "UHR1"


@pytest.fixture
def org(sessions, clock, emulator):
    load_org(sessions, now=clock.now(), emulator=emulator)


def open_goal_modal(slack, emulator, user_id: str) -> dict:
    response = slack.slash_command(user_id, "/goal")
    assert response.status == 200 and not response.body
    return opened_view(emulator)


def propose(slack, emulator, user_id: str, **values) -> object:
    view = open_goal_modal(slack, emulator, user_id)
    return slack.view_submission(user_id, view, values)


def stored_goals(session) -> list[Goal]:
    session.expire_all()
    return list(session.exec(select(Goal).order_by(Goal.id)))


def errors_of(response) -> dict:
    body = response.json()
    assert body["response_action"] == "errors", body
    return body["errors"]


def cascade(slack, emulator, session) -> tuple[Goal, Goal]:
    """HR sets a company goal; the manager aligns a team goal to it. Returns both."""
    propose(slack, emulator, HR, level="company", title="Grow ARR to ¥10M", metric="ARR", start="4", target="10",
            unit="M ¥", due_date=NEXT_YEAR)
    company = stored_goals(session)[-1]
    propose(slack, emulator, MANAGER, level="team", title="Ship the self-serve plan", start="0", target="100",
            unit="%", due_date=NEXT_YEAR, parent_id=str(company.id))
    return company, stored_goals(session)[-1]


def test_goal_with_no_text_opens_the_new_goal_modal(slack, org, emulator):
    view = open_goal_modal(slack, emulator, EMPLOYEE)
    assert view["title"]["text"] == "New goal"
    assert {"title", "start", "target", "due_date"} <= {b.get("block_id") for b in view["blocks"]}


def test_the_modal_is_in_chinese_for_a_chinese_speaker(slack, org, emulator):
    assert open_goal_modal(slack, emulator, CHINESE_EMPLOYEE)["title"]["text"] == "新目标"


def test_it_refuses_a_goal_due_in_the_past_inline_and_stores_nothing(slack, org, emulator, session):
    response = propose(slack, emulator, EMPLOYEE, title="Raise throughput", start="100", target="130",
                       due_date="2026-11-01")
    assert "due date has passed" in errors_of(response)["due_date"]
    assert stored_goals(session) == []


def test_it_refuses_a_target_equal_to_the_start_and_a_non_number(slack, org, emulator, session):
    response = propose(slack, emulator, EMPLOYEE, title="Raise throughput", start="lots", target="130",
                       due_date=NEXT_YEAR)
    assert "Enter a number" in errors_of(response)["start"]
    response = propose(slack, emulator, EMPLOYEE, title="Raise throughput", start="130", target="130",
                       due_date=NEXT_YEAR)
    assert "must differ" in errors_of(response)["target"]
    assert stored_goals(session) == []


def test_errors_are_in_the_persons_language(slack, org, emulator):
    response = propose(slack, emulator, CHINESE_EMPLOYEE, title="提高吞吐量", target="abc", due_date=NEXT_YEAR)
    assert errors_of(response)["target"] == "请输入数字，例如 30、1,000 或 12.5。"


def test_a_vague_goal_gets_the_smart_coach_before_it_is_saved(slack, org, emulator, session):
    response = propose(slack, emulator, EMPLOYEE, title="Improve work efficiency", due_date=NEXT_YEAR)
    body = response.json()
    assert body["response_action"] == "push"
    coach = visible_text(body["view"])
    assert "No measurable number" in coach and "Raise document throughput 30% by 30 June" in coach
    assert "Not aligned" in coach
    assert stored_goals(session) == []

    confirm = slack.view_submission(EMPLOYEE, {**body["view"], "id": "V-confirm"}, {})
    assert confirm.json() == {"response_action": "clear"}
    [goal] = stored_goals(session)
    assert (goal.title, goal.start_value, goal.target_value, goal.approval) == (
        "Improve work efficiency", 0, 1, "proposed")


def test_the_cascade_rolls_progress_up_from_people_to_the_company(slack, org, emulator, session):
    company, team = cascade(slack, emulator, session)
    assert (company.approval, team.approval) == ("approved", "approved")
    propose(slack, emulator, EMPLOYEE, title="Onboard 10 pilot customers", start="0", target="10", unit="customers",
            due_date=NEXT_YEAR, parent_id=str(team.id), weight="1")
    propose(slack, emulator, CHINESE_EMPLOYEE, title="发布计费页面", start="0", target="4", unit="页",
            due_date=NEXT_YEAR, parent_id=str(team.id), weight="3")
    alan_goal, li_goal = stored_goals(session)[-2:]
    for goal in (alan_goal, li_goal):
        approve_from_dm(slack, emulator, goal)

    set_progress(slack, emulator, EMPLOYEE, alan_goal, "5")  # 50%
    set_progress(slack, emulator, CHINESE_EMPLOYEE, li_goal, "4")  # 100%

    session.expire_all()
    progress = goals.progress_map(session, [company, team])
    assert progress[team.id] == pytest.approx(0.875)  # (0.5 * 1 + 1.0 * 3) / 4
    assert progress[company.id] == pytest.approx(0.875)  # its only child
    manager_list = slack.slash_command(MANAGER, "/goal", "list").json()["text"]
    assert "Ship the self-serve plan" in manager_list and "88%" in manager_list


def approve_from_dm(slack, emulator, goal: Goal) -> None:
    manager_dm = next(m for m in reversed(dms_to(emulator, MANAGER)) if goal.title in visible_text(m))
    response = slack.block_action(MANAGER, APPROVE_ACTION, message=manager_dm)
    assert response.status == 200


def set_progress(slack, emulator, user_id: str, goal: Goal, value: str, note: str = ""):
    slack.block_action(user_id, MENU_ACTION, block_id=f"goal-{goal.id}",
                       selected_option={"text": {"type": "plain_text", "text": "Update"},
                                        "value": f"progress:{goal.id}"},
                       view={"id": "VHOME", "type": "home", "blocks": []})
    view = opened_view(emulator)
    return slack.view_submission(user_id, view, {"value": value, "note": note})


def test_the_manager_approves_from_the_dm_and_the_employee_is_told(slack, org, emulator, session):
    coached = propose(slack, emulator, EMPLOYEE, title="Cut p95 latency to 200 ms", metric="p95 latency",
                      start="450", target="200", unit="ms", due_date=NEXT_YEAR)
    slack.view_submission(EMPLOYEE, {**coached.json()["view"], "id": "V2"}, {})  # save it unaligned
    [goal] = stored_goals(session)
    assert goal.approval == "proposed"
    request = dms_to(emulator, MANAGER)[-1]
    assert "Alan Turing* proposed a goal" in visible_text(request)
    assert button(request, APPROVE_ACTION)["value"] == str(goal.id)

    slack.block_action(MANAGER, APPROVE_ACTION, message=request)

    assert stored_goals(session)[0].approval == "approved"
    assert "You approved Alan Turing's goal" in visible_text(dms_to(emulator, MANAGER)[-1])  # buttons replaced
    assert "Ada Lovelace approved your goal *Cut p95 latency to 200 ms*" in last_dm_text(emulator, EMPLOYEE)


def test_a_forged_approval_by_a_peer_is_refused_and_changes_nothing(slack, org, emulator, session):
    goal = propose_aligned_goal(slack, emulator, session)
    request = dms_to(emulator, MANAGER)[-1]
    before = len(dms_to(emulator, EMPLOYEE))

    slack.block_action(PEER, APPROVE_ACTION, message={**request, "channel": f"D{PEER}"})
    slack.block_action(EMPLOYEE, APPROVE_ACTION, message={**request, "channel": f"D{EMPLOYEE}"})

    session.expire_all()
    assert session.get(Goal, goal.id).approval == "proposed"
    refusals = [c.params["text"] for c in emulator.calls_to("response_url")]
    assert refusals == ["You can't do that for this goal."] * 2
    assert len(dms_to(emulator, EMPLOYEE)) == before
    assert session.exec(select(GoalChange).where(GoalChange.field_name == "approval")).all() == []


def propose_aligned_goal(slack, emulator, session, user_id: str = EMPLOYEE, title: str = "Onboard 10 pilots") -> Goal:
    _company, team = cascade(slack, emulator, session)
    propose(slack, emulator, user_id, title=title, start="0", target="10", due_date=NEXT_YEAR,
            parent_id=str(team.id))
    return stored_goals(session)[-1]


def test_returning_a_goal_needs_a_comment_which_reaches_the_employee(slack, org, emulator, session):
    goal = propose_aligned_goal(slack, emulator, session)
    request = dms_to(emulator, MANAGER)[-1]
    slack.block_action(MANAGER, RETURN_ACTION, message=request)
    modal = opened_view(emulator)
    assert "comment" in errors_of(slack.view_submission(MANAGER, modal, {"comment": "   "}))
    slack.view_submission(MANAGER, modal, {"comment": "Can we aim for 12 & align to Q1?"})

    session.expire_all()
    assert session.get(Goal, goal.id).approval == "returned"
    told = last_dm_text(emulator, EMPLOYEE)
    assert "returned your goal" in told and "Can we aim for 12 &amp; align to Q1?" in told


def test_an_adjustment_needs_a_reason_and_is_kept_in_the_history(slack, org, emulator, session):
    goal = propose_aligned_goal(slack, emulator, session)
    approve_from_dm(slack, emulator, goal)
    open_menu(slack, EMPLOYEE, goal, "adjust")
    modal = opened_view(emulator)
    changed = {"title": goal.title, "metric": "", "start": "0", "target": "15", "unit": "", "due_date": NEXT_YEAR}

    refused = slack.view_submission(EMPLOYEE, modal, {**changed, "reason": ""})
    assert "Say why" in errors_of(refused)["reason"]
    session.expire_all()
    assert session.get(Goal, goal.id).target_value == 10

    slack.view_submission(EMPLOYEE, modal, {**changed, "reason": "Two more pilots signed early"})
    session.expire_all()
    assert session.get(Goal, goal.id).target_value == 15

    open_menu(slack, EMPLOYEE, goal, "history")
    history = visible_text(opened_view(emulator))
    assert "Alan Turing: Target value 10 → 15 — “Two more pilots signed early”" in history
    assert "created the goal" in history and "approved" in history


def open_menu(slack, user_id: str, goal: Goal, verb: str):
    return slack.block_action(user_id, MENU_ACTION, block_id=f"goal-{goal.id}",
                              selected_option={"text": {"type": "plain_text", "text": verb},
                                               "value": f"{verb}:{goal.id}"},
                              view={"id": "VHOME", "type": "home", "blocks": []})


def test_colleagues_cannot_see_each_others_goals_whatever_they_forge(slack, org, emulator, session):
    goal = propose_aligned_goal(slack, emulator, session, title="Secret plan")
    peer_view = slack.slash_command(PEER, "/goal", f"list <@{EMPLOYEE}|alan>").json()["text"]
    assert "Secret plan" not in peer_view and "your reports' goals" in peer_view
    assert "Secret plan" in slack.slash_command(MANAGER, "/goal", f"list <@{EMPLOYEE}|alan>").json()["text"]
    assert "Secret plan" in slack.slash_command(HR, "/goal", f"list <@{EMPLOYEE}>").json()["text"]

    views_before = len(emulator.calls_to("views.open"))
    open_menu(slack, PEER, goal, "history")
    assert len(emulator.calls_to("views.open")) == views_before
    assert "no longer exists, or you can't see it" in last_dm_text(emulator, PEER)

    forged = {"id": "VX", "type": "modal", "callback_id": "goal_progress", "private_metadata": str(goal.id),
              "blocks": [{"type": "input", "block_id": "value", "label": {"type": "plain_text", "text": "v"},
                          "element": {"type": "plain_text_input", "action_id": "value"}}]}
    assert "value" in errors_of(slack.view_submission(PEER, forged, {"value": "10"}))
    session.expire_all()
    assert session.get(Goal, goal.id).current_value == 0


def test_a_forged_parent_the_person_cannot_see_is_refused(slack, org, emulator, session):
    goal = propose_aligned_goal(slack, emulator, session, title="Individual goal")
    view = open_goal_modal(slack, emulator, PEER)
    forged_parent = {"block_id": "parent_id", "type": "input", "label": {"type": "plain_text", "text": "p"},
                     "element": {"type": "static_select", "action_id": "p",
                                 "options": [{"text": {"type": "plain_text", "text": "x"}, "value": str(goal.id)}]}}
    view = {**view, "blocks": [b for b in view["blocks"] if b.get("block_id") != "parent_id"] + [forged_parent]}
    response = slack.view_submission(PEER, view, {"title": "Mine", "start": "0", "target": "5",
                                                  "due_date": NEXT_YEAR, "parent_id": str(goal.id)})
    assert "parent_id" in errors_of(response)
    assert len(stored_goals(session)) == 3


def test_titles_with_cjk_emoji_quotes_and_markup_round_trip(slack, org, emulator, session):
    title = "提高 \"文档\" <吞吐量> & ‘quality’ 🚀"
    _company, team = cascade(slack, emulator, session)
    propose(slack, emulator, CHINESE_EMPLOYEE, title=title, start="1,000", target="１，３００", unit="份",
            due_date=NEXT_YEAR, parent_id=str(team.id))
    goal = stored_goals(session)[-1]
    assert goal.title == title
    assert (goal.start_value, goal.target_value) == (1000, 1300)
    listed = slack.slash_command(CHINESE_EMPLOYEE, "/goal", "list").json()["text"]
    assert "提高 \"文档\" &lt;吞吐量&gt; &amp; ‘quality’ 🚀" in listed


def test_the_app_home_of_a_person_with_120_goals_stays_within_slacks_limits(slack, org, emulator, sessions, clock):
    with sessions() as session:
        alan = session.exec(select(Person).where(Person.slack_id == EMPLOYEE)).one()
        for number in range(120):
            validation = goals.validate(session, alan, goals.GoalInput(
                title=f"Goal number {number} " + "x" * 100, start="0", target="10", due_date=NEXT_YEAR),
                today=clock.now().date())
            goals.create(session, alan, validation.draft, now=clock.now())

    response = slack.event(EMPLOYEE, {"type": "app_home_opened", "tab": "home", "channel": f"D{EMPLOYEE}"})
    assert response.status == 200
    publish = emulator.calls_to("views.publish")[-1]
    assert publish.response["ok"], publish.response
    home = emulator.home_views[EMPLOYEE]
    assert len(home["blocks"]) <= 100
    assert "1–20 of 120" in home_text(emulator, EMPLOYEE)

    more = next(e for b in home["blocks"] if b["type"] == "actions" for e in b["elements"]
                if e["action_id"].startswith("home_page-mine-next"))
    slack.block_action(EMPLOYEE, more["action_id"], view=home)
    assert "21–40 of 120" in home_text(emulator, EMPLOYEE)
    assert json.loads(more["value"]) == {"mine": 2, "team": 1}


def test_the_manager_home_shows_goals_waiting_for_approval(slack, org, emulator, session):
    propose_aligned_goal(slack, emulator, session, title="Onboard 10 pilots")
    home = home_text(emulator, MANAGER)
    assert "Waiting for your approval (1)" in home and "Onboard 10 pilots" in home and "[Approve]" in home
