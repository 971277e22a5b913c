"""Custom check-in questions in Slack: a manager sets the team's list, a report answers it, the agenda and the
export show the answers, and a question every two weeks skips its week off."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime

import pytest
from sqlmodel import select

from bot.cli import main as cli
from bot.slack_client import make_web_client
from scheduler import JobConfig, JobContext, nudges
from storage import questions
from storage.models import AuditEvent, CheckinAnswer, PerformancePlan, Team
from tests.builders import approved_goal, load_org, person
from tests.cli_helpers import run_cli
from tests.conftest import BOT_TOKEN
from tests.slack_helpers import dms_to, last_dm_text, opened_view, visible_text

EMPLOYEE, CHINESE_EMPLOYEE, PEER, MANAGER, HR = "UEMP1", "UEMP2", "UEMP3", "UMGR1", "UHR1"
QUESTIONS = """# Platform's questions
mood | 1-5 | 1 | How was your week, 1 to 5? | 这周整体感觉如何（1-5）？
shipped | yes/no | 1 | Did you ship something this week? | 这周有上线吗？
retro | text | 2 | What would you change in how we work? | 你想改变我们的哪些工作方式？
"""
NEXT_MONDAY = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


@pytest.fixture
def org(sessions, clock, emulator):
    load_org(sessions, now=clock.now(), emulator=emulator)
    approved_goal(sessions, EMPLOYEE, now=clock.now(), title="Onboard 10 pilots", target="10")


def block_ids(view: dict) -> list[str]:
    return [block.get("block_id", "") for block in view["blocks"]]


def errors_of(response) -> dict:
    body = response.json()
    assert body["response_action"] == "errors", body
    return body["errors"]


def set_questions(slack, emulator, user_id: str, text: str, argument: str = ""):
    response = slack.slash_command(user_id, "/checkin", f"questions {argument}".strip())
    assert response.status == 200 and not response.body
    return slack.view_submission(user_id, opened_view(emulator), {"questions": text})


def open_checkin(slack, emulator, user_id: str = EMPLOYEE) -> dict:
    slack.slash_command(user_id, "/checkin")
    return opened_view(emulator)


def test_a_list_with_mistakes_is_refused_inline_with_each_line_at_fault(slack, emulator, org, session):
    response = set_questions(slack, emulator, MANAGER, "mood | 1-5 | 1 | How was it? | 怎么样？\n"
                                                       "mood | stars | 1 | Again? | 再来？\n"
                                                       "note | text | 1 |  | 备注")
    assert errors_of(response) == {"questions": "line 2: the id 'mood' is already used on line 1\n"
                                                "line 2: unknown answer type 'stars' (text, 1-5, yes/no)\n"
                                                "line 3: the question has no English text"}
    assert session.exec(select(AuditEvent).where(AuditEvent.action == "questions.set")).first() is None


def test_only_hr_or_the_teams_manager_may_set_its_questions(slack, emulator, org, session):
    response = slack.slash_command(PEER, "/checkin", "questions")
    assert "Only HR, or the manager who leads the team" in response.json()["text"]
    assert not emulator.calls_to("views.open")
    response = slack.slash_command(MANAGER, "/checkin", "questions team People")
    assert "Only HR" in response.json()["text"]
    # HR may set any team's list.
    assert not set_questions(slack, emulator, HR, QUESTIONS, "team Platform").body
    assert "Questions for the team Platform, 3 questions" in last_dm_text(emulator, HR)
    [audited] = session.exec(select(AuditEvent).where(AuditEvent.action == "questions.set")).all()
    assert (audited.actor_id, audited.entity, audited.detail) == (person(session, HR).id, "team",
                                                                  {"ids": ["mood", "shipped", "retro"]})


def test_a_report_answers_the_teams_questions_and_the_agenda_and_export_show_them(slack, emulator, org, session,
                                                                                  sessions, clock, waits,
                                                                                  database_url):
    assert not set_questions(slack, emulator, MANAGER, QUESTIONS).body
    assert "Saved: Questions for the team Platform, 3 questions" in last_dm_text(emulator, MANAGER)
    reopened = slack.slash_command(MANAGER, "/checkin", "questions")
    assert reopened.status == 200
    assert "mood | 1-5 | 1" in opened_view(emulator)["blocks"][0]["element"]["initial_value"]

    view = open_checkin(slack, emulator)
    ids = block_ids(view)
    assert ids.index("q:mood") > max(i for i, block_id in enumerate(ids) if block_id.startswith("goal:"))
    assert ids[ids.index("q:mood"):ids.index("q:mood") + 3] == ["q:mood", "q:shipped", "q:retro"]
    mood = view["blocks"][ids.index("q:mood")]
    assert (mood["label"]["text"], mood["element"]["type"]) == ("How was your week, 1 to 5?", "static_select")
    chinese = open_checkin(slack, emulator, CHINESE_EMPLOYEE)
    assert "这周整体感觉如何（1-5）？" in visible_text(chinese)

    forged = {"text": {"type": "plain_text", "text": "7"}, "value": "7"}
    refused = slack.view_submission(EMPLOYEE, view, {"confidence": "4", "q:mood": forged, "q:shipped": "yes"})
    assert errors_of(refused) == {"q:mood": "Choose 1 to 5."}
    assert session.exec(select(CheckinAnswer)).all() == []

    response = slack.view_submission(EMPLOYEE, view, {"confidence": "4", "q:mood": "4", "q:shipped": "yes",
                                                      "q:retro": "Fewer meetings, please"})
    assert response.status == 200 and not response.body
    answers = {a.question_id: (a.value, a.question) for a in session.exec(select(CheckinAnswer))}
    assert answers == {"mood": ("4", "How was your week, 1 to 5?"),
                       "shipped": ("yes", "Did you ship something this week?"),
                       "retro": ("Fewer meetings, please", "What would you change in how we work?")}
    edited = open_checkin(slack, emulator)
    assert edited["blocks"][block_ids(edited).index("q:mood")]["element"]["initial_option"]["value"] == "4"

    client = make_web_client(token=BOT_TOKEN, base_url=emulator.api_url, sleep=waits.append)
    nudges.run(JobContext(sessions=sessions, client=client, now=NEXT_MONDAY, config=JobConfig(), worker="w1"))
    agenda = next(m for m in dms_to(emulator, MANAGER) if "1:1 agenda" in m.get("text", ""))
    text = visible_text(agenda)
    assert "How was your week, 1 to 5? *4/5*" in text and "Did you ship something this week? *Yes*" in text
    assert "Fewer meetings, please" in text

    environ = {"DATABASE_URL": database_url, "SLACK_BOT_TOKEN": BOT_TOKEN}
    csv_out, json_out = io.StringIO(), io.StringIO()
    assert cli(["export", "checkins"], environ=environ, stdout=csv_out, clock=clock) == 0
    assert cli(["export", "checkins", "--format", "json"], environ=environ, stdout=json_out, clock=clock) == 0
    header, row = csv_out.getvalue().lstrip("\ufeff").splitlines()
    assert header.endswith(",help_needed,answers")
    assert row.endswith(',"mood=4; shipped=yes; retro=Fewer meetings, please"')
    [exported] = json.loads(json_out.getvalue())
    assert exported["answers"] == {"mood": 4, "shipped": "yes", "retro": "Fewer meetings, please"}


def test_a_question_every_two_weeks_is_not_asked_in_its_week_off(slack, emulator, org, clock):
    set_questions(slack, emulator, MANAGER, QUESTIONS)
    assert "q:retro" in block_ids(open_checkin(slack, emulator))
    clock.set(NEXT_MONDAY)
    off_week = block_ids(open_checkin(slack, emulator))
    assert "q:mood" in off_week and "q:retro" not in off_week
    clock.set(datetime(2026, 12, 7, 9, 0, tzinfo=UTC))
    assert "q:retro" in block_ids(open_checkin(slack, emulator))


def test_an_emptied_list_asks_nothing_and_keeps_the_answers_given(slack, emulator, org, session):
    set_questions(slack, emulator, MANAGER, QUESTIONS)
    slack.view_submission(EMPLOYEE, open_checkin(slack, emulator), {"confidence": "3", "q:mood": "2"})
    assert not set_questions(slack, emulator, MANAGER, "").body
    assert "no questions any more" in last_dm_text(emulator, MANAGER)
    assert not [b for b in block_ids(open_checkin(slack, emulator)) if b.startswith("q:")]
    assert [a.value for a in session.exec(select(CheckinAnswer))] == ["2"]


def test_the_command_line_sets_shows_and_clears_a_plans_list_and_refuses_mistakes_by_line(database_url, org,
                                                                                          sessions, clock, tmp_path):
    with sessions() as session:
        platform = session.exec(select(Team).where(Team.name == "Platform")).one()
        session.add(PerformancePlan(name="Engineering", team_id=platform.id, created_at=clock.now(),
                                    updated_at=clock.now()))
        session.commit()
    env = {"DATABASE_URL": database_url}
    good, bad = tmp_path / "questions.txt", tmp_path / "bad.txt"
    good.write_text(QUESTIONS, encoding="utf-8")
    bad.write_text(QUESTIONS + "stars | stars | 1 | Stars? | 星级？\n" + "\n".join(
        f"q{n} | text | 1 | Q{n}? | 问{n}？" for n in range(8)), encoding="utf-8")

    status, _out, err = run_cli("questions", "set", "--plan", "Engineering", str(bad), env=env)
    assert status == 1
    assert err.splitlines()[1:] == ["  line 5: unknown answer type 'stars' (text, 1-5, yes/no)",
                                    "  line 12: more than 10 questions"]
    assert run_cli("questions", "set", "--plan", "Engineering", str(good), env=env)[:2] == \
        (0, "plan Engineering: 3 question(s)\n")
    status, out, _err = run_cli("questions", "show", "--plan", "Engineering", env=env)
    assert status == 0 and "retro | text | 2 |" in out and out.startswith("# Platform's questions")
    with sessions() as session:
        assert [q.id for q in questions.asked_of(session, person(session, EMPLOYEE), "2026-W48")] == \
            ["mood", "shipped", "retro"]
    assert run_cli("questions", "clear", "--plan", "Engineering", env=env)[:2] == \
        (0, "plan Engineering: 0 question(s)\n")
    assert run_cli("questions", "show", "--team", "Nowhere", env=env)[2] == "checkin-bot: no team named 'Nowhere'\n"
