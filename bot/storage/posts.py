"""Posts, their versions, pictures and reviews."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from bot.domain.findings import Finding
from bot.domain.posts import (
    Attachment,
    DeliveryStatus,
    Post,
    PostStatus,
)
from bot.domain.review import Decision
from bot.storage.base import (
    StaleVersion,
    findings_json,
    iso,
)
from bot.storage.deliveries import Deliveries


class Posts(Deliveries):
    """Proposals as they are checked, revised, reviewed and erased."""

    # -- posts -------------------------------------------------------------------------------

    def create_post(
        self,
        *,
        source_channel: str,
        source_ts: str,
        proposer: str,
        text: str,
        platforms: tuple[str, ...],
        content_hash: str,
        findings: list[Finding],
        status: PostStatus,
        at: datetime,
        images: Sequence[tuple[Attachment, bytes]] = (),
        requested_at: datetime | None = None,
        variants: dict[str, str] | None = None,
    ) -> tuple[Post, bool]:
        """The post for a proposal message, and whether this call created it."""
        with self._tx() as db:
            existing = self._post_where(
                "source_channel = ? AND source_ts = ?", [source_channel, source_ts]
            )
            if existing is not None:
                return existing, False
            cursor = db.execute(
                """INSERT INTO posts (source_channel, source_ts, proposer, text, platforms,
                       content_hash, status, findings, created_at, updated_at)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                [
                    source_channel,
                    source_ts,
                    proposer,
                    "",  # sealed below, bound to the row id it has only now
                    json.dumps(list(platforms)),
                    content_hash,
                    status.value,
                    "[]",
                    iso(at),
                    iso(at),
                ],
            )
            post_id = int(cursor.lastrowid or 0)
            db.execute(
                "UPDATE posts SET text = ?, findings = ? WHERE id = ?",
                [
                    self._seal(text, "posts", "text", post_id),
                    self._seal(findings_json(findings), "posts", "findings", post_id),
                    post_id,
                ],
            )
            if requested_at is not None:
                db.execute(
                    "UPDATE posts SET requested_at = ? WHERE id = ?", [iso(requested_at), post_id]
                )
            if variants:
                db.execute(
                    "UPDATE posts SET variants = ? WHERE id = ?",
                    [
                        self._seal(
                            json.dumps(variants, sort_keys=True), "posts", "variants", post_id
                        ),
                        post_id,
                    ],
                )
            self._save_images(post_id, content_hash, images)
            # Version 1 exists from the moment its message was posted.
            db.execute(
                "INSERT INTO post_versions (post_id, version, content_hash, made_ts) "
                "VALUES (?, 1, ?, ?)",
                [post_id, content_hash, source_ts],
            )
            self._audit(
                at,
                proposer,
                "proposed",
                post_id,
                content_hash,
                platforms=list(platforms),
                images=[a.sha256 for a, _ in images],
            )
            self._audit(
                at,
                "countersign",
                "checked",
                post_id,
                content_hash,
                status=status.value,
                rules=sorted({f.rule for f in findings}),
            )
            post = self._post_where("id = ?", [post_id])
            assert post is not None
            return post, True

    def _save_images(
        self, post_id: int, content_hash: str, images: Sequence[tuple[Attachment, bytes]]
    ) -> None:
        for position, (attachment, data) in enumerate(images):
            row = (post_id, content_hash, position)
            self.db.execute(
                """INSERT OR REPLACE INTO post_images (post_id, content_hash, position, name,
                       sha256, mime_type, size, data, alt_text)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                [
                    post_id,
                    content_hash,
                    position,
                    self._seal(attachment.name, "post_images", "name", *row),
                    attachment.sha256,
                    attachment.mime_type,
                    attachment.size,
                    data,
                    self._seal(attachment.alt_text, "post_images", "alt_text", *row),
                ],
            )

    def image_data(self, post: Post) -> list[tuple[Attachment, bytes]]:
        """The approved images' bytes, in order, for publishing."""
        rows = self._rows(
            "SELECT * FROM post_images WHERE post_id = ? AND content_hash = ? ORDER BY position",
            [post.id, post.content_hash],
        )
        return [(self._attachment(r), bytes(r["data"])) for r in rows]

    def get_post(self, post_id: int) -> Post | None:
        with self._lock:
            return self._post_where("id = ?", [post_id])

    def post_for_message(self, channel: str, ts: str) -> Post | None:
        """The post a Slack message belongs to: the proposal itself or its review card."""
        with self._lock:
            return self._post_where(
                "(source_channel = ? AND source_ts = ?) OR (card_channel = ? AND card_ts = ?)",
                [channel, ts, channel, ts],
            )

    def source_of(self, channel: str, ts: str) -> tuple[str, str] | None:
        """The proposal message (channel, ts) behind a review card, if ``ts`` is one."""
        with self._lock:
            rows = self.db.execute(
                "SELECT source_channel, source_ts FROM posts WHERE card_channel = ? "
                "AND card_ts = ?",
                [channel, ts],
            ).fetchall()
        return (str(rows[0][0]), str(rows[0][1])) if rows else None

    def version_times(self, post_id: int) -> dict[int, str]:
        """Each known version of a post and when it was made, in Slack's time ("seconds.micro"
        as a message's ts). Posts from before these were kept know none."""
        with self._lock:
            rows = self.db.execute(
                "SELECT version, made_ts FROM post_versions WHERE post_id = ?", [post_id]
            ).fetchall()
        return {int(r[0]): str(r[1]) for r in rows}

    # Posts that never went out: their words are erased after the retention period.
    NEVER_PUBLISHED = (PostStatus.BLOCKED, PostStatus.REJECTED, PostStatus.WITHDRAWN)

    def erase_unpublished(self, *, before: datetime, at: datetime) -> list[int]:
        """Erase the words of posts never published (blocked, rejected, withdrawn) whose last
        change was before ``before``: the text, each platform's words, the findings' excerpts
        and suggestions, the pictures (names, descriptions, bytes) and any delivery snapshot.
        Their hashes, rule ids, statuses and audit records stay. Returns the posts' ids."""
        marks = ", ".join("?" for _ in self.NEVER_PUBLISHED)
        with self._tx() as db:
            rows = list(
                db.query(
                    f"SELECT id, content_hash, findings FROM posts WHERE status IN ({marks}) "  # noqa: S608
                    "AND updated_at < ? AND erased_at IS NULL AND NOT EXISTS (SELECT 1 FROM "
                    "deliveries d WHERE d.post_id = posts.id AND d.status IN (?, ?)) ORDER BY id",
                    [
                        *(s.value for s in self.NEVER_PUBLISHED),
                        iso(before),
                        DeliveryStatus.PUBLISHED.value,
                        DeliveryStatus.UNCONFIRMED.value,
                    ],
                )
            )
            for row in rows:
                post_id = int(row["id"])
                findings = json.loads(
                    self._open(row["findings"], "posts", "findings", post_id) or "[]"
                )
                kept = [
                    {**f, "excerpt": "", "suggestion": "", "replacement": None} for f in findings
                ]
                db.execute(
                    "UPDATE posts SET text = '', variants = ?, findings = ?, erased_at = ? "
                    "WHERE id = ?",
                    [
                        self._seal("{}", "posts", "variants", post_id),
                        self._seal(json.dumps(kept), "posts", "findings", post_id),
                        iso(at),
                        post_id,
                    ],
                )
                db.execute(
                    "UPDATE post_images SET name = '', alt_text = '', data = x'' WHERE post_id = ?",
                    [post_id],
                )
                db.execute(
                    "UPDATE deliveries SET words = NULL, pictures = NULL, last_error = NULL "
                    "WHERE post_id = ?",
                    [post_id],
                )
                self._audit(
                    at,
                    "countersign",
                    "words_erased",
                    post_id,
                    row["content_hash"],
                    reason="never published; retention period over",
                )
            return [int(r["id"]) for r in rows]

    def unannounced(self) -> list[Post]:
        """Posts whose report or review card never reached Slack (a crash, an outage)."""
        with self._lock:
            rows = self.db.query(
                "SELECT id FROM posts WHERE report_ts IS NULL OR (card_ts IS NULL AND status "
                "IN (?, ?)) ORDER BY id",
                [PostStatus.IN_REVIEW.value, PostStatus.APPROVED.value],
            )
            found = [self._post_where("id = ?", [r["id"]]) for r in rows]
            return [p for p in found if p is not None]

    def set_message_refs(self, post_id: int, **refs: str) -> None:
        allowed = {"card_channel", "card_ts", "report_ts"}
        if not refs or set(refs) - allowed:
            raise ValueError(f"unknown message refs {set(refs) - allowed}")
        with self._tx() as db:
            db.table("posts").update(post_id, refs)

    def revise(
        self,
        post_id: int,
        *,
        text: str,
        content_hash: str,
        findings: list[Finding],
        status: PostStatus,
        actor: str,
        at: datetime,
        images: Sequence[tuple[Attachment, bytes]] = (),
        made_ts: str | None = None,
    ) -> Post:
        """A new version: new words, new findings; approvals of the old words no longer count.
        ``made_ts``: when it was made, in Slack's time (see ``version_times``)."""
        with self._tx() as db:
            self._save_images(post_id, content_hash, images)
            db.execute(
                """UPDATE posts SET text = ?, content_hash = ?, findings = ?, status = ?,
                       version = version + 1, updated_at = ? WHERE id = ?""",
                [
                    self._seal(text, "posts", "text", post_id),
                    content_hash,
                    self._seal(findings_json(findings), "posts", "findings", post_id),
                    status.value,
                    iso(at),
                    post_id,
                ],
            )
            if made_ts is not None:
                db.execute(
                    "INSERT OR REPLACE INTO post_versions (post_id, version, content_hash, "
                    "made_ts) SELECT id, version, content_hash, ? FROM posts WHERE id = ?",
                    [made_ts, post_id],
                )
            cancelled = self._cancel_queued(post_id, at)
            self._audit(
                at,
                actor,
                "edited",
                post_id,
                content_hash,
                status=status.value,
                cancelled_deliveries=cancelled,
                rules=sorted({f.rule for f in findings}),
            )
            post = self._post_where("id = ?", [post_id])
            assert post is not None
            return post

    def set_status(
        self,
        post_id: int,
        status: PostStatus,
        *,
        actor: str,
        action: str,
        at: datetime,
        cancel_queued: bool = False,
        review: Decision | None = None,
        queue: dict[str, datetime] | None = None,
        reason: str = "",
        expect_content: str | None = None,
    ) -> Post:
        """Change a post's status, recording the review (if any), the deliveries to queue (if
        any) and the audit in one transaction. With ``expect_content``, only if the post still
        has those words (a reviewer decides on the version they saw): else StaleVersion."""
        with self._tx() as db:
            post = self._post_where("id = ?", [post_id])
            assert post is not None
            if expect_content is not None and post.content_hash != expect_content:
                raise StaleVersion(post)
            if review is not None:
                db.execute(
                    "INSERT OR IGNORE INTO reviews (post_id, reviewer, decision, content_hash, at)"
                    " VALUES (?, ?, ?, ?, ?)",
                    [post_id, actor, review.value, post.content_hash, iso(at)],
                )
            db.execute(
                "UPDATE posts SET status = ?, updated_at = ? WHERE id = ?",
                [status.value, iso(at), post_id],
            )
            cancelled = self._cancel_queued(post_id, at) if cancel_queued else 0
            detail: dict[str, Any] = {"status": status.value, "cancelled_deliveries": cancelled}
            if reason:
                detail["reason"] = self._seal_reason(reason, action, post_id)
            self._audit(at, actor, action, post_id, post.content_hash, **detail)
            updated = self._post_where("id = ?", [post_id])
            assert updated is not None
            if queue:
                self.queue_deliveries(updated, queue, actor=actor, at=at)
            return updated

    def withdraw_approval(
        self, post_id: int, reviewer: str, *, status: PostStatus, cancel_queued: bool, at: datetime
    ) -> Post:
        """Forget one approval of the current content, with the status it leaves behind."""
        with self._tx() as db:
            post = self._post_where("id = ?", [post_id])
            assert post is not None
            db.execute(
                "DELETE FROM reviews WHERE post_id = ? AND reviewer = ? AND decision = ? AND "
                "content_hash = ?",
                [post_id, reviewer, Decision.APPROVE.value, post.content_hash],
            )
            db.execute(
                "UPDATE posts SET status = ?, updated_at = ? WHERE id = ?",
                [status.value, iso(at), post_id],
            )
            cancelled = self._cancel_queued(post_id, at) if cancel_queued else 0
            self._audit(
                at,
                reviewer,
                "approval_withdrawn",
                post_id,
                post.content_hash,
                status=status.value,
                cancelled_deliveries=cancelled,
            )
            updated = self._post_where("id = ?", [post_id])
            assert updated is not None
            return updated

    def _cancel_queued(self, post_id: int, at: datetime) -> int:
        cursor = self.db.execute(
            "UPDATE deliveries SET status = ?, updated_at = ? WHERE post_id = ? AND status = ?",
            [DeliveryStatus.CANCELLED.value, iso(at), post_id, DeliveryStatus.QUEUED.value],
        )
        return cursor.rowcount
