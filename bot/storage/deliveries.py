"""Deliveries: queued on approval, claimed by the publisher, each one exactly once."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime

from bot.domain.posts import (
    UNSCHEDULED,
    Attachment,
    Delivery,
    DeliveryStatus,
    Post,
    PostStatus,
)
from bot.domain.review import Decision
from bot.scheduling.slots import in_blackout
from bot.storage.base import (
    ALL,
    HOLDING_MARKS,
    NotClaimed,
    SlotTaken,
    Snapshot,
    StaleVersion,
    delivery_row,
    iso,
    parse_iso,
)
from bot.storage.delivery_outcomes import DeliveryOutcomes
from bot.storage.migrations import NO_SNAPSHOT, SLOT_HOLDING
from bot.storage.platforms import Platforms
from bot.storage.schedule import ScheduleRows


class Deliveries(ScheduleRows, Platforms, DeliveryOutcomes):
    """What goes out where and when, and the claim that lets one worker publish it."""

    # -- deliveries --------------------------------------------------------------------------

    def queue_deliveries(
        self, post: Post, due: dict[str, datetime], *, actor: str, at: datetime
    ) -> list[Delivery]:
        """One delivery per platform for the approved content; idempotent per content hash.

        Each delivery holds a snapshot of what was approved for its platform (the words, the
        pictures and their descriptions), read here in the same transaction as the post: it
        publishes that and nothing else, whatever the post says by the time it goes out.

        A delivery of these words that was cancelled (the approval withdrawn, or the words
        edited away and back) is queued again from scratch: deliveries are unique per content
        hash, so ignoring the conflict would leave an approved post with nothing to publish.
        One still live or already out is left as it is.
        """
        with self._tx() as db:
            current = self._post_where("id = ?", [post.id])
            if current is None or current.content_hash != post.content_hash:
                # The words changed since the caller read them: nothing of either is queued.
                raise StaleVersion(current or post)
            pictures = json.dumps(
                [
                    {
                        "position": position,
                        "name": a.name,
                        "sha256": a.sha256,
                        "mime_type": a.mime_type,
                        "size": a.size,
                        "alt_text": a.alt_text,
                    }
                    for position, a in enumerate(current.images)
                ]
            )
            for platform, due_at in due.items():
                row = (current.id, platform, current.content_hash)
                db.execute(
                    """INSERT INTO deliveries (post_id, platform, content_hash, status,
                           due_at, slot_at, created_at, updated_at, words, pictures)
                       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                       ON CONFLICT (post_id, platform, content_hash) DO UPDATE SET
                           status = excluded.status, due_at = excluded.due_at,
                           slot_at = excluded.slot_at, attempts = 0, remote_id = NULL,
                           url = NULL, last_error = NULL, claimed_at = NULL,
                           published_at = NULL, updated_at = excluded.updated_at,
                           words = excluded.words, pictures = excluded.pictures
                       WHERE deliveries.status = ?""",
                    [
                        current.id,
                        platform,
                        current.content_hash,
                        DeliveryStatus.QUEUED.value,
                        iso(due_at),
                        iso(due_at),
                        iso(at),
                        iso(at),
                        self._seal(current.text_for(platform), "deliveries", "words", *row),
                        self._seal(pictures, "deliveries", "pictures", *row),
                        DeliveryStatus.CANCELLED.value,
                    ],
                )
            self._audit(
                at,
                actor,
                "queued",
                current.id,
                current.content_hash,
                due={p: iso(d) for p, d in due.items()},
            )
            return self._deliveries(
                "post_id = ? AND content_hash = ?", [current.id, current.content_hash]
            )

    def snapshot(self, delivery_id: int) -> Snapshot | None:
        """What the delivery publishes; None when it has no complete snapshot (it cannot go
        out: a delivery queued before snapshots were kept, for a post edited since)."""
        with self._lock:
            rows = self._rows(
                "SELECT post_id, platform, content_hash, words, pictures FROM deliveries "
                "WHERE id = ?",
                [delivery_id],
            )
            if not rows or rows[0]["words"] is None:
                return None
            row = self._open_row("deliveries", rows[0])
            stored = {
                r["position"]: r
                for r in self._rows(
                    "SELECT * FROM post_images WHERE post_id = ? AND content_hash = ?",
                    [row["post_id"], row["content_hash"]],
                )
            }
        images = []
        for picture in json.loads(row["pictures"] or "[]"):
            kept = stored.get(picture["position"])
            if kept is None or kept["sha256"] != picture["sha256"]:
                return None  # the approved bytes are gone: publishing something else is worse
            attachment = Attachment(
                name=picture["name"],
                sha256=picture["sha256"],
                mime_type=picture["mime_type"],
                size=picture["size"],
                alt_text=picture["alt_text"],
            )
            images.append((attachment, bytes(kept["data"])))
        return Snapshot(row["content_hash"], row["words"], tuple(images))

    def deliveries_for(self, post_id: int) -> list[Delivery]:
        with self._lock:
            return self._deliveries("post_id = ?", [post_id])

    def get_delivery(self, delivery_id: int) -> Delivery:
        with self._lock:
            found = self._deliveries("id = ?", [delivery_id])
            if not found:
                raise KeyError(delivery_id)
            return found[0]

    def taken_slots(self, platform: str, after: datetime) -> list[datetime]:
        """Slots held on ``platform`` after ``after`` (a hot path: plain tuples, no dicts)."""
        with self._lock:
            rows = self.db.execute(
                f"SELECT slot_at FROM deliveries WHERE platform = ? AND slot_at > ? "  # noqa: S608
                f"AND status IN ({HOLDING_MARKS})",
                [platform, iso(after), *SLOT_HOLDING],
            ).fetchall()
        return [datetime.fromisoformat(r[0]) for r in rows]

    def slot_holder(self, platform: str, slot: datetime) -> int | None:
        """The post holding ``slot`` on ``platform``, if any (the unique index's view)."""
        with self._lock:
            row = self.db.execute(
                f"SELECT post_id FROM deliveries WHERE platform = ? AND slot_at = ? "  # noqa: S608
                f"AND status IN ({HOLDING_MARKS})",
                [platform, iso(slot), *SLOT_HOLDING],
            ).fetchone()
        return None if row is None or slot == UNSCHEDULED else int(row[0])

    def held_summary(self, platform: str, after: datetime) -> tuple[int, datetime | None]:
        """How many slots are held after ``after``, and the last of them."""
        with self._lock:
            count, last = self.db.execute(
                "SELECT COUNT(*), MAX(slot_at) FROM deliveries WHERE platform = ? AND "  # noqa: S608
                f"slot_at > ? AND slot_at < ? AND status IN ({HOLDING_MARKS})",
                [platform, iso(after), iso(UNSCHEDULED), *SLOT_HOLDING],
            ).fetchone()
        return int(count), datetime.fromisoformat(last) if last else None

    def due(self, now: datetime) -> list[Delivery]:
        with self._lock:
            return self._deliveries(
                "status = ? AND due_at <= ?", [DeliveryStatus.QUEUED.value, iso(now)]
            )

    def next_due_at(self) -> datetime | None:
        rows = self._rows(
            "SELECT MIN(due_at) AS due FROM deliveries WHERE status = ?",
            [DeliveryStatus.QUEUED.value],
        )
        return parse_iso(rows[0]["due"]) if rows else None

    def bring_forward(self, post_id: int, *, actor: str, at: datetime) -> list[Delivery]:
        """Make every queued delivery of a post due now (`now <id>`)."""
        with self._tx() as db:
            db.execute(
                "UPDATE deliveries SET due_at = ?, updated_at = ? WHERE post_id = ? AND status = ?",
                [iso(at), iso(at), post_id, DeliveryStatus.QUEUED.value],
            )
            self._audit(at, actor, "publish_now", post_id)
            return self._deliveries(
                "post_id = ? AND status = ?", [post_id, DeliveryStatus.QUEUED.value]
            )

    def claim(
        self, delivery_id: int, *, at: datetime, approvals_required: int = 1
    ) -> Delivery | None:
        """queued → publishing, or None if someone else got there first.

        In the same transaction it re-checks everything that decides whether this delivery may
        go out now, so that no caller can forget one: it has its snapshot; its post is approved
        at exactly the delivery's content hash, by at least ``approvals_required`` people who
        did not propose it; nothing is paused; no blackout covers ``at``. Otherwise nothing is
        claimed and NotClaimed says why: a pause or a blackout leaves it queued (held), anything
        else ends it (cancelled, or failed when it has no snapshot) with the reason recorded."""
        with self._tx(durable=True) as db:
            found = self._deliveries("id = ?", [delivery_id])
            if not found or found[0].status is not DeliveryStatus.QUEUED:
                return None
            delivery = found[0]
            reason, held, ends_as = self._may_not_publish(delivery, at, approvals_required)
            if reason is None:
                return self._move(
                    delivery_id,
                    (DeliveryStatus.QUEUED,),
                    DeliveryStatus.PUBLISHING,
                    at=at,
                    actor="countersign",
                    action="publishing",
                    count_attempt=True,
                    claimed_at=iso(at),
                )
            if not held:
                db.execute(
                    "UPDATE deliveries SET status = ?, last_error = ?, updated_at = ? "
                    "WHERE id = ? AND status = ?",
                    [
                        ends_as.value,
                        self._seal(reason, "deliveries", "last_error", *delivery_row(delivery)),
                        iso(at),
                        delivery_id,
                        DeliveryStatus.QUEUED.value,
                    ],
                )
                self._audit(
                    at,
                    "countersign",
                    "not_claimed",
                    delivery.post_id,
                    delivery.content_hash,
                    platform=delivery.platform,
                    status=ends_as.value,
                    reason=self._seal_reason(reason, "not_claimed", delivery.post_id),
                )
                delivery = self._deliveries("id = ?", [delivery_id])[0]
            refused = NotClaimed(delivery, reason, held=held)
        raise refused

    def _may_not_publish(
        self, delivery: Delivery, at: datetime, approvals_required: int
    ) -> tuple[str | None, bool, DeliveryStatus]:
        """(why not, whether it only waits, the state it ends in otherwise); (None, …) when it
        may go out now."""
        if self.snapshot(delivery.id) is None:
            return NO_SNAPSHOT, False, DeliveryStatus.FAILED
        post = self._post_where("id = ?", [delivery.post_id])
        if post is None:
            return "its post no longer exists", False, DeliveryStatus.CANCELLED
        if post.content_hash != delivery.content_hash:
            return (
                f"{post.ref} was edited after this version was approved",
                False,
                DeliveryStatus.CANCELLED,
            )
        if post.status is not PostStatus.APPROVED:
            state = post.status.value.replace("_", " ")
            return f"{post.ref} is {state}, not approved", False, DeliveryStatus.CANCELLED
        approvers = {
            r[0]
            for r in self.db.execute(
                "SELECT reviewer FROM reviews WHERE post_id = ? AND content_hash = ? "
                "AND decision = ? AND reviewer != ?",
                [post.id, delivery.content_hash, Decision.APPROVE.value, post.proposer],
            ).fetchall()
        }
        if len(approvers) < approvals_required:
            return (
                f"{post.ref} has {len(approvers)} of the {approvals_required} approvals it "
                "needs from people other than its proposer",
                False,
                DeliveryStatus.CANCELLED,
            )
        for platform in (ALL, delivery.platform):
            paused = self.platform_state(platform)["paused_reason"]
            if paused:
                return f"publishing is paused ({paused})", True, DeliveryStatus.QUEUED
        if in_blackout(at, self.blackout_spans(ending_after=at)):
            return "a blackout is on", True, DeliveryStatus.QUEUED
        return None, False, DeliveryStatus.QUEUED

    def overdue(self, platform: str, now: datetime) -> list[Delivery]:
        """Queued deliveries whose time passed (a pause): oldest first."""
        with self._lock:
            return self._deliveries(
                "platform = ? AND status = ? AND due_at < ?",
                [platform, DeliveryStatus.QUEUED.value, iso(now)],
            )

    def move_delivery(
        self,
        delivery_id: int,
        *,
        to: datetime,
        actor: str,
        at: datetime,
        hold_slot: bool = True,
    ) -> None:
        """A queued delivery takes a new slot (its time and the slot it holds); with
        ``hold_slot=False`` it is only due at ``to`` and holds no slot (no schedule to take one
        from). A slot another post holds raises SlotTaken (the unique index, whoever asks)."""
        with self._tx() as db:
            try:
                db.execute(
                    "UPDATE deliveries SET due_at = ?, slot_at = ?, updated_at = ? WHERE id = ? "
                    "AND status = ?",
                    [
                        iso(to),
                        iso(to) if hold_slot else None,
                        iso(at),
                        delivery_id,
                        DeliveryStatus.QUEUED.value,
                    ],
                )
            except sqlite3.IntegrityError as exc:
                delivery = self._deliveries("id = ?", [delivery_id])[0]
                raise SlotTaken(
                    delivery.platform, to, self.slot_holder(delivery.platform, to)
                ) from exc
            delivery = self._deliveries("id = ?", [delivery_id])[0]
            self._audit(
                at,
                actor,
                "requeued",
                delivery.post_id,
                delivery.content_hash,
                platform=delivery.platform,
                due=iso(to),
            )

    def move_deliveries(
        self, moves: list[tuple[int, datetime]], *, actor: str, at: datetime
    ) -> None:
        """Queued deliveries trade slots in one step (`queue front`): each lets go of its
        slot first, so that no moment has two posts in one slot nor a slot index conflict."""
        with self._tx() as db:
            for delivery_id, _ in moves:
                db.execute(
                    "UPDATE deliveries SET slot_at = NULL WHERE id = ? AND status = ?",
                    [delivery_id, DeliveryStatus.QUEUED.value],
                )
            for delivery_id, to in moves:
                self.move_delivery(delivery_id, to=to, actor=actor, at=at)

    def posts_with_queued(self) -> list[Post]:
        rows = self._rows(
            "SELECT DISTINCT post_id FROM deliveries WHERE status = ?",
            [DeliveryStatus.QUEUED.value],
        )
        with self._lock:
            found = [self._post_where("id = ?", [r["post_id"]]) for r in rows]
        return [p for p in found if p is not None]
