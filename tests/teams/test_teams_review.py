"""The manager's week in Teams: the agenda card's Review and 1:1 held, the review dialog, feedback that reaches the
employee where they are (never the private notes), and the reflection back to the manager, as on Slack."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from sqlmodel import func, select

from bot.slack_client import make_web_client
from prompts import adaptive, coaching_blocks, coaching_cards
from prompts.goal_blocks import error_text
from prompts.render import LOCALES, label, render
from scheduler import JobContext
from scheduler.registry import find_job
from storage import checkins
from storage.models import ActionItem, Goal, OneOnOne, Review
from tests.builders import approved_goal, person
from tests.conftest import BOT_TOKEN
from tests.slack_helpers import dms_to
from tests.teams.helpers import buttons, dialog_card, inputs, replies

MONDAY_9AM_LONDON = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
NOTES = "Seems stretched; watch workload"
GOOD = {"acknowledged": coaching_cards.TOGGLE_ON, "went_well": "Clear write-up of the legal blocker",
        "to_improve": "Escalate sooner next time", "assessment": "needs_attention", "private_notes": NOTES,
        "action:1:text": "Ask legal for a date", "action:1:owner": "manager", "action:1:due_date": "2026-12-02"}


@pytest.fixture
def week(teams_people, sessions, clock):
    """Week 2026-W48 as on Slack: Alan on track, 李雷 blocked with a goal at risk, Katherine silent."""
    pilots = approved_goal(sessions, "UEMP1", now=clock.now(), title="Onboard 10 pilots", target="10")
    billing = approved_goal(sessions, "UEMP2", now=clock.now(), title="发布计费页面", target="4", unit="页")
    clock.set(datetime(2026, 11, 26, 10, 0, tzinfo=UTC))
    with sessions() as session:
        checkins.record(session, person(session, "UEMP1"), checkins.CheckinInput(
            week=None, confidence="4", highlights="Pilot 5 live",
            goals=(checkins.GoalUpdateInput(goal_id=str(pilots.id), value="5"),)), now=clock.now(),
            default_zone="UTC")
        checkins.record(session, person(session, "UEMP2"), checkins.CheckinInput(
            week=None, confidence="2", blockers="法务审批卡住了", help_needed="请帮忙催一下法务",
            goals=(checkins.GoalUpdateInput(goal_id=str(billing.id), value="1", status="at_risk"),)),
            now=clock.now(), default_zone="UTC")
    clock.set(MONDAY_9AM_LONDON)
    return {"pilots": pilots, "billing": billing}


@pytest.fixture
def ada(teams, connector):
    """The manager, with the app installed: her agenda comes to Teams."""
    ada = connector.add_user("aad-ada", name="Ada Lovelace", email="ada@example.com", locale="en-GB")
    teams.install(ada)
    return ada


@pytest.fixture
def li_lei(teams, teams_people):
    teams.install(teams_people.li_lei)
    return teams_people.li_lei


def id_of(sessions, slack_id: str) -> int:
    with sessions() as session:
        return person(session, slack_id).id


def count(sessions, model) -> int:
    with sessions() as session:
        return session.exec(select(func.count()).select_from(model)).one()


def agenda(teams_server, sessions, emulator, waits, connector, ada) -> dict:
    """Run the Monday job as the scheduler does; return the agenda card it sent Ada in Teams."""
    client = make_web_client(token=BOT_TOKEN, base_url=emulator.api_url, sleep=waits.append)
    connector.reset()  # the welcome on installing the app
    find_job("manager-nudges").run(JobContext(sessions=sessions, client=client, now=MONDAY_9AM_LONDON,
                                              teams=teams_server.api.state.teams_sender))
    [sent] = [p for p in connector.sent_to(ada.personal_conversation_id) if "1:1 agenda" in p.text]
    connector.reset()
    return sent.cards[0]


def agenda_button(card: dict, action: str, report_id: int) -> dict:
    return next(b for b in buttons(card) if b["data"]["action"] == action
                and b["data"]["value"].partition("|")[0] == str(report_id))


def open_review(teams, ada, card: dict, report_id: int) -> dict:
    review = agenda_button(card, coaching_blocks.REVIEW_ACTION, report_id)
    assert review["data"]["msteams"] == {"type": "task/fetch"}  # Review opens a dialog, as Slack's opens a modal
    response = teams.task_fetch(ada, review["data"])
    assert response.json()["task"]["value"]["title"] == label("review_modal_title", "en")
    return dialog_card(response)


def submit(teams, user, dialog: dict, values: dict):
    """Submit a dialog as Teams does: its inputs (their values unless given) merged into the action's data."""
    fields = {key: element.get("value", "") for key, element in inputs(dialog).items()}
    [action] = dialog["actions"]
    return teams.task_submit(user, {**action["data"], **fields, **values})


