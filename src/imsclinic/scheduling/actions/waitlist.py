"""The waitlist: patients who want an earlier time are offered one when it is freed.

A cancellation or a move calls ``offer_freed_time`` in its own transaction: up to three
matching waiting patients get an e-mail offer with a single-use link; the first to take
it gets the time (under the practitioner's lock, like any booking), the others find it
taken."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from imsclinic.accounts.models import User
from imsclinic.core.actors import Actor
from imsclinic.core.audit import audit_account_event, audit_record
from imsclinic.core.errors import NotFound, Problems, RuleViolation
from imsclinic.core.models import Clinic
from imsclinic.core.permissions import STAFF, require_role
from imsclinic.scheduling import links, notify
from imsclinic.scheduling.actions.booking import (
    hard_conflicts,
    insert_guarded,
    lock_patient,
    lock_practitioners,
    overlapping,
    resolve_patient,
    resolve_practitioner,
    resolve_type,
)
from imsclinic.scheduling.config import settings_for
from imsclinic.scheduling.models import (
    Appointment,
    Location,
    WaitlistEntry,
    WaitlistOffer,
)
from imsclinic.scheduling.schemas import WaitlistIn
from imsclinic.scheduling.times import local_date, zone

OFFERS_PER_TIME = 3
OFFER_HOURS = 12
MIN_LEAD = dt.timedelta(hours=2)


@transaction.atomic
def waitlist_add(*, actor: Actor, data: WaitlistIn) -> WaitlistEntry:
    require_role(actor, STAFF)
    problems = Problems()
    patient = resolve_patient(actor, data.patient_id, problems)
    atype = resolve_type(actor.clinic, data.appointment_type_id, problems)
    practitioner = (
        resolve_practitioner(actor.clinic, data.practitioner_id, problems)
        if data.practitioner_id is not None
        else None
    )
    today = timezone.localdate()
    if data.latest < data.earliest:
        problems.add("latest", "before_earliest", "The last wanted day comes before the first.")
    if data.latest < today:
        problems.add("latest", "past", "The last wanted day has passed.")
    if (data.latest - data.earliest).days > 180:
        problems.add("latest", "too_long", "Wait for at most 180 days; add a new entry later.")
    current = None
    if data.current_appointment_id is not None:
        current = Appointment.objects.filter(
            clinic=actor.clinic, pk=data.current_appointment_id, status=Appointment.Status.BOOKED
        ).first()
        if current is None or (patient is not None and current.patient_id != patient.pk):
            problems.add(
                "current_appointment_id",
                "unknown",
                "Choose one of this patient's booked appointments (or none).",
            )
    problems.raise_if_any()
    assert patient is not None and atype is not None
    if not patient.email:
        raise RuleViolation(
            "Offers go out by e-mail: add the patient's e-mail address first.",
            code="no_email",
            field="patient_id",
        )
    entry = WaitlistEntry.objects.create(
        clinic=actor.clinic,
        patient=patient,
        appointment_type=atype,
        practitioner=practitioner,
        earliest=max(data.earliest, today),
        latest=data.latest,
        current_appointment=current,
        note=data.note.strip(),
        created_by=actor.user,
    )
    audit_record(actor=actor, action="create", patient_id=patient.pk, obj=entry)
    return entry


@transaction.atomic
def waitlist_remove(*, actor: Actor, entry: WaitlistEntry) -> WaitlistEntry:
    require_role(actor, STAFF)
    locked = WaitlistEntry.objects.select_for_update().get(clinic=actor.clinic, pk=entry.pk)
    if locked.status != WaitlistEntry.Status.ACTIVE:
        raise RuleViolation("This entry is no longer waiting.", code="not_active")
    locked.status = WaitlistEntry.Status.REMOVED
    locked.save(update_fields=["status", "updated_at"])
    WaitlistOffer.objects.filter(entry=locked, status=WaitlistOffer.Status.OPEN).update(
        status=WaitlistOffer.Status.EXPIRED
    )
    audit_record(
        actor=actor, action="change", patient_id=locked.patient_id, obj=locked, detail="removed"
    )
    return locked


def offer_freed_time(
    *,
    clinic: Clinic,
    practitioner: User,
    location: Location | None,
    start: dt.datetime,
    end: dt.datetime,
    freed_by_patient_id: int | None,
) -> list[WaitlistOffer]:
    """Offer a time just freed to the first matching waiting patients (in the caller's
    transaction, so no offer exists for a cancellation that rolled back)."""
    config = settings_for(clinic)
    now = timezone.now()
    if not config.waitlist_offers or start < now + MIN_LEAD:
        return []
    day = local_date(start, zone(config.time_zone))
    length = end - start
    entries = (
        WaitlistEntry.objects.filter(
            clinic=clinic,
            status=WaitlistEntry.Status.ACTIVE,
            earliest__lte=day,
            latest__gte=day,
        )
        .filter(Q(practitioner__isnull=True) | Q(practitioner=practitioner))
        .select_related("patient", "appointment_type", "current_appointment")
        .order_by("created_at", "id")
    )
    if freed_by_patient_id is not None:
        entries = entries.exclude(patient_id=freed_by_patient_id)
    offers: list[WaitlistOffer] = []
    for entry in entries:
        minutes = dt.timedelta(minutes=entry.appointment_type.minutes)
        if minutes > length or not entry.patient.email:
            continue
        current = entry.current_appointment
        if current is not None and (
            current.status != Appointment.Status.BOOKED or current.starts_at <= start
        ):
            continue
        busy = overlapping(clinic, start, start + minutes, patient_id=entry.patient_id)
        if any(a.pk != getattr(current, "pk", None) for a in busy):
            continue
        token = links.new_token()
        offer = WaitlistOffer.objects.create(
            clinic=clinic,
            entry=entry,
            practitioner=practitioner,
            location=location,
            starts_at=start,
            ends_at=start + minutes,
            token_hash=links.token_hash(token),
            expires_at=min(start - dt.timedelta(hours=1), now + dt.timedelta(hours=OFFER_HOURS)),
        )
        notify.waitlist_offer(offer, token)
        offers.append(offer)
        if len(offers) >= OFFERS_PER_TIME:
            break
    return offers


class OfferGone(Exception):
    """The offer was taken, expired or used: HTTP 410 on the patient's page."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def offer_open(*, token: str, lock: bool = False) -> WaitlistOffer:
    if not token or len(token) > links.TOKEN_MAX:
        raise NotFound("This offer link is not valid.")
    found = WaitlistOffer.objects.select_related(
        "entry", "entry__appointment_type", "entry__patient", "practitioner", "location", "clinic"
    )
    if lock:
        found = found.select_for_update(of=("self",))
    offer = found.filter(token_hash=links.token_hash(token)).first()
    if offer is None:
        raise NotFound("This offer link is not valid.")
    if offer.status == WaitlistOffer.Status.ACCEPTED:
        raise OfferGone("used")
    if offer.status == WaitlistOffer.Status.TAKEN:
        raise OfferGone("taken")
    if offer.status == WaitlistOffer.Status.EXPIRED or offer.expires_at <= timezone.now():
        raise OfferGone("expired")
    return offer


