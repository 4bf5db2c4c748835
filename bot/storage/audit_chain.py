"""The audit chain's arithmetic: keyed MACs, the head, checkpoints, and what a check finds.

Each record's MAC covers the MAC before it, so no record can change or go missing in the
middle unseen. Since the upgrade to a keyed chain (migration m017) the MAC is HMAC-SHA256 under
a key derived from COUNTERSIGN_SECRET_KEY, which is never stored in the database: someone who
can write the database but does not hold the key can no longer rewrite a record and recompute
the chain. What the chain alone cannot show — its newest records cut off, or an older copy put
back — the checkpoint shows: the head (record count + newest MAC), kept outside the database.

**The upgrade from the unkeyed chain.** Records written before m017 carry a plain SHA-256 chain
and no key id (``mac_key`` is NULL). They are *not* recomputed: recomputing would launder
whatever was changed in them before the upgrade, and would need the key inside a migration,
which runs without it. Instead they stay verifiable with the old algorithm, and the first
keyed record chains from the last unkeyed MAC, so it seals them: change one of them and the
keyed MAC after it no longer matches. The epoch is therefore where ``mac_key`` starts: an
unkeyed record *after* a keyed one is reported, never accepted — it was written by a
Countersign without the key, or forged by someone without it.

Pure: no SDK, no clock (times come in as arguments).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

GENESIS = "0" * 64
AUDIT_FIELDS = ("at", "actor", "action", "post_id", "content_hash", "detail")
# A label of its own, so that this key is independent of every other key derived from the
# same secret (the register's hashes use the secret directly; encryption at rest its own label).
AUDIT_KEY_INFO = b"countersign audit chain v1"


def hkdf_sha256(secret: bytes, *, info: bytes, length: int = 32, salt: bytes = b"") -> bytes:
    """HKDF (RFC 5869) with SHA-256, from the standard library alone."""
    prk = hmac.new(salt or b"\0" * 32, secret, hashlib.sha256).digest()
    out, block, counter = b"", b"", 1
    while len(out) < length:
        block = hmac.new(prk, block + info + bytes([counter]), hashlib.sha256).digest()
        out, counter = out + block, counter + 1
    return out[:length]


def audit_key(secret: str | bytes) -> bytes:
    raw = secret.encode("utf-8") if isinstance(secret, str) else secret
    return hkdf_sha256(raw, info=AUDIT_KEY_INFO)


def key_id(key: bytes) -> str:
    """Names the key a record was made with (for rotation and for clear messages), without
    revealing it: a MAC of a fixed label, shortened."""
    return hmac.new(key, b"countersign audit key id", hashlib.sha256).hexdigest()[:16]


def _body(record: Mapping[str, Any]) -> str:
    return json.dumps({k: record[k] for k in AUDIT_FIELDS}, sort_keys=True)


def unkeyed_hash(prev: str, record: Mapping[str, Any]) -> str:
    """The chain before m017: anyone can recompute it, so it shows accidents, not intent."""
    return hashlib.sha256((prev + _body(record)).encode("utf-8")).hexdigest()


def keyed_mac(key: bytes, prev: str, record: Mapping[str, Any]) -> str:
    return hmac.new(key, (prev + _body(record)).encode("utf-8"), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Head:
    """The end of the chain: how many records, and the newest one's MAC."""

    count: int
    mac: str


@dataclass(frozen=True)
class Checkpoint:
    """A head written down outside the database at ``at``."""

    count: int
    mac: str
    at: datetime

    def text(self) -> str:
        return (
            f"Audit checkpoint: {self.count} record{'' if self.count == 1 else 's'}, "
            f"head `{self.mac}`, at {self.at.strftime('%Y-%m-%dT%H:%M:%SZ')}."
        )

    def when(self) -> str:
        return self.at.strftime("%Y-%m-%d %H:%M UTC")


_CHECKPOINT = re.compile(
    r"Audit checkpoint: (?P<count>\d+) records?, head `?(?P<mac>[0-9a-f]{64})`?, "
    r"at (?P<at>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)"
)


def parse_checkpoint(text: str) -> Checkpoint | None:
    found = _CHECKPOINT.search(text or "")
    if found is None:
        return None
    return Checkpoint(
        int(found["count"]),
        found["mac"],
        datetime.fromisoformat(found["at"].replace("Z", "+00:00")),
    )


@dataclass(frozen=True)
class Verdict:
    """What a walk along the chain found. ``problem`` is None when every record holds."""

    checked: int
    keyed: int
    head: Head
    problem: str | None = None
    broken_at: int | None = None  # the id of the first record that does not hold


def walk(rows: Iterable[Mapping[str, Any]], keys: Mapping[str, bytes]) -> Verdict:
    """Check every record in order; ``keys`` maps key ids to the keys that may have made them
    (the current one, and older ones during a rotation)."""
    prev, checked, keyed, first_keyed = GENESIS, 0, 0, None
    for row in rows:
        rid = int(row["id"])
        kid = row.get("mac_key")
        if kid is None:
            if first_keyed is not None:
                return Verdict(
                    checked,
                    keyed,
                    Head(checked, prev),
                    f"record {rid} is not keyed, though record {first_keyed} before it is: it "
                    "was written by a Countersign without COUNTERSIGN_SECRET_KEY, or rewritten "
                    "by someone without the key",
                    rid,
                )
            expected = unkeyed_hash(prev, row)
        else:
            key = keys.get(kid)
            if key is None:
                return Verdict(
                    checked,
                    keyed,
                    Head(checked, prev),
                    f"record {rid} was made with another COUNTERSIGN_SECRET_KEY (key id {kid}); "
                    "verify with that key",
                    rid,
                )
            expected = keyed_mac(key, prev, row)
            first_keyed = first_keyed or rid
            keyed += 1
        if row["prev_hash"] != prev or not hmac.compare_digest(row["hash"], expected):
            return Verdict(
                checked,
                keyed - (kid is not None),
                Head(checked, prev),
                f"the audit log is broken at record {rid}: it or an earlier record was changed "
                f"or removed ({checked} records before it are intact)",
                rid,
            )
        prev, checked = row["hash"], checked + 1
    return Verdict(checked, keyed, Head(checked, prev))


def against(rows: Sequence[Mapping[str, Any]], checkpoint: Checkpoint) -> str | None:
    """Why the log does not extend ``checkpoint``, or None when it does. A log extends a
    checkpoint when it has at least that many records and its record number ``count`` (in
    order) carries the checkpoint's MAC: what came after the checkpoint may be new, never less."""
    have = len(rows)
    if have < checkpoint.count:
        return (
            f"the checkpoint of {checkpoint.when()} counted {checkpoint.count} records; the log "
            f"has {have}: the newest {checkpoint.count - have} were deleted, or an older copy "
            "of the database was restored"
        )
    if checkpoint.count == 0:
        return None
    mac = rows[checkpoint.count - 1]["hash"]
    if not hmac.compare_digest(mac, checkpoint.mac):
        return (
            f"the checkpoint of {checkpoint.when()} ends at record number {checkpoint.count} "
            f"with MAC {checkpoint.mac[:12]}…, but the log's record number {checkpoint.count} "
            f"has {mac[:12]}…: the chain was rewritten, or an older copy of the database was "
            "restored and written to since"
        )
    return None
