"""Wall-clock time and UTC across daylight-saving changes (America/Edmonton: clocks jump
from 02:00 to 03:00 on 8 March 2026 and fall back from 02:00 to 01:00 on 1 November 2026)."""

from __future__ import annotations

import datetime as dt

import pytest

from imsclinic.scheduling.times import (
    NonexistentLocalTime,
    as_utc,
    day_bounds,
    to_utc,
    to_utc_lenient,
    weekly,
    zone,
)

TZ = zone("America/Edmonton")


def test_winter_and_summer_offsets():
    assert to_utc(dt.datetime(2026, 3, 3, 9, 0), TZ) == dt.datetime(
        2026, 3, 3, 16, 0, tzinfo=dt.UTC
    )
    assert to_utc(dt.datetime(2026, 3, 10, 9, 0), TZ) == dt.datetime(
        2026, 3, 10, 15, 0, tzinfo=dt.UTC
    )


def test_a_time_in_the_spring_gap_does_not_exist_and_says_what_to_do():
    with pytest.raises(NonexistentLocalTime, match="an hour later"):
        to_utc(dt.datetime(2026, 3, 8, 2, 30), TZ)
    # Working hours starting in the gap start when the clock reads 03:30.
    assert to_utc_lenient(dt.datetime(2026, 3, 8, 2, 30), TZ) == dt.datetime(
        2026, 3, 8, 9, 30, tzinfo=dt.UTC
    )


def test_an_ambiguous_fall_back_time_means_the_first_one():
    first = to_utc(dt.datetime(2026, 11, 1, 1, 30), TZ)
    assert first == dt.datetime(2026, 11, 1, 7, 30, tzinfo=dt.UTC)  # still daylight time (-6)


def test_days_are_23_and_25_hours_long_on_the_change_days():
    start, end = day_bounds(dt.date(2026, 3, 8), TZ)
    assert end - start == dt.timedelta(hours=23)
    start, end = day_bounds(dt.date(2026, 11, 1), TZ)
    assert end - start == dt.timedelta(hours=25)


def test_weekly_keeps_the_wall_clock_time_across_the_change():
    times = weekly(dt.datetime(2026, 2, 24, 9, 0), 4, 1, TZ)
    assert [t.strftime("%a %H:%M") for t in times] == ["Tue 09:00"] * 4
    utc = [to_utc(t, TZ).hour for t in times]
    assert utc == [16, 16, 15, 15]  # MST (-7) before 8 March, MDT (-6) after


def test_naive_input_is_clinic_time_and_aware_input_keeps_its_instant():
    assert as_utc(dt.datetime(2026, 6, 1, 9, 0), TZ).hour == 15
    aware = dt.datetime(2026, 6, 1, 9, 0, tzinfo=zone("America/Toronto"))
    assert as_utc(aware, TZ) == dt.datetime(2026, 6, 1, 13, 0, tzinfo=dt.UTC)


def test_unknown_zone_names_the_fix():
    with pytest.raises(ValueError, match="IANA name such as America/Edmonton"):
        zone("Mars/Olympus_Mons")
