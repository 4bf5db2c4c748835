"""The weekly slots admins keep and the blackouts when nothing publishes."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from bot.domain.posts import (
    Delivery,
    DeliveryStatus,
)
from bot.scheduling.slots import Slot, parse_time
from bot.storage.base import (
    StoreBase,
    iso,
    parse_iso,
    slot_text,
)


class ScheduleRows(StoreBase):
    """Slots and blackouts, and what is queued between two times."""

    # -- blackouts ---------------------------------------------------------------------------

    def add_blackout(
        self, starts: datetime, ends: datetime, *, reason: str, actor: str, at: datetime
    ) -> int:
        with self._tx() as db:
            cursor = db.execute(
                "INSERT INTO blackouts (starts, ends, reason, created_by, created_at) "
                "VALUES (?, ?, ?, ?, ?)",
                [iso(starts), iso(ends), "", actor, iso(at)],
            )
            blackout_id = int(cursor.lastrowid or 0)
            db.execute(
                "UPDATE blackouts SET reason = ? WHERE id = ?",
                [self._seal(reason, "blackouts", "reason", blackout_id), blackout_id],
            )
            self._audit(
                at,
                actor,
                "blackout_added",
                starts=iso(starts),
                ends=iso(ends),
                reason=self._seal_reason(reason, "blackout_added", None),
            )
            return blackout_id

    def remove_blackout(self, blackout_id: int, *, actor: str, at: datetime) -> bool:
        with self._tx() as db:
            removed = db.execute("DELETE FROM blackouts WHERE id = ?", [blackout_id]).rowcount
            if removed:
                self._audit(at, actor, "blackout_removed", blackout=blackout_id)
            return bool(removed)

    def blackouts(self, *, ending_after: datetime) -> list[dict[str, Any]]:
        rows = self._rows(
            "SELECT * FROM blackouts WHERE ends > ? ORDER BY starts", [iso(ending_after)]
        )
        return [
            {
                **self._open_row("blackouts", r),
                "starts": parse_iso(r["starts"]),
                "ends": parse_iso(r["ends"]),
            }
            for r in rows
        ]

    def blackout_spans(self, *, ending_after: datetime) -> list[tuple[datetime, datetime]]:
        return [(b["starts"], b["ends"]) for b in self.blackouts(ending_after=ending_after)]

    def queued(self, platform: str) -> list[Delivery]:
        """Everything queued for the platform, overdue ones included (e.g. held by a pause)."""
        with self._lock:
            return self._deliveries(
                "platform = ? AND status = ?", [platform, DeliveryStatus.QUEUED.value]
            )

    def queued_between(self, platform: str, starts: datetime, ends: datetime) -> list[Delivery]:
        with self._lock:
            return self._deliveries(
                "platform = ? AND status = ? AND due_at >= ? AND due_at < ?",
                [platform, DeliveryStatus.QUEUED.value, iso(starts), iso(ends)],
            )

    # -- the schedule ------------------------------------------------------------------------

    def slots(self) -> list[Slot] | None:
        """The weekly slots admins keep; None until they are seeded from config/schedule.yaml."""
        with self._lock:
            seeded = list(self.db.query("SELECT value FROM app_meta WHERE key = 'schedule'"))
            if not seeded:
                return None
            rows = self.db.query("SELECT * FROM schedule_slots ORDER BY platform, weekday, at")
            return [Slot(r["weekday"], parse_time(r["at"]), r["platform"]) for r in rows]

    def seed_slots(self, slots: Iterable[Slot], *, at: datetime) -> None:
        with self._tx() as db:
            if list(db.query("SELECT value FROM app_meta WHERE key = 'schedule'")):
                return
            self._write_slots(slots)
            db.execute("INSERT INTO app_meta (key, value) VALUES ('schedule', ?)", [iso(at)])

    def add_slots(self, slots: Iterable[Slot], *, actor: str, at: datetime) -> int:
        slots = list(slots)
        with self._tx():
            added = self._write_slots(slots)
            self._audit(at, actor, "schedule_added", slots=[slot_text(s) for s in slots])
            return added

    def remove_slots(self, slots: Iterable[Slot], *, actor: str, at: datetime) -> int:
        slots = list(slots)
        with self._tx() as db:
            removed = sum(
                db.execute(
                    "DELETE FROM schedule_slots WHERE platform = ? AND weekday = ? AND at = ?",
                    [s.platform, s.weekday, s.at.strftime("%H:%M")],
                ).rowcount
                for s in slots
            )
            self._audit(at, actor, "schedule_removed", slots=[slot_text(s) for s in slots])
            return removed

    def clear_slots(self, platform: str, *, actor: str, at: datetime) -> int:
        with self._tx() as db:
            removed = db.execute(
                "DELETE FROM schedule_slots WHERE platform = ?", [platform]
            ).rowcount
            self._audit(at, actor, "schedule_cleared", platform=platform)
            return removed

    def _write_slots(self, slots: Iterable[Slot]) -> int:
        return sum(
            self.db.execute(
                "INSERT OR IGNORE INTO schedule_slots (platform, weekday, at) VALUES (?, ?, ?)",
                [s.platform, s.weekday, s.at.strftime("%H:%M")],
            ).rowcount
            for s in slots
        )
