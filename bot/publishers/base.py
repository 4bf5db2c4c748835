"""What every publisher promises, and the failures it may report."""

from __future__ import annotations

from dataclasses import dataclass
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
        """Settle an unknown outcome: the draft's post among the account's recent posts, or
        None when it is not there. Raises PublishError when the platform cannot be asked."""
        ...


def redact(text: str, secrets: list[str]) -> str:
    """Error texts can carry URLs with tokens in them; nothing secret reaches a card or a log."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, "***")
    return text
