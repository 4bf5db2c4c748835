"""The weekly schedule and the next free slot: wall-clock times in the organisation's zone.

Pure: every function takes ``now``; stored and returned instants are UTC.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
# Enough to find a slot in any schedule with at least one slot a week and a long backlog.
_SEARCH_DAYS = 3660


class ScheduleError(ValueError):
    """A schedule entry that cannot be understood; the message says which part and why."""


@dataclass(frozen=True, order=True)
class Slot:
    weekday: int  # Monday is 0
    at: time
    platform: str


def parse_days(spec: str) -> list[int]:
    """'mon-fri', 'sat,sun', 'daily', 'weekdays', 'weekends' → weekday numbers."""
    spec = spec.strip().lower()
    named = {"daily": "mon-sun", "weekdays": "mon-fri", "weekends": "sat,sun"}
    spec = named.get(spec, spec)
    result: list[int] = []
    for part in spec.split(","):
        part = part.strip()
        if "-" in part:
            first, _, last = part.partition("-")
            a, b = _day(first), _day(last)
            result.extend(range(a, b + 1) if a <= b else [*range(a, 7), *range(0, b + 1)])
        else:
            result.append(_day(part))
    return sorted(set(result))


_FULL_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def _day(name: str) -> int:
    key = name.strip().lower()
    # "mon", "monday", "tues", "thurs": a prefix of a day's full name, at least three letters.
    matches = [i for i, full in enumerate(_FULL_DAYS) if len(key) >= 3 and full.startswith(key)]
    if len(matches) != 1:
        raise ScheduleError(f'"{name}" is not a day: use mon, tue, wed, thu, fri, sat or sun')
    return matches[0]


def parse_time(text: str) -> time:
    m = _TIME.match(text.strip())
    if not m:
        raise ScheduleError(f'"{text}" is not a time of day: use HH:MM, e.g. 09:30')
    return time(int(m.group(1)), int(m.group(2)))


def weekly_slots(platform: str, days: str, times: Iterable[str]) -> list[Slot]:
    return [Slot(d, parse_time(t), platform) for d in parse_days(days) for t in times]


@lru_cache(maxsize=65536)
def to_instant(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The UTC instant of a wall-clock time, used once even on the days clocks change.

    A time skipped by spring-forward moves to the first valid instant after it (the moment
    the clocks jump); an ambiguous fall-back time is its first occurrence (fold=0).
    """
    wall = datetime.combine(day, at)
    first = wall.replace(tzinfo=zone, fold=0)
    if first.astimezone(UTC).astimezone(zone).replace(tzinfo=None) == wall:
        return first.astimezone(UTC)
    # Non-existent: the jump lies between these two readings of the wall time.
    lo = wall.replace(tzinfo=zone, fold=1).astimezone(UTC)
    hi = first.astimezone(UTC)
    lo, hi = min(lo, hi), max(lo, hi)
    while hi - lo > timedelta(seconds=1):
        mid = lo + (hi - lo) / 2
        if mid.astimezone(zone).replace(tzinfo=None) >= wall:
            hi = mid
        else:
            lo = mid
    return hi.replace(microsecond=0)


