import json
import urllib.error
import urllib.request

from bot.deps import Deps
from bot.server import BackgroundServer, build_asgi
from storage.db import make_engine, session_factory

UNREACHABLE = {
    # A SQLite file in a folder that does not exist, and a PostgreSQL port nobody listens on.
    "sqlite": "sqlite:////nonexistent-folder/checkin.db",
    "postgresql": "postgresql+psycopg://checkin@127.0.0.1:9/checkin?connect_timeout=2",
}


def get(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_healthz_is_200_while_the_database_answers(bot_server):
    assert get(f"{bot_server.url}/healthz") == (200, {"status": "ok", "database": "ok"})


def test_healthz_is_503_when_the_database_is_gone(deps, db_kind):
    engine = make_engine(UNREACHABLE[db_kind])
    gone = Deps(settings=deps.settings, engine=engine, sessions=session_factory(engine), clock=deps.clock)
    with BackgroundServer(build_asgi(gone, None)) as server:
        status, body = get(f"{server.url}/healthz")
    assert status == 503
    assert body["database"] == "unreachable"
