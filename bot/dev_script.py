"""The scripted week of `checkin-bot dev`: one scene per feature, in the order a week runs."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from sqlmodel import select

from bot.dev import GUEST, DevWorld
from handlers.shortcuts import KUDOS_SHORTCUT
from prompts.calibration_blocks import ACKNOWLEDGE_ACTION, CALIBRATE_ACTION, RELEASE_ACTION, REVISIT_ACTION
from prompts.checkin_blocks import (
    ACTIONS_DONE_FIELD,
    BLOCKER_FIELD_PREFIX,
    NO_CHANGE_ON,
    OPEN_CHECKIN_ACTION,
    RESPOND_ACTION,
    SNOOZE_ACTION,
)
from prompts.coaching_blocks import ADJUST_GOAL_ACTION, ONE_ON_ONE_ACTION, REFLECT_ACTION, REVIEW_ACTION
from prompts.digest_blocks import EXPORT_ACTION
from prompts.goal_blocks import APPROVE_ACTION, MENU_ACTION
from prompts.improvement_blocks import COMMITMENTS_ACTION, OPEN_PLAN_ACTION, RECORD_CHECK_ACTION
from prompts.peer_blocks import (
    CHOOSE_PEERS_ACTION,
    CONFIRM_PEERS_ACTION,
    DECLINE_PEER_REVIEW_ACTION,
    OPEN_PEER_REVIEW_ACTION,
)
from prompts.review_blocks import DRAFT_ACTION, OPEN_MANAGER_REVIEW_ACTION, OPEN_SELF_REVIEW_ACTION
from storage import cycles, goals
from storage.models import Goal, Person
from storage.weeks import shift_week, week_of

GRACE, ADA, WANG_FANG, FRANCES = "U0HR000001", "U0MG000001", "U0MG000002", "U0MG000003"
TOM = "U0EM000006"
ALAN, KATHERINE, LINUS, LI_LEI, MARGARET = "U0EM000001", "U0EM000002", "U0EM000003", "U0EM000004", "U0EM000005"
GROWTH_QUESTIONS = "# Growth's own question\nmood | 1-5 | 1 | How was your week, 1 to 5? | 这周整体感觉如何（1-5）？"


def help_scene(world: DevWorld) -> None:
    """Monday: the getting-started guide for each role, then people ask the bot what it does."""
    world.run_job("welcome")
    world.command(ALAN, "/goal", "help")
    world.command(LI_LEI, "/goal", "help")
    world.command(KATHERINE, "/checkin", "help")
    world.command(WANG_FANG, "/checkin", "frobnicate")
    world.command(GUEST[0], "/goal", "help")
    # Linus Chen works in Microsoft Teams: the same bot, words and records; from now on his messages go there.
    world.teams_install(LINUS)
    world.teams_message(LINUS, "help")


def goals_scene(world: DevWorld) -> None:
    """Monday: goals cascade from the company to each person, with approval, progress and an adjustment."""
    due = (world.clock.now() + timedelta(days=180)).date().isoformat()
    world.command(GRACE, "/goal")
    world.submit(GRACE, "a company goal", {"level": "company", "title": "Grow ARR to ¥10M", "metric": "ARR",
                                           "start": "4", "target": "10", "unit": "M ¥", "due_date": due})
    company = _latest_goal(world)
    world.command(ADA, "/goal")
    world.submit(ADA, "a team goal aligned to it", {
        "level": "team", "title": "Ship the self-serve plan", "start": "0", "target": "100", "unit": "%",
        "due_date": due, "parent_id": str(company.id)})
    team = _latest_goal(world)

    world.command(KATHERINE, "/goal")
    world.submit(KATHERINE, "a vague goal", {"title": "Improve work efficiency", "due_date": "2020-01-01"})
    world.submit(KATHERINE, "it again with a date", {"title": "Improve work efficiency", "due_date": due})
    world.command(KATHERINE, "/goal")
    world.submit(KATHERINE, "a SMART goal instead", {
        "title": "Raise document throughput 30% by 30 June", "metric": "documents per week", "start": "100",
        "target": "130", "unit": "docs", "due_date": due, "parent_id": str(team.id)})

    world.command(ALAN, "/goal")
    world.submit(ALAN, "a goal aligned to the team's", {
        "title": "Onboard 10 pilot customers", "start": "0", "target": "10", "unit": "customers", "due_date": due,
        "parent_id": str(team.id), "weight": "2"})
    alan_goal = _latest_goal(world)
    world.clock.advance(timedelta(hours=2))
    world.click(ADA, "Approve on Alan's goal", APPROVE_ACTION, message=world.last_dm(ADA))

    world.command(LI_LEI, "/goal")
    world.submit(LI_LEI, "一个中文目标", {"title": "将续约率提高到 95%", "metric": "续约率", "start": "88",
                                      "target": "95", "unit": "%", "due_date": due, "parent_id": str(company.id)})
    world.click(WANG_FANG, "批准", APPROVE_ACTION, message=world.last_dm(WANG_FANG))

    world.clock.advance(timedelta(days=2))
    _menu(world, ALAN, alan_goal, "progress", "Update progress")
    world.submit(ALAN, "progress 4 customers", {"value": "4", "note": "Two pilots signed this week"})
    world.clock.advance(timedelta(hours=5))
    _menu(world, ADA, alan_goal, "adjust", "Adjust goal")
    world.submit(ADA, "a new target of 12", {"title": alan_goal.title, "start": "0", "target": "12",
                                             "unit": "customers", "due_date": due,
                                             "reason": "Sales found two more design partners"})
    _menu(world, ALAN, alan_goal, "history", "History")
    world.command(ADA, "/goal", "list")
    world.command(KATHERINE, "/goal", f"list <@{ALAN}|alan>")
    world.open_home(ADA)


def _latest_goal(world: DevWorld) -> Goal:
    with world.deps.sessions() as session:
        return session.exec(select(Goal).order_by(Goal.id.desc())).first()


def _menu(world: DevWorld, user_id: str, goal: Goal, verb: str, what: str) -> None:
    option = {"text": {"type": "plain_text", "text": what}, "value": f"{verb}:{goal.id}"}
    world.click(user_id, f"⋯ → {what} on “{goal.title}”", MENU_ACTION, block_id=f"goal-{goal.id}",
                selected_option=option, view={"id": "VHOME", "type": "home", "blocks": []})


def security_scene(world: DevWorld) -> None:
    """Anyone: requests not signed by Slack are refused."""
    body = b"command=%2Fgoal&text=help&user_id=U0EM000001"
    unsigned = world.slack.send_raw(body, "application/x-www-form-urlencoded", drop_signature=True)
    forged = world.slack.send_raw(body, "application/x-www-form-urlencoded", secret="not-the-secret")
    world.transcript.say("operator", f"unsigned request -> HTTP {unsigned.status}")
    world.transcript.say("operator", f"request signed with the wrong secret -> HTTP {forged.status}")




def checkins_scene(world: DevWorld) -> None:
    """Friday: reminders at 15:00 in each person's zone; check-ins, a snooze, a blocker and its reply."""
    monday = world.clock.now() - timedelta(days=world.clock.now().weekday())
    friday = monday.replace(hour=0, minute=0) + timedelta(days=4)
    # 王芳's team gets a question of its own (storage/questions.py): asked in each check-in, shown in her agenda.
    world.command(WANG_FANG, "/checkin", "questions")
    world.submit(WANG_FANG, "团队自定义问题", {"questions": GROWTH_QUESTIONS})
    world.at(friday + timedelta(hours=7))  # 15:00 in Shanghai
    world.run_job("checkin-reminders")
    world.click(LI_LEI, "推迟 2 小时", f"{SNOOZE_ACTION}-2h", message=world.last_dm(LI_LEI))
    world.at(friday + timedelta(hours=9, minutes=1))
    world.run_job("checkin-reminders")
    world.click(LI_LEI, "填写周进展", OPEN_CHECKIN_ACTION, message=world.last_dm(LI_LEI))
    renewal = _goal_titled(world, "将续约率提高到 95%")
    world.submit(LI_LEI, "周进展：信心 2，有阻碍", {
        f"goal:{renewal.id}:value": "90", f"goal:{renewal.id}:status": "at_risk", "confidence": "2",
        "highlights": "两个大客户已续约", "blockers": "法务审批合同需要两周", "help_needed": "请帮忙加快法务审批",
        "q:mood": "3"})
    world.click(WANG_FANG, "回复", RESPOND_ACTION, message=world.last_dm(WANG_FANG))
    world.submit(WANG_FANG, "回复", {"reply": "我今天就联系法务负责人。"})

    # Linus Chen last used Teams: his reminder came there, and he checks in from the card, in a dialog.
    dialog = world.teams_dialog(LINUS, "Check in now", world.teams_button(LINUS, OPEN_CHECKIN_ACTION))
    submit = next(a["data"] for a in dialog.get("actions", []) if a.get("type") == "Action.Submit")
    fields = {element["id"]: element.get("value") or "" for element in dialog.get("body", []) if "id" in element}
    world.teams_submit(LINUS, "Check-in (no confidence)", {**submit, **fields, "confidence": ""})
    world.teams_submit(LINUS, "Check-in", {**submit, **fields, "confidence": "4",
                                           "highlights": "Shipped the pilot dashboard"})

    world.at(friday + timedelta(hours=15))  # 15:00 in London
    world.run_job("checkin-reminders")
    world.click(ALAN, "Check in now", OPEN_CHECKIN_ACTION, message=world.last_dm(ALAN))
    pilots = _goal_titled(world, "Onboard 10 pilot customers")
    world.submit(ALAN, "a check-in with a typo", {f"goal:{pilots.id}:value": "six", "confidence": "4"})
    world.submit(ALAN, "it fixed", {f"goal:{pilots.id}:value": "6", "confidence": "4",
                                    "highlights": "Pilot #6 live in production"})
    world.command(ALAN, "/kudos", f"<@{KATHERINE}|katherine> thanks for pairing on the billing bug &lt;3")
    # Shortcuts: "Kudos for this message" in a message's menu (and "Check in" in the composer's, the same modal).
    note = world.emulator.post_as_user(ALAN, "C0GENERAL", "Pilot #6 is live: the runbook is in the wiki")
    world.slack.message_shortcut(ADA, KUDOS_SHORTCUT, note)
    world.transcript.action(ADA, "Kudos for this message (a message shortcut) on Alan's note in #general")
    world.submit(ADA, "kudos", {"receiver": ALAN, "message": "A runbook the whole team can follow, thank you"})
    world.command(KATHERINE, "/checkin", f"away until {(friday + timedelta(days=10)).date().isoformat()}")

    world.at(friday + timedelta(hours=20))  # 15:00 in New York
    world.run_job("checkin-reminders")
    world.command(ADA, "/checkin", f"history <@{ALAN}|alan>")


