"""Direct messages to the bot are answered as the slash commands; Slack's retried events are processed once."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlmodel import select

from bot.app import build_bolt_app
from bot.emulator import SignedSlackClient
from bot.executors import InlineExecutor
from bot.server import BackgroundServer, build_asgi
from prompts.checkin_blocks import CHECKIN_VIEW, OPEN_CHECKIN_ACTION
from prompts.goal_blocks import NEW_GOAL_ACTION, NEW_GOAL_VIEW
from storage import slack_events
from storage.models import Kudos, SlackEvent
from tests.builders import approved_goal, load_org
from tests.conftest import SIGNING_SECRET
from tests.slack_helpers import button, dms_to, last_dm_text, opened_view, visible_text

EMPLOYEE, CHINESE, MANAGER = "UEMP1", "UEMP2", "UMGR1"
MESSAGE_TS = "1764000000.000100"


@pytest.fixture
def org(sessions, clock, emulator):
    load_org(sessions, now=clock.now(), emulator=emulator)


def write_to_bot(slack: SignedSlackClient, user_id: str, text: str, **fields):
    """Type `text` in the bot's Messages tab, as Slack delivers it (message.im)."""
    event = {"type": "message", "channel": f"D{user_id}", "channel_type": "im", "text": text, "ts": MESSAGE_TS,
             **fields}
    response = slack.event(user_id, event)
    assert response.status == 200, response.body
    return response


def answers(emulator, user_id: str) -> list[str]:
    return [visible_text(message) for message in dms_to(emulator, user_id)]


def test_help_in_the_dm_is_answered_in_the_dm(slack, org, emulator):
    write_to_bot(slack, EMPLOYEE, "help")

    [answer] = answers(emulator, EMPLOYEE)
    assert "Goals with `/goal`" in answer
    assert "Weekly check-ins with `/checkin`" in answer
    assert "type a command without the slash" in answer


def test_goal_list_in_the_dm_lists_the_goals(slack, org, emulator, sessions, clock):
    approved_goal(sessions, EMPLOYEE, now=clock.now(), title="Onboard 10 pilots")

    write_to_bot(slack, EMPLOYEE, "goal list")

    assert "Onboard 10 pilots" in last_dm_text(emulator, EMPLOYEE)


def test_a_manager_lists_a_reports_goals_by_mention(slack, org, emulator, sessions, clock):
    approved_goal(sessions, EMPLOYEE, now=clock.now(), title="Onboard 10 pilots")

    write_to_bot(slack, MANAGER, f"Goal List <@{EMPLOYEE}>")

    assert "Onboard 10 pilots" in last_dm_text(emulator, MANAGER)


def test_a_mention_of_the_bot_or_a_typed_slash_before_the_command_is_skipped(slack, org, emulator, sessions, clock):
    approved_goal(sessions, EMPLOYEE, now=clock.now(), title="Onboard 10 pilots")

    write_to_bot(slack, EMPLOYEE, f"<@{emulator.bot_user_id}> goal list")
    write_to_bot(slack, EMPLOYEE, " /goal list")

    assert ["Onboard 10 pilots" in answer for answer in answers(emulator, EMPLOYEE)] == [True, True]


def test_a_chinese_speaker_is_answered_in_chinese(slack, org, emulator):
    write_to_bot(slack, CHINESE, "help")
    write_to_bot(slack, CHINESE, "what now?")

    help_text, short_help = answers(emulator, CHINESE)
    assert "使用 `/goal` 管理目标" in help_text
    assert "我没有理解“what now?”" in short_help
    assert "不用加斜杠" in short_help


def test_someone_not_in_the_directory_is_told_who_to_ask(slack, org, emulator):
    emulator.add_user("UNEW1", name="newcomer")

    write_to_bot(slack, "UNEW1", "goal list")

    text = last_dm_text(emulator, "UNEW1")
    assert "I don't know you yet" in text
    assert "Grace Hopper" in text


def test_unknown_words_get_a_short_help_quoting_them(slack, org, emulator):
    write_to_bot(slack, EMPLOYEE, "what is the weather &lt;today&gt;?")

    text = last_dm_text(emulator, EMPLOYEE)
    assert "I didn't understand “what is the weather &lt;today&gt;?”" in text  # shown as typed, not double-escaped
    assert "`goal list`" in text
    assert "Goals with `/goal`" not in text  # short: the full help is one `help` away


def test_an_unknown_checkin_word_gets_the_checkin_help(slack, org, emulator):
    write_to_bot(slack, EMPLOYEE, "checkin frobnicate")

    text = last_dm_text(emulator, EMPLOYEE)
    assert "I didn't understand `checkin frobnicate`" in text
    assert "Weekly check-ins with `/checkin`" in text


def test_goal_alone_answers_with_the_button_that_opens_the_new_goal_modal(slack, org, emulator):
    write_to_bot(slack, EMPLOYEE, "goal")

    [message] = dms_to(emulator, EMPLOYEE)
    assert "Say what will be different" in visible_text(message)
    slack.block_action(EMPLOYEE, NEW_GOAL_ACTION, message=message, channel_id=message["channel"])
    assert opened_view(emulator)["callback_id"] == NEW_GOAL_VIEW


