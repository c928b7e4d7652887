"""The calendar grid as HTML, built in Python.

A week of a busy clinic is ~500 appointments and ~1,000 free cells; through the template
engine (or even ``format_html`` and ``reverse`` per cell) that took several times our
50 ms goal, so the grid is assembled here with plain string formatting, every value from
the database escaped with ``html.escape``, and handed to the template as one safe string.
Every appointment and free cell is a link: the calendar works without JavaScript;
scheduling.js adds arrow-key movement between cells (roving tabindex).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from html import escape
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from imsclinic.scheduling import slots
from imsclinic.scheduling.selectors import CalendarData, CalendarEntry

STATUS_CLASS = {"booked": "booked", "arrived": "arrived", "completed": "done", "no_show": "noshow"}
STATUS_TEXT = {"booked": "Booked", "arrived": "Arrived", "completed": "Done", "no_show": "No-show"}
DAY_MINUTES = 24 * 60


@dataclass(frozen=True)
class GridOptions:
    px_per_minute: float
    cell_minutes: int
    move_id: int | None = None  # "pick a new time" mode: free cells move this appointment
    compact: bool = False  # week view: shorter labels


def _utc_iso(moment: dt.datetime) -> str:
    utc = moment if moment.tzinfo is dt.UTC else moment.astimezone(dt.UTC)
    return f"{utc.year:04d}-{utc.month:02d}-{utc.day:02d}T{utc.hour:02d}:{utc.minute:02d}:00Z"


def _day_label(day: dt.date) -> str:
    return f"{day:%a} {day.day} {day:%b}"


def _span(data: CalendarData) -> tuple[int, int]:
    """First and last minute of the day the grid shows (whole hours, at least 08-18)."""
    tz = data.tz
    first, last = 8 * 60, 18 * 60
    moments: list[tuple[dt.datetime, dt.datetime]] = [
        (o.start, o.end) for openings in data.facts.openings.values() for o in openings
    ]
    moments.extend((e.start, e.end) for entries in data.entries.values() for e in entries)
    for start, end in moments:
        local_start, local_end = start.astimezone(tz), end.astimezone(tz)
        first = min(first, local_start.hour * 60 + local_start.minute)
        if local_end.date() != local_start.date():
            last = DAY_MINUTES
        else:
            last = max(last, local_end.hour * 60 + local_end.minute)
    return (first // 60) * 60, min(DAY_MINUTES, -(-last // 60) * 60)


class _Column:
    """Pixel positions within one day's column."""

    def __init__(self, day: dt.date, tz: ZoneInfo, day_start: int, day_end: int, px: float) -> None:
        self.day, self.tz, self.day_start, self.day_end, self.px = day, tz, day_start, day_end, px
        midnight = dt.datetime.combine(day, dt.time()).replace(tzinfo=tz).astimezone(dt.UTC)
        next_midnight = (
            dt.datetime.combine(day + dt.timedelta(days=1), dt.time())
            .replace(tzinfo=tz)
            .astimezone(dt.UTC)
        )
        # On the 363 days a year without a clock change, minutes since midnight are elapsed
        # minutes since midnight: no time-zone conversion per cell.
        self.midnight = midnight if next_midnight - midnight == dt.timedelta(days=1) else None

    def _minute(self, moment: dt.datetime, default: int) -> int:
        if self.midnight is not None:
            minutes = int((moment - self.midnight).total_seconds()) // 60
            return minutes if 0 <= minutes < DAY_MINUTES else default
        local = moment.astimezone(self.tz)
        return local.hour * 60 + local.minute if local.date() == self.day else default

    def span(self, start: dt.datetime, end: dt.datetime) -> tuple[int, int, str] | None:
        """The start's and end's minutes of the day, and ``top:..px;height:..px`` of
        ``[start, end)`` clipped to the hours shown; None when none of it shows."""
        first = self._minute(start, 0)
        last = self._minute(end, DAY_MINUTES)
        top = max(first, self.day_start)
        bottom = min(last, self.day_end)
        if bottom <= top:
            return None
        height = max((bottom - top) * self.px, 14)
        return first, last, f"top:{(top - self.day_start) * self.px:.0f}px;height:{height:.0f}px"

    def place(self, start: dt.datetime, end: dt.datetime) -> str | None:
        spot = self.span(start, end)
        return None if spot is None else spot[2]


def _cells(free: Iterable[slots.Interval], cell: int, tz: ZoneInfo) -> list[slots.Interval]:
    """Free time cut into whole grid cells (a partial cell at an edge is not offered)."""
    result: list[slots.Interval] = []
    step = dt.timedelta(minutes=cell)
    for start, end in free:
        cursor = slots._grid_ceil(start, cell, tz)
        while cursor + step <= end:
            result.append((cursor, cursor + step))
            cursor += step
    return result


def _clock(minute: int) -> str:
    return f"{minute // 60 % 24:02d}:{minute % 60:02d}"


