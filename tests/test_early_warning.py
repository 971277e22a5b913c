"""Early warnings end to end, from Slack and from Teams: a goal behind pace is flagged in the manager's Monday agenda
with its reason and an "Adjust this goal" button that opens the goal's adjustment (the reason kept in its history);
the employee is asked in their next check-in whether the target still holds, and "it should change" tells the
manager, once; falling confidence and a blocker open for weeks are flagged too."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from sqlmodel import col, select

from bot.emulator import SignedSlackClient
from bot.slack_client import make_web_client
from prompts import adaptive, checkin_blocks, coaching_blocks, goal_blocks, warning_blocks
from prompts.goal_blocks import error_text
from prompts.render import label, render
from scheduler import JobConfig, JobContext, nudges
from storage import attention, checkins
from storage.models import AuditEvent, Goal, GoalChange
from storage.warnings import Flag, Reason
from tests.builders import approved_goal, person
from tests.conftest import BOT_TOKEN, SIGNING_SECRET
from tests.slack_helpers import dms_to, opened_view, visible_text
from tests.teams import conftest as teams_fixtures
from tests.teams.helpers import buttons, dialog_card, inputs

pytestmark = pytest.mark.filterwarnings(teams_fixtures.SDK_INTERNAL_WARNING)
# Teams' fixtures (tests/teams/conftest.py), for the tests run from both surfaces.
connector = teams_fixtures.connector
settings = teams_fixtures.settings
teams = teams_fixtures.teams
teams_keys = teams_fixtures.teams_keys
teams_overrides = teams_fixtures.teams_overrides
teams_people = teams_fixtures.teams_people
teams_server = teams_fixtures.teams_server

SURFACES = ("slack", "teams")
CREATED = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)  # the goal, due 70 days later
FILED = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)  # Alan's check-in for 2026-W48: 4 of 10
MONDAY_9AM_LONDON = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)  # 60 of 70 days gone: 86%
THURSDAY = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)  # 63 of 70 days: 90%
TITLE = "Onboard 10 pilots"
REASON = "Two pilots moved their start to January"
EMPTY_MESSAGE = {"channel": "DUMGR1", "blocks": [], "text": ""}


@pytest.fixture
def slack_client(teams_server, emulator) -> SignedSlackClient:
    """Slack, talking to the same server as Teams."""
    return SignedSlackClient(f"{teams_server.url}/slack/events", SIGNING_SECRET, emulator=emulator)


@pytest.fixture
def goal(teams_people, sessions, clock) -> Goal:
    """Alan's goal, approved on 1 October, due 10 December: 4 of 10 done in his check-in of 26 November."""
    pilots = approved_goal(sessions, "UEMP1", now=CREATED, title=TITLE, target="10", due="2026-12-10")
    with sessions() as session:
        checkins.record(session, person(session, "UEMP1"), checkins.CheckinInput(
            week=None, confidence="3", goals=(checkins.GoalUpdateInput(goal_id=str(pilots.id), value="4"),)),
            now=FILED, default_zone="UTC")
    clock.set(MONDAY_9AM_LONDON)
    return pilots


@pytest.fixture
def ada(teams, connector):
    return connector.add_user("aad-ada", name="Ada Lovelace", email="ada@example.com", locale="en-GB")


@pytest.fixture
def on(teams, teams_people, ada, emulator):
    """Someone acting from one surface: in the Slack workspace, or with the Teams app installed."""

    def where(surface: str, slack_id: str):
        user = {"UMGR1": ada, "UEMP1": teams_people.alan, "UEMP2": teams_people.li_lei}[slack_id]
        if surface == "slack":
            emulator.add_user(slack_id, name=user.name, email=user.email, tz="Europe/London", locale=user.locale)
        else:
            teams.install(user)
            teams.message(user, "help")  # linked to the org's record
        return user

    return where


def run_nudges(sessions, emulator, waits, teams_server) -> None:
    client = make_web_client(token=BOT_TOKEN, base_url=emulator.api_url, sleep=waits.append)
    nudges.run(JobContext(sessions=sessions, client=client, now=MONDAY_9AM_LONDON, config=JobConfig(),
                          teams=teams_server.api.state.teams_sender))


def pace_warning(done: int, elapsed: int, *, title: str = TITLE) -> str:
    return render("early_warning", "en", title=title, reasons=[{"kind": "pace", "done": done, "elapsed": elapsed}])


