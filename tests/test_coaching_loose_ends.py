"""The loose ends of coaching that does not go numb: the owner told when their goal is adjusted, the check-in's
thanks saying what its follow-ups did, custom answers in `checkin history`, and pace judged in the owner's zone."""

from __future__ import annotations

from datetime import UTC, date, datetime
from types import SimpleNamespace

import pytest
from sqlmodel import select

from prompts import adaptive, checkin_blocks, coaching_blocks, warning_blocks
from storage import questions, warnings
from storage.models import ActionItem, Goal
from storage.warnings import Reason
from tests import test_early_warning as early_warning
from tests.builders import load_org, person
from tests.slack_helpers import dms_to, opened_view, visible_text
from tests.teams import conftest as teams_fixtures
from tests.teams import test_checkin_followups as followups
from tests.teams.helpers import dialog_card, inputs
from tests.teams.test_checkin_followups import LEGAL, NEXT_MONDAY, attentions
from tests.test_early_warning import REASON, SURFACES, TITLE

pytestmark = pytest.mark.filterwarnings(teams_fixtures.SDK_INTERNAL_WARNING)
connector = teams_fixtures.connector
settings = teams_fixtures.settings
teams = teams_fixtures.teams
teams_keys = teams_fixtures.teams_keys
teams_overrides = teams_fixtures.teams_overrides
teams_people = teams_fixtures.teams_people
teams_server = teams_fixtures.teams_server
# The early warnings' and the follow-ups' own fixtures: Alan's goal behind pace, people on one surface.
ada = early_warning.ada
goal = early_warning.goal
on = early_warning.on
slack_client = early_warning.slack_client
surface_of = followups.surface_of

ADJUSTED = {"title": TITLE, "start": "0", "target": "6", "due_date": "2027-01-29", "reason": REASON}


def adjust(surface: str, slack_client, teams, emulator, user, slack_id: str, goal_id: int, values: dict) -> None:
    """Open "Adjust this goal" (the agenda's button) and submit the adjustment."""
    if surface == "slack":
        slack_client.block_action(slack_id, coaching_blocks.ADJUST_GOAL_ACTION, value=str(goal_id),
                                  message={"channel": f"D{slack_id}", "blocks": [], "text": ""})
        assert slack_client.view_submission(slack_id, opened_view(emulator), values).status == 200
        return
    dialog = dialog_card(teams.task_fetch(user, adaptive.button_data(coaching_blocks.ADJUST_GOAL_ACTION,
                                                                     str(goal_id))))
    fields = {key: element.get("value", "") for key, element in inputs(dialog).items()}
    done = teams.task_submit(user, {**dialog["actions"][0]["data"], **fields, **values}).json()
    assert done["task"]["type"] == "message", done


def adjusted_notices(surface: str, emulator, connector, alan) -> list[str]:
    """What Alan was told about adjustments of his goals."""
    if surface == "slack":
        return [visible_text(m) for m in dms_to(emulator, "UEMP1") if "adjusted your goal" in m.get("text", "")]
    return [p.text for p in connector.sent_to(alan.personal_conversation_id) if "adjusted your goal" in p.text]


@pytest.mark.parametrize("surface", SURFACES)
def test_it_tells_the_owner_once_what_their_manager_changed_in_their_goal_and_why(
    surface, on, goal, teams, connector, emulator, slack_client
):
    ada, alan = on(surface, "UMGR1"), on(surface, "UEMP1")
    connector.reset()
    adjust(surface, slack_client, teams, emulator, ada, "UMGR1", goal.id, ADJUSTED)

    [told] = adjusted_notices(surface, emulator, connector, alan)
    expected = warning_blocks.goal_adjusted_for_owner(
        adjuster="Ada Lovelace", title=TITLE, changes=[("target_value", "10", "6"),
                                                       ("due_date", "2026-12-10", "2027-01-29")],
        reason=REASON, locale="en")["text"]
    assert "Target value: 10 → 6" in expected and "Due date: Dec 10, 2026 → Jan 29, 2027" in expected
    assert REASON in expected and "Ada Lovelace" in expected
    assert told.replace("**", "*") == expected  # Teams writes bold as Markdown does

    adjust(surface, slack_client, teams, emulator, ada, "UMGR1", goal.id, ADJUSTED)  # nothing changes: no news
    assert len(adjusted_notices(surface, emulator, connector, alan)) == 1


