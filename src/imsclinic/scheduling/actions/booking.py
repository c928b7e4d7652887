"""Booking, moving, cancelling and the day's statuses of single appointments.

No double booking, three layers deep:
1. the action locks the practitioner (PostgreSQL: a transaction-scoped advisory lock per
   practitioner; SQLite: the IMMEDIATE transaction already holds the one write lock),
   then looks for an overlapping appointment and names it (HTTP 409);
2. the database refuses an overlapping row from any writer (scheduling/guards.py);
3. a refusal by the database is turned into the same 409, naming the appointment.

Size: single-appointment writes share the lock, overlap check and conflict naming that
make double booking impossible; kept together so the three layers are read in one place.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from imsclinic.accounts.models import Role, User
from imsclinic.core.actors import Actor
from imsclinic.core.audit import audit_record
from imsclinic.core.errors import DomainError, NotFound, Problems, RuleViolation
from imsclinic.core.models import Clinic
from imsclinic.core.permissions import STAFF, require_role
from imsclinic.patients.models import Patient
from imsclinic.scheduling import notify, slots
from imsclinic.scheduling.config import settings_for
from imsclinic.scheduling.events import appointment_booked
from imsclinic.scheduling.guards import is_overlap_error
from imsclinic.scheduling.models import (
    HOLDS_TIME,
    MAX_MINUTES,
    Appointment,
    AppointmentType,
    BookingRequest,
    Location,
)
from imsclinic.scheduling.schemas import AppointmentIn, CancelIn, MoveIn
from imsclinic.scheduling.selectors import ScheduleFacts, schedule_facts
from imsclinic.scheduling.times import BadLocalTime, as_utc, local_date, zone

PAST_DAYS = 7  # staff may record a visit up to a week back
FUTURE_DAYS = 730
_LOCK_PRACTITIONER = 1_301
_LOCK_PATIENT = 1_302
Status = Appointment.Status


@dataclass(frozen=True)
class Conflict:
    kind: str  # overlap | patient_overlap | course_overlap | time_off | outside_hours | nonexistent_time
    message: str
    index: int | None = None
    appointment_id: int | None = None
    starts_at: dt.datetime | None = None
    ends_at: dt.datetime | None = None

    @property
    def hard(self) -> bool:
        return self.kind in ("overlap", "patient_overlap", "course_overlap", "nonexistent_time")

    def as_dict(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "message": self.message,
            "index": self.index,
            "appointment_id": self.appointment_id,
            "starts_at": self.starts_at,
            "ends_at": self.ends_at,
        }


class BookingConflict(DomainError):
    """The time is taken: HTTP 409 naming every conflicting appointment."""

    status = 409
    code = "booking_conflict"

    def __init__(self, conflicts: Sequence[Conflict]) -> None:
        first = conflicts[0].message if conflicts else "That time is taken."
        more = f" (and {len(conflicts) - 1} more)" if len(conflicts) > 1 else ""
        super().__init__(first + more)
        self.conflicts = list(conflicts)

    def as_dict(self) -> dict[str, object]:
        data = super().as_dict()
        data["conflicts"] = [c.as_dict() for c in self.conflicts]
        return data


# Locks ---------------------------------------------------------------------------------


def lock_practitioners(ids: Iterable[int]) -> None:
    """Serialize bookings per practitioner until the transaction ends (sorted: no deadlock)."""
    if connection.vendor != "postgresql":
        return  # SQLite: the IMMEDIATE write transaction is already exclusive
    with connection.cursor() as cursor:
        for pid in sorted(set(ids)):
            cursor.execute(
                "SELECT pg_advisory_xact_lock(%s, %s)", [_LOCK_PRACTITIONER, pid % 2**31]
            )


def lock_patient(patient_id: int | None) -> None:
    if patient_id is None or connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_LOCK_PATIENT, patient_id % 2**31])


# Describing times and conflicts ----------------------------------------------------------


def local_label(moment: dt.datetime, tz: ZoneInfo) -> str:
    local = moment.astimezone(tz)
    return f"{local:%a} {local.day} {local:%b %Y %H:%M}"


def _who(appointment: Appointment) -> str:
    if appointment.patient_id is None:
        return "an online request"
    assert appointment.patient is not None
    return appointment.patient.display_name


def describe(appointment: Appointment, tz: ZoneInfo) -> str:
    local_end = appointment.ends_at.astimezone(tz)
    type_name = appointment.appointment_type.name if appointment.appointment_type else "appointment"
    return (
        f"{_who(appointment)} ({type_name}) {local_label(appointment.starts_at, tz)}-"
        f"{local_end:%H:%M} (appointment {appointment.pk})"
    )


def overlapping(
    clinic: Clinic,
    start: dt.datetime,
    end: dt.datetime,
    *,
    practitioner_id: int | None = None,
    patient_id: int | None = None,
    exclude: Iterable[int] = (),
) -> list[Appointment]:
    """Appointments holding time that overlap ``[start, end)`` for the practitioner or the
    patient. The look-back bound lets the (practitioner, starts_at) index serve it."""
    found = Appointment.objects.filter(
        clinic=clinic,
        status__in=HOLDS_TIME,
        starts_at__lt=end,
        ends_at__gt=start,
        starts_at__gte=start - dt.timedelta(minutes=MAX_MINUTES),
    ).select_related("patient", "appointment_type", "practitioner")
    if practitioner_id is not None:
        found = found.filter(practitioner_id=practitioner_id)
    if patient_id is not None:
        found = found.filter(patient_id=patient_id)
    excluded = list(exclude)
    if excluded:
        found = found.exclude(pk__in=excluded)
    return list(found.order_by("starts_at", "id"))


def hard_conflicts(
    clinic: Clinic,
    practitioner: User,
    patient_id: int | None,
    start: dt.datetime,
    end: dt.datetime,
    tz: ZoneInfo,
    *,
    exclude: Iterable[int] = (),
    index: int | None = None,
) -> list[Conflict]:
    excluded = list(exclude)
    conflicts = [
        Conflict(
            "overlap",
            f"{practitioner.display_name} already has {describe(a, tz)}.",
            index,
            a.pk,
            a.starts_at,
            a.ends_at,
        )
        for a in overlapping(clinic, start, end, practitioner_id=practitioner.pk, exclude=excluded)
    ]
    if patient_id is not None:
        conflicts.extend(
            Conflict(
                "patient_overlap",
                f"The patient already has an appointment then, with "
                f"{a.practitioner.display_name}: {describe(a, tz)}.",
                index,
                a.pk,
                a.starts_at,
                a.ends_at,
            )
            for a in overlapping(clinic, start, end, patient_id=patient_id, exclude=excluded)
            if a.practitioner_id != practitioner.pk
        )
    return conflicts


def soft_conflicts(
    facts: ScheduleFacts,
    practitioner: User,
    start: dt.datetime,
    end: dt.datetime,
    *,
    index: int | None = None,
) -> list[Conflict]:
    """Time off, breaks and hours the practitioner does not work: staff may book anyway."""
    tz = facts.tz
    when = local_label(start, tz)
    conflicts = []
    for off in facts.time_off.get(practitioner.pk, ()):
        if slots.overlaps((start, end), off):
            conflicts.append(
                Conflict(
                    "time_off",
                    f"{practitioner.display_name} is off from {local_label(off[0], tz)} to "
                    f"{local_label(off[1], tz)}.",
                    index,
                    None,
                    off[0],
                    off[1],
                )
            )
    if not conflicts:
        windows = [(o.start, o.end) for o in facts.openings.get(practitioner.pk, ())]
        if not slots.contained((start, end), windows):
            conflicts.append(
                Conflict(
                    "outside_hours",
                    f"{practitioner.display_name} does not work at {when} (outside working "
                    "hours or during a break).",
                    index,
                    None,
                    start,
                    end,
                )
            )
    return conflicts


def soft_refusal(conflicts: Sequence[Conflict], field: str = "starts_at") -> RuleViolation:
    return RuleViolation(
        f"{conflicts[0].message} To book anyway, tick 'Book outside working hours' "
        "(API: allow_outside_hours: true).",
        code=conflicts[0].kind,
        field=field,
    )


# Resolving inputs -----------------------------------------------------------------------


def resolve_patient(
    actor: Actor, patient_id: int, problems: Problems, field: str = "patient_id"
) -> Patient | None:
    patient = Patient.objects.filter(clinic=actor.clinic, pk=patient_id).first()
    if patient is None:
        problems.add(field, "unknown", "Choose a patient of this clinic.")
    elif patient.archived_at is not None:
        problems.add(
            field, "archived", "This patient's record is archived; restore it before booking."
        )
    return patient


def resolve_practitioner(
    clinic: Clinic, practitioner_id: int, problems: Problems, field: str = "practitioner_id"
) -> User | None:
    practitioner = User.objects.filter(
        clinic=clinic, pk=practitioner_id, is_active=True, role__in=(Role.PRACTITIONER, Role.ADMIN)
    ).first()
    if practitioner is None:
        problems.add(field, "unknown", "Choose a practitioner of this clinic.")
    return practitioner


def resolve_type(
    clinic: Clinic, type_id: int, problems: Problems, field: str = "appointment_type_id"
) -> AppointmentType | None:
    found = AppointmentType.objects.filter(clinic=clinic, pk=type_id, active=True).first()
    if found is None:
        problems.add(field, "unknown", "Choose one of the clinic's appointment types.")
    return found


def resolve_location(
    clinic: Clinic, location_id: int | None, problems: Problems, field: str = "location_id"
) -> Location | None:
    if location_id is None:
        return None
    found = Location.objects.filter(clinic=clinic, pk=location_id, active=True).first()
    if found is None:
        problems.add(field, "unknown", "Choose one of the clinic's locations (or leave it empty).")
    return found


def resolve_start(
    problems: Problems, field: str, value: dt.datetime, tz: ZoneInfo, *, check_window: bool = True
) -> dt.datetime | None:
    try:
        start = as_utc(value, tz)
    except BadLocalTime as exc:
        problems.add(field, "invalid_time", str(exc))
        return None
    start = start.replace(second=0, microsecond=0)
    if check_window:
        now = timezone.now()
        if start < now - dt.timedelta(days=PAST_DAYS):
            problems.add(
                field,
                "too_far_back",
                f"Appointments can be recorded up to {PAST_DAYS} days back; check the date.",
            )
        elif start > now + dt.timedelta(days=FUTURE_DAYS):
            problems.add(
                field, "too_far_ahead", "Appointments can be booked up to two years ahead."
            )
    return start


def check_time(
    clinic: Clinic,
    practitioner: User,
    patient_id: int | None,
    start: dt.datetime,
    end: dt.datetime,
    tz: ZoneInfo,
    *,
    allow_outside_hours: bool,
    exclude: Iterable[int] = (),
) -> ScheduleFacts:
    """Under the caller's locks: a 409 naming any overlapping appointment, then a 422 for
    time off or hours not worked unless allowed. Returns the day's schedule facts."""
    conflicts = hard_conflicts(clinic, practitioner, patient_id, start, end, tz, exclude=exclude)
    if conflicts:
        raise BookingConflict(conflicts)
    facts = schedule_facts(
        clinic, [practitioner.pk], local_date(start, tz), local_date(end, tz), tz=tz
    )
    soft = soft_conflicts(facts, practitioner, start, end)
    if soft and not allow_outside_hours:
        raise soft_refusal(soft)
    return facts