def _goal_titled(world: DevWorld, title: str) -> Goal:
    with world.deps.sessions() as session:
        return session.exec(select(Goal).where(Goal.title == title)).one()




def coaching_scene(world: DevWorld) -> None:
    """Next Monday: each manager's 1:1 agenda at 09:00 their time; a review, feedback, a reflection."""
    next_monday = _next_monday(world)
    world.at(next_monday + timedelta(hours=1))  # 09:00 in Shanghai
    world.run_job("manager-nudges")
    li_lei = _person(world, LI_LEI)
    world.click(WANG_FANG, "反馈（李雷）", REVIEW_ACTION, value=f"{li_lei.id}|{_last_week(world)}",
                message=world.last_dm(WANG_FANG))
    world.submit(WANG_FANG, "反馈", {
        "acknowledged": ["yes"], "went_well": "主动把法务风险讲清楚了", "to_improve": "阻碍超过三天就请直接找我",
        "assessment": "needs_attention", "private_notes": "注意工作量，考虑分担一部分续约工作",
        "action:1:text": "和法务约一次评审会", "action:1:owner": "manager",
        "action:1:due_date": (next_monday + timedelta(days=2)).date().isoformat(),
        "action:2:text": "整理续约合同的法务意见清单", "action:2:owner": "employee",
        "action:2:due_date": (next_monday + timedelta(days=3)).date().isoformat()})
    world.click(LI_LEI, "反思", REFLECT_ACTION, message=world.last_dm(LI_LEI))
    world.submit(LI_LEI, "反思", {"will_do_differently": "阻碍超过三天就上报", "support_needed": "每周和法务同步一次"})

    world.at(next_monday + timedelta(hours=9))  # 09:00 in London
    world.run_job("manager-nudges")
    alan = _person(world, ALAN)
    world.click(ADA, "1:1 held (Alan)", ONE_ON_ONE_ACTION, value=str(alan.id), message=world.last_dm(ADA))


