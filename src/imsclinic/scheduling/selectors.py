"""Reads of the calendar. Each takes the clinic (through the actor), so another clinic's
rows never appear; free time comes from scheduling/slots.py over rows fetched here in a
constant number of queries, whatever the number of practitioners or appointments.

Size: the calendar's reads over the same fetched rows (hours, breaks, time off,
appointments) that free time and the grid are computed from.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from django.db import connection
from django.db.models import Q, QuerySet

from imsclinic.accounts.models import Role, User
from imsclinic.core.actors import Actor
from imsclinic.core.errors import NotFound
from imsclinic.core.models import Clinic
from imsclinic.core.rawsql import quote
from imsclinic.core.tenancy import get_for_clinic
from imsclinic.patients.models import Patient
from imsclinic.patients.names import search_key
from imsclinic.scheduling import slots
from imsclinic.scheduling.config import settings_for, zone_for
from imsclinic.scheduling.models import (
    HOLDS_TIME,
    MAX_MINUTES,
    Appointment,
    AppointmentType,
    BookingRequest,
    Location,
    PractitionerProfile,
    TimeOff,
    WaitlistEntry,
    WaitlistOffer,
    WeeklyBreak,
    WorkingHours,
)
from imsclinic.scheduling.times import day_bounds

LOOK_BACK = dt.timedelta(minutes=MAX_MINUTES)


# Appointment rows for free time and the calendar: hand-written SQL. The ORM's per-value
# converters (SQLite parses each timestamp through them) cost more than the database's
# work for a busy week's 500 rows (make bench); these read the same columns directly.


_APPOINTMENT = quote(Appointment._meta.db_table)
_HOURS = quote(WorkingHours._meta.db_table)
_BREAKS = quote(WeeklyBreak._meta.db_table)
_TIME_OFF = quote(TimeOff._meta.db_table)


def _utc_reader() -> Callable[[Any], dt.datetime | None]:
    if connection.vendor == "sqlite":
        parse = dt.datetime.fromisoformat
        utc = dt.UTC

        def read(value: Any) -> dt.datetime | None:
            return None if value is None else parse(value).replace(tzinfo=utc)

        return read
    return lambda value: value  # psycopg: aware, in UTC


def _time_reader() -> Callable[[Any], dt.time]:
    if connection.vendor == "sqlite":
        return dt.time.fromisoformat
    return lambda value: value  # psycopg: datetime.time


def _tm(column: str) -> str:
    return f"CAST({column} AS TEXT)" if connection.vendor == "sqlite" else column


def _ts(column: str) -> str:
    """A timestamp column as the driver should return it. SQLite: as text, which
    ``datetime.fromisoformat`` parses in C (the driver's declared-type converter is a
    Python function per value)."""
    return f"CAST({column} AS TEXT)" if connection.vendor == "sqlite" else column


def _in(values: Sequence[object]) -> str:
    return ", ".join(["%s"] * len(values))


def _window(start: dt.datetime, end: dt.datetime) -> list[Any]:
    adapt = connection.ops.adapt_datetimefield_value
    return [adapt(end), adapt(start - LOOK_BACK), adapt(start)]


def _busy_rows(
    clinic_id: int, practitioner_ids: Sequence[int], start: dt.datetime, end: dt.datetime
) -> list[tuple[int, int, dt.datetime, dt.datetime]]:
    """(id, practitioner, start, end) of the time-holding appointments meeting [start, end)."""
    if not practitioner_ids:
        return []
    sql = (
        f"SELECT id, practitioner_id, {_ts('starts_at')}, {_ts('ends_at')} FROM {_APPOINTMENT} "  # noqa: S608
        f"WHERE clinic_id = %s AND practitioner_id IN ({_in(practitioner_ids)}) "
        f"AND status IN ({_in(HOLDS_TIME)}) AND starts_at < %s AND starts_at >= %s AND ends_at > %s"
    )
    read = _utc_reader()
    with connection.cursor() as cursor:
        cursor.execute(sql, [clinic_id, *practitioner_ids, *HOLDS_TIME, *_window(start, end)])
        return [(pk, pid, read(a), read(b)) for pk, pid, a, b in cursor.fetchall()]  # type: ignore[misc]


# Clinic set-up ---------------------------------------------------------------------------


def practitioners(clinic: Clinic) -> list[User]:
    """The clinic's active practitioners, in calendar order."""
    return list(
        User.objects.filter(clinic=clinic, is_active=True, role=Role.PRACTITIONER).order_by(
            "last_name", "first_name", "id"
        )
    )


