"""Bolt listeners: parse what Slack sent, call a use case, answer. No rules live here."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from slack_bolt import Ack, App, BoltResponse, Respond

from bot.people_commands import UsageError, run_slack_text
from bot.services import Countersign
from bot.storage import Store

log = logging.getLogger(__name__)

HELP_ALL = "`/countersign help` — what you can do"
HELP_ADMIN = (
    "`/countersign now <id>` — publish an approved post at once\n"
    "`/countersign people list|add|consent|remove …` — the register of people we support "
    "(names are never shown, only labels)"
)


@dataclass(frozen=True)
class Registered:
    """What the app listens to; the Slack app manifest must ask for exactly this."""

    events: tuple[str, ...]
    commands: tuple[str, ...]
    actions: tuple[str, ...] = ()


def register(
    app: App,
    service: Countersign,
    store: Store,
    *,
    proposals_channel: str | None,
    clock: Callable[[], datetime],
    secret_key: str | None = None,
) -> Registered:
    @app.middleware
    def once_per_event(body: dict[str, Any], next: Callable[[], BoltResponse]) -> Any:
        """Slack retries an event it thinks we missed; the second copy changes nothing."""
        event_id = body.get("event_id") if isinstance(body, dict) else None
        if event_id and not store.first_sighting(str(event_id), clock()):
            log.info("event %s already processed; ignoring the retry", event_id)
            return BoltResponse(status=200, body="")
        return next()

    def on_message(event: dict[str, Any]) -> None:
        if not proposals_channel or event.get("channel") != proposals_channel:
            return
        subtype = event.get("subtype")
        if subtype == "message_changed":
            message = event.get("message") or {}
            if message.get("bot_id") or _is_reply(message):
                return
            before = _file_ids(event.get("previous_message") or {})
            service.revise(
                channel=event["channel"],
                ts=str(message.get("ts", "")),
                user=str(message.get("user", "")),
                text=str(message.get("text", "")),
                # Only a change of attachments costs new downloads.
                files=None if _file_ids(message) == before else _files(message),
            )
        elif subtype == "message_deleted":
            ts = event.get("deleted_ts") or (event.get("previous_message") or {}).get("ts")
            if ts:
                service.withdraw(channel=event["channel"], ts=str(ts))
        elif subtype in (None, "file_share"):
            if event.get("bot_id") or _is_reply(event) or not event.get("user"):
                return
            service.propose(
                channel=event["channel"],
                ts=str(event["ts"]),
                user=str(event["user"]),
                text=str(event.get("text") or ""),
                files=_files(event),
            )

    def on_reaction(event: dict[str, Any]) -> None:
        item = event.get("item") or {}
        if item.get("type") != "message" or not event.get("user"):
            return
        service.react(
            user=str(event["user"]),
            reaction=str(event.get("reaction", "")),
            channel=str(item.get("channel", "")),
            ts=str(item.get("ts", "")),
        )

    def on_reaction_removed() -> None:
        """Withdrawing an approval by removing the reaction comes with the full review flow."""

    def on_command(ack: Ack, command: dict[str, Any], respond: Respond) -> None:
        words = str(command.get("text") or "").split()
        user = str(command.get("user_id", ""))
        verb = words[0].lower() if words else "help"
        if verb == "help":
            lines = [HELP_ALL] + ([HELP_ADMIN] if service.directory.is_admin(user) else [])
            ack(text="What you can do with Countersign:\n" + "\n".join(lines))
            return
        if verb == "now":
            if not service.directory.is_admin(user):
                ack(text="Only admins can publish a post at once (`/countersign now`).")
                return
            post_id = _post_id(words[1:])
            if post_id is None:
                ack(text="Usage: `/countersign now <id>`, e.g. `/countersign now 12`.")
                return
            ack(text=f"Publishing #{post_id} now…")
            respond(
                text=service.publish_now(post_id, actor=user).message, response_type="ephemeral"
            )
            return
        if verb == "people":
            if not service.directory.is_admin(user):
                ack(text="Only admins can see or change the register of people we support.")
                return
            rest = str(command.get("text") or "").strip()[len("people") :]
            try:
                answer = run_slack_text(
                    rest, store, secret_key, actor=user, clock=clock, today=service.today()
                )
            except UsageError as exc:
                ack(text=str(exc))
                return
            ack(text=answer.text)
            return
        ack(text=f"Unknown command `{verb}`. Try `/countersign help`.")

    events = {
        "message": on_message,
        "reaction_added": on_reaction,
        "reaction_removed": on_reaction_removed,
    }
    commands = {"/countersign": on_command}
    for name, listener in events.items():
        app.event(name)(listener)
    for name, listener in commands.items():
        app.command(name)(listener)
    return Registered(events=tuple(events), commands=tuple(commands))


def _files(message: dict[str, Any]) -> list[dict[str, Any]]:
    files = message.get("files") or []
    return [f for f in files if isinstance(f, dict)] if isinstance(files, list) else []


def _file_ids(message: dict[str, Any]) -> list[str]:
    return [str(f.get("id")) for f in _files(message)]


def _is_reply(message: dict[str, Any]) -> bool:
    thread_ts = message.get("thread_ts")
    return bool(thread_ts) and thread_ts != message.get("ts")


def _post_id(words: list[str]) -> int | None:
    if len(words) != 1:
        return None
    m = re.fullmatch(r"#?(\d{1,9})", words[0])
    return int(m.group(1)) if m else None
