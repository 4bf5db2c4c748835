"""Events: proposals posted, edited and deleted in the proposals channel; reactions (approvals
and rejections); the Home tab opened. Acknowledged at once, worked on in lanes (``ordering``)."""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

from slack_bolt import Ack, App, BoltResponse
from slack_sdk import WebClient

from bot.slack.home import home_view
from bot.slack.listeners.deps import ListenerDeps
from bot.slack.listeners.ordering import Lanes, Waiting, message_of
from bot.slack.listeners.payloads import file_ids, files, is_reply, latest
from bot.slack.listeners.running import bind, logged
from bot.slack.markup import message_words

log = logging.getLogger(__name__)

EVENTS = ("message", "reaction_added", "reaction_removed", "app_home_opened")


def register(app: App, deps: ListenerDeps) -> Callable[[], int]:
    """Listen to ``EVENTS``; returns ``replay``, for the events acknowledged before a crash."""
    app.middleware(bind(once_per_event, deps))
    inbox = Inbox(deps)
    for name in EVENTS:
        app.event(name)(inbox.queue_event)
    return inbox.replay


def once_per_event(
    deps: ListenerDeps, body: dict[str, Any], next: Callable[[], BoltResponse]
) -> Any:
    """Slack retries an event it thinks we missed; the second copy changes nothing. The first
    copy is kept until its work is done (see ``Inbox.replay``)."""
    event_id = body.get("event_id") if isinstance(body, dict) else None
    if event_id and not deps.store.first_sighting(str(event_id), deps.clock(), json.dumps(body)):
        log.info("event %s already processed; ignoring the retry", event_id)
        return BoltResponse(status=200, body="")
    return next()


