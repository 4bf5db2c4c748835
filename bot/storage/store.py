"""Posts, reviews, deliveries and the audit trail in SQLite: every change one transaction."""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from bot.domain.findings import Finding
from bot.domain.posts import (
    UNSCHEDULED,
    Attachment,
    Delivery,
    DeliveryStatus,
    Post,
    PostStatus,
)
from bot.domain.review import Decision
from bot.scheduling.slots import DAYS, Slot, in_blackout, parse_time
from bot.storage import audit_chain
from bot.storage.audit_chain import GENESIS
from bot.storage.crypto import Keyring, StoredTextError
from bot.storage.migrations import NO_SNAPSHOT, SLOT_HOLDING, migrations
from bot.storage.permissions import database_files, tighten

_HOLDING_MARKS = ", ".join("?" for _ in SLOT_HOLDING)
# An in-flight delivery's state after a takedown: whatever its platform answers is settled.
TAKEN_DOWN_IN_FLIGHT = (
    "taken down while its platform was being asked to publish it: if it went out, Countersign "
    "deletes it"
)
ALL = "*"  # the platform_state row of the emergency stop, which covers every platform


def iso(moment: datetime) -> str:
    """Fixed-width UTC text, so that string order is time order in SQL."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_iso(text: str | None) -> datetime | None:
    if text is None:
        return None
    return datetime.fromisoformat(text)  # fast, and it reads the trailing Z as UTC


class SlotTaken(Exception):
    """Another post already holds that slot on that platform (one post per platform per slot)."""

    def __init__(self, platform: str, slot: datetime, holder: int | None) -> None:
        super().__init__(f"{platform} slot {iso(slot)} is held by post {holder}")
        self.platform, self.slot, self.holder = platform, slot, holder


class StaleVersion(Exception):
    """The post was edited between a reviewer's look and their decision."""

    def __init__(self, post: Post) -> None:
        super().__init__(f"post #{post.id} has changed")
        self.post = post


class NotClaimed(Exception):
    """The claim re-checked a queued delivery and may not publish it. ``held``: it waits,
    queued (a pause, a blackout); else it was cancelled or failed, with ``reason`` recorded."""

    def __init__(self, delivery: Delivery, reason: str, *, held: bool) -> None:
        super().__init__(reason)
        self.delivery = delivery
        self.reason = reason
        self.held = held


@dataclass(frozen=True)
class Snapshot:
    """What a delivery publishes, copied when it was queued: the words approved for its
    platform and the pictures (stripped bytes, descriptions) approved with them."""

    content_hash: str
    words: str
    images: tuple[tuple[Attachment, bytes], ...]


def private_file(path: Path | str) -> None:
    """Create ``path`` readable by its owner only, when it is new: the database holds clients'
    words and the register (SQLite gives its -wal and -shm files the same permissions)."""
    if str(path) != ":memory:":
        os.close(os.open(str(path), os.O_CREAT | os.O_WRONLY, 0o600))


@dataclass(frozen=True)
class AuditKeys:
    """The audit chain's keys: COUNTERSIGN_SECRET_KEY (none: records unkeyed, as before
    m017), then former ones that still verify their records. ``seal_at``: when the opener may
    write, an unkeyed chain is sealed at that moment (see Store.key_audit)."""

    secret: str | None
    older: Sequence[str] = ()
    seal_at: datetime | None = None


def open_store(
    path: Path | str, keys: Keyring | None = None, audit: AuditKeys | None = None
) -> Store:
    """The database at ``path``. With a key, any text not yet sealed with the current key
    (plain text from before m016, or a previous key's) is encrypted again before it is used.
    With ``audit``, new audit records are keyed from the start."""
    if str(path) != ":memory:":
        tighten(database_files(path), what="the database")  # a restored 0644 copy, say
    private_file(path)
    conn = sqlite3.connect(str(path), check_same_thread=False, timeout=30)
    db = Database(conn)
    if str(path) != ":memory:":
        db.enable_wal()
        db.execute("PRAGMA synchronous = NORMAL")  # see Store._tx for what is flushed when
    db.execute("PRAGMA foreign_keys = ON")
    # Deleted and overwritten text is zeroed in the file, not left in free pages for a copy
    # to find (encrypted or erased words, plain text replaced by its encryption).
    db.execute("PRAGMA secure_delete = ON")
    migrations.apply(db)
    store = Store(db, keys)
    store.resealed = store.reseal()
    if store.resealed:
        store.checkpoint()  # the plain text's old pages leave the -wal file too
    if audit is not None:
        store.key_audit(audit.secret, older=audit.older, at=audit.seal_at)
    return store


