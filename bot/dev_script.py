"""The scripted week of `checkin-bot dev`: one scene per feature, in the order a week runs."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from bot.dev import GUEST, DevWorld
from prompts.goal_blocks import APPROVE_ACTION, MENU_ACTION
from storage.models import Goal

GRACE, ADA, WANG_FANG = "U0HR000001", "U0MG000001", "U0MG000002"
ALAN, KATHERINE, LINUS, LI_LEI = "U0EM000001", "U0EM000002", "U0EM000003", "U0EM000004"


def help_scene(world: DevWorld) -> None:
    """Monday: people ask the bot what it does (in their own language)."""
    world.command(ALAN, "/goal", "help")
    world.command(LI_LEI, "/goal", "help")
    world.command(KATHERINE, "/checkin", "help")
    world.command(WANG_FANG, "/checkin", "frobnicate")
    world.command(GUEST[0], "/goal", "help")


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


SCENES = [help_scene, goals_scene, security_scene]
