"""An improvement plan in Teams: the employee's commitments and the manager's check, as dialogs."""

from __future__ import annotations

from datetime import UTC, date, datetime

from bot.slack_client import make_web_client
from prompts import adaptive
from prompts.improvement_blocks import COMMITMENTS_ACTION, RECORD_CHECK_ACTION
from scheduler import JobContext
from scheduler.registry import find_job
from storage import improvement
from storage.models import ImprovementPlan
from tests.builders import person
from tests.conftest import BOT_TOKEN

CHECK_DAY = date(2026, 12, 7)


def open_plan(sessions, clock) -> int:
    with sessions() as session:
        plan = improvement.open_plan(
            session, person(session, "UMGR1"), person(session, "UEMP2").id, gaps="合同审批太慢", causes=["resources"],
            cause_notes=None, actions="每周同步法务", support="法务联系人", success_measure="审批不超过一周",
            check_dates=[CHECK_DAY.isoformat()], today=clock.now().date(), now=clock.now())
        return plan.id


def test_commitments_and_a_check_in_teams(teams, teams_server, teams_people, connector, sessions, clock, emulator,
                                          waits):
    ada = connector.add_user("aad-ada", name="Ada Lovelace", email="ada@example.com", locale="en-GB")
    for user in (teams_people.li_lei, ada):
        teams.install(user)
        teams.message(user, "help")
    plan_id = open_plan(sessions, clock)

    fetched = teams.task_fetch(teams_people.li_lei, adaptive.button_data(COMMITMENTS_ACTION, str(plan_id))).json()
    submit = fetched["task"]["value"]["card"]["content"]["actions"][0]["data"]
    empty = teams.task_submit(teams_people.li_lei, {**submit, "commitments": "  "}).json()
    assert empty["task"]["type"] == "continue"  # the dialog again, the error beside the field
    assert teams.task_submit(teams_people.li_lei, {**submit, "commitments": "每周五在周进展里报告合同进度"}).json()[
        "task"]["type"] == "message"
    assert any("每周五在周进展里报告合同进度" in p.text for p in connector.sent_to(ada.personal_conversation_id))

    client_day = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
    client = make_web_client(token=BOT_TOKEN, base_url=emulator.api_url, sleep=waits.append)
    find_job("improvement-checks").run(JobContext(sessions=sessions, client=client, now=client_day,
                                                  teams=teams_server.api.state.teams_sender))
    with sessions() as session:
        check_id = improvement.view(session, person(session, "UMGR1"), plan_id).checks[0].id
    assert any("check date" in p.text for p in connector.sent_to(ada.personal_conversation_id))
    fetched = teams.task_fetch(ada, adaptive.button_data(RECORD_CHECK_ACTION, str(check_id))).json()
    submit = fetched["task"]["value"]["card"]["content"]["actions"][0]["data"]
    assert teams.task_submit(ada, {**submit, "outcome": "审批已缩短到五天", "decision": "met"}).json()[
        "task"]["type"] == "message"
    assert any("审批已缩短到五天" in p.text for p in connector.sent_to(teams_people.li_lei.personal_conversation_id))
    with sessions() as session:
        assert session.get(ImprovementPlan, plan_id).state == "met"

    colleague = teams.task_fetch(teams_people.alan, adaptive.button_data(RECORD_CHECK_ACTION, str(check_id))).json()
    assert "can't see it" in str(colleague)