# Every column holding someone's words, and the columns naming its row: a value's associated
# data is "table.column:row", so it decrypts only where it was written.
SEALED: dict[tuple[str, str], tuple[str, ...]] = {
    ("posts", "text"): ("id",),
    ("posts", "variants"): ("id",),
    ("posts", "findings"): ("id",),
    ("post_images", "name"): ("post_id", "content_hash", "position"),
    ("post_images", "alt_text"): ("post_id", "content_hash", "position"),
    ("deliveries", "words"): ("post_id", "platform", "content_hash"),
    ("deliveries", "pictures"): ("post_id", "platform", "content_hash"),
    ("deliveries", "last_error"): ("post_id", "platform", "content_hash"),
    ("slack_events", "body"): ("event_id",),
    ("blackouts", "reason"): ("id",),
    ("platform_state", "paused_reason"): ("platform",),
}


def place(table: str, column: str, *row: Any) -> str:
    """The associated data of a stored value."""
    return f"{table}.{column}:" + "/".join(str(part) for part in row)


class Store:
    """The repository. One lock: the scheduler, Slack listeners and the CLI share a connection."""

    def __init__(self, db: Database, keys: Keyring | None = None) -> None:
        self.db = db
        self.keys = keys or Keyring()
        self.resealed: dict[str, int] = {}  # what opening re-encrypted (`countersign rekey`)
        self._lock = threading.RLock()
        self._events_seen = 0
        self._requests_seen = 0

    def close(self) -> None:
        with self._lock:
            self.db.close()

    @contextmanager
    def _tx(self, *, durable: bool = False) -> Iterator[Database]:
        """One transaction. Commits are not flushed to disk one by one (WAL with synchronous
        NORMAL survives a crashed process, not a power cut); a ``durable`` one is, and with it
        everything committed before it. Durable: what is acknowledged to Slack (the event, so
        that a restart can redo its work) and every step of a delivery (X and Facebook must
        never be asked twice)."""
        with self._lock:
            if durable:
                self.db.execute("PRAGMA synchronous = FULL")
            try:
                with self._write():
                    yield self.db
            finally:
                if durable:
                    self.db.execute("PRAGMA synchronous = NORMAL")

    @contextmanager
    def _write(self) -> Iterator[None]:
        """``BEGIN IMMEDIATE``, not sqlite-utils' deferred ``BEGIN``: the CLI (or a second
        process) may write to the same file while ``serve`` runs. A deferred transaction that
        reads first holds a snapshot, and when it then writes after another connection has
        committed, SQLite answers "database is locked" at once, without waiting for the busy
        timeout (SQLITE_BUSY_SNAPSHOT). Taking the write lock first makes it wait instead."""
        if self.db.conn.in_transaction:  # nested: a savepoint inside the open transaction
            with self.db.atomic():
                yield
            return
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.db.conn.rollback()
            raise
        try:
            self.db.execute("COMMIT")
        except BaseException:
            self.db.conn.rollback()
            raise

    def _rows(self, sql: str, params: Iterable[Any] = ()) -> list[dict[str, Any]]:
        with self._lock:
            return list(self.db.query(sql, list(params)))

    # -- encryption at rest (bot/storage/crypto.py) --------------------------------------------

    def _seal(self, text: str | None, table: str, column: str, *row: Any) -> str | None:
        return self.keys.seal(text, place(table, column, *row))

    def _open(self, value: str | None, table: str, column: str, *row: Any) -> str | None:
        return self.keys.open(value, place(table, column, *row))

    def readable_row(self, table: str, row: dict[str, Any]) -> dict[str, Any]:
        """A row read by SQL of its own (a soak's or a report's), its words decrypted."""
        return self._open_row(table, row)

    def _open_row(self, table: str, row: dict[str, Any]) -> dict[str, Any]:
        """A row with its sealed columns decrypted (those it has)."""
        opened = dict(row)
        for (name, column), keys in SEALED.items():
            if name == table and column in row and all(k in row for k in keys):
                opened[column] = self._open(row[column], table, column, *(row[k] for k in keys))
        return opened

    def _seal_reason(self, reason: str, action: str, post_id: int | None) -> str:
        """A reason in an audit record's detail (a rejection's, a pause's, a blackout's)."""
        return self.keys.seal(reason, place("audit", "reason", action, post_id or "")) or ""

    def readable_detail(self, row: dict[str, Any]) -> dict[str, Any]:
        """An audit record's detail with its reason decrypted, for `audit export`."""
        detail: dict[str, Any] = json.loads(row["detail"] or "{}")
        if isinstance(detail.get("reason"), str):
            at = place("audit", "reason", row["action"], row["post_id"] or "")
            try:
                detail["reason"] = self.keys.open(detail["reason"], at)
            except StoredTextError:
                # Audit records are never rewritten (the chain), so a reason recorded under a
                # retired key stays under it: say so rather than stop the export.
                detail["reason"] = "(encrypted with a key Countersign no longer has)"
        return detail

    def checkpoint(self) -> None:
        """Copy the -wal file into the database and empty it: text just encrypted or erased
        no longer survives there in older page images."""
        with self._lock:
            self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def reseal(self) -> dict[str, int]:
        """Encrypt with the current key every stored text that is not yet: plain text (written
        before m016 or without a key) and text a previous key wrote. Without a key, nothing.
        Returns how many values each table.column had re-encrypted (`countersign rekey`)."""
        done: dict[str, int] = {}
        if not self.keys.encrypting:
            return done
        prefix = f"cs1:{self.keys.current_id}:*"
        with self._tx():
            for (table, column), keys in SEALED.items():
                names = ", ".join(keys)
                rows = list(
                    self.db.query(
                        f"SELECT rowid AS _rowid, {names}, {column} FROM {table} "  # noqa: S608
                        f"WHERE {column} IS NOT NULL AND {column} != '' "
                        f"AND {column} NOT GLOB ?",
                        [prefix],
                    )
                )
                for row in rows:
                    at = place(table, column, *(row[k] for k in keys))
                    sealed = self.keys.seal(self.keys.open(row[column], at), at)
                    self.db.execute(
                        f"UPDATE {table} SET {column} = ? WHERE rowid = ?",  # noqa: S608
                        [sealed, row["_rowid"]],
                    )
                if rows:
                    done[f"{table}.{column}"] = len(rows)
        return done

    # -- audit -------------------------------------------------------------------------------

    # The keys of the audit chain (see bot/storage/audit_chain.py): the current one makes new
    # records; older ones (a rotation) still verify theirs. None: unkeyed, as before m017.
    _audit_mac: tuple[str, bytes] | None = None
    _audit_keys: dict[str, bytes] = {}  # noqa: RUF012 - replaced, never mutated in place

    def key_audit(
        self, secret: str | None, *, older: Sequence[str] = (), at: datetime | None = None
    ) -> None:
        """Make new audit records with a MAC keyed from ``secret`` (COUNTERSIGN_SECRET_KEY).
        With ``at``, an unkeyed chain (one written before m017) is sealed at once by a keyed
        record that counts it, so that from now on none of it can change unseen; without
        (``audit verify``, which must not write), nothing is written."""
        if not secret:
            return
        keys = {audit_chain.key_id(k): k for k in map(audit_chain.audit_key, [secret, *older])}
        current = audit_chain.audit_key(secret)
        self._audit_mac = (audit_chain.key_id(current), current)
        self._audit_keys = keys
        if at is None:
            return
        with self._tx(durable=True):
            keyed = list(self.db.query("SELECT 1 FROM audit WHERE mac_key IS NOT NULL LIMIT 1"))
            count = next(iter(self.db.query("SELECT count(*) AS n FROM audit")))["n"]
            if keyed or not count:
                return
            verdict = audit_chain.walk(self.db.query("SELECT * FROM audit ORDER BY id"), {})
            if verdict.problem is None:  # a broken chain stays as it is, for verify to name
                self._audit(at, "countersign", "audit_keyed", unkeyed_records=count)

    def _audit(
        self,
        at: datetime,
        actor: str,
        action: str,
        post_id: int | None = None,
        content_hash: str | None = None,
        **detail: Any,
    ) -> None:
        """Append a record chained to the previous one, so that tampering shows."""
        last = list(self.db.query("SELECT hash FROM audit ORDER BY id DESC LIMIT 1"))
        prev = last[0]["hash"] if last else GENESIS
        record = {
            "at": iso(at),
            "actor": actor,
            "action": action,
            "post_id": post_id,
            "content_hash": content_hash,
            "detail": json.dumps(detail, sort_keys=True, default=str),
        }
        if self._audit_mac is None:
            mac, kid = audit_chain.unkeyed_hash(prev, record), None
        else:
            kid, key = self._audit_mac
            mac = audit_chain.keyed_mac(key, prev, record)
        self.db.table("audit").insert({**record, "prev_hash": prev, "hash": mac, "mac_key": kid})

    def audit_verdict(self) -> audit_chain.Verdict:
        """Every record checked in order, with the keys this store was given."""
        with self._lock:
            return audit_chain.walk(
                self.db.query("SELECT * FROM audit ORDER BY id"), self._audit_keys
            )

    def verify_audit(self) -> tuple[int, int | None]:
        """(records checked, id of the first record whose chain is broken, or None)."""
        verdict = self.audit_verdict()
        return verdict.checked, verdict.broken_at

    def audit_head(self) -> audit_chain.Head:
        """The end of the chain as it is (unchecked): what a checkpoint writes down."""
        with self._lock:
            count = next(iter(self.db.query("SELECT count(*) AS n FROM audit")))["n"]
            last = list(self.db.query("SELECT hash FROM audit ORDER BY id DESC LIMIT 1"))
        return audit_chain.Head(int(count), last[0]["hash"] if last else GENESIS)

    def backup(self, target: Path) -> audit_chain.Head:
        """A consistent copy while Countersign runs (SQLite's online backup), and the head of
        the audit chain in that copy (for the checkpoint written beside it)."""
        private_file(target)
        with self._lock:
            copy = sqlite3.connect(str(target))
            try:
                self.db.conn.backup(copy)
            finally:
                copy.close()
            return self.audit_head()

    def audit_log(self, post_id: int | None = None) -> list[dict[str, Any]]:
        if post_id is None:
            return self._rows("SELECT * FROM audit ORDER BY id")
        return self._rows("SELECT * FROM audit WHERE post_id = ? ORDER BY id", [post_id])

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
                    self._seal(_findings_json(findings), "posts", "findings", post_id),
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

    def _attachment(self, row: dict[str, Any]) -> Attachment:
        return _attachment(self._open_row("post_images", row))

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

    def _post_where(self, where: str, params: list[Any]) -> Post | None:
        rows = list(self.db.query(f"SELECT * FROM posts WHERE {where}", params))  # noqa: S608
        if not rows:
            return None
        row = self._open_row("posts", rows[0])
        approvers = [
            r["reviewer"]
            for r in self.db.query(
                "SELECT reviewer FROM reviews WHERE post_id = ? AND content_hash = ? "
                "AND decision = ? ORDER BY id",
                [row["id"], row["content_hash"], Decision.APPROVE.value],
            )
        ]
        return Post(
            id=row["id"],
            proposer=row["proposer"],
            text=row["text"],
            platforms=tuple(json.loads(row["platforms"])),
            content_hash=row["content_hash"],
            status=PostStatus(row["status"]),
            version=row["version"],
            findings=tuple(Finding.from_dict(f) for f in json.loads(row["findings"])),
            source_channel=row["source_channel"],
            source_ts=row["source_ts"],
            card_channel=row["card_channel"],
            card_ts=row["card_ts"],
            report_ts=row["report_ts"],
            approvers=tuple(approvers),
            requested_at=parse_iso(row.get("requested_at")),
            variants=json.loads(row.get("variants") or "{}"),
            images=tuple(
                self._attachment(r)
                for r in self.db.query(
                    "SELECT post_id, content_hash, position, name, sha256, mime_type, size, "
                    "alt_text FROM post_images "
                    "WHERE post_id = ? AND content_hash = ? ORDER BY position",
                    [row["id"], row["content_hash"]],
                )
            ),
        )

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
                    self._seal(_findings_json(findings), "posts", "findings", post_id),
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
                f"AND status IN ({_HOLDING_MARKS})",
                [platform, iso(after), *SLOT_HOLDING],
            ).fetchall()
        return [datetime.fromisoformat(r[0]) for r in rows]

    def slot_holder(self, platform: str, slot: datetime) -> int | None:
        """The post holding ``slot`` on ``platform``, if any (the unique index's view)."""
        with self._lock:
            row = self.db.execute(
                f"SELECT post_id FROM deliveries WHERE platform = ? AND slot_at = ? "  # noqa: S608
                f"AND status IN ({_HOLDING_MARKS})",
                [platform, iso(slot), *SLOT_HOLDING],
            ).fetchone()
        return None if row is None or slot == UNSCHEDULED else int(row[0])

    def held_summary(self, platform: str, after: datetime) -> tuple[int, datetime | None]:
        """How many slots are held after ``after``, and the last of them."""
        with self._lock:
            count, last = self.db.execute(
                "SELECT COUNT(*), MAX(slot_at) FROM deliveries WHERE platform = ? AND "  # noqa: S608
                f"slot_at > ? AND slot_at < ? AND status IN ({_HOLDING_MARKS})",
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
                        self._seal(reason, "deliveries", "last_error", *_row_of(delivery)),
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
                    values["last_error"], "deliveries", "last_error", *_row_of(found[0])
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

    # -- platforms ---------------------------------------------------------------------------

    def platform_state(self, platform: str) -> dict[str, Any]:
        rows = self._rows("SELECT * FROM platform_state WHERE platform = ?", [platform])
        state = rows[0] if rows else {"platform": platform}
        return {
            "platform": platform,
            "paused_reason": self._open(
                state.get("paused_reason"), "platform_state", "paused_reason", platform
            ),
            "paused_kind": state.get("paused_kind") or "credentials",
            "hold_until": parse_iso(state.get("hold_until")),
            "checked_at": parse_iso(state.get("checked_at")),
        }

    def _upsert_platform(self, platform: str, **values: Any) -> None:
        self.db.execute("INSERT OR IGNORE INTO platform_state (platform) VALUES (?)", [platform])
        if values.get("paused_reason"):
            values["paused_reason"] = self._seal(
                values["paused_reason"], "platform_state", "paused_reason", platform
            )
        sets = ", ".join(f"{k} = ?" for k in values)
        self.db.execute(
            f"UPDATE platform_state SET {sets} WHERE platform = ?",  # noqa: S608
            [*values.values(), platform],
        )

    def pause_platform(
        self, platform: str, *, reason: str, at: datetime, kind: str = "credentials"
    ) -> bool:
        """True when this call paused it (so that admins are told once, not per post)."""
        with self._tx(durable=True):
            if self.platform_state(platform)["paused_reason"]:
                return False
            self._upsert_platform(
                platform,
                paused_reason=reason,
                paused_kind=kind,
                paused_at=iso(at),
                checked_at=iso(at),
            )
            self._audit(
                at,
                "countersign",
                "platform_paused",
                platform=platform,
                reason=self._seal_reason(reason, "platform_paused", None),
            )
            return True

    def resume_platform(self, platform: str, *, actor: str, at: datetime) -> bool:
        with self._tx(durable=True):
            if not self.platform_state(platform)["paused_reason"]:
                return False
            self._upsert_platform(platform, paused_reason=None, paused_at=None)
            self._audit(at, actor, "platform_resumed", platform=platform)
            return True

    def pause_all(self, *, reason: str, actor: str, at: datetime) -> bool:
        """The emergency stop: nothing is published until an admin resumes."""
        with self._tx(durable=True):
            if self.platform_state(ALL)["paused_reason"]:
                return False
            self._upsert_platform(ALL, paused_reason=reason or "no reason given", paused_at=iso(at))
            self._audit(
                at,
                actor,
                "publishing_paused",
                reason=self._seal_reason(reason, "publishing_paused", None),
            )
            return True

    def resume_all(self, *, actor: str, at: datetime) -> bool:
        with self._tx(durable=True):
            if not self.platform_state(ALL)["paused_reason"]:
                return False
            self._upsert_platform(ALL, paused_reason=None, paused_at=None)
            self._audit(at, actor, "publishing_resumed")
            return True

    def paused_reason(self) -> str | None:
        return self.platform_state(ALL)["paused_reason"]

    def overdue(self, platform: str, now: datetime) -> list[Delivery]:
        """Queued deliveries whose time passed (a pause): oldest first."""
        with self._lock:
            return self._deliveries(
                "platform = ? AND status = ? AND due_at < ?",
                [platform, DeliveryStatus.QUEUED.value, iso(now)],
            )

    def move_delivery(
        self, delivery_id: int, *, to: datetime, actor: str, at: datetime, hold_slot: bool = True
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
            self._audit(at, actor, "schedule_added", slots=[_slot_text(s) for s in slots])
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
            self._audit(at, actor, "schedule_removed", slots=[_slot_text(s) for s in slots])
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

    def hold_platform(self, platform: str, *, until: datetime) -> None:
        with self._tx():
            self._upsert_platform(platform, hold_until=iso(until))

    def platform_checked(self, platform: str, *, at: datetime) -> None:
        with self._tx():
            self._upsert_platform(platform, checked_at=iso(at))

    def _deliveries(self, where: str, params: list[Any]) -> list[Delivery]:
        rows = self.db.query(
            f"SELECT * FROM deliveries WHERE {where} ORDER BY due_at, id",  # noqa: S608
            params,
        )
        return [
            Delivery(
                id=r["id"],
                post_id=r["post_id"],
                platform=r["platform"],
                content_hash=r["content_hash"],
                status=DeliveryStatus(r["status"]),
                due_at=parse_iso(r["due_at"]),
                attempts=r["attempts"],
                remote_id=r["remote_id"],
                url=r["url"],
                last_error=self._open(
                    r["last_error"],
                    "deliveries",
                    "last_error",
                    r["post_id"],
                    r["platform"],
                    r["content_hash"],
                ),
                published_at=parse_iso(r["published_at"]),
                claimed_at=parse_iso(r["claimed_at"]),
            )
            for r in rows
        ]


# The migrations that write audit records (m015) chain them the unkeyed way: no key there.
record_hash = audit_chain.unkeyed_hash


def _row_of(delivery: Delivery) -> tuple[Any, ...]:
    return (delivery.post_id, delivery.platform, delivery.content_hash)


def _findings_json(findings: list[Finding]) -> str:
    return json.dumps([f.to_dict() for f in findings])


def _attachment(row: dict[str, Any]) -> Attachment:
    return Attachment(
        name=row["name"],
        sha256=row["sha256"],
        mime_type=row["mime_type"],
        size=row["size"],
        alt_text=row.get("alt_text") or "",
    )


def _slot_text(slot: Slot) -> str:
    return f"{slot.platform} {DAYS[slot.weekday]} {slot.at.strftime('%H:%M')}"
