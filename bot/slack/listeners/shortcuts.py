"""The global shortcut: propose a post in a modal (the same modal `/countersign propose` opens)."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App

from bot.slack.blocks import PROPOSE_SHORTCUT, propose_modal
from bot.slack.listeners.deps import ListenerDeps
from bot.slack.listeners.running import bind, show

SHORTCUTS = (PROPOSE_SHORTCUT,)


def register(app: App, deps: ListenerDeps) -> None:
    app.shortcut(PROPOSE_SHORTCUT)(bind(on_propose_shortcut, deps))


def on_propose_shortcut(deps: ListenerDeps, ack: Ack, shortcut: dict[str, Any]) -> None:
    ack()
    open_propose(deps, str(shortcut.get("trigger_id", "")))


def open_propose(deps: ListenerDeps, trigger_id: str) -> None:
    show(
        deps.client.views_open,
        trigger_id=trigger_id,
        view=propose_modal(deps.service.platforms, requested_times=deps.service.requested_times),
    )
