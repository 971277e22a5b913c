"""When something breaks inside, the person gets a plain apology, never a stack trace."""

from bot.app import build_bolt_app
from bot.deps import Deps
from bot.emulator import SignedSlackClient
from bot.executors import InlineExecutor
from bot.server import BackgroundServer, build_asgi
from storage.db import make_engine, session_factory
from tests.conftest import SIGNING_SECRET
from tests.test_health import UNREACHABLE


def test_a_failing_listener_answers_with_an_apology_and_no_trace(deps, db_kind, emulator):
    engine = make_engine(UNREACHABLE[db_kind])
    broken = Deps(settings=deps.settings, engine=engine, sessions=session_factory(engine), clock=deps.clock)
    emulator.add_user("UEMP1", name="Alan", tz="UTC", locale="en-US")
    with BackgroundServer(build_asgi(broken, build_bolt_app(broken, listener_executor=InlineExecutor()))) as server:
        slack = SignedSlackClient(f"{server.url}/slack/events", SIGNING_SECRET, emulator=emulator)
        response = slack.slash_command("UEMP1", "/goal", "help")
    assert "Traceback" not in response.body and "sqlalchemy" not in response.body.lower()
    answer = response.json()  # within Slack's 3 s, as the acknowledgement itself
    assert "can't reach my records" in answer["text"] and "nothing was saved" in answer["text"]
    assert answer["response_type"] == "ephemeral"
