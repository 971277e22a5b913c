"""The check-in cards: pure builders, Slack's modal field for field, within what Teams accepts."""

import json
from datetime import date
from types import SimpleNamespace

import pytest

from prompts import checkin_blocks, checkin_cards
from prompts.goal_blocks import error_text
from prompts.render import LOCALES, label
from storage import questions as questions_module
from storage import warnings

TEAMS_MESSAGE_MAX_BYTES = 28 * 1024


def goal(**fields):
    values = dict(id=1, title="Onboard 10 pilots", unit="customers", start_value=0.0, target_value=10.0,
                  current_value=2.5, status="at_risk")
    return SimpleNamespace(**{**values, **fields})


def week(name: str, late: bool = False):
    return SimpleNamespace(week=name, late=late)


def content(answer: dict) -> dict:
    assert answer["task"]["type"] == "continue"
    return answer["task"]["value"]["card"]["content"]


def fields(card: dict) -> dict[str, dict]:
    return {e["id"]: e for e in card["body"] if e["type"].startswith("Input.")}


@pytest.mark.parametrize("locale", LOCALES)
def test_the_dialog_has_slacks_fields_in_the_persons_language(locale):
    goals = [goal(), goal(id=2, title="第二个目标", unit=None, status="finished?")]
    values = checkin_cards.checkin_values(goals, existing=None, existing_progress={})
    card = content(checkin_cards.checkin_dialog(goals, weeks=[week("2026-W48")], values=values, locale=locale))
    inputs = fields(card)
    assert list(inputs) == ["goal:1:value", "goal:1:same", "goal:1:status", "goal:2:value", "goal:2:same",
                            "goal:2:status", "confidence", "highlights", "blockers", "help_needed"]
    assert (inputs["goal:1:value"]["value"], inputs["goal:1:status"]["value"]) == ("2.5", "at_risk")
    assert inputs["goal:2:status"]["value"] == "on_track"  # an unknown status starts as Slack's first choice
    assert [c["title"] for c in inputs["goal:1:status"]["choices"]] == [
        label(f"status_{s}", locale) for s in checkin_blocks.STATUSES]
    assert inputs["confidence"]["style"] == "expanded" and inputs["confidence"]["isRequired"] is True
    assert "value" not in inputs["confidence"] and "value" not in inputs["highlights"]
    assert inputs["highlights"]["maxLength"] == checkin_blocks.FORM_TEXT_MAX
    assert card["actions"][0]["data"] == {"action": checkin_cards.SUBMIT_CHECKIN, "week": "2026-W48"}
    assert card["actions"][0]["title"] == label("submit", locale)


def test_this_weeks_checkin_prefills_the_dialog_and_two_open_weeks_are_a_choice():
    existing = SimpleNamespace(confidence=2, highlights="shipped", blockers=None, help_needed="legal")
    reported = {1: SimpleNamespace(value=7.0, status="done")}
    values = checkin_cards.checkin_values([goal()], existing=existing, existing_progress=reported)
    assert values == {"confidence": "2", "highlights": "shipped", "blockers": "", "help_needed": "legal",
                      "goal:1:value": "7", "goal:1:status": "done"}
    card = content(checkin_cards.checkin_dialog([goal()], weeks=[week("2026-W49"), week("2026-W48", late=True)],
                                                values=values, locale="en"))
    choice = fields(card)["week"]
    assert choice["choices"][1] == {"title": label("checkin_last_week", "en", week="2026-W48"), "value": "2026-W48"}
    assert choice["value"] == "2026-W49" and "week" not in card["actions"][0]["data"]


def test_errors_sit_under_their_field_and_the_others_on_top():
    card = content(checkin_cards.checkin_dialog([goal()], weeks=[week("2026-W48")], values={"goal:1:value": "four"},
                                                errors={"goal:1:value": "number_invalid", "goals": "goal_not_yours"},
                                                locale="en"))
    ids = [e.get("id") or e.get("text") for e in card["body"]]
    assert ids[0] == f"⚠️ {error_text('goal_not_yours', 'en')}"
    assert ids[ids.index("goal:1:value") + 1] == f"⚠️ {error_text('number_invalid', 'en')}"
    assert fields(card)["goal:1:value"]["value"] == "four"


