"""FHIR search parameter values -> database filters, per source.

Each parameter answers, for one source, a ``Q`` (filter its rows), ``True`` (every row
matches) or ``False`` (no row of this source can match, so it is not queried at all).
Repeating a parameter ANDs; commas inside one value OR (FHIR search rules). A value the
server cannot read is a ``SearchError`` (HTTP 400 OperationOutcome naming the parameter).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import Q
from django.utils import timezone

from imsclinic.fhir.sources import Source, _field

Match = Q | bool


class SearchError(Exception):
    def __init__(self, parameter: str, message: str) -> None:
        super().__init__(message)
        self.parameter = parameter
        self.message = message


@dataclass(frozen=True)
class Param:
    name: str
    type: str  # token | reference | date | string (CapabilityStatement searchParam.type)
    documentation: str
    # (source, comma-separated values of one occurrence, modifier) -> Match
    apply: Callable[[Source, list[str], str], Match]
    modifiers: tuple[str, ...] = ()


def combine_or(matches: list[Match]) -> Match:
    """OR of the matches of one occurrence's comma-separated values."""
    if any(m is True for m in matches):
        return True
    qs = [m for m in matches if isinstance(m, Q)]
    if not qs:
        return False
    combined = qs[0]
    for q in qs[1:]:
        combined |= q
    return combined


def split_values(raw: str) -> list[str]:
    # A backslash escapes a comma inside a value (FHIR search, "Escaping Search Parameters").
    parts = re.split(r"(?<!\\),", raw)
    return [part.replace("\\,", ",") for part in parts]


# Dates ----------------------------------------------------------------------------------

_DATE = re.compile(
    r"^(?P<year>\d{4})(-(?P<month>\d{2})(-(?P<day>\d{2})"
    r"(T(?P<hour>\d{2}):(?P<minute>\d{2})(:(?P<second>\d{2})(\.(?P<fraction>\d{1,9}))?)?"
    r"(?P<zone>Z|[+-]\d{2}:\d{2})?)?)?)?$"
)
PREFIXES = ("eq", "ne", "gt", "lt", "ge", "le", "sa", "eb", "ap")


