"""Free time and bookable slots from working hours, breaks, time off and appointments.
Imports no Django: the selectors fetch the rows, this does the interval arithmetic.

All intervals are half-open ``[start, end)`` pairs of aware UTC datetimes, so an
appointment ending at 10:00 and one starting at 10:00 do not overlap. Working hours and
weekly breaks are wall-clock times in the clinic's zone, turned into UTC day by day, so a
practitioner's 08:00 start stays 08:00 across a daylight-saving change.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable, Sequence
from typing import NamedTuple
from zoneinfo import ZoneInfo

from imsclinic.scheduling.times import to_utc_lenient

Interval = tuple[dt.datetime, dt.datetime]


# Named tuples, not dataclasses: a month of a clinic's availability builds thousands of
# these, and a tuple is several times cheaper to create (make bench).
class Shift(NamedTuple):
    """Working hours on one weekday (0 = Monday) at one location, wall-clock."""

    weekday: int
    starts: dt.time
    ends: dt.time
    location_id: int | None = None


class WeeklyBlock(NamedTuple):
    """A recurring break (lunch) on one weekday, wall-clock."""

    weekday: int
    starts: dt.time
    ends: dt.time


class Opening(NamedTuple):
    """Working time on one day, at one location, in UTC."""

    start: dt.datetime
    end: dt.datetime
    location_id: int | None


def days(first: dt.date, last: dt.date) -> list[dt.date]:
    return [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]


@functools.lru_cache(maxsize=8192)
def _utc(day: dt.date, at: dt.time, tz: ZoneInfo) -> dt.datetime:
    """A wall-clock time of a day as UTC (practitioners share their hours: cached)."""
    return to_utc_lenient(dt.datetime.combine(day, at), tz)


def openings(
    first: dt.date,
    last: dt.date,
    shifts: Sequence[Shift],
    breaks: Sequence[WeeklyBlock],
    tz: ZoneInfo,
) -> list[Opening]:
    """Working intervals for each local day from ``first`` to ``last`` (inclusive), with
    the weekly breaks cut out, sorted by start."""
    by_day: dict[int, list[Shift]] = {}
    for shift in shifts:
        by_day.setdefault(shift.weekday, []).append(shift)
    breaks_by_day: dict[int, list[WeeklyBlock]] = {}
    for block in breaks:
        breaks_by_day.setdefault(block.weekday, []).append(block)
    result: list[Opening] = []
    for day in days(first, last):
        weekday = day.weekday()
        todays = by_day.get(weekday)
        if not todays:
            continue
        cuts = [
            (_utc(day, b.starts, tz), _utc(day, b.ends, tz)) for b in breaks_by_day.get(weekday, ())
        ]
        for shift in todays:
            start = _utc(day, shift.starts, tz)
            end = _utc(day, shift.ends, tz)
            if not cuts:
                result.append(Opening(start, end, shift.location_id))
                continue
            for piece_start, piece_end in subtract([(start, end)], cuts):
                result.append(Opening(piece_start, piece_end, shift.location_id))
    result.sort(key=lambda o: o.start)
    return result


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    """Sorted, with overlapping or touching intervals joined."""
    merged: list[Interval] = []
    for start, end in sorted(intervals):
        if end <= start:
            continue
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def _cut(
    start: dt.datetime, end: dt.datetime, taken: list[Interval], index: int
) -> tuple[list[Interval], int]:
    """``[start, end)`` minus the merged, sorted ``taken``, scanning from ``index``; returns
    the pieces and where the next (later) interval can start scanning."""
    while index < len(taken) and taken[index][1] <= start:
        index += 1
    pieces: list[Interval] = []
    cursor = start
    probe = index
    while probe < len(taken) and taken[probe][0] < end:
        busy_start, busy_end = taken[probe]
        if busy_start > cursor:
            pieces.append((cursor, busy_start))
        if busy_end > cursor:
            cursor = busy_end
        if cursor >= end:
            break
        probe += 1
    if cursor < end:
        pieces.append((cursor, end))
    return pieces, index


def subtract(free: Iterable[Interval], busy: Iterable[Interval]) -> list[Interval]:
    """``free`` minus ``busy``: one sweep over both sorted lists."""
    taken = merge(busy)
    result: list[Interval] = []
    index = 0
    for start, end in merge(free):
        pieces, index = _cut(start, end, taken, index)
        result.extend(pieces)
    return result


def subtract_merged(free: Iterable[Interval], taken: list[Interval]) -> list[Interval]:
    """``free`` (sorted by start, not overlapping) minus ``taken`` (already merged)."""
    result: list[Interval] = []
    index = 0
    for start, end in free:
        pieces, index = _cut(start, end, taken, index)
        result.extend(pieces)
    return result


def overlaps(a: Interval, b: Interval) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def contained(inner: Interval, outer: Iterable[Interval]) -> bool:
    """Whether ``inner`` lies wholly inside one of ``outer``."""
    return any(start <= inner[0] and inner[1] <= end for start, end in outer)


def _grid_ceil(moment: dt.datetime, step_minutes: int, tz: ZoneInfo) -> dt.datetime:
    """The first instant at or after ``moment`` on the clinic's wall-clock grid (:00, :15,
    ... for a 15-minute step)."""
    offset = moment.astimezone(tz).utcoffset() or dt.timedelta()
    local_seconds = int((moment + offset).timestamp())
    step = step_minutes * 60
    remainder = local_seconds % step
    if remainder == 0 and moment.microsecond == 0:
        return moment
    return (
        moment
        - dt.timedelta(seconds=remainder, microseconds=moment.microsecond)
        + (dt.timedelta(seconds=step))
    )


class Slot(NamedTuple):
    start: dt.datetime
    end: dt.datetime
    location_id: int | None


def free_slots(
    opening_list: Sequence[Opening],
    busy: Iterable[Interval],
    *,
    minutes: int,
    step_minutes: int,
    tz: ZoneInfo,
    not_before: dt.datetime | None = None,
    not_after: dt.datetime | None = None,
) -> list[Slot]:
    """Every start on the wall-clock grid where ``minutes`` fit inside one opening without
    touching a busy interval, between ``not_before`` and ``not_after`` (starts)."""
    length = dt.timedelta(minutes=minutes)
    step = dt.timedelta(minutes=step_minutes)
    taken = merge(busy)
    result: list[Slot] = []
    index = 0
    for opening in sorted(opening_list, key=lambda o: o.start):
        pieces, index = _cut(opening.start, opening.end, taken, index)
        for start, end in pieces:
            cursor = _grid_ceil(start, step_minutes, tz)
            if not_before is not None and cursor < not_before:
                cursor = _grid_ceil(not_before, step_minutes, tz)
            last_start = end - length
            if not_after is not None and last_start > not_after:
                last_start = not_after
            location_id = opening.location_id
            while cursor <= last_start:
                result.append(Slot(cursor, cursor + length, location_id))
                cursor += step
    return result
