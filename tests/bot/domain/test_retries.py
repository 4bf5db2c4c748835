from datetime import UTC, datetime, timedelta

import pytest

from bot.domain.retries import (
    MAX_TRANSIENT_ATTEMPTS,
    Failure,
    Next,
    after_failure,
    backoff,
)

NOW = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)


def test_backoff_grows_is_capped_and_jittered():
    assert backoff(1, 0.5) == timedelta(seconds=30)
    assert backoff(2, 0.5) == timedelta(seconds=60)
    assert backoff(20, 0.5) == timedelta(minutes=30)
    assert backoff(1, 0.0) == timedelta(seconds=24) and backoff(1, 0.999) < timedelta(seconds=36)


def test_transient_retries_then_fails():
    for attempt in range(1, MAX_TRANSIENT_ATTEMPTS):
        plan = after_failure(Failure.TRANSIENT, attempt=attempt, now=NOW, jitter=0.5)
        assert plan.next is Next.RETRY and plan.at > NOW
    last = after_failure(Failure.TRANSIENT, attempt=MAX_TRANSIENT_ATTEMPTS, now=NOW, jitter=0.5)
    assert last.next is Next.FAIL


def test_rate_limit_waits_for_the_reset_and_holds_the_platform():
    reset = NOW + timedelta(minutes=7)
    plan = after_failure(Failure.RATE_LIMITED, attempt=3, now=NOW, jitter=0.5, retry_at=reset)
    assert plan == plan.__class__(
        Next.RETRY, at=reset, hold_platform_until=reset, counts_as_attempt=False
    )
    unknown_reset = after_failure(Failure.RATE_LIMITED, attempt=1, now=NOW, jitter=0.5)
    assert unknown_reset.at == NOW + timedelta(minutes=1)


@pytest.mark.parametrize(
    "kind,expected",
    [
        (Failure.CREDENTIALS, Next.PAUSE_PLATFORM),
        (Failure.ACCOUNT, Next.PAUSE_PLATFORM),
        (Failure.DUPLICATE, Next.FAIL),
        (Failure.REJECTED, Next.FAIL),
        (Failure.UNKNOWN, Next.SETTLE),
    ],
)
def test_other_failures(kind, expected):
    assert after_failure(kind, attempt=1, now=NOW, jitter=0.5).next is expected


def test_a_reset_that_is_already_here_is_not_waited_for_but_backed_off():
    plan = after_failure(Failure.RATE_LIMITED, attempt=1, now=NOW, jitter=0.5, retry_at=NOW)
    assert plan.at == NOW + timedelta(minutes=1)


def test_rate_limit_backoff_is_capped_at_an_hour_not_half_an_hour():
    plan = after_failure(Failure.RATE_LIMITED, attempt=20, now=NOW, jitter=0.5)
    assert plan.at == NOW + timedelta(hours=1)


@pytest.mark.parametrize("kind", [Failure.CREDENTIALS, Failure.ACCOUNT])
def test_a_platform_pause_does_not_count_as_an_attempt(kind):
    plan = after_failure(kind, attempt=1, now=NOW, jitter=0.5)
    assert plan == plan.__class__(Next.PAUSE_PLATFORM, counts_as_attempt=False)


def test_the_transient_backoff_base_can_be_set():
    plan = after_failure(
        Failure.TRANSIENT, attempt=1, now=NOW, jitter=0.5, backoff_base=timedelta(seconds=2)
    )
    assert plan == plan.__class__(Next.RETRY, at=NOW + timedelta(seconds=2))
