"""How long an unanswered blocker waits before the skip-level hears is a performance plan's choice (1-10 working
days; the setting when the plan leaves it blank): set in the plans file or HR's plan form, on Slack and Teams."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlmodel import select

from bot.emulator import SignedSlackClient
from bot.slack_client import make_web_client
from prompts import adaptive, plan_blocks
from prompts.goal_blocks import error_text
from scheduler import JobConfig, JobContext, escalations
from storage import plans
from storage.models import Delivery, PerformancePlan
from storage.plans import PlanLoadError
from tests.builders import SMALL_ORG, load_org
from tests.conftest import BOT_TOKEN, SIGNING_SECRET
from tests.slack_helpers import dms_to, last_dm_text, opened_view
from tests.teams import conftest as teams_fixtures
from tests.teams.helpers import dialog_card, inputs

pytestmark = pytest.mark.filterwarnings(teams_fixtures.SDK_INTERNAL_WARNING)
# Teams' fixtures (tests/teams/conftest.py), for the tests run from both surfaces.
connector = teams_fixtures.connector
settings = teams_fixtures.settings
teams = teams_fixtures.teams
teams_keys = teams_fixtures.teams_keys
teams_overrides = teams_fixtures.teams_overrides
teams_server = teams_fixtures.teams_server

BLOCKED = {"confidence": "2", "blockers": "Waiting on legal", "help_needed": "A nudge to legal"}
EMPLOYEE, MANAGER, SKIP, HR = "UEMP1", "UMGR1", "UVP1", "UHR1"
FRIDAY = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)  # the alert
# 02:00 UTC: 10:00 in Shanghai (the skip-level's waking hours), already the day in London (the manager's).
WEDNESDAY = datetime(2026, 12, 2, 2, 0, tzinfo=UTC)  # 2 working days
THURSDAY = datetime(2026, 12, 3, 2, 0, tzinfo=UTC)  # 3
FRIDAY_AFTER = datetime(2026, 12, 4, 2, 0, tzinfo=UTC)  # 4
ORG = [["UVP1", "王芳", "wang.fang@example.cn", "", "Platform", "manager", "Asia/Shanghai", "zh-CN"],
       *[[*row[:3], SKIP if row[0] == MANAGER else row[3], *row[4:]] for row in SMALL_ORG]]
PLATFORM_PLAN = """
plans:
  - name: Platform
    team: Platform
    cycle: quarterly
    criteria: [{key: results, name: Results, weight: 1}]
    rating_scale: [{value: 1, label: Low}, {value: 2, label: High}]
    improvement_threshold: 1
    escalate_after_days: {days}
