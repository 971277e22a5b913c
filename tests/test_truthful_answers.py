"""After a save, a failing Slack call never becomes "nothing was saved", and the notice still arrives once."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlmodel import select

from bot.app import build_bolt_app
from bot.deps import Deps
from bot.emulator import SignedSlackClient
from bot.executors import InlineExecutor
from bot.server import BackgroundServer, build_asgi
from bot.slack_client import make_web_client
from prompts.goal_blocks import APPROVE_ACTION, NEW_GOAL_VIEW
from scheduler import JobContext
from scheduler import notices as notice_job
from storage import notices
from storage.db import make_engine, session_factory
from storage.models import Delivery, Goal
from tests.builders import load_org
from tests.conftest import BOT_TOKEN, SIGNING_SECRET
from tests.slack_helpers import dms_to, opened_view, visible_text
from tests.test_goals_slack import EMPLOYEE, MANAGER, NEXT_YEAR, propose, stored_goals
from tests.test_health import UNREACHABLE

APPROVED = "Ada Lovelace approved your goal *Cut p95 latency to 200 ms*"


@pytest.fixture
def org(sessions, clock, emulator):
    load_org(sessions, now=clock.now(), emulator=emulator)


def proposed_goal(slack, emulator, session) -> tuple[Goal, dict]:
    coached = propose(slack, emulator, EMPLOYEE, title="Cut p95 latency to 200 ms", metric="p95 latency",
                      start="450", target="200", unit="ms", due_date=NEXT_YEAR)
    slack.view_submission(EMPLOYEE, {**coached.json()["view"], "id": "V2"}, {})
    [goal] = stored_goals(session)
    return goal, dms_to(emulator, MANAGER)[-1]


def approvals_seen_by_employee(emulator) -> int:
    return sum(APPROVED in visible_text(message) for message in dms_to(emulator, EMPLOYEE))


def run_notices(deps: Deps, emulator, clock) -> None:
    client = make_web_client(token=BOT_TOKEN, base_url=emulator.api_url, sleep=lambda _s: None)
    notice_job.run(JobContext(sessions=deps.sessions, client=client, now=clock.now()))


@pytest.fixture
def pooled_slack(deps, emulator):
    """The bot as `serve` runs it: listeners on a thread pool after the ack; `drain()` waits for them."""
    pool = ThreadPoolExecutor(max_workers=1)
    with BackgroundServer(build_asgi(deps, build_bolt_app(deps, listener_executor=pool))) as server:
        client = SignedSlackClient(f"{server.url}/slack/events", SIGNING_SECRET, emulator=emulator)
        client.drain = lambda: pool.submit(lambda: None).result(timeout=30)
        yield client
    pool.shutdown()


def test_an_approval_whose_message_update_fails_tells_the_manager_it_was_saved_and_the_employee_once(
        slack, pooled_slack, org, emulator, session, deps, clock):
    goal, request = proposed_goal(slack, emulator, session)
    emulator.fail_next("chat.update", status=500, times=20)  # Slack keeps failing to replace the buttons

    response = pooled_slack.block_action(MANAGER, APPROVE_ACTION, message=request)
    pooled_slack.drain()

    assert response.status == 200
    assert stored_goals(session)[0].approval == "approved"
    [answer] = [call.params["text"] for call in emulator.calls_to("response_url")]
    assert "was saved" in answer and "nothing was saved" not in answer
    assert approvals_seen_by_employee(emulator) == 1
    for _ in range(3):  # later runs of the notices job find nothing left to send
        clock.advance(timedelta(minutes=20))
        run_notices(deps, emulator, clock)
    assert approvals_seen_by_employee(emulator) == 1


def test_a_notice_slack_refuses_is_delivered_once_by_the_notices_job(slack, org, emulator, session, deps, clock):
    goal, request = proposed_goal(slack, emulator, session)
    emulator.fail_next("chat.postMessage", status=503, times=4)  # the employee's DM fails for a while

    slack.block_action(MANAGER, APPROVE_ACTION, message=request)

    assert stored_goals(session)[0].approval == "approved"
    assert "You approved Alan Turing's goal" in visible_text(dms_to(emulator, MANAGER)[-1])  # no false apology
    assert not emulator.calls_to("response_url")
    for _ in range(4):  # the retries' delays grow: 1, 5, 15 minutes, an hour
        clock.advance(timedelta(hours=1))
        run_notices(deps, emulator, clock)
    assert approvals_seen_by_employee(emulator) == 1
    session.expire_all()
    _saved, notice = session.exec(select(Delivery).where(  # "goal saved" (a notice too), then the decision
        Delivery.job == notices.JOB, Delivery.person_id == goal.owner_id).order_by(Delivery.id)).all()
    assert notice.status == "sent" and notice.payload is None  # the text is not kept once delivered


def broken_bot(deps: Deps, db_kind: str):
    engine = make_engine(UNREACHABLE[db_kind])
    broken = Deps(settings=deps.settings, engine=engine, sessions=session_factory(engine), clock=deps.clock)
    return BackgroundServer(build_asgi(broken, build_bolt_app(broken, listener_executor=InlineExecutor())))


def test_with_the_database_unreachable_a_command_gets_a_clear_ephemeral_answer(deps, db_kind, emulator):
    emulator.add_user("UEMP1", name="Alan", tz="UTC", locale="en-US")
    with broken_bot(deps, db_kind) as server:
        slack = SignedSlackClient(f"{server.url}/slack/events", SIGNING_SECRET, emulator=emulator)
        response = slack.slash_command("UEMP1", "/goal", "help")
    assert response.status == 200
    answer = response.json()
    assert answer["response_type"] == "ephemeral"
    assert "can't reach my records" in answer["text"] and "nothing was saved" in answer["text"]
    assert "Traceback" not in response.body and "sqlalchemy" not in response.body.lower()


def test_with_the_database_unreachable_a_modal_keeps_what_was_typed_with_an_inline_error(
        slack, org, deps, db_kind, emulator):
    slack.slash_command(EMPLOYEE, "/goal")
    view = opened_view(emulator)
    assert view["callback_id"] == NEW_GOAL_VIEW
    with broken_bot(deps, db_kind) as server:
        broken = SignedSlackClient(f"{server.url}/slack/events", SIGNING_SECRET, emulator=emulator)
        response = broken.view_submission(EMPLOYEE, view, {"title": "Cut p95 latency", "start": "450",
                                                          "target": "200", "due_date": NEXT_YEAR})
    assert response.status == 200
    body = response.json()
    assert body["response_action"] == "errors"
    [(block_id, text)] = body["errors"].items()
    assert block_id == next(b["block_id"] for b in view["blocks"] if b["type"] == "input")
    assert "can't reach my records" in text


def test_with_the_database_unreachable_a_chinese_speaker_is_answered_in_chinese(slack, org, deps, db_kind, emulator):
    slack.slash_command("UEMP2", "/goal", "help")  # 李雷 has used the bot: this process knows his language
    with broken_bot(deps, db_kind) as server:
        broken = SignedSlackClient(f"{server.url}/slack/events", SIGNING_SECRET, emulator=emulator)
        answer = broken.slash_command("UEMP2", "/checkin", "history").json()["text"]
    assert "没有保存任何内容" in answer


def test_a_notice_still_waiting_when_its_reader_is_erased_is_never_delivered(org, deps, emulator, clock, session):
    from storage import privacy
    from tests.builders import person

    alan = person(session, EMPLOYEE)
    with deps.sessions() as writing:
        notices.queue(writing, person_id=alan.id, key="test:1", message={"text": "Your goal was approved"},
                      now=clock.now())
        privacy.erase(writing, EMPLOYEE, now=clock.now())
    run_notices(deps, emulator, clock)
    assert emulator.calls_to("chat.postMessage") == []
    session.expire_all()
    [notice] = session.exec(select(Delivery).where(Delivery.job == notices.JOB)).all()
    assert notice.status == "skipped" and notice.payload is None


def test_a_failure_before_anything_was_saved_says_so(pooled_slack, org, emulator):
    emulator.fail_next("views.open", status=500, times=10)  # the new-goal modal cannot be opened

    response = pooled_slack.slash_command(EMPLOYEE, "/goal")
    pooled_slack.drain()

    assert response.status == 200
    [answer] = [call.params["text"] for call in emulator.calls_to("response_url")]
    assert "something went wrong" in answer and "nothing was saved" in answer
