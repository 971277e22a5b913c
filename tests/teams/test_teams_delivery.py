"""Scheduled messages reach Teams people proactively, once, whichever surface carries them."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

from sqlmodel import select

from bot.cli import main
from bot.slack_client import make_web_client
from scheduler import JobContext
from scheduler.registry import find_job
from storage import surfaces
from storage.models import Delivery, Person
from tests.builders import load_org, person
from tests.conftest import BOT_TOKEN

FRIDAY_3PM_SHANGHAI = datetime(2026, 11, 27, 7, 0, tzinfo=UTC)
MONDAY_9AM_LONDON = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


def run(name: str, at: datetime, *, sessions, emulator, teams_server, waits, forced: bool = False):
    client = make_web_client(token=BOT_TOKEN, base_url=emulator.api_url, sleep=waits.append)
    return find_job(name).run(JobContext(sessions=sessions, client=client, now=at, forced=forced,
                                         teams=teams_server.api.state.teams_sender))


REMINDER = "该填写本周进展了"


def slack_messages_to(emulator, slack_id: str) -> list[dict]:
    """What the bot posted to the person on Slack (these people are not in the Slack emulator's directory)."""
    return [m for m in emulator.messages if m["channel"] in (slack_id, f"D{slack_id}")]


def cards_to(connector, user) -> list[str]:
    return [posted.text for posted in connector.sent_to(user.personal_conversation_id)]


def test_the_reminder_reaches_a_teams_user_where_they_were_last_active_once(
        teams, teams_server, teams_people, connector, emulator, sessions, waits):
    teams.install(teams_people.li_lei)  # 李雷 uses Teams now: the bot may post to him there
    teams.message(teams_people.li_lei, "help")
    connector.reset()

    for _ in range(2):
        run("checkin-reminders", FRIDAY_3PM_SHANGHAI, sessions=sessions, emulator=emulator,
            teams_server=teams_server, waits=waits)

    reminders = [text for text in cards_to(connector, teams_people.li_lei) if REMINDER in text]
    assert len(reminders) == 1
    assert slack_messages_to(emulator, "UEMP2") == []  # not on Slack as well


def test_a_manager_on_both_surfaces_gets_one_nudge_and_can_choose_slack_again(
        teams, teams_server, teams_people, connector, emulator, sessions, waits, slack):
    ada = connector.add_user("aad-ada", name="Ada Lovelace", email="ada@example.com", locale="en-GB")
    teams.install(ada)
    teams.message(ada, "help")
    connector.reset()

    for _ in range(2):
        run("manager-nudges", MONDAY_9AM_LONDON, sessions=sessions, emulator=emulator, teams_server=teams_server,
            waits=waits)
    assert len([t for t in cards_to(connector, ada) if "1:1 agenda" in t]) == 1
    assert slack_messages_to(emulator, "UMGR1") == []

    reply = slack.slash_command("UMGR1", "/checkin", "here").json()
    assert reply["text"] == "From now on your reminders, agendas and review requests come here, to Slack."
    run("manager-nudges", MONDAY_9AM_LONDON + timedelta(days=7), sessions=sessions, emulator=emulator,
        teams_server=teams_server, waits=waits)
    [nudge] = slack_messages_to(emulator, "UMGR1")
    assert "1:1 agenda for the week of Nov 30" in nudge["text"]
    assert len([t for t in cards_to(connector, ada) if "1:1 agenda" in t]) == 1


def test_a_busy_bot_connector_delays_the_message_and_loses_nothing(
        teams, teams_server, teams_people, connector, emulator, sessions, waits):
    teams.install(teams_people.li_lei)
    teams.message(teams_people.li_lei, "help")
    connector.reset()
    connector.fail_next(status=503)

    report = run("checkin-reminders", FRIDAY_3PM_SHANGHAI, sessions=sessions, emulator=emulator,
                 teams_server=teams_server, waits=waits)
    assert report.failed == 1 and not [t for t in cards_to(connector, teams_people.li_lei) if REMINDER in t]
    with sessions() as session:
        [delivery] = session.exec(select(Delivery)).all()
        assert (delivery.status, delivery.last_error) == ("retry", "teams: http 503")

    later = FRIDAY_3PM_SHANGHAI + timedelta(minutes=2)
    run("checkin-reminders", later, sessions=sessions, emulator=emulator, teams_server=teams_server, waits=waits)
    run("checkin-reminders", later, sessions=sessions, emulator=emulator, teams_server=teams_server, waits=waits)
    assert len([t for t in cards_to(connector, teams_people.li_lei) if REMINDER in t]) == 1


def test_someone_only_on_teams_without_the_app_is_listed_never_skipped_silently(
        teams, teams_server, teams_people, connector, emulator, sessions, waits, deps, monkeypatch, tmp_path):
    with sessions() as session:
        li = person(session, "UEMP2")
        li.slack_id = None  # Teams only, and the app not installed for them yet
        session.add(li)

    report = run("checkin-reminders", FRIDAY_3PM_SHANGHAI, sessions=sessions, emulator=emulator,
                 teams_server=teams_server, waits=waits, forced=True)
    assert report.unreachable == 1 and "waiting for Teams 1" in report.summary()
    with sessions() as session:
        claimed = session.exec(select(Delivery).join(Person, Person.id == Delivery.person_id)
                               .where(Person.name == "李雷")).all()
        assert claimed == []  # nothing claimed for him: it goes once he can be reached

    out, err = io.StringIO(), io.StringIO()
    environ = {"DATABASE_URL": deps.settings.database_url, "SLACK_API_URL": emulator.api_url,
               "SLACK_BOT_TOKEN": BOT_TOKEN}
    monkeypatch.chdir(tmp_path)
    assert main(["jobs", "list"], environ=environ, stdout=out, stderr=err, clock=deps.clock) == 0, err.getvalue()
    assert "not reachable in Teams yet (the app is not installed for them): 1: 李雷" in out.getvalue()

    teams.install(teams_people.li_lei)
    run("checkin-reminders", FRIDAY_3PM_SHANGHAI + timedelta(minutes=1), sessions=sessions, emulator=emulator,
        teams_server=teams_server, waits=waits, forced=True)
    assert len([t for t in cards_to(connector, teams_people.li_lei) if REMINDER in t]) == 1


def test_the_choice_of_surface_follows_the_person(sessions, clock):
    load_org(sessions, now=clock.now())
    with sessions() as session:
        alan = person(session, "UEMP1")
        assert surfaces.route(session, alan).surface == surfaces.SLACK
        alan.teams_id = "aad-alan"
        surfaces.note_activity(session, alan, surfaces.TEAMS)
        assert surfaces.route(session, alan).surface == surfaces.SLACK  # Teams cannot post to him yet
        surfaces.prefer(session, alan, surfaces.TEAMS, now=clock.now())
        alan.slack_id = None
        assert surfaces.route(session, alan) == surfaces.Route(surfaces.TEAMS, None)
        assert not surfaces.route(session, alan).reachable
