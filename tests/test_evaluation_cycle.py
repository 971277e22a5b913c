"""A whole review cycle for a team of five, through signed Slack requests and the emulator.

Welcome, self reviews, two peers each (one declining), manager reviews with kudos as evidence, calibration with a
chart, a revisited rating, release, an acknowledgement with a response, an improvement plan with a check date
and its outcome; and peer anonymity and permissions holding all along.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from bot.slack_client import make_web_client
from prompts.review_blocks import OPEN_MANAGER_REVIEW_ACTION, OPEN_SELF_REVIEW_ACTION
from scheduler import JobContext
from scheduler.registry import find_job
from storage import cycles, exports, kudos, plans
from storage.models import AuditEvent, ImprovementPlan, Review
from tests.builders import approved_goal, load_org, person
from tests.conftest import BOT_TOKEN
from tests.slack_helpers import dms_to, last_dm_text, opened_view, visible_text

HR, ADA, ALAN, LI, KATHERINE, LINUS = "UHR1", "UMGR1", "UEMP1", "UEMP2", "UEMP3", "UEMP4"
TEAM = [
    ["UHR1", "Grace Hopper", "grace@example.com", "", "People", "hr", "America/New_York", "en-US"],
    ["UMGR1", "Ada Lovelace", "ada@example.com", "", "Platform", "manager", "Europe/London", "en-GB"],
    ["UEMP1", "Alan Turing", "alan@example.com", "UMGR1", "Platform", "employee", "Europe/London", "en-GB"],
    ["UEMP2", "李雷", "li.lei@example.com", "UMGR1", "Platform", "employee", "Asia/Shanghai", "zh-CN"],
    ["UEMP3", "Katherine Johnson", "kj@example.com", "UMGR1", "Platform", "employee", "America/New_York", ""],
    ["UEMP4", "Linus Torvalds", "linus@example.com", "UMGR1", "Platform", "employee", "Europe/London", "en-GB"],
]
NAMES = {row[0]: row[1] for row in TEAM}
PEERS = {ALAN: (LI, KATHERINE), LI: (ALAN, LINUS), KATHERINE: (ALAN, LI), LINUS: (KATHERINE, ALAN)}
RATINGS = {ALAN: "5", LI: "4", KATHERINE: "3", LINUS: "1"}


@pytest.fixture
def team(sessions, clock, emulator):
    load_org(sessions, now=clock.now(), rows=TEAM, emulator=emulator)
    for who in PEERS:
        approved_goal(sessions, who, now=clock.now(), title=f"Goal of {NAMES[who]}", target="10")
    with sessions() as session:
        kudos.give(session, person(session, ALAN), person(session, LI), "谢谢你帮忙评审计费页面", now=clock.now())
        cycle = cycles.open_cycle(session, name="2026-H2", period_start="2026-07-01", period_end="2026-12-31",
                                  self_due="2026-12-04", peer_due="2026-12-09", manager_due="2026-12-16",
                                  team="Platform", now=clock.now(), peer_threshold=2)
        return cycle.id


@pytest.fixture
def run(sessions, emulator, waits, clock):
    client = make_web_client(token=BOT_TOKEN, base_url=emulator.api_url, sleep=waits.append)

    def run_job(name: str) -> None:
        find_job(name).run(JobContext(sessions=sessions, client=client, now=clock.now(), forced=True))
    return run_job


def with_action(emulator, user_id: str, action_id: str, containing: str = "") -> dict:
    """The latest DM to the person with this button (and these words)."""
    found = [m for m in dms_to(emulator, user_id) if action_id in str(m.get("blocks")) and containing in m["text"]]
    assert found, f"{user_id} has no message with {action_id} {containing!r}"
    return found[-1]


def ratings_of(view: dict, value: str) -> dict[str, str]:
    return {b["block_id"]: value for b in view["blocks"] if b.get("block_id", "").startswith("rating:")}


def test_a_whole_cycle_for_a_team_of_five(team, run, slack, emulator, sessions, session, clock):
    # --- welcome: each gets the guide of their role ---
    run("welcome")
    assert "I send you a 1:1 agenda" in last_dm_text(emulator, ADA)
    assert "每周的习惯是这样的" in last_dm_text(emulator, LI)
    assert "The digest shows" in last_dm_text(emulator, HR)

    # --- self-review requests, then peers proposed by each employee ---
    run("review-reminders")
    refused = slack.view_submission(LI, _open(slack, emulator, LI, "peers_choose"), {"peers": [LI, ALAN]})
    assert refused.json()["errors"]["peers"] == "不能评估自己，请选择同事。"
    assert session.exec(select(Review).where(Review.kind == "peer")).all() == []
    for employee, peers in PEERS.items():
        view = _open(slack, emulator, employee, "peers_choose")
        assert slack.view_submission(employee, view, {"peers": list(peers)}).status == 200
    assert "proposed peers for *2026-H2*: Katherine Johnson, 李雷" in visible_text(
        with_action(emulator, ADA, "peers_confirm", "*Alan Turing* proposed"))

    # --- the manager confirms three as proposed and changes one ---
    for employee in (ALAN, LI, KATHERINE):
        slack.block_action(ADA, "peers_confirm", message=with_action(emulator, ADA, "peers_confirm",
                                                                           f"*{NAMES[employee]}* proposed"))
    linus_proposal = with_action(emulator, ADA, "peers_change", "*Linus Torvalds* proposed")
    slack.block_action(ADA, "peers_change", message=linus_proposal)
    change = opened_view(emulator)
    assert set(change["blocks"][-1]["element"]["initial_users"]) == {KATHERINE, ALAN}
    assert slack.view_submission(ADA, change, {"peers": [KATHERINE, LI]}).status == 200
    assert "Peers for *Linus Torvalds* confirmed: Katherine Johnson, 李雷" in last_dm_text(emulator, ADA)

    # --- peers are asked; everyone writes, and Katherine declines Linus ---
    run("review-reminders")
    peer_reviews = 0
    for peer in (ALAN, LI, KATHERINE, LINUS):
        for request in [m for m in dms_to(emulator, peer) if "review_peer_open" in str(m.get("blocks"))]:
            if peer == KATHERINE and "Linus" in request["text"]:
                slack.block_action(peer, "review_peer_decline", message=request)
                slack.view_submission(peer, opened_view(emulator), {"reason": "We did not work together"})
                continue
            slack.block_action(peer, "review_peer_open", message=request)
            view = opened_view(emulator)
            strengths = f"strength noted #{peer_reviews + 1}"
            assert slack.view_submission(peer, view, {**ratings_of(view, "4"), "strengths": strengths,
                                                      "to_improve": "share plans earlier"}).status == 200
            peer_reviews += 1
    assert peer_reviews == 7
    declined = last_dm_text(emulator, ADA)
    assert "A peer declined to review *Linus Torvalds*" in declined and "Katherine" not in declined

    # --- self reviews ---
    for employee in (ADA, *PEERS):
        slack.block_action(employee, OPEN_SELF_REVIEW_ACTION, message=with_action(emulator, employee,
                                                                                   OPEN_SELF_REVIEW_ACTION))
        view = opened_view(emulator)
        assert slack.view_submission(employee, view, ratings_of(view, "3")).status == 200

    # --- manager reviews: the evidence has the kudos and the peers' words, never their names ---
    for employee in PEERS:
        slack.block_action(ADA, OPEN_MANAGER_REVIEW_ACTION, message=with_action(emulator, ADA,
                                                                                OPEN_MANAGER_REVIEW_ACTION,
                                                                                NAMES[employee]))
        view = opened_view(emulator)
        evidence = view["blocks"][0]["text"]["text"]
        if employee == LI:
            assert "谢谢你帮忙评审计费页面" in evidence and "A colleague: strength noted #" in evidence
            assert "Alan" not in evidence and "Linus" not in evidence
        rating = RATINGS[employee]
        assert slack.view_submission(ADA, view, {**ratings_of(view, rating), "overall": rating,
                                                 "strengths": f"Strengths of {NAMES[employee]}",
                                                 "to_improve": "Write design notes first"}).status == 200

    # --- calibration from HR's home: the chart and each rating beside its evidence ---
    slack.event(HR, {"type": "app_home_opened", "user": HR, "tab": "home", "channel": f"D{HR}"})
    home = emulator.home_views[HR]
    slack.block_action(HR, "cycle_calibrate", view=home)
    [chart] = [f for f in emulator.uploaded_files.values() if f.filename.startswith("calibration-")]
    assert chart.completed and chart.content.startswith(b"\x89PNG") and chart.channel_id == f"D{HR}"
    rows = [m for m in dms_to(emulator, HR) if "review_revisit" in str(m.get("blocks"))][-1]
    text = visible_text(rows)
    assert "*Alan Turing* · Platform · by Ada Lovelace" in text and "Rating *5 · Outstanding*" in text

    # --- HR asks Ada to revisit Alan's 5; she lowers it to 4 and the change is on record ---
    alan_row = next(b for b in rows["blocks"] if "Alan Turing" in b.get("text", {}).get("text", ""))
    slack.block_action(HR, "review_revisit", alan_row["accessory"]["value"], message=rows)
    assert slack.view_submission(HR, opened_view(emulator), {"note": "Compare with the goal results"}).status == 200
    revisit = with_action(emulator, ADA, OPEN_MANAGER_REVIEW_ACTION, "look again")
    slack.block_action(ADA, OPEN_MANAGER_REVIEW_ACTION, message=revisit)
    view = opened_view(emulator)
    assert "Compare with the goal results" in visible_text(view)
    assert button_value(view, "overall") == "5"  # the earlier answers are kept
    assert slack.view_submission(ADA, view, {**ratings_of(view, "4"), "overall": "4",
                                             "strengths": "Strengths of Alan Turing",
                                             "to_improve": "Write design notes first"}).status == 200
    session.expire_all()
    changes = [e.detail for e in session.exec(select(AuditEvent).where(
        AuditEvent.action == "review.manager_submitted").order_by(AuditEvent.id)) if e.detail["previous_rating"]]
    assert changes == [{"rating": 4, "previous_rating": 5}]

    # --- release, then each result: rating, label, rewards, peers' words without names ---
    slack.block_action(HR, "cycle_release", message=[m for m in dms_to(emulator, HR)
                                                     if "cycle_release" in str(m.get("blocks"))][-1])
    assert "*2026-H2* is released. 4 people get their result" in last_dm_text(emulator, HR)
    run("review-results")
    result = last_dm_text(emulator, LI)
    assert "你在 2026-H2 的结果*：4 · *超出预期*" in result and "同事的评价" in result
    assert "strength noted #" in result and "Alan" not in result and "Linus" not in result
    linus_result = last_dm_text(emulator, LINUS)
    assert "1 · *Below expectations*" in linus_result and "Katherine" not in linus_result

    # --- 李雷 acknowledges with a response; it reaches Ada and is kept; a second one is refused ---
    slack.block_action(LI, "result_acknowledge", message=with_action(emulator, LI, "result_acknowledge"))
    assert slack.view_submission(LI, opened_view(emulator), {"response": "同意，下季度会更早写设计文档"}).status == 200
    assert "李雷 acknowledged their result for *2026-H2*" in last_dm_text(emulator, ADA)
    slack.block_action(LI, "result_acknowledge", message=with_action(emulator, LI, "result_acknowledge"))
    assert "你已确认过这份结果" in emulator.calls_to("response_url")[-1].params["text"]

    # --- Linus is below target: once he has his result, Ada is prompted to open a plan; bad input first ---
    assert not [m for m in dms_to(emulator, ADA) if "improvement_open" in str(m.get("blocks"))]
    run("review-results")  # the next tick
    prompt = with_action(emulator, ADA, "improvement_open", "Linus")
    slack.block_action(ADA, "improvement_open", message=prompt)
    form = opened_view(emulator)
    bad = slack.view_submission(ADA, form, {"gaps": "Reopened tickets", "actions": "Pair weekly",
                                            "success_measure": "Reopen rate under 5%", "check_1": "2026-11-01"})
    assert set(bad.json()["errors"]) >= {"causes", "check_1"}
    assert session.exec(select(ImprovementPlan)).all() == []
    check_day = (clock.now() + timedelta(days=14)).date()
    assert slack.view_submission(ADA, form, {"gaps": "Reopened tickets", "causes": ["skills"],
                                             "actions": "Pair weekly with Alan", "support": "A mentor",
                                             "success_measure": "Reopen rate under 5%",
                                             "check_1": check_day.isoformat()}).status == 200
    plan_dm = with_action(emulator, LINUS, "improvement_commit")
    assert "*Improvement plan for Linus Torvalds*" in visible_text(plan_dm)
    slack.block_action(LINUS, "improvement_commit", message=plan_dm)
    slack.view_submission(LINUS, opened_view(emulator), {"commitments": "Ask for review before merging"})
    assert "Ask for review before merging" in last_dm_text(emulator, ADA)

    # --- the check date nudges both; Ada records it as met and Linus is told ---
    run("improvement-checks")
    assert "check date" not in last_dm_text(emulator, LINUS)  # not yet
    clock.set(datetime.combine(check_day, datetime.min.time(), tzinfo=UTC).replace(hour=10))
    run("improvement-checks")
    run("improvement-checks")
    assert "Today is a check date of your improvement plan" in last_dm_text(emulator, LINUS)
    nudge = with_action(emulator, ADA, "improvement_check")
    slack.block_action(ADA, "improvement_check", message=nudge)
    assert slack.view_submission(ADA, opened_view(emulator), {"outcome": "Reopen rate at 3%",
                                                              "decision": "met"}).status == 200
    assert "The plan is met and closed" in last_dm_text(emulator, LINUS)
    session.expire_all()
    assert session.exec(select(ImprovementPlan)).one().state == "met"
    assert len([m for m in dms_to(emulator, ADA) if "improvement_check" in str(m.get("blocks"))]) == 1

    # --- the export keeps peers anonymous, and carries the revisited rating and the response ---
    exported = list(exports.rows(session, "reviews"))
    peer_rows = [row for row in exported if row["kind"] == "peer"]
    assert len(peer_rows) == 8 and {row["author"] for row in peer_rows} == {exports.ANONYMOUS_PEER}
    alan = next(row for row in exported if row["kind"] == "manager" and row["subject"] == "Alan Turing")
    assert alan["rating"] == 4 and alan["earlier_ratings"].startswith("5 (until 2026-11-23")
    response = next(row for row in exported if row["kind"] == "response")
    assert response["text"] == "同意，下季度会更早写设计文档" and response["author"] == "李雷"


def _open(slack, emulator, user_id: str, action_id: str) -> dict:
    slack.block_action(user_id, action_id, message=with_action(emulator, user_id, action_id))
    return opened_view(emulator)


def button_value(view: dict, block_id: str) -> str | None:
    block = next(b for b in view["blocks"] if b.get("block_id") == block_id)
    return (block["element"].get("initial_option") or {}).get("value")


def test_an_employee_cannot_calibrate_release_or_read_anothers_peer_review(team, run, slack, emulator, session):
    run("review-reminders")
    slack.block_action(ALAN, "cycle_calibrate", str(team), message={"channel": f"D{ALAN}", "blocks": [], "text": ""})
    assert "no longer exists, or you can't see it" in emulator.calls_to("response_url")[-1].params["text"]
    slack.block_action(ALAN, "cycle_release", str(team), message={"channel": f"D{ALAN}", "blocks": [], "text": ""})
    assert session.get(cycles.ReviewCycle, team).state == "open"
    manager_review = session.exec(select(Review).where(Review.kind == "manager")).first()
    slack.block_action(ALAN, "review_peer_open", str(manager_review.id),
                       message={"channel": f"D{ALAN}", "blocks": [], "text": ""})
    assert "no longer exists, or you can't see it" in emulator.calls_to("response_url")[-1].params["text"]



def test_hr_opens_a_cycle_from_the_app_home_with_errors_on_the_right_field(slack, emulator, sessions, clock,
                                                                           session):
    load_org(sessions, now=clock.now(), rows=TEAM, emulator=emulator)
    slack.event(HR, {"type": "app_home_opened", "user": HR, "tab": "home", "channel": f"D{HR}"})
    slack.block_action(HR, "cycle_open", view=emulator.home_views[HR])
    form = opened_view(emulator)
    dates = {"from": "2026-07-01", "to": "2026-12-31", "self_due": "2026-12-04", "peer_due": "2026-12-01",
             "manager_due": "2026-12-16"}
    wrong = slack.view_submission(HR, form, {"name": "2026 H2", "team": "Platform", **dates})
    assert wrong.json()["errors"] == {
        "self_due": "The dates are out of order: the period starts before it ends, then self, peer and manager "
                    "reviews fall due in that order."}
    assert session.exec(select(cycles.ReviewCycle)).all() == []
    ok = slack.view_submission(HR, form, {"name": "2026 H2", "team": "Platform", **dates, "peer_due": "2026-12-09",
                                          "anonymous": ["yes"]})
    assert ok.status == 200 and not ok.body
    assert "*2026 H2* is open for Platform: 5 people are asked for a self-review" in last_dm_text(emulator, HR)
    assert session.exec(select(cycles.ReviewCycle)).one().peers_anonymous is True
    taken = slack.view_submission(HR, form, {"name": "2026 H2", "team": "*", **dates, "peer_due": "2026-12-09"})
    assert taken.json()["errors"] == {"name": "A cycle with this name already exists; choose another name."}

    slack.block_action(ALAN, "cycle_open", message={"channel": f"D{ALAN}", "blocks": [], "text": ""})
    assert "you can't see it" in emulator.calls_to("response_url")[-1].params["text"]


def test_hr_edits_a_plan_in_slack_with_errors_by_line(slack, emulator, sessions, clock, session):
    load_org(sessions, now=clock.now(), rows=TEAM, emulator=emulator)
    slack.event(HR, {"type": "app_home_opened", "user": HR, "tab": "home", "channel": f"D{HR}"})
    new_plan = next(b for b in emulator.home_views[HR]["blocks"] if b.get("block_id") == "plans-new")
    slack.block_action(HR, "plan_edit", "new", view={"blocks": [new_plan]})
    form = opened_view(emulator)
    prefilled = {b["block_id"]: b["element"].get("initial_value") for b in form["blocks"]
                 if b["element"]["type"] == "plain_text_input"}
    assert "Results |" in prefilled["criteria"] and "5 | Outstanding" in prefilled["scale"]
    values = {"name": "Customer service", "cycle": "monthly", "team": "Platform", "role": "-",
              "criteria": "Calls handled | 40 | inbound calls a week\nSatisfaction | sixty",
              "scale": prefilled["scale"], "rewards": "", "improvement_threshold": "2"}
    refused = slack.view_submission(HR, form, values)
    assert refused.json()["errors"] == {"criteria": "Line 2: The weight must be a positive number."}
    fixed = {**values, "criteria": "Calls handled | 40 | inbound calls a week\nSatisfaction | 30\nResolution | 30"}
    assert slack.view_submission(HR, form, fixed).status == 200
    assert "Plan *Customer service* saved" in last_dm_text(emulator, HR)
    with sessions() as s:
        plan = plans.plan_for(s, person(s, ALAN))
    assert plan["name"] == "Customer service" and [round(c["weight"], 2) for c in plan["criteria"]] == [0.4, 0.3, 0.3]

    slack.block_action(ALAN, "plan_edit", "new", message={"channel": f"D{ALAN}", "blocks": [], "text": ""})
    assert "you can't see it" in emulator.calls_to("response_url")[-1].params["text"]


def test_a_manager_starts_an_improvement_plan_from_the_home_at_any_time(slack, emulator, sessions, clock, session):
    load_org(sessions, now=clock.now(), rows=TEAM, emulator=emulator)
    slack.event(ADA, {"type": "app_home_opened", "user": ADA, "tab": "home", "channel": f"D{ADA}"})
    slack.block_action(ADA, "improvement_open", view=emulator.home_views[ADA])
    form = opened_view(emulator)
    fields = {"gaps": "Late hand-offs", "causes": ["circumstances"], "actions": "Daily stand-up notes",
              "success_measure": "No late hand-off for a month", "check_1": "2026-12-07"}
    outsider = slack.view_submission(ADA, form, {**fields, "subject": HR})  # not in Ada's chain
    assert outsider.json()["errors"] == {"subject": "That no longer exists, or you can't see it."}
    assert slack.view_submission(ADA, form, {**fields, "subject": KATHERINE}).status == 200

    slack.event(KATHERINE, {"type": "app_home_opened", "user": KATHERINE, "tab": "home", "channel": f"D{KATHERINE}"})
    assert "*Improvement plan for Katherine Johnson* (with Ada Lovelace)" in visible_text(
        emulator.home_views[KATHERINE])
    slack.event(ADA, {"type": "app_home_opened", "user": ADA, "tab": "home", "channel": f"D{ADA}"})
    assert "*Katherine Johnson* · with Ada Lovelace · next check Dec 7, 2026" in visible_text(emulator.home_views[ADA])

    slack.block_action(ALAN, "improvement_open", "pick", message={"channel": f"D{ALAN}", "blocks": [], "text": ""})
    assert "you can't see it" in emulator.calls_to("response_url")[-1].params["text"]