def follow_up_scene(world: DevWorld) -> None:
    """Monday evening in Shanghai: 李雷's new check-in opens with last week's blocker ("解决了吗？") and the action
    item due from his 1:1; he says it is resolved (王芳 is told, his blockers field is cleared of it), ticks the
    action item done, and keeps his goal as it was with one tick ("无变化")."""
    world.command(LI_LEI, "/checkin")
    modal = world.last_modal()
    asked = {block["block_id"]: block for block in modal["blocks"] if block.get("type") == "input"}
    blocker = next(key for key in asked if key.startswith(BLOCKER_FIELD_PREFIX))
    done = [option["value"] for option in asked[ACTIONS_DONE_FIELD]["element"]["options"]]
    renewal = _goal_titled(world, "将续约率提高到 95%")
    world.submit(LI_LEI, "周进展：上周的阻碍已解决，行动项已完成，目标无变化", {
        blocker: "resolved", ACTIONS_DONE_FIELD: done, f"goal:{renewal.id}:value": "90",
        f"goal:{renewal.id}:same": [NO_CHANGE_ON], f"goal:{renewal.id}:status": "at_risk", "confidence": "3",
        "highlights": "法务审批已通过，合同已寄出", "blockers": asked["blockers"]["element"].get("initial_value"),
        "q:mood": "4"})


