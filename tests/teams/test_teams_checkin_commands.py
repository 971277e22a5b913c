"""`checkin history|away|back|help|welcome|here` and `goal list @person` in Teams: Slack's rules and words."""

from __future__ import annotations

from datetime import date

import pytest

from bot.deps import job_config
from handlers.checkins import welcome_reply
from prompts import adaptive, checkin_cards
from prompts.goal_blocks import error_text
from prompts.render import label, render
from storage import surfaces
from tests.builders import approved_goal, person
from tests.teams.helpers import only_reply

HISTORY_ENTRY = {"week": "2026-W48", "late": False, "confidence": 4, "highlights": "Shipped <beta> & docs",
                 "blockers": None, "help_needed": None, "goals": []}


def words(template: str, locale: str, **context) -> str:
    """What a template reads as in a Teams card: Teams markdown, one line per TextBlock."""
    return adaptive.teams_markdown(render(template, locale, **context)).replace("\n\n", "\n")


def check_in(teams, user, **values) -> None:
    response = teams.task_submit(user, {"action": checkin_cards.SUBMIT_CHECKIN, "week": "2026-W48", **values})
    assert response.json()["task"]["type"] == "message", response.json()


@pytest.fixture
def ada(connector):
    return connector.add_user("aad-ada", name="Ada Lovelace", email="ada@example.com", locale="en-GB")


@pytest.mark.parametrize(("who", "locale"), [("alan", "en"), ("li_lei", "zh-CN")])
def test_history_with_no_checkins_yet_says_so_in_the_persons_language(teams, teams_people, connector, who, locale):
    user = getattr(teams_people, who)
    teams.message(user, "checkin history")
    name = "Alan Turing" if who == "alan" else "李雷"
    assert only_reply(connector, user) == words("checkin_history", locale, entries=[], own=True, name=name)


def test_history_lists_your_checkins_as_slack_words_them(teams, teams_people, connector):
    teams.message(teams_people.alan, "help")
    check_in(teams, teams_people.alan, confidence="4", highlights="Shipped <beta> & docs")
    connector.reset()
    teams.message(teams_people.alan, "checkin history")
    reply = only_reply(connector, teams_people.alan)
    assert reply == words("checkin_history", "en", entries=[HISTORY_ENTRY], own=True, name="Alan Turing")
    assert "✨ Shipped <beta> & docs" in reply


def test_history_of_a_report_for_their_manager_but_not_for_a_colleague(teams, teams_people, ada, connector):
    teams.message(teams_people.alan, "help")  # linked: his Teams id now names him
    check_in(teams, teams_people.alan, confidence="4", highlights="Shipped <beta> & docs")
    alan = teams.mention(teams_people.alan, with_aad_object_id=True)
    connector.reset()
    teams.message(ada, f"checkin history {alan}", mentions=[alan])
    assert only_reply(connector, ada) == words("checkin_history", "en", entries=[HISTORY_ENTRY], own=False,
                                               name="Alan Turing")
    teams.message(teams_people.katherine, f"checkin history {alan}", mentions=[alan])
    assert only_reply(connector, teams_people.katherine) == words("checkin_history_not_allowed", "zh-CN")


def test_history_naming_no_one_is_refused_as_slack_refuses_it(teams, teams_people, connector):
    teams.message(teams_people.alan, "checkin history Ada")
    assert only_reply(connector, teams_people.alan) == words("checkin_history_not_allowed", "en")


@pytest.mark.parametrize(("who", "locale", "shown"),
                         [("alan", "en", "Dec 1, 2026"), ("li_lei", "zh-CN", "2026年12月1日")])
def test_away_and_back_are_confirmed_in_the_persons_language(teams, teams_people, connector, sessions, who, locale,
                                                             shown):
    user = getattr(teams_people, who)
    slack_id = "UEMP1" if who == "alan" else "UEMP2"
    teams.message(user, "checkin away until 2026-12-01")
    assert only_reply(connector, user) == words("checkin_away", locale, until=shown)
    with sessions() as session:
        assert person(session, slack_id).away_until == date(2026, 12, 1)
    connector.reset()
    teams.message(user, "checkin back")
    assert only_reply(connector, user) == words("checkin_away", locale, until="")
    with sessions() as session:
        assert person(session, slack_id).away_until is None


@pytest.mark.parametrize(("text", "code"), [("checkin away until next week", "away_date_invalid"),
                                            ("checkin away until 2020-01-01", "away_date_past"),
                                            ("checkin away until", "away_date_invalid")])
def test_a_bad_away_date_is_refused_with_slacks_words(teams, teams_people, connector, sessions, text, code):
    teams.message(teams_people.alan, text)
    assert only_reply(connector, teams_people.alan) == adaptive.teams_markdown(error_text(code, "en"))
    with sessions() as session:
        assert person(session, "UEMP1").away_until is None


