"""Local HTTP stand-ins for Slack, X and the Graph API, driven through the real client libraries."""

from bot.emulators.base import Call, Emulator
from bot.emulators.graph import GraphEmulator
from bot.emulators.slack import SlackEmulator, SlackEventSender
from bot.emulators.x import XEmulator

__all__ = ["Call", "Emulator", "GraphEmulator", "SlackEmulator", "SlackEventSender", "XEmulator"]
