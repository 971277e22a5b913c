"""Outgoing calls survive Slack's rate limits and hiccups, waiting as Slack asks."""

import pytest
from slack_sdk.errors import SlackApiError

from bot.slack_client import MAX_RETRIES, make_web_client
from tests.conftest import BOT_TOKEN


@pytest.fixture
def client(emulator, waits):
    return make_web_client(token=BOT_TOKEN, base_url=emulator.api_url, sleep=waits.append)


def test_a_429_is_retried_after_the_retry_after_slack_sent(client, emulator, waits):
    emulator.fail_next("chat.postMessage", status=429, retry_after=7)
    client.chat_postMessage(channel="C1", text="hello")
    assert [c.status for c in emulator.calls_to("chat.postMessage")] == [429, 200]
    assert waits == [7.0]


def test_5xx_errors_are_retried_with_backoff(client, emulator, waits):
    emulator.fail_next("chat.postMessage", status=500, times=1)
    emulator.fail_next("chat.postMessage", status=503, times=1)
    client.chat_postMessage(channel="C1", text="hello")
    assert [c.status for c in emulator.calls_to("chat.postMessage")] == [500, 503, 200]
    assert len(waits) == 2 and waits[0] < waits[1]


def test_it_gives_up_after_a_bounded_number_of_retries(client, emulator):
    emulator.fail_next("chat.postMessage", status=500, times=MAX_RETRIES + 5)
    with pytest.raises(SlackApiError):
        client.chat_postMessage(channel="C1", text="hello")
    assert len(emulator.calls_to("chat.postMessage")) == MAX_RETRIES + 1