def upcoming(slots: Collection[Slot], zone: ZoneInfo, now: datetime) -> Iterator[datetime]:
    """Slot instants strictly after ``now``, in order (UTC)."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    if not slots:
        return
    today = now.astimezone(zone).date()
    by_day: dict[int, set[time]] = {}
    for s in slots:
        by_day.setdefault(s.weekday, set()).add(s.at)
    times = [sorted(by_day.get(weekday, ())) for weekday in range(7)]
    day = today - timedelta(days=1)
    one_day = timedelta(days=1)
    for _ in range(_SEARCH_DAYS + 1):
        for at in times[day.weekday()]:
            instant = to_instant(day, at, zone)
            if instant > now:
                yield instant
        day += one_day


def next_free_slot(
    slots: Collection[Slot],
    zone: ZoneInfo,
    now: datetime,
    taken: Collection[datetime] = (),
    blackouts: Collection[tuple[datetime, datetime]] = (),
) -> datetime | None:
    """The first slot after ``now`` that no other delivery holds and no blackout covers."""
    held = set(taken)  # aware datetimes hash by their instant, whatever their zone
    for instant in upcoming(slots, zone, now):
        if instant not in held and not in_blackout(instant, blackouts):
            return instant
    return None


def count_between(slots: Collection[Slot], zone: ZoneInfo, start: datetime, end: datetime) -> int:
    """How many slot instants lie in (start, end] — by whole weeks, not one by one.

    Every day's wall-clock slots map to exactly one instant each (see `to_instant`), so
    daylight saving changes no count.
    """
    if end <= start or not slots:
        return 0
    times = [sorted({s.at for s in slots if s.weekday == d}) for d in range(7)]
    per_week = sum(len(t) for t in times)
    first = start.astimezone(zone).date() - timedelta(days=1)
    last = end.astimezone(zone).date() + timedelta(days=1)

    def on(day: date) -> int:
        return sum(1 for at in times[day.weekday()] if start < to_instant(day, at, zone) <= end)

    if (last - first).days < 21:
        return sum(on(first + timedelta(days=i)) for i in range((last - first).days + 1))
    # The edges day by day (a slot may fall either side of start or end); whole weeks between.
    head = sum(on(first + timedelta(days=i)) for i in range(7))
    tail = sum(on(last - timedelta(days=i)) for i in range(7))
    middle_days = (last - first).days + 1 - 14
    weeks, rest = divmod(middle_days, 7)
    middle_start = first + timedelta(days=7)
    rest_count = sum(
        len(times[(middle_start + timedelta(days=weeks * 7 + i)).weekday()]) for i in range(rest)
    )
    return head + weeks * per_week + rest_count + tail


def slot_after_backlog(
    slots: Collection[Slot], zone: ZoneInfo, now: datetime, held: int, last_held: datetime
) -> datetime | None:
    """The next free slot when the ``held`` slots fill every slot up to ``last_held`` — the
    usual long backlog — found without walking them; None when there is a gap, and then only
    `next_free_slot` can say.
    """
    if count_between(slots, zone, now, last_held) != held:
        return None
    return next(iter(upcoming(slots, zone, last_held)), None)


def in_blackout(instant: datetime, blackouts: Collection[tuple[datetime, datetime]]) -> bool:
    """Blackouts run from their start up to (not including) their end."""
    return any(start <= instant < end for start, end in blackouts)


def parse_moment(text: str, zone: ZoneInfo, *, end_of_day: bool = False) -> datetime:
    """'2026-12-24' or '2026-12-24T18:00' (wall clock in ``zone``) → a UTC instant.

    A bare date means the start of that day, or with ``end_of_day`` the start of the next.
    """
    text = text.strip()
    try:
        if "T" in text or " " in text:
            wall = datetime.fromisoformat(text.replace(" ", "T"))
        else:
            day = date.fromisoformat(text)
            wall = datetime.combine(day + timedelta(days=1 if end_of_day else 0), time())
        if wall.tzinfo is not None:
            return wall.astimezone(UTC)
        return to_instant(wall.date(), wall.time(), zone)
    except (ValueError, OverflowError):  # 9999-12-31 has no next day, 0001-01-01 no UTC
        raise ScheduleError(
            f'"{text}" is not a date or time: use YYYY-MM-DD or YYYY-MM-DDTHH:MM'
        ) from None


@dataclass(frozen=True)
class Schedule:
    """The weekly slots, as config/schedule.yaml seeds them or the admins keep them."""

    slots: tuple[Slot, ...]

    def for_platform(self, platform: str) -> list[Slot]:
        return [s for s in self.slots if s.platform == platform]
