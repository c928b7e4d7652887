"""A course of IMS: n appointments every k weeks at the same wall-clock time, all or none.

``course_plan`` reports every time with its conflicts and free alternatives that day
(nothing is written: the page shows it as the confirmation step, the API as
``dry_run``); ``course_book`` books every time in one transaction or, if any is taken,
none (HTTP 409 listing each conflict).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from imsclinic.accounts.models import User
from imsclinic.core.actors import Actor
from imsclinic.core.audit import audit_record
from imsclinic.core.errors import FieldProblem, Problems, ValidationProblem
from imsclinic.core.permissions import STAFF, require_role
from imsclinic.patients.models import Patient
from imsclinic.scheduling import notify, slots
from imsclinic.scheduling.actions.booking import (
    FUTURE_DAYS,
    PAST_DAYS,
    BookingConflict,
    Conflict,
    default_location,
    hard_conflicts,
    insert_guarded,
    local_label,
    lock_patient,
    lock_practitioners,
    resolve_location,
    resolve_practitioner,
    resolve_type,
    soft_conflicts,
    source_of,
)
from imsclinic.scheduling.config import settings_for
from imsclinic.scheduling.events import appointment_booked
from imsclinic.scheduling.models import Appointment, AppointmentType, Course, Location
from imsclinic.scheduling.schemas import CourseIn
from imsclinic.scheduling.selectors import ScheduleFacts, schedule_facts
from imsclinic.scheduling.times import BadLocalTime, check_year, to_local, to_utc, weekly, zone

MAX_COUNT = 52
MAX_EVERY_WEEKS = 4
SUGGESTIONS = 4


@dataclass
class Occurrence:
    index: int
    local: dt.datetime  # wall-clock
    start: dt.datetime | None  # UTC; None when the wall-clock time does not exist
    end: dt.datetime | None
    conflicts: list[Conflict]
    suggestions: list[dt.datetime]

    @property
    def ok(self) -> bool:
        return not self.conflicts

    @property
    def hard(self) -> bool:
        return any(c.hard for c in self.conflicts)


@dataclass
class CoursePlan:
    patient: Patient
    practitioner: User
    appointment_type: AppointmentType
    location: Location | None
    tz: ZoneInfo
    occurrences: list[Occurrence]

    @property
    def conflicts(self) -> list[Conflict]:
        return [c for o in self.occurrences for c in o.conflicts]

    @property
    def hard_conflicts(self) -> list[Conflict]:
        return [c for c in self.conflicts if c.hard]


def _wall_clock(value: dt.datetime, tz: ZoneInfo) -> dt.datetime:
    check_year(value)
    if value.tzinfo is None or value.utcoffset() is None:
        return value.replace(second=0, microsecond=0)
    return to_local(value, tz).replace(second=0, microsecond=0)


def _validate(actor: Actor, data: CourseIn) -> tuple[User, AppointmentType, Location | None]:
    problems = Problems()
    practitioner = resolve_practitioner(actor.clinic, data.practitioner_id, problems)
    atype = resolve_type(actor.clinic, data.appointment_type_id, problems)
    location = resolve_location(actor.clinic, data.location_id, problems)
    if data.starts is None:
        if not 1 <= data.count <= MAX_COUNT:
            problems.add("count", "out_of_range", f"A course has 1 to {MAX_COUNT} appointments.")
        if not 1 <= data.every_weeks <= MAX_EVERY_WEEKS:
            problems.add("every_weeks", "out_of_range", f"Book every 1 to {MAX_EVERY_WEEKS} weeks.")
    elif not data.starts:
        problems.add("starts", "required", "Give at least one time, or leave 'starts' out.")
    problems.raise_if_any()
    assert practitioner is not None and atype is not None
    return practitioner, atype, location


def _suggest(
    facts: ScheduleFacts,
    practitioner_id: int,
    patient_busy: list[slots.Interval],
    wanted: dt.datetime,
    day: dt.date,
    minutes: int,
    step: int,
) -> list[dt.datetime]:
    """Free starts on ``day`` nearest the wanted time (the patient's other bookings too)."""
    day_openings = [
        o
        for o in facts.openings.get(practitioner_id, ())
        if o.start.astimezone(facts.tz).date() == day
    ]
    free = slots.free_slots(
        day_openings,
        [*facts.blocked(practitioner_id), *patient_busy],
        minutes=minutes,
        step_minutes=step,
        tz=facts.tz,
    )
    free.sort(key=lambda s: abs((s.start - wanted).total_seconds()))
    return sorted(s.start for s in free[:SUGGESTIONS])


def _check_window(wall: list[dt.datetime], tz: ZoneInfo) -> None:
    """The same window as single bookings: a week back to two years ahead."""
    now = timezone.now()
    first = wall[0].replace(tzinfo=tz)
    last = max(wall).replace(tzinfo=tz)
    problems = Problems()
    if first < now - dt.timedelta(days=PAST_DAYS):
        problems.add(
            "first_start",
            "too_far_back",
            f"A course can start at most {PAST_DAYS} days back; check the date.",
        )
    if last > now + dt.timedelta(days=FUTURE_DAYS):
        problems.add(
            "count",
            "too_far_ahead",
            "The course would run more than two years ahead; book fewer times.",
        )
    problems.raise_if_any()


def plan(actor: Actor, patient: Patient, data: CourseIn) -> CoursePlan:
    practitioner, atype, location = _validate(actor, data)
    config = settings_for(actor.clinic)
    tz = zone(config.time_zone)
    try:
        if data.starts is not None:
            wall = [_wall_clock(s, tz) for s in data.starts]
        else:
            wall = weekly(_wall_clock(data.first_start, tz), data.count, data.every_weeks, tz)
    except BadLocalTime as exc:
        field = "starts" if data.starts is not None else "first_start"
        raise ValidationProblem([FieldProblem(field, "out_of_range", str(exc))]) from None
    _check_window(wall, tz)
    length = dt.timedelta(minutes=atype.minutes)
    facts = schedule_facts(
        actor.clinic,
        [practitioner.pk],
        min(w.date() for w in wall) - dt.timedelta(days=1),
        max(w.date() for w in wall) + dt.timedelta(days=1),
        tz=tz,
    )
    occurrences: list[Occurrence] = []
    placed: list[tuple[int, slots.Interval]] = []
    for index, local in enumerate(wall):
        try:
            start = to_utc(local, tz)
        except BadLocalTime as exc:
            occurrences.append(
                Occurrence(
                    index, local, None, None, [Conflict("nonexistent_time", str(exc), index)], []
                )
            )
            continue
        end = start + length
        conflicts = hard_conflicts(
            actor.clinic, practitioner, patient.pk, start, end, tz, index=index
        )
        for other_index, other in placed:
            if slots.overlaps((start, end), other):
                conflicts.append(
                    Conflict(
                        "course_overlap",
                        f"Time {index + 1} overlaps time {other_index + 1} of this course.",
                        index,
                        None,
                        start,
                        end,
                    )
                )
        if not any(c.hard for c in conflicts):
            conflicts.extend(soft_conflicts(facts, practitioner, start, end, index=index))
        suggestions: list[dt.datetime] = []
        if conflicts:
            busy = [
                (c.starts_at, c.ends_at)
                for c in conflicts
                if c.kind == "patient_overlap" and c.starts_at and c.ends_at
            ]
            suggestions = _suggest(
                facts,
                practitioner.pk,
                busy,
                start,
                local.date(),
                atype.minutes,
                config.slot_step_minutes,
            )
        placed.append((index, (start, end)))
        occurrences.append(Occurrence(index, local, start, end, conflicts, suggestions))
    return CoursePlan(patient, practitioner, atype, location, tz, occurrences)


def course_plan(*, actor: Actor, patient: Patient, data: CourseIn) -> CoursePlan:
    """Every time of the course with its conflicts; writes nothing."""
    require_role(actor, STAFF)
    return plan(actor, patient, data)


@transaction.atomic
def course_book(
    *, actor: Actor, patient: Patient, data: CourseIn
) -> tuple[Course, list[Appointment]]:
    """Book every time of the course, or none."""
    require_role(actor, STAFF)
    if patient.archived_at is not None:
        raise ValidationProblem(
            [
                FieldProblem(
                    "patient_id", "archived", "This patient's record is archived; restore it first."
                )
            ]
        )
    practitioner, _, _ = _validate(actor, data)
    lock_practitioners([practitioner.pk])
    lock_patient(patient.pk)
    result = plan(actor, patient, data)  # under the locks: what it finds free stays free
    if result.hard_conflicts:
        raise BookingConflict(result.hard_conflicts)
    soft = result.conflicts
    if soft and not data.allow_outside_hours:
        raise ValidationProblem(
            [
                FieldProblem(
                    f"starts.{c.index}",
                    c.kind,
                    f"Time {(c.index or 0) + 1}: {c.message} Tick 'Book outside working hours' "
                    "to book it anyway.",
                )
                for c in soft
            ]
        )
    atype = result.appointment_type
    course = Course.objects.create(
        clinic=actor.clinic,
        patient=patient,
        practitioner=practitioner,
        appointment_type=atype,
        count=len(result.occurrences),
        every_weeks=data.every_weeks if data.starts is None else 1,
        booked_by=actor.user,
    )
    facts = schedule_facts(
        actor.clinic,
        [practitioner.pk],
        min(o.local.date() for o in result.occurrences),
        max(o.local.date() for o in result.occurrences),
        tz=result.tz,
    )
    appointments = []
    for occurrence in result.occurrences:
        assert occurrence.start is not None and occurrence.end is not None
        appointment = Appointment(
            clinic=actor.clinic,
            patient=patient,
            practitioner=practitioner,
            appointment_type=atype,
            location=result.location
            or default_location(facts, practitioner.pk, occurrence.start, actor.clinic),
            course=course,
            starts_at=occurrence.start,
            ends_at=occurrence.end,
            note=data.note.strip(),
            source=source_of(actor),
            booked_by=actor.user,
        )
        insert_guarded(appointment, result.tz, practitioner)
        appointments.append(appointment)
    audit_record(
        actor=actor,
        action="create",
        patient_id=patient.pk,
        obj=course,
        detail=(
            f"{len(appointments)} x {atype.name} with practitioner {practitioner.pk}: "
            + ", ".join(local_label(a.starts_at, result.tz) for a in appointments)
        )[:500],
    )
    for appointment in appointments:
        audit_record(
            actor=actor,
            action="create",
            patient_id=patient.pk,
            obj=appointment,
            detail=f"course {course.pk}",
        )
        notify.schedule_reminders(appointment)
    if data.notify:
        notify.course(appointments)
    appointment_booked.send(sender=Appointment, actor=actor, appointment=appointments[0])
    return course, appointments
