"""The consent register in SQLite: labels, consent and keyed hashes, never a name.

Every change is one transaction with an audit record that carries the label only.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from bot.checks.register import ConsentRegister, RegisterEntry
from bot.storage.store import Store, iso

# Shorter keys can be guessed, and a guessed key turns every stored hash back into a name.
MIN_KEY_CHARS = 16
_KEY_CHECK = b"countersign consent register key check v1"
_KEY_CHECK_NAME = "key_check"


class RegisterError(Exception):
    """A register mistake, worded for the admin who has to fix it."""


class RegisterKeyError(RegisterError):
    """COUNTERSIGN_SECRET_KEY is missing, too short, or not the one the register was built with."""


def secret_key(value: str | bytes | None) -> bytes:
    """The key as bytes, or a refusal that says what to do."""
    if not value:
        raise RegisterKeyError(
            "COUNTERSIGN_SECRET_KEY is not set. The register keeps names only as keyed hashes, "
            f"so it needs a secret key of at least {MIN_KEY_CHARS} characters (for example the "
            'output of `python -c "import secrets; print(secrets.token_urlsafe(32))"`). Keep it '
            "out of the database's backups: with the key, a copy of the database can be checked "
            "against guessed names."
        )
    raw = value.encode("utf-8") if isinstance(value, str) else value
    if len(value) < MIN_KEY_CHARS:
        raise RegisterKeyError(
            f"COUNTERSIGN_SECRET_KEY is too short ({len(value)} characters): use at least "
            f"{MIN_KEY_CHARS}, for example the output of "
            '`python -c "import secrets; print(secrets.token_urlsafe(32))"`.'
        )
    return raw


def key_fingerprint(key: bytes) -> str:
    """Tells a changed key apart without storing it: a new key would silently match nobody."""
    return hmac.new(key, _KEY_CHECK, hashlib.sha256).hexdigest()


class Change(StrEnum):
    ADDED = "added"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


@dataclass(frozen=True)
class Person:
    """One stored entry: what the check needs, plus how many names an admin gave."""

    label: str
    consent: bool
    expires: date | None
    platforms: frozenset[str] | None
    max_tokens: int
    names: int
    name_hashes: frozenset[str]

    def entry(self) -> RegisterEntry:
        return RegisterEntry(
            label=self.label,
            name_hashes=self.name_hashes,
            consent=self.consent,
            expires=self.expires,
            platforms=self.platforms,
            max_tokens=self.max_tokens,
        )


class People:
    """The repository for the register, over the store's connection, lock and audit trail."""

    def __init__(self, store: Store) -> None:
        self.store = store

    @contextmanager
    def transaction(self) -> Iterator[People]:
        """Read, decide and write as one: an import that fails changes nothing."""
        with self.store._tx():
            yield self

    def all(self) -> list[Person]:
        with self.store._lock:
            rows = self.store._rows("SELECT * FROM people ORDER BY id")
            hashes: dict[int, set[str]] = {}
            for r in self.store._rows("SELECT person_id, name_hash FROM person_names"):
                hashes.setdefault(r["person_id"], set()).add(r["name_hash"])
            return [_person(r, hashes.get(r["id"], set())) for r in rows]

    def get(self, label: str) -> Person | None:
        with self.store._lock:
            rows = self.store._rows("SELECT * FROM people WHERE label = ?", [label])
            if not rows:
                return None
            hashes = {
                r["name_hash"]
                for r in self.store._rows(
                    "SELECT name_hash FROM person_names WHERE person_id = ?", [rows[0]["id"]]
                )
            }
            return _person(rows[0], hashes)

    def labels_with(self, name_hash: str) -> list[str]:
        """The entries one name belongs to (a re-import without labels finds its own again)."""
        return [
            r["label"]
            for r in self.store._rows(
                "SELECT DISTINCT p.label FROM people p JOIN person_names n ON n.person_id = p.id "
                "WHERE n.name_hash = ? ORDER BY p.label",
                [name_hash],
            )
        ]

    def check_key(self, fingerprint: str) -> None:
        """Refuse a key other than the register's own; adopt it while the register is empty."""
        with self.store._tx() as db:
            stored = self._stored_fingerprint()
            if stored == fingerprint:
                return
            empty = not list(db.query("SELECT 1 FROM people LIMIT 1"))
            if stored is not None and not empty:
                raise RegisterKeyError(_WRONG_KEY)
            db.execute(
                "INSERT OR REPLACE INTO register_meta (key, value) VALUES (?, ?)",
                [_KEY_CHECK_NAME, fingerprint],
            )

    def adopt_key(self, fingerprint: str) -> None:
        """The register moves to another key (a re-import after a rotation)."""
        self.store.db.execute(
            "INSERT OR REPLACE INTO register_meta (key, value) VALUES (?, ?)",
            [_KEY_CHECK_NAME, fingerprint],
        )

    def _stored_fingerprint(self) -> str | None:
        rows = self.store._rows("SELECT value FROM register_meta WHERE key = ?", [_KEY_CHECK_NAME])
        return rows[0]["value"] if rows else None

    def save(
        self, people: Sequence[Person], *, actor: str, at: datetime, source: str
    ) -> list[Change]:
        """Add or replace entries by label; an entry stored exactly so is left alone."""
        changes: list[Change] = []
        with self.store._tx() as db:
            for person in people:
                old = self.get(person.label)
                if old == person:
                    changes.append(Change.UNCHANGED)
                    continue
                values = {
                    "consent": int(person.consent),
                    "expires": person.expires.isoformat() if person.expires else None,
                    "platforms": (
                        json.dumps(sorted(person.platforms))
                        if person.platforms is not None
                        else None
                    ),
                }
                if old is None:
                    cursor = db.execute(
                        "INSERT INTO people (label, consent, expires, platforms, max_tokens, "
                        "names, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                        [
                            person.label,
                            values["consent"],
                            values["expires"],
                            values["platforms"],
                            person.max_tokens,
                            person.names,
                            iso(at),
                            iso(at),
                        ],
                    )
                    person_id = int(cursor.lastrowid or 0)
                    change = Change.ADDED
                else:
                    db.execute(
                        "UPDATE people SET consent = ?, expires = ?, platforms = ?, "
                        "max_tokens = ?, names = ?, updated_at = ? WHERE label = ?",
                        [
                            values["consent"],
                            values["expires"],
                            values["platforms"],
                            person.max_tokens,
                            person.names,
                            iso(at),
                            person.label,
                        ],
                    )
                    person_id = self._id(person.label)
                    db.execute("DELETE FROM person_names WHERE person_id = ?", [person_id])
                    change = Change.UPDATED
                for digest in sorted(person.name_hashes):
                    db.execute(
                        "INSERT INTO person_names (person_id, name_hash) VALUES (?, ?)",
                        [person_id, digest],
                    )
                self.store._audit(
                    at,
                    actor,
                    f"person_{change.value}",
                    label=person.label,
                    consent=person.consent,
                    expires=values["expires"],
                    platforms=sorted(person.platforms) if person.platforms is not None else None,
                    names=person.names,
                    source=source,
                )
                changes.append(change)
        return changes

    def set_consent(
        self,
        label: str,
        *,
        consent: bool,
        expires: date | None,
        platforms: frozenset[str] | None,
        actor: str,
        at: datetime,
    ) -> Change | None:
        """Change consent alone (a withdrawal needs no name typed again); None: no such label."""
        with self.store._tx():
            old = self.get(label)
            if old is None:
                return None
            new = Person(
                label, consent, expires, platforms, old.max_tokens, old.names, old.name_hashes
            )
            return self.save([new], actor=actor, at=at, source="consent")[0]

    def remove(self, label: str, *, actor: str, at: datetime) -> bool:
        """Forget an entry and its hashes; its name is no longer checked at all after this."""
        with self.store._tx() as db:
            rows = list(db.query("SELECT id FROM people WHERE label = ?", [label]))
            if not rows:
                return False
            db.execute("DELETE FROM person_names WHERE person_id = ?", [rows[0]["id"]])
            db.execute("DELETE FROM people WHERE id = ?", [rows[0]["id"]])
            self.store._audit(at, actor, "person_removed", label=label)
            return True

    def published_posts(self) -> list[tuple[int, tuple[str, ...]]]:
        """Posts with a published delivery and every text of theirs that went out, for "which
        posts mention this person": the main words, each platform's own words and the
        pictures' descriptions (alt text is published too, and can name someone)."""
        store = self.store
        with store._lock:
            rows = [
                store._open_row("posts", r)
                for r in store._rows(
                    """SELECT p.id, p.text, p.variants FROM posts p
                        WHERE EXISTS (SELECT 1 FROM deliveries d
                                       WHERE d.post_id = p.id AND d.status = 'published')
                        ORDER BY p.id"""
                )
            ]
            # Stored encrypted (bot/storage/crypto.py): decrypted here, in memory.
            alts: dict[int, list[str]] = {}
            for image in store._rows(
                """SELECT i.post_id, i.content_hash, i.position, i.alt_text FROM post_images i
                    WHERE i.alt_text != '' AND i.content_hash IN
                      (SELECT d.content_hash FROM deliveries d
                        WHERE d.post_id = i.post_id AND d.status = 'published')
                    ORDER BY i.post_id, i.position"""
            ):
                opened = store._open_row("post_images", image)
                alts.setdefault(int(image["post_id"]), []).append(str(opened["alt_text"]))
        return [
            (
                int(r["id"]),
                (
                    str(r["text"]),
                    *(str(v) for v in json.loads(r["variants"] or "{}").values()),
                    *alts.get(int(r["id"]), ()),
                ),
            )
            for r in rows
        ]

    def _id(self, label: str) -> int:
        return int(self.store._rows("SELECT id FROM people WHERE label = ?", [label])[0]["id"])


