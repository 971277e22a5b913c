"""Coaching and kudos are one set of rules (actions/coaching.py, actions/kudos.py) whichever surface someone acts
from: each behaviour is one test, run from Slack and from Teams."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlmodel import func, select

from actions.coaching import feedback_form
from bot.emulator import SignedSlackClient
from prompts import adaptive, coaching_blocks, coaching_cards
from prompts.goal_blocks import error_text
from prompts.render import label, render
from storage import coaching, notices
from storage.models import Delivery, Kudos, OneOnOne, Review
from tests.builders import person
from tests.conftest import SIGNING_SECRET
from tests.slack_helpers import dms_to, last_dm_text, opened_view
from tests.teams.helpers import only_reply, replies

SURFACES = ("slack", "teams")
WEEK = "2026-W48"
NOTES = "Seems stretched; watch workload"
EMPTY_MESSAGE = {"channel": "DUMGR1", "blocks": [], "text": ""}


@pytest.fixture
def ada(connector):
    """The manager, in the tenant as well: a Teams user once she has the app."""
    return connector.add_user("aad-ada", name="Ada Lovelace", email="ada@example.com", locale="en-GB")


@pytest.fixture
def slack_client(teams_server, emulator) -> SignedSlackClient:
    """Slack, talking to the same server as Teams."""
    return SignedSlackClient(f"{teams_server.url}/slack/events", SIGNING_SECRET, emulator=emulator)


@pytest.fixture
def manager(teams, ada, emulator):
    """Ada acting from one surface: on Slack she is in the workspace, on Teams she has the app."""

    def on(surface: str):
        if surface == "slack":
            emulator.add_user("UMGR1", name="Ada Lovelace", email="ada@example.com", tz="Europe/London",
                              locale="en-GB")
        else:
            teams.install(ada)
        return ada

    return on


def id_of(sessions, slack_id: str) -> int:
    with sessions() as session:
        return person(session, slack_id).id


def count(sessions, model) -> int:
    with sessions() as session:
        return session.exec(select(func.count()).select_from(model)).one()


def shown(surface: str, text: str) -> str:
    """How an answer's words read on a surface: Slack's mrkdwn as sent, Teams' dialog closing as plain text."""
    return text if surface == "slack" else adaptive.plain_text(text)


def review(surface: str, slack, teams, emulator, ada, subject_id: int, values: dict) -> str:
    """Ada reviews a report's week from the surface; returns what she is told."""
    if surface == "slack":
        slack.block_action("UMGR1", coaching_blocks.REVIEW_ACTION, value=f"{subject_id}|{WEEK}",
                           message=EMPTY_MESSAGE)
        assert slack.view_submission("UMGR1", opened_view(emulator), values).status == 200
        return last_dm_text(emulator, "UMGR1")
    answer = teams.task_submit(ada, {"action": coaching_cards.SUBMIT_REVIEW, "subject_id": subject_id, "week": WEEK,
                                     **values})
    assert answer.json()["task"]["type"] == "message", answer.json()
    return answer.json()["task"]["value"]


def notices_to(sessions, person_id: int) -> list[Delivery]:
    with sessions() as session:
        return list(session.exec(select(Delivery).where(Delivery.job == notices.JOB, Delivery.person_id == person_id)
                                 .order_by(Delivery.id)))


@pytest.mark.parametrize("surface", SURFACES)
def test_feedback_reaches_the_employee_where_they_are_in_their_language_without_the_private_notes(
    surface, manager, slack_client, teams, teams_people, connector, emulator, sessions
):
    ada = manager(surface)
    teams.install(teams_people.li_lei)
    teams.message(teams_people.li_lei, "help")  # 李雷 works in Teams
    connector.reset()
    li_id = id_of(sessions, "UEMP2")
    told = review(surface, slack_client, teams, emulator, ada, li_id, {
        "went_well": "Clear write-up of the legal blocker", "to_improve": "Escalate sooner next time",
        "assessment": "needs_attention", "private_notes": NOTES})
    assert told == shown(surface, render("feedback_sent", "en", name="李雷", week=WEEK))
    [feedback] = connector.sent_to(teams_people.li_lei.personal_conversation_id)
    assert "Ada Lovelace 给了你11月23日那一周的反馈" in feedback.text and "需要关注" in feedback.text
    assert "Escalate sooner next time" in feedback.text and NOTES not in str(feedback.activity)
    assert dms_to(emulator, "UEMP2") == []  # once, where he is
    [notice] = notices_to(sessions, li_id)
    assert notice.status == "sent" and notice.payload is None  # through the notices log, its text not kept
    with sessions() as session:
        assert session.exec(select(Review)).one().private_notes == NOTES  # with managers and HR only


