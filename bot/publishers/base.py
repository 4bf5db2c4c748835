"""What every publisher promises, and the failures it may report."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol


@dataclass(frozen=True)
class Publication:
    remote_id: str
    url: str  # a link to the published post, or the outbox file for a dry run


class FailureKind(StrEnum):
    RATE_LIMITED = "rate_limited"
    TRANSIENT = "transient"
    CREDENTIALS = "credentials"
    # The account may not post at all (no credits left, no write permission, an access level
    # without the endpoint): every post would fail alike until a person changes the account.
    ACCOUNT = "account"
    DUPLICATE = "duplicate"
    REJECTED = "rejected"
    # The request may have reached the platform (a read timeout, a dropped connection after
    # sending): retrying blindly could post twice, so the outcome must be settled first.
    UNKNOWN = "unknown"


class PublishError(Exception):
    """A platform said no; ``kind`` decides what Countersign does next."""

    def __init__(self, kind: FailureKind, reason: str, retry_at: float | None = None) -> None:
        super().__init__(reason)
        self.kind = kind
        self.reason = reason
        self.retry_at = retry_at  # epoch seconds, when the platform said when


@dataclass(frozen=True)
class DraftImage:
    name: str
    data: bytes  # already stripped of metadata
    mime_type: str
    alt_text: str = ""


@dataclass(frozen=True)
class Draft:
    """What a delivery sends: the approved words and images, named by a key unique to it."""

    key: str
    post_id: int
    text: str
    images: tuple[DraftImage, ...] = ()
    # When this delivery was last claimed: settling counts only posts made after it.
    claimed_at: datetime | None = None


class Publisher(Protocol):
    platform: str
    dry_run: bool

    def publish(self, draft: Draft) -> Publication:
        """Post it, or raise PublishError saying what kind of failure it was."""
        ...

    def delete(self, remote_id: str) -> None:
        """Take a published post down (already gone counts as done); PublishError otherwise."""
        ...

    def verify(self) -> None:
        """A cheap authenticated call: raises PublishError when credentials are rejected."""
        ...

    def find(self, draft: Draft) -> Publication | None:
        """Settle an unknown outcome: the one post on the account made since ``claimed_at``
        with exactly the draft's text and number of pictures, or None when there is none or
        more than one (a person decides then). Raises PublishError when it cannot ask."""
        ...


def redact(text: str, secrets: list[str]) -> str:
    """Error texts can carry URLs with tokens in them; nothing secret reaches a card or a log."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, "***")
    return text