def default_location(
    facts: ScheduleFacts, practitioner_id: int, start: dt.datetime, clinic: Clinic
) -> Location | None:
    """The location of the working hours the start falls in, else the clinic's only one."""
    for opening in facts.openings.get(practitioner_id, ()):
        if opening.start <= start < opening.end and opening.location_id is not None:
            return Location.objects.filter(pk=opening.location_id).first()
    active = list(Location.objects.filter(clinic=clinic, active=True)[:2])
    return active[0] if len(active) == 1 else None


def insert_guarded(appointment: Appointment, tz: ZoneInfo, practitioner: User) -> None:
    """Save ``appointment``; the database's overlap guard becomes a named 409."""
    try:
        with transaction.atomic():
            appointment.save()
    except IntegrityError as exc:
        if not is_overlap_error(exc):
            raise
        conflicts = hard_conflicts(
            appointment.clinic,
            practitioner,
            None,
            appointment.starts_at,
            appointment.ends_at,
            tz,
            exclude=[appointment.pk] if appointment.pk else [],
        )
        raise BookingConflict(
            conflicts
            or [Conflict("overlap", f"{practitioner.display_name} was just booked at that time.")]
        ) from None


def source_of(actor: Actor) -> str:
    return Appointment.Source.API if actor.source == "api" else Appointment.Source.STAFF