@pytest.mark.parametrize("surface", SURFACES)
def test_feedback_for_someone_the_bot_cannot_reach_is_kept_and_never_claimed_as_sent(
    surface, manager, slack_client, teams, teams_people, emulator, sessions
):
    # Slack used to say "sent" whatever happened; Teams said it could not reach her. Both say so now.
    ada = manager(surface)
    katherine_id = id_of(sessions, "UEMP3")
    with sessions() as session:
        katherine = person(session, "UEMP3")
        katherine.slack_id = None  # not on Slack, and no Teams chat stored
        session.add(katherine)
    told = review(surface, slack_client, teams, emulator, ada, katherine_id,
                  {"to_improve": "Check in every week", "assessment": "needs_attention"})
    assert told == shown(surface, label("feedback_unreached", "en", name="Katherine Johnson", week=WEEK))
    assert count(sessions, Review) == 1  # kept: it is in her record


@pytest.mark.parametrize("surface", SURFACES)
def test_only_their_manager_or_hr_may_review_a_week_and_is_refused_in_the_same_words(
    surface, slack_client, teams, teams_people, emulator, sessions
):
    # Teams used to refuse with the goal words ("You can't do that for this goal").
    li_id = id_of(sessions, "UEMP2")
    if surface == "slack":
        emulator.add_user("UEMP3", name="Katherine Johnson", email="kj@example.com", locale="zh-CN")
        slack_client.block_action("UEMP3", coaching_blocks.REVIEW_ACTION, value=f"{li_id}|{WEEK}",
                                  message={**EMPTY_MESSAGE, "channel": "DUEMP3"})
        refusal = emulator.calls_to("response_url")[-1].params["text"]
    else:
        opened = teams.task_fetch(teams_people.katherine, {"action": coaching_blocks.REVIEW_ACTION,
                                                           "value": f"{li_id}|{WEEK}"})
        refusal = opened.json()["task"]["value"]["card"]["content"]["body"][0]["text"]
    assert refusal == error_text("review_week_not_allowed", "zh-CN")
    assert emulator.calls_to("views.open") == []
    assert count(sessions, Review) == 0


@pytest.mark.parametrize("surface", SURFACES)
def test_one_on_one_held_is_logged_once_and_refused_to_a_colleague_in_the_same_words(
    surface, manager, slack_client, teams, teams_people, connector, emulator, sessions
):
    ada = manager(surface)
    alan_id = str(id_of(sessions, "UEMP1"))

    def press(user_id: str, user, value: str) -> str:
        if surface == "slack":
            slack_client.block_action(user_id, coaching_blocks.ONE_ON_ONE_ACTION, value=value,
                                      message={**EMPTY_MESSAGE, "channel": f"D{user_id}"})
            return emulator.calls_to("response_url")[-1].params["text"]
        connector.reset()
        teams.card_submit(user, {"action": coaching_blocks.ONE_ON_ONE_ACTION, "value": value})
        return only_reply(connector, user)

    logged = render("one_on_one_logged", "en", name="Alan Turing")
    assert press("UMGR1", ada, alan_id) == (logged if surface == "slack" else adaptive.teams_markdown(logged))
    press("UMGR1", ada, alan_id)  # a second press is the same meeting
    assert count(sessions, OneOnOne) == 1
    emulator.add_user("UEMP3", name="Katherine Johnson", email="kj@example.com", locale="zh-CN")
    assert press("UEMP3", teams_people.katherine, alan_id) == error_text("one_on_one_not_allowed", "zh-CN")
    assert count(sessions, OneOnOne) == 1


def give_feedback(sessions, clock) -> int:
    """Ada's feedback on 李雷's week, as the review leaves it."""
    with sessions() as session:
        feedback = coaching.record_feedback(
            session, person(session, "UMGR1"), person(session, "UEMP2").id,
            feedback_form({"went_well": "Good write-up", "assessment": "on_track"}, acknowledged=False),
            week=WEEK, now=clock.now(), default_zone="UTC")
        return feedback.id


def reflect(surface: str, slack, teams, emulator, li_lei, feedback_id: int, values: dict) -> str:
    """李雷 reflects on his feedback from the surface; returns what he is told."""
    if surface == "slack":
        slack.block_action("UEMP2", coaching_blocks.REFLECT_ACTION, value=str(feedback_id),
                           message={**EMPTY_MESSAGE, "channel": "DUEMP2"})
        assert slack.view_submission("UEMP2", opened_view(emulator), values).status == 200
        return last_dm_text(emulator, "UEMP2")
    answer = teams.task_submit(li_lei, {"action": coaching_cards.SUBMIT_REFLECT, "feedback_id": feedback_id, **values})
    assert answer.json()["task"]["type"] == "message", answer.json()
    return answer.json()["task"]["value"]


