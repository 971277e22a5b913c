"""A local Slack: a fake Web API for the bot to call, and a client that calls the bot as Slack does."""

from bot.emulator.signed_client import BotResponse, SignedSlackClient
from bot.emulator.slack_api import RecordedCall, SlackEmulator, UploadedFile

__all__ = ["BotResponse", "RecordedCall", "SignedSlackClient", "SlackEmulator", "UploadedFile"]
