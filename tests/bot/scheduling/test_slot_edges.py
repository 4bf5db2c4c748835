"""The edges of the slot arithmetic that mutation testing found unguarded: day ranges that do
not start on Monday, the first and last instants of a blackout, (start, end] when counting,
the search horizon, bare dates and times, and a machine whose own zone is far from the
organisation's (docs/mutation-testing.md)."""

from __future__ import annotations

import os
import time as systime
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.scheduling.slots import (
    _SEARCH_DAYS,
    ScheduleError,
    Slot,
    count_between,
    in_blackout,
    next_free_slot,
    parse_days,
    parse_moment,
    parse_time,
    slot_after_backlog,
    upcoming,
)

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")
# A day and an hour apart: when it is Wednesday 00:30 in Kiritimati (UTC+14) it is still
# Monday 23:30 in Pago Pago (UTC-11).
KIRITIMATI = "Pacific/Kiritimati"
PAGO_PAGO = "Pacific/Pago_Pago"


@pytest.fixture
def machine_zone():
    """Run a test as if the machine's own clock were set to another zone. The arithmetic must
    use only the organisation's zone: CI runs on UTC, where the machine's zone and London's
    agree most of the year and hide every slip."""
    before = os.environ.get("TZ")

    def set_zone(name: str) -> None:
        os.environ["TZ"] = name
        systime.tzset()

    yield set_zone
    if before is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = before
    systime.tzset()


@pytest.mark.parametrize(
    "spec,days",
    [
        ("wed-fri", [2, 3, 4]),
        ("wed-wed", [2]),
        ("sat-tue", [0, 1, 5, 6]),
        ("weekdays", [0, 1, 2, 3, 4]),
        ("Weekends", [5, 6]),
        ("DAILY", [0, 1, 2, 3, 4, 5, 6]),
    ],
)
def test_day_ranges_start_where_they_say(spec, days):
    assert parse_days(spec) == days


def test_mistakes_name_the_part_and_the_remedy():
    with pytest.raises(ScheduleError, match=r'^"wendsday" is not a day: use mon, tue, wed, '):
        parse_days("mon,wendsday")
    with pytest.raises(ScheduleError, match=r'^"25:00" is not a time of day: use HH:MM, e.g. '):
        parse_time("25:00")
    with pytest.raises(ValueError, match=r"^now must be timezone-aware$"):
        next(upcoming([Slot(0, time(9), "x")], LONDON, datetime(2026, 11, 23, 9)))
    with pytest.raises(
        ScheduleError,
        match=r'^"24/12/2026" is not a date or time: use YYYY-MM-DD or YYYY-MM-DDTHH:MM$',
    ):
        parse_moment("24/12/2026", LONDON)


def test_nothing_is_published_from_the_first_instant_of_a_blackout_to_its_end():
    starts = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)
    ends = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)
    assert in_blackout(starts, [(starts, ends)])
    assert in_blackout(ends - timedelta(microseconds=1), [(starts, ends)])
    assert not in_blackout(ends, [(starts, ends)])  # its end is free again
    assert not in_blackout(starts - timedelta(microseconds=1), [(starts, ends)])
    daily = [Slot(d, time(9, 30), "x") for d in range(7)]
    monday = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
    # Tuesday's 09:30 is the blackout's first instant; Wednesday's is its end: free.
    assert next_free_slot(daily, LONDON, monday, (), [(starts, ends)]) == ends


def test_counting_is_after_start_up_to_and_including_end():
    daily = [Slot(d, time(9, 30), "x") for d in range(7)]
    slot = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
    assert count_between(daily, LONDON, slot, slot + timedelta(days=2)) == 2
    assert count_between(daily, LONDON, slot - timedelta(seconds=1), slot) == 1
    assert count_between(daily, LONDON, slot, slot) == 0
    assert count_between(daily, LONDON, slot, slot - timedelta(days=30)) == 0
    assert count_between([], LONDON, slot, slot + timedelta(days=30)) == 0


def test_no_slots_after_a_backlog_is_none_not_an_error():
    now = datetime(2026, 11, 23, 8, tzinfo=UTC)
    assert slot_after_backlog([], LONDON, now, 0, now + timedelta(days=3)) is None