def sends(connector) -> list:
    """What the bot sent anyone in Teams (member look-ups aside)."""
    return [p for p in connector.posted if p.operation != "get_member"]


def errors_of(dialog: dict) -> dict[str, str]:
    """Each error shown in a dialog, by the input it follows."""
    shown: dict[str, str] = {}
    for before, element in zip(dialog["body"], dialog["body"][1:], strict=False):
        if str(element.get("text", "")).startswith("⚠️") and before.get("id"):
            shown[before["id"]] = element["text"].removeprefix("⚠️ ")
    return shown


def test_review_from_the_agenda_card_reaches_the_employee_in_teams_without_the_private_notes(
    teams, teams_server, teams_people, ada, li_lei, week, connector, emulator, sessions, waits
):
    card = agenda(teams_server, sessions, emulator, waits, connector, ada)
    dialog = open_review(teams, ada, card, id_of(sessions, "UEMP2"))
    fields = inputs(dialog)
    assert "法务审批卡住了" in str(dialog["body"]) and "请帮忙催一下法务" in str(dialog["body"])  # the evidence
    assert fields["acknowledged"]["title"] == label("review_acknowledge_option", "en")
    assert fields["went_well"]["label"] == label("review_went_well", "en")
    assert fields["to_improve"]["label"] == label("review_to_improve", "en")
    assert [(c["title"], c["value"]) for c in fields["assessment"]["choices"]] == [
        (label(f"assessment_{a}", "en"), a) for a in coaching_blocks.ASSESSMENTS]
    assert fields["private_notes"]["label"] == label("review_private_notes", "en")
    assert label("review_private_notes_hint", "en") in str(dialog["body"])
    for n in (1, 2, 3):
        assert fields[f"action:{n}:text"]["label"] == label("review_action", "en", n=n)
        assert fields[f"action:{n}:owner"]["value"] == "employee"
        assert fields[f"action:{n}:due_date"]["type"] == "Input.Date"
    assert [c["value"] for c in fields["goal_id"]["choices"]] == [str(week["billing"].id)]
    assert {"new_target", "new_due_date", "adjust_reason"} <= set(fields)
    assert dialog["actions"][0]["title"] == label("review_submit", "en")

    # Errors come back in the dialog beside their fields, with what was typed; nothing is written or sent.
    refused = dialog_card(submit(teams, ada, dialog, {"assessment": "", "private_notes": NOTES,
                                                      "action:1:text": "Ask legal", "action:1:due_date": "2026-01-05"}))
    assert errors_of(refused) == {"went_well": error_text("feedback_missing", "en"),
                                  "assessment": error_text("assessment_invalid", "en"),
                                  "action:1:due_date": error_text("due_in_past", "en")}
    kept = inputs(refused)
    assert (kept["private_notes"]["value"], kept["action:1:text"]["value"]) == (NOTES, "Ask legal")
    assert count(sessions, Review) == count(sessions, ActionItem) == 0
    assert sends(connector) == []

    response = submit(teams, ada, refused, GOOD)
    told = render("feedback_sent", "en", name="李雷", week="2026-W48")
    assert response.json() == {"task": {"type": "message", "value": adaptive.plain_text(told)}}
    [feedback] = connector.sent_to(li_lei.personal_conversation_id)
    assert "Ada Lovelace 给了你11月23日那一周的反馈" in feedback.text and "需要关注" in feedback.text
    assert "Escalate sooner next time" in feedback.text and "Ask legal for a date" in feedback.text
    assert NOTES not in str(feedback.activity) and "watch workload" not in str(feedback.activity)
    [reflect] = buttons(feedback.cards[0])
    assert reflect["title"] == label("reflect", "zh-CN") and reflect["data"]["msteams"] == {"type": "task/fetch"}
    assert replies(connector, ada) == [adaptive.teams_markdown(told)]
    assert dms_to(emulator, "UEMP2") == []  # in Teams, where he is, and only there
    with sessions() as session:
        review = session.exec(select(Review)).one()
        assert (review.private_notes, review.assessment, review.answers["acknowledged"]) == (NOTES, "needs_attention",
                                                                                             True)
        [item] = session.exec(select(ActionItem)).all()
        assert (item.text, item.owner_id, str(item.due_date)) == ("Ask legal for a date", id_of(sessions, "UMGR1"),
                                                                  "2026-12-02")
    assert reflect["data"]["value"] == str(review.id)


