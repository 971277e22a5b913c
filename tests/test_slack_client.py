"""Outgoing calls survive Slack's rate limits and hiccups, waiting as Slack asks, and never post twice."""

from dataclasses import replace

import pytest
from slack_sdk.errors import SlackApiError

from bot.app import slack_web_client
from bot.slack_client import MAX_RETRIES, api_method, make_web_client, may_repeat_unanswered
from tests.conftest import BOT_TOKEN

SHORT_TIMEOUT = 1.0  # seconds the client waits for one answer
LATE = 2.0  # seconds the emulator takes to answer when told to be late


@pytest.fixture
def client(emulator, waits):
    emulator.add_user("U1", name="ada")
    return make_web_client(token=BOT_TOKEN, base_url=emulator.api_url, sleep=waits.append, timeout=SHORT_TIMEOUT)


@pytest.mark.parametrize("method", ["auth.test", "users.info", "users.list", "conversations.history",
                                    "conversations.open", "chat.update", "views.update", "views.publish"])
def test_reads_and_idempotent_writes_may_be_repeated_when_their_answer_is_lost(method):
    assert may_repeat_unanswered(method)


@pytest.mark.parametrize("method", ["chat.postMessage", "chat.postEphemeral", "views.open", "views.push",
                                    "files.getUploadURLExternal", "files.completeUploadExternal", None])
def test_calls_that_add_something_are_never_repeated_when_their_answer_is_lost(method):
    assert not may_repeat_unanswered(method)


def test_the_method_is_read_from_the_url_and_other_urls_have_none():
    base = "https://slack.com/api/"
    assert api_method("https://slack.com/api/chat.update", base) == "chat.update"
    assert api_method("https://slack.com/api/users.info?user=U1", base) == "users.info"
    assert api_method("https://hooks.slack.com/actions/T1/2/xyz", base) is None  # a response_url
    assert api_method("https://files.slack.com/upload/v1/abc", base) is None


def test_a_429_is_retried_after_the_retry_after_slack_sent(client, emulator, waits):
    emulator.fail_next("chat.postMessage", status=429, retry_after=7)
    client.chat_postMessage(channel="C1", text="hello")
    assert [c.status for c in emulator.calls_to("chat.postMessage")] == [429, 200]
    assert waits == [7.0]


def test_a_post_answered_500_is_not_repeated_since_slack_may_have_posted_it(client, emulator, waits):
    emulator.fail_after_performing("chat.postMessage", status=500)
    with pytest.raises(SlackApiError) as failed:
        client.chat_postMessage(channel="C1", text="hello")
    assert failed.value.response.status_code == 500
    assert [c.status for c in emulator.calls_to("chat.postMessage")] == [500]
    assert [m["text"] for m in emulator.messages] == ["hello"]
    assert waits == []


def test_a_post_answered_too_late_is_not_repeated(client, emulator):
    emulator.answer_late("chat.postMessage", seconds=LATE)
    with pytest.raises(TimeoutError):
        client.chat_postMessage(channel="C1", text="hello")
    assert len(emulator.calls_to("chat.postMessage")) == 1
    assert [m["text"] for m in emulator.messages] == ["hello"]


def test_5xx_errors_on_chat_update_are_retried_with_backoff(client, emulator, waits):
    posted = client.chat_postMessage(channel="C1", text="hello")
    emulator.fail_next("chat.update", status=500, times=1)
    emulator.fail_next("chat.update", status=503, times=1)
    client.chat_update(channel="C1", ts=posted["ts"], text="hello again")
    assert [c.status for c in emulator.calls_to("chat.update")] == [500, 503, 200]
    assert len(waits) == 2 and waits[0] < waits[1]
    assert [m["text"] for m in emulator.messages] == ["hello again"]


def test_a_read_answered_too_late_is_asked_again(client, emulator, waits):
    emulator.answer_late("users.info", seconds=LATE)
    assert client.users_info(user="U1")["user"]["id"] == "U1"
    assert len(emulator.calls_to("users.info")) == 2 and len(waits) == 1


def test_it_gives_up_after_a_bounded_number_of_retries(client, emulator):
    emulator.fail_next("conversations.history", status=500, times=MAX_RETRIES + 5)
    with pytest.raises(SlackApiError):
        client.conversations_history(channel="DU1")
    assert len(emulator.calls_to("conversations.history")) == MAX_RETRIES + 1


def test_the_bots_client_takes_its_timeout_from_the_settings(deps):
    assert slack_web_client(deps).timeout == 10
    shorter = replace(deps, settings=replace(deps.settings, slack_timeout_seconds=2.5))
    assert slack_web_client(shorter).timeout == 2.5
