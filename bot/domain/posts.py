"""Posts, their deliveries and the states they move through."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum

from bot.domain.findings import Finding

PLATFORMS = ("x", "facebook")
# The due time of a delivery no slot could take: it waits for an admin's `now`.
UNSCHEDULED = datetime(9999, 12, 31, tzinfo=UTC)
PLATFORM_NAMES = {"x": "X", "facebook": "Facebook"}


class PostStatus(StrEnum):
    IN_REVIEW = "in_review"
    BLOCKED = "blocked"
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"
    TAKEN_DOWN = "taken_down"  # by an admin: nothing of it may go out again


class DeliveryStatus(StrEnum):
    QUEUED = "queued"
    PUBLISHING = "publishing"
    PUBLISHED = "published"
    FAILED = "failed"
    # Found mid-call after a crash: it may or may not have reached the platform.
    UNCONFIRMED = "unconfirmed"
    CANCELLED = "cancelled"
    TAKEN_DOWN = "taken_down"


# Deliveries in these states may already be visible to the public.
OUT_IN_THE_WORLD = frozenset(
    {DeliveryStatus.PUBLISHING, DeliveryStatus.PUBLISHED, DeliveryStatus.UNCONFIRMED}
)


@dataclass(frozen=True)
class Attachment:
    """An image as it will be published: metadata already stripped; sha256 of those bytes."""

    name: str
    sha256: str
    mime_type: str
    size: int
    alt_text: str = ""  # published with the picture, for screen readers


def content_hash(
    text: str,
    platforms: tuple[str, ...],
    images: tuple[Attachment, ...] = (),
    variants: Mapping[str, str] | None = None,
) -> str:
    """Approval is bound to exactly this: the words (per platform), the pictures with their
    descriptions, and where they go."""
    canonical = json.dumps(
        {
            "text": text,
            "platforms": sorted(platforms),
            "images": [[a.sha256, a.alt_text] if a.alt_text else a.sha256 for a in images],
            **({"variants": dict(variants)} if variants else {}),
        },
        sort_keys=True,
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Delivery:
    id: int
    post_id: int
    platform: str
    content_hash: str
    status: DeliveryStatus
    due_at: datetime | None
    attempts: int = 0
    remote_id: str | None = None
    url: str | None = None
    last_error: str | None = None
    published_at: datetime | None = None
    claimed_at: datetime | None = None  # when it was last taken from the queue to publish


@dataclass(frozen=True)
class Post:
    id: int
    proposer: str
    text: str
    platforms: tuple[str, ...]
    content_hash: str
    status: PostStatus
    version: int
    findings: tuple[Finding, ...] = ()
    source_channel: str = ""
    source_ts: str = ""
    card_channel: str | None = None
    card_ts: str | None = None
    report_ts: str | None = None
    approvers: tuple[str, ...] = field(default=())  # who approved the current content
    images: tuple[Attachment, ...] = ()
    requested_at: datetime | None = None  # the proposer's requested time, if any
    variants: Mapping[str, str] = field(default_factory=dict)  # platform → its own words

    def text_for(self, platform: str) -> str:
        return self.variants.get(platform, self.text)

    @property
    def ref(self) -> str:
        return f"#{self.id}"
