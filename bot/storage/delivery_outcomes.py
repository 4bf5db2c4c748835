"""What became of a delivery: published, failed, unconfirmed, taken down."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from bot.domain.posts import (
    Delivery,
    DeliveryStatus,
    Post,
    PostStatus,
)
from bot.storage.base import (
    TAKEN_DOWN_IN_FLIGHT,
    StoreBase,
    delivery_row,
    iso,
)


class DeliveryOutcomes(StoreBase):
    """The outcome of each call to a platform, recorded once."""

    def _transition(
        self,
        delivery_id: int,
        allowed: tuple[DeliveryStatus, ...],
        to: DeliveryStatus,
        *,
        at: datetime,
        actor: str,
        action: str,
        count_attempt: bool = False,
        **values: Any,
    ) -> Delivery | None:
        """Move a delivery only from an allowed state: two workers cannot both win."""
        with self._tx(durable=True):
            return self._move(
                delivery_id,
                allowed,
                to,
                at=at,
                actor=actor,
                action=action,
                count_attempt=count_attempt,
                **values,
            )

    def _move(
        self,
        delivery_id: int,
        allowed: tuple[DeliveryStatus, ...],
        to: DeliveryStatus,
        *,
        at: datetime,
        actor: str,
        action: str,
        count_attempt: bool = False,
        audit: dict[str, Any] | Callable[[Delivery], dict[str, Any]] | None = None,
        **values: Any,
    ) -> Delivery | None:
        """The UPDATE of ``_transition``, inside the caller's transaction; None when the
        delivery was not in an allowed state (someone else moved it: a takedown, say)."""
        if values.get("last_error"):
            found = self._deliveries("id = ?", [delivery_id])
            if found:
                values["last_error"] = self._seal(
                    values["last_error"], "deliveries", "last_error", *delivery_row(found[0])
                )
        sets = ", ".join(f"{k} = ?" for k in values)
        marks = ", ".join("?" for _ in allowed)
        cursor = self.db.execute(
            f"UPDATE deliveries SET status = ?, updated_at = ?"  # noqa: S608
            f"{', attempts = attempts + 1' if count_attempt else ''}"
            f"{', ' + sets if sets else ''} WHERE id = ? AND status IN ({marks})",
            [to.value, iso(at), *values.values(), delivery_id, *(a.value for a in allowed)],
        )
        if cursor.rowcount != 1:
            return None
        delivery = self._deliveries("id = ?", [delivery_id])[0]
        if audit is None:
            detail = {"attempt": delivery.attempts}
        else:
            detail = audit(delivery) if callable(audit) else audit
        self._audit(
            at,
            actor,
            action,
            delivery.post_id,
            delivery.content_hash,
            platform=delivery.platform,
            **detail,
        )
        return delivery

    # Every step after the claim moves a delivery only from the state it expects: one that a
    # takedown (or anyone else) moved meanwhile is not overwritten, and the caller hears None.
    IN_FLIGHT = (DeliveryStatus.PUBLISHING,)

    def mark_published(
        self,
        delivery_id: int,
        *,
        remote_id: str,
        url: str,
        at: datetime,
        expect: tuple[DeliveryStatus, ...] = IN_FLIGHT,
    ) -> Delivery | None:
        return self._finish(
            delivery_id,
            expect,
            DeliveryStatus.PUBLISHED,
            at,
            "published",
            remote_id=remote_id,
            url=url,
            published_at=iso(at),
        )

    def mark_failed(self, delivery_id: int, *, error: str, at: datetime) -> Delivery | None:
        return self._finish(
            delivery_id, self.IN_FLIGHT, DeliveryStatus.FAILED, at, "failed", last_error=error
        )

    def mark_unconfirmed(self, delivery_id: int, *, error: str, at: datetime) -> Delivery | None:
        return self._finish(
            delivery_id,
            self.IN_FLIGHT,
            DeliveryStatus.UNCONFIRMED,
            at,
            "unconfirmed",
            last_error=error,
        )

    def _finish(
        self,
        delivery_id: int,
        expect: tuple[DeliveryStatus, ...],
        status: DeliveryStatus,
        at: datetime,
        action: str,
        **values: Any,
    ) -> Delivery | None:
        with self._tx(durable=True):
            return self._move(
                delivery_id,
                expect,
                status,
                at=at,
                actor="countersign",
                action=action,
                audit=lambda d: {"remote_id": d.remote_id, "url": d.url, "error": d.last_error},
                **values,
            )

    def interrupted(self, *, at: datetime) -> list[Delivery]:
        """Deliveries a crash left mid-call become unconfirmed: never re-sent blindly."""
        with self._tx(durable=True):
            found = self._deliveries("status = ?", [DeliveryStatus.PUBLISHING.value])
            moved = [
                self._move(
                    delivery.id,
                    self.IN_FLIGHT,
                    DeliveryStatus.UNCONFIRMED,
                    at=at,
                    actor="countersign",
                    action="unconfirmed",
                    audit={},
                    last_error="Countersign stopped while publishing; it may or may not "
                    "have gone out.",
                )
                for delivery in found
            ]
            return [d for d in moved if d is not None]

    def reschedule(
        self, delivery_id: int, *, at: datetime, error: str, now: datetime, refund: bool = False
    ) -> Delivery | None:
        """publishing → queued again, to be tried at ``at``; a rate limit refunds the attempt."""
        with self._tx(durable=True):
            moved = self._move(
                delivery_id,
                self.IN_FLIGHT,
                DeliveryStatus.QUEUED,
                at=now,
                actor="countersign",
                action="retry_scheduled",
                audit={"retry_at": iso(at), "error": error},
                due_at=iso(at),
                last_error=error,
            )
            if moved is not None and refund:
                self.db.execute(
                    "UPDATE deliveries SET attempts = attempts - 1 WHERE id = ?", [delivery_id]
                )
                moved = self._deliveries("id = ?", [delivery_id])[0]
            return moved

    def requeue(self, delivery_id: int, *, actor: str, at: datetime) -> Delivery | None:
        """An admin's "Publish again": a failed or unconfirmed delivery, due now."""
        return self._transition(
            delivery_id,
            (DeliveryStatus.UNCONFIRMED, DeliveryStatus.FAILED),
            DeliveryStatus.QUEUED,
            at=at,
            actor=actor,
            action="publish_again",
            due_at=iso(at),
        )

    def confirm_published(self, delivery_id: int, *, actor: str, at: datetime) -> Delivery | None:
        """An admin's "It was published": an unconfirmed delivery settled by a person."""
        return self._transition(
            delivery_id,
            (DeliveryStatus.UNCONFIRMED,),
            DeliveryStatus.PUBLISHED,
            at=at,
            actor=actor,
            action="confirmed_published",
            published_at=iso(at),
            last_error=None,
        )

    def mark_taken_down(
        self,
        delivery_id: int,
        *,
        actor: str,
        at: datetime,
        expect: tuple[DeliveryStatus, ...] = (DeliveryStatus.PUBLISHED,),
        remote_id: str | None = None,
        url: str | None = None,
    ) -> Delivery | None:
        """Deleted on its platform. ``remote_id``, ``url``: of a post that went out after its
        takedown began (recorded with it, so that the record says what was deleted)."""
        found: dict[str, Any] = {"remote_id": remote_id, "url": url} if remote_id else {}
        with self._tx(durable=True):
            moved = self._move(
                delivery_id,
                expect,
                DeliveryStatus.TAKEN_DOWN,
                at=at,
                actor=actor,
                action="taken_down",
                audit=lambda d: {"remote_id": d.remote_id},
                **found,
            )
            return moved

    def take_down(
        self, post_id: int, *, actor: str, at: datetime
    ) -> tuple[Post, list[Delivery], list[Delivery]]:
        """A takedown's first step, in one transaction: nothing of the post may go out any more.
        Waiting deliveries (queued, failed) are cancelled; one in flight (its platform is being
        asked right now) becomes unconfirmed, so that whatever its call brings back is settled,
        never recorded as published and left there. The post is taken down when anything of it
        was live or out. Returns the post, the deliveries cancelled and those in flight."""
        pending = (DeliveryStatus.QUEUED.value, DeliveryStatus.FAILED.value)
        with self._tx(durable=True) as db:
            post = self._post_where("id = ?", [post_id])
            assert post is not None
            waiting = self._deliveries("post_id = ? AND status IN (?, ?)", [post_id, *pending])
            in_flight = self._deliveries(
                "post_id = ? AND status = ?", [post_id, DeliveryStatus.PUBLISHING.value]
            )
            out = self._deliveries(
                "post_id = ? AND status IN (?, ?)",
                [post_id, DeliveryStatus.PUBLISHED.value, DeliveryStatus.UNCONFIRMED.value],
            )
            for delivery in waiting:
                self._move(
                    delivery.id,
                    (delivery.status,),
                    DeliveryStatus.CANCELLED,
                    at=at,
                    actor=actor,
                    action="cancelled",
                    audit={},
                )
            for delivery in in_flight:
                self._move(
                    delivery.id,
                    self.IN_FLIGHT,
                    DeliveryStatus.UNCONFIRMED,
                    at=at,
                    actor=actor,
                    action="unconfirmed",
                    audit={"reason": "taken down while being published"},
                    last_error=TAKEN_DOWN_IN_FLIGHT,
                )
            if (waiting or in_flight or out) and post.status is not PostStatus.TAKEN_DOWN:
                db.execute(
                    "UPDATE posts SET status = ?, updated_at = ? WHERE id = ?",
                    [PostStatus.TAKEN_DOWN.value, iso(at), post_id],
                )
                self._audit(
                    at,
                    actor,
                    "takedown",
                    post_id,
                    post.content_hash,
                    status=PostStatus.TAKEN_DOWN.value,
                    cancelled_deliveries=len(waiting),
                )
            updated = self._post_where("id = ?", [post_id])
            assert updated is not None
            return (
                updated,
                [self._deliveries("id = ?", [d.id])[0] for d in waiting],
                [self._deliveries("id = ?", [d.id])[0] for d in in_flight],
            )

    def cancel_in_flight(self, delivery_id: int, *, reason: str, at: datetime) -> Delivery | None:
        """An unconfirmed delivery whose platform said it did nothing (a takedown came while it
        was being asked): it did not go out, and it never will."""
        return self._transition(
            delivery_id,
            (DeliveryStatus.UNCONFIRMED,),
            DeliveryStatus.CANCELLED,
            at=at,
            actor="countersign",
            action="cancelled",
            last_error=reason,
        )

    def unsnapshotted(self) -> list[Delivery]:
        """Deliveries that m013 could give no snapshot (their post was edited since they were
        queued), until the admins have been told about them."""
        rows = self._rows("SELECT value FROM app_meta WHERE key = 'unsnapshotted'")
        ids = json.loads(rows[0]["value"]) if rows else []
        with self._lock:
            return [d for i in ids for d in self._deliveries("id = ?", [i])]

    def unsnapshotted_reported(self) -> None:
        with self._tx() as db:
            db.execute("DELETE FROM app_meta WHERE key = 'unsnapshotted'")

    def unconfirmed(self) -> list[Delivery]:
        with self._lock:
            return self._deliveries("status = ?", [DeliveryStatus.UNCONFIRMED.value])
