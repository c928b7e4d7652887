"""iCalendar (RFC 5545) writing for calendar feeds and e-mail attachments. Imports no Django.

What RFC 5545 asks of a writer, and where this module does it:
- lines end with CRLF (3.1);
- content lines longer than 75 octets are folded: CRLF followed by one space, never inside
  a UTF-8 multi-octet character (3.1) -> ``fold``;
- TEXT values escape backslash, semicolon, comma and newline (3.3.11) -> ``escape_text``;
- times are written in UTC with the "Z" suffix (3.3.5, form #2), so no VTIMEZONE is needed;
- every VEVENT has a UID and a DTSTAMP (3.6.1); SEQUENCE rises when an event is moved or
  cancelled (3.8.7.4) so a calendar that already has it replaces it;
- a calendar has VERSION:2.0 and a PRODID (3.6).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

CRLF = "\r\n"
PRODID = "-//IMS Clinic//Scheduling//EN"
MAX_OCTETS = 75


def escape_text(value: str) -> str:
    """A TEXT property value (RFC 5545 3.3.11)."""
    return (
        value.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\r", "\\n")
        .replace("\n", "\\n")
    )


def utc_stamp(moment: dt.datetime) -> str:
    """DATE-TIME in UTC form: 20260303T160000Z."""
    if moment.tzinfo is None:
        raise ValueError("iCalendar times must be aware datetimes.")
    return moment.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def fold(line: str) -> str:
    """One content line folded into pieces of at most 75 octets each (continuations
    include their leading space), joined with CRLF + space; no character is split."""
    encoded = line.encode()
    if len(encoded) <= MAX_OCTETS:
        return line
    pieces: list[str] = []
    current: list[str] = []
    size = 0
    limit = MAX_OCTETS
    for char in line:
        width = len(char.encode())
        if size + width > limit:
            pieces.append("".join(current))
            current, size = [], 0
            limit = MAX_OCTETS - 1  # the continuation's leading space counts
        current.append(char)
        size += width
    pieces.append("".join(current))
    return (CRLF + " ").join(pieces)


def unfold(text: str) -> list[str]:
    """The content lines of ``text`` with folding undone (for tests and readers)."""
    return text.replace(CRLF + " ", "").replace(CRLF + "\t", "").split(CRLF)


@dataclass(frozen=True)
class Event:
    uid: str
    start: dt.datetime
    end: dt.datetime
    summary: str
    stamp: dt.datetime
    description: str = ""
    location: str = ""
    status: str = "CONFIRMED"  # CONFIRMED | TENTATIVE | CANCELLED
    sequence: int = 0
    last_modified: dt.datetime | None = None
    url: str = ""

    def lines(self) -> list[str]:
        lines = [
            "BEGIN:VEVENT",
            f"UID:{escape_text(self.uid)}",
            f"DTSTAMP:{utc_stamp(self.stamp)}",
            f"DTSTART:{utc_stamp(self.start)}",
            f"DTEND:{utc_stamp(self.end)}",
            f"SUMMARY:{escape_text(self.summary)}",
            f"STATUS:{self.status}",
            f"SEQUENCE:{self.sequence}",
        ]
        if self.location:
            lines.append(f"LOCATION:{escape_text(self.location)}")
        if self.description:
            lines.append(f"DESCRIPTION:{escape_text(self.description)}")
        if self.last_modified is not None:
            lines.append(f"LAST-MODIFIED:{utc_stamp(self.last_modified)}")
        if self.url:
            lines.append(f"URL:{self.url}")
        lines.append("TRANSP:OPAQUE")
        lines.append("END:VEVENT")
        return lines


def calendar(
    events: Iterable[Event],
    *,
    name: str = "",
    method: str = "",
    refresh_minutes: int | None = None,
) -> str:
    """A VCALENDAR holding ``events``, folded, CRLF line ends (also after the last line)."""
    lines: list[str] = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{PRODID}", "CALSCALE:GREGORIAN"]
    if method:
        lines.append(f"METHOD:{method}")
    if name:
        lines.append(f"X-WR-CALNAME:{escape_text(name)}")
    if refresh_minutes:
        # RFC 7986 5.7; X-PUBLISHED-TTL is what older clients read.
        lines.append(f"REFRESH-INTERVAL;VALUE=DURATION:PT{refresh_minutes}M")
        lines.append(f"X-PUBLISHED-TTL:PT{refresh_minutes}M")
    for event in events:
        lines.extend(event.lines())
    lines.append("END:VCALENDAR")
    return CRLF.join(fold(line) for line in lines) + CRLF


def parse_events(text: str) -> Sequence[dict[str, str]]:
    """The VEVENTs of ``text`` as property -> raw value maps (parameters dropped). Enough to
    check what we write; not a general iCalendar reader."""
    events: list[dict[str, str]] = []
    current: dict[str, str] | None = None
    for line in unfold(text):
        if line == "BEGIN:VEVENT":
            current = {}
        elif line == "END:VEVENT" and current is not None:
            events.append(current)
            current = None
        elif current is not None and ":" in line:
            name, value = line.split(":", 1)
            current[name.split(";", 1)[0]] = value
    return events
