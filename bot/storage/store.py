"""Posts, reviews, deliveries and the audit trail in SQLite: every change one transaction."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlite_utils import Database

from bot.storage.base import (
    NotClaimed,
    SlotTaken,
    Snapshot,
    StaleVersion,
    iso,
    private_file,
)
from bot.storage.crypto import Keyring
from bot.storage.events import SlackEvents
from bot.storage.migrations import migrations
from bot.storage.permissions import database_files, tighten
from bot.storage.posts import Posts

# What callers of the store catch or read, beside the store itself.
__all__ = [
    "AuditKeys",
    "NotClaimed",
    "SlotTaken",
    "Snapshot",
    "StaleVersion",
    "Store",
    "iso",
    "open_store",
]


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


class Store(SlackEvents, Posts):
    """The repository: one class per group of tables over one connection and one lock, which
    the scheduler, Slack listeners and the CLI share. Each group inherits the groups it uses
    (posts queue deliveries; a delivery reads the schedule, the platforms' state and records
    its outcomes), so that the type checker sees every call across them:
    StoreBase (base.py) <- ScheduleRows, Platforms, DeliveryOutcomes <- Deliveries <- Posts;
    SlackEvents (events.py) stands alone."""
