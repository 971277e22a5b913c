"""The Slack app manifest declares everything the bot listens to."""

from pathlib import Path

import yaml

MANIFEST = yaml.safe_load((Path(__file__).parents[1] / "manifests" / "slack.yaml").read_text())


def test_every_command_escapes_mentions_and_posts_to_slack_events():
    commands = {c["command"]: c for c in MANIFEST["features"]["slash_commands"]}
    assert set(commands) == {"/goal", "/checkin", "/kudos"}
    for command in commands.values():
        assert command["should_escape"] is True
        assert command["url"].endswith("/slack/events")


def test_events_and_interactivity_reach_the_bot():
    settings = MANIFEST["settings"]
    assert "app_home_opened" in settings["event_subscriptions"]["bot_events"]
    assert settings["interactivity"]["is_enabled"] is True
    assert settings["interactivity"]["request_url"].endswith("/slack/events")
    assert MANIFEST["features"]["app_home"]["home_tab_enabled"] is True


def test_the_scopes_cover_the_web_api_methods_the_bot_calls():
    scopes = set(MANIFEST["oauth_config"]["scopes"]["bot"])
    needed = {"commands", "chat:write", "im:write", "im:history", "users:read", "users:read.email", "files:write"}
    assert needed <= scopes