def practitioner_get(clinic: Clinic, practitioner_id: object) -> User:
    practitioner = get_for_clinic(
        User.objects.filter(is_active=True), clinic, practitioner_id, "Practitioner"
    )
    if practitioner.role not in (Role.PRACTITIONER, Role.ADMIN):
        raise NotFound(f"Practitioner {practitioner_id} not found.")
    return practitioner


def appointment_types(clinic: Clinic, *, include_inactive: bool = False) -> list[AppointmentType]:
    types = AppointmentType.objects.filter(clinic=clinic)
    if not include_inactive:
        types = types.filter(active=True)
    return list(types)


def locations(clinic: Clinic, *, include_inactive: bool = False) -> list[Location]:
    found = Location.objects.filter(clinic=clinic)
    if not include_inactive:
        found = found.filter(active=True)
    return list(found)


def profiles(clinic: Clinic) -> dict[int, PractitionerProfile]:
    return {p.practitioner_id: p for p in PractitionerProfile.objects.filter(clinic=clinic)}


def online_practitioners(clinic: Clinic) -> list[User]:
    ids = set(
        PractitionerProfile.objects.filter(clinic=clinic, bookable_online=True).values_list(
            "practitioner_id", flat=True
        )
    )
    return [p for p in practitioners(clinic) if p.pk in ids]


def weekly_schedule(
    clinic: Clinic, practitioner: User
) -> tuple[list[WorkingHours], list[WeeklyBreak]]:
    hours = list(
        WorkingHours.objects.filter(clinic=clinic, practitioner=practitioner).select_related(
            "location"
        )
    )
    breaks = list(WeeklyBreak.objects.filter(clinic=clinic, practitioner=practitioner))
    return hours, breaks


def time_off_list(clinic: Clinic, practitioner: User, *, since: dt.datetime) -> list[TimeOff]:
    return list(
        TimeOff.objects.filter(
            clinic=clinic, practitioner=practitioner, ends_at__gt=since
        ).order_by("starts_at")
    )


# Free time ------------------------------------------------------------------------------


@dataclass
class ScheduleFacts:
    """Everything free time depends on, for some practitioners over some days."""

    tz: ZoneInfo
    first_day: dt.date
    last_day: dt.date
    openings: dict[int, list[slots.Opening]]
    time_off: dict[int, list[slots.Interval]]
    breaks: dict[int, list[slots.Interval]]
    busy: dict[int, list[slots.Interval]]
    _blocked: dict[int, list[slots.Interval]] = field(default_factory=dict)

    def blocked(self, practitioner_id: int) -> list[slots.Interval]:
        """Appointments and time off of one practitioner, merged and sorted."""
        cached = self._blocked.get(practitioner_id)
        if cached is None:
            cached = self._blocked[practitioner_id] = slots.merge(
                [*self.busy.get(practitioner_id, ()), *self.time_off.get(practitioner_id, ())]
            )
        return cached


