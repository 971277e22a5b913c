"""card_from_block_kit: any of our Block Kit messages becomes an Adaptive Card with the same words and buttons."""

import json
import random

import pytest

from bot.teams_emulator import card_texts
from handlers.teams.context import card_message
from prompts import adaptive, checkin_blocks, kudos_blocks
from prompts.blocks import markdown_message
from prompts.coaching_blocks import ONE_ON_ONE_ACTION
from prompts.goal_blocks import APPROVE_ACTION
from prompts.render import LOCALES, label, render

TEAMS_MESSAGE_MAX_BYTES = 28 * 1024


def plain(text: str) -> dict:
    return {"type": "plain_text", "text": text}


def mrkdwn(text: str) -> dict:
    return {"type": "mrkdwn", "text": text}


def button(action_id: str, text: str, value: str | None = None, **fields) -> dict:
    element = {"type": "button", "action_id": action_id, "text": plain(text), **fields}
    if value is not None:
        element["value"] = value
    return element


def actions_of(card: dict) -> list[dict]:
    return [action for element in card["body"] if element["type"] == "ActionSet" for action in element["actions"]]


def message_bytes(card: dict) -> int:
    """The size of the whole activity the bot posts, as the SDK serialises it."""
    activity = card_message(card).model_dump(by_alias=True, exclude_none=True)
    return len(json.dumps(activity, ensure_ascii=False).encode())


def test_a_section_becomes_text_blocks_in_teams_markdown():
    card = adaptive.card_from_block_kit(markdown_message("*Your goals*\n• Ship &lt;beta&gt; &amp; docs"))
    assert card["type"] == "AdaptiveCard" and card["version"] == adaptive.CARD_VERSION
    assert card_texts(card) == ["**Your goals**", "• Ship <beta> & docs"]
    assert all(block["wrap"] for block in card["body"])
    assert card["fallbackText"] == "Your goals\n• Ship <beta> & docs"


def test_section_fields_and_a_header_and_context():
    card = adaptive.card_from_block_kit({"text": "fallback", "blocks": [
        {"type": "header", "text": plain("Weekly digest")},
        {"type": "section", "fields": [mrkdwn("*Checked in*\n8 of 10"), plain("Confidence 3.6")]},
        {"type": "context", "elements": [mrkdwn("_updated_ *today*"), {"type": "image", "image_url": "https://x/i.png",
                                                                        "alt_text": "chart"}, plain("v2")]},
    ]})
    header, *rest = card["body"]
    assert (header["text"], header["size"], header["weight"]) == ("Weekly digest", "Large", "Bolder")
    assert card_texts(card)[1:4] == ["**Checked in**", "8 of 10", "Confidence 3.6"]
    context = card["body"][-1]
    assert context["text"] == "_updated_ **today**  chart  v2" and context["isSubtle"] is True
    assert card["fallbackText"] == "fallback"


def test_a_divider_draws_a_line_above_what_follows():
    card = adaptive.card_from_block_kit({"text": "t", "blocks": [
        {"type": "section", "text": mrkdwn("one")}, {"type": "divider"}, {"type": "section", "text": mrkdwn("two")},
        {"type": "divider"}]})
    assert [(b["text"], b.get("separator")) for b in card["body"]] == [("one", None), ("two", True)]


def test_buttons_send_their_action_id_and_value_back():
    card = adaptive.card_from_block_kit({"text": "t", "blocks": [
        {"type": "actions", "elements": [
            button(APPROVE_ACTION, "Approve", "17", style="primary"),
            button(ONE_ON_ONE_ACTION, "1:1 held", style="danger"),
            button("docs", "Read more", url="https://example.com/docs"),
            {"type": "static_select", "action_id": "pick", "options": []},  # no Teams counterpart: left out
        ]}]})
    approve, held, docs = actions_of(card)
    assert approve == {"type": "Action.Submit", "title": "Approve", "style": "positive",
                       "data": {"action": APPROVE_ACTION, "value": "17"}}
    assert held["data"] == {"action": ONE_ON_ONE_ACTION, "value": ""} and held["style"] == "destructive"
    assert docs == {"type": "Action.OpenUrl", "title": "Read more", "url": "https://example.com/docs"}


def test_a_section_accessory_button_follows_its_text_and_a_dialog_button_asks_for_task_fetch():
    card = adaptive.card_from_block_kit({"text": "t", "blocks": [
        {"type": "section", "text": mrkdwn("A blocker"), "accessory": button(checkin_blocks.RESPOND_ACTION, "Respond",
                                                                              "42")},
        {"type": "image", "image_url": "https://example.com/chart.png", "alt_text": "chart"},
        {"type": "image", "image_url": "javascript:alert(1)", "alt_text": "no"},
    ]})
    assert [element["type"] for element in card["body"]] == ["TextBlock", "ActionSet", "Image"]
    [respond] = actions_of(card)
    assert respond["data"] == {"msteams": {"type": "task/fetch"}, "action": checkin_blocks.RESPOND_ACTION,
                               "value": "42"}
    assert card["body"][2] == {"type": "Image", "url": "https://example.com/chart.png", "altText": "chart"}


@pytest.mark.parametrize("locale", LOCALES)
def test_the_checkin_reminder_keeps_its_words_and_three_buttons(locale):
    card = adaptive.card_from_block_kit(checkin_blocks.reminder(name="Alan", week="2026-W48", follow_up=False,
                                                                locale=locale))
    words = render("checkin_reminder", locale, name="Alan", week="2026-W48", follow_up=False)
    assert card_texts(card) == [adaptive.teams_markdown(words)]
    now, two_hours, morning = actions_of(card)
    assert now["title"] == label("check_in_now", locale)
    assert now["data"] == {"msteams": {"type": "task/fetch"}, "action": checkin_blocks.OPEN_CHECKIN_ACTION,
                           "value": "2026-W48"}
    assert two_hours["data"] == {"action": f"{checkin_blocks.SNOOZE_ACTION}-2h", "value": "2026-W48|2h"}
    assert morning["data"] == {"action": f"{checkin_blocks.SNOOZE_ACTION}-morning", "value": "2026-W48|morning"}
    assert "msteams" not in two_hours["data"]


