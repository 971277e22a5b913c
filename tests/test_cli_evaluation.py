"""The evaluation commands an operator runs: plans load, cycles open and cycles list."""

from pathlib import Path

import pytest
from sqlmodel import select

from storage import cycles, reviews
from storage.models import Review
from tests.builders import load_org, person
from tests.slack_helpers import dms_to, visible_text
from tests.test_cli import run

EXAMPLE_PLANS = Path(__file__).parents[1] / "examples" / "plans.yaml"


@pytest.fixture(autouse=True)
def no_developer_dotenv(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)


def test_plans_load_reports_every_problem_and_loads_nothing(database_url, tmp_path):
    bad = tmp_path / "plans.yaml"
    bad.write_text("plans:\n  - name: Broken\n    cycle: fortnightly\n    criteria: []\n", encoding="utf-8")
    status, _, err = run("plans", "load", str(bad), env={"DATABASE_URL": database_url})
    assert status == 1
    assert "nothing loaded" in err and "cycle" in err and "criteria" in err


def test_cycles_open_asks_everyone_in_the_team_then_lists_the_counts(database_url, sessions, clock):
    load_org(sessions, now=clock.now())
    env = {"DATABASE_URL": database_url}
    status, out, err = run("cycles", "open", "2026-H2", "--from", "2026-07-01", "--to", "2026-12-31",
                           "--self-due", "2026-12-04", "--peer-due", "2026-12-09", "--manager-due", "2026-12-16",
                           "--team", "Platform", env=env)
    assert status == 0, err
    assert "opened 2026-H2: 7 reviews requested" in out  # 4 self reviews, 3 by the manager
    status, out, _ = run("cycles", "list", env=env)
    assert "2026-H2: open" in out and "due 7" in out


def test_cycles_open_refuses_dates_out_of_order_in_one_line(database_url, sessions, clock):
    load_org(sessions, now=clock.now())
    status, _, err = run("cycles", "open", "Q4", "--from", "2026-10-01", "--to", "2026-12-31", "--self-due",
                         "2026-12-10", "--peer-due", "2026-12-05", "--manager-due", "2026-12-16",
                         env={"DATABASE_URL": database_url})
    assert status == 1 and len(err.strip().splitlines()) == 1 and "--self-due" in err


def test_the_example_plans_load_then_reload_as_updates(database_url, sessions, clock):
    rows = [[f"U{n}", f"Person {n}", "", "", team, "employee", "UTC", "en"]
            for n, team in enumerate(("Assembly", "Research", "Support"))]
    load_org(sessions, now=clock.now(), rows=rows)
    env = {"DATABASE_URL": database_url}
    status, out, err = run("plans", "load", str(EXAMPLE_PLANS), env=env)
    assert status == 0, err
    assert "+ Assembly line" in out and "loaded 3 plan(s)" in out
    status, out, _ = run("plans", "load", str(EXAMPLE_PLANS), env=env)
    assert status == 0 and "loaded 0 plan(s)" in out  # nothing changed, nothing rewritten


def test_cycles_release_waits_for_every_manager_review_then_tells_each_employee_once(
        database_url, sessions, clock, emulator):
    load_org(sessions, now=clock.now(), emulator=emulator)
    env = {"DATABASE_URL": database_url, "SLACK_BOT_TOKEN": "xoxb-test-token", "SLACK_API_URL": emulator.api_url}
    with sessions() as session:
        cycles.open_cycle(session, name="2026-H2", period_start="2026-07-01", period_end="2026-12-31",
                          self_due="2026-12-04", peer_due="2026-12-09", manager_due="2026-12-16", team="Platform",
                          now=clock.now())
    status, _, err = run("cycles", "release", "2026-H2", env=env)
    assert status == 1 and "3 manager review(s)" in err

    with sessions() as session:
        manager = person(session, "UMGR1")
        for review in session.exec(select(Review).where(Review.kind == "manager")).all():
            reviews.submit_manager_review(session, manager, review.id, ratings={k: "4" for k in (
                "results", "quality", "collaboration", "ownership")}, comments={}, overall="4",
                strengths="Owns the launch", to_improve="Escalate sooner", now=clock.now())
    status, out, err = run("cycles", "release", "2026-H2", env=env)
    assert status == 0, err
    assert "released 2026-H2: 3 result(s) sent" in out
    result = visible_text(dms_to(emulator, "UEMP2")[-1])
    assert "你在 2026-H2 的结果" in result and "超出预期" in result and "奖金系数 ×1.2" in result
    assert "具备晋升资格" in result
    status, _, err = run("cycles", "release", "2026-H2", env=env)
    assert status == 1 and "already released" in err
    assert len(dms_to(emulator, "UEMP2")) == 1
