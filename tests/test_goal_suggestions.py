""""Suggest a measurable version" in Slack: the modal stack (the confirm step becomes the suggested form, which
closes with the one under it), a Chinese writer's question and recipe, and the budget. Both surfaces' shared
behaviour is in tests/teams/test_goal_suggestions.py."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from slack_sdk import WebClient
from sqlmodel import select

from prompts import goal_blocks
from prompts.render import label
from storage.models import AiCall, Goal
from tests.builders import load_org
from tests.conftest import BOT_TOKEN
from tests.slack_helpers import opened_view
from tests.test_assistant_fakes import ModelServer

MEASURABLE = {"title": "Cut onboarding from 15 to 5 days by March", "metric": "days to first change", "unit": "days",
              "start": "15", "target": "5", "due_date": "2027-03-31"}


@pytest.fixture
def model():
    with ModelServer() as server:
        yield server


@pytest.fixture
def settings(settings, model):
    """The assistant configured as an operator would: an OpenAI-compatible endpoint on loopback."""
    return replace(settings, ai_base_url=model.url, ai_model="qwen2.5-7b-instruct", ai_timeout_seconds=5)


@pytest.fixture
def org(sessions, clock, emulator):
    load_org(sessions, now=clock.now(), emulator=emulator)


def coached(slack, emulator, user: str, values: dict) -> dict:
    """Submit the new-goal modal; return the SMART coach's confirm step as Slack keeps it (with its id)."""
    slack.slash_command(user, "/goal")
    body = slack.view_submission(user, opened_view(emulator), values).json()
    assert body["response_action"] == "push", body
    return WebClient(token=BOT_TOKEN, base_url=emulator.api_url).views_push(trigger_id="1.2.pushed",
                                                                            view=body["view"])["view"]


def suggested(slack, emulator, user: str, confirm: dict) -> dict:
    assert slack.block_action(user, goal_blocks.SUGGEST_ACTION, view=confirm).status == 200
    return emulator.calls_to("views.update")[-1].response["view"]


def notice_of(view: dict) -> str:
    return next(b for b in view["blocks"] if b.get("block_id") == goal_blocks.SUGGEST_NOTICE_BLOCK)["elements"][0][
        "text"]


def initial(view: dict, block_id: str) -> str | None:
    element = next(b for b in view["blocks"] if b.get("block_id") == block_id)["element"]
    return element.get("initial_value") or element.get("initial_date")


def stored(session) -> list[Goal]:
    session.expire_all()
    return list(session.exec(select(Goal)))


def test_the_suggested_form_coached_again_becomes_the_confirm_step_and_saving_closes_everything(
        slack, emulator, org, model, session):
    model.replies = [{"content": json.dumps(MEASURABLE)}]
    confirm = coached(slack, emulator, "UEMP1", {"title": "Improve onboarding", "due_date": "2027-06-30"})
    form = suggested(slack, emulator, "UEMP1", confirm)
    assert form["private_metadata"] == goal_blocks.STACKED
    assert (initial(form, "title"), initial(form, "target"), initial(form, "due_date")) == (
        MEASURABLE["title"], "5", "2027-03-31")

    values = {name: initial(form, name) for name in ("title", "metric", "unit", "start", "target", "due_date")}
    again = slack.view_submission("UEMP1", form, values).json()  # measurable now, but supporting no goal
    assert again["response_action"] == "update"  # in the suggested form's place: Slack stacks at most 3 views
    assert not [b for b in again["view"]["blocks"] if b["type"] == "actions"]  # no number is missing any more
    assert stored(session) == []

    assert slack.view_submission("UEMP1", {**again["view"], "id": form["id"]}, {}).json() == {
        "response_action": "clear"}
    [goal] = stored(session)
    assert (goal.title, goal.start_value, goal.target_value) == (MEASURABLE["title"], 15, 5)


def test_a_chinese_writer_is_answered_in_chinese_and_the_recipe_is_in_chinese(slack, emulator, org, model, session):
    model.replies = [{"content": "not json"}]
    confirm = coached(slack, emulator, "UEMP2", {"title": "提高工作效率", "due_date": "2027-06-30"})
    assert label("goal_suggest_button", "zh-CN") in json.dumps(confirm["blocks"], ensure_ascii=False)
    form = suggested(slack, emulator, "UEMP2", confirm)

    assert "Simplified Chinese" in model.requests[0]["body"]["messages"][0]["content"]
    assert model.user_message()["title"] == "提高工作效率"
    assert notice_of(form) == label("goal_suggest_unavailable", "zh-CN") + " " + label(
        "goal_suggest_guide", "zh-CN", verb="提高", metric="工作效率", due="2027年6月30日")
    assert initial(form, "title") == "提高工作效率" and initial(form, "target") is None


def test_over_the_days_budget_nothing_is_sent_and_the_recipe_is_shown(slack, emulator, org, model, deps, session):
    deps.assistant = replace(deps.assistant, daily_tokens=0)
    confirm = coached(slack, emulator, "UEMP1", {"title": "Improve onboarding", "due_date": "2027-06-30"})
    form = suggested(slack, emulator, "UEMP1", confirm)

    assert model.requests == []
    assert notice_of(form).startswith(label("goal_suggest_unavailable", "en"))
    [call] = session.exec(select(AiCall)).all()
    assert (call.feature, call.outcome, call.record_ids) == ("goal_suggestions", "over_budget", [])