def test_the_reflection_reaches_the_manager_where_she_is(
    teams, teams_server, teams_people, ada, li_lei, week, connector, emulator, sessions, waits
):
    card = agenda(teams_server, sessions, emulator, waits, connector, ada)
    submit(teams, ada, open_review(teams, ada, card, id_of(sessions, "UEMP2")),
           {"went_well": "Good write-up", "assessment": "on_track"})
    [feedback] = connector.sent_to(li_lei.personal_conversation_id)
    [reflect] = buttons(feedback.cards[0])
    connector.reset()

    response = teams.task_fetch(li_lei, reflect["data"])
    assert response.json()["task"]["value"]["title"] == label("reflect_modal_title", "zh-CN")
    dialog = dialog_card(response)
    assert inputs(dialog)["will_do_differently"]["label"] == label("reflect_will_do", "zh-CN")
    empty = dialog_card(submit(teams, li_lei, dialog, {}))
    assert errors_of(empty) == {"will_do_differently": error_text("reflection_missing", "zh-CN")}
    assert count(sessions, Review) == 1 and connector.posted == []

    answer = submit(teams, li_lei, empty, {"will_do_differently": "下次更早上报",
                                           "support_needed": "每周和法务同步一次"})
    told = render("reflection_sent", "zh-CN", manager="Ada Lovelace")
    assert answer.json() == {"task": {"type": "message", "value": adaptive.plain_text(told)}}
    [reflection] = connector.sent_to(ada.personal_conversation_id)
    assert "李雷 reflected on your feedback for the week of Nov 23" in reflection.text
    assert "下次更早上报" in reflection.text
    assert "每周和法务同步一次" in reflection.text
    assert replies(connector, li_lei) == [adaptive.teams_markdown(told)]
    assert count(sessions, Review) == 2


