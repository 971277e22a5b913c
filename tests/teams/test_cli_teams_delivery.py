"""`checkin-bot jobs run` reaches Teams people itself: the outgoing Bot Connector call needs no running server."""

from __future__ import annotations

import pytest
from sqlmodel import select

from bot.app import build_bolt_app
from bot.executors import InlineExecutor
from bot.server import BackgroundServer, build_asgi
from bot.teams_emulator import TeamsClient
from storage.models import Delivery
from tests.cli_helpers import run_cli
from tests.conftest import BOT_TOKEN
from tests.teams.conftest import CLIENT_ID, TENANT_ID

FRIDAY_3PM_SHANGHAI = "2026-11-27T15:00:00+08:00"
REMINDER = "该填写本周进展了"


@pytest.fixture(autouse=True)
def _no_dotenv(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)  # a developer's own .env must not leak into these runs


@pytest.fixture
def li_lei_in_teams(deps, teams_overrides, teams_keys, connector, teams_people):
    """李雷 installs the app and talks to the bot in Teams; then the server stops, as it would between runs."""
    api = build_asgi(deps, build_bolt_app(deps, listener_executor=InlineExecutor()), teams=teams_overrides)
    with BackgroundServer(api) as server:
        teams = TeamsClient(f"{server.url}/api/messages", keys=teams_keys, connector=connector)
        teams.install(teams_people.li_lei)
        teams.message(teams_people.li_lei, "help")  # last seen in Teams: his reminders go there
    connector.reset()
    return teams_people.li_lei


@pytest.fixture
def env(database_url, emulator) -> dict:
    """The operator's environment: Slack and the Teams app registration (the emulated Entra ID issues the token)."""
    return {"DATABASE_URL": database_url, "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_API_URL": emulator.api_url,
            "TEAMS_CLIENT_ID": CLIENT_ID, "TEAMS_TENANT_ID": TENANT_ID, "TEAMS_CLIENT_SECRET": "not-used-here"}


def jobs_run(env: dict, teams_overrides, *, at: str = FRIDAY_3PM_SHANGHAI) -> tuple[int, str, str]:
    """Run `checkin-bot jobs run checkin-reminders --at AT`, its Teams token issued by the emulated Entra ID."""
    return run_cli("jobs", "run", "checkin-reminders", "--at", at, env=env, teams=teams_overrides)


def reminders_to(connector, user) -> list[str]:
    return [posted.text for posted in connector.sent_to(user.personal_conversation_id) if REMINDER in posted.text]


def test_it_delivers_the_reminder_card_to_someone_reached_in_teams_once(
        li_lei_in_teams, env, teams_overrides, connector, emulator):
    first = jobs_run(env, teams_overrides)
    second = jobs_run(env, teams_overrides, at="2026-11-27T15:30:00+08:00")

    assert first[0] == 0, first[2]
    assert "failed 0" in first[1] and "waiting for Teams" not in first[1], first[1]
    assert second[0] == 0 and "checkin-reminders: sent 0," in second[1], second
    assert len(reminders_to(connector, li_lei_in_teams)) == 1
    [posted] = connector.sent_to(li_lei_in_teams.personal_conversation_id)
    assert posted.operation == "send"  # into his stored 1:1 chat, with the app's bearer token
    assert not [m for m in emulator.messages if m["channel"] in ("UEMP2", "DUEMP2")]  # not on Slack as well


def test_it_leaves_a_teams_person_waiting_when_teams_is_not_configured(
        li_lei_in_teams, env, connector, emulator):
    slack_only = {name: value for name, value in env.items() if not name.startswith("TEAMS_")}

    status, out, err = run_cli("jobs", "run", "checkin-reminders", "--at", FRIDAY_3PM_SHANGHAI, env=slack_only)

    assert status == 0, err
    assert "waiting for Teams 1" in out
    assert reminders_to(connector, li_lei_in_teams) == []


def test_it_retries_a_card_the_bot_connector_refused_for_now_on_the_next_run(
        li_lei_in_teams, env, teams_overrides, connector, sessions):
    connector.fail_next(status=503)

    status, out, err = jobs_run(env, teams_overrides)
    assert status == 0, err
    with sessions() as session:
        statuses = {(d.status, d.last_error) for d in session.exec(select(Delivery)) if d.status != "sent"}
    assert ("retry", "teams: http 503") in statuses
    assert reminders_to(connector, li_lei_in_teams) == []

    jobs_run(env, teams_overrides, at="2026-11-27T15:05:00+08:00")
    jobs_run(env, teams_overrides, at="2026-11-27T15:06:00+08:00")
    assert len(reminders_to(connector, li_lei_in_teams)) == 1
