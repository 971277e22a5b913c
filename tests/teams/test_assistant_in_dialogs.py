"""The assistant inside a Teams dialog: "Draft from my records" keeps what the person had typed, and a model slower
than Teams' invoke limit allows gets the dialog back in time, usable, with the timeout notice."""

from __future__ import annotations

import json
import time

import pytest
from sqlmodel import select

from actions.assistant import Assistant
from bot.ai_client import OpenAIChat
from handlers.teams import assistant as teams_assistant
from prompts import goal_blocks, goal_cards, review_blocks, review_cards
from prompts.render import label
from storage.models import AiCall
from tests.teams.helpers import body_texts, buttons, dialog_card, inputs
from tests.test_assistant_fakes import ModelServer, answer, review_period

SLOW = 1.5  # seconds the model takes; the invoke limit is cut to well under it


@pytest.fixture
def model():
    with ModelServer() as server:
        yield server


@pytest.fixture
def period(teams_people, sessions, clock, teams, deps, model):
    """The model's own timeout is long (as CHECKIN_AI_TIMEOUT_SECONDS may be): only the invoke limit can cut it."""
    deps.assistant = Assistant(model=OpenAIChat(base_url=model.url, model="m", api_key=None, timeout=5,
                                                max_retries=0))
    teams.install(teams_people.li_lei)
    teams.install(teams_people.alan)
    return review_period(sessions, clock, load=False)


@pytest.fixture
def short_invoke(monkeypatch):
    monkeypatch.setattr(teams_assistant, "INVOKE_MODEL_SECONDS", 0.3)


def draft_button(teams, user, review_id: int) -> dict:
    dialog = dialog_card(teams.task_fetch(user, {"action": review_blocks.OPEN_SELF_REVIEW_ACTION,
                                                 "value": str(review_id)}))
    [draft] = [b for b in buttons(dialog) if b["data"].get(review_cards.DRAFT)]
    return draft


def calls(sessions) -> list[AiCall]:
    with sessions() as session:
        return list(session.exec(select(AiCall)))


def test_the_draft_keeps_what_was_typed_and_fills_only_the_empty_fields(period, teams, teams_people, model):
    model.replies = [answer({"comment:results": "计费页面上线了 3 页 [周进展 2026-W41]。",
                             "comment:quality": "模型写的 [周进展 2026-W41]。"})]
    draft = draft_button(teams, teams_people.li_lei, period.self_review_id)
    assert draft["associatedInputs"] == "auto"  # the button sends what the dialog shows

    typed = {"comment:quality": "我自己写的", "rating:quality": "4", "comment:results": ""}
    drafted = dialog_card(teams.task_submit(teams_people.li_lei, {**draft["data"], **typed}))

    fields = inputs(drafted)
    assert fields["comment:quality"]["value"] == "我自己写的"
    assert fields["rating:quality"]["value"] == "4"
    assert fields["comment:results"]["value"] == "计费页面上线了 3 页 [周进展 2026-W41]。"
    assert "value" not in fields["rating:results"]
    assert not [f for f in fields.values() if f.get("isRequired")]  # a half-filled form can click the button
    assert label("ai_notice_drafted", "zh-CN") in body_texts(drafted)


def test_a_half_filled_dialog_is_still_checked_on_submit(period, teams, teams_people, sessions):
    draft = draft_button(teams, teams_people.li_lei, period.self_review_id)
    again = dialog_card(teams.task_submit(teams_people.li_lei, {**draft["data"], review_cards.DRAFT: False,
                                                                "comment:quality": "只写了一半"}))
    assert inputs(again)["comment:quality"]["value"] == "只写了一半"
    assert any("⚠️" in text for text in body_texts(again))  # the ratings are missing: said beside them


def test_a_model_slower_than_teams_waits_gives_the_review_dialog_back_in_time_with_the_notice(
        period, teams, teams_people, model, sessions, short_invoke):
    model.replies = [{"delay": SLOW, "content": "{}"}]
    draft = draft_button(teams, teams_people.li_lei, period.self_review_id)

    started = time.monotonic()
    again = dialog_card(teams.task_submit(teams_people.li_lei, {**draft["data"], "comment:quality": "我自己写的"}))

    assert time.monotonic() - started < SLOW
    assert label("ai_notice_timeout", "zh-CN") in body_texts(again)
    assert inputs(again)["comment:quality"]["value"] == "我自己写的"
    assert [call.outcome for call in calls(sessions)] == ["timeout"]


def test_a_model_slower_than_teams_waits_gives_the_goal_recipe_in_time(period, teams, teams_people, model, sessions,
                                                                      short_invoke):
    model.replies = [{"delay": SLOW, "content": json.dumps({"title": "x"})}]
    typed = {"title": "Improve onboarding", "due_date": "2027-06-30"}
    confirm = dialog_card(teams.task_submit(teams_people.alan, {"action": goal_cards.SUBMIT_NEW_GOAL, **typed}))
    [suggest] = [a for a in confirm["actions"] if a["data"].get(goal_cards.SUGGEST)]

    started = time.monotonic()
    card = dialog_card(teams.task_submit(teams_people.alan, suggest["data"]))

    assert time.monotonic() - started < SLOW
    [notice] = [b["text"] for b in card["body"] if b.get("id") == goal_blocks.SUGGEST_NOTICE_BLOCK]
    assert notice.startswith(label("goal_suggest_unavailable", "en"))
    assert inputs(card)["title"]["value"] == "Improve onboarding"
    assert [(call.feature, call.outcome) for call in calls(sessions)] == [("goal_suggestions", "timeout")]
