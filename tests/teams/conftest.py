"""Teams fixtures: the key server, the Bot Connector, the bot with Teams mounted, and a small org in Teams."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.app import build_bolt_app
from bot.emulator import SlackEmulator
from bot.executors import InlineExecutor
from bot.server import BackgroundServer, build_asgi
from bot.settings import Settings
from bot.teams import TeamsOverrides
from bot.teams_emulator import BotConnector, KeyServer, TeamsClient, TeamsUser
from storage import org
from tests.builders import ORG_HEADER, SMALL_ORG, org_csv
from tests.conftest import BOT_TOKEN, SIGNING_SECRET

CLIENT_ID = "6f1c2b7e-0000-4000-8000-00000000b07a"
TENANT_ID = "9a6f5e4d-0000-4000-8000-00000000c0de"
LI_LEI_TEAMS_ID = "aad-00000000-0000-0000-0000-0000000000e2"
# The SDK builds its own deprecated BotClient inside every ApiClient; nothing of ours calls it.
SDK_INTERNAL_WARNING = "ignore:The bot client is deprecated:DeprecationWarning"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.path).parents:
            item.add_marker(pytest.mark.filterwarnings(SDK_INTERNAL_WARNING))


@pytest.fixture(scope="session")
def teams_keys():
    """The Bot Framework's signing keys on loopback (one RSA key for the run: generating one takes a while)."""
    with KeyServer() as keys:
        yield keys


@pytest.fixture
def connector():
    with BotConnector(client_id=CLIENT_ID, tenant_id=TENANT_ID) as connector:
        yield connector


@pytest.fixture
def settings(database_url: str, emulator: SlackEmulator) -> Settings:
    """Slack as everywhere else, plus the Teams app registration (its secret is the connector's token callable)."""
    return Settings(
        database_url=database_url,
        slack_bot_token=BOT_TOKEN,
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url=emulator.api_url,
        teams_client_id=CLIENT_ID,
        teams_tenant_id=TENANT_ID,
    )


@pytest.fixture
def teams_overrides(teams_keys: KeyServer, connector: BotConnector) -> TeamsOverrides:
    return TeamsOverrides(openid_metadata_url=teams_keys.openid_metadata_url, token=connector.bot_token)


@pytest.fixture
def teams_server(deps, teams_overrides: TeamsOverrides):
    """The bot as `serve` runs it, Slack and Teams on one port, Teams pointed at the emulator."""
    bolt_app = build_bolt_app(deps, listener_executor=InlineExecutor())
    api = build_asgi(deps, bolt_app, teams=teams_overrides)
    with BackgroundServer(api) as server:
        server.api = api  # the tests reach api.state.teams_sender through it
        yield server


@pytest.fixture
def teams(teams_server: BackgroundServer, teams_keys: KeyServer, connector: BotConnector) -> TeamsClient:
    """Teams itself, as the bot sees it: activities with signed tokens to /api/messages."""
    return TeamsClient(f"{teams_server.url}/api/messages", keys=teams_keys, connector=connector)


@dataclass(frozen=True)
class TeamsPeople:
    alan: TeamsUser  # in the org CSV without a teams_id: matched by e-mail
    li_lei: TeamsUser  # in the org CSV with a teams_id, zh-CN
    katherine: TeamsUser  # no stored locale: Teams' locale decides
    stranger: TeamsUser  # in the tenant, not in the org


@pytest.fixture
def teams_people(sessions, clock, connector: BotConnector) -> TeamsPeople:
    """Load the small org (李雷 with a teams_id) and put the same people in the emulated tenant."""
    rows = [[*row, LI_LEI_TEAMS_ID if row[0] == "UEMP2" else ""] for row in SMALL_ORG]
    with sessions() as session:
        org.import_org_csv(session, org_csv(rows, header=[*ORG_HEADER, "teams_id"]), now=clock.now())
    return TeamsPeople(
        alan=connector.add_user("aad-alan", name="Alan Turing", email="Alan@Example.com", locale="en-GB"),
        li_lei=connector.add_user(LI_LEI_TEAMS_ID, name="李雷", email="li.lei@corp.example.cn", locale="zh-CN"),
        katherine=connector.add_user("aad-kj", name="Katherine Johnson", email="kj@example.com", locale="zh-CN"),
        stranger=connector.add_user("aad-stranger", name="Mallory", email="mallory@elsewhere.example"),
    )
