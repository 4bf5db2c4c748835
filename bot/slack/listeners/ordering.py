"""Events about one Slack message are handled one at a time, in order; others side by side.

Slack sends each event on its own request, and the listener pool works on several at once: a
proposal, its edit and a reaction to it could otherwise be worked on in parallel, and an edit
could find no post because the message that makes it is still being checked. Slack retries an
event it thinks was missed up to three times — at once, after about a minute, after about five
(Slack's Events API documentation; the timings are not verified here) — so an edit can even
arrive minutes before its message: it waits, bounded, for the message to be proposed
(``Waiting``).
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable, Hashable
from concurrent.futures import Executor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

log = logging.getLogger(__name__)

# Slack's last retry of an event comes about 5 minutes after the first try: an edit that
# arrived first waits that long (and a little more) for its message, then is let go.
EARLY_EDIT_WAIT = timedelta(minutes=6)
MAX_WAITING = 1000  # early edits kept at once (each holds a message body): a bounded cost


class Lanes:
    """One lane per key (a Slack message): what is submitted to a lane runs in the order it was
    submitted, one at a time, on the shared pool; different lanes run side by side. A lane holds
    no thread while it is empty."""

    def __init__(self, work: Executor) -> None:
        self._work = work
        self._lock = threading.Lock()
        self._lanes: dict[Hashable, deque[Callable[[], None]]] = {}

    def submit(self, key: Hashable | None, job: Callable[[], None]) -> None:
        if key is None:
            self._work.submit(job)
            return
        with self._lock:
            lane = self._lanes.get(key)
            if lane is not None:  # a worker is on this lane: it will run the job after the rest
                lane.append(job)
                return
            self._lanes[key] = deque([job])
        try:
            self._work.submit(self._run, key)
        except RuntimeError:  # the pool is shut down: nothing of this lane will run
            with self._lock:
                self._lanes.pop(key, None)
            raise

    def busy(self) -> int:
        with self._lock:
            return len(self._lanes)

    def _run(self, key: Hashable) -> None:
        while True:
            with self._lock:
                lane = self._lanes[key]
                if not lane:
                    del self._lanes[key]
                    return
                job = lane.popleft()
            try:
                job()
            except Exception:  # one failed event must not stop the ones behind it
                log.exception("an event's work failed")


@dataclass(order=True)
class _Early:
    made: Decimal
    event_id: str = field(compare=False)
    event: dict[str, Any] = field(compare=False)
    until: datetime = field(compare=False)


class Waiting:
    """Edits and deletions that arrived before the message they change was proposed. Each is
    kept (its event stays unfinished in the inbox, so a restart keeps it too) until the message
    is proposed — then run in the order Slack made them — or until ``EARLY_EDIT_WAIT`` has
    passed, when it is let go: nothing waits forever."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._early: dict[tuple[str, str], list[_Early]] = {}

    def keep(
        self, key: tuple[str, str], event_id: str, event: dict[str, Any], *, now: datetime
    ) -> bool:
        """Keep an early event; False when too many wait already (it is let go)."""
        with self._lock:
            if sum(len(v) for v in self._early.values()) >= MAX_WAITING:
                return False
            made = _made(event)
            self._early.setdefault(key, []).append(
                _Early(made, event_id, event, now + EARLY_EDIT_WAIT)
            )
            return True

    def take(self, key: tuple[str, str]) -> list[tuple[str, dict[str, Any]]]:
        """The events waiting for this message, oldest (by Slack's time) first."""
        with self._lock:
            found = sorted(self._early.pop(key, []))
        return [(e.event_id, e.event) for e in found]

    def expired(self, now: datetime) -> list[str]:
        """Let go of what waited too long; returns their event ids."""
        gone: list[str] = []
        with self._lock:
            for key in list(self._early):
                keep = [e for e in self._early[key] if e.until > now]
                gone += [e.event_id for e in self._early[key] if e.until <= now]
                if keep:
                    self._early[key] = keep
                else:
                    del self._early[key]
        return gone

    def __len__(self) -> int:
        with self._lock:
            return sum(len(v) for v in self._early.values())


def _made(event: dict[str, Any]) -> Decimal:
    try:
        made = Decimal(str(event.get("event_ts") or event.get("ts") or "0"))
    except InvalidOperation:
        return Decimal(0)
    return made if made.is_finite() else Decimal(0)


def message_of(
    event: dict[str, Any], source_of: Callable[[str, str], tuple[str, str] | None]
) -> tuple[str, str] | None:
    """The Slack message an event is about, for handling its events in order: a proposal
    (its edits, deletion and reactions too), or a review card's proposal (``source_of`` finds
    the proposal a card or report message belongs to)."""
    kind = event.get("type")
    if kind == "message":
        inner = event.get("message") or event.get("previous_message") or {}
        subtype = event.get("subtype")
        ts = (
            inner.get("ts")
            if subtype == "message_changed"
            else (event.get("deleted_ts") or inner.get("ts"))
            if subtype == "message_deleted"
            else event.get("ts")
        )
        channel = event.get("channel")
    elif kind in ("reaction_added", "reaction_removed"):
        item = event.get("item") or {}
        channel, ts = item.get("channel"), item.get("ts")
        if channel and ts:
            return source_of(str(channel), str(ts)) or (str(channel), str(ts))
    else:
        return None
    return (str(channel), str(ts)) if channel and ts else None