def test_feedback_to_someone_only_on_slack_is_a_slack_dm_with_slacks_reflect_button(
    teams, teams_server, teams_people, ada, week, connector, emulator, sessions, waits
):
    emulator.add_user("UEMP1", name="Alan Turing", email="alan@example.com", tz="Europe/London", locale="en-GB")
    card = agenda(teams_server, sessions, emulator, waits, connector, ada)
    response = submit(teams, ada, open_review(teams, ada, card, id_of(sessions, "UEMP1")),
                      {**GOOD, "went_well": "Pilot 5 went live", "private_notes": NOTES})
    assert response.json()["task"]["type"] == "message"
    [dm] = dms_to(emulator, "UEMP1")
    with sessions() as session:
        review = session.exec(select(Review)).one()
        shown = {"went_well": "Pilot 5 went live", "to_improve": GOOD["to_improve"], "assessment": "needs_attention",
                 "actions": [{"text": "Ask legal for a date", "owner_name": "Ada Lovelace",
                              "due_date": datetime(2026, 12, 2).date()}]}
    assert dm["text"] == coaching_blocks.feedback_to_employee(shown, manager="Ada Lovelace", week="2026-W48",
                                                              feedback_id=review.id, locale="en")["text"]
    assert NOTES not in str(dm)
    reflect = dm["blocks"][-1]["elements"][0]
    assert (reflect["action_id"], reflect["value"]) == (coaching_blocks.REFLECT_ACTION, str(review.id))
    assert connector.sent_to(teams_people.alan.personal_conversation_id) == []


def test_someone_the_bot_cannot_reach_is_not_claimed_as_told(
    teams, teams_server, teams_people, ada, week, connector, emulator, sessions, waits
):
    katherine_id = id_of(sessions, "UEMP3")
    with sessions() as session:
        katherine = person(session, "UEMP3")
        katherine.slack_id = None  # not on Slack, and the app not installed for her in Teams
        session.add(katherine)
    card = agenda(teams_server, sessions, emulator, waits, connector, ada)
    response = submit(teams, ada, open_review(teams, ada, card, katherine_id),
                      {"to_improve": "Check in every week", "assessment": "needs_attention"})
    told = label("feedback_unreached", "en", name="Katherine Johnson", week="2026-W48")
    assert response.json() == {"task": {"type": "message", "value": told}}
    assert replies(connector, ada) == [told]
    assert count(sessions, Review) == 1  # the feedback is kept: it is in her record


def test_a_goal_adjustment_in_the_review_follows_the_goal_rules(
    teams, teams_server, teams_people, ada, li_lei, week, connector, emulator, sessions, waits
):
    card = agenda(teams_server, sessions, emulator, waits, connector, ada)
    dialog = open_review(teams, ada, card, id_of(sessions, "UEMP2"))
    billing = str(week["billing"].id)
    refused = dialog_card(submit(teams, ada, dialog, {"went_well": "Good", "assessment": "on_track",
                                                      "goal_id": billing, "new_target": "6"}))
    assert errors_of(refused) == {"adjust_reason": error_text("reason_missing", "en")}
    assert inputs(refused)["goal_id"]["value"] == billing
    with sessions() as session:
        assert session.get(Goal, week["billing"].id).target_value == 4
    assert count(sessions, Review) == 0

    response = submit(teams, ada, refused, {"adjust_reason": "Two pages were merged"})
    assert response.json()["task"]["type"] == "message"
    with sessions() as session:
        assert session.get(Goal, week["billing"].id).target_value == 6


def test_one_on_one_held_is_logged_from_the_agenda_card(
    teams, teams_server, teams_people, ada, week, connector, emulator, sessions, waits
):
    card = agenda(teams_server, sessions, emulator, waits, connector, ada)
    held = agenda_button(card, coaching_blocks.ONE_ON_ONE_ACTION, id_of(sessions, "UEMP1"))
    assert held["title"] == label("one_on_one_held", "en") and "msteams" not in held["data"]
    teams.card_submit(ada, held["data"])
    assert replies(connector, ada) == [adaptive.teams_markdown(render("one_on_one_logged", "en", name="Alan Turing"))]
    teams.card_submit(ada, held["data"])  # a second press is the same meeting
    assert count(sessions, OneOnOne) == 1


