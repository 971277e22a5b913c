"""Microsoft Teams: the SDK app mounted beside Slack on the one ASGI server."""

from bot.teams.app import MESSAGING_ENDPOINT, TeamsOverrides, cloud_environment, mount_teams

__all__ = ["MESSAGING_ENDPOINT", "TeamsOverrides", "cloud_environment", "mount_teams"]
