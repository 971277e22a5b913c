"""The assistant's review drafts in Slack: the model's sentences with their sources, what is and is not sent, the
budget, a model down or slow, the extractive fallback, and the call log without the text."""

from __future__ import annotations

import io

import pytest
from sqlmodel import select

from actions.assistant import Assistant
from bot.ai_client import OpenAIChat
from bot.cli import main
from bot.emulator.signed_client import build_state_values
from prompts.render import label
from prompts.review_blocks import DRAFT_ACTION, OPEN_MANAGER_REVIEW_ACTION, OPEN_SELF_REVIEW_ACTION
from storage.models import AiCall
from tests.builders import SMALL_ORG
from tests.test_assistant_fakes import HR_ONLY, PRIVATE_NOTE, ModelServer, answer, review_period

CITED = {"comment:results": "计费页面上线了 3 页 [周进展 2026-W41]。没有来源的句子。"
                            "收到同事的感谢 [kudos 2026-10-02]。",
         "rating:results": "5", "overall": "5", "unknown": "x"}


@pytest.fixture
def model():
    with ModelServer() as server:
        yield server


@pytest.fixture
def settings(settings, model):
    """The assistant configured as an operator would: an OpenAI-compatible endpoint on loopback."""
    from dataclasses import replace

    return replace(settings, ai_base_url=model.url, ai_model="qwen2.5-7b-instruct", ai_api_key="sk-test",
                   ai_timeout_seconds=5)


@pytest.fixture
def period(sessions, clock, emulator):
    return review_period(sessions, clock, emulator)


def open_modal(slack, emulator, user: str, action: str, review_id: int) -> dict:
    slack.block_action(user, action, value=str(review_id))
    return emulator.calls_to("views.open")[-1].response["view"]


def click_draft(slack, emulator, user: str, view: dict, typed: dict | None = None) -> dict:
    shown = {**view, "state": {"values": build_state_values(view, typed or {})}}
    assert slack.block_action(user, DRAFT_ACTION, view=shown).status == 200
    return emulator.calls_to("views.update")[-1].response["view"]


def text_of(view: dict, block_id: str) -> str | None:
    block = next(b for b in view["blocks"] if b.get("block_id") == block_id)
    return block["element"].get("initial_value")


def notice_of(view: dict) -> str:
    return next(b for b in view["blocks"] if b.get("block_id") == "assistant_notice")["elements"][0]["text"]


def test_it_fills_the_text_fields_with_sourced_sentences_in_chinese_and_never_a_rating(period, slack, emulator,
                                                                                        model, sessions):
    model.replies = [answer(CITED)]
    view = open_modal(slack, emulator, "UEMP2", OPEN_SELF_REVIEW_ACTION, period.self_review_id)
    drafted = click_draft(slack, emulator, "UEMP2", view, {"comment:quality": "我自己写的"})

    assert text_of(drafted, "comment:results") == ("计费页面上线了 3 页 [周进展 2026-W41]。"
                                                   "收到同事的感谢 [表扬 2026-10-02]。")
    assert text_of(drafted, "comment:quality") == "我自己写的"  # what was typed is kept
    rating = next(b for b in drafted["blocks"] if b.get("block_id") == "rating:results")
    assert "initial_option" not in rating["element"]
    assert notice_of(drafted) == label("ai_notice_drafted", "zh-CN")
    request = model.requests[0]
    assert request["path"] == "/v1/chat/completions" and request["authorization"] == "Bearer sk-test"
    assert request["body"]["model"] == "qwen2.5-7b-instruct"
    assert "Simplified Chinese" in request["body"]["messages"][0]["content"]
    with sessions() as session:
        [call] = session.exec(select(AiCall)).all()
        assert (call.outcome, call.feature, call.prompt_tokens, call.completion_tokens, call.dropped) == (
            "ok", "review_drafts", 900, 100, 1)
        assert set(call.record_ids) >= {f"checkin:{period.checkin_id}", f"kudos:{period.kudos_id}",
                                        f"goal:{period.goal_id}"}
    assert [r for r in emulator.calls_to("chat.postMessage")] == []  # nothing saved, nothing sent


def test_what_is_sent_has_no_private_notes_no_names_and_a_peer_gets_only_what_a_peer_may_see(period, slack,
                                                                                              emulator, model):
    model.replies = [answer({"strengths": "Shipped [check-in 2026-W41]."})]
    view = open_modal(slack, emulator, "UMGR1", OPEN_MANAGER_REVIEW_ACTION, period.manager_review_id)
    click_draft(slack, emulator, "UMGR1", view)
    sent = model.sent()
    assert "计费页面上线了 3 页" in sent and "Clear write-up" in sent  # the manager's draft reads the records
    assert PRIVATE_NOTE not in sent and HR_ONLY not in sent
    assert not [name for _, name, *_ in SMALL_ORG if name in sent]

    view = open_modal(slack, emulator, "UEMP1", "review_peer_open", period.peer_review_id)
    assert any(b.get("block_id") == "assistant" for b in view["blocks"])
    click_draft(slack, emulator, "UEMP1", view)
    records = model.user_message()["records"]
    assert {r["source"].split()[0] for r in records} == {"[kudos"}  # a peer may see the praise, not check-ins
    assert not [name for _, name, *_ in SMALL_ORG if name in model.sent()]


