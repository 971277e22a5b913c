"""A local Microsoft Teams: the Bot Connector, the signing-key server, and a client that posts activities as Teams."""

from bot.teams_emulator.client import TeamsClient
from bot.teams_emulator.connector import BotConnector, PostedActivity, TeamsUser, card_texts
from bot.teams_emulator.keys import KeyServer, SigningKey

__all__ = ["BotConnector", "KeyServer", "PostedActivity", "SigningKey", "TeamsClient", "TeamsUser", "card_texts"]