def test_the_owner_adjusting_their_own_goal_is_not_told_about_it(on, goal, teams, connector, emulator,
                                                                  slack_client):
    on("slack", "UMGR1")
    on("slack", "UEMP1")
    adjust("slack", slack_client, teams, emulator, None, "UEMP1", goal.id, ADJUSTED)
    assert adjusted_notices("slack", emulator, connector, None) == []
    assert dms_to(emulator, "UMGR1") == [] or all("adjusted your goal" not in m["text"]
                                                  for m in dms_to(emulator, "UMGR1"))


def test_the_owners_message_is_in_chinese_for_a_chinese_reader():
    text = warning_blocks.goal_adjusted_for_owner(adjuster="Ada", title="招聘两名 SRE", reason="预算削减",
                                                  changes=[("target_value", "2", "1"),
                                                           ("due_date", "2027-03-31", "2027-06-30")],
                                                  locale="zh-CN")["text"]
    assert "调整了你的目标" in text and "目标值：2 → 1" in text and "截止日期：2027年3月31日 → 2027年6月30日" in text
    assert "预算削减" in text


# ---- the thanks after a check-in says what its follow-ups did ------------------------------------------------------

RETRO = "retro | text | 1 | What would you change in how we work? | 你想改变我们的哪些工作方式？\n" \
        "shipped | yes/no | 1 | Did you ship something this week? | 这周有上线吗？"


def thanks_to_alan(surface) -> str:
    """The last thanks Alan read after checking in."""
    if surface.kind == "slack":
        texts = [visible_text(m) for m in dms_to(surface.emulator, "UEMP1")]
    else:
        texts = [p.text.replace("**", "*") for p in surface.connector.sent_to(surface.alan.personal_conversation_id)]
    return [t for t in texts if "check-in for the" in t][-1]


@pytest.mark.parametrize("kind", SURFACES)
def test_the_thanks_says_which_blocker_was_marked_resolved_which_action_is_done_and_the_answers_given(
    kind, surface_of, sessions, clock
):
    surface = surface_of(kind)
    with sessions() as session:
        alan = person(session, "UEMP1")
        questions.save(session, questions.scope_named(session, team="Platform"), RETRO, actor=None, now=clock.now())
        session.add(ActionItem(subject_id=alan.id, owner_id=alan.id, text="Send the deck to <legal>",
                               due_date=date(2026, 11, 29), created_at=clock.now()))
    assert surface.check_in(confidence="4", blockers=LEGAL) == []
    first = thanks_to_alan(surface)
    assert "Marked resolved" not in first and "Done:" not in first and "Your answers" not in first
    [raised] = attentions(sessions)
    with sessions() as session:
        [action_id] = session.exec(select(ActionItem.id)).all()

    clock.set(NEXT_MONDAY)
    assert surface.check_in(confidence="4", actions_done=str(action_id), **{
        f"blocker:{raised.id}": "resolved", "q:retro": "Fewer meetings", "q:shipped": "yes"}) == []

    thanks = thanks_to_alan(surface)
    deck = "Send the deck to &lt;legal&gt;" if kind == "slack" else "Send the deck to <legal>"  # mrkdwn escaped
    assert f"✅ Marked resolved: {LEGAL}\n☑️ Done: {deck}\n" in thanks
    assert "Your answers:" in thanks
    assert "What would you change in how we work? *Fewer meetings*" in thanks
    assert "Did you ship something this week? *Yes*" in thanks


def test_the_thanks_in_chinese_says_the_same():
    answer = SimpleNamespace(answer_type="1-5", value="4", question="这周整体感觉如何（1-5）？")
    text = checkin_blocks.thanks(name="李雷", week="2026-W49", created=True, late=False, streak=1, goals=[],
                                 told_manager=False, manager="", locale="zh-CN", resolved=["法务审批\n还在等"],
                                 still_blocked=["预算"], done=["发送方案"], answers=[answer])["text"]
    assert "✅ 已标记为解决：法务审批 还在等" in text and "⏳ 仍受阻：预算" in text and "☑️ 已完成：发送方案" in text
    assert "你的回答：\n• 这周整体感觉如何（1-5）？ *4/5*" in text
    assert "签到" not in text