def schedule_facts(
    clinic: Clinic,
    practitioner_ids: Sequence[int],
    first_day: dt.date,
    last_day: dt.date,
    *,
    tz: ZoneInfo | None = None,
    exclude_appointment: int | None = None,
    with_appointments: bool = True,
) -> ScheduleFacts:
    """Openings, time off, breaks and time-holding appointments: four queries."""
    tz = tz or zone_for(clinic)
    start, _ = day_bounds(first_day, tz)
    _, end = day_bounds(last_day, tz)
    shifts: dict[int, list[slots.Shift]] = defaultdict(list)
    weekly: dict[int, list[slots.WeeklyBlock]] = defaultdict(list)
    time_off: dict[int, list[slots.Interval]] = defaultdict(list)
    if practitioner_ids:
        marks = _in(practitioner_ids)
        read_time = _time_reader()
        read = _utc_reader()
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT practitioner_id, weekday, {_tm('starts')}, {_tm('ends')}, location_id "  # noqa: S608
                f"FROM {_HOURS} WHERE clinic_id = %s AND practitioner_id IN ({marks})",
                [clinic.pk, *practitioner_ids],
            )
            for pid, weekday, starts, ends, location_id in cursor.fetchall():
                shifts[pid].append(
                    slots.Shift(weekday, read_time(starts), read_time(ends), location_id)
                )
            cursor.execute(
                f"SELECT practitioner_id, weekday, {_tm('starts')}, {_tm('ends')} "  # noqa: S608
                f"FROM {_BREAKS} WHERE clinic_id = %s AND practitioner_id IN ({marks})",
                [clinic.pk, *practitioner_ids],
            )
            for pid, weekday, starts, ends in cursor.fetchall():
                weekly[pid].append(slots.WeeklyBlock(weekday, read_time(starts), read_time(ends)))
            adapt = connection.ops.adapt_datetimefield_value
            cursor.execute(
                f"SELECT practitioner_id, {_ts('starts_at')}, {_ts('ends_at')} FROM {_TIME_OFF} "  # noqa: S608
                f"WHERE clinic_id = %s AND practitioner_id IN ({marks}) AND starts_at < %s AND ends_at > %s",
                [clinic.pk, *practitioner_ids, adapt(end), adapt(start)],
            )
            for pid, off_start, off_end in cursor.fetchall():
                time_off[pid].append((read(off_start), read(off_end)))  # type: ignore[arg-type]
    busy: dict[int, list[slots.Interval]] = defaultdict(list)
    rows = _busy_rows(clinic.pk, practitioner_ids, start, end) if with_appointments else []
    for pk, pid, a_start, a_end in rows:
        if pk != exclude_appointment:
            busy[pid].append((a_start, a_end))
    openings: dict[int, list[slots.Opening]] = {}
    breaks: dict[int, list[slots.Interval]] = {}
    for pid in practitioner_ids:
        openings[pid] = slots.openings(
            first_day, last_day, shifts.get(pid, []), weekly.get(pid, []), tz
        )
        breaks[pid] = _break_intervals(first_day, last_day, weekly.get(pid, []), tz)
    return ScheduleFacts(tz, first_day, last_day, openings, dict(time_off), breaks, dict(busy))


def _break_intervals(
    first: dt.date, last: dt.date, blocks: Iterable[slots.WeeklyBlock], tz: ZoneInfo
) -> list[slots.Interval]:
    as_shifts = [slots.Shift(b.weekday, b.starts, b.ends) for b in blocks]
    return [(o.start, o.end) for o in slots.openings(first, last, as_shifts, [], tz)]


def availability(
    clinic: Clinic,
    practitioner_ids: Sequence[int],
    first_day: dt.date,
    last_day: dt.date,
    *,
    minutes: int,
    not_before: dt.datetime | None = None,
    not_after: dt.datetime | None = None,
) -> dict[int, list[slots.Slot]]:
    """Bookable starts of ``minutes`` for each practitioner over the local days
    ``first_day``..``last_day``: working hours minus breaks, time off and appointments."""
    config = settings_for(clinic)
    facts = schedule_facts(clinic, practitioner_ids, first_day, last_day)
    return {
        pid: slots.free_slots(
            facts.openings[pid],
            facts.blocked(pid),
            minutes=minutes,
            step_minutes=config.slot_step_minutes,
            tz=facts.tz,
            not_before=not_before,
            not_after=not_after,
        )
        for pid in practitioner_ids
    }


# Appointments ---------------------------------------------------------------------------


def _appointments(clinic: Clinic) -> QuerySet[Appointment]:
    return Appointment.objects.filter(clinic=clinic).select_related(
        "patient", "practitioner", "appointment_type", "location"
    )


def appointment_get(*, actor: Actor, appointment_id: object) -> Appointment:
    return get_for_clinic(_appointments(actor.clinic), actor.clinic, appointment_id, "Appointment")


def appointments_between(
    *,
    actor: Actor,
    start: dt.datetime,
    end: dt.datetime,
    practitioner_id: int | None = None,
    include_cancelled: bool = False,
) -> list[Appointment]:
    found = _appointments(actor.clinic).filter(
        starts_at__lt=end, starts_at__gte=start - LOOK_BACK, ends_at__gt=start
    )
    if practitioner_id is not None:
        found = found.filter(practitioner_id=practitioner_id)
    if not include_cancelled:
        found = found.exclude(status=Appointment.Status.CANCELLED)
    return list(found.order_by("starts_at", "id"))


def patient_appointments(*, actor: Actor, patient_id: int, since: dt.datetime) -> list[Appointment]:
    return list(
        _appointments(actor.clinic)
        .filter(patient_id=patient_id, starts_at__gte=since)
        .order_by("starts_at", "id")
    )


class CalendarEntry(NamedTuple):
    """One appointment as the calendar draws it (plain values, no model instances; a tuple,
    cheap to build 500 times)."""

    id: int
    practitioner_id: int
    start: dt.datetime
    end: dt.datetime
    status: str
    patient_name: str
    type_name: str
    confirmed: bool
    source: str
    course_id: int | None
    session_id: int | None
    held: bool