# Actions --------------------------------------------------------------------------------


@transaction.atomic
def appointment_book(*, actor: Actor, data: AppointmentIn) -> Appointment:
    """Book one appointment (front desk, practitioners, admins)."""
    require_role(actor, STAFF)
    tz = zone(settings_for(actor.clinic).time_zone)
    problems = Problems()
    patient = resolve_patient(actor, data.patient_id, problems)
    practitioner = resolve_practitioner(actor.clinic, data.practitioner_id, problems)
    atype = resolve_type(actor.clinic, data.appointment_type_id, problems)
    location = resolve_location(actor.clinic, data.location_id, problems)
    start = resolve_start(problems, "starts_at", data.starts_at, tz)
    problems.raise_if_any()
    assert (
        patient is not None and practitioner is not None and atype is not None and start is not None
    )
    end = start + dt.timedelta(minutes=atype.minutes)
    lock_practitioners([practitioner.pk])
    lock_patient(patient.pk)
    facts = check_time(
        actor.clinic,
        practitioner,
        patient.pk,
        start,
        end,
        tz,
        allow_outside_hours=data.allow_outside_hours,
    )
    appointment = Appointment(
        clinic=actor.clinic,
        patient=patient,
        practitioner=practitioner,
        appointment_type=atype,
        location=location or default_location(facts, practitioner.pk, start, actor.clinic),
        starts_at=start,
        ends_at=end,
        note=data.note.strip(),
        source=source_of(actor),
        booked_by=actor.user,
    )
    insert_guarded(appointment, tz, practitioner)
    audit_record(
        actor=actor,
        action="create",
        patient_id=patient.pk,
        obj=appointment,
        detail=f"{atype.name} {start:%Y-%m-%dT%H:%MZ} with practitioner {practitioner.pk}",
    )
    if data.notify:
        notify.confirmation(appointment)
    notify.schedule_reminders(appointment)
    appointment_booked.send(sender=Appointment, actor=actor, appointment=appointment)
    return appointment