# ---- custom answers in `checkin history` -----------------------------------------------------------------------


def history_for(surface, viewer: str) -> str:
    """`checkin history` of Alan, asked by Alan himself or by Ada, his manager."""
    if surface.kind == "slack":
        text = "history" if viewer == "alan" else "history <@UEMP1|alan>"
        return surface.slack.slash_command("UEMP1" if viewer == "alan" else "UMGR1", "/checkin", text).json()["text"]
    user = surface.alan if viewer == "alan" else surface.ada
    surface.connector.reset()
    if viewer == "alan":
        surface.teams.message(user, "checkin history")
    else:
        alan = surface.teams.mention(surface.alan, with_aad_object_id=True)
        surface.teams.message(user, f"checkin history {alan}", mentions=[alan])
    [sent] = surface.connector.sent_to(user.personal_conversation_id)
    return sent.text.replace("**", "*")


@pytest.mark.parametrize("kind", SURFACES)
def test_checkin_history_shows_the_custom_answers_to_the_person_and_to_their_manager(kind, surface_of, sessions,
                                                                                      clock):
    surface = surface_of(kind)
    with sessions() as session:
        questions.save(session, questions.scope_named(session, team="Platform"), RETRO, actor=None, now=clock.now())
    assert surface.check_in(confidence="4", **{"q:retro": "Fewer <meetings>", "q:shipped": "no"}) == []

    for viewer in ("alan", "ada"):
        shown = history_for(surface, viewer)
        meetings = "Fewer &lt;meetings&gt;" if kind == "slack" else "Fewer <meetings>"
        assert f"• What would you change in how we work? *{meetings}*" in shown, shown
        assert "• Did you ship something this week? *No*" in shown


def test_a_checkin_before_any_question_shows_no_answers_line():
    entry = {"week": "2026-W48", "late": False, "confidence": 4, "highlights": "", "blockers": "", "help_needed": "",
             "goals": [], "answers": ""}
    text = checkin_blocks.history([entry], own=True, name="Alan", locale="zh-CN")["text"]
    assert text.endswith("信心 4/5")


# ---- pace counts days in the owner's time zone ---------------------------------------------------------------------

CREATED = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)  # 17:00 in Shanghai; the goal is due 70 days later
EVENING_UTC = datetime(2026, 10, 14, 20, 0, tzinfo=UTC)  # day 13 in London (19%), already day 14 in Shanghai (20%)


def behind_goal(session, owner) -> Goal:
    """A goal gone backwards: behind pace as soon as pace is judged (a fifth of its time gone)."""
    row = Goal(level="individual", owner_id=owner.id, title="Onboard pilots", start_value=100, target_value=200,
               current_value=90, due_date=date(2026, 12, 10), created_by_id=owner.id, created_at=CREATED,
               updated_at=CREATED, approval="approved")
    session.add(row)
    session.flush()
    return row


def test_pace_counts_the_days_in_the_owners_own_time_zone_at_a_day_boundary(sessions, session):
    load_org(sessions, now=CREATED)
    alan, li = person(session, "UEMP1"), person(session, "UEMP2")  # Europe/London, Asia/Shanghai
    in_london, in_shanghai = behind_goal(session, alan), behind_goal(session, li)

    flags = warnings.assess(session, [in_london, in_shanghai], now=EVENING_UTC)
    assert list(flags) == [in_shanghai.id]  # past midnight in Shanghai, not yet in London
    assert flags[in_shanghai.id].reasons == (Reason("pace", done=-10, elapsed=20),)
    assert [f.goal.id for f in warnings.flagged_goals(session, li, now=EVENING_UTC)] == [in_shanghai.id]
    assert warnings.flagged_goals(session, alan, now=EVENING_UTC) == []


def test_pace_of_someone_whose_zone_is_unknown_counts_in_the_default_zone(sessions, session):
    load_org(sessions, now=CREATED)
    alan = person(session, "UEMP1")
    alan.timezone = None
    session.add(alan)
    unknown = behind_goal(session, alan)

    assert warnings.assess(session, [unknown], now=EVENING_UTC) == {}  # UTC: day 13
    assert list(warnings.assess(session, [unknown], now=EVENING_UTC, default_zone="Asia/Shanghai")) == [unknown.id]
