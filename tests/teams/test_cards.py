"""The Adaptive Card builders: pure, every word from the templates, within what Teams accepts."""

import json
from datetime import date
from types import SimpleNamespace

import pytest

from bot.teams_emulator import card_texts
from prompts import adaptive, goal_cards
from prompts.goal_blocks import error_text
from prompts.render import LOCALES, label, render


def goal(**fields):
    values = dict(id=1, title="Ship <beta> & docs", level="individual", unit="%", start_value=0.0,
                  target_value=30.0, current_value=15.0, metric="throughput", status="on_track",
                  approval="approved", due_date=date(2027, 6, 30))
    return SimpleNamespace(**{**values, **fields})


TEAMS_MESSAGE_MAX_BYTES = 28 * 1024
ELEMENT_KEYS = {
    "TextBlock": {"type", "text", "wrap", "spacing", "color", "separator"},
    "Container": {"type", "items", "separator", "spacing"},
    "Input.Text": {"type", "id", "label", "isRequired", "maxLength", "isMultiline", "placeholder", "value"},
    "Input.Date": {"type", "id", "label", "isRequired", "value"},
    "Input.ChoiceSet": {"type", "id", "label", "style", "choices", "isRequired", "placeholder", "value"},
    "ActionSet": {"type", "actions"},
}
ACTION_KEYS = {"type", "title", "data", "style", "mode"}


def assert_valid(card: dict) -> None:
    """Check what Teams checks: known elements with known properties, unique input ids, size.

    (The SDK's own card model accepts any element, so it is no check.)
    """
    assert card["type"] == "AdaptiveCard" and card["version"] == adaptive.CARD_VERSION and card["fallbackText"]
    ids: list[str] = []

    def check(elements: list[dict]) -> None:
        for element in elements:
            assert set(element) <= ELEMENT_KEYS[element["type"]], element
            if element["type"] == "TextBlock":
                assert isinstance(element["text"], str) and element["text"]
            if element["type"].startswith("Input."):
                ids.append(element["id"])
                assert element["label"]
            if "maxLength" in element:
                assert isinstance(element["maxLength"], int)
            for choice in element.get("choices", []):
                assert set(choice) == {"title", "value"} and all(isinstance(v, str) for v in choice.values())
            check(element.get("items", []))
            check_actions(element.get("actions", []))

    def check_actions(actions: list[dict]) -> None:
        for action in actions:
            assert set(action) <= ACTION_KEYS, action
            assert action["type"] == "Action.Submit" and action["title"] and isinstance(action["data"], dict)

    check(card["body"])
    assert len(ids) == len(set(ids))
    check_actions(card.get("actions", []))
    assert len(json.dumps(card, ensure_ascii=False).encode()) < TEAMS_MESSAGE_MAX_BYTES


@pytest.mark.parametrize(("mrkdwn", "markdown"), [
    ("*Your goals* (2)", "**Your goals** (2)"),
    ("• `/goal list`: your goals", "• goal list: your goals"),
    ("<https://example.com|the docs>", "[the docs](https://example.com)"),
    ("Ship &lt;beta&gt; &amp; docs", "Ship <beta> & docs"),
    ("2 * 3 * 4", "2 * 3 * 4"),
    ("~gone~ and _kept_", "gone and _kept_"),
])
def test_it_turns_slack_mrkdwn_into_teams_markdown(mrkdwn, markdown):
    assert adaptive.teams_markdown(mrkdwn) == markdown


def test_it_puts_each_line_in_its_own_text_block_and_keeps_paragraph_breaks():
    blocks = adaptive.text_blocks("one\ntwo\n\nthree")
    assert [b["text"] for b in blocks] == ["one", "two", "three"]
    assert [b.get("spacing") for b in blocks] == [None, "None", None]


@pytest.mark.parametrize("locale", LOCALES)
def test_help_holds_the_goal_and_checkin_help_of_slack_in_every_locale(locale):
    card = adaptive.help_card(locale=locale)
    assert_valid(card)
    words = card_texts(card)
    for name in ("goal_help", "checkin_help"):
        assert all(adaptive.teams_markdown(line) in words for line in render(name, locale).splitlines() if line.strip())
    assert card["fallbackText"] and "*" not in card["fallbackText"]