@pytest.mark.parametrize("value", ["{alan}", "abc", "", "-1", "99999999999", "{ada}"])
def test_one_on_one_held_by_someone_else_or_forged_is_refused_and_nothing_is_written(
    teams, teams_people, week, connector, sessions, value
):
    katherine = teams_people.katherine  # a colleague, writing Chinese in Teams
    forged = value.format(alan=id_of(sessions, "UEMP1"), ada=id_of(sessions, "UMGR1"))
    teams.card_submit(katherine, {"action": coaching_blocks.ONE_ON_ONE_ACTION, "value": forged})
    assert replies(connector, katherine) == [error_text("one_on_one_not_allowed", "zh-CN")]  # Slack's words
    assert count(sessions, OneOnOne) == 0


@pytest.mark.parametrize("forged", [
    {"subject_id": "{li}", "week": "2026-W48", "by": "katherine"},  # a colleague: not theirs to review
    {"subject_id": "{li}", "week": "2026-W48", "by": "li"},  # your own review
    {"subject_id": "{ada}", "week": "2026-W48"},  # your own manager
    {"subject_id": "abc", "week": "2026-W48"},
    {"subject_id": True, "week": "2026-W48"},
    {"subject_id": "99999999999", "week": "2026-W48"},
    {"subject_id": None, "week": "2026-W48"},
    {"subject_id": "{li}", "week": "2026-W99"},
    {"subject_id": "{li}", "week": "last week"},
    {"subject_id": "{li}", "week": ["2026-W48"]},
])
def test_a_forged_review_is_refused_in_the_dialog_and_nothing_is_written_or_sent(
    teams, teams_people, ada, li_lei, week, connector, sessions, forged
):
    users = {"katherine": teams_people.katherine, "li": li_lei}
    user = users.get(forged.get("by"), ada)
    ids = {"li": id_of(sessions, "UEMP2"), "ada": id_of(sessions, "UMGR1")}
    subject = forged["subject_id"].format(**ids) if isinstance(forged["subject_id"], str) else forged["subject_id"]
    connector.reset()
    fetched = teams.task_fetch(user, {"action": coaching_blocks.REVIEW_ACTION, "value": f"{subject}|{forged['week']}"})
    submitted = teams.task_submit(user, {"action": coaching_cards.SUBMIT_REVIEW, "subject_id": subject,
                                         "week": forged["week"], **GOOD})
    for response in (fetched, submitted):
        body = str(dialog_card(response)["body"])
        assert error_text("review_week_not_allowed", "en") in body \
            or error_text("review_week_not_allowed", "zh-CN") in body, body  # Slack's words, not the goal refusal
    assert count(sessions, Review) == count(sessions, ActionItem) == 0
    assert sends(connector) == []


@pytest.mark.parametrize("values", [
    {"went_well": "x" * 100_000},
    {"private_notes": "y" * 3001},
    {"assessment": 3},
    {"went_well": {"nested": "object"}},
    {"action:1:owner": "ceo"},
    {"action:1:due_date": "tomorrow"},
    {"goal_id": "{other}", "new_target": "20"},
])
def test_oversized_and_forged_fields_are_refused_beside_their_input_and_nothing_is_written(
    teams, teams_people, ada, li_lei, week, connector, sessions, values
):
    fields = {key: value.format(other=week["pilots"].id) if isinstance(value, str) else value
              for key, value in values.items()}
    connector.reset()
    response = teams.task_submit(ada, {"action": coaching_cards.SUBMIT_REVIEW, "subject_id": id_of(sessions, "UEMP2"),
                                       "week": "2026-W48", **GOOD, **fields})
    dialog = dialog_card(response)
    assert any(str(e.get("text", "")).startswith("⚠️") for e in dialog["body"]), values
    assert count(sessions, Review) == count(sessions, ActionItem) == 0
    with sessions() as session:
        assert session.get(Goal, week["pilots"].id).target_value == 10
    assert sends(connector) == []


