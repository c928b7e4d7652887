"""Clinic wall-clock time and UTC, safe across daylight-saving changes. Imports no Django.

Appointments are stored in UTC and shown in the clinic's time zone. A weekly course is
booked at the same *wall-clock* time each week ("Tuesdays at 09:00"), so its UTC times
move by an hour when the clinic's clocks change; this module does that arithmetic.

Two local times need a rule:
- in the spring-forward gap (02:30 on the day clocks jump from 02:00 to 03:00) the time
  does not exist: ``to_utc`` raises ``NonexistentLocalTime`` (a booking names the fix),
  ``to_utc_lenient`` moves it forward by the gap (for working hours);
- in the fall-back overlap (01:30 happens twice) the first, daylight-time occurrence is
  meant (``fold=0``), as a clinic's paper book would mean it.
"""

from __future__ import annotations

import datetime as dt
import functools
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

UTC = dt.UTC


FIRST_YEAR, LAST_YEAR = 1900, 2200


class BadLocalTime(ValueError):
    """A time the calendar cannot hold; the message names the fix."""


class TimeOutOfRange(BadLocalTime):
    def __init__(self, moment: dt.datetime) -> None:
        super().__init__(
            f"{moment:%Y-%m-%d} is outside the calendar: use a date from {FIRST_YEAR} to {LAST_YEAR}."
        )


def check_year(moment: dt.datetime) -> dt.datetime:
    if not FIRST_YEAR <= moment.year <= LAST_YEAR:
        raise TimeOutOfRange(moment)
    return moment


class NonexistentLocalTime(BadLocalTime):
    """A wall-clock time skipped by a daylight-saving change."""

    def __init__(self, local: dt.datetime, zone_name: str) -> None:
        super().__init__(
            f"{local:%Y-%m-%d %H:%M} does not exist in {zone_name}: the clocks skip that hour "
            "(daylight saving). Choose a time an hour later."
        )
        self.local = local


@functools.cache
def zone(name: str) -> ZoneInfo:
    """The time zone called ``name``; ``ValueError`` naming the fix for an unknown one."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"Unknown time zone '{name}'. Use an IANA name such as America/Edmonton."
        ) from None


@functools.cache
def zone_names() -> tuple[str, ...]:
    return tuple(sorted(available_timezones()))


def to_utc(local: dt.datetime, tz: ZoneInfo) -> dt.datetime:
    """The naive wall-clock ``local`` in ``tz`` as an aware UTC datetime (first occurrence
    when ambiguous); ``NonexistentLocalTime`` in a spring-forward gap."""
    naive = check_year(local.replace(tzinfo=None, fold=0))
    moment = naive.replace(tzinfo=tz).astimezone(UTC)
    if moment.astimezone(tz).replace(tzinfo=None) != naive:
        raise NonexistentLocalTime(naive, str(tz))
    return moment


def to_utc_lenient(local: dt.datetime, tz: ZoneInfo) -> dt.datetime:
    """Like ``to_utc``, but a time in a gap becomes the first instant after the gap."""
    try:
        return to_utc(local, tz)
    except NonexistentLocalTime:
        # zoneinfo resolves a gap time with the offset before the change (fold=0): that UTC
        # instant is already past the jump, i.e. the wall clock reads the time plus the gap.
        before = local.replace(tzinfo=tz, fold=0).utcoffset()
        after = local.replace(tzinfo=tz, fold=1).utcoffset()
        assert before is not None and after is not None
        moved = local.replace(tzinfo=None) + abs(after - before)
        return to_utc(moved, tz)


def to_local(moment: dt.datetime, tz: ZoneInfo) -> dt.datetime:
    """An aware instant as the clinic's naive wall-clock time."""
    return moment.astimezone(tz).replace(tzinfo=None)


def local_date(moment: dt.datetime, tz: ZoneInfo) -> dt.date:
    return moment.astimezone(tz).date()


def day_bounds(day: dt.date, tz: ZoneInfo) -> tuple[dt.datetime, dt.datetime]:
    """The UTC instants at which the local ``day`` starts and the next one starts."""
    start = to_utc_lenient(dt.datetime.combine(day, dt.time()), tz)
    end = to_utc_lenient(dt.datetime.combine(day + dt.timedelta(days=1), dt.time()), tz)
    return start, end


def as_utc(moment: dt.datetime, tz: ZoneInfo) -> dt.datetime:
    """An input time as UTC: aware times keep their instant; naive ones are read as the
    clinic's wall-clock time."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        return to_utc(moment, tz)
    return check_year(moment).astimezone(UTC)


def weekly(first: dt.datetime, count: int, every_weeks: int, tz: ZoneInfo) -> list[dt.datetime]:
    """``count`` naive wall-clock times, ``every_weeks`` apart, starting at ``first``: the
    same weekday and clock time each time, whatever the UTC offset on that day."""
    step = dt.timedelta(weeks=every_weeks)
    base = first.replace(tzinfo=None, fold=0)
    return [base + step * index for index in range(count)]
