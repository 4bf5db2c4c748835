from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.scheduling.slots import (
    ScheduleError,
    next_free_slot,
    parse_days,
    parse_time,
    to_instant,
    upcoming,
    weekly_slots,
)

LONDON = ZoneInfo("Europe/London")
ZONES = [
    "Europe/London",
    "America/New_York",
    "Australia/Sydney",
    "Asia/Kolkata",
    "America/Sao_Paulo",
    "Pacific/Chatham",
    "UTC",
]


@pytest.mark.parametrize(
    "spec,days",
    [
        ("mon-fri", [0, 1, 2, 3, 4]),
        ("sat,sun", [5, 6]),
        ("daily", list(range(7))),
        ("fri-mon", [0, 4, 5, 6]),
        ("Tuesday", [1]),
        ("thurs", [3]),
        ("weekends", [5, 6]),
    ],
)
def test_parse_days(spec, days):
    assert parse_days(spec) == days


@pytest.mark.parametrize("spec", ["funday", "mo", "mon-xyz", ""])
def test_parse_days_rejects(spec):
    with pytest.raises(ScheduleError):
        parse_days(spec)


@pytest.mark.parametrize("text", ["24:00", "9", "09:60", "nine"])
def test_parse_time_rejects(text):
    with pytest.raises(ScheduleError):
        parse_time(text)


def test_next_free_slot_skips_taken_and_weekends():
    slots = weekly_slots("x", "mon-fri", ["09:30"])
    friday_noon = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
    assert next_free_slot(slots, LONDON, friday_noon) == datetime(2026, 11, 30, 9, 30, tzinfo=UTC)
    taken = [datetime(2026, 11, 30, 9, 30, tzinfo=UTC)]
    assert next_free_slot(slots, LONDON, friday_noon, taken) == datetime(
        2026, 12, 1, 9, 30, tzinfo=UTC
    )


def test_slot_times_are_wall_clock_in_the_zone():
    slots = weekly_slots("x", "daily", ["09:00"])
    summer = next_free_slot(slots, LONDON, datetime(2026, 7, 1, 0, 0, tzinfo=UTC))
    winter = next_free_slot(slots, LONDON, datetime(2026, 12, 1, 0, 0, tzinfo=UTC))
    assert summer == datetime(2026, 7, 1, 8, 0, tzinfo=UTC)  # 09:00 BST
    assert winter == datetime(2026, 12, 1, 9, 0, tzinfo=UTC)  # 09:00 GMT


def test_spring_forward_gap_moves_to_the_jump():
    # 29 March 2026: London clocks go from 01:00 GMT to 02:00 BST; 01:30 does not exist.
    assert to_instant(date(2026, 3, 29), time(1, 30), LONDON) == datetime(
        2026, 3, 29, 1, 0, tzinfo=UTC
    )


def test_fall_back_ambiguity_uses_first_occurrence_once():
    # 25 October 2026: 01:30 happens twice in London; the slot is used at the first (BST).
    slots = weekly_slots("x", "daily", ["01:30"])
    instants = [
        i for i in _take(upcoming(slots, LONDON, datetime(2026, 10, 24, 12, tzinfo=UTC)), 3)
    ]
    assert instants == [
        datetime(2026, 10, 25, 0, 30, tzinfo=UTC),
        datetime(2026, 10, 26, 1, 30, tzinfo=UTC),
        datetime(2026, 10, 27, 1, 30, tzinfo=UTC),
    ]


def test_no_slots_means_no_slot():
    assert next_free_slot([], LONDON, datetime(2026, 1, 1, tzinfo=UTC)) is None


def test_naive_now_is_refused():
    with pytest.raises(ValueError):
        next_free_slot(weekly_slots("x", "daily", ["09:00"]), LONDON, datetime(2026, 1, 1))


def _take(iterator, n):
    return [next(iterator) for _ in range(n)]


