"""/kudos: praise posted to the kudos channel (or DMed), kept on record; yourself and strangers refused."""

from __future__ import annotations

import dataclasses

import pytest
from sqlmodel import select

from bot.app import build_bolt_app
from bot.emulator import SignedSlackClient
from bot.executors import InlineExecutor
from bot.server import BackgroundServer, build_asgi
from storage.models import Kudos
from tests.builders import load_org
from tests.conftest import SIGNING_SECRET
from tests.slack_helpers import last_dm_text, visible_text


@pytest.fixture
def org(sessions, clock, emulator):
    load_org(sessions, now=clock.now(), emulator=emulator)


def reply(response) -> str:
    assert response.status == 200, response.body
    return response.json()["text"]


def test_kudos_reaches_the_person_and_stays_on_their_record(slack, org, emulator, session):
    # With should_escape, Slack sends &, < and > escaped; the mention stays a mention.
    text = reply(slack.slash_command("UEMP1", "/kudos", "<@UEMP2|li> thanks for the &lt;fast&gt; review &amp; fixes"))
    assert "Thanks for recognising 李雷" in text
    assert "Alan Turing* 表扬了 *李雷*" in last_dm_text(emulator, "UEMP2")  # a DM in the receiver's language
    assert "&lt;fast&gt; review &amp; fixes" in last_dm_text(emulator, "UEMP2")
    [kudos] = session.exec(select(Kudos)).all()
    assert kudos.message == "thanks for the <fast> review & fixes"


def test_kudos_go_to_the_kudos_channel_when_one_is_set(org, deps, emulator, session):
    deps.settings = dataclasses.replace(deps.settings, kudos_channel="CKUDOS")
    with BackgroundServer(build_asgi(deps, build_bolt_app(deps, listener_executor=InlineExecutor()))) as server:
        slack = SignedSlackClient(f"{server.url}/slack/events", SIGNING_SECRET, emulator=emulator)
        assert "<#CKUDOS>" in reply(slack.slash_command("UEMP1", "/kudos", "<@UEMP3> great demo"))
    [post] = [m for m in emulator.messages if m["channel"] == "CKUDOS"]
    assert "Alan Turing* gave kudos to *Katherine Johnson*" in visible_text(post)


@pytest.mark.parametrize(("text", "words"), [
    ("<@UEMP1|me> I'm great", "Kudos are for someone else"),
    ("<@UNOBODY> thanks", "Mention a colleague in the organisation"),
    ("thanks everyone", "Mention a colleague in the organisation"),
    ("<@UEMP2>   ", "Say what they did"),
])
def test_kudos_to_yourself_to_a_stranger_or_without_words_is_refused(slack, org, emulator, session, text, words):
    assert words in reply(slack.slash_command("UEMP1", "/kudos", text))
    assert session.exec(select(Kudos)).all() == []
    assert emulator.calls_to("chat.postMessage") == []
