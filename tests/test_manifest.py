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


# The scopes Slack requires before it delivers each bot event (https://api.slack.com/events).
EVENT_SCOPES = {"app_home_opened": set(), "message.im": {"im:history"}}


def test_direct_messages_to_the_bot_reach_it():
    app_home = MANIFEST["features"]["app_home"]
    assert app_home["messages_tab_enabled"] is True
    assert app_home["messages_tab_read_only_enabled"] is False  # people can write to the bot
    assert "message.im" in MANIFEST["settings"]["event_subscriptions"]["bot_events"]


def test_every_subscribed_event_has_the_scopes_slack_requires_for_it():
    events = MANIFEST["settings"]["event_subscriptions"]["bot_events"]
    scopes = set(MANIFEST["oauth_config"]["scopes"]["bot"])
    assert set(events) <= set(EVENT_SCOPES), "add the new event's scopes to EVENT_SCOPES"
    for event in events:
        assert EVENT_SCOPES[event] <= scopes, event


# Slack's limits on a shortcut in the manifest: https://docs.slack.dev/reference/app-manifest (features.shortcuts).
SHORTCUT_NAME_MAX, SHORTCUT_DESCRIPTION_MAX, CALLBACK_ID_MAX, SHORTCUTS_MAX = 24, 150, 255, 10


def test_the_shortcuts_are_the_ones_the_bot_listens_for_within_slacks_limits():
    from handlers.shortcuts import CHECKIN_SHORTCUT, KUDOS_SHORTCUT

    shortcuts = {s["callback_id"]: s for s in MANIFEST["features"]["shortcuts"]}
    assert {key: s["type"] for key, s in shortcuts.items()} == {CHECKIN_SHORTCUT: "global", KUDOS_SHORTCUT: "message"}
    assert len(shortcuts) <= SHORTCUTS_MAX
    for shortcut in shortcuts.values():
        assert set(shortcut) == {"name", "type", "callback_id", "description"}
        assert 0 < len(shortcut["name"]) <= SHORTCUT_NAME_MAX
        assert 0 < len(shortcut["description"]) <= SHORTCUT_DESCRIPTION_MAX
        assert 0 < len(shortcut["callback_id"]) <= CALLBACK_ID_MAX


def test_shortcuts_reach_the_bot_through_interactivity_with_the_commands_scope():
    # Slack sends shortcut payloads to interactivity's request URL, and an app needs `commands` to have shortcuts.
    assert MANIFEST["settings"]["interactivity"]["is_enabled"] is True
    assert "commands" in MANIFEST["oauth_config"]["scopes"]["bot"]
