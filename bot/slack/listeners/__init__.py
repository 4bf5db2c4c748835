"""Bolt listeners, one module per Slack surface: parse what Slack sent, call a use case, answer.
No rules live here.

=============  ==========================================================================
events.py      proposals posted, edited, deleted; reactions; the Home tab opened
commands.py    `/countersign …`
actions.py     buttons (review card, proposer's report, admins' decisions, Home tab) and the
               propose modal's live X count
views.py       modal submissions: a rejection's reason, an edit, a proposal
shortcuts.py   the global "propose a post" shortcut
=============  ==========================================================================

Shared: ``deps`` (what the listeners are given), ``payloads`` (reading what Slack sent),
``running`` (acknowledge first, work later, failures logged), ``ordering`` (events about one
message in order).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from slack_bolt import App

from bot.slack.listeners import actions, commands, events, shortcuts, views
from bot.slack.listeners.deps import ListenerDeps
from bot.slack.listeners.running import answer_despite_error

__all__ = ["ListenerDeps", "Registered", "register"]


@dataclass(frozen=True)
class Registered:
    """What the app listens to; the Slack app manifest must ask for exactly this."""

    events: tuple[str, ...]
    commands: tuple[str, ...]
    actions: tuple[str, ...] = ()
    shortcuts: tuple[str, ...] = ()
    replay: Callable[[], int] = lambda: 0


def register(app: App, deps: ListenerDeps) -> Registered:
    app.error(answer_despite_error)
    replay = events.register(app, deps)
    for surface in (commands, actions, views, shortcuts):
        surface.register(app, deps)
    return Registered(
        events=events.EVENTS,
        commands=commands.COMMANDS,
        # Modal submissions come over the same interactivity URL as buttons.
        actions=(*actions.ACTIONS, *views.VIEWS),
        shortcuts=shortcuts.SHORTCUTS,
        replay=replay,
    )