def digest_scene(world: DevWorld) -> None:
    """Next Monday 10:00 in New York: HR's digest with a chart, and an export from Slack."""
    world.at(_next_monday(world) + timedelta(hours=15))
    world.run_job("hr-digest")
    world.click(GRACE, "Export check-ins (CSV)", f"{EXPORT_ACTION}-checkins", value="checkins",
                message=world.last_dm(GRACE))


def _next_monday(world: DevWorld):
    now = world.clock.now()
    return (now - timedelta(days=now.weekday())).replace(hour=0, minute=0) + timedelta(days=7 if now.weekday() else 0)


def _last_week(world: DevWorld) -> str:
    return shift_week(week_of(world.clock.now(), UTC), -1)


def _person(world: DevWorld, slack_id: str) -> Person:
    with world.deps.sessions() as session:
        return session.exec(select(Person).where(Person.slack_id == slack_id)).one()



def evaluation_scene(world: DevWorld) -> None:
    """Next Tuesday on: a short review cycle for Growth, from self and peer reviews to release and a plan."""
    tuesday = _next_monday(world) + timedelta(days=1)
    world.at(tuesday + timedelta(hours=1))  # 09:00 in Shanghai
    start = (tuesday - timedelta(days=90)).date().isoformat()
    due = [(tuesday + timedelta(days=days)).date().isoformat() for days in (7, 10, 14)]
    with world.deps.sessions() as session:
        cycles.open_cycle(session, name="Q4 review", period_start=start, period_end=due[2],
                          self_due=due[0], peer_due=due[1], manager_due=due[2], team="Growth",
                          now=world.clock.now())
    world.transcript.say("operator", f"checkin-bot cycles open 'Q4 review' --from {start} --to {due[2]} "
                                     f"--self-due {due[0]} --peer-due {due[1]} --manager-due {due[2]} --team Growth")
    world.run_job("review-reminders")
    request = world.last_dm(LI_LEI)
    world.click(LI_LEI, "选择同事评估人", CHOOSE_PEERS_ACTION, message=request)
    world.submit(LI_LEI, "同事评估人（选了自己）", {"peers": [LI_LEI, MARGARET]})
    world.submit(LI_LEI, "同事评估人", {"peers": [MARGARET, ALAN]})
    world.click(WANG_FANG, "确认", CONFIRM_PEERS_ACTION, message=_latest_with(world, WANG_FANG, CONFIRM_PEERS_ACTION))
    world.click(LI_LEI, "填写自评", OPEN_SELF_REVIEW_ACTION, message=request)
    world.submit(LI_LEI, "自评", {"rating:results": "4", "comment:results": "续约率从 88% 提高到 90%，两个大客户已续约",
                                 "rating:quality": "4", "rating:collaboration": "5",
                                 "comment:collaboration": "和法务每周同步", "rating:ownership": "3"})

    world.at(tuesday + timedelta(hours=14))  # 09:00 in New York, 14:00 in London
    world.run_job("review-reminders")
    world.click(MARGARET, "Choose peers", CHOOSE_PEERS_ACTION,
                message=_latest_with(world, MARGARET, CHOOSE_PEERS_ACTION))
    world.submit(MARGARET, "Peer reviewers", {"peers": [LI_LEI, KATHERINE]})
    world.click(WANG_FANG, "确认", CONFIRM_PEERS_ACTION, message=_latest_with(world, WANG_FANG, CONFIRM_PEERS_ACTION))
    world.run_job("review-reminders")
    world.click(ALAN, "Decline", DECLINE_PEER_REVIEW_ACTION, message=_latest_with(world, ALAN,
                                                                                   DECLINE_PEER_REVIEW_ACTION))
    world.submit(ALAN, "Decline review", {"reason": "We only met twice this quarter"})
    for peer in (MARGARET, KATHERINE):
        world.click(peer, "Write review", OPEN_PEER_REVIEW_ACTION, message=_latest_with(world, peer,
                                                                                         OPEN_PEER_REVIEW_ACTION))
        world.submit(peer, "Peer review", {**_all_ratings("4"), "strengths": "Keeps every renewal on a clear plan",
                                           "to_improve": "Share the risks with the team earlier"})
    world.click(MARGARET, "Write self-review", OPEN_SELF_REVIEW_ACTION,
                message=_latest_with(world, MARGARET, OPEN_SELF_REVIEW_ACTION))
    world.submit(MARGARET, "Self-review", _all_ratings("3"))

    world.at(tuesday + timedelta(days=1, hours=1))  # Wednesday 09:00 in Shanghai
    world.run_job("review-reminders")
    world.click(LI_LEI, "写评估", OPEN_PEER_REVIEW_ACTION, message=_latest_with(world, LI_LEI, OPEN_PEER_REVIEW_ACTION))
    world.submit(LI_LEI, "同事评估", {**_all_ratings("3"), "strengths": "客户沟通很细致",
                                   "to_improve": "交付日期经常延后，需要更早预警"})
    for subject, rating, strengths, to_improve in (
            ("李雷", "4", "主动推动续约，和法务协作顺畅", "阻碍超过三天要尽早上报"),
            ("Margaret", "1", "客户关系维护得好", "三个续约延期，计划和预警都不够")):
        world.click(WANG_FANG, f"填写评估（{subject}）", OPEN_MANAGER_REVIEW_ACTION,
                    message=_latest_with(world, WANG_FANG, OPEN_MANAGER_REVIEW_ACTION, subject))
        if subject == "李雷":  # the assistant drafts from his records, each sentence citing one (no model here:
            modal = world.last_modal()  # the records themselves, quoted); she edits and rates herself
            world.click(WANG_FANG, "用我的记录起草", DRAFT_ACTION, value=f"manager:{modal['private_metadata']}",
                        view=modal)
        world.submit(WANG_FANG, "经理评估", {**_all_ratings(rating), "overall": rating, "strengths": strengths,
                                         "to_improve": to_improve})

    world.at(tuesday + timedelta(days=1, hours=15))  # Wednesday 10:00 in New York
    world.open_home(GRACE)
    world.click(GRACE, "Calibration", CALIBRATE_ACTION, view=world.emulator.home_views[GRACE])
    rows = _latest_with(world, GRACE, REVISIT_ACTION)
    li_row = next(b for b in rows["blocks"] if "李雷" in b.get("text", {}).get("text", ""))
    world.click(GRACE, "Ask to revisit (李雷)", REVISIT_ACTION, value=li_row["accessory"]["value"], message=rows)
    world.submit(GRACE, "Ask to revisit", {"note": "His renewals beat the target by 2 points: is 4 too low?"})

    world.at(tuesday + timedelta(days=2, hours=1))  # Thursday 09:00 in Shanghai
    world.click(WANG_FANG, "重新审视评估", OPEN_MANAGER_REVIEW_ACTION,
                message=_latest_with(world, WANG_FANG, OPEN_MANAGER_REVIEW_ACTION, "重新审视"))
    world.submit(WANG_FANG, "经理评估（重新审视）", {**_all_ratings("5"), "overall": "5",
                                             "strengths": "续约率超出目标 2 个百分点，和法务协作顺畅",
                                             "to_improve": "阻碍超过三天要尽早上报"})
    world.click(GRACE, "Release results", RELEASE_ACTION, message=_latest_with(world, GRACE, RELEASE_ACTION))
    world.run_job("review-results")
    world.click(LI_LEI, "确认结果", ACKNOWLEDGE_ACTION, message=_latest_with(world, LI_LEI, ACKNOWLEDGE_ACTION))
    world.submit(LI_LEI, "你的结果", {"response": "谢谢认可。下季度我会把阻碍在三天内上报。"})

    world.at(tuesday + timedelta(days=2, hours=14))  # Thursday 09:00 in New York: Margaret's result
    world.run_job("review-results")

    world.at(tuesday + timedelta(days=3, hours=1))  # Friday 09:00 in Shanghai: her manager is prompted
    world.run_job("review-results")
    world.click(WANG_FANG, "制定改进计划（Margaret）", OPEN_PLAN_ACTION,
                message=_latest_with(world, WANG_FANG, OPEN_PLAN_ACTION))
    check_on = (world.clock.now() + timedelta(days=14)).date()
    world.submit(WANG_FANG, "改进计划", {"gaps": "三个续约延期", "causes": ["skills", "resources"],
                                     "cause_notes": "新接手的大客户多，缺少续约计划模板",
                                     "actions": "每个续约提前 60 天做计划；每周一对一过一遍风险",
                                     "support": "续约计划模板，和李雷结对两周",
                                     "success_measure": "下个月续约全部按期", "check_1": check_on.isoformat()})
    world.at(tuesday + timedelta(days=3, hours=14))  # Friday 09:00 in New York
    world.click(MARGARET, "Add my commitments", COMMITMENTS_ACTION,
                message=_latest_with(world, MARGARET, COMMITMENTS_ACTION))
    world.submit(MARGARET, "Improvement plan", {"commitments": "Flag any renewal at risk in my Friday check-in"})

    world.at(datetime.combine(check_on, time(0, 30), tzinfo=UTC))  # 08:30 in Shanghai, 19:30 in New York
    world.run_job("improvement-checks")
    world.click(WANG_FANG, "记录结果", RECORD_CHECK_ACTION, message=_latest_with(world, WANG_FANG, RECORD_CHECK_ACTION))
    world.submit(WANG_FANG, "改进计划检查", {"outcome": "两周内两个续约按期完成，风险都在周进展里提前说了",
                                       "decision": "met"})