def _lock_appointment(actor: Actor, appointment: Appointment) -> Appointment:
    locked = (
        Appointment.objects.select_for_update(of=("self",))
        .select_related("patient", "practitioner", "appointment_type", "location", "clinic")
        .filter(clinic=actor.clinic, pk=appointment.pk)
        .first()
    )
    if locked is None:
        raise NotFound(f"Appointment {appointment.pk} not found.")
    return locked


@transaction.atomic
def appointment_move(*, actor: Actor, appointment: Appointment, data: MoveIn) -> Appointment:
    """A new time (and perhaps practitioner or location) for a booked appointment."""
    require_role(actor, STAFF)
    tz = zone(settings_for(actor.clinic).time_zone)
    locked = _lock_appointment(actor, appointment)
    if locked.status != Status.BOOKED:
        raise RuleViolation(
            f"Only a booked appointment can be moved; this one is {locked.get_status_display().lower()}.",
            code="not_movable",
        )
    problems = Problems()
    practitioner = (
        resolve_practitioner(actor.clinic, data.practitioner_id, problems)
        if data.practitioner_id is not None
        else locked.practitioner
    )
    location = (
        resolve_location(actor.clinic, data.location_id, problems)
        if data.location_id is not None
        else None
    )
    start = resolve_start(problems, "starts_at", data.starts_at, tz)
    problems.raise_if_any()
    assert practitioner is not None and start is not None
    end = start + (locked.ends_at - locked.starts_at)
    if start == locked.starts_at and practitioner.pk == locked.practitioner_id and location is None:
        return locked
    lock_practitioners([locked.practitioner_id, practitioner.pk])
    lock_patient(locked.patient_id)
    facts = check_time(
        actor.clinic,
        practitioner,
        locked.patient_id,
        start,
        end,
        tz,
        allow_outside_hours=data.allow_outside_hours,
        exclude=[locked.pk],
    )
    previous = (locked.starts_at, locked.ends_at, locked.practitioner, locked.location)
    locked.starts_at, locked.ends_at = start, end
    if practitioner.pk != locked.practitioner_id:
        locked.practitioner = practitioner
        locked.location = location or default_location(facts, practitioner.pk, start, actor.clinic)
    elif location is not None:
        locked.location = location
    locked.sequence += 1
    locked.confirmed_at = None  # the patient confirms the new time
    insert_guarded(locked, tz, practitioner)
    audit_record(
        actor=actor,
        action="change",
        patient_id=locked.patient_id,
        obj=locked,
        detail=(
            f"moved from {previous[0]:%Y-%m-%dT%H:%MZ} (practitioner {previous[2].pk}) to "
            f"{start:%Y-%m-%dT%H:%MZ} (practitioner {practitioner.pk})"
        ),
    )
    notify.withdraw_reminders(locked)
    if data.notify:
        notify.moved(locked, previous[0])
    notify.schedule_reminders(locked)
    from imsclinic.scheduling.actions.waitlist import offer_freed_time

    offer_freed_time(
        clinic=actor.clinic,
        practitioner=previous[2],
        location=previous[3],
        start=previous[0],
        end=previous[1],
        freed_by_patient_id=locked.patient_id,
    )
    return locked


