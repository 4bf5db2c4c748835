"""The Slack app manifest asks for exactly the events and commands the app listens to."""

from pathlib import Path

import pytest
import yaml
from slack_bolt import App, BoltRequest, BoltResponse

from bot.slack.listeners import ListenerDeps, actions, commands, events, register, shortcuts, views

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


def _app() -> App:
    return App(signing_secret="s", token="xoxb-unused", token_verification_enabled=False)


def _deps(app: App) -> ListenerDeps:
    # Registering calls no collaborator: none is needed to see what the app listens to.
    return ListenerDeps(
        service=None,  # type: ignore[arg-type]
        store=None,  # type: ignore[arg-type]
        delivery=None,  # type: ignore[arg-type]
        clock=lambda: None,  # type: ignore[arg-type,return-value]
        work=None,  # type: ignore[arg-type]
        client=app.client,
        proposals_channel="C1",
    )


def test_manifest_matches_the_registered_listeners():
    manifest = yaml.safe_load(MANIFEST.read_text())
    app = _app()
    registered = register(app, _deps(app))
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


# A request of each kind Slack sends, naming the event type, command, action or callback id.
REQUESTS = {
    "event": lambda name: {"type": "event_callback", "event": {"type": name}, "event_id": "Ev1"},
    "command": lambda name: {"command": name, "text": "help", "user_id": "U1"},
    "action": lambda name: {"type": "block_actions", "actions": [{"action_id": name}]},
    "view": lambda name: {
        "type": "view_submission",
        "view": {"type": "modal", "callback_id": name},
    },
    "shortcut": lambda name: {"type": "shortcut", "callback_id": name},
}


def _listens_to(app: App, kind: str, name: str) -> bool:
    """Whether a listener of ``app`` takes this request (matched only: nothing runs)."""
    request = BoltRequest(body=REQUESTS[kind](name), mode="socket_mode")
    response = BoltResponse(status=200)
    return any(listener.matches(req=request, resp=response) for listener in app._listeners)


def _manifest_names() -> dict[str, set[str]]:
    manifest = yaml.safe_load(MANIFEST.read_text())
    subscribed = set(manifest["settings"]["event_subscriptions"]["bot_events"])
    return {
        # "message.channels" is Slack's subscription to the "message" event, and so on.
        "event": {
            next((e for e, names in EVENT_SUBSCRIPTIONS.items() if sub in names), sub)
            for sub in subscribed
        },
        "command": {c["command"] for c in manifest["features"]["slash_commands"]},
        "shortcut": {s["callback_id"] for s in manifest["features"].get("shortcuts", [])},
    }


# Each surface module, the kind of request it takes, and the names it says it takes.
SURFACES = [
    (events, "event", events.EVENTS),
    (commands, "command", commands.COMMANDS),
    (actions, "action", actions.ACTIONS),
    (views, "view", views.VIEWS),
    (shortcuts, "shortcut", shortcuts.SHORTCUTS),
]


@pytest.mark.parametrize(
    ("surface", "kind", "declared"),
    SURFACES,
    ids=lambda s: getattr(s, "__name__", str(s)).split(".")[-1],
)
def test_each_surface_registers_what_it_and_the_manifest_declare(surface, kind, declared):
    app = _app()
    surface.register(app, _deps(app))
    assert declared, "a surface that listens to nothing"
    for name in declared:
        assert _listens_to(app, kind, name), f"{surface.__name__} does not listen to {name}"
    # What the manifest asks Slack to send of this kind, this surface listens to.
    for name in _manifest_names().get(kind, set()):
        assert _listens_to(app, kind, name), f"{surface.__name__} misses {name}"
    # ...and nothing of the other surfaces' kinds.
    for _, other_kind, other_names in SURFACES:
        if other_kind != kind:
            for name in other_names:
                assert not _listens_to(app, other_kind, name), f"{surface.__name__} takes {name}"
    assert not _listens_to(app, kind, "nothing_declares_this")
