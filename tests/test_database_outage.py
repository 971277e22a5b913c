"""PostgreSQL stopped while people use the bot: clear answers, no acknowledged write lost, back by itself."""

from __future__ import annotations

import time

import pytest
from sqlmodel import select

from bot.app import build_bolt_app
from bot.deps import Deps
from bot.emulator import SignedSlackClient
from bot.executors import InlineExecutor
from bot.server import BackgroundServer, build_asgi
from bot.settings import Settings
from handlers.context import CALLER_TTL
from prompts.checkin_blocks import SNOOZE_ACTION
from storage.db import make_engine, session_factory, upgrade
from storage.models import CheckIn
from tests.builders import approved_goal, load_org
from tests.conftest import BOT_TOKEN, SIGNING_SECRET
from tests.postgres_server import PrivatePostgres, postgres_bindir
from tests.slack_helpers import opened_view

EMPLOYEE, MANAGER = "UEMP1", "UMGR1"
SLACKS_PATIENCE = 3.0  # seconds Slack waits for an answer before showing its own error


@pytest.fixture
def postgres(request):
    if "postgresql" not in request.config.getoption("--db") or postgres_bindir() is None:
        pytest.skip("needs PostgreSQL (run with --db postgresql, as scripts/test does)")
    server = PrivatePostgres()
    server.start()
    yield server
    server.remove()


@pytest.fixture
def outage_bot(postgres, clock, emulator):
    engine = make_engine(postgres.url)
    upgrade(engine)
    settings = Settings(database_url=postgres.url, slack_bot_token=BOT_TOKEN, slack_signing_secret=SIGNING_SECRET,
                        slack_api_url=emulator.api_url)
    deps = Deps(settings=settings, engine=engine, sessions=session_factory(engine), clock=clock)
    load_org(deps.sessions, now=clock.now(), emulator=emulator)
    with BackgroundServer(build_asgi(deps, build_bolt_app(deps, listener_executor=InlineExecutor()))) as server:
        yield deps, SignedSlackClient(f"{server.url}/slack/events", SIGNING_SECRET, emulator=emulator)
    engine.dispose()


def timed(call):
    started = time.monotonic()
    response = call()
    return response, time.monotonic() - started


def test_a_stopped_database_gets_clear_answers_loses_nothing_acknowledged_and_comes_back(
        outage_bot, postgres, emulator, clock):
    deps, slack = outage_bot
    goal = approved_goal(deps.sessions, EMPLOYEE, now=clock.now(), target="10")
    slack.slash_command(EMPLOYEE, "/checkin")
    saved = slack.view_submission(EMPLOYEE, opened_view(emulator), {
        f"goal:{goal.id}:value": "4", f"goal:{goal.id}:status": "on_track", "confidence": "4",
        "highlights": "Two pilots signed"})
    assert saved.status == 200 and not saved.body  # acknowledged: this one must survive the outage
    slack.slash_command(EMPLOYEE, "/checkin")
    form = opened_view(emulator)

    postgres.stop()
    clock.advance(CALLER_TTL)  # who the caller is was read moments ago: a few seconds on, it is read again
    helped = slack.slash_command(EMPLOYEE, "/goal", "help")  # needs no records: help, or the clear answer
    assert helped.status == 200 and helped.json()["text"]
    for command, text in (("/goal", "list"), ("/checkin", "history"), ("/checkin", "")):
        response, seconds = timed(lambda c=command, t=text: slack.slash_command(EMPLOYEE, c, t))
        assert response.status == 200 and seconds < SLACKS_PATIENCE, (command, text, response)
        answer = response.json()
        assert answer["response_type"] == "ephemeral" and "can't reach my records" in answer["text"], answer
    response, seconds = timed(lambda: slack.view_submission(EMPLOYEE, form, {
        f"goal:{goal.id}:value": "6", "confidence": "3", "highlights": "Typed during the outage"}))
    assert response.status == 200 and seconds < SLACKS_PATIENCE
    assert response.json()["response_action"] == "errors"  # the modal stays open with what they typed
    assert "can't reach my records" in next(iter(response.json()["errors"].values()))
    reminder = {"channel": f"D{EMPLOYEE}", "ts": "1.000001", "blocks": []}  # a button under a DM the bot sent
    clicked, seconds = timed(lambda: slack.block_action(EMPLOYEE, f"{SNOOZE_ACTION}-2h", "2026-W48|2h",
                                                       message=reminder))
    assert clicked.status == 200 and seconds < SLACKS_PATIENCE
    [answer] = [call.params["text"] for call in emulator.calls_to("response_url")]
    assert "can't reach my records" in answer  # under the message, since the button was already acknowledged

    postgres.start()
    back = slack.slash_command(EMPLOYEE, "/goal", "list")  # the pool notices its dead connections by itself
    assert back.status == 200 and "can't reach" not in back.json()["text"]
    with deps.sessions() as session:
        [checkin] = session.exec(select(CheckIn)).all()
    assert checkin.highlights == "Two pilots signed"