@pytest.mark.parametrize(("who", "locale"), [("alan", "en"), ("li_lei", "zh-CN")])
def test_checkin_help_is_slacks_help(teams, teams_people, connector, who, locale):
    user = getattr(teams_people, who)
    teams.message(user, "checkin help")
    reply = only_reply(connector, user)
    assert reply == words("checkin_help", locale)
    assert "/checkin" not in reply and "checkin history" in reply


@pytest.mark.parametrize(("who", "locale"), [("alan", "en"), ("li_lei", "zh-CN")])
def test_checkin_welcome_is_slacks_getting_started_guide(teams, teams_people, connector, deps, who, locale):
    user = getattr(teams_people, who)
    teams.message(user, "checkin welcome")
    with deps.sessions() as session:
        subject = person(session, "UEMP1" if who == "alan" else "UEMP2")
    expected = welcome_reply({"deps": deps}, subject, locale=locale)["text"]
    assert only_reply(connector, user) == adaptive.teams_markdown(expected).replace("\n\n", "\n")
    config = job_config(deps.settings)
    assert f"{config.reminder_slot.at:%H:%M}" in only_reply(connector, user)


def test_checkin_here_sends_scheduled_messages_to_teams(teams, teams_people, connector, sessions):
    teams.message(teams_people.alan, "checkin here")
    assert only_reply(connector, teams_people.alan) == label("surface_preferred", "en", surface="Microsoft Teams")
    with sessions() as session:
        assert surfaces.route(session, person(session, "UEMP1")).surface == surfaces.TEAMS


def test_an_unknown_checkin_subcommand_shows_checkin_help(teams, teams_people, connector):
    teams.message(teams_people.alan, "checkin dance")
    reply = only_reply(connector, teams_people.alan)
    assert adaptive.plain_text(render("unknown_subcommand", "en", command="checkin", text="dance")) in reply
    assert "checkin history" in reply and "goal list" not in reply


# ---- goal list @person -------------------------------------------------------------------------


def test_goal_list_of_a_colleague_is_refused_with_slacks_words(teams, teams_people, connector, sessions, clock):
    approved_goal(sessions, "UEMP3", now=clock.now(), title="Katherine's secret goal")
    teams.message(teams_people.katherine, "help")  # linked by e-mail
    katherine = teams.mention(teams_people.katherine, with_aad_object_id=True)
    connector.reset()
    teams.message(teams_people.alan, f"goal list {katherine}", mentions=[katherine])
    reply = only_reply(connector, teams_people.alan)
    assert reply == words("goal_list_not_allowed", "en")
    assert "secret" not in reply


def test_goal_list_of_a_report_for_their_manager(teams, teams_people, ada, connector, sessions, clock):
    approved_goal(sessions, "UEMP1", now=clock.now(), title="Onboard 10 pilots")
    teams.message(teams_people.alan, "help")
    alan = teams.mention(teams_people.alan, with_aad_object_id=True)
    connector.reset()
    teams.message(ada, f"goal list {alan}", mentions=[alan])
    reply = only_reply(connector, ada)
    assert adaptive.teams_markdown(render("goal_list_header", "en", own=False, name="Alan Turing", count=1,
                                          shown=1)) in reply
    assert "Onboard 10 pilots" in reply


def test_goal_list_of_a_stranger_or_two_people_is_refused(teams, teams_people, ada, connector):
    teams.message(teams_people.alan, "help")
    stranger = teams.mention(teams_people.stranger, with_aad_object_id=True)
    teams.message(ada, f"goal list {stranger}", mentions=[stranger])
    assert only_reply(connector, ada) == words("goal_list_not_allowed", "en")
    connector.reset()
    alan = teams.mention(teams_people.alan, with_aad_object_id=True)
    teams.message(ada, f"goal list {alan} {stranger}", mentions=[alan, stranger])
    assert only_reply(connector, ada) == words("goal_list_who", "en")


def test_a_mention_in_a_channel_is_resolved_by_the_members_e_mail(teams, teams_people, ada, connector, clock,
                                                                  sessions):
    approved_goal(sessions, "UEMP1", now=clock.now(), title="Onboard 10 pilots")
    channel = "19:platform@thread.tacv2"
    connector.add_channel(channel, [ada, teams_people.alan])
    bot = {"type": "mention", "text": "<at>checkin-bot</at>", "mentioned": teams.bot_account}
    alan = teams.mention(teams_people.alan)  # as Teams sends it: an id and a name, no object id
    activity = teams.activity(ada, "message", text=f"<at>checkin-bot</at> goal list {alan}")
    activity["conversation"] = {"conversationType": "channel", "id": channel, "tenantId": connector.tenant_id}
    activity["entities"] += [bot, alan.entity]
    assert teams.send(activity).status == 200
    assert "Onboard 10 pilots" in connector.sent_to(channel)[0].text
    with sessions() as session:
        assert person(session, "UEMP1").teams_id is None  # only people writing to the bot are linked
