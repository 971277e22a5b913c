"""The assistant's review drafts in Teams: the dialog comes back with the draft in its text fields, in Chinese for a
Chinese writer, each sentence with its source; a model down leaves the dialog as it was, with a notice."""

from __future__ import annotations

import pytest

from actions.assistant import Assistant
from bot.ai_client import OpenAIChat
from prompts import review_blocks, review_cards
from prompts.render import label
from tests.teams.helpers import body_texts, buttons, dialog_card, inputs
from tests.test_assistant_fakes import PRIVATE_NOTE, ModelServer, answer, review_period


@pytest.fixture
def model():
    with ModelServer() as server:
        yield server


@pytest.fixture
def period(teams_people, sessions, clock, teams, deps, model):
    deps.assistant = Assistant(model=OpenAIChat(base_url=model.url, model="m", api_key=None, timeout=0.5,
                                                max_retries=0))
    teams.install(teams_people.li_lei)
    return review_period(sessions, clock, load=False)


def open_dialog(teams, user, review_id: int) -> dict:
    return dialog_card(teams.task_fetch(user, {"action": review_blocks.OPEN_SELF_REVIEW_ACTION,
                                               "value": str(review_id)}))


def test_the_draft_button_fills_the_dialogs_text_fields_in_chinese_with_sources(period, teams, teams_people, model):
    model.replies = [answer({"comment:results": "计费页面上线了 3 页 [周进展 2026-W41]。", "rating:results": "5"})]
    dialog = open_dialog(teams, teams_people.li_lei, period.self_review_id)
    [draft] = [b for b in buttons(dialog) if b["data"].get(review_cards.DRAFT)]
    assert draft["title"] == label("ai_draft_button", "zh-CN") and draft["associatedInputs"] == "auto"
    [submit] = dialog["actions"]

    drafted = dialog_card(teams.task_submit(teams_people.li_lei, draft["data"]))
    fields = inputs(drafted)
    assert fields["comment:results"]["value"] == "计费页面上线了 3 页 [周进展 2026-W41]。"
    assert "value" not in fields["rating:results"]
    assert label("ai_notice_drafted", "zh-CN") in body_texts(drafted)
    assert PRIVATE_NOTE not in model.sent() and "李雷" not in model.sent()
    assert [a["data"] for a in drafted["actions"]] == [submit["data"]]  # still the same form to submit


@pytest.mark.parametrize("surface_reply", [{"status": 500}])
def test_a_model_down_leaves_the_dialog_usable_with_a_notice(period, teams, teams_people, model, surface_reply):
    model.replies = [surface_reply]
    dialog = open_dialog(teams, teams_people.li_lei, period.self_review_id)
    [draft] = [b for b in buttons(dialog) if b["data"].get(review_cards.DRAFT)]
    again = dialog_card(teams.task_submit(teams_people.li_lei, draft["data"]))
    assert label("ai_notice_unavailable", "zh-CN") in body_texts(again)
    assert not [f for f in inputs(again).values() if f.get("value") and f["type"] == "Input.Text"]


def test_without_a_model_the_dialog_quotes_the_records(period, teams, teams_people, deps, model):
    deps.assistant = Assistant(model=None)
    dialog = open_dialog(teams, teams_people.li_lei, period.self_review_id)
    [draft] = [b for b in buttons(dialog) if b["data"].get(review_cards.DRAFT)]
    drafted = dialog_card(teams.task_submit(teams_people.li_lei, draft["data"]))
    assert "• 计费页面上线了 3 页 [周进展 2026-W41]" in inputs(drafted)["comment:results"]["value"]
    assert f"[目标 #{period.goal_id}]" in inputs(drafted)[f"evidence:{period.goal_id}"]["value"]
    assert model.requests == []
