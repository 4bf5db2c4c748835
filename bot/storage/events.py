"""Slack events and requests seen: at-least-once delivery made exactly-once."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.storage.base import (
    StoreBase,
    iso,
)


class SlackEvents(StoreBase):
    """Each event and request once; an acknowledged event's body until its work is done."""

    # -- Slack events ------------------------------------------------------------------------

    def first_sighting(self, event_id: str, at: datetime, body: str | None = None) -> bool:
        """True the first time an event id is seen: Slack delivers at least once. The body is
        kept until ``event_done`` so that a restart can finish an acknowledged event."""
        with self._tx(durable=True) as db:
            cursor = db.execute(
                "INSERT OR IGNORE INTO slack_events (event_id, received_at, body) VALUES (?, ?, ?)",
                [event_id, iso(at), self._seal(body, "slack_events", "body", event_id)],
            )
            self._events_seen += 1
            if self._events_seen % 1000 == 0:
                # Slack stops retrying after minutes; a day of ids is plenty to recognise one.
                # An unfinished one stays: the next start still owes it its work.
                db.execute(
                    "DELETE FROM slack_events WHERE received_at < ? "
                    "AND (done_at IS NOT NULL OR body IS NULL)",
                    [iso(at - timedelta(days=1))],
                )
            return cursor.rowcount == 1

    def first_request(self, key: str, at: datetime) -> bool:
        """True the first time a command or interactive payload is seen (``key``: its signature
        or trigger_id). Slack never resends these, so a second copy is a replay."""
        with self._tx(durable=True) as db:
            cursor = db.execute(
                "INSERT OR IGNORE INTO slack_requests (key, received_at) VALUES (?, ?)",
                [key, iso(at)],
            )
            self._requests_seen += 1
            if self._requests_seen % 100 == 0:
                # A signature is refused 5 minutes after its timestamp; an hour is ample.
                db.execute(
                    "DELETE FROM slack_requests WHERE received_at < ?",
                    [iso(at - timedelta(hours=1))],
                )
            return cursor.rowcount == 1

    def event_done(self, event_id: str, at: datetime) -> None:
        with self._tx() as db:
            db.execute(
                "UPDATE slack_events SET done_at = ?, body = NULL WHERE event_id = ?",
                [iso(at), event_id],
            )

    def unfinished_events(self) -> list[tuple[str, str]]:
        """(event id, body) of acknowledged events whose work never finished, oldest first."""
        with self._lock:
            rows = self.db.execute(
                "SELECT event_id, body FROM slack_events WHERE done_at IS NULL "
                "AND body IS NOT NULL ORDER BY received_at, rowid"
            ).fetchall()
        return [(str(r[0]), str(self._open(r[1], "slack_events", "body", r[0]))) for r in rows]