@dataclass
class CalendarData:
    tz: ZoneInfo
    days: list[dt.date]
    practitioners: list[User]
    facts: ScheduleFacts
    entries: dict[tuple[int, dt.date], list[CalendarEntry]] = field(default_factory=dict)


def _calendar_rows(
    clinic_id: int, practitioner_ids: Sequence[int], start: dt.datetime, end: dt.datetime
) -> list[tuple[Any, ...]]:
    if not practitioner_ids:
        return []
    sql = (
        f"SELECT a.id, a.practitioner_id, {_ts('a.starts_at')}, {_ts('a.ends_at')}, a.status, "  # noqa: S608
        "a.patient_id, p.family_name, p.given_name, t.name, a.confirmed_at IS NOT NULL, a.source, "
        "a.course_id, a.session_id "
        f"FROM {_APPOINTMENT} a "
        f"LEFT JOIN {quote(Patient._meta.db_table)} p ON p.id = a.patient_id "
        f"LEFT JOIN {quote(AppointmentType._meta.db_table)} t ON t.id = a.appointment_type_id "
        f"WHERE a.clinic_id = %s AND a.practitioner_id IN ({_in(practitioner_ids)}) "
        "AND a.status <> %s AND a.starts_at < %s AND a.starts_at >= %s AND a.ends_at > %s "
        "ORDER BY a.starts_at, a.id"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            [
                clinic_id,
                *practitioner_ids,
                Appointment.Status.CANCELLED.value,
                *_window(start, end),
            ],
        )
        return cursor.fetchall()


def calendar(
    *,
    actor: Actor,
    days: Sequence[dt.date],
    practitioner_ids: Sequence[int] | None = None,
    people: list[User] | None = None,
) -> CalendarData:
    """Appointments, openings, breaks and time off for the calendar's days and columns.
    A constant number of queries for any number of appointments (pinned by tests)."""
    tz = zone_for(actor.clinic)
    people = practitioners(actor.clinic) if people is None else people
    if practitioner_ids:
        wanted = set(practitioner_ids)
        people = [p for p in people if p.pk in wanted]
    ids = [p.pk for p in people]
    first, last = min(days), max(days)
    # The calendar's own rows give the busy times: no second read of the appointments.
    facts = schedule_facts(actor.clinic, ids, first, last, tz=tz, with_appointments=False)
    start, _ = day_bounds(first, tz)
    _, end = day_bounds(last, tz)
    rows = _calendar_rows(actor.clinic.pk, ids, start, end)
    data = CalendarData(tz=tz, days=list(days), practitioners=people, facts=facts)
    read = _utc_reader()
    for (
        pk,
        pid,
        a_start,
        a_end,
        status,
        patient_id,
        family,
        given,
        type_name,
        confirmed_at,
        source,
        course_id,
        session_id,
    ) in rows:
        held = patient_id is None
        starts = read(a_start)
        assert starts is not None
        entry = CalendarEntry(
            id=pk,
            practitioner_id=pid,
            start=starts,
            end=read(a_end),  # type: ignore[arg-type]
            status=status,
            patient_name="Online request (unconfirmed)" if held else f"{family}, {given}",
            type_name=type_name or "Appointment",
            confirmed=bool(confirmed_at),
            source=source,
            course_id=course_id,
            session_id=session_id,
            held=held,
        )
        data.entries.setdefault((pid, starts.astimezone(tz).date()), []).append(entry)
        if status in HOLDS_TIME:
            facts.busy.setdefault(pid, []).append((entry.start, entry.end))
    return data


@dataclass(frozen=True)
class TodayRow:
    appointment: Appointment
    label: str  # Due | Arrived | Done | No-show
    local_start: dt.datetime
    session_signed: bool

    @property
    def css(self) -> str:
        return self.label.lower().replace("-", "")

    @property
    def arrivable(self) -> bool:
        """The front desk may mark arrival from two hours before (appointment_set_status)."""
        return dt.datetime.now(dt.UTC) >= self.appointment.starts_at - dt.timedelta(hours=2)


@dataclass(frozen=True)
class TodayBoard:
    day: dt.date
    rows: list[TodayRow]
    held_requests: int

    def count(self, label: str) -> int:
        return sum(1 for row in self.rows if row.label == label)

    @property
    def due(self) -> int:
        return self.count("Due")

    @property
    def arrived(self) -> int:
        return self.count("Arrived")

    @property
    def done(self) -> int:
        return self.count("Done")