def parse_date_range(parameter: str, text: str) -> tuple[dt.datetime, dt.datetime]:
    """[low, high) of a FHIR date value at its own precision, as aware datetimes."""
    match = _DATE.match(text)
    if not match:
        raise SearchError(
            parameter,
            f"'{text}' is not a FHIR date: use YYYY, YYYY-MM, YYYY-MM-DD or "
            "YYYY-MM-DDThh:mm[:ss][Z|+hh:mm], optionally after a prefix (eq, ne, gt, lt, ge, le, sa, eb, ap).",
        )
    parts = match.groupdict()
    try:
        year = int(parts["year"])
        if parts["month"] is None:
            low = dt.datetime(year, 1, 1)
            high = dt.datetime(year + 1, 1, 1)
        elif parts["day"] is None:
            month = int(parts["month"])
            low = dt.datetime(year, month, 1)
            high = dt.datetime(year + month // 12, month % 12 + 1, 1)
        elif parts["hour"] is None:
            low = dt.datetime(year, int(parts["month"]), int(parts["day"]))
            high = low + dt.timedelta(days=1)
        else:
            low = dt.datetime(
                year,
                int(parts["month"]),
                int(parts["day"]),
                int(parts["hour"]),
                int(parts["minute"]),
                int(parts["second"] or 0),
                int((parts["fraction"] or "0")[:6].ljust(6, "0")),
            )
            step = dt.timedelta(seconds=1) if parts["second"] else dt.timedelta(minutes=1)
            if parts["fraction"]:
                step = dt.timedelta(microseconds=1)
            high = low + step
    except (ValueError, OverflowError):
        raise SearchError(parameter, f"'{text}' is not a real date.") from None
    zone = parts["zone"]
    if zone:
        tz = (
            dt.UTC
            if zone == "Z"
            else dt.timezone(
                dt.timedelta(hours=int(zone[1:3]), minutes=int(zone[4:6]))
                * (1 if zone[0] == "+" else -1)
            )
        )
        return low.replace(tzinfo=tz), high.replace(tzinfo=tz)
    current = timezone.get_current_timezone()
    return low.replace(tzinfo=current), high.replace(tzinfo=current)


# Searchable instants: a value beyond these matches like the calendar's end, and arithmetic
# on it (time zones, the 10% of 'ap') cannot overflow.
EARLIEST = dt.datetime(1, 1, 3, tzinfo=dt.UTC)
LATEST = dt.datetime(9999, 12, 29, tzinfo=dt.UTC)


def clamp_instant(value: dt.datetime) -> dt.datetime:
    try:
        return min(max(value, EARLIEST), LATEST)
    except OverflowError:  # comparing across an offset overflowed: the value is at an end
        return EARLIEST if value.year < 5000 else LATEST


def _local_date(value: dt.datetime, round_up: bool) -> dt.date:
    local = timezone.localtime(value)
    day = local.date()
    if round_up and local.time() != dt.time(0, 0):
        day += dt.timedelta(days=1)
    return day


def date_match(parameter: str, field: str, is_datetime: bool, raw: str) -> Q:
    """One date value (with its prefix) against a date or datetime field.

    The value is the range [low, high) its precision implies; a date field is the range of
    its day. gt/lt compare with the range ends, eq asks the target inside the range,
    ap widens the range by 10% of its distance from now (FHIR search, "date")."""
    prefix = raw[:2] if raw[:2] in PREFIXES else "eq"
    text = raw[2:] if raw[:2] in PREFIXES else raw
    low, high = (clamp_instant(v) for v in parse_date_range(parameter, text))
    if prefix == "ap":
        gap = abs(timezone.now() - low) * 0.1
        low = EARLIEST if low - EARLIEST <= gap else low - gap
        high = LATEST if LATEST - high <= gap else high + gap
    if is_datetime:
        lo: Any = low
        hi: Any = high
    else:
        lo, hi = _local_date(low, round_up=False), _local_date(high, round_up=True)
    ranges = {
        "eq": Q(**{f"{field}__gte": lo, f"{field}__lt": hi}),
        "ap": Q(**{f"{field}__gte": lo, f"{field}__lt": hi}),
        "gt": Q(**{f"{field}__gte": hi}),
        "sa": Q(**{f"{field}__gte": hi}),
        "ge": Q(**{f"{field}__gte": lo}),
        "lt": Q(**{f"{field}__lt": lo}),
        "eb": Q(**{f"{field}__lt": lo}),
        "le": Q(**{f"{field}__lt": hi}),
    }
    if prefix == "ne":
        return ~ranges["eq"] & Q(**{f"{field}__isnull": False})
    return ranges[prefix]


def is_datetime_field(source: Source, path: str) -> bool:
    return bool(_field(source.model, path).get_internal_type() == "DateTimeField")


def date_param(name: str, documentation: str, attribute: str = "date") -> Param:
    def apply(source: Source, values: list[str], modifier: str) -> Match:
        path = getattr(source, attribute)
        if path is None:
            return False
        dated = is_datetime_field(source, path)
        return combine_or([date_match(name, path, dated, value) for value in values])

    return Param(name, "date", documentation, apply)


# Tokens, references, strings ------------------------------------------------------------


def token(value: str) -> tuple[str | None, str]:
    """'system|code' -> (system, code); 'code' -> (None, code); '|code' -> ('', code)."""
    if "|" in value:
        system, code = value.split("|", 1)
        return system, code
    return None, value


def reference_id(parameter: str, value: str, resource_type: str) -> int:
    """The numeric id of a reference value: '12', 'Patient/12' or '<base>/Patient/12'."""
    text = value.rstrip("/")
    tail = text.rsplit("/", 2)
    if len(tail) >= 2 and tail[-2] != resource_type:
        raise SearchError(
            parameter, f"{parameter} refers to a {resource_type}: use {resource_type}/<id>."
        )
    ident = tail[-1]
    if not ident.isdigit() or len(ident) > 18:
        raise SearchError(
            parameter, f"'{value}' is not a {resource_type} id ({resource_type}/<number>)."
        )
    return int(ident)


def id_param() -> Param:
    def apply(source: Source, values: list[str], modifier: str) -> Match:
        pks = [pk for pk in (source.pk_of(v) for v in values) if pk is not None]
        return Q(pk__in=pks) if pks else False

    return Param("_id", "token", "Logical id (several: comma-separated).", apply)


def last_updated_param() -> Param:
    return date_param(
        "_lastUpdated",
        "When the resource last changed (meta.lastUpdated), with prefixes.",
        attribute="updated",
    )


def patient_param(name: str) -> Param:
    def apply(source: Source, values: list[str], modifier: str) -> Match:
        if source.patient is None:
            return False
        ids = [reference_id(name, v, "Patient") for v in values]
        return Q(**{f"{source.patient}__in": ids})

    return Param(name, "reference", "The patient (Patient/<id>).", apply)


def code_param(name: str, type_: str = "token", documentation: str = "") -> Param:
    def apply(source: Source, values: list[str], modifier: str) -> Match:
        if source.code is None:
            return False
        return combine_or([source.code(*token(value)) for value in values])

    return Param(
        name, type_, documentation or "Code ([system]|code; several comma-separated).", apply
    )


def field_param(
    name: str,
    type_: str,
    documentation: str,
    build: Callable[[str], Q],
    modifiers: tuple[str, ...] = (),
) -> Param:
    """A parameter of one resource type's own field(s): ``build(value)`` gives its filter."""

    def apply(source: Source, values: list[str], modifier: str) -> Match:
        return combine_or([build(value) for value in values if value != ""] or [False])

    return Param(name, type_, documentation, apply, modifiers)
