"""The Slack app manifest asks for exactly the events and commands the app listens to."""

from pathlib import Path

import yaml
from slack_bolt import App

from bot.slack.listeners import register

MANIFEST = Path(__file__).resolve().parents[3] / "config" / "slack-manifest.yaml"
# Slack splits message events by conversation type; the proposals channel may be either.
EVENT_SUBSCRIPTIONS = {"message": {"message.channels", "message.groups"}}
# The Web API methods the app calls and the bot scopes they need.
SCOPES_FOR_CALLS = {"chat:write", "usergroups:read", "files:read"}
SCOPES_FOR_EVENTS = {
    "message.channels": "channels:history",
    "message.groups": "groups:history",
    "reaction_added": "reactions:read",
    "reaction_removed": "reactions:read",
    "app_home_opened": None,
}


def test_manifest_matches_the_registered_listeners():
    manifest = yaml.safe_load(MANIFEST.read_text())
    app = App(signing_secret="s", token="xoxb-unused", token_verification_enabled=False)
    registered = register(
        app, None, None, None, proposals_channel="C1", clock=lambda: None, work=None
    )  # type: ignore[arg-type]
    wanted_events = set()
    for event in registered.events:
        wanted_events |= EVENT_SUBSCRIPTIONS.get(event, {event})
    assert set(manifest["settings"]["event_subscriptions"]["bot_events"]) == wanted_events
    commands = {c["command"] for c in manifest["features"]["slash_commands"]}
    assert commands == set(registered.commands)
    shortcuts = {s["callback_id"] for s in manifest["features"].get("shortcuts", [])}
    assert shortcuts == set(registered.shortcuts)
    interactive = manifest["settings"]["interactivity"]
    assert interactive["is_enabled"] == bool(registered.actions)
    if registered.actions:
        assert interactive["request_url"].endswith("/slack/events")
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    expected = SCOPES_FOR_CALLS | {SCOPES_FOR_EVENTS[e] for e in wanted_events} - {None}
    assert manifest["features"]["app_home"]["home_tab_enabled"] == (
        "app_home_opened" in registered.events
    )
    expected |= {"commands"} if registered.commands else set()
    assert scopes == expected
