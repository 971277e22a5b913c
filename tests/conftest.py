"""Shared fixtures: a migrated database per test (SQLite and PostgreSQL), the emulator, a running bot."""

from __future__ import annotations

import os
import shutil
from datetime import UTC, datetime

import pytest
from sqlalchemy import text
from sqlmodel import SQLModel

from bot.app import build_bolt_app
from bot.clock import FixedClock, wall_clock_refused
from bot.deps import Deps
from bot.emulator import SignedSlackClient, SlackEmulator
from bot.executors import InlineExecutor
from bot.server import BackgroundServer, build_asgi
from bot.settings import Settings
from storage.db import make_engine, session_factory, upgrade

POSTGRES_URL_VARIABLE = "CHECKIN_TEST_POSTGRES_URL"
BOT_TOKEN = "xoxb-test-token"
SIGNING_SECRET = "test-signing-secret"
MONDAY_MORNING = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)

# Under libfaketime (the suite run with the machine's clock moved) a test that starts `serve` as a real process
# cannot work: the child runs on the real clock while this process signs requests with the moved one, and
# libfaketime makes time.sleep fail with EINVAL. Those tests read no date of their own, so they skip there.
real_process = pytest.mark.skipif("faketime" in os.environ.get("LD_PRELOAD", ""),
                                  reason="starts a real process: its clock is not the moved one")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--db",
        default=os.environ.get("CHECKIN_TEST_DATABASES", "sqlite"),
        help="comma-separated databases to run storage tests on: sqlite,postgresql "
        f"(postgresql needs {POSTGRES_URL_VARIABLE})",
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "db_kind" in metafunc.fixturenames:
        kinds = [kind.strip() for kind in metafunc.config.getoption("--db").split(",") if kind.strip()]
        metafunc.parametrize("db_kind", kinds, scope="session")


@pytest.fixture(autouse=True)
def no_wall_clock(request: pytest.FixtureRequest):
    """Fail any test whose outcome would depend on the day it runs: product code must use the injected clock.

    A test that truly needs the real time (a real `serve` process, say) says so with @pytest.mark.real_clock.
    """
    if request.node.get_closest_marker("real_clock"):
        yield
        return
    with wall_clock_refused(f"{request.node.nodeid} read the wall clock: inject a Clock (tests use FixedClock) "
                            "or mark the test real_clock"):
        yield


@pytest.fixture(scope="session")
def template_database(db_kind: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    """Migrate one database per kind per run; each test then starts from a copy or a truncation."""
    if db_kind == "sqlite":
        path = tmp_path_factory.mktemp("template") / "template.db"
        engine = make_engine(f"sqlite:///{path}")
        upgrade(engine)
        engine.dispose()
        return str(path)
    if db_kind == "postgresql":
        url = os.environ.get(POSTGRES_URL_VARIABLE)
        if not url:
            pytest.fail(f"--db includes postgresql but {POSTGRES_URL_VARIABLE} is not set")
        engine = make_engine(url)
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        upgrade(engine)
        engine.dispose()
        return url
    raise pytest.UsageError(f"unknown database kind {db_kind!r}")


@pytest.fixture
def database_url(db_kind: str, template_database: str, tmp_path) -> str:
    if db_kind == "sqlite":
        path = tmp_path / "test.db"
        shutil.copyfile(template_database, path)
        return f"sqlite:///{path}"
    engine = make_engine(template_database)
    tables = ", ".join(f'"{table.name}"' for table in SQLModel.metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()
    return template_database


@pytest.fixture
def engine(database_url: str):
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def sessions(engine):
    return session_factory(engine)


@pytest.fixture
def session(sessions):
    with sessions() as session:
        yield session


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(MONDAY_MORNING)


@pytest.fixture
def emulator():
    with SlackEmulator(token=BOT_TOKEN) as emulator:
        yield emulator


@pytest.fixture
def waits() -> list[float]:
    """Every wait the Slack client asked for, instead of waiting."""
    return []


@pytest.fixture
def settings(database_url: str, emulator: SlackEmulator) -> Settings:
    return Settings(
        database_url=database_url,
        slack_bot_token=BOT_TOKEN,
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url=emulator.api_url,
    )


@pytest.fixture
def deps(settings: Settings, engine, clock: FixedClock, waits: list[float]) -> Deps:
    return Deps(settings=settings, engine=engine, sessions=session_factory(engine), clock=clock, sleep=waits.append)


@pytest.fixture
def bot_server(deps: Deps):
    app = build_bolt_app(deps, listener_executor=InlineExecutor())
    with BackgroundServer(build_asgi(deps, app)) as server:
        yield server


@pytest.fixture
def slack(bot_server: BackgroundServer, emulator: SlackEmulator) -> SignedSlackClient:
    """Slack itself, as the bot sees it: signed requests to /slack/events."""
    return SignedSlackClient(f"{bot_server.url}/slack/events", SIGNING_SECRET, emulator=emulator)