def test_every_button_whose_slack_action_opens_a_modal_opens_a_dialog():
    for action_id in adaptive.DIALOG_ACTIONS:
        [action] = actions_of(adaptive.card_from_block_kit({"blocks": [{"type": "actions", "elements": [
            button(action_id, "Open", "1")]}]}))
        assert action["data"]["msteams"] == {"type": "task/fetch"}, action_id


def test_a_slack_channel_reference_reads_as_its_name():
    card = adaptive.card_from_block_kit(kudos_blocks.kudos_sent(receiver="李雷", channel="CKUDOS", locale="en"))
    assert "#CKUDOS" in card_texts(card)[0] and "<#" not in card_texts(card)[0]
    assert adaptive.teams_markdown("in <#C1|kudos> by <@U1|ada>") == "in #kudos by @U1"


def test_text_without_blocks_and_an_empty_message_still_make_a_card():
    assert card_texts(adaptive.card_from_block_kit({"text": "*only* text"})) == ["**only** text"]
    for nothing in ({}, {"blocks": []}, None, "text", []):
        card = adaptive.card_from_block_kit(nothing)
        assert card["body"] and card["fallbackText"]


@pytest.mark.parametrize("junk", [
    {"blocks": [{"type": "section"}, {"type": "section", "text": 3}, {"type": "section", "text": {"text": None}},
                {"type": "section", "fields": "x"}, {"type": "section", "fields": [None, 3, {"text": []}]},
                {"type": "section", "accessory": "x"}, {"type": "section", "accessory": {"type": "overflow"}},
                {"type": "context", "elements": None}, {"type": "context", "elements": [None, {"text": {}}]},
                {"type": "actions", "elements": [None, {"type": "button"}, {"type": "button", "text": 5,
                                                                            "action_id": 7}]},
                {"type": "header"}, {"type": "image"}, {"type": "image", "image_url": 5}, {"type": "rich_text"},
                {"type": "input", "label": plain("x"), "element": {}}, {"type": "video", "text": plain("a video")},
                {}, None, 7, "section", []]},
    {"text": None, "blocks": "not a list"},
    {"text": "\ud800 lone surrogate", "blocks": [{"type": "section", "text": mrkdwn("bad \udfff")}]},
])
def test_it_never_fails_on_blocks_it_does_not_know(junk):
    card = adaptive.card_from_block_kit(junk)
    json.dumps(card, ensure_ascii=False).encode()  # serialisable as Teams needs it
    assert card["fallbackText"]


def test_unknown_blocks_show_their_text():
    card = adaptive.card_from_block_kit({"blocks": [{"type": "video", "text": plain("a video")}]})
    assert card_texts(card) == ["a video"]


def test_random_block_kit_never_raises():
    rng = random.Random(48)
    kinds = ["section", "context", "header", "divider", "actions", "image", "input", "x", None]
    values = [None, 1, "", "t", [], {}, plain("p"), mrkdwn("*m*"), [mrkdwn("e")], button("a", "b", "c"),
              {"type": "button"}, {"type": "image", "image_url": "https://e/i"}]
    for _ in range(500):
        block = {"type": rng.choice(kinds)}
        for key in rng.sample(["text", "fields", "accessory", "elements", "image_url", "alt_text"], 3):
            block[key] = rng.choice(values) if rng.random() < 0.7 else [rng.choice(values) for _ in range(3)]
        card = adaptive.card_from_block_kit({"text": rng.choice(values), "blocks": [block, rng.choice(values)]})
        assert card["type"] == "AdaptiveCard" and card["fallbackText"]


def test_a_long_message_is_cut_with_an_ellipsis_line_within_teams_limit_and_keeps_its_buttons():
    lines = "\n".join(f"• *Goal {i}*: " + "进展" * 60 for i in range(400))
    message = {"text": lines, "blocks": [
        {"type": "section", "text": mrkdwn(lines)},
        {"type": "actions", "elements": [button(checkin_blocks.OPEN_CHECKIN_ACTION, "Check in now", "2026-W48")]}]}
    card = adaptive.card_from_block_kit(message)
    assert message_bytes(card) < TEAMS_MESSAGE_MAX_BYTES
    texts = card_texts(card)
    assert texts[0].startswith("• **Goal 0**") and texts[-1] == adaptive.ELLIPSIS
    assert len(texts) < 400
    assert [a["title"] for a in actions_of(card)] == ["Check in now"]  # buttons survive the cut
    assert len(card["fallbackText"]) <= adaptive.FALLBACK_MAX


def test_one_huge_line_is_shortened_not_dropped():
    card = adaptive.card_from_block_kit({"blocks": [{"type": "section", "text": mrkdwn("长" * 40_000)}]})
    first, last = card_texts(card)
    assert first.startswith("长" * 1000) and first.endswith(adaptive.ELLIPSIS) and last == adaptive.ELLIPSIS
    assert message_bytes(card) < TEAMS_MESSAGE_MAX_BYTES


def test_a_message_within_the_limit_is_not_cut():
    card = adaptive.card_from_block_kit(markdown_message("\n".join(f"line {i}" for i in range(100))))
    assert len(card_texts(card)) == 100 and adaptive.ELLIPSIS not in card_texts(card)