def agenda_in_slack(emulator) -> dict:
    [agenda] = [m for m in dms_to(emulator, "UMGR1") if "1:1 agenda" in m.get("text", "")]
    return agenda


def agenda_in_teams(connector, ada) -> dict:
    [sent] = [p for p in connector.sent_to(ada.personal_conversation_id) if "1:1 agenda" in p.text]
    return sent.cards[0]


def history(sessions, goal_id: int) -> list[tuple[str, str, str, str | None, int]]:
    with sessions() as session:
        return [(c.field_name, c.old_value, c.new_value, c.reason, c.actor_id) for c in session.exec(
            select(GoalChange).where(GoalChange.goal_id == goal_id,
                                     col(GoalChange.field_name).not_in(("created", "approval", "current_value")))
            .order_by(GoalChange.id))]


@pytest.mark.parametrize("surface", SURFACES)
def test_a_goal_behind_pace_is_flagged_in_the_agenda_and_adjusted_from_it_with_its_reason_in_its_history(
    surface, on, goal, teams, connector, emulator, slack_client, sessions, waits, teams_server
):
    ada = on(surface, "UMGR1")
    connector.reset()
    run_nudges(sessions, emulator, waits, teams_server)
    adjusted = {"title": TITLE, "start": "0", "target": "6", "due_date": "2026-12-10", "reason": REASON}
    if surface == "slack":
        agenda = agenda_in_slack(emulator)
        [warning] = [b for b in agenda["blocks"] if b.get("block_id") == f"warning-{goal.id}"]
        assert warning["text"]["text"] == pace_warning(40, 86)
        assert "40% done, 86% of the time gone" in visible_text(agenda) and "40% done" in agenda["text"]
        assert warning["accessory"]["action_id"] == coaching_blocks.ADJUST_GOAL_ACTION
        assert warning["accessory"]["text"]["text"] == label("warning_adjust", "en")
        slack_client.block_action("UMGR1", coaching_blocks.ADJUST_GOAL_ACTION, value=warning["accessory"]["value"],
                                  message=agenda)
        view = opened_view(emulator)
        assert view["callback_id"] == goal_blocks.ADJUST_VIEW and view["private_metadata"] == str(goal.id)
        no_reason = slack_client.view_submission("UMGR1", view, {**adjusted, "reason": ""})
        assert no_reason.json()["errors"] == {"reason": error_text("reason_missing", "en")}
        assert slack_client.view_submission("UMGR1", view, adjusted).status == 200
    else:
        card = agenda_in_teams(connector, ada)
        assert "40% done, 86% of the time gone" in str(card)
        [button] = [b for b in buttons(card) if b["data"]["action"] == coaching_blocks.ADJUST_GOAL_ACTION]
        assert button["title"] == label("warning_adjust", "en")
        assert button["data"]["msteams"] == {"type": "task/fetch"} and button["data"]["value"] == str(goal.id)
        dialog = dialog_card(teams.task_fetch(ada, button["data"]))
        fields = {key: element.get("value", "") for key, element in inputs(dialog).items()}
        assert fields["target"] == "10" and fields["title"] == TITLE
        data = dialog["actions"][0]["data"]
        no_reason = dialog_card(teams.task_submit(ada, {**data, **fields, **adjusted, "reason": ""}))
        assert f"⚠️ {error_text('reason_missing', 'en')}" in str(no_reason)
        done = teams.task_submit(ada, {**data, **fields, **adjusted}).json()
        assert done["task"]["type"] == "message"
        assert done["task"]["value"] == adaptive.plain_text(label("goal_adjusted", "en", title=TITLE))
    with sessions() as session:
        ada_id = person(session, "UMGR1").id
        assert session.get(Goal, goal.id).target_value == 6
    assert history(sessions, goal.id) == [("target_value", "10", "6", REASON, ada_id)]