@dataclass(frozen=True)
class OfferOutcome:
    appointment: Appointment | None
    reason: str = ""  # "taken" when someone else was quicker


@transaction.atomic
def offer_accept(*, token: str, address: str | None = None) -> OfferOutcome:
    """The patient takes the offered time: booked, or their later appointment moved."""
    offer = offer_open(token=token, lock=True)
    entry = WaitlistEntry.objects.select_for_update().get(pk=offer.entry_id)
    if entry.status != WaitlistEntry.Status.ACTIVE:
        raise OfferGone("used")
    clinic = offer.clinic
    tz = zone(settings_for(clinic).time_zone)
    lock_practitioners([offer.practitioner_id])
    lock_patient(entry.patient_id)
    current = (
        Appointment.objects.select_for_update(of=("self",))
        .select_related("patient", "practitioner", "appointment_type", "location", "clinic")
        .filter(pk=entry.current_appointment_id, status=Appointment.Status.BOOKED)
        .first()
        if entry.current_appointment_id
        else None
    )
    exclude = [current.pk] if current is not None else []
    if hard_conflicts(
        clinic,
        offer.practitioner,
        entry.patient_id,
        offer.starts_at,
        offer.ends_at,
        tz,
        exclude=exclude,
    ):
        offer.status = WaitlistOffer.Status.TAKEN
        offer.save(update_fields=["status", "updated_at"])
        return OfferOutcome(None, "taken")
    if current is not None:
        previous = (current.starts_at, current.ends_at, current.practitioner, current.location)
        current.starts_at, current.ends_at = offer.starts_at, offer.ends_at
        current.practitioner = offer.practitioner
        current.location = offer.location
        current.sequence += 1
        current.confirmed_at = timezone.now()
        insert_guarded(current, tz, offer.practitioner)
        appointment = current
        notify.withdraw_reminders(appointment)
        notify.moved(appointment, previous[0])
    else:
        appointment = Appointment(
            clinic=clinic,
            patient=entry.patient,
            practitioner=offer.practitioner,
            appointment_type=entry.appointment_type,
            location=offer.location,
            starts_at=offer.starts_at,
            ends_at=offer.ends_at,
            source=Appointment.Source.WAITLIST,
            confirmed_at=timezone.now(),
        )
        insert_guarded(appointment, tz, offer.practitioner)
        notify.confirmation(appointment)
    notify.schedule_reminders(appointment)
    offer.status = WaitlistOffer.Status.ACCEPTED
    offer.appointment = appointment
    offer.save(update_fields=["status", "appointment", "updated_at"])
    entry.status = WaitlistEntry.Status.BOOKED
    entry.save(update_fields=["status", "updated_at"])
    WaitlistOffer.objects.filter(
        clinic=clinic,
        status=WaitlistOffer.Status.OPEN,
        practitioner=offer.practitioner,
        starts_at__lt=offer.ends_at,
        ends_at__gt=offer.starts_at,
    ).exclude(pk=offer.pk).update(status=WaitlistOffer.Status.TAKEN)
    audit_account_event(
        action="create" if current is None else "change",
        username=f"waitlist-offer:{offer.pk}",
        clinic=clinic,
        address=address,
        detail=(
            f"Appointment {appointment.pk} {'moved to' if current else 'booked at'} "
            f"{offer.starts_at:%Y-%m-%dT%H:%MZ} for patient {entry.patient_id} from a waitlist offer"
        ),
    )
    if current is not None:
        offer_freed_time(
            clinic=clinic,
            practitioner=previous[2],
            location=previous[3],
            start=previous[0],
            end=previous[1],
            freed_by_patient_id=entry.patient_id,
        )
    return OfferOutcome(appointment)