_WRONG_KEY = (
    "COUNTERSIGN_SECRET_KEY is not the key the register was built with, so no registered name "
    "would be found. Restore the old key, or to change keys put the old one in "
    "COUNTERSIGN_PREVIOUS_SECRET_KEYS (it keeps matching until the register is re-imported), "
    "or remove every entry and import the register again with the new one."
)


def register_key(store: Store, key: str | bytes | None) -> bytes:
    """The key the register's hashes were made with: COUNTERSIGN_SECRET_KEY, or after a
    rotation a key in COUNTERSIGN_PREVIOUS_SECRET_KEYS (it keeps matching with that one until
    the admins re-import it). Any other key is refused."""
    raw = secret_key(key)
    stored = People(store)._stored_fingerprint()
    if stored is None or stored == key_fingerprint(raw):
        return raw
    for old in store.keys.previous_secrets:
        if key_fingerprint(old) == stored:
            return old
    raise RegisterKeyError(_WRONG_KEY)


def on_previous_key(store: Store, key: str | bytes | None) -> bool:
    """True while the register still matches with a previous key (see ``register_key``)."""
    if not key:
        return False
    with store._lock:
        if not list(store.db.query("SELECT 1 FROM people LIMIT 1")):
            return False
        try:
            return register_key(store, key) != secret_key(key)
        except RegisterKeyError:
            return False


ON_PREVIOUS_KEY = (
    "The register still matches names with a previous key (COUNTERSIGN_PREVIOUS_SECRET_KEYS), "
    "as before the key changed. Re-import it (`people import FILE`, every entry with its "
    "label) to move it to the current COUNTERSIGN_SECRET_KEY; then the old key can go."
)


def load_register(store: Store, key: str | bytes | None) -> ConsentRegister:
    """The register for the checks. Empty without a key; with entries, the wrong key is refused."""
    people = People(store)
    with store._lock:
        entries = [p.entry() for p in people.all()]
        if not entries:
            return ConsentRegister(b"", ())
        raw = register_key(store, key)
    return ConsentRegister(raw, entries)


def _person(row: dict[str, Any], hashes: set[str]) -> Person:
    platforms = row["platforms"]
    return Person(
        label=row["label"],
        consent=bool(row["consent"]),
        expires=date.fromisoformat(row["expires"]) if row["expires"] else None,
        platforms=frozenset(json.loads(platforms)) if platforms is not None else None,
        max_tokens=int(row["max_tokens"]),
        names=int(row["names"]),
        name_hashes=frozenset(hashes),
    )
