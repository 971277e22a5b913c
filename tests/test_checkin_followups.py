"""The check-in's follow-ups as built for each surface: the words, the rotation, and the room they take.

The behaviour end to end, on Slack and Teams, is in tests/teams/test_checkin_followups.py.
"""

from __future__ import annotations

import json
from datetime import date
from types import SimpleNamespace

import pytest

from prompts import checkin_blocks, checkin_cards
from prompts.render import render
from storage.attention import FOLLOW_UPS_MAX, OpenBlocker
from storage.checkins import ACTIONS_DUE_MAX, FollowUps

SLACK_MODAL_BLOCKS_MAX = 100
CUSTOM_QUESTIONS_MAX = 10  # storage.questions.MAX_QUESTIONS: one block each, after the goals
TEAMS_MESSAGE_MAX_BYTES = 28 * 1024


def goal(i: int, title: str = "长" * 150):
    return SimpleNamespace(id=i, title=title, unit="u" * 20, start_value=0.0, target_value=10.0,
                           current_value=2.5, status="at_risk")


def weeks():
    return [checkin_blocks.WeekOption("2026-W49", False), checkin_blocks.WeekOption("2026-W48", True)]


def follow_ups(text: str = "阻" * 3000) -> FollowUps:
    return FollowUps([OpenBlocker(100_000 + i, 100_000 + i, "2026-W48", text, None) for i in range(FOLLOW_UPS_MAX)],
                     [SimpleNamespace(id=100_000 + i, text="行" * 1000, due_date=date(2026, 12, 31))
                      for i in range(ACTIONS_DUE_MAX)])


def test_the_slack_modal_opens_with_last_weeks_blockers_and_the_actions_due_before_the_goals():
    modal = checkin_blocks.checkin_modal([goal(1, "Pilots")], weeks=weeks()[:1], existing=None, existing_progress={},
                                         locale="en", follow_ups=follow_ups("Waiting on legal approval"))
    ids = [block.get("block_id") for block in modal["blocks"]]
    assert ids[:4] == ["blocker:100000", "blocker:100001", "actions_done", "goal:1:value"]
    assert modal["blocks"][0]["label"]["text"] == "Last week's blocker: is “Waiting on legal approval” resolved?"
    blockers = next(b for b in modal["blocks"] if b.get("block_id") == "blockers")
    assert blockers["element"]["initial_value"] == "Waiting on legal approval"  # carried, editable
    value = next(b for b in modal["blocks"] if b.get("block_id") == "goal:1:value")
    assert value["optional"] is True and value["element"]["initial_value"] == "2.5"


def test_a_long_blocker_is_quoted_shortened_on_one_line():
    question = checkin_blocks.blocker_question("legal  approval\n" + "x" * 200, "zh-CN")
    assert question.startswith("上周的阻碍“legal approval xxx") and "…”解决了吗？" in question
    assert len(checkin_blocks.shortened("x" * 200)) == checkin_blocks.BLOCKER_SHOWN_MAX


@pytest.mark.parametrize("locale", ["en", "zh-CN"])
def test_the_highlights_question_rotates_by_iso_week_and_never_says_attendance(locale):
    asked = [checkin_blocks.highlights_question(f"2026-W{n:02d}", locale) for n in range(48, 52)]
    assert len(set(asked)) == 4
    assert checkin_blocks.highlights_question("2026-W48", locale) == asked[0]  # the same week, the same words
    assert checkin_blocks.highlights_question("2027-W48", locale) == asked[0]
    assert not any("签到" in words for words in asked)


def test_a_full_slack_modal_with_follow_ups_leaves_room_for_the_custom_questions():
    modal = checkin_blocks.checkin_modal([goal(i) for i in range(1, 40)], weeks=weeks(), existing=None,
                                         existing_progress={}, locale="zh-CN", follow_ups=follow_ups())
    assert len(modal["blocks"]) + CUSTOM_QUESTIONS_MAX <= SLACK_MODAL_BLOCKS_MAX
    labels = [b["label"]["text"] for b in modal["blocks"] if b.get("type") == "input"]
    assert all(len(text) <= 2000 for text in labels)
    options = [o["text"]["text"] for b in modal["blocks"] for o in b.get("element", {}).get("options", [])]
    assert all(len(text) <= 75 for text in options)


def test_a_full_teams_dialog_with_follow_ups_fits_in_a_teams_message():
    # The longest goals and texts, as tests/teams/test_checkin_cards.py has them, and every follow-up there can be.
    values = {"highlights": "亮" * 800, "blockers": "阻" * 800, "help_needed": "帮" * 800}
    dialog = checkin_cards.checkin_dialog([goal(i) for i in range(1, 40)], weeks=weeks(), values=values,
                                          locale="zh-CN", follow_ups=follow_ups())
    card = dialog["task"]["value"]["card"]["content"]
    assert len(json.dumps(card, ensure_ascii=False).encode()) < TEAMS_MESSAGE_MAX_BYTES


def test_the_no_change_tick_is_read_the_same_from_both_surfaces():
    from handlers.checkin_flow import checkin_input

    form = checkin_input({"goal:7:value": "3", "goal:7:same": "true", "goal:8:value": "1", "goal:8:same": "false",
                          "blocker:12": "still", "blocker:13": None, "actions_done": "4, 5"},
                         goal_field=checkin_cards.parse_goal_field)
    assert [(g.goal_id, g.unchanged) for g in form.goals] == [("7", True), ("8", False)]
    assert form.blocker_answers == (("12", "still"),)
    assert form.actions_done == ("4", "5")
    assert render("checkin_blocker_question", "en", blocker="<b>") == "Last week's blocker: is “<b>” resolved?"