class Inbox:
    """The events acknowledged and not yet worked on. It holds the only state of the
    listeners: the lanes events about one message wait in, and the early edits waiting for
    their message."""

    def __init__(self, deps: ListenerDeps) -> None:
        self.deps = deps
        self.waiting = Waiting()
        self.lanes = Lanes(deps.work)
        self.handlers: dict[str, Callable[[dict[str, Any]], object]] = {
            "message": self.on_message,
            "reaction_added": functools.partial(on_reaction, deps, removed=False),
            "reaction_removed": functools.partial(on_reaction, deps, removed=True),
            "app_home_opened": functools.partial(on_home_opened, deps),
        }
        self.logged_event = logged(self.event_later)

    def queue_event(self, ack: Ack, body: dict[str, Any]) -> None:
        # Events are most of the traffic: hand the body straight to the pool rather than as a
        # lazy listener, which deep-copies the whole request (its WebClient included) first.
        ack()
        self.let_go_of_early_edits()
        event = body.get("event")
        # Events about one message are handled one at a time, in the order they came.
        key = message_of(event, self.deps.store.source_of) if isinstance(event, dict) else None
        self.lanes.submit(key, functools.partial(self.logged_event, body=body))

    def event_later(self, body: dict[str, Any]) -> None:
        event = body.get("event")
        if isinstance(event, dict):
            self.run_event(str(body.get("event_id") or ""), event)

    def run_event(self, event_id: str, event: dict[str, Any]) -> None:
        if event.get("type") == "message":
            if self.on_message(event, event_id):
                return  # it waits for its message: finished when it runs, or is let go
        else:
            handler = self.handlers.get(str(event.get("type", "")))
            if handler is not None:
                handler(event)
        if event_id:
            self.deps.store.event_done(event_id, self.deps.clock())

    def replay(self) -> int:
        """Finish the events acknowledged before a crash and never worked on; returns how many."""
        store, clock = self.deps.store, self.deps.clock
        self.let_go_of_early_edits()
        finished = 0
        for event_id, raw in store.unfinished_events():
            try:
                event = json.loads(raw).get("event")
            except (ValueError, AttributeError):
                event = None
            if not isinstance(event, dict):
                store.event_done(event_id, clock())
                continue
            log.info("event %s: finishing it after a restart", event_id)
            try:
                self.run_event(event_id, event)
                finished += 1
            except Exception:
                log.exception("event %s: could not finish it; will try at the next start", event_id)
        return finished

    def let_go_of_early_edits(self) -> None:
        """Early edits whose message never came: finished without effect (the cost of waiting
        is bounded; the message, if it ever comes, is proposed as it then reads)."""
        for event_id in self.waiting.expired(self.deps.clock()):
            log.warning("event %s: its message never came; it changes nothing", event_id)
            self.deps.store.event_done(event_id, self.deps.clock())

    def on_message(self, event: dict[str, Any], event_id: str = "") -> bool:
        """A proposal, its edit or its deletion. True: an edit or deletion of a message not
        proposed yet, kept to run once it is (its event stays unfinished meanwhile)."""
        service = self.deps.service
        proposals_channel = self.deps.proposals_channel
        if not proposals_channel or event.get("channel") != proposals_channel:
            return False
        subtype = event.get("subtype")
        if subtype == "message_changed":
            message = event.get("message") or {}
            ts = str(message.get("ts", ""))
            if message.get("subtype") == "tombstone":
                # A message with thread replies (every proposal has its report) is deleted
                # this way, not with message_deleted: Slack leaves a tombstone in its place.
                # Sources: hackclub/toriel#238; Slack's message_changed event reference.
                if self.early(event_id, event, ts):
                    return True
                log.info("proposal message %s deleted (tombstone)", message.get("ts"))
                service.withdraw(channel=event["channel"], ts=ts)
                return False
            if message.get("bot_id") or is_reply(message):
                return False
            if self.early(event_id, event, ts):
                return True
            before = file_ids(event.get("previous_message") or {})
            words = message_words(message)
            edited = message.get("edited") or {}
            service.revise(
                channel=event["channel"],
                ts=ts,
                # Who made this change: ``edited.user`` names the editor, ``user`` the author.
                user=str(edited.get("user") or message.get("user", "")),
                text=words.text,
                # Only a change of attachments costs new downloads.
                files=None if file_ids(message) == before else files(message),
                markup=words.findings(),
                # When the edit was made (Slack's time): reactions made before it were on the
                # version before it. The later of the two times Slack gives, to be safe.
                made_ts=latest(edited.get("ts"), event.get("event_ts")),
            )
        elif subtype == "message_deleted":
            previous = event.get("previous_message") or {}
            deleted = str(event.get("deleted_ts") or previous.get("ts") or "")
            if not deleted or previous.get("bot_id") or is_reply(previous):
                return False
            if self.early(event_id, event, deleted):
                return True
            service.withdraw(channel=event["channel"], ts=deleted)
        elif subtype in (None, "file_share"):
            if event.get("bot_id") or is_reply(event) or not event.get("user"):
                return False
            words = message_words(event)
            post = service.propose(
                channel=event["channel"],
                ts=str(event["ts"]),
                user=str(event["user"]),
                text=words.text,
                files=files(event),
                markup=words.findings(),
            )
            if post is not None:
                # Edits and deletions that arrived before this message, in Slack's order.
                key = (str(event["channel"]), str(event["ts"]))
                for later_id, later in self.waiting.take(key):
                    log.info("event %s: its message is proposed now; running it", later_id)
                    self.run_event(later_id, later)
        return False

    def early(self, event_id: str, event: dict[str, Any], ts: str) -> bool:
        """An edit or deletion of a message that is not a post (yet) waits for it, bounded:
        Slack may deliver the message after its edit (a retry), or a worker may still be on
        it. Only an event we can finish later (it has an id) waits."""
        channel = str(event.get("channel", ""))
        if not event_id or self.deps.store.post_for_message(channel, ts) is not None:
            return False
        if self.waiting.keep((channel, ts), event_id, event, now=self.deps.clock()):
            log.info("event %s: message %s is not proposed yet; it waits for it", event_id, ts)
            return True
        log.warning("event %s: too many early edits wait already; letting it go", event_id)
        return False


def on_reaction(deps: ListenerDeps, event: dict[str, Any], *, removed: bool) -> None:
    """A reaction added (an approval or rejection) or removed (an approval withdrawn)."""
    item = event.get("item") or {}
    if item.get("type") != "message" or not event.get("user"):
        return
    service = deps.service
    (service.unreact if removed else service.react)(
        user=str(event["user"]),
        reaction=str(event.get("reaction", "")),
        channel=str(item.get("channel", "")),
        ts=str(item.get("ts", "")),
        # When it was made, in Slack's time: it counts only for the version then shown.
        made_ts=str(event.get("event_ts") or "") or None,
    )


def on_home_opened(deps: ListenerDeps, event: dict[str, Any]) -> None:
    if event.get("tab", "home") == "home" and event.get("user"):
        publish_home(deps, deps.client, str(event["user"]))


def publish_home(deps: ListenerDeps, client: WebClient, user: str) -> None:
    """Draw someone's Home tab (also after a button on it: it does not refresh by itself)."""
    service = deps.service
    view = home_view(
        user,
        is_approver=service.directory.is_approver(user),
        is_admin=service.directory.is_admin(user),
        store=deps.store,
        schedule=service.schedule,
        zone=ZoneInfo(service.zone_name),
        platforms=service.platforms,
        now=deps.clock(),
    )
    client.views_publish(user_id=user, view=view)