@pytest.mark.parametrize("surface", SURFACES)
def test_only_someone_who_may_adjust_the_goal_can_open_its_adjustment(surface, on, goal, teams, teams_people,
                                                                       slack_client, emulator):
    li = on(surface, "UEMP2")  # a colleague: Alan's goal is not his to see
    if surface == "slack":
        slack_client.block_action("UEMP2", coaching_blocks.ADJUST_GOAL_ACTION, value=str(goal.id),
                                  message={**EMPTY_MESSAGE, "channel": "DUEMP2"})
        refusal = emulator.calls_to("response_url")[-1].params["text"]
    else:
        opened = teams.task_fetch(li, adaptive.button_data(coaching_blocks.ADJUST_GOAL_ACTION, str(goal.id)))
        refusal = opened.json()["task"]["value"]["card"]["content"]["body"][0]["text"]
    assert refusal == error_text("not_found", "zh-CN")
    assert emulator.calls_to("views.open") == []


def open_checkin(surface: str, slack, teams, emulator, alan) -> dict[str, dict]:
    """Alan opens his check-in; its inputs by field, each with its label, hint or choices."""
    if surface == "slack":
        assert slack.slash_command("UEMP1", "/checkin").status == 200
        view = opened_view(emulator)
        return {b["block_id"]: {"label": b["label"]["text"], "hint": (b.get("hint") or {}).get("text"),
                                "choices": [o["value"] for o in b["element"].get("options", [])], "view": view}
                for b in view["blocks"] if b["type"] == "input"}
    dialog = dialog_card(teams.task_fetch(alan, adaptive.button_data(checkin_blocks.OPEN_CHECKIN_ACTION)))
    texts = [str(element.get("text", "")) for element in dialog["body"]]
    return {key: {"label": element.get("label"), "hint": next((t for t in texts if "% done" in t), None),
                  "choices": [c["value"] for c in element.get("choices", [])], "dialog": dialog}
            for key, element in inputs(dialog).items()}


def submit_checkin(surface: str, slack, teams, alan, fields: dict[str, dict], values: dict) -> None:
    if surface == "slack":
        view = next(iter(fields.values()))["view"]
        assert slack.view_submission("UEMP1", view, values).status == 200
        return
    dialog = next(iter(fields.values()))["dialog"]
    given = {key: element.get("value", "") for key, element in inputs(dialog).items()}
    answer = teams.task_submit(alan, {**dialog["actions"][0]["data"], **given, **values}).json()
    assert answer["task"]["type"] == "message", answer


def told_manager(surface: str, emulator, connector, ada) -> list[str]:
    """What Ada was told about targets that should change."""
    if surface == "slack":
        return [visible_text(m) for m in dms_to(emulator, "UMGR1") if "should change" in m.get("text", "")]
    return [p.text for p in connector.sent_to(ada.personal_conversation_id) if "should change" in p.text]


@pytest.mark.parametrize("surface", SURFACES)
def test_the_employee_is_asked_whether_the_target_holds_and_it_should_change_tells_the_manager_once(
    surface, on, goal, teams, connector, emulator, slack_client, sessions, clock
):
    ada, alan = on(surface, "UMGR1"), on(surface, "UEMP1")
    clock.set(THURSDAY)
    fields = open_checkin(surface, slack_client, teams, emulator, alan)
    holds, why = f"target_holds:{goal.id}", f"target_why:{goal.id}"
    assert fields[holds]["label"] == label("target_holds", "en", title=TITLE)
    assert fields[holds]["hint"] == "40% done, 90% of the time gone"
    assert fields[holds]["choices"] == [warning_blocks.HOLDS, warning_blocks.CHANGE]
    assert fields[why]["label"] == label("target_holds_why", "en")
    connector.reset()
    values = {"confidence": "3", f"goal:{goal.id}:value": "4", holds: "change", why: REASON}
    submit_checkin(surface, slack_client, teams, alan, fields, values)

    [told] = told_manager(surface, emulator, connector, ada)
    assert "Alan Turing" in told and f"the target of {TITLE}" in told.replace("*", "") and REASON in told
    assert "40% done, 90% of the time gone" in told
    if surface == "slack":
        [message] = [m for m in dms_to(emulator, "UMGR1") if "should change" in m["text"]]
        adjust = message["blocks"][-1]["elements"][0]
        assert (adjust["action_id"], adjust["value"]) == (coaching_blocks.ADJUST_GOAL_ACTION, str(goal.id))
    else:
        [sent] = [p for p in connector.sent_to(ada.personal_conversation_id) if "should change" in p.text]
        [adjust] = [b for b in buttons(sent.cards[0]) if b["data"]["action"] == coaching_blocks.ADJUST_GOAL_ACTION]
        assert adjust["data"]["msteams"] == {"type": "task/fetch"} and adjust["data"]["value"] == str(goal.id)

    fields = open_checkin(surface, slack_client, teams, emulator, alan)  # edited the same week: not told again
    submit_checkin(surface, slack_client, teams, alan, fields, values)
    assert len(told_manager(surface, emulator, connector, ada)) == 1
    with sessions() as session:
        answers = session.exec(select(AuditEvent.detail).where(AuditEvent.action == "goal.target_answered")).all()
    assert answers == [{"week": "2026-W49", "holds": False}] * 2


