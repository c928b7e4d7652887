"""Interval arithmetic and bookable slots (framework-free)."""

from __future__ import annotations

import datetime as dt
from itertools import pairwise

from hypothesis import given, settings
from hypothesis import strategies as st

from imsclinic.scheduling import slots
from imsclinic.scheduling.times import zone

TZ = zone("America/Edmonton")
BASE = dt.datetime(2026, 3, 2, 15, 0, tzinfo=dt.UTC)


def at(minutes: int) -> dt.datetime:
    return BASE + dt.timedelta(minutes=minutes)


intervals = st.lists(
    st.tuples(st.integers(0, 600), st.integers(1, 180)).map(lambda p: (at(p[0]), at(p[0] + p[1]))),
    max_size=12,
)


def covered(parts: list[slots.Interval], minute: int) -> bool:
    point = at(minute) + dt.timedelta(seconds=30)
    return any(start <= point < end for start, end in parts)


@settings(max_examples=200, deadline=None)
@given(intervals, intervals)
def test_subtract_leaves_exactly_the_free_minutes(free, busy):
    result = slots.subtract(free, busy)
    for minute in range(0, 800):
        expected = covered(free, minute) and not covered(busy, minute)
        assert covered(result, minute) == expected, minute
    # sorted, non-overlapping, non-empty pieces
    for (_, a_end), (b_start, _) in pairwise(result):
        assert a_end <= b_start
    assert all(start < end for start, end in result)


@settings(max_examples=100, deadline=None)
@given(intervals)
def test_merge_is_sorted_and_disjoint(items):
    merged = slots.merge(items)
    for (_, a_end), (b_start, _) in pairwise(merged):
        assert a_end < b_start
    for minute in range(0, 800):
        assert covered(merged, minute) == covered(items, minute)


def test_touching_appointments_do_not_overlap():
    assert not slots.overlaps((at(0), at(30)), (at(30), at(60)))
    assert slots.overlaps((at(0), at(31)), (at(30), at(60)))


def test_openings_follow_wall_clock_hours_across_the_spring_change():
    shifts = [
        slots.Shift(weekday=d, starts=dt.time(8), ends=dt.time(12), location_id=1) for d in range(7)
    ]
    lunch = [
        slots.WeeklyBlock(weekday=d, starts=dt.time(10), ends=dt.time(10, 30)) for d in range(7)
    ]
    found = slots.openings(dt.date(2026, 3, 7), dt.date(2026, 3, 9), shifts, lunch, TZ)
    local = [
        (o.start.astimezone(TZ).strftime("%d %H:%M"), o.end.astimezone(TZ).strftime("%H:%M"))
        for o in found
    ]
    assert local == [
        ("07 08:00", "10:00"),
        ("07 10:30", "12:00"),
        ("08 08:00", "10:00"),
        ("08 10:30", "12:00"),
        ("09 08:00", "10:00"),
        ("09 10:30", "12:00"),
    ]
    assert found[0].start.hour == 15 and found[4].start.hour == 14  # UTC moved by an hour


def test_free_slots_sit_on_the_grid_and_avoid_busy_time():
    opening = [slots.Opening(at(0), at(120), 7)]  # 08:00-10:00 local
    busy = [(at(35), at(50))]
    found = slots.free_slots(opening, busy, minutes=30, step_minutes=15, tz=TZ)
    starts = [s.start.astimezone(TZ).strftime("%H:%M") for s in found]
    assert starts == ["08:00", "09:00", "09:15", "09:30"]
    assert all(s.location_id == 7 for s in found)


def test_free_slots_respect_the_notice_window():
    opening = [slots.Opening(at(0), at(120), None)]
    found = slots.free_slots(
        opening, [], minutes=30, step_minutes=15, tz=TZ, not_before=at(20), not_after=at(60)
    )
    assert [s.start.astimezone(TZ).strftime("%H:%M") for s in found] == ["08:30", "08:45", "09:00"]


def test_contained_needs_one_window_for_the_whole_appointment():
    windows = [(at(0), at(60)), (at(60), at(120))]
    assert slots.contained((at(10), at(50)), windows)
    assert not slots.contained((at(50), at(70)), windows)  # spans two windows (a break between)
