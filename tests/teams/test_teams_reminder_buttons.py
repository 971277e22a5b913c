"""The buttons of a check-in reminder sent to Teams: check in now opens the dialog; snooze is stored as on Slack."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlmodel import select

from actions.checkins import snooze_until
from prompts import adaptive, checkin_blocks
from prompts.digest_blocks import EXPORT_ACTION
from prompts.goal_blocks import error_text
from prompts.render import label, render
from scheduler import reminders
from storage import people, teams_links
from storage.checkins import REMINDERS_JOB as REMINDER_JOB
from storage.models import Delivery
from tests.builders import approved_goal, person
from tests.teams.helpers import buttons, dialog_card, inputs, only_reply


def send_reminder(teams_server, sessions, slack_id: str, *, week: str = "2026-W48", follow_up: bool = False,
                  locale: str = "zh-CN") -> tuple[str, dict]:
    """Send the reminder the scheduler sends, converted for Teams, from another thread as a job does."""
    with sessions() as session:
        someone = person(session, slack_id)
        conversation = teams_links.conversation_of(session, someone.id)
    card = adaptive.card_from_block_kit(checkin_blocks.reminder(name=someone.name, week=week, follow_up=follow_up,
                                                                locale=locale))
    sent: list[str] = []
    job = threading.Thread(target=lambda: sent.append(teams_server.api.state.teams_sender.send(conversation, card)))
    job.start()
    job.join(timeout=30)
    return sent[0], card


def button(card: dict, action_id: str) -> dict:
    return next(b for b in buttons(card) if b["data"]["action"] == action_id)


def deliveries_of(sessions) -> list[Delivery]:
    with sessions() as session:
        return list(session.exec(select(Delivery)))


@pytest.fixture
def li_lei(teams, teams_people, connector):
    teams.install(teams_people.li_lei)
    connector.reset()
    return teams_people.li_lei


def test_the_job_name_is_the_schedulers():
    assert REMINDER_JOB == reminders.JOB


def test_check_in_now_opens_the_dialog_for_the_reminders_week(teams, li_lei, teams_server, sessions, clock):
    approved_goal(sessions, "UEMP2", now=clock.now(), title="完成 5 个试点", target="5")
    _, card = send_reminder(teams_server, sessions, "UEMP2")
    now = button(card, checkin_blocks.OPEN_CHECKIN_ACTION)
    assert now["title"] == label("check_in_now", "zh-CN")
    response = teams.task_fetch(li_lei, now["data"])
    assert response.json()["task"]["value"]["title"] == label("checkin_modal_title", "zh-CN")
    fields = inputs(dialog_card(response))
    assert fields["week"]["value"] == "2026-W48"
    assert any(field.get("label", "").startswith("完成 5 个试点 (") for field in fields.values())


def test_last_weeks_follow_up_opens_last_week_first(teams, li_lei, teams_server, sessions, clock):
    clock.advance(timedelta(days=7))  # Monday of 2026-W49
    _, card = send_reminder(teams_server, sessions, "UEMP2", week="2026-W48", follow_up=True)
    response = teams.task_fetch(li_lei, button(card, checkin_blocks.OPEN_CHECKIN_ACTION)["data"])
    week = inputs(dialog_card(response))["week"]
    assert (week["value"], [c["value"] for c in week["choices"]]) == ("2026-W48", ["2026-W48", "2026-W49"])


@pytest.mark.parametrize("choice", checkin_blocks.SNOOZE_CHOICES)
def test_snooze_schedules_the_reminder_again_as_slack_does_and_replaces_the_card(
    teams, li_lei, teams_server, connector, sessions, clock, choice
):
    activity_id, card = send_reminder(teams_server, sessions, "UEMP2")
    connector.reset()
    pressed = button(card, f"{checkin_blocks.SNOOZE_ACTION}-{choice}")
    assert pressed["title"] == label(f"snooze_{choice}", "zh-CN")
    assert teams.card_submit(li_lei, pressed["data"], reply_to=activity_id).status == 200

    with sessions() as session:
        zone = people.zone_of(person(session, "UEMP2"), default="UTC")
    at = snooze_until(clock.now(), choice, zone)
    [delivery] = deliveries_of(sessions)
    assert (delivery.job, delivery.period, delivery.status, delivery.next_attempt_at) == (
        "checkin-reminders", "2026-W48:snooze", "scheduled", at)
    [update] = connector.posted
    assert (update.operation, update.activity_id) == ("update", activity_id)  # the reminder now says it is snoozed
    local = at.astimezone(zone)
    when = f"{label('date', 'zh-CN', d=local.date())} {local:%H:%M}"
    assert update.text == render("checkin_snoozed", "zh-CN", at=when)


def shanghai(sessions):
    with sessions() as session:
        return people.zone_of(person(session, "UEMP2"), default="UTC")


def test_snoozing_twice_moves_the_one_reminder(teams, li_lei, teams_server, sessions, clock):
    _, card = send_reminder(teams_server, sessions, "UEMP2")
    teams.card_submit(li_lei, button(card, f"{checkin_blocks.SNOOZE_ACTION}-2h")["data"])
    teams.card_submit(li_lei, button(card, f"{checkin_blocks.SNOOZE_ACTION}-morning")["data"])
    [delivery] = deliveries_of(sessions)
    assert delivery.next_attempt_at == snooze_until(clock.now(), "morning", shanghai(sessions))


def test_without_the_card_to_replace_the_snooze_answer_is_a_new_message(teams, li_lei, connector, sessions, clock):
    teams.card_submit(li_lei, {"action": f"{checkin_blocks.SNOOZE_ACTION}-2h", "value": "2026-W48|2h"})
    local = snooze_until(clock.now(), "2h", shanghai(sessions)).astimezone(shanghai(sessions))
    when = f"{label('date', 'zh-CN', d=local.date())} {local:%H:%M}"
    assert only_reply(connector, li_lei) == render("checkin_snoozed", "zh-CN", at=when)
    assert [p.operation for p in connector.posted] == ["send"]


@pytest.mark.parametrize("value", ["2030-W01|2h", "2026-W40|2h", "2026-W48|forever", "2026-W48", "", "２０２６-W48|2h",
                                   "2026-W48|2h|x"])
def test_a_forged_snooze_is_refused_politely_and_nothing_is_written(teams, li_lei, connector, sessions, value):
    teams.card_submit(li_lei, {"action": f"{checkin_blocks.SNOOZE_ACTION}-2h", "value": value})
    assert only_reply(connector, li_lei) == error_text("not_found", "zh-CN")
    assert deliveries_of(sessions) == []


@pytest.mark.parametrize("data", [{"action": "nope", "value": "1"}, {"action": 7}, {"value": "x"}, {},
                                  {"action": ["checkin_open"]}])
def test_an_unknown_button_is_not_found_and_nothing_is_written(teams, li_lei, connector, sessions, data):
    teams.card_submit(li_lei, data)
    assert only_reply(connector, li_lei) == error_text("not_found", "zh-CN")
    assert deliveries_of(sessions) == []


def test_hrs_export_button_is_answered_in_teams_and_refused_to_anyone_else(teams, li_lei, connector):
    teams.card_submit(li_lei, {"action": f"{EXPORT_ACTION}-goals", "value": "goals"})
    assert only_reply(connector, li_lei) == error_text("export_not_allowed", "zh-CN")  # never "not in Teams yet"


def test_unknown_dialogs_are_not_found(teams, li_lei):
    for fetch in ({"action": "bogus"}, {}, {"dialog_id": "nope"}):
        card = dialog_card(teams.task_fetch(li_lei, fetch))
        assert card["body"][0]["text"] == error_text("not_found", "zh-CN")
    card = dialog_card(teams.task_submit(li_lei, {"action": "bogus_submit", "x": "y"}))
    assert card["body"][0]["text"] == error_text("not_found", "zh-CN")


def test_check_in_now_pressed_as_a_plain_submit_offers_the_dialog_button(teams, li_lei, connector):
    teams.card_submit(li_lei, {"action": checkin_blocks.OPEN_CHECKIN_ACTION, "value": "2026-W48"})
    [reply] = connector.sent_to(li_lei.personal_conversation_id)
    [offered] = buttons(reply.cards[0])
    assert offered["data"]["msteams"] == {"type": "task/fetch"}


def test_a_stranger_pressing_a_button_gets_the_unknown_person_words(teams, teams_people, connector, sessions):
    teams.card_submit(teams_people.stranger, {"action": f"{checkin_blocks.SNOOZE_ACTION}-2h", "value": "2026-W48|2h"})
    assert only_reply(connector, teams_people.stranger) == adaptive.plain_text(
        render("unknown_person", "en", hr_names=["Grace Hopper"]))
    assert deliveries_of(sessions) == []