def resilience_scene(world: DevWorld) -> None:
    """Later: people write to the bot's DM, and Slack misbehaves: nothing is lost, sent twice or misreported."""
    world.dm(ALAN, "help")
    world.dm(LI_LEI, "goal list")
    world.dm(KATHERINE, "what can you do?")

    request = _latest_with(world, ADA, APPROVE_ACTION, "Katherine")
    world.emulator.fail_next("chat.update", status=500, times=4)
    world.transcript.say("operator", "(Slack answers 500 to every chat.update for a while)")
    world.click(ADA, "Approve on Katherine's goal, while Slack cannot replace the buttons", APPROVE_ACTION,
                message=request)

    world.emulator.fail_after_performing("chat.postMessage", status=500, times=1)
    world.transcript.say("operator", "(Slack posts the next message, then answers 500 as if it had not)")
    world.command(KATHERINE, "/kudos", f"<@{ALAN}|alan> thanks for writing up the pilot notes")
    thanked = sum("pilot notes" in m.get("text", "") for m in world.emulator.messages
                  if m["channel"] == f"D{ALAN}")
    world.transcript.say("operator", f"Alan's DMs with Katherine's kudos: {thanked} (looked up by its key, "
                                     "not posted again)")
    world.clock.advance(timedelta(minutes=10))
    world.run_job("notices")