_TODAY_LABELS = {
    Appointment.Status.BOOKED: "Due",
    Appointment.Status.ARRIVED: "Arrived",
    Appointment.Status.COMPLETED: "Done",
    Appointment.Status.NO_SHOW: "No-show",
}


def today(*, actor: Actor, day: dt.date) -> list[TodayRow]:
    """The day's appointments (not cancelled) with who is due, arrived, done: one query."""
    tz = zone_for(actor.clinic)
    start, end = day_bounds(day, tz)
    found = (
        _appointments(actor.clinic)
        .select_related("session")
        .filter(starts_at__gte=start, starts_at__lt=end)
        .exclude(status=Appointment.Status.CANCELLED)
        .order_by("starts_at", "practitioner__last_name", "id")
    )
    return [
        TodayRow(
            appointment=a,
            label=_TODAY_LABELS.get(a.status, a.get_status_display()),  # type: ignore[call-overload]
            local_start=a.starts_at.astimezone(tz),
            session_signed=a.session is not None and a.session.signed_at is not None,
        )
        for a in found
    ]


def today_board(*, actor: Actor) -> TodayBoard:
    """Today in the clinic's zone: who is due, arrived, done; online requests waiting."""
    tz = zone_for(actor.clinic)
    day = dt.datetime.now(tz).date()
    held = BookingRequest.objects.filter(
        clinic=actor.clinic, status=BookingRequest.Status.PENDING
    ).count()
    return TodayBoard(day=day, rows=today(actor=actor, day=day), held_requests=held)


# Online requests, waitlist ----------------------------------------------------------------


def held_requests(*, actor: Actor) -> list[BookingRequest]:
    return list(
        BookingRequest.objects.filter(clinic=actor.clinic, status=BookingRequest.Status.PENDING)
        .select_related("appointment", "appointment__practitioner", "appointment__appointment_type")
        .order_by("appointment__starts_at", "id")
    )


def booking_request_for(*, actor: Actor, appointment: Appointment) -> BookingRequest | None:
    return BookingRequest.objects.filter(clinic=actor.clinic, appointment=appointment).first()


def request_candidates(*, actor: Actor, request: BookingRequest) -> list[Patient]:
    """Records the front desk may mean: same date of birth, or same family name."""
    return list(
        Patient.objects.filter(clinic=actor.clinic, archived_at__isnull=True)
        .filter(
            Q(date_of_birth=request.date_of_birth)
            | Q(search_name__startswith=search_key(request.family_name) + " ")
        )
        .order_by("family_name", "given_name", "id")[:20]
    )


def waitlist(*, actor: Actor) -> list[WaitlistEntry]:
    return list(
        WaitlistEntry.objects.filter(clinic=actor.clinic, status=WaitlistEntry.Status.ACTIVE)
        .select_related("patient", "appointment_type", "practitioner", "current_appointment")
        .order_by("earliest", "created_at", "id")
    )


def waitlist_entry_get(*, actor: Actor, entry_id: object) -> WaitlistEntry:
    return get_for_clinic(WaitlistEntry.objects.all(), actor.clinic, entry_id, "Waitlist entry")


def recent_offers(*, actor: Actor, limit: int = 30) -> list[WaitlistOffer]:
    return list(
        WaitlistOffer.objects.filter(clinic=actor.clinic)
        .select_related("entry", "entry__patient", "practitioner")
        .order_by("-created_at", "-id")[:limit]
    )


def chart_values(*, actor: Actor, patient: Patient, appointment_id: object) -> dict[str, str]:
    """Session-form values for charting from an appointment of this patient (else none)."""
    try:
        pk = int(str(appointment_id))
    except ValueError:
        return {}
    appointment = (
        Appointment.objects.filter(clinic=actor.clinic, pk=pk, patient=patient)
        .select_related("appointment_type")
        .first()
    )
    if appointment is None:
        return {}
    local = appointment.starts_at.astimezone(zone_for(actor.clinic))
    type_name = appointment.appointment_type.name if appointment.appointment_type else "Appointment"
    return {
        "appointment_id": str(appointment.pk),
        "session_date": local.date().isoformat(),
        "appointment_label": f"{type_name}, {local:%a} {local.day} {local:%b %H:%M}",
    }


def appointments_for_course(*, actor: Actor, course_id: int) -> list[Appointment]:
    return list(_appointments(actor.clinic).filter(course_id=course_id).order_by("starts_at", "id"))