def test_only_the_employee_may_reflect_on_their_feedback(
    teams, teams_server, teams_people, ada, li_lei, week, connector, emulator, sessions, waits
):
    card = agenda(teams_server, sessions, emulator, waits, connector, ada)
    submit(teams, ada, open_review(teams, ada, card, id_of(sessions, "UEMP2")),
           {"went_well": "Good write-up", "assessment": "on_track"})
    with sessions() as session:
        feedback_id = session.exec(select(Review)).one().id
    connector.reset()
    katherine = teams_people.katherine
    for forged in (feedback_id, str(feedback_id), "abc", None, True, "99999999999"):
        answer = teams.task_submit(katherine, {"action": coaching_cards.SUBMIT_REFLECT, "feedback_id": forged,
                                               "will_do_differently": "gotcha"})
        assert error_text("not_found", "zh-CN") in str(dialog_card(answer)["body"])
    for forged in ("abc", "", "-3"):
        fetched = dialog_card(teams.task_fetch(katherine, {"action": coaching_blocks.REFLECT_ACTION, "value": forged}))
        assert error_text("not_found", "zh-CN") in str(fetched["body"])
    assert count(sessions, Review) == 1
    assert sends(connector) == []



# ---- the builders, pure --------------------------------------------------------------------------


def report(*, goals: int = 1, title: str = "Onboard 10 pilots", text: str = "Waiting on legal") -> SimpleNamespace:
    lines = [SimpleNamespace(goal=SimpleNamespace(id=i, title=title, status="at_risk"), progress=0.5)
             for i in range(1, goals + 1)]
    return SimpleNamespace(person=SimpleNamespace(id=7, name="李雷"), goals=lines,
                           checkin=SimpleNamespace(confidence=2, late=False, blockers=text, help_needed=text),
                           talking_points=[SimpleNamespace(kind="blocker", detail=text)])


def content(answer: dict) -> dict:
    return answer["task"]["value"]["card"]["content"]


@pytest.mark.parametrize("locale", LOCALES)
def test_the_review_dialog_has_slacks_fields_in_every_language(locale):
    slack = coaching_blocks.review_modal(report(), week="2026-W48", locale=locale)
    slack_inputs = {b["block_id"]: b["label"]["text"] for b in slack["blocks"] if b["type"] == "input"}
    answer = coaching_cards.review_dialog(report(), week="2026-W48", locale=locale)
    assert answer["task"]["value"]["title"] == slack["title"]["text"]
    card = content(answer)
    assert {key: field["label"] for key, field in inputs(card).items()} == slack_inputs
    assert card["actions"][0]["title"] == slack["submit"]["text"]
    assert card["actions"][0]["data"] == {"action": coaching_cards.SUBMIT_REVIEW, "subject_id": 7, "week": "2026-W48"}
    assert set(inputs(card)) == set(coaching_cards.REVIEW_FIELDS)


def test_without_goals_there_is_no_adjustment_as_on_slack():
    fields = inputs(content(coaching_cards.review_dialog(report(goals=0), week="2026-W48", locale="en")))
    assert not {"goal_id", "new_target", "new_due_date", "adjust_reason"} & set(fields)


def test_the_longest_review_fits_in_a_teams_message_with_every_field_and_as_much_evidence_as_fits():
    big = report(goals=100, title="长" * 150, text="阻" * 3000)
    card = content(coaching_cards.review_dialog(big, week="2026-W48", locale="zh-CN"))
    assert len(json.dumps(card, ensure_ascii=False).encode()) < 28 * 1024
    assert len(inputs(card)) == len(coaching_cards.REVIEW_FIELDS)
    assert len(inputs(card)["goal_id"]["choices"]) == 20  # as many goals as the check-in dialog offers
    assert card["body"][0]["text"].startswith("**李雷**")


def test_the_reflect_dialog_is_slacks_reflect_modal():
    for locale in LOCALES:
        slack = coaching_blocks.reflect_modal(5, locale=locale)
        answer = coaching_cards.reflect_dialog(5, locale=locale)
        assert answer["task"]["value"]["title"] == slack["title"]["text"]
        assert {k: f["label"] for k, f in inputs(content(answer)).items()} == {
            b["block_id"]: b["label"]["text"] for b in slack["blocks"]}
