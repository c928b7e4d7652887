"""Online self-booking by patients, the front desk's confirmation of who a request is
for, and the patients' single-use confirm/cancel links.

What the public page may reveal: the clinic's appointment types, bookable practitioners
and free times. Never whether someone is a patient: a request gets the same answer and
the same e-mail whether it matched a record or waits for the front desk.

Size: the public booking flow, request matching and link handling share the rate limit
and the no-disclosure rules; one module keeps those rules in one place.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from imsclinic.core.actors import Actor
from imsclinic.core.audit import audit_account_event, audit_record
from imsclinic.core.errors import DomainError, NotFound, Problems, RuleViolation
from imsclinic.core.models import Clinic
from imsclinic.core.permissions import STAFF, require_role
from imsclinic.patients.actions import patient_register
from imsclinic.patients.models import Patient
from imsclinic.patients.schemas import PatientIn
from imsclinic.scheduling import links, notify
from imsclinic.scheduling.actions.booking import (
    BookingConflict,
    cancel_locked,
    hard_conflicts,
    insert_guarded,
    lock_patient,
    lock_practitioners,
)
from imsclinic.scheduling.config import settings_for
from imsclinic.scheduling.events import appointment_booked
from imsclinic.scheduling.models import (
    Appointment,
    AppointmentLink,
    AppointmentType,
    BookingRequest,
    PractitionerProfile,
    PublicRequestLog,
)
from imsclinic.scheduling.schemas import OnlineBookingIn
from imsclinic.scheduling.selectors import availability, schedule_facts
from imsclinic.scheduling.times import BadLocalTime, as_utc, local_date, zone

_PHONE = re.compile(r"^[0-9+() .-]{7,30}$")


class RateLimited(DomainError):
    status = 429
    code = "rate_limited"


def _limits() -> dict[str, tuple[int, int]]:
    """kind -> (per address per hour, per clinic per hour)."""
    return getattr(
        settings,
        "IMSCLINIC_PUBLIC_RATE_LIMITS",
        {"booking": (10, 200), "link": (30, 600), "view": (300, 6000)},
    )


def throttle(*, clinic: Clinic, address: str | None, kind: str) -> None:
    """Count this request and refuse it (429) past the hourly limits. Runs in its own
    transaction, so a refused or failed request still counts."""
    per_address, per_clinic = _limits()[kind]
    now = timezone.now()
    since = now - dt.timedelta(hours=1)
    with transaction.atomic():
        # Only the last hour counts: older rows go (the (clinic, at) index finds them).
        PublicRequestLog.objects.filter(clinic=clinic, at__lt=now - dt.timedelta(days=1)).delete()
        recent = PublicRequestLog.objects.filter(kind=kind, at__gte=since)
        if address and recent.filter(address=address).count() >= per_address:
            raise RateLimited(
                "Too many requests from your connection in the last hour; try again later "
                "or call the clinic."
            )
        if recent.filter(clinic=clinic).count() >= per_clinic:
            raise RateLimited(
                "The clinic's online booking is busy; try again later or call the clinic."
            )
        PublicRequestLog.objects.create(clinic=clinic, address=address or None, kind=kind)


def public_clinic(slug: str) -> Clinic:
    """The clinic whose booking page this is; 404 unless it takes online bookings."""
    clinic = Clinic.objects.filter(slug=slug).first()
    if clinic is None or not settings_for(clinic).online_booking_enabled:
        raise NotFound("This clinic does not take online bookings.")
    return clinic


def online_types(clinic: Clinic, *, new_patient: bool) -> list[AppointmentType]:
    types = AppointmentType.objects.filter(clinic=clinic, active=True, online_bookable=True)
    found = list(types)
    return [t for t in found if t.for_new_patients] if new_patient else found


def booking_window(clinic: Clinic) -> tuple[dt.datetime, dt.datetime]:
    config = settings_for(clinic)
    now = timezone.now()
    return (
        now + dt.timedelta(hours=config.online_min_notice_hours),
        now + dt.timedelta(days=config.online_max_days_ahead),
    )


def _name(value: str) -> str:
    return unicodedata.normalize("NFC", " ".join(value.split())).casefold()


def _digits(value: str) -> str:
    return "".join(ch for ch in value if ch.isdigit())[-10:]


def match_patient(clinic: Clinic, data: OnlineBookingIn) -> Patient | None:
    """The one record whose names and date of birth agree and whose e-mail or phone
    agrees; None when there is none or more than one (the front desk decides)."""
    family, given = _name(data.family_name), _name(data.given_name)
    email = data.email.strip().casefold()
    phone = _digits(data.phone)
    hits = [
        p
        for p in Patient.objects.filter(
            clinic=clinic, archived_at__isnull=True, date_of_birth=data.date_of_birth
        ).only("id", "family_name", "given_name", "email", "phone", "clinic_id")
        if _name(p.family_name) == family
        and _name(p.given_name) == given
        and (
            (bool(p.email) and p.email.strip().casefold() == email)
            or (len(phone) >= 7 and _digits(p.phone) == phone)
        )
    ]
    return hits[0] if len(hits) == 1 else None


def _validate(
    clinic: Clinic, data: OnlineBookingIn
) -> tuple[AppointmentType, PractitionerProfile, dt.datetime]:
    problems = Problems()
    tz = zone(settings_for(clinic).time_zone)
    atype = AppointmentType.objects.filter(
        clinic=clinic, pk=data.appointment_type_id, active=True, online_bookable=True
    ).first()
    if atype is None:
        problems.add(
            "appointment_type_id", "unknown", "Choose one of the appointment types listed."
        )
    elif data.new_patient and not atype.for_new_patients:
        problems.add(
            "appointment_type_id",
            "new_patient",
            "New patients start with an assessment: choose an assessment time.",
        )
    profile = (
        PractitionerProfile.objects.filter(
            clinic=clinic, practitioner_id=data.practitioner_id, bookable_online=True
        )
        .select_related("practitioner")
        .first()
    )
    if profile is None or not profile.practitioner.is_active:
        problems.add("practitioner_id", "unknown", "Choose one of the practitioners listed.")
    if not data.family_name.strip():
        problems.add("family_name", "required", "Enter your family name.")
    if not data.given_name.strip():
        problems.add("given_name", "required", "Enter your given name.")
    today = timezone.localdate()
    if data.date_of_birth > today or data.date_of_birth < today.replace(year=today.year - 120):
        problems.add("date_of_birth", "implausible", "Enter your date of birth, e.g. 1980-04-30.")
    try:
        validate_email(data.email.strip())
    except DjangoValidationError:
        problems.add(
            "email",
            "invalid",
            "Enter your e-mail address, e.g. name@example.org: the confirmation goes there.",
        )
    if not _PHONE.match(data.phone.strip()):
        problems.add(
            "phone", "invalid", "Enter a phone number the clinic can call, e.g. 403-555-0100."
        )
    start: dt.datetime | None = None
    try:
        start = as_utc(data.starts_at, tz)
    except BadLocalTime:
        problems.add("starts_at", "unavailable", "That time is not available; choose another.")
    problems.raise_if_any()
    assert atype is not None and profile is not None and start is not None
    not_before, not_after = booking_window(clinic)
    day = local_date(start, tz)
    free = availability(
        clinic,
        [profile.practitioner_id],
        day,
        day,
        minutes=atype.minutes,
        not_before=not_before,
        not_after=not_after,
    )[profile.practitioner_id]
    if start not in {slot.start for slot in free}:
        problems.add(
            "starts_at", "unavailable", "That time is no longer available; choose another."
        )
    problems.raise_if_any()
    return atype, profile, start


@dataclass(frozen=True)
class OnlineOutcome:
    appointment: Appointment | None  # None: a bot's request, answered but not booked
    matched: bool


def online_book(*, clinic: Clinic, data: OnlineBookingIn, address: str | None) -> OnlineOutcome:
    """A patient books a free time on the clinic's public page."""
    throttle(clinic=clinic, address=address, kind="booking")
    if data.website:
        return OnlineOutcome(None, False)  # the hidden field only bots fill in
    return _online_book(clinic=clinic, data=data, address=address)


