"""The scripted week of `checkin-bot dev`: one scene per feature, in the order a week runs."""

from __future__ import annotations

from bot.dev import GUEST, DevWorld

ALAN, KATHERINE, LI_LEI, WANG_FANG = "U0EM000001", "U0EM000002", "U0EM000004", "U0MG000002"


def help_scene(world: DevWorld) -> None:
    """Monday: people ask the bot what it does (in their own language)."""
    world.command(ALAN, "/goal", "help")
    world.command(LI_LEI, "/goal", "help")
    world.command(KATHERINE, "/checkin", "help")
    world.command(WANG_FANG, "/checkin", "frobnicate")
    world.command(GUEST[0], "/goal", "help")


def security_scene(world: DevWorld) -> None:
    """Anyone: requests not signed by Slack are refused."""
    body = b"command=%2Fgoal&text=help&user_id=U0EM000001"
    unsigned = world.slack.send_raw(body, "application/x-www-form-urlencoded", drop_signature=True)
    forged = world.slack.send_raw(body, "application/x-www-form-urlencoded", secret="not-the-secret")
    world.transcript.say("operator", f"unsigned request -> HTTP {unsigned.status}")
    world.transcript.say("operator", f"request signed with the wrong secret -> HTTP {forged.status}")


SCENES = [help_scene, security_scene]