def cancel_locked(
    locked: Appointment,
    *,
    reason: str,
    note: str,
    by: User | None,
    notify_patient: bool,
) -> Appointment:
    """Cancel an appointment already locked by the caller (staff, patient link, decline)."""
    locked.status = Status.CANCELLED
    locked.cancelled_at = timezone.now()
    locked.cancelled_by = by
    locked.cancel_reason = reason
    locked.cancel_note = note.strip()[:300]
    locked.sequence += 1
    locked.save()
    notify.withdraw_reminders(locked)
    if notify_patient:
        notify.cancelled(locked)
    BookingRequest.objects.filter(appointment=locked, status=BookingRequest.Status.PENDING).update(
        status=BookingRequest.Status.DECLINED, resolved_by=by, resolved_at=timezone.now()
    )
    from imsclinic.scheduling.actions.waitlist import offer_freed_time

    offer_freed_time(
        clinic=locked.clinic,
        practitioner=locked.practitioner,
        location=locked.location,
        start=locked.starts_at,
        end=locked.ends_at,
        freed_by_patient_id=locked.patient_id,
    )
    return locked


STAFF_CANCEL_REASONS = tuple(
    r for r in Appointment.CancelReason.values if r not in ("patient_online", "declined")
)


@transaction.atomic
def appointment_cancel(*, actor: Actor, appointment: Appointment, data: CancelIn) -> Appointment:
    require_role(actor, STAFF)
    locked = _lock_appointment(actor, appointment)
    problems = Problems()
    if data.reason not in STAFF_CANCEL_REASONS:
        problems.add("reason", "invalid", f"Choose a reason: {', '.join(STAFF_CANCEL_REASONS)}.")
    elif data.reason == "other" and not data.note.strip():
        problems.add("note", "required", "Say why the appointment is cancelled.")
    problems.raise_if_any()
    if locked.status not in (Status.BOOKED, Status.ARRIVED):
        raise RuleViolation(
            f"This appointment is {locked.get_status_display().lower()}; only a booked or arrived "
            "appointment can be cancelled.",
            code="not_cancellable",
        )
    if locked.session_id is not None:
        raise RuleViolation(
            "A session has been charted from this appointment; it cannot be cancelled.",
            code="has_session",
        )
    cancel_locked(
        locked, reason=data.reason, note=data.note, by=actor.user, notify_patient=data.notify
    )
    audit_record(
        actor=actor,
        action="change",
        patient_id=locked.patient_id,
        obj=locked,
        detail=f"cancelled ({data.reason}) {data.note.strip()[:200]}",
    )
    return locked