@settings(max_examples=300, deadline=None)
@given(
    zone=st.sampled_from(ZONES),
    day=st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 12, 31)),
    hour=st.integers(0, 23),
    minute=st.sampled_from([0, 15, 30, 45]),
)
def test_every_wall_time_maps_to_one_sensible_instant(zone, day, hour, minute):
    tz = ZoneInfo(zone)
    at = time(hour, minute)
    instant = to_instant(day, at, tz)
    local = instant.astimezone(tz)
    wall = datetime.combine(day, at)
    if local.replace(tzinfo=None) == wall:
        # existing time: its first occurrence — no earlier instant reads the same wall time
        for shift in (timedelta(minutes=30), timedelta(hours=1), timedelta(hours=2)):
            assert (instant - shift).astimezone(tz).replace(tzinfo=None) != wall
    else:
        # skipped time: the first valid instant after it, i.e. the moment of the jump
        assert local.replace(tzinfo=None) > wall
        before = (instant - timedelta(seconds=1)).astimezone(tz).replace(tzinfo=None)
        assert before < wall


@settings(max_examples=150, deadline=None)
@given(
    zone=st.sampled_from(ZONES),
    start=st.datetimes(
        min_value=datetime(2020, 1, 1), max_value=datetime(2035, 12, 1), timezones=st.just(UTC)
    ),
    times=st.lists(
        st.sampled_from(["00:30", "01:30", "02:30", "09:00", "23:59"]), min_size=1, max_size=3
    ),
)
def test_upcoming_slots_are_strictly_increasing_unique_and_after_now(zone, start, times):
    slots = weekly_slots("x", "daily", times)
    got = _take(upcoming(slots, ZoneInfo(zone), start), 10)
    assert all(g > start for g in got)
    assert got == sorted(set(got))
    # every calendar day gets each slot time exactly once, so 10 instants cover at most 10 days
    assert got[-1] - got[0] <= timedelta(days=10)


@settings(max_examples=150, deadline=None)
@given(
    zone=st.sampled_from(ZONES),
    start=st.datetimes(
        min_value=datetime(2020, 1, 1), max_value=datetime(2034, 1, 1), timezones=st.just(UTC)
    ),
    times=st.lists(
        st.sampled_from(["00:30", "01:30", "02:30", "09:00", "23:59"]), min_size=1, max_size=3
    ),
    days=st.sampled_from(["daily", "mon-fri", "sat,sun", "wed"]),
    n=st.integers(1, 400),
)
def test_counting_by_weeks_equals_walking(zone, start, times, days, n):
    from bot.scheduling.slots import count_between

    slots = weekly_slots("x", days, times)
    instants = _take(upcoming(slots, ZoneInfo(zone), start), n)
    assert count_between(slots, ZoneInfo(zone), start, instants[-1]) == n


@settings(max_examples=100, deadline=None)
@given(
    zone=st.sampled_from(ZONES),
    start=st.datetimes(
        min_value=datetime(2020, 1, 1), max_value=datetime(2034, 1, 1), timezones=st.just(UTC)
    ),
    n=st.integers(1, 300),
    gap=st.one_of(st.none(), st.integers(0, 299)),
)
def test_the_backlog_shortcut_agrees_with_the_walk(zone, start, n, gap):
    from bot.scheduling.slots import slot_after_backlog

    slots = weekly_slots("x", "mon-fri", ["09:30", "17:00"]) + weekly_slots("x", "sat", ["11:00"])
    tz = ZoneInfo(zone)
    taken = _take(upcoming(slots, tz, start), n)
    if gap is not None and gap < n:
        del taken[gap]
    if not taken:
        return
    fast = slot_after_backlog(slots, tz, start, len(taken), max(taken))
    walked = next_free_slot(slots, tz, start, taken)
    if fast is not None:
        assert fast == walked
    else:
        assert gap is not None and gap < n - 1  # only a real gap defeats the shortcut
