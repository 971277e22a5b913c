"""Weekly check-ins end to end: /checkin, the prefilled modal, validation, edits, the manager's alert."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from prompts.checkin_blocks import OPEN_CHECKIN_ACTION, RESPOND_ACTION
from storage.models import CheckIn, Goal, GoalChange, GoalProgress
from tests.builders import approved_goal, load_org
from tests.slack_helpers import dms_to, last_dm_text, opened_view, visible_text

EMPLOYEE, CHINESE_EMPLOYEE, PEER, MANAGER, HR = "UEMP1", "UEMP2", "UEMP3", "UMGR1", "UHR1"


@pytest.fixture
def org(sessions, clock, emulator):
    load_org(sessions, now=clock.now(), emulator=emulator)


@pytest.fixture
def goal(org, sessions, clock) -> Goal:
    return approved_goal(sessions, EMPLOYEE, now=clock.now(), title="Onboard 10 pilots", target="10",
                         unit="customers")


def open_checkin(slack, emulator, user_id: str = EMPLOYEE) -> dict:
    response = slack.slash_command(user_id, "/checkin")
    assert response.status == 200 and not response.body
    return opened_view(emulator)


def errors_of(response) -> dict:
    body = response.json()
    assert body["response_action"] == "errors", body
    return body["errors"]


def stored(session, model):
    session.expire_all()
    return list(session.exec(select(model)))


def test_checkin_opens_this_weeks_modal_prefilled_with_active_goals(slack, emulator, goal):
    view = open_checkin(slack, emulator)
    assert view["title"]["text"] == "Weekly check-in"
    value_block = next(b for b in view["blocks"] if b.get("block_id") == f"goal:{goal.id}:value")
    assert value_block["label"]["text"] == "Onboard 10 pilots"
    assert value_block["element"]["initial_value"] == "0"
    assert {"confidence", "highlights", "blockers", "help_needed"} <= {b.get("block_id") for b in view["blocks"]}


def test_a_checkin_updates_progress_keeps_history_and_thanks_the_person(slack, emulator, goal, session):
    view = open_checkin(slack, emulator)
    values = {f"goal:{goal.id}:value": "4", f"goal:{goal.id}:status": "on_track", "confidence": "4",
              "highlights": "Two pilots signed"}
    response = slack.view_submission(EMPLOYEE, view, values)
    assert response.status == 200 and not response.body
    [checkin] = stored(session, CheckIn)
    assert (checkin.week, checkin.confidence, checkin.highlights) == ("2026-W48", 4, "Two pilots signed")
    assert session.get(Goal, goal.id).current_value == 4
    change = session.exec(select(GoalChange).where(GoalChange.field_name == "current_value")).one()
    assert (change.old_value, change.new_value) == ("0", "4")
    thanks = last_dm_text(emulator, EMPLOYEE)
    assert "your check-in for the week of Nov 23 is in" in thanks and "Onboard 10 pilots*: 40%" in thanks


def test_progress_that_is_not_a_number_is_refused_inline_and_nothing_is_written(slack, emulator, goal, session):
    view = open_checkin(slack, emulator)
    response = slack.view_submission(EMPLOYEE, view, {f"goal:{goal.id}:value": "four", "confidence": "4"})
    assert "Enter a number" in errors_of(response)[f"goal:{goal.id}:value"]
    assert stored(session, CheckIn) == [] and stored(session, GoalProgress) == []


def test_a_forged_goal_of_someone_else_is_refused_and_nothing_is_written(slack, emulator, goal, sessions, clock,
                                                                         session):
    other = approved_goal(sessions, PEER, now=clock.now(), title="Katherine's goal")
    view = open_checkin(slack, emulator)
    forged_block = {"type": "input", "block_id": f"goal:{other.id}:value", "label": {"type": "plain_text", "text": "x"},
                    "element": {"type": "plain_text_input", "action_id": "value"}}
    forged = {**view, "blocks": [*view["blocks"], forged_block]}
    response = slack.view_submission(EMPLOYEE, forged, {f"goal:{other.id}:value": "99", "confidence": "5"})
    assert errors_of(response)
    assert stored(session, CheckIn) == []
    assert session.get(Goal, other.id).current_value == 0


def test_a_double_click_stores_one_checkin(slack, emulator, goal, session):
    view = open_checkin(slack, emulator)
    values = {f"goal:{goal.id}:value": "2", "confidence": "3"}
    slack.view_submission(EMPLOYEE, view, values)
    slack.view_submission(EMPLOYEE, view, values)
    assert len(stored(session, CheckIn)) == 1
    assert len(stored(session, GoalProgress)) == 1


def test_opening_it_again_edits_this_weeks_checkin(slack, emulator, goal, session):
    slack.view_submission(EMPLOYEE, open_checkin(slack, emulator), {"confidence": "3", "highlights": "first"})
    again = open_checkin(slack, emulator)
    assert next(b for b in again["blocks"] if b.get("block_id") == "highlights")["element"]["initial_value"] == "first"
    slack.view_submission(EMPLOYEE, again, {"confidence": "5", "highlights": "second"})
    [checkin] = stored(session, CheckIn)
    assert (checkin.confidence, checkin.highlights) == (5, "second")
    assert "is updated" in last_dm_text(emulator, EMPLOYEE)


def test_a_blocker_reaches_the_manager_at_once_and_their_reply_reaches_the_employee(slack, emulator, goal):
    view = open_checkin(slack, emulator)
    slack.view_submission(EMPLOYEE, view, {"confidence": "2", "blockers": "Waiting on <legal> & procurement",
                                           "help_needed": "A nudge to legal"})
    alert = dms_to(emulator, MANAGER)[-1]
    text = visible_text(alert)
    assert "Alan Turing* needs you" in text and "Waiting on &lt;legal&gt; &amp; procurement" in text
    assert "I've let Ada Lovelace know" in last_dm_text(emulator, EMPLOYEE)

    slack.block_action(MANAGER, RESPOND_ACTION, message=alert)
    reply_view = opened_view(emulator)
    slack.view_submission(MANAGER, reply_view, {"reply": "I'll call legal today"})
    assert "Ada Lovelace replied to your check-in" in last_dm_text(emulator, EMPLOYEE)

    # Editing the check-in later the same week does not alert the manager twice.
    slack.view_submission(EMPLOYEE, open_checkin(slack, emulator), {"confidence": "1", "blockers": "still stuck"})
    assert sum("needs you" in visible_text(m) for m in dms_to(emulator, MANAGER)) == 1


def test_only_the_manager_may_respond_to_a_blocker(slack, emulator, goal, session):
    slack.view_submission(EMPLOYEE, open_checkin(slack, emulator), {"confidence": "1", "blockers": "stuck"})
    alert = dms_to(emulator, MANAGER)[-1]
    before = len(dms_to(emulator, EMPLOYEE))
    slack.block_action(PEER, RESPOND_ACTION, message={**alert, "channel": f"D{PEER}"})
    forged = {"id": "VF", "type": "modal", "callback_id": "checkin_reply",
              "private_metadata": str(stored(session, CheckIn)[0].id),
              "blocks": [{"type": "input", "block_id": "reply", "label": {"type": "plain_text", "text": "r"},
                          "element": {"type": "plain_text_input", "action_id": "reply"}}]}
    assert "reply" in errors_of(slack.view_submission(PEER, forged, {"reply": "gotcha"}))
    assert len(dms_to(emulator, EMPLOYEE)) == before


def test_checkin_history_for_yourself_your_report_but_not_a_colleague(slack, emulator, goal):
    slack.view_submission(EMPLOYEE, open_checkin(slack, emulator), {"confidence": "4", "highlights": "shipped"})
    assert "shipped" in slack.slash_command(EMPLOYEE, "/checkin", "history").json()["text"]
    assert "shipped" in slack.slash_command(MANAGER, "/checkin", f"history <@{EMPLOYEE}|alan>").json()["text"]
    assert "shipped" not in slack.slash_command(PEER, "/checkin", f"history <@{EMPLOYEE}>").json()["text"]


def test_away_until_a_date_is_confirmed_in_the_persons_language(slack, org):
    assert "2026年12月1日" in slack.slash_command(CHINESE_EMPLOYEE, "/checkin", "away until 2026-12-01").json()["text"]
    assert "YYYY-MM-DD" in slack.slash_command(EMPLOYEE, "/checkin", "away until next week").json()["text"]
    assert "Welcome back" in slack.slash_command(EMPLOYEE, "/checkin", "back").json()["text"]


def test_last_weeks_missed_checkin_can_be_filed_late_on_monday(slack, emulator, goal, clock, session):
    clock.advance(timedelta(days=7))  # Monday of 2026-W49; 2026-W48 was missed
    view = open_checkin(slack, emulator)
    week_block = next(b for b in view["blocks"] if b.get("block_id") == "week")
    assert [o["value"] for o in week_block["element"]["options"]] == ["2026-W49", "2026-W48"]
    slack.view_submission(EMPLOYEE, view, {"week": "2026-W48", "confidence": "3"})
    [checkin] = stored(session, CheckIn)
    assert (checkin.week, checkin.late) == ("2026-W48", True)
    assert "(late)" in last_dm_text(emulator, EMPLOYEE)


def test_a_checkin_opened_from_the_app_home_refreshes_it_and_one_from_elsewhere_leaves_it_to_the_next_open(
        slack, emulator, goal):
    """Each views.publish counts against Slack's Tier 4 allowance: a check-in refreshes the App Home only when the
    person opened it from there; anywhere else, the next app_home_opened shows it."""
    slack.event(EMPLOYEE, {"type": "app_home_opened", "tab": "home", "channel": f"D{EMPLOYEE}"})
    home = emulator.home_views[EMPLOYEE]
    published = len(emulator.calls_to("views.publish"))

    view = open_checkin(slack, emulator)  # /checkin in a DM
    assert slack.view_submission(EMPLOYEE, view, {"confidence": "4"}).status == 200
    assert len(emulator.calls_to("views.publish")) == published

    slack.block_action(EMPLOYEE, OPEN_CHECKIN_ACTION, view=home)
    view = opened_view(emulator)
    assert view["private_metadata"] == "2026-W48|home"
    response = slack.view_submission(EMPLOYEE, view, {"confidence": "2", "blockers": "Waiting on legal"})
    assert response.status == 200 and not response.body
    assert len(emulator.calls_to("views.publish")) == published + 1
    assert emulator.home_views[EMPLOYEE] != home
