"""What happens after a failed publish: retry when, fail, pause the platform, or settle.

Pure: the clock and the random jitter are parameters.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

MAX_TRANSIENT_ATTEMPTS = 5
BACKOFF_BASE = timedelta(seconds=30)
BACKOFF_CAP = timedelta(minutes=30)
RATE_LIMIT_BACKOFF = timedelta(minutes=1)
RATE_LIMIT_CAP = timedelta(hours=1)


class Failure(StrEnum):
    """Mirrors the publishers' failure kinds, without importing them into the core."""

    RATE_LIMITED = "rate_limited"
    TRANSIENT = "transient"
    CREDENTIALS = "credentials"
    ACCOUNT = "account"
    DUPLICATE = "duplicate"
    REJECTED = "rejected"
    UNKNOWN = "unknown"


class Next(StrEnum):
    RETRY = "retry"  # queued again, at `at`
    FAIL = "fail"  # failed for good, reported
    PAUSE_PLATFORM = "pause_platform"  # credentials or account: the platform waits for a fix
    SETTLE = "settle"  # may have been published: look before doing anything else


@dataclass(frozen=True)
class Plan:
    next: Next
    at: datetime | None = None
    hold_platform_until: datetime | None = None  # rate limits hold every post on the platform
    counts_as_attempt: bool = True


def backoff(
    attempt: int, jitter: float, *, base: timedelta = BACKOFF_BASE, cap: timedelta = BACKOFF_CAP
) -> timedelta:
    """Capped exponential backoff; ``jitter`` in [0, 1) spreads retries by up to ±20%."""
    delay = min(cap, base * (2 ** max(0, attempt - 1)))
    return delay * (0.8 + 0.4 * jitter)


def after_failure(
    kind: Failure,
    *,
    attempt: int,
    now: datetime,
    jitter: float,
    retry_at: datetime | None = None,
    backoff_base: timedelta = BACKOFF_BASE,
) -> Plan:
    """The plan for a delivery whose ``attempt``-th try failed with ``kind``."""
    if kind is Failure.RATE_LIMITED:
        until = (
            retry_at
            if retry_at and retry_at > now
            else now + backoff(attempt, jitter, base=RATE_LIMIT_BACKOFF, cap=RATE_LIMIT_CAP)
        )
        return Plan(Next.RETRY, at=until, hold_platform_until=until, counts_as_attempt=False)
    if kind in (Failure.CREDENTIALS, Failure.ACCOUNT):
        return Plan(Next.PAUSE_PLATFORM, counts_as_attempt=False)
    if kind is Failure.UNKNOWN:
        return Plan(Next.SETTLE)
    if kind is Failure.TRANSIENT and attempt < MAX_TRANSIENT_ATTEMPTS:
        return Plan(Next.RETRY, at=now + backoff(attempt, jitter, base=backoff_base))
    return Plan(Next.FAIL)