@transaction.atomic
def _online_book(*, clinic: Clinic, data: OnlineBookingIn, address: str | None) -> OnlineOutcome:
    atype, profile, start = _validate(clinic, data)
    tz = zone(settings_for(clinic).time_zone)
    practitioner = profile.practitioner
    end = start + dt.timedelta(minutes=atype.minutes)
    patient = match_patient(clinic, data)
    lock_practitioners([practitioner.pk])
    lock_patient(patient.pk if patient else None)
    if hard_conflicts(clinic, practitioner, patient.pk if patient else None, start, end, tz):
        raise BookingConflict([])  # the page says the time was just taken, nothing more
    facts = schedule_facts(
        clinic, [practitioner.pk], local_date(start, tz), local_date(start, tz), tz=tz
    )
    location_id = next(
        (o.location_id for o in facts.openings[practitioner.pk] if o.start <= start < o.end), None
    )
    appointment = Appointment(
        clinic=clinic,
        patient=patient,
        practitioner=practitioner,
        appointment_type=atype,
        location_id=location_id,
        starts_at=start,
        ends_at=end,
        source=Appointment.Source.ONLINE,
    )
    insert_guarded(appointment, tz, practitioner)
    request = BookingRequest.objects.create(
        clinic=clinic,
        appointment=appointment,
        family_name=" ".join(data.family_name.split()),
        given_name=" ".join(data.given_name.split()),
        date_of_birth=data.date_of_birth,
        email=data.email.strip(),
        phone=data.phone.strip(),
        new_patient=data.new_patient,
        status=BookingRequest.Status.MATCHED if patient else BookingRequest.Status.PENDING,
        address=address or None,
    )
    audit_account_event(
        action="create",
        username="online-booking",
        clinic=clinic,
        address=address,
        detail=(
            f"Appointment {appointment.pk} booked online ({atype.name}, "
            f"{start:%Y-%m-%dT%H:%MZ}); "
            + (
                f"matched patient {patient.pk}"
                if patient
                else f"request {request.pk} held for the front desk"
            )
        ),
    )
    notify.confirmation(appointment)
    notify.schedule_reminders(appointment)
    return OnlineOutcome(appointment, patient is not None)


