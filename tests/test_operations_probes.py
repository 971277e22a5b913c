"""/livez and /readyz as an orchestrator asks them: alive without the database, ready only when all is well."""

import json
import urllib.error
import urllib.request

from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from sqlalchemy import text

from bot.clock import FixedClock
from bot.deps import Deps
from bot.server import BackgroundServer, build_asgi
from bot.settings import Settings
from scheduler import JobConfig, build_scheduler
from storage.db import known_revisions, make_engine, session_factory, upgrade
from tests.conftest import MONDAY_MORNING
from tests.test_health import UNREACHABLE


def get(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def deps_on(url: str) -> Deps:
    engine = make_engine(url)
    return Deps(settings=Settings(database_url=url), engine=engine, sessions=session_factory(engine),
                clock=FixedClock(MONDAY_MORNING))


def test_livez_and_readyz_answer_200_while_all_is_well(bot_server):
    assert get(f"{bot_server.url}/livez") == (200, {"status": "ok"})
    assert get(f"{bot_server.url}/readyz") == (
        200, {"status": "ready", "failed": [], "checks": {"database": "ok", "schema": "ok"}})


def test_livez_stays_200_when_the_database_is_gone_while_readyz_says_why_it_is_not_ready(db_kind):
    with BackgroundServer(build_asgi(deps_on(UNREACHABLE[db_kind]), None)) as server:
        assert get(f"{server.url}/livez") == (200, {"status": "ok"})
        status, body = get(f"{server.url}/readyz")
    assert status == 503
    assert body["status"] == "not ready" and body["failed"] == ["database", "schema"]
    assert body["checks"]["database"] == "unreachable"


def test_readyz_is_503_on_a_database_whose_schema_is_not_migrated(tmp_path):
    with BackgroundServer(build_asgi(deps_on(f"sqlite:///{tmp_path}/fresh.db"), None)) as server:
        status, body = get(f"{server.url}/readyz")
    assert status == 503 and body["failed"] == ["schema"]
    assert body["checks"]["database"] == "ok" and body["checks"]["schema"].startswith("at no schema, the code needs")


def test_readyz_stays_ready_on_a_newer_schema_and_not_on_an_older_one(tmp_path):
    """A rolling upgrade migrates before old replicas are replaced: they keep serving; a replica behind does not."""
    url = f"sqlite:///{tmp_path}/rolling.db"
    engine = make_engine(url)
    upgrade(engine)
    for revision, ready in (("9999_from_a_newer_release", True), (known_revisions()[-1], False)):
        with engine.begin() as connection:
            connection.execute(text("UPDATE alembic_version SET version_num = :revision"), {"revision": revision})
        with BackgroundServer(build_asgi(deps_on(url), None)) as server:
            status, body = get(f"{server.url}/readyz")
        assert (status == 200) is ready, body
    engine.dispose()


def test_readyz_requires_the_scheduler_thread_alive_once_serve_watches_it(deps, sessions):
    api = build_asgi(deps, None)
    scheduler = build_scheduler(sessions=sessions, client=None, clock_now=deps.clock.now, config=JobConfig())
    scheduler.start(paused=True)  # its thread runs; no job is due to run
    api.state.readiness.watch(scheduler=scheduler)
    with BackgroundServer(api) as server:
        assert get(f"{server.url}/readyz")[1]["checks"]["scheduler"] == "ok"
        scheduler.shutdown(wait=True)
        status, body = get(f"{server.url}/readyz")
    assert status == 503 and body["failed"] == ["scheduler"] and body["checks"]["scheduler"] == "stopped"


def test_readyz_is_503_while_socket_mode_is_not_connected(deps):
    handler = SocketModeHandler(App(token="xoxb-unused", token_verification_enabled=False), "xapp-1-unused")
    api = build_asgi(deps, None)
    api.state.readiness.watch(socket_mode=handler)
    try:
        with BackgroundServer(api) as server:
            status, body = get(f"{server.url}/readyz")
    finally:
        handler.close()
    assert status == 503 and body["failed"] == ["socket_mode"] and body["checks"]["socket_mode"] == "disconnected"