@pytest.mark.parametrize("surface", SURFACES)
def test_the_reflection_reaches_the_manager_who_wrote_the_feedback_in_her_language(
    surface, slack_client, teams, teams_people, emulator, sessions, clock
):
    emulator.add_user("UMGR1", name="Ada Lovelace", email="ada@example.com", tz="Europe/London", locale="en-GB")
    emulator.add_user("UEMP2", name="李雷", email="li.lei@example.com", tz="Asia/Shanghai", locale="zh-CN")
    feedback_id = give_feedback(sessions, clock)
    told = reflect(surface, slack_client, teams, emulator, teams_people.li_lei, feedback_id,
                   {"will_do_differently": "下次更早上报", "support_needed": "每周和法务同步一次"})
    assert told == shown(surface, render("reflection_sent", "zh-CN", manager="Ada Lovelace"))
    [reflection] = dms_to(emulator, "UMGR1")
    assert "李雷 reflected on your feedback for the week of Nov 23" in reflection["text"]
    assert "下次更早上报" in reflection["text"] and "每周和法务同步一次" in reflection["text"]
    [notice] = notices_to(sessions, id_of(sessions, "UMGR1"))
    assert notice.status == "sent"


@pytest.mark.parametrize("surface", SURFACES)
def test_a_reflection_for_a_manager_the_bot_cannot_reach_is_kept_and_never_claimed_as_sent(
    surface, slack_client, teams, teams_people, emulator, sessions, clock
):
    emulator.add_user("UEMP2", name="李雷", email="li.lei@example.com", tz="Asia/Shanghai", locale="zh-CN")
    feedback_id = give_feedback(sessions, clock)
    with sessions() as session:
        ada = person(session, "UMGR1")
        ada.slack_id = None
        session.add(ada)
    told = reflect(surface, slack_client, teams, emulator, teams_people.li_lei, feedback_id,
                   {"will_do_differently": "下次更早上报"})
    assert told == shown(surface, label("reflection_unreached", "zh-CN", manager="Ada Lovelace"))
    assert count(sessions, Review) == 2


def give_kudos(surface: str, slack, teams, teams_people, text: str, *, to_self: bool = False) -> str:
    """Alan gives kudos to 李雷 (or himself) from the surface; returns his answer."""
    if surface == "slack":
        mention = "<@UEMP1|alan>" if to_self else "<@UEMP2|li>"
        return slack.slash_command("UEMP1", "/kudos", f"{mention} {text}").json()["text"]
    teams.message(teams_people.alan, "help")  # linked: his own mention names him
    mention = teams.mention(teams_people.alan if to_self else teams_people.li_lei, with_aad_object_id=True)
    teams.connector.reset()
    teams.message(teams_people.alan, f"kudos {mention} {text}", mentions=[mention])
    return only_reply(teams.connector, teams_people.alan)


@pytest.mark.parametrize("surface", SURFACES)
def test_kudos_to_the_kudos_channel_are_posted_once_through_the_notices_log_in_the_organisations_language(
    surface, slack_client, teams, teams_people, connector, emulator, deps, sessions
):
    deps.settings = replace(deps.settings, kudos_channel="CKUDOS")
    answer = give_kudos(surface, slack_client, teams, teams_people, "great demo")
    sent = render("kudos_sent", "en", receiver="李雷", channel="CKUDOS")
    assert answer == (sent if surface == "slack" else adaptive.teams_markdown(sent))
    [post] = [m for m in emulator.messages if m["channel"] == "CKUDOS"]
    assert post["text"] == render("kudos_post", "en", giver="Alan Turing", receiver="李雷", message="great demo")
    [notice] = notices_to(sessions, id_of(sessions, "UEMP2"))  # recorded against whom it praises
    assert (notice.status, notice.channel, notice.message_ref) == ("sent", "CKUDOS", post["ts"])
    assert dms_to(emulator, "UEMP2") == [] and replies(connector, teams_people.li_lei) == []
    assert count(sessions, Kudos) == 1


@pytest.mark.parametrize("surface", SURFACES)
def test_kudos_to_yourself_are_refused_in_the_same_words_and_nothing_is_sent(
    surface, slack_client, teams, teams_people, emulator, sessions
):
    answer = give_kudos(surface, slack_client, teams, teams_people, "great work by me", to_self=True)
    refusal = error_text("kudos_self", "en")
    assert answer == (refusal if surface == "slack" else adaptive.teams_markdown(refusal))
    assert count(sessions, Kudos) == 0
    with sessions() as session:
        assert session.exec(select(Delivery).where(Delivery.job == notices.JOB)).all() == []
