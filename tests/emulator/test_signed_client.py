"""The signed client, against a tiny server that verifies signatures like the bot does."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest
from slack_sdk.signature import SignatureVerifier

from bot.emulator import SignedSlackClient, SlackEmulator
from bot.emulator.signed_client import slack_signature

SECRET = "test-signing-secret"
GOAL_MODAL = {
    "id": "V0000000001",
    "type": "modal",
    "callback_id": "goal_form",
    "private_metadata": "week=48",
    "hash": "abc123",
    "title": {"type": "plain_text", "text": "New goal"},
    "submit": {"type": "plain_text", "text": "Save"},
    "blocks": [
        {
            "type": "input",
            "block_id": "title",
            "label": {"type": "plain_text", "text": "Goal"},
            "element": {"type": "plain_text_input", "action_id": "title_input"},
        },
        {
            "type": "input",
            "block_id": "priority",
            "label": {"type": "plain_text", "text": "Priority"},
            "element": {
                "type": "static_select",
                "action_id": "priority_select",
                "options": [
                    {"text": {"type": "plain_text", "text": "High"}, "value": "high"},
                    {"text": {"type": "plain_text", "text": "Low"}, "value": "low"},
                ],
            },
        },
        {
            "type": "input",
            "block_id": "due",
            "label": {"type": "plain_text", "text": "Due"},
            "element": {"type": "datepicker", "action_id": "due_date"},
        },
        {
            "type": "input",
            "block_id": "notes",
            "optional": True,
            "label": {"type": "plain_text", "text": "Notes"},
            "element": {"type": "plain_text_input", "action_id": "notes_input", "multiline": True},
        },
    ],
}


@dataclass
class Received:
    """What the fake bot got: verified or not, headers and the raw body."""

    requests: list[tuple[bool, dict[str, str], bytes]] = field(default_factory=list)

    @property
    def last_body(self) -> bytes:
        return self.requests[-1][2]

    def last_form(self) -> dict[str, str]:
        return {key: values[0] for key, values in parse_qs(self.last_body.decode(), keep_blank_values=True).items()}

    def last_payload(self) -> dict:
        return json.loads(self.last_form()["payload"])


@pytest.fixture
def fake_bot() -> Iterator[tuple[str, Received]]:
    """Serve /slack/events, answering 200 to correctly signed requests and 401 to the rest."""
    received = Received()
    verifier = SignatureVerifier(SECRET)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            verified = verifier.is_valid_request(body, dict(self.headers.items()))
            received.requests.append((verified, dict(self.headers.items()), body))
            answer = b'{"ok": true}' if verified else b""
            self.send_response(200 if verified else 401)
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/slack/events", received
    server.shutdown()
    server.server_close()


@pytest.fixture
def emu() -> Iterator[SlackEmulator]:
    with SlackEmulator(token="xoxb-test") as emulator:
        emulator.add_user("U1", name="ada")
        yield emulator


@pytest.fixture
def client(fake_bot, emu) -> SignedSlackClient:
    return SignedSlackClient(fake_bot[0], SECRET, emulator=emu)


@pytest.fixture
def received(fake_bot) -> Received:
    return fake_bot[1]


def test_the_signature_matches_slack_sdks():
    expected = SignatureVerifier(SECRET).generate_signature(timestamp="1700000000", body="a=b")

    assert slack_signature(SECRET, "1700000000", b"a=b") == expected


def test_a_slash_command_is_form_encoded_and_signed_like_slack(client, received, emu):
    response = client.slash_command("U1", "/goal", "help", channel_id="C0GENERAL")

    form = received.last_form()
    assert response.status == 200
    assert response.json() == {"ok": True}
    assert received.requests[-1][0] is True
    assert received.requests[-1][1]["Content-Type"] == "application/x-www-form-urlencoded"
    assert {key: form[key] for key in ("command", "text", "user_id", "user_name", "channel_id", "team_id")} == {
        "command": "/goal",
        "text": "help",
        "user_id": "U1",
        "user_name": "ada",
        "channel_id": "C0GENERAL",
        "team_id": "T0001",
    }
    assert form["response_url"].startswith(f"{emu.base_url}/response/")
    assert form["trigger_id"]
    assert form["api_app_id"] == emu.app_id
    assert form["is_enterprise_install"] == "false"


def test_every_request_gets_a_fresh_trigger_id(client, received):
    client.slash_command("U1", "/goal")
    client.slash_command("U1", "/goal")

    triggers = [parse_qs(body.decode())["trigger_id"][0] for _, _, body in received.requests]
    assert len(set(triggers)) == 2


def test_view_submission_builds_state_values_for_input_select_and_datepicker(client, received):
    client.view_submission("U1", GOAL_MODAL, {"title": "Ship v1", "priority": "high", "due": date(2026, 11, 27)})

    payload = received.last_payload()
    values = payload["view"]["state"]["values"]
    assert payload["type"] == "view_submission"
    assert payload["user"]["id"] == "U1"
    assert values["title"] == {"title_input": {"type": "plain_text_input", "value": "Ship v1"}}
    assert values["priority"]["priority_select"] == {
        "type": "static_select",
        "selected_option": {"text": {"type": "plain_text", "text": "High"}, "value": "high"},
    }
    assert values["due"] == {"due_date": {"type": "datepicker", "selected_date": "2026-11-27"}}
    assert values["notes"] == {"notes_input": {"type": "plain_text_input", "value": None}}
    assert (payload["view"]["callback_id"], payload["view"]["private_metadata"]) == ("goal_form", "week=48")


def test_view_submission_can_override_private_metadata(client, received):
    client.view_submission("U1", GOAL_MODAL, {}, private_metadata="week=49")

    assert received.last_payload()["view"]["private_metadata"] == "week=49"


def test_view_submission_refuses_values_for_blocks_the_view_lacks(client):
    with pytest.raises(ValueError, match="titel"):
        client.view_submission("U1", GOAL_MODAL, {"titel": "typo"})


def test_view_submission_refuses_an_option_the_select_lacks(client):
    with pytest.raises(ValueError, match="urgent"):
        client.view_submission("U1", GOAL_MODAL, {"priority": "urgent"})


def test_block_action_finds_the_clicked_button_in_the_message(client, received, emu):
    button = {"type": "button", "action_id": "done", "value": "goal-7", "text": {"type": "plain_text", "text": "Done"}}
    message = {"ts": "1700000000.000100", "blocks": [{"type": "actions", "block_id": "row", "elements": [button]}]}

    client.block_action("U1", "done", message=message, channel_id="DU1")

    payload = received.last_payload()
    assert payload["type"] == "block_actions"
    assert payload["actions"][0] | {"action_ts": None} == {
        "action_id": "done",
        "block_id": "row",
        "type": "button",
        "value": "goal-7",
        "text": {"type": "plain_text", "text": "Done"},
        "action_ts": None,
    }
    assert payload["container"]["message_ts"] == "1700000000.000100"
    assert payload["channel"]["id"] == "DU1"
    assert payload["response_url"].startswith(emu.base_url)


def test_block_action_in_a_modal_carries_the_view(client, received):
    client.block_action("U1", "priority_select", selected_option="low", view=GOAL_MODAL)

    payload = received.last_payload()
    assert payload["container"] == {"type": "view", "view_id": "V0000000001"}
    assert payload["actions"][0]["selected_option"]["value"] == "low"
    assert payload["view"]["id"] == "V0000000001"
    assert "response_url" not in payload


def test_view_closed_is_an_interactivity_payload(client, received):
    client.view_closed("U1", GOAL_MODAL)

    assert received.last_payload()["type"] == "view_closed"


def test_events_are_signed_json_callbacks_with_the_user_set(client, received, emu):
    client.event("U1", {"type": "app_home_opened", "tab": "home", "channel": "DU1"})
    client.event("U1", {"type": "app_home_opened", "tab": "home", "channel": "DU1"})

    first, second = (json.loads(body) for _, _, body in received.requests)
    assert received.requests[-1][0] is True
    assert first["type"] == "event_callback"
    assert first["event"]["user"] == "U1"
    assert first["event"]["tab"] == "home"
    assert first["authorizations"][0]["user_id"] == emu.bot_user_id
    assert first["event_id"] != second["event_id"]


def test_url_verification_sends_the_challenge(client, received):
    client.url_verification("c-123")

    body = json.loads(received.last_body)
    assert (body["type"], body["challenge"]) == ("url_verification", "c-123")
    assert received.requests[-1][0] is True


def test_send_raw_with_drop_signature_sends_no_signature(client, received):
    response = client.send_raw(b"command=%2Fgoal", "application/x-www-form-urlencoded", drop_signature=True)

    verified, headers, _ = received.requests[-1]
    assert response.status == 401
    assert response.json() is None
    assert not verified
    assert "X-Slack-Signature" not in headers
    assert "X-Slack-Request-Timestamp" in headers


def test_send_raw_without_signing_sends_neither_slack_header(client, received):
    client.send_raw(b"{}", "application/json", sign=False)

    headers = received.requests[-1][1]
    assert "X-Slack-Signature" not in headers
    assert "X-Slack-Request-Timestamp" not in headers


def test_a_wrong_secret_or_a_stale_timestamp_is_rejected(client, received):
    forged = client.send_raw(b"{}", "application/json", secret="not-the-secret")
    stale = client.send_raw(b"{}", "application/json", timestamp=int(time.time()) - 600)  # noqa: TID251 (real time)

    assert (forged.status, stale.status) == (401, 401)


def test_the_timestamp_comes_from_the_injected_clock(fake_bot, emu, received):
    client = SignedSlackClient(fake_bot[0], SECRET, emulator=emu, now=lambda: 1_700_000_000.0)

    response = client.slash_command("U1", "/goal")

    assert received.requests[-1][1]["X-Slack-Request-Timestamp"] == "1700000000"
    assert response.status == 401


def test_only_loopback_urls_are_accepted(emu):
    with pytest.raises(ValueError, match="loopback"):
        SignedSlackClient("https://example.com/slack/events", SECRET, emulator=emu)