def _latest_with(world: DevWorld, user_id: str, action_id: str, containing: str = "") -> dict:
    return next(m for m in reversed(world.emulator.messages) if m["channel"] == f"D{user_id}"
                and action_id in str(m.get("blocks")) and containing in m.get("text", ""))


def _all_ratings(value: str) -> dict[str, str]:
    return {f"rating:{key}": value for key in ("results", "quality", "collaboration", "ownership")}


WARNED_GOAL = "Publish the API reference"


def early_warning_seed_scene(world: DevWorld) -> None:
    """Before Monday's agendas: a goal of Alan's approved two months ago, 2 of 10 chapters done, due in three
    weeks: behind pace, so the early warning flags it."""
    now = world.clock.now()
    started = now - timedelta(days=60)
    with world.deps.sessions() as session:
        alan, ada = (session.exec(select(Person).where(Person.slack_id == who)).one() for who in (ALAN, ADA))
        draft = goals.validate(session, alan, goals.GoalInput(
            title=WARNED_GOAL, metric="chapters", start="0", target="10",
            due_date=(now + timedelta(days=21)).date().isoformat()), today=started.date()).draft
        goal = goals.create(session, alan, draft, now=started)
        if goal.approval == "proposed":
            goals.decide(session, ada, goal.id, approve=True, comment=None, now=started)
        goals.update_progress(session, alan, goal.id, value="2", now=started + timedelta(days=30))
    world.transcript.say("scheduler", f"(seeded: Alan's “{WARNED_GOAL}”, approved {started:%d %b}, 2 of 10 done, "
                                      "due in 3 weeks: behind pace)")


