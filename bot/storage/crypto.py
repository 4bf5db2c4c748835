"""Stored text encrypted at rest: a copied database, WAL or backup names nobody.

Every free text the store keeps (a post's words, its findings' excerpts, pictures' names and
descriptions, reasons, Slack events waiting for their work) is written as an envelope

    cs1:<key id>:<base64url(nonce + AES-GCM ciphertext and tag)>

with a 256-bit key derived from COUNTERSIGN_SECRET_KEY by HKDF-SHA256 under its own label, so
it is never the key of the register's keyed hashes. The key id (derived too, it reveals nothing
of the key) says which key wrote a value, so that a rotated key's values are still read while
they are re-encrypted. The associated data names where a value lives (table, column, row), so
that a value moved to another row or column does not decrypt: it cannot be swapped unseen.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
from collections.abc import Sequence

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

PREFIX = "cs1:"
_ENVELOPE = re.compile(r"cs1:([0-9a-f]{8}):([A-Za-z0-9_-]+={0,2})\Z")
_ENCRYPTION_INFO = b"countersign stored text encryption v1"
_KEY_ID_INFO = b"countersign stored text key id v1"
_NONCE_BYTES = 12  # AES-GCM's own nonce size; random per value (2^32 values per key is far off)
MIN_KEY_CHARS = 16  # as for the register: shorter keys can be guessed


class StoredTextError(Exception):
    """A stored value cannot be read: no key, a key that did not write it, or tampering."""


def _derive(secret: bytes, info: bytes, length: int) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=None, info=info).derive(secret)


def _raw(secret: str | bytes) -> bytes:
    return secret.encode("utf-8") if isinstance(secret, str) else secret


def key_id(secret: str | bytes) -> str:
    """The id stored beside each value written with this secret key."""
    return _derive(_raw(secret), _KEY_ID_INFO, 4).hex()


def is_sealed(value: str | None) -> bool:
    return value is not None and _ENVELOPE.match(value) is not None


class Keyring:
    """The current key (encrypts and decrypts) and previous keys (decrypt only, until
    `countersign rekey` or the next start has re-encrypted what they wrote).

    Without a current key nothing is encrypted: the store then holds plain text (a test
    database, a command run without COUNTERSIGN_SECRET_KEY) and refuses to read sealed values
    with a message that says which setting is missing."""

    def __init__(
        self, current: str | bytes | None = None, previous: Sequence[str | bytes] = ()
    ) -> None:
        self._keys: dict[str, AESGCM] = {}
        self.current_id: str | None = None
        self.secrets: dict[str, bytes] = {}  # key id → secret, for the register's old hashes
        for position, secret in enumerate([current, *previous]):
            if not secret:
                continue
            if len(secret) < MIN_KEY_CHARS:
                name = (
                    "COUNTERSIGN_SECRET_KEY"
                    if position == 0
                    else "a key in COUNTERSIGN_PREVIOUS_SECRET_KEYS"
                )
                raise ValueError(
                    f"{name} is too short ({len(secret)} characters): use at least {MIN_KEY_CHARS}"
                )
            kid = key_id(secret)
            self._keys.setdefault(kid, AESGCM(_derive(_raw(secret), _ENCRYPTION_INFO, 32)))
            self.secrets.setdefault(kid, _raw(secret))
            if position == 0:
                self.current_id = kid

    @property
    def encrypting(self) -> bool:
        return self.current_id is not None

    @property
    def previous_secrets(self) -> list[bytes]:
        return [s for kid, s in self.secrets.items() if kid != self.current_id]

    def seal(self, text: str | None, where: str) -> str | None:
        """``text`` encrypted for the place ``where`` (table.column:row); empty stays empty."""
        if not text or self.current_id is None:
            return text
        nonce = os.urandom(_NONCE_BYTES)
        sealed = self._keys[self.current_id].encrypt(
            nonce, text.encode("utf-8"), where.encode("utf-8")
        )
        body = base64.urlsafe_b64encode(nonce + sealed).decode("ascii")
        return f"{PREFIX}{self.current_id}:{body}"

    def open(self, value: str | None, where: str) -> str | None:
        """The plain text of a stored value; plain text (from before encryption) as it is."""
        if value is None:
            return None
        found = _ENVELOPE.match(value)
        if found is None:
            return value
        kid, body = found.groups()
        key = self._keys.get(kid)
        if key is None:
            if not self._keys:
                raise StoredTextError(
                    "the database's text is encrypted and COUNTERSIGN_SECRET_KEY is not set: "
                    "set it to the key Countersign runs with"
                )
            raise StoredTextError(
                f"a stored value ({where.split(':')[0]}) was encrypted with key {kid}, which is "
                "neither COUNTERSIGN_SECRET_KEY nor in COUNTERSIGN_PREVIOUS_SECRET_KEYS: add the "
                "old key there"
            )
        try:
            data = base64.urlsafe_b64decode(body)
            plain = key.decrypt(data[:_NONCE_BYTES], data[_NONCE_BYTES:], where.encode("utf-8"))
        except (InvalidTag, binascii.Error, ValueError) as exc:
            raise StoredTextError(
                f"a stored value ({where.split(':')[0]}) does not decrypt: it was altered or "
                "moved from another row"
            ) from exc
        return plain.decode("utf-8")

    def current(self, value: str | None) -> bool:
        """Whether a stored value needs nothing done: empty, or sealed with the current key
        (without a key, whatever is there stays)."""
        if not value or self.current_id is None:
            return True
        return value.startswith(f"{PREFIX}{self.current_id}:") and is_sealed(value)
