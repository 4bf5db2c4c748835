"""The store's foundations: one connection, one lock, transactions, encryption at rest and the
audit chain; the row readers every table of the store shares."""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from bot.domain.findings import Finding
from bot.domain.posts import (
    Attachment,
    Delivery,
    DeliveryStatus,
    Post,
    PostStatus,
)
from bot.domain.review import Decision
from bot.scheduling.slots import DAYS, Slot
from bot.storage import audit_chain
from bot.storage.audit_chain import GENESIS
from bot.storage.crypto import Keyring, StoredTextError
from bot.storage.migrations import SLOT_HOLDING

HOLDING_MARKS = ", ".join("?" for _ in SLOT_HOLDING)
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


class StoreBase:
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

    def _attachment(self, row: dict[str, Any]) -> Attachment:
        return attachment_of(self._open_row("post_images", row))

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


def delivery_row(delivery: Delivery) -> tuple[Any, ...]:
    return (delivery.post_id, delivery.platform, delivery.content_hash)


def findings_json(findings: list[Finding]) -> str:
    return json.dumps([f.to_dict() for f in findings])


def attachment_of(row: dict[str, Any]) -> Attachment:
    return Attachment(
        name=row["name"],
        sha256=row["sha256"],
        mime_type=row["mime_type"],
        size=row["size"],
        alt_text=row.get("alt_text") or "",
    )


def slot_text(slot: Slot) -> str:
    return f"{slot.platform} {DAYS[slot.weekday]} {slot.at.strftime('%H:%M')}"