def test_a_full_dialog_fits_in_a_teams_message():
    # 20 goals with the longest titles, in Chinese, and a long paragraph in each text field. (Three fields of 3,000
    # Chinese characters each are 27 KB of the person's own words: a form cannot be cut, so that one is not.)
    goals = [goal(id=i, title="长" * 150, unit="u" * 20) for i in range(1, 40)]
    values = {"highlights": "亮" * 800, "blockers": "阻" * 800, "help_needed": "帮" * 800}
    card = content(checkin_cards.checkin_dialog(goals, weeks=[week("2026-W49"), week("2026-W48", True)], values=values,
                                                locale="zh-CN"))
    assert len(fields(card)) == 3 * checkin_blocks.GOALS_IN_MODAL + 5  # as many goals as Slack's modal
    assert len(json.dumps(card, ensure_ascii=False).encode()) < TEAMS_MESSAGE_MAX_BYTES


def test_everything_a_week_can_ask_fits_in_a_teams_message_with_every_field_kept():
    # The fullest week, as it opens: twenty long Chinese goals, two of last week's long blockers (one carried into
    # this week's field), four action items due, three early warnings and ten custom questions of the longest
    # wording.
    goals = [goal(id=i, title="长" * 150, unit="u" * 20) for i in range(1, 21)]
    blockers = [SimpleNamespace(attention_id=i, text="阻" * 300) for i in (1, 2)]
    actions = [SimpleNamespace(id=i, text="事" * 500, due_date=date(2026, 12, 4)) for i in range(1, 5)]
    follow_ups = SimpleNamespace(blockers=blockers, actions=actions, prefill_blockers=lambda: blockers[0].text)
    flags = [warnings.Flag(goal=goals[i], reasons=(warnings.Reason(kind="pace", done=10, elapsed=80),))
             for i in range(3)]
    questions = [questions_module.Question(id=f"q{i}", type=kind, every=1, en="Q" * 150, zh="问" * 150)
                 for i, kind in enumerate(["text", "1-5", "yes/no"] * 3 + ["text"])]
    values = checkin_cards.checkin_values(goals, existing=None, existing_progress={}, follow_ups=follow_ups)
    card = content(checkin_cards.checkin_dialog(goals, weeks=[week("2026-W49"), week("2026-W48", True)], values=values,
                                                locale="zh-CN", follow_ups=follow_ups, flags=flags,
                                                questions=questions))
    inputs = fields(card)
    assert all(f"goal:{g.id}:{part}" in inputs for g in goals for part in ("value", "same", "status"))
    assert all(f"q:q{i}" in inputs for i in range(10)) and "blocker:1" in inputs and "blocker:2" in inputs
    assert len(json.dumps(card, ensure_ascii=False).encode()) < TEAMS_MESSAGE_MAX_BYTES
    assert inputs["goal:1:value"]["label"].startswith("长" * 10) and inputs["blockers"]["value"] == "阻" * 300


def test_a_week_that_fits_keeps_the_goals_whole_titles():
    goals = [goal(id=i, title="长" * 150) for i in range(1, 4)]
    card = content(checkin_cards.checkin_dialog(goals, weeks=[week("2026-W49")], values={}, locale="zh-CN"))
    assert fields(card)["goal:1:value"]["label"].startswith("长" * 150 + " (")


def test_goal_fields_are_read_back_and_nothing_else_is():
    assert checkin_cards.parse_goal_field("goal:12:value") == ("12", "value")
    assert checkin_cards.parse_goal_field("goal:12:status") == ("12", "status")
    for other in ("goal:x:value", "goal:12:note", "goal:１２:value", "confidence", "goal:12:value:x"):
        assert checkin_cards.parse_goal_field(other) is None


def test_the_checkin_button_asks_teams_for_the_dialog():
    card = checkin_cards.checkin_button_card(week="2026-W48", locale="zh-CN")
    [button] = card["actions"]
    assert button["title"] == label("check_in_now", "zh-CN")
    assert button["data"] == {"msteams": {"type": "task/fetch"}, "action": checkin_blocks.OPEN_CHECKIN_ACTION,
                              "value": ""}
    assert label("checkin_this_week", "zh-CN", week="2026-W48") in card["body"][1]["text"]


def test_the_reply_dialog_keeps_what_was_typed_beside_its_error():
    card = content(checkin_cards.reply_dialog(checkin_id=5, name="Alan", locale="en", value="  ",
                                              errors={"reply": "comment_missing"}))
    assert card["body"][0]["label"] == label("reply_text", "en", name="Alan")
    assert card["body"][1]["text"] == f"⚠️ {error_text('comment_missing', 'en')}"
    assert card["actions"][0]["data"] == {"action": checkin_cards.SUBMIT_REPLY, "checkin_id": 5}
