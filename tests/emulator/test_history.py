"""Message metadata and conversations.history in the Slack emulator, through the real slack_sdk WebClient."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.models.metadata import Metadata

from bot.emulator import SlackEmulator

TOKEN = "xoxb-test"
REMINDER = {"event_type": "checkin_reminder", "event_payload": {"job": "checkin-reminders", "period": "2026-W48"}}
NUDGE = {"event_type": "manager_nudge", "event_payload": {"job": "manager-nudges", "period": "2026-W48"}}
BLOCKS = [{"type": "section", "text": {"type": "mrkdwn", "text": "Time for your check-in"}}]


@pytest.fixture
def emu() -> Iterator[SlackEmulator]:
    with SlackEmulator(token=TOKEN) as emulator:
        emulator.add_user("U1", name="ada")
        emulator.add_user("U2", name="alan")
        yield emulator


@pytest.fixture
def web(emu: SlackEmulator) -> WebClient:
    return WebClient(base_url=emu.api_url, token=TOKEN)


def post(web: WebClient, text: str, channel: str = "U1", **extra) -> str:
    """Post a DM (a user id names the bot's DM with them) and return its ts."""
    return web.chat_postMessage(channel=channel, text=text, **extra)["ts"]


def test_posted_metadata_is_echoed_and_listed_newest_first_when_asked(web, emu):
    posted = web.chat_postMessage(channel="U1", text="Check-in time", blocks=BLOCKS, metadata=REMINDER)
    web.chat_postMessage(channel="U1", text="Your report is late", metadata=Metadata(**NUDGE))
    post(web, "Hello Alan", channel="U2")

    history = web.conversations_history(channel="DU1", include_all_metadata=True)

    assert posted["message"]["metadata"] == REMINDER
    assert history["has_more"] is False
    assert history["response_metadata"]["next_cursor"] == ""
    assert [message["metadata"] for message in history["messages"]] == [NUDGE, REMINDER]
    nudge, reminder = history["messages"]
    assert (nudge["type"], nudge["user"], nudge["bot_id"]) == ("message", emu.bot_user_id, emu.bot_id)
    assert (reminder["ts"], reminder["text"], reminder["blocks"]) == (posted["ts"], "Check-in time", BLOCKS)
    assert "blocks" not in nudge


def test_history_leaves_metadata_out_unless_asked(web):
    post(web, "Check-in time", metadata=REMINDER)

    messages = web.conversations_history(channel="DU1")["messages"]

    assert [message["text"] for message in messages] == ["Check-in time"]
    assert "metadata" not in messages[0]


def test_metadata_sent_as_a_form_field_is_stored_as_an_object(web):
    web.api_call("chat.postMessage", data={"channel": "U1", "text": "Hi", "metadata": json.dumps(REMINDER)})

    messages = web.conversations_history(channel="DU1", include_all_metadata=True)["messages"]

    assert messages[0]["metadata"] == REMINDER


def test_metadata_survives_an_update_of_the_text(web):
    ts = post(web, "Check-in time", metadata=REMINDER)

    web.chat_update(channel="DU1", ts=ts, text="Thanks for checking in")

    message = web.conversations_history(channel="DU1", include_all_metadata=True)["messages"][0]
    assert (message["text"], message["metadata"]) == ("Thanks for checking in", REMINDER)


@pytest.mark.parametrize(
    ("metadata", "error"),
    [
        ("not json", "invalid_metadata_format"),
        (json.dumps({"event_payload": {}}), "invalid_metadata_schema"),
        (json.dumps({"event_type": "checkin_reminder", "event_payload": "2026-W48"}), "invalid_metadata_schema"),
    ],
)
def test_malformed_metadata_is_refused(web, metadata, error):
    with pytest.raises(SlackApiError) as refused:
        web.api_call("chat.postMessage", data={"channel": "U1", "text": "Hi", "metadata": metadata})

    assert refused.value.response["error"] == error


def test_oldest_and_latest_are_exclusive_unless_inclusive(web):
    first, _, third = (post(web, text) for text in ("one", "two", "three"))

    def texts(**bounds) -> list[str]:
        return [message["text"] for message in web.conversations_history(channel="DU1", **bounds)["messages"]]

    assert texts(oldest=first) == ["three", "two"]
    assert texts(latest=third) == ["two", "one"]
    assert texts(oldest=first, latest=third) == ["two"]
    assert texts(oldest=first, latest=third, inclusive=True) == ["three", "two", "one"]
    assert texts(oldest=third) == []


def test_history_pages_newest_first_with_a_cursor(web, emu):
    stamps = [post(web, f"message {number}") for number in range(5)]

    # slack_sdk follows next_cursor; each page must be read as it arrives, since the response object is reused.
    pages = [
        ([message["ts"] for message in page["messages"]], page["has_more"])
        for page in web.conversations_history(channel="DU1", limit=2)
    ]

    assert pages == [(stamps[4:2:-1], True), (stamps[2:0:-1], True), (stamps[:1], False)]
    assert [bool(call.params.get("cursor")) for call in emu.calls_to("conversations.history")] == [False, True, True]


def test_a_message_posted_between_pages_neither_repeats_nor_hides_an_older_one(web):
    older = [post(web, f"message {number}") for number in range(3)]
    first = web.conversations_history(channel="DU1", limit=2)
    post(web, "a late arrival")

    second = web.conversations_history(channel="DU1", limit=2, cursor=first["response_metadata"]["next_cursor"])

    assert [message["ts"] for message in first["messages"] + second["messages"]] == older[::-1]
    assert second["has_more"] is False


def test_the_limit_defaults_to_100_and_stops_at_999(web):
    for number in range(101):
        post(web, f"message {number}")

    default = web.conversations_history(channel="DU1")
    huge = web.conversations_history(channel="DU1", limit=5000)

    assert (len(default["messages"]), default["has_more"]) == (100, True)
    assert (len(huge["messages"]), huge["has_more"]) == (101, False)


def test_thread_replies_stay_out_of_the_history(web):
    parent = post(web, "Check-in time")
    post(web, "A reply in the thread", thread_ts=parent)

    messages = web.conversations_history(channel="DU1")["messages"]

    assert [message["text"] for message in messages] == ["Check-in time"]


def test_a_dm_with_a_member_starts_empty(web):
    history = web.conversations_history(channel="DU2")

    assert (history["messages"], history["has_more"]) == ([], False)


@pytest.mark.parametrize(
    ("params", "error"),
    [
        ({"channel": "C0NOPE"}, "channel_not_found"),
        ({"channel": "DUNKNOWN"}, "channel_not_found"),
        ({"channel": "DU1", "oldest": "yesterday"}, "invalid_ts_oldest"),
        ({"channel": "DU1", "latest": "NaN"}, "invalid_ts_latest"),
        ({"channel": "DU1", "cursor": "bm90LWEtY3Vyc29y"}, "invalid_cursor"),
    ],
)
def test_history_refuses_what_slack_refuses(web, params, error):
    with pytest.raises(SlackApiError) as refused:
        web.conversations_history(**params)

    assert refused.value.response["error"] == error