def _entry_html(entry: CalendarEntry, spot: tuple[int, int, str], href: str, compact: bool) -> str:
    status = STATUS_CLASS.get(entry.status, "booked")
    start, end, style = _clock(spot[0]), _clock(spot[1]), spot[2]
    badges = ""
    if entry.held:
        badges = '<span class="cal-tag warn">request</span>'
    elif entry.confirmed and entry.status == "booked":
        badges = '<span class="cal-tag ok" title="Confirmed by the patient">✓</span>'
    if entry.source == "online" and not entry.held:
        badges += '<span class="cal-tag">online</span>'
    name = escape(entry.patient_name)
    type_name = escape(entry.type_name)
    label = (
        f"{start}-{end} {name}, {type_name}, {STATUS_TEXT.get(entry.status, escape(entry.status))}"
        + (", online request to confirm" if entry.held else "")
    )
    details = "" if compact else f'<span class="cal-type">{type_name}</span>'
    held = " held" if entry.held else ""
    return (
        f'<a class="cal-appt st-{status}{held}" href="{href}" style="{style}" '
        f'aria-label="{label}" data-cal-item><span class="cal-time">{start}</span> '
        f'<span class="cal-name">{name}</span>{details}{badges}</a>'
    )


def grid(
    data: CalendarData, options: GridOptions, *, prefill: dict[str, str] | None = None
) -> SafeString:
    tz = data.tz
    day_start, day_end = _span(data)
    px = options.px_per_minute
    height = (day_end - day_start) * px
    detail_prefix = reverse("appointment_detail", args=[0]).removesuffix("0/")
    if options.move_id:
        move = escape(reverse("appointment_move", args=[options.move_id]))

        def free_href(pid: int, iso: str) -> str:
            return f"{move}?start={iso}&amp;practitioner={pid}"

        free_text = "Move here"
    else:
        book = escape(reverse("appointment_new"))
        extra = escape("&" + urlencode(prefill)) if prefill else ""

        def free_href(pid: int, iso: str) -> str:
            return f"{book}?practitioner={pid}&amp;start={iso}{extra}"

        free_text = "Book"
    multi_day = len(data.days) > 1
    single = len(data.practitioners) == 1
    headers: list[str] = []
    columns: list[str] = []
    for day in data.days:
        day_label = _day_label(day)
        column = _Column(day, tz, day_start, day_end, px)
        day_lo = dt.datetime.combine(day, dt.time()).replace(tzinfo=tz)
        day_hi = day_lo + dt.timedelta(days=1)
        for person in data.practitioners:
            pid = person.pk
            name = escape(person.display_name)
            if not multi_day:
                headers.append(f'<div class="cal-head">{name}</div>')
            elif single:
                headers.append(f'<div class="cal-head">{day_label}</div>')
            else:
                headers.append(f'<div class="cal-head">{day_label}<br><small>{name}</small></div>')
            parts: list[str] = []
            day_openings = [
                (o.start, o.end)
                for o in data.facts.openings.get(pid, ())
                if day_lo <= o.start < day_hi
            ]
            for start, end in day_openings:
                style = column.place(start, end)
                if style:
                    parts.append(f'<div class="cal-open" style="{style}" aria-hidden="true"></div>')
            for start, end in data.facts.breaks.get(pid, ()):
                if start < day_hi and end > day_lo:
                    style = column.place(start, end)
                    if style:
                        parts.append(f'<div class="cal-off" style="{style}">Break</div>')
            for start, end in data.facts.time_off.get(pid, ()):
                if start < day_hi and end > day_lo:
                    style = column.place(max(start, day_lo), min(end, day_hi))
                    if style:
                        parts.append(f'<div class="cal-off timeoff" style="{style}">Time off</div>')
            day_openings.sort()
            free = slots.subtract_merged(day_openings, data.facts.blocked(pid))
            tail = f', {name}, {day_label}" data-cal-item><span>'
            for start, end in _cells(free, options.cell_minutes, tz):
                spot = column.span(start, end)
                if spot is None:
                    continue
                top, _, style = spot
                text = f"{free_text} {_clock(top)}"
                parts.append(
                    f'<a class="cal-free" href="{free_href(pid, _utc_iso(start))}" style="{style}" '
                    f'aria-label="{text}{tail}{text}</span></a>'
                )
            for entry in data.entries.get((pid, day), ()):
                spot = column.span(entry.start, entry.end)
                if spot:
                    parts.append(
                        _entry_html(entry, spot, f"{detail_prefix}{entry.id}/", options.compact)
                    )
            columns.append(
                f'<div class="cal-col" role="group" style="height:{height:.0f}px;--hour:{60 * px:.0f}px" '
                f'aria-label="{name}, {day_label}">{"".join(parts)}</div>'
            )
    hours = "".join(
        f'<div class="cal-hour" style="top:{(minute - day_start) * px:.0f}px">{minute // 60:02d}:00</div>'
        for minute in range(day_start, day_end, 60)
    )
    count = len(columns)
    width = "3rem" if multi_day else "7rem"
    week = " cal-week" if multi_day else ""
    return mark_safe(  # noqa: S308 - every value from outside is escaped above
        f'<div class="cal-grid{week}" role="group" aria-label="Calendar" '
        f'style="grid-template-columns: 3.2rem repeat({count}, minmax({width}, 1fr))" data-cal-grid>'
        f'<div class="cal-corner"></div>{"".join(headers)}'
        f'<div class="cal-gutter" style="height:{height:.0f}px" aria-hidden="true">{hours}</div>'
        f"{''.join(columns)}</div>"
    )
