"""The HR digest's export buttons behave the same from Slack and from Teams: one rule (actions/exports.py). Slack
uploads the CSV to HR's DM; Teams takes no file from a bot, so it gives the same export's summary and says where the
file is."""

from __future__ import annotations

import pytest

from bot.emulator import SignedSlackClient
from prompts import digest_blocks
from prompts.adaptive import plain_text
from prompts.goal_blocks import error_text
from prompts.render import label, render
from tests.builders import approved_goal
from tests.conftest import SIGNING_SECRET
from tests.slack_helpers import last_dm_text
from tests.teams.helpers import replies

SURFACES = ("slack", "teams")
EXPORT_GOALS = f"{digest_blocks.EXPORT_ACTION}-goals"


@pytest.fixture
def slack(teams_server, emulator):
    for slack_id, name, email in (("UHR1", "Grace Hopper", "grace@example.com"),
                                  ("UEMP1", "Alan Turing", "alan@example.com")):
        emulator.add_user(slack_id, name=name, email=email, tz="Europe/London", locale="en-GB")
    return SignedSlackClient(f"{teams_server.url}/slack/events", SIGNING_SECRET, emulator=emulator)


@pytest.fixture
def grace(teams, connector, teams_people):
    user = connector.add_user("aad-grace", name="Grace Hopper", email="grace@example.com", locale="en-US")
    teams.install(user)
    return user


@pytest.fixture
def two_goals(sessions, clock, teams_people):
    for owner in ("UEMP1", "UEMP2"):
        approved_goal(sessions, owner, now=clock.now())


def press_export(surface, slack, teams, connector, user, slack_id: str, action: str = EXPORT_GOALS,
                 value: str = "goals") -> list[str]:
    """Press an export button on the digest; return what the person was answered in Teams (nothing for Slack)."""
    if surface == "slack":
        assert slack.block_action(slack_id, action, value).status == 200
        return []
    connector.reset()
    teams.card_submit(user, {"action": action, "value": value})
    return replies(connector, user)


@pytest.mark.parametrize("surface", SURFACES)
def test_hr_gets_the_export_where_she_pressed_it(surface, slack, teams, connector, grace, two_goals, emulator):
    answered = press_export(surface, slack, teams, connector, grace, "UHR1")
    if surface == "slack":
        [upload] = emulator.uploaded_files.values()
        assert upload.filename == "goals.csv" and upload.channel_id == "DUHR1"
        assert upload.content.decode("utf-8-sig").count("\n") == 3  # a header and two goals
        return
    assert emulator.uploaded_files == {}
    summary = plain_text(render("export_elsewhere", "en", kind="goals", rows=2))
    assert answered == [summary.strip()]
    assert label("teams_not_in_teams_yet", "en") not in answered[0]


@pytest.mark.parametrize("surface", SURFACES)
def test_only_hr_may_export_and_a_forged_export_is_not_found(
    surface, slack, teams, connector, teams_people, grace, two_goals, emulator
):
    alan = teams_people.alan
    teams.install(alan)
    refused = press_export(surface, slack, teams, connector, alan, "UEMP1")
    forged = press_export(surface, slack, teams, connector, grace, "UHR1", action=f"{digest_blocks.EXPORT_ACTION}-x",
                          value="salaries")
    if surface == "slack":
        said = (last_dm_text(emulator, "UEMP1"), last_dm_text(emulator, "UHR1"))
        assert said == (error_text("export_not_allowed", "en"), error_text("not_found", "en"))
    else:
        assert (refused, forged) == ([error_text("export_not_allowed", "en")], [error_text("not_found", "en")])
    assert emulator.uploaded_files == {}