def test_a_target_that_still_holds_tells_no_one_and_a_goal_on_pace_is_not_asked_about(
    on, goal, teams, connector, emulator, slack_client, sessions, clock
):
    on("slack", "UMGR1")
    on("slack", "UEMP1")
    clock.set(THURSDAY)
    fields = open_checkin("slack", slack_client, teams, emulator, None)
    submit_checkin("slack", slack_client, teams, None, fields, {
        "confidence": "4", f"goal:{goal.id}:value": "10", f"target_holds:{goal.id}": "yes"})
    assert told_manager("slack", emulator, connector, None) == []
    fields = open_checkin("slack", slack_client, teams, emulator, None)  # 10 of 10: nothing to ask any more
    assert f"target_holds:{goal.id}" not in fields


def test_falling_confidence_and_a_blocker_open_for_weeks_are_flagged_in_the_agenda(
    on, teams_people, sessions, clock, emulator, waits, teams_server
):
    on("slack", "UMGR1")
    hire = approved_goal(sessions, "UEMP2", now=CREATED, title="Hire two SREs", target="2", due="2027-03-31")
    with sessions() as session:
        li, ada = person(session, "UEMP2"), person(session, "UMGR1")
        for at, confidence, blockers in ((datetime(2026, 11, 5, 10, tzinfo=UTC), "4", "Headcount frozen"),
                                         (datetime(2026, 11, 12, 10, tzinfo=UTC), "3", None),
                                         (datetime(2026, 11, 19, 10, tzinfo=UTC), "2", None)):
            filed = checkins.record(session, li, checkins.CheckinInput(
                week=None, confidence=confidence, blockers=blockers,
                goals=(checkins.GoalUpdateInput(goal_id=str(hire.id), value="1"),)), now=at, default_zone="UTC")
            if blockers:
                attention.open_for(session, checkin=filed.checkin, manager=ada, now=at)
    clock.set(MONDAY_9AM_LONDON)
    run_nudges(sessions, emulator, waits, teams_server)

    [warning] = [b for b in agenda_in_slack(emulator)["blocks"] if b.get("block_id") == f"warning-{hire.id}"]
    assert warning["text"]["text"] == (
        "⚠️ *Hire two SREs*: confidence fell 4 → 3 → 2; a blocker from the week of Nov 2 open 24 days")


def test_an_agenda_with_many_warnings_stays_within_a_messages_50_blocks_and_says_who_is_left_out():
    def report(n: int) -> SimpleNamespace:
        flags = [Flag(Goal(id=n * 10 + k, title=f"Goal {n}.{k}"), (Reason("pace", done=10, elapsed=80),))
                 for k in range(4)]
        return SimpleNamespace(person=SimpleNamespace(id=n, name=f"Report {n}"), checkin=None, goals=[],
                               talking_points=[], days_since_one_on_one=None, one_on_one_overdue=True,
                               open_actions=[], warnings=flags)

    agenda = SimpleNamespace(manager=SimpleNamespace(name="Ada"), week="2026-W48", reports=[report(n) for n in
                                                                                            range(15)])
    message = coaching_blocks.nudge(agenda, locale="en")
    assert len(message["blocks"]) <= coaching_blocks.MESSAGE_BLOCKS
    shown = [b for b in message["blocks"] if b.get("block_id", "").startswith("report-")]
    warned = [b for b in message["blocks"] if b.get("block_id", "").startswith("warning-")]
    assert len(shown) == 8 and len(warned) == 8 * coaching_blocks.WARNINGS_PER_REPORT  # six blocks a report
    assert render("nudge_header", "en", week="2026-W48", name="Ada", checked_in=0, total=15, hidden=True,
                  shown=8) in message["text"]
