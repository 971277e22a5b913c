"""HR switches each of the assistant's features off and on again, in chat, from Slack (`/checkin assistant`) and
from Teams (`assistant`): a feature switched off is no longer offered (no Translate, no "Draft from my records"),
switched on it is back; an employee is refused; a feature the operator left out cannot be switched on by HR."""

from __future__ import annotations

import pytest
from sqlmodel import select

from actions import translation
from actions.assistant import Assistant
from prompts import assistant_blocks
from prompts.render import label
from prompts.review_blocks import OPEN_SELF_REVIEW_ACTION
from storage.models import AssistantSwitch, AuditEvent
from tests import test_translation as translation_tests
from tests.builders import SMALL_ORG
from tests.teams import conftest as teams_fixtures
from tests.test_assistant_fakes import review_period
from tests.test_translation import (
    EMPTY_MESSAGE,
    SURFACES,
    TOM,
    WANG,
    a_model,
    feedback_buttons,
    give_feedback,
    id_of,
    press,
)

pytestmark = pytest.mark.filterwarnings(teams_fixtures.SDK_INTERNAL_WARNING)
# The fixtures of the translation tests: both surfaces on one server, 王芳 and Tom in the org, a model on loopback.
connector = translation_tests.connector
settings = translation_tests.settings
teams = translation_tests.teams
teams_keys = translation_tests.teams_keys
teams_overrides = translation_tests.teams_overrides
teams_people = translation_tests.teams_people
teams_server = translation_tests.teams_server
model = translation_tests.model
slack_client = translation_tests.slack_client
org_with_wang = translation_tests.org_with_wang
on = translation_tests.on
[GRACE] = [row for row in SMALL_ORG if row[0] == "UHR1"]  # HR
[ALAN] = [row for row in SMALL_ORG if row[0] == "UEMP1"]  # an employee


def open_switches(surface: str, slack, teams, connector, user, slack_id: str) -> str:
    """`/checkin assistant` in Slack, `assistant` in Teams: the answer's words and buttons, as text."""
    if surface == "slack":
        response = slack.slash_command(slack_id, "/checkin", "assistant")
        assert response.status == 200
        return response.body
    connector.reset()
    teams.message(user, "assistant")
    [posted] = connector.sent_to(user.personal_conversation_id)
    return str(posted.cards[0])


def switch(surface: str, slack, teams, emulator, connector, user, slack_id: str, value: str) -> dict:
    return press(surface, slack, teams, emulator, connector, user, slack_id, assistant_blocks.SWITCH_ACTION, value,
                 EMPTY_MESSAGE)


@pytest.mark.parametrize("surface", SURFACES)
def test_it_takes_translate_away_when_hr_switches_translation_off_and_gives_it_back_when_switched_on(
    surface, on, deps, model, slack_client, teams, emulator, connector, sessions
):
    deps.assistant = a_model(model)
    grace, wang, tom = on(surface, GRACE), on(surface, WANG), on(surface, TOM)
    shown = open_switches(surface, slack_client, teams, connector, grace, "UHR1")
    assert label("assistant_feature", "en", feature="translation") in shown
    assert label("assistant_feature_sends", "en", feature="translation") in shown

    off = switch(surface, slack_client, teams, emulator, connector, grace, "UHR1", "translation:off")
    assert off["replaces"] and label("assistant_switch_button", "en", on=True) in off["text"]
    give_feedback(surface, slack_client, teams, emulator, wang, id_of(sessions, "UEMP6"))
    found, _message = feedback_buttons(surface, emulator, connector, tom)
    assert assistant_blocks.TRANSLATE_ACTION not in [b["action_id"] for b in found]
    assert not translation.offered(deps.assistant)
    with sessions() as session:
        assert session.get(AssistantSwitch, "translation").on is False
        [event] = session.exec(select(AuditEvent).where(AuditEvent.action == "assistant_switched")).all()
        assert event.detail == {"feature": "translation", "on": False, "was": True}

    switch(surface, slack_client, teams, emulator, connector, grace, "UHR1", "translation:on")
    assert translation.offered(deps.assistant)


@pytest.mark.parametrize("surface", SURFACES)
def test_it_refuses_an_employee_plainly(surface, on, deps, model, slack_client, teams, emulator, connector,
                                        sessions):
    deps.assistant = a_model(model)
    alan = on(surface, ALAN)
    shown = open_switches(surface, slack_client, teams, connector, alan, "UEMP1")
    assert label("assistant_not_allowed", "en") in shown
    pressed = switch(surface, slack_client, teams, emulator, connector, alan, "UEMP1", "translation:off")
    assert label("assistant_not_allowed", "en") in pressed["text"]
    assert translation.offered(deps.assistant)
    with sessions() as session:
        assert session.exec(select(AssistantSwitch)).all() == []


@pytest.mark.parametrize("surface", SURFACES)
def test_hr_cannot_switch_on_a_feature_the_operator_left_out(surface, on, deps, model, slack_client, teams,
                                                            emulator, connector, sessions):
    deps.assistant = Assistant(model=a_model(model).model, features=frozenset({"review_drafts"}))
    grace = on(surface, GRACE)
    shown = open_switches(surface, slack_client, teams, connector, grace, "UHR1")
    assert label("assistant_state", "en", state="operator") in shown
    pressed = switch(surface, slack_client, teams, emulator, connector, grace, "UHR1", "translation:on")
    assert label("assistant_operator_off", "en") in pressed["text"]
    assert not translation.offered(deps.assistant)
    with sessions() as session:
        assert session.exec(select(AssistantSwitch)).all() == []


def test_it_takes_draft_from_my_records_away_when_hr_switches_review_drafts_off(deps, slack, emulator, sessions,
                                                                                clock):
    period = review_period(sessions, clock, emulator)
    deps.assistant = Assistant()

    def draft_offered() -> bool:
        slack.block_action("UEMP2", OPEN_SELF_REVIEW_ACTION, value=str(period.self_review_id))
        view = emulator.calls_to("views.open")[-1].response["view"]
        return any(b.get("block_id") == "assistant" for b in view["blocks"])

    assert draft_offered()
    slack.block_action("UHR1", assistant_blocks.SWITCH_ACTION, value="review_drafts:off", message=EMPTY_MESSAGE)
    assert not draft_offered()
    slack.block_action("UHR1", assistant_blocks.SWITCH_ACTION, value="review_drafts:on", message=EMPTY_MESSAGE)
    assert draft_offered()