def _lock_request(actor: Actor, appointment: Appointment) -> tuple[Appointment, BookingRequest]:
    locked = (
        Appointment.objects.select_for_update(of=("self",))
        .select_related("practitioner", "appointment_type", "location", "clinic", "patient")
        .filter(clinic=actor.clinic, pk=appointment.pk)
        .first()
    )
    request = BookingRequest.objects.filter(
        clinic=actor.clinic, appointment_id=appointment.pk
    ).first()
    if locked is None or request is None:
        raise NotFound(f"Online request for appointment {appointment.pk} not found.")
    if (
        request.status != BookingRequest.Status.PENDING
        or locked.status != Appointment.Status.BOOKED
    ):
        raise RuleViolation("This request has already been dealt with.", code="not_pending")
    return locked, request


@transaction.atomic
def request_accept(
    *, actor: Actor, appointment: Appointment, patient_id: int | None
) -> Appointment:
    """The front desk says who an online request is: an existing record, or (``None``) a
    new patient registered from what they typed."""
    require_role(actor, STAFF)
    locked, request = _lock_request(actor, appointment)
    if patient_id is None:
        patient = patient_register(
            actor=actor,
            data=PatientIn(
                family_name=request.family_name,
                given_name=request.given_name,
                date_of_birth=request.date_of_birth,
                email=request.email,
                phone=request.phone if _PHONE.match(request.phone) else "",
            ),
        )
    else:
        found = Patient.objects.filter(
            clinic=actor.clinic, pk=patient_id, archived_at__isnull=True
        ).first()
        if found is None:
            raise RuleViolation(
                "Choose a patient of this clinic.", code="unknown", field="patient_id"
            )
        patient = found
    tz = zone(settings_for(actor.clinic).time_zone)
    lock_patient(patient.pk)
    others = [
        c
        for c in hard_conflicts(
            actor.clinic,
            locked.practitioner,
            patient.pk,
            locked.starts_at,
            locked.ends_at,
            tz,
            exclude=[locked.pk],
        )
        if c.kind == "patient_overlap"
    ]
    if others:
        raise BookingConflict(others)
    locked.patient = patient
    insert_guarded(locked, tz, locked.practitioner)
    request.status = BookingRequest.Status.ACCEPTED
    request.resolved_by = actor.user
    request.resolved_at = timezone.now()
    request.save(update_fields=["status", "resolved_by", "resolved_at", "updated_at"])
    audit_record(
        actor=actor,
        action="change",
        patient_id=patient.pk,
        obj=locked,
        detail=f"online request {request.pk} confirmed for patient {patient.pk}",
    )
    appointment_booked.send(sender=Appointment, actor=actor, appointment=locked)
    return locked


