"""Read-only questions the App Home asks of the store: one person's posts, their reviews, the queue.

Each function holds the store's lock for all its reads, so that a page and its total agree even
while the scheduler or a listener is writing.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from bot.domain.posts import Delivery, DeliveryStatus, Post, PostStatus
from bot.domain.review import Decision
from bot.storage.store import Store

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    """The first items of a longer list, and how long the list is."""

    items: tuple[T, ...]
    total: int

    @property
    def more(self) -> int:
        return self.total - len(self.items)


@dataclass(frozen=True)
class Proposal:
    post: Post
    deliveries: tuple[Delivery, ...]


@dataclass(frozen=True)
class Queued:
    delivery: Delivery
    text: str  # the post's current words, for an excerpt


def proposals_by(store: Store, proposer: str, *, limit: int = 10) -> Page[Proposal]:
    """The proposer's posts, newest first, each with its deliveries."""
    with store._lock:
        ids = _ids(
            store,
            "SELECT id FROM posts WHERE proposer = ? ORDER BY id DESC LIMIT ?",
            [proposer, limit],
        )
        total = _count(store, "SELECT COUNT(*) AS n FROM posts WHERE proposer = ?", [proposer])
        posts = _posts(store, ids)
        by_post: dict[int, list[Delivery]] = {i: [] for i in ids}
        if ids:
            for delivery in store._deliveries(f"post_id IN ({_marks(ids)})", list(ids)):
                by_post[delivery.post_id].append(delivery)
        return Page(tuple(Proposal(p, tuple(by_post[p.id])) for p in posts), total)


# In review, not proposed by the reviewer, and not yet approved by them in its current words:
# an approval of an earlier version does not count, so an edited post asks them again.
_WAITING = """FROM posts p WHERE p.status = ? AND p.proposer != ? AND NOT EXISTS (
    SELECT 1 FROM reviews r WHERE r.post_id = p.id AND r.reviewer = ?
    AND r.content_hash = p.content_hash AND r.decision = ?)"""


def waiting_for(store: Store, reviewer: str, *, limit: int = 10) -> Page[Post]:
    """Posts the reviewer could approve, oldest first: the longest wait comes first."""
    params = [PostStatus.IN_REVIEW.value, reviewer, reviewer, Decision.APPROVE.value]
    with store._lock:
        ids = _ids(store, f"SELECT p.id {_WAITING} ORDER BY p.id LIMIT ?", [*params, limit])
        total = _count(store, f"SELECT COUNT(*) AS n {_WAITING}", params)
        return Page(tuple(_posts(store, ids)), total)


def queued(store: Store, platform: str, *, limit: int = 15) -> Page[Queued]:
    """The platform's queued deliveries in the order they will go out."""
    params = [platform, DeliveryStatus.QUEUED.value]
    with store._lock:
        rows = store._rows(
            "SELECT d.id, p.id AS post_id, p.text FROM deliveries d JOIN posts p "
            "ON p.id = d.post_id "
            "WHERE d.platform = ? AND d.status = ? ORDER BY d.due_at, d.id LIMIT ?",
            [*params, limit],
        )
        total = _count(
            store, "SELECT COUNT(*) AS n FROM deliveries WHERE platform = ? AND status = ?", params
        )
        if not rows:
            return Page((), total)
        texts = {r["id"]: str(store._open(r["text"], "posts", "text", r["post_id"])) for r in rows}
        deliveries = store._deliveries(f"id IN ({_marks(texts)})", list(texts))
        return Page(tuple(Queued(d, texts[d.id]) for d in deliveries), total)


def _ids(store: Store, sql: str, params: Sequence[object]) -> list[int]:
    return [int(r["id"]) for r in store._rows(sql, params)]


def _count(store: Store, sql: str, params: Sequence[object]) -> int:
    return int(store._rows(sql, params)[0]["n"])


def _posts(store: Store, ids: Sequence[int]) -> list[Post]:
    found = [store._post_where("id = ?", [i]) for i in ids]
    return [p for p in found if p is not None]


def _marks(values: Collection[object]) -> str:
    return ", ".join("?" for _ in values)