@pytest.mark.parametrize("locale", LOCALES)
def test_the_goal_list_shows_each_goal_as_slack_does(locale):
    card = goal_cards.goal_list_card([goal(), goal(id=2, title="第二个目标")], {1: 0.5, 2: 0.0}, own=True, name="Alan",
                                     locale=locale)
    assert_valid(card)
    words = card_texts(card)
    assert "**Ship <beta> & docs**" in words and "**第二个目标**" in words
    assert any("▓▓▓▓▓░░░░░ 50%" in text for text in words)


def test_each_goal_in_the_list_has_slacks_menu_behind_the_cards_ellipsis():
    card = goal_cards.goal_list_card([goal(), goal(id=2)], {}, own=True, name="Alan", locale="zh-CN")
    menus = [item for section in card["body"] if section["type"] == "Container" for item in section["items"]
             if item["type"] == "ActionSet"]
    assert [[a["data"]["value"] for a in menu["actions"]] for menu in menus] == [
        [f"{verb}:{n}" for verb in ("progress", "adjust", "history", "archive")] for n in (1, 2)]
    first = menus[0]["actions"][0]
    assert first["title"] == label("update_progress", "zh-CN") and first["mode"] == "secondary"
    assert first["data"] == {"msteams": {"type": "task/fetch"}, "action": "goal_menu", "value": "progress:1"}


@pytest.mark.parametrize("locale", LOCALES)
def test_the_new_goal_dialog_is_labelled_in_the_persons_language(locale):
    parents = [goal(id=7, level="company", title="Grow revenue")]
    answer = goal_cards.new_goal_dialog(locale=locale, parent_choices=parents, levels=["team", "individual"])
    task = answer["task"]
    assert task["type"] == "continue" and task["value"]["title"] == label("goal_modal_title", locale)
    card = task["value"]["card"]["content"]
    assert_valid(card)
    fields = {e["id"]: e for e in card["body"] if "id" in e}
    assert list(fields) == ["level", "title", "metric", "start", "target", "unit", "due_date", "parent_id", "weight",
                            "description"]
    assert fields["level"]["choices"][0] == {"title": label("level_team", locale), "value": "team"}
    assert fields["parent_id"]["choices"] == [{"title": f"{label('level_company', locale)}: Grow revenue",
                                               "value": "7"}]
    assert card["actions"][0]["data"] == {"action": goal_cards.SUBMIT_NEW_GOAL}


def test_errors_sit_under_their_field_and_unknown_fields_at_the_top():
    answer = goal_cards.new_goal_dialog(locale="en", parent_choices=[], levels=["individual"],
                                        values={"title": "T", "target": "lots"},
                                        errors={"target": "number_invalid", "nowhere": "not_allowed"})
    body = answer["task"]["value"]["card"]["content"]["body"]
    ids = [e.get("id") or e.get("text") for e in body]
    assert ids[0] == f"⚠️ {error_text('not_allowed', 'en')}"
    assert ids[ids.index("target") + 1] == f"⚠️ {error_text('number_invalid', 'en')}"
    assert "level" not in ids  # one allowed level: nothing to choose
    assert next(e for e in body if e.get("id") == "target")["value"] == "lots"


def test_the_goal_button_asks_teams_for_the_dialog():
    card = goal_cards.new_goal_button_card(locale="zh-CN")
    assert_valid(card)
    assert card["actions"][0]["data"] == {"msteams": {"type": "task/fetch"}, "dialog_id": goal_cards.NEW_GOAL_DIALOG}


def test_closing_a_dialog_shows_plain_words():
    assert adaptive.close_dialog("Your goal *X* is saved.") == {"task": {"type": "message",
                                                                         "value": "Your goal X is saved."}}


def test_the_longest_goal_list_fits_in_one_teams_message():
    many = [goal(id=i, title="长" * 150, metric="m" * 100, unit="u" * 20) for i in range(60)]
    card = goal_cards.goal_list_card(many, {}, own=True, name="Alan", locale="zh-CN")
    assert_valid(card)