@transaction.atomic
def request_decline(*, actor: Actor, appointment: Appointment, note: str) -> Appointment:
    require_role(actor, STAFF)
    locked, request = _lock_request(actor, appointment)
    if not note.strip():
        raise RuleViolation(
            "Say why (the patient reads it), e.g. 'New patients start with an assessment'.",
            code="required",
            field="note",
        )
    cancel_locked(
        locked,
        reason=Appointment.CancelReason.DECLINED,
        note=note,
        by=actor.user,
        notify_patient=True,
    )
    audit_record(
        actor=actor, action="change", obj=locked, detail=f"online request {request.pk} declined"
    )
    return locked


# Patients' links -------------------------------------------------------------------------


class LinkGone(Exception):
    """Used, expired, or its appointment cancelled or past: HTTP 410, nothing shown."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def link_open(*, token: str, lock: bool = False) -> AppointmentLink:
    if not token or len(token) > links.TOKEN_MAX:
        raise NotFound("This link is not valid.")
    found = AppointmentLink.objects.select_related(
        "appointment",
        "appointment__clinic",
        "appointment__practitioner",
        "appointment__appointment_type",
        "appointment__location",
    )
    if lock:
        found = found.select_for_update(of=("self",))
    link = found.filter(token_hash=links.token_hash(token)).first()
    if link is None:
        raise NotFound("This link is not valid.")
    appointment = link.appointment
    if link.used_at is not None:
        raise LinkGone("used")
    if appointment.status == Appointment.Status.CANCELLED:
        raise LinkGone("cancelled")
    if link.expires_at <= timezone.now() or appointment.status != Appointment.Status.BOOKED:
        raise LinkGone("expired")
    return link


def _spend(link: AppointmentLink) -> None:
    link.used_at = timezone.now()
    link.save(update_fields=["used_at", "updated_at"])


@transaction.atomic
def link_confirm(*, token: str, address: str | None = None) -> Appointment:
    link = link_open(token=token, lock=True)
    if link.purpose != AppointmentLink.Purpose.CONFIRM:
        raise NotFound("This link is not valid.")
    appointment = Appointment.objects.select_for_update().get(pk=link.appointment_id)
    if appointment.confirmed_at is None:
        appointment.confirmed_at = timezone.now()
        appointment.save(update_fields=["confirmed_at", "updated_at"])
    _spend(link)
    audit_account_event(
        action="change",
        username=f"appointment-link:{link.pk}",
        clinic=link.appointment.clinic,
        address=address,
        detail=f"Appointment {appointment.pk} confirmed by the patient",
    )
    return link.appointment


@transaction.atomic
def link_cancel(*, token: str, note: str = "", address: str | None = None) -> Appointment:
    link = link_open(token=token, lock=True)
    if link.purpose != AppointmentLink.Purpose.CANCEL:
        raise NotFound("This link is not valid.")
    appointment = (
        Appointment.objects.select_for_update(of=("self",))
        .select_related("patient", "practitioner", "appointment_type", "location", "clinic")
        .get(pk=link.appointment_id)
    )
    late = appointment.starts_at - timezone.now() < dt.timedelta(hours=24)
    cancel_locked(
        appointment,
        reason=Appointment.CancelReason.PATIENT_ONLINE,
        note=("Late cancellation (under 24 h). " if late else "") + note.strip()[:200],
        by=None,
        notify_patient=True,
    )
    AppointmentLink.objects.filter(appointment=appointment, used_at__isnull=True).update(
        used_at=timezone.now()
    )
    audit_account_event(
        action="change",
        username=f"appointment-link:{link.pk}",
        clinic=appointment.clinic,
        address=address,
        detail=f"Appointment {appointment.pk} cancelled by the patient{' (late)' if late else ''}",
    )
    return appointment