def test_upcoming_looks_ten_years_ahead_from_today():
    noon = [Slot(d, time(12), "x") for d in range(7)]
    now = datetime(2026, 11, 23, 8, tzinfo=UTC)
    found = list(upcoming(noon, LONDON, now))
    assert found[0] == datetime(2026, 11, 23, 12, tzinfo=UTC)
    assert found[-1].date() == now.date() + timedelta(days=_SEARCH_DAYS - 1)
    assert len(found) == _SEARCH_DAYS


def test_moments_are_wall_clock_in_the_organisations_zone(machine_zone):
    machine_zone(KIRITIMATI)
    utc = timedelta(0)
    christmas_eve = parse_moment("2026-12-24", NEW_YORK)
    assert christmas_eve == datetime(2026, 12, 24, 5, tzinfo=UTC)
    assert parse_moment(" 2026-12-24 ", NEW_YORK, end_of_day=True) == datetime(
        2026, 12, 25, 5, tzinfo=UTC
    )
    for text in ("2026-12-24T18:00", "2026-12-24 18:00"):
        moment = parse_moment(text, NEW_YORK)
        assert moment == datetime(2026, 12, 24, 23, tzinfo=UTC) and moment.utcoffset() == utc
    for end_of_day in (False, True):  # a time is a time, whichever end it closes
        assert parse_moment("2026-12-24T18:00", NEW_YORK, end_of_day=end_of_day) == datetime(
            2026, 12, 24, 23, tzinfo=UTC
        )
    offset = parse_moment("2026-12-24T18:00+01:00", NEW_YORK)
    assert offset == datetime(2026, 12, 24, 17, tzinfo=UTC) and offset.utcoffset() == utc
    with pytest.raises(ScheduleError):
        parse_moment("9999-12-31", NEW_YORK, end_of_day=True)  # no day after the last


@pytest.mark.parametrize("machine,organisation", [(KIRITIMATI, PAGO_PAGO), (PAGO_PAGO, KIRITIMATI)])
def test_the_machines_own_zone_changes_nothing(machine_zone, machine, organisation):
    zone = ZoneInfo(organisation)
    every_day = [Slot(d, t, "x") for d in range(7) for t in (time(0, 15), time(23, 45))]
    # 23:30 and 00:30 in the organisation's zone: the machine's date is two days off.
    for wall in (datetime(2026, 11, 23, 23, 30), datetime(2026, 11, 24, 0, 30)):
        now = wall.replace(tzinfo=zone).astimezone(UTC)
        expected_next = next(upcoming(every_day, zone, now))
        expected_count = count_between(every_day, zone, now, now + timedelta(hours=30))
        expected_back = count_between(every_day, zone, now - timedelta(hours=30), now)
        assert timedelta(0) < expected_next - now < timedelta(days=1)
        machine_zone(machine)
        assert next(upcoming(every_day, zone, now)) == expected_next
        assert count_between(every_day, zone, now, now + timedelta(hours=30)) == expected_count
        assert count_between(every_day, zone, now - timedelta(hours=30), now) == expected_back
        assert next_free_slot(every_day, zone, now) == expected_next
        machine_zone("UTC")
    # Counted by hand: in (now, now + 30 h] from Monday 23:30 lie 23:45 Mon, 00:15 and 23:45
    # Tue, 00:15 Wed — wherever the machine is.
    machine_zone(machine)
    monday = datetime(2026, 11, 23, 23, 30, tzinfo=zone).astimezone(UTC)
    assert count_between(every_day, zone, monday, monday + timedelta(hours=30)) == 4
    assert count_between(every_day, zone, monday - timedelta(hours=30), monday) == 2
    assert next(upcoming(every_day, zone, monday)) == datetime(2026, 11, 23, 23, 45, tzinfo=zone)


def test_a_slot_a_day_before_is_still_a_day_before(machine_zone):
    machine_zone(KIRITIMATI)
    zone = ZoneInfo(PAGO_PAGO)
    slots = [Slot(0, time(23, 45), "x")]  # Mondays only
    now = datetime(2026, 11, 23, 23, 30, tzinfo=zone)
    assert next(upcoming(slots, zone, now)) == datetime(2026, 11, 23, 23, 45, tzinfo=zone)
    assert date(2026, 11, 23).weekday() == 0