# Who may go where from which status, and from when.
_TRANSITIONS: dict[str, tuple[str, ...]] = {
    Status.ARRIVED: (Status.BOOKED,),
    Status.NO_SHOW: (Status.BOOKED,),
    Status.COMPLETED: (Status.BOOKED, Status.ARRIVED),
    Status.BOOKED: (Status.ARRIVED, Status.NO_SHOW),  # undo a mistaken mark
}
ARRIVAL_WINDOW = dt.timedelta(hours=2)


@transaction.atomic
def appointment_set_status(*, actor: Actor, appointment: Appointment, status: str) -> Appointment:
    """Arrived, no-show, completed (without a charted session), or back to booked."""
    require_role(actor, STAFF)
    locked = _lock_appointment(actor, appointment)
    if status not in _TRANSITIONS:
        raise RuleViolation(
            "Status must be one of: arrived, no_show, completed, booked.",
            code="invalid",
            field="status",
        )
    if locked.status == status:
        return locked
    if locked.status not in _TRANSITIONS[status]:
        raise RuleViolation(
            f"An appointment that is {locked.get_status_display().lower()} cannot be marked "
            f"{Status(status).label.lower()}.",
            code="invalid_transition",
            field="status",
        )
    if locked.patient_id is None:
        raise RuleViolation(
            "Confirm who this online request is for (Online requests) before marking it.",
            code="held_request",
        )
    now = timezone.now()
    if status == Status.ARRIVED and now < locked.starts_at - ARRIVAL_WINDOW:
        raise RuleViolation(
            "A patient can be marked arrived from two hours before the appointment.",
            code="too_early",
            field="status",
        )
    if status in (Status.NO_SHOW, Status.COMPLETED) and now < locked.starts_at:
        raise RuleViolation(
            f"The appointment has not started yet; mark it {Status(status).label.lower()} from "
            "its start time.",
            code="too_early",
            field="status",
        )
    if status == Status.COMPLETED and locked.session_id is not None:
        raise RuleViolation(
            "A session is charted from this appointment: signing the note completes it.",
            code="has_session",
            field="status",
        )
    if status == Status.BOOKED and locked.session_id is not None:
        raise RuleViolation(
            "A session is charted from this appointment; it stays arrived.", code="has_session"
        )
    previous = locked.status
    locked.status = status
    if status == Status.ARRIVED:
        locked.arrived_at = now
    elif status == Status.COMPLETED:
        locked.completed_at = now
    elif status == Status.BOOKED:
        locked.arrived_at = None
    insert_guarded(locked, zone(settings_for(actor.clinic).time_zone), locked.practitioner)
    if status == Status.NO_SHOW:
        notify.withdraw_reminders(locked)
    audit_record(
        actor=actor,
        action="change",
        patient_id=locked.patient_id,
        obj=locked,
        detail=f"status {previous} -> {status}",
    )
    return locked