"""


@pytest.fixture
def slack_client(teams_server, emulator) -> SignedSlackClient:
    """Slack, talking to the same server as Teams."""
    return SignedSlackClient(f"{teams_server.url}/slack/events", SIGNING_SECRET, emulator=emulator)


@pytest.fixture
def org(sessions, clock, emulator):
    clock.set(FRIDAY)
    load_org(sessions, now=clock.now(), rows=ORG, emulator=emulator)


def load_plan(sessions, clock, days) -> None:
    with sessions() as session:
        plans.load_plans(session, PLATFORM_PLAN.replace("{days}", str(days)), now=clock.now())


@pytest.fixture
def blocked(org, slack_client, emulator):
    """Alan (team Platform) checks in blocked on Friday; Ada is alerted."""
    assert slack_client.slash_command(EMPLOYEE, "/checkin").status == 200
    assert slack_client.view_submission(EMPLOYEE, opened_view(emulator), BLOCKED).status == 200
    assert len(dms_to(emulator, MANAGER)) == 1


@pytest.fixture
def run_escalations(sessions, emulator, waits):
    client = make_web_client(token=BOT_TOKEN, base_url=emulator.api_url, sleep=waits.append)

    def run(at: datetime):
        return escalations.run(JobContext(sessions=sessions, client=client, now=at,
                                          config=JobConfig(escalate_after_days=2)))

    return run


def test_a_plan_of_4_working_days_does_not_escalate_at_3_and_does_at_4_once(
    blocked, sessions, clock, run_escalations, emulator
):
    load_plan(sessions, clock, 4)
    assert run_escalations(WEDNESDAY).sent == 0  # the setting's 2 would have sent it
    assert run_escalations(THURSDAY).sent == 0
    assert dms_to(emulator, SKIP) == []

    assert run_escalations(FRIDAY_AFTER).sent == 1
    assert "Alan Turing" in last_dm_text(emulator, SKIP) and "4" in last_dm_text(emulator, SKIP)
    assert run_escalations(FRIDAY_AFTER.replace(hour=5)).sent == 0  # never twice
    with sessions() as session:
        assert len(session.exec(select(Delivery).where(Delivery.job == escalations.JOB)).all()) == 1


def test_a_plan_that_leaves_it_blank_keeps_the_setting(org, sessions, clock, blocked, run_escalations):
    with sessions() as session:
        plans.load_plans(session, PLATFORM_PLAN.replace("    escalate_after_days: {days}\n", ""), now=clock.now())
        assert session.exec(select(PerformancePlan.escalate_after_days)).one() is None
    assert run_escalations(WEDNESDAY).sent == 1


def test_people_outside_the_plans_team_keep_the_setting(sessions, clock, slack_client, emulator, run_escalations):
    clock.set(FRIDAY)
    load_org(sessions, now=clock.now(), emulator=emulator,
             rows=[[*row[:4], "Research" if row[0] == EMPLOYEE else row[4], *row[5:]] for row in ORG])
    load_plan(sessions, clock, 4)
    assert slack_client.slash_command(EMPLOYEE, "/checkin").status == 200
    assert slack_client.view_submission(EMPLOYEE, opened_view(emulator), BLOCKED).status == 200
    assert run_escalations(WEDNESDAY).sent == 1


@pytest.mark.parametrize("days", [0, 11, "two", True, 2.5])
def test_a_plans_file_with_escalation_days_outside_1_to_10_is_refused_at_its_path(session, clock, days) -> None:
    with pytest.raises(PlanLoadError) as refused:
        plans.load_plans(session, PLATFORM_PLAN.replace("{days}", str(days).lower()), now=clock.now())
    assert [str(error) for error in refused.value.errors] == [
        "plans[0].escalate_after_days: must be a whole number of working days from 1 to 10"]


@pytest.fixture
def grace(teams, connector):
    """HR, in Teams as well."""
    user = connector.add_user("aad-grace", name="Grace Hopper", email="grace@example.com", locale="en-US")
    teams.install(user)
    return user


def edit_plan(surface: str, slack, teams, grace, emulator, values: dict) -> dict[str, str] | None:
    """Grace saves a new plan from the surface's plan form; the errors it shows by field, or None when saved."""
    if surface == "slack":
        slack.block_action(HR, plan_blocks.EDIT_PLAN_ACTION, "new", message={"channel": f"D{HR}", "blocks": [],
                                                                             "text": ""})
        form = opened_view(emulator)
        prefilled = {b["block_id"]: b["element"].get("initial_value") for b in form["blocks"]
                     if b["element"]["type"] == "plain_text_input"}
        assert prefilled["escalate_after_days"] is None  # blank: the organisation's setting
        answer = slack.view_submission(HR, form, {"scale": prefilled["scale"], "criteria": prefilled["criteria"],
                                                  "team": "Platform", "role": "-", "cycle": "quarterly",
                                                  "improvement_threshold": "2", **values})
        return (answer.json() or {}).get("errors")
    dialog = dialog_card(teams.task_fetch(grace, adaptive.button_data(plan_blocks.EDIT_PLAN_ACTION, "new")))
    fields = {key: element.get("value", "") for key, element in inputs(dialog).items()}
    assert fields["escalate_after_days"] == ""
    answer = teams.task_submit(grace, {**dialog["actions"][0]["data"], **fields, "team": "Platform", "role": "-",
                                       **values}).json()
    if answer["task"]["type"] == "message":
        return None
    body = answer["task"]["value"]["card"]["content"]["body"]
    return {element["id"]: body[n + 1]["text"].removeprefix("⚠️ ") for n, element in enumerate(body)
            if element.get("id") in values and n + 1 < len(body) and body[n + 1].get("color") == "Attention"}


@pytest.mark.parametrize("surface", ["slack", "teams"])
def test_hr_sets_a_plans_escalation_days_in_the_plan_form(surface, org, slack_client, teams, grace, emulator,
                                                          sessions):
    refused = edit_plan(surface, slack_client, teams, grace, emulator,
                        {"name": "Platform", "escalate_after_days": "11"})
    assert refused == {"escalate_after_days": error_text("plan_escalate_invalid", "en")}
    assert edit_plan(surface, slack_client, teams, grace, emulator,
                     {"name": "Platform", "escalate_after_days": "4"}) is None
    with sessions() as session:
        assert session.exec(select(PerformancePlan.escalate_after_days)).one() == 4
