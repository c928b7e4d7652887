"""RFC 5545 writing: CRLF, folding at 75 octets without splitting characters, escaping,
UTC times, UID and DTSTAMP on every event."""

from __future__ import annotations

import datetime as dt
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from imsclinic.scheduling import ical

STAMP = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)


def event(**overrides):
    values = {
        "uid": "appointment-7@bow-river.imsclinic",
        "start": dt.datetime(2026, 3, 3, 16, 0, tzinfo=dt.UTC),
        "end": dt.datetime(2026, 3, 3, 16, 30, tzinfo=dt.UTC),
        "summary": "IMS treatment",
        "stamp": STAMP,
    }
    values.update(overrides)
    return ical.Event(**values)


@settings(max_examples=300, deadline=None)
@given(st.text(min_size=0, max_size=400))
def test_folding_keeps_lines_short_and_unfolds_to_the_original(text):
    line = "DESCRIPTION:" + ical.escape_text(text)
    folded = ical.fold(line)
    pieces = folded.split("\r\n")
    assert all(len(piece.encode()) <= 75 for piece in pieces)
    assert all(piece.startswith(" ") for piece in pieces[1:])
    assert ical.unfold(folded) == [line]


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_escaping_round_trips(text):
    escaped = ical.escape_text(text)
    assert "\n" not in escaped and "\r" not in escaped
    assert re.search(r"(?<!\\)(\\\\)*[;,]", escaped) is None  # every ; and , escaped
    unescaped = re.sub(r"\\(.)", lambda m: "\n" if m.group(1) == "n" else m.group(1), escaped)
    assert unescaped == text.replace("\r\n", "\n").replace("\r", "\n")


def test_a_calendar_is_crlf_throughout_with_the_required_properties():
    text = ical.calendar(
        [event(summary="Lindqvist, Maren; IMS\nL5")], name="Alex Morgan", method="PUBLISH"
    )
    assert text.endswith("\r\n")
    assert "\n" not in text.replace("\r\n", "")
    lines = ical.unfold(text)
    assert lines[:4] == [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{ical.PRODID}",
        "CALSCALE:GREGORIAN",
    ]
    assert "METHOD:PUBLISH" in lines and lines[-2] == "END:VCALENDAR"
    (parsed,) = ical.parse_events(text)
    assert parsed["UID"] == "appointment-7@bow-river.imsclinic"
    assert parsed["DTSTAMP"] == "20260301T120000Z"
    assert parsed["DTSTART"] == "20260303T160000Z" and parsed["DTEND"] == "20260303T163000Z"
    assert parsed["SUMMARY"] == "Lindqvist\\, Maren\\; IMS\\nL5"


def test_long_non_ascii_summaries_fold_between_characters():
    text = ical.calendar([event(summary="Évaluation IMS — " + "é" * 80)])
    for line in text.split("\r\n"):
        assert len(line.encode()) <= 75
        line.encode().decode()  # every piece is valid UTF-8 on its own
    assert ical.parse_events(text)[0]["SUMMARY"].endswith("é" * 80)


def test_times_must_be_aware():
    try:
        ical.utc_stamp(dt.datetime(2026, 3, 3, 9, 0))
    except ValueError as exc:
        assert "aware" in str(exc)
    else:
        raise AssertionError("a naive time was written")


def test_cancelled_events_keep_their_uid_with_a_higher_sequence():
    text = ical.calendar([event(status="CANCELLED", sequence=3)], method="CANCEL")
    (parsed,) = ical.parse_events(text)
    assert parsed["STATUS"] == "CANCELLED" and parsed["SEQUENCE"] == "3"