def test_the_budget_refuses_when_spent_and_says_so(period, slack, emulator, model, deps, sessions):
    deps.assistant = Assistant(model=deps.assistant.model, daily_tokens=1000)
    model.replies = [answer(CITED)]
    view = open_modal(slack, emulator, "UEMP2", OPEN_SELF_REVIEW_ACTION, period.self_review_id)
    drafted = click_draft(slack, emulator, "UEMP2", view)  # 1,000 tokens: today's allowance
    refused = click_draft(slack, emulator, "UEMP2", drafted, {"comment:results": ""})
    assert notice_of(refused) == label("ai_notice_over_budget", "zh-CN")
    assert not any(b.get("block_id") == "comment:results" and b["element"].get("initial_value")
                   for b in refused["blocks"])
    assert len(model.requests) == 1
    with sessions() as session:
        assert [c.outcome for c in session.exec(select(AiCall).order_by(AiCall.id))] == ["ok", "over_budget"]


@pytest.mark.parametrize("reply, notice", [({"status": 500}, "ai_notice_unavailable"),
                                           ({"delay": 1.5, "content": "{}"}, "ai_notice_timeout"),
                                           ({"content": "I cannot help with that."}, "ai_notice_junk"),
                                           (answer({"comment:results": "Great work all year."}), "ai_notice_junk")])
def test_a_model_down_slow_or_talking_nonsense_shows_a_notice_and_leaves_the_form_as_it_was(
        period, slack, emulator, model, deps, sessions, reply, notice):
    deps.assistant = Assistant(model=OpenAIChat(base_url=model.url, model="m", api_key=None, timeout=0.5,
                                                max_retries=0))
    model.replies = [reply]
    view = open_modal(slack, emulator, "UEMP2", OPEN_SELF_REVIEW_ACTION, period.self_review_id)
    drafted = click_draft(slack, emulator, "UEMP2", view, {"comment:results": "手写的"})
    assert notice_of(drafted) == label(notice, "zh-CN")
    assert text_of(drafted, "comment:results") == "手写的"
    with sessions() as session:
        [call] = session.exec(select(AiCall)).all()
        assert call.outcome == notice.removeprefix("ai_notice_")


def test_without_a_model_the_button_quotes_the_records_with_their_sources(period, slack, emulator, deps, model,
                                                                          sessions):
    deps.assistant = Assistant(model=None)
    view = open_modal(slack, emulator, "UMGR1", OPEN_MANAGER_REVIEW_ACTION, period.manager_review_id)
    drafted = click_draft(slack, emulator, "UMGR1", view)
    assert notice_of(drafted) == label("ai_notice_extractive", "en")
    assert text_of(drafted, "strengths") == ("• 计费页面上线了 3 页 [check-in 2026-W41]\n"
                                             "• Thanks for unblocking the release [kudos 2026-10-02]\n"
                                             "• Clear write-up [feedback 2026-W41]")
    assert text_of(drafted, "to_improve") == ("• 法务审批卡住了 [check-in 2026-W41]\n"
                                              "• Escalate sooner [feedback 2026-W41]")
    assert f"[goal #{period.goal_id}]" in text_of(drafted, "comment:results")
    assert model.requests == []
    with sessions() as session:
        assert session.exec(select(AiCall)).all() == []


def test_switched_off_there_is_no_button(period, slack, emulator, deps):
    deps.assistant = Assistant(features=frozenset())
    view = open_modal(slack, emulator, "UEMP2", OPEN_SELF_REVIEW_ACTION, period.self_review_id)
    assert not any(b.get("block_id") == "assistant" for b in view["blocks"])


def test_someone_elses_review_is_refused_and_nothing_is_sent(period, slack, emulator, model):
    view = open_modal(slack, emulator, "UEMP2", OPEN_SELF_REVIEW_ACTION, period.self_review_id)
    forged = {**view, "blocks": [b if b.get("block_id") != "assistant" else {**b, "elements": [
        {**b["elements"][0], "value": f"manager:{period.manager_review_id}"}]} for b in view["blocks"]]}
    refused = click_draft(slack, emulator, "UEMP2", forged)
    assert model.requests == [] and "⚠️" not in notice_of(refused) and notice_of(refused)


def test_the_call_log_shows_who_asked_what_was_sent_and_the_budget_but_no_text(period, slack, emulator, model,
                                                                               settings, clock):
    model.replies = [answer(CITED)]
    view = open_modal(slack, emulator, "UEMP2", OPEN_SELF_REVIEW_ACTION, period.self_review_id)
    click_draft(slack, emulator, "UEMP2", view)
    out = io.StringIO()
    environ = {"DATABASE_URL": settings.database_url, "CHECKIN_AI_BASE_URL": model.url,
               "CHECKIN_AI_MODEL": "qwen2.5-7b-instruct", "CHECKIN_AI_DAILY_TOKENS": "5000"}
    assert main(["ai", "log", "--since", "2026-11-01"], environ=environ, stdout=out, clock=clock) == 0
    log = out.getvalue()
    assert "today (2026-11-23 UTC): 1000 of 5000 tokens" in log
    assert "李雷\treview_drafts\tok\t900\t100\t1\t" in log and f"checkin:{period.checkin_id}" in log
    assert "计费页面" not in log and "法务" not in log and "Thanks" not in log