def test_checkin_alone_answers_with_the_reminders_check_in_now_button(slack, org, emulator):
    write_to_bot(slack, EMPLOYEE, "checkin")

    [message] = dms_to(emulator, EMPLOYEE)
    assert "This week (from Nov 23)" in visible_text(message)
    assert button(message, OPEN_CHECKIN_ACTION)["value"] == "2026-W48"
    slack.block_action(EMPLOYEE, OPEN_CHECKIN_ACTION, message=message, channel_id=message["channel"])
    assert opened_view(emulator)["callback_id"] == CHECKIN_VIEW


def test_checkin_away_history_and_back_work_in_the_dm(slack, org, emulator):
    write_to_bot(slack, EMPLOYEE, "checkin away until 2026-12-14")
    write_to_bot(slack, EMPLOYEE, "checkin history")
    write_to_bot(slack, EMPLOYEE, "checkin back")

    away, history, back = answers(emulator, EMPLOYEE)
    assert "I won't remind you to check in until Dec 14, 2026" in away
    assert "Your last check-ins" in history and "No check-ins yet" in history
    assert "Check-in reminders are on again" in back


def test_kudos_in_the_dm_reach_the_person_and_answer_the_giver(slack, org, emulator, session):
    write_to_bot(slack, EMPLOYEE, f"kudos <@{CHINESE}> thanks for the &lt;fast&gt; review")

    assert "Thanks for recognising 李雷" in last_dm_text(emulator, EMPLOYEE)
    assert "Alan Turing* 表扬了 *李雷*" in last_dm_text(emulator, CHINESE)
    [kudos] = session.exec(select(Kudos)).all()
    assert kudos.message == "thanks for the <fast> review"


def test_a_reply_in_a_thread_is_answered_in_that_thread(slack, org, emulator):
    write_to_bot(slack, EMPLOYEE, "help", thread_ts="1764000000.000001")

    [message] = dms_to(emulator, EMPLOYEE)
    assert message["thread_ts"] == "1764000000.000001"


def test_the_bots_own_messages_edits_and_channel_messages_are_ignored(slack, org, emulator):
    dm = f"D{EMPLOYEE}"
    write_to_bot(slack, emulator.bot_user_id, "help", channel=dm, bot_id=emulator.bot_id)
    edit = {"type": "message", "subtype": "message_changed", "channel": dm, "channel_type": "im", "hidden": True,
            "message": {"type": "message", "user": EMPLOYEE, "text": "help", "ts": MESSAGE_TS,
                        "edited": {"user": EMPLOYEE, "ts": "1764000001.000000"}},
            "previous_message": {"type": "message", "user": EMPLOYEE, "text": "hlep", "ts": MESSAGE_TS}}
    assert slack.event(None, edit).status == 200
    in_a_channel = {"type": "message", "channel": "C0GENERAL", "channel_type": "channel", "text": "help",
                    "ts": MESSAGE_TS}
    assert slack.event(EMPLOYEE, in_a_channel).status == 200

    assert emulator.calls_to("chat.postMessage") == []


def test_an_event_slack_retries_is_answered_once(slack, org, emulator, session):
    write_to_bot(slack, EMPLOYEE, "help")
    retried = slack.retry_last_event(attempt=1, reason="http_timeout")

    assert retried.status == 200
    assert len(dms_to(emulator, EMPLOYEE)) == 1
    assert [event.event_id for event in session.exec(select(SlackEvent))] == [slack.last_event["event_id"]]


def test_a_retry_reaching_another_replica_is_answered_once(slack, org, emulator, deps):
    write_to_bot(slack, EMPLOYEE, "help")

    app = build_bolt_app(deps, listener_executor=InlineExecutor())
    with BackgroundServer(build_asgi(deps, app)) as other_replica:
        other = SignedSlackClient(f"{other_replica.url}/slack/events", SIGNING_SECRET, emulator=emulator)
        retried = other.send_raw(json.dumps(slack.last_event).encode(), "application/json",
                                 headers={"X-Slack-Retry-Num": "2", "X-Slack-Retry-Reason": "http_error"})

    assert retried.status == 200
    assert len(dms_to(emulator, EMPLOYEE)) == 1


def test_two_different_events_are_both_answered(slack, org, emulator):
    write_to_bot(slack, EMPLOYEE, "help")
    write_to_bot(slack, EMPLOYEE, "help")

    assert len(dms_to(emulator, EMPLOYEE)) == 2


def test_event_ids_are_forgotten_after_a_day(sessions, clock):
    now = clock.now()
    with sessions() as session:
        assert slack_events.first_time(session, "Ev01", now) is True
    with sessions() as session:
        assert slack_events.first_time(session, "Ev01", now + timedelta(hours=1)) is False
        assert slack_events.first_time(session, "Ev02", now + timedelta(days=1, minutes=1)) is True
    with sessions() as session:
        assert [event.event_id for event in session.exec(select(SlackEvent))] == ["Ev02"]
