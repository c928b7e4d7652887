"""The calendar grid as HTML, built in Python.

A week of a busy clinic is ~500 appointments and ~1,000 free cells; through the template
engine that took longer than our 50 ms goal, so the grid is assembled here with each
value escaped (``django.utils.html.escape``) and handed to the template as one safe
string. Every appointment and free cell is a link: the calendar works without
JavaScript; scheduling.js adds arrow-key movement between cells (roving tabindex).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from imsclinic.scheduling import slots
from imsclinic.scheduling.selectors import CalendarData, CalendarEntry

STATUS_CLASS = {
    "booked": "booked",
    "arrived": "arrived",
    "completed": "done",
    "no_show": "noshow",
}
STATUS_TEXT = {"booked": "Booked", "arrived": "Arrived", "completed": "Done", "no_show": "No-show"}


@dataclass(frozen=True)
class GridOptions:
    px_per_minute: float
    cell_minutes: int
    move_id: int | None = None  # "pick a new time" mode: free cells move this appointment
    compact: bool = False  # week view: shorter labels


def _minutes(moment: dt.datetime, tz: ZoneInfo) -> int:
    local = moment.astimezone(tz)
    return local.hour * 60 + local.minute


def _span(data: CalendarData) -> tuple[int, int]:
    """First and last minute of the day the grid shows (whole hours, at least 08-18)."""
    tz = data.tz
    first, last = 8 * 60, 18 * 60
    for openings in data.facts.openings.values():
        for o in openings:
            first = min(first, _minutes(o.start, tz))
            end = _minutes(o.end, tz) or 24 * 60
            last = max(last, end)
    for entries in data.entries.values():
        for e in entries:
            first = min(first, _minutes(e.start, tz))
            end = _minutes(e.end, tz)
            last = max(last, end if end > _minutes(e.start, tz) else 24 * 60)
    return (first // 60) * 60, min(24 * 60, -(-last // 60) * 60)


def _label(moment: dt.datetime, tz: ZoneInfo) -> str:
    return moment.astimezone(tz).strftime("%H:%M")


def _place(
    day: dt.date,
    day_start: int,
    day_end: int,
    px: float,
    tz: ZoneInfo,
    start: dt.datetime,
    end: dt.datetime,
) -> tuple[float, float] | None:
    """Top and height in pixels of ``[start, end)`` in the column of ``day``, clipped to the
    hours shown; None when nothing of it is on that day."""
    local_start = start.astimezone(tz)
    top_minutes = local_start.hour * 60 + local_start.minute if local_start.date() == day else 0
    local_end = end.astimezone(tz)
    end_minutes = local_end.hour * 60 + local_end.minute if local_end.date() == day else 24 * 60
    top_minutes, end_minutes = max(top_minutes, day_start), min(end_minutes, day_end)
    if end_minutes <= top_minutes:
        return None
    return (top_minutes - day_start) * px, (end_minutes - top_minutes) * px


def _day_label(day: dt.date) -> str:
    return f"{day:%a} {day.day} {day:%b}"


def _style(top: float, height: float) -> str:
    return f"top:{top:.0f}px;height:{max(height, 14):.0f}px"


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


def _entry_html(
    entry: CalendarEntry, tz: ZoneInfo, top: float, height: float, compact: bool
) -> str:
    status = STATUS_CLASS.get(entry.status, "booked")
    start, end = _label(entry.start, tz), _label(entry.end, tz)
    badges = []
    if entry.held:
        badges.append('<span class="cal-tag warn">request</span>')
    elif entry.confirmed and entry.status == "booked":
        badges.append('<span class="cal-tag ok" title="Confirmed by the patient">✓</span>')
    if entry.source == "online" and not entry.held:
        badges.append('<span class="cal-tag">online</span>')
    name = escape(entry.patient_name)
    type_name = escape(entry.type_name)
    label = escape(
        f"{start}-{end} {entry.patient_name}, {entry.type_name}, {STATUS_TEXT.get(entry.status, entry.status)}"
        + (", online request to confirm" if entry.held else "")
    )
    href = reverse("appointment_detail", args=[entry.id])
    details = "" if compact else f'<span class="cal-type">{type_name}</span>'
    return (
        f'<a class="cal-appt st-{status}{" held" if entry.held else ""}" href="{href}" '
        f'style="{_style(top, height)}" aria-label="{label}" data-cal-item>'
        f'<span class="cal-time">{start}</span> <span class="cal-name">{name}</span>{details}'
        f"{''.join(badges)}</a>"
    )


def grid(
    data: CalendarData, options: GridOptions, *, prefill: dict[str, str] | None = None
) -> SafeString:
    tz = data.tz
    day_start, day_end = _span(data)
    px = options.px_per_minute
    height = (day_end - day_start) * px
    book_url = reverse("appointment_new")
    move_url = reverse("appointment_move", args=[options.move_id]) if options.move_id else ""
    extra = prefill or {}
    columns: list[str] = []
    headers: list[str] = []
    multi_day = len(data.days) > 1
    for day in data.days:
        for person in data.practitioners:
            pid = person.pk
            name = person.display_name
            if not multi_day:
                head = escape(name)
            elif len(data.practitioners) == 1:
                head = _day_label(day)
            else:
                head = f"{_day_label(day)}<br><small>{escape(name)}</small>"
            headers.append(f'<div class="cal-head">{head}</div>')
            day_from = dt.datetime.combine(day, dt.time()).replace(tzinfo=tz)
            parts: list[str] = []

            day_openings = [
                (o.start, o.end)
                for o in data.facts.openings.get(pid, ())
                if o.start.astimezone(tz).date() == day
            ]
            for start, end in day_openings:
                spot = _place(day, day_start, day_end, px, tz, start, end)
                if spot:
                    parts.append(
                        f'<div class="cal-open" style="{_style(*spot)}" aria-hidden="true"></div>'
                    )
            day_lo, day_hi = day_from, day_from + dt.timedelta(days=1)
            for start, end in data.facts.breaks.get(pid, ()):
                if start < day_hi and end > day_lo:
                    spot = _place(day, day_start, day_end, px, tz, start, end)
                    if spot:
                        parts.append(f'<div class="cal-off" style="{_style(*spot)}">Break</div>')
            for start, end in data.facts.time_off.get(pid, ()):
                if start < day_hi and end > day_lo:
                    spot = _place(
                        day, day_start, day_end, px, tz, max(start, day_lo), min(end, day_hi)
                    )
                    if spot:
                        parts.append(
                            f'<div class="cal-off timeoff" style="{_style(*spot)}">Time off</div>'
                        )
            free = slots.subtract(day_openings, data.facts.blocked(pid))
            for start, end in _cells(free, options.cell_minutes, tz):
                spot = _place(day, day_start, day_end, px, tz, start, end)
                if spot is None:
                    continue
                when = _label(start, tz)
                iso = start.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
                if move_url:
                    href = f"{move_url}?{urlencode({'start': iso, 'practitioner': pid})}"
                    text = f"Move here {when}"
                else:
                    href = f"{book_url}?{urlencode({'practitioner': pid, 'start': iso, **extra})}"
                    text = f"Book {when}"
                aria = escape(f"{text}, {name}, {_day_label(day)}")
                parts.append(
                    f'<a class="cal-free" href="{escape(href)}" style="{_style(*spot)}" '
                    f'aria-label="{aria}" data-cal-item><span>{escape(text)}</span></a>'
                )
            for entry in data.entries.get((pid, day), ()):
                spot = _place(day, day_start, day_end, px, tz, entry.start, entry.end)
                if spot:
                    parts.append(_entry_html(entry, tz, spot[0], spot[1], options.compact))
            columns.append(
                f'<div class="cal-col" role="group" style="height:{height:.0f}px;--hour:{60 * px:.0f}px" '
                f'aria-label="{escape(name)}, {_day_label(day)}">{"".join(parts)}</div>'
            )
    hours = "".join(
        f'<div class="cal-hour" style="top:{(minute - day_start) * px:.0f}px">{minute // 60:02d}:00</div>'
        for minute in range(day_start, day_end, 60)
    )
    count = len(columns)
    template = f"grid-template-columns: 3.2rem repeat({count}, minmax({'3rem' if multi_day else '7rem'}, 1fr))"
    return mark_safe(  # noqa: S308 - every value above is escaped
        f'<div class="cal-grid{" cal-week" if multi_day else ""}" role="group" aria-label="Calendar" '
        f'style="{template}" data-cal-grid>'
        f'<div class="cal-corner"></div>{"".join(headers)}'
        f'<div class="cal-gutter" style="height:{height:.0f}px" aria-hidden="true">{hours}</div>'
        f"{''.join(columns)}"
        "</div>"
    )