def early_warning_scene(world: DevWorld) -> None:
    """Monday: Ada's agenda flagged Alan's goal behind pace; his check-in asks whether its target still holds, he
    says it should change, and Ada adjusts it from his answer, the reason kept in its history."""
    goal, pilots = _goal_titled(world, WARNED_GOAL), _goal_titled(world, "Onboard 10 pilot customers")
    world.at(world.clock.now() + timedelta(hours=1))
    world.command(ALAN, "/checkin")
    world.submit(ALAN, "a check-in: the API reference's target should change", {
        f"goal:{goal.id}:value": "2", f"goal:{pilots.id}:value": "7", "confidence": "3",
        f"target_holds:{goal.id}": "change", f"target_why:{goal.id}": "Four chapters moved to the v2 docs"})
    world.click(ADA, f"Adjust this goal (“{WARNED_GOAL}”)", ADJUST_GOAL_ACTION, value=str(goal.id),
                message=_latest_with(world, ADA, ADJUST_GOAL_ACTION, "should change"))
    world.submit(ADA, "a target of 6 chapters, with the reason", {
        "title": goal.title, "metric": "chapters", "start": "0", "target": "6",
        "due_date": goal.due_date.isoformat(), "reason": "Four chapters moved to the v2 docs (Alan's check-in)"})
    _menu(world, ADA, goal, "history", "History")


def escalation_scene(world: DevWorld) -> None:
    """The week after, in London: Tom's blocker waits; Frances opens it but does not answer, so after two working
    days it goes to her manager, Ada, once, saying how long it has waited."""
    now = world.clock.now()
    world.at(now.replace(hour=14, minute=0) + timedelta(days=7 - now.weekday()))  # Monday 14:00 in London
    world.command(TOM, "/checkin")
    world.submit(TOM, "check-in with a blocker", {"confidence": "2", "highlights": "Schema migration drafted",
                                                   "blockers": "Waiting for prod database access since Tuesday",
                                                   "help_needed": "Someone to approve the access request"})
    world.click(FRANCES, "Reply (opens the alert: seen)", RESPOND_ACTION, message=world.last_dm(FRANCES))
    world.transcript.say(FRANCES, "> closes the reply without sending it")
    world.at(world.clock.now() + timedelta(days=3, hours=-5))  # Thursday 09:00: Tuesday and Wednesday have passed
    world.run_job("blocker-escalations")
    world.run_job("blocker-escalations")  # the next tick: escalated already, nothing sent twice


SCENES = [help_scene, goals_scene, checkins_scene, early_warning_seed_scene, coaching_scene, follow_up_scene,
          early_warning_scene, digest_scene, evaluation_scene, resilience_scene, security_scene,
          escalation_scene]
