"""Portal sign-in by a single-use e-mail link, and what a signed-in patient may do with their
own appointments (confirm, cancel within the clinic's rules); every portal view is audited."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from imsclinic.core.audit import audit_account_event
from imsclinic.core.errors import (
    FieldProblem,
    NotFound,
    RuleViolation,
    ValidationProblem,
)
from imsclinic.core.models import Clinic
from imsclinic.notifications import outbox
from imsclinic.patients.models import Patient
from imsclinic.portal.actions.common import (
    _open_link,
    _render_for,
)
from imsclinic.portal.models import PortalLink
from imsclinic.scheduling.actions.booking import cancel_locked
from imsclinic.scheduling.links import absolute, new_token, token_hash
from imsclinic.scheduling.models import Appointment, AppointmentLink

PORTAL_LINK = "portal.sign_in"


PORTAL_LINK_MINUTES = 30


LATE_CANCEL = dt.timedelta(hours=24)  # the same rule as the cancel link of the e-mails


def portal_patient_event(
    *, patient: Patient, action: str, detail: str, address: str | None
) -> None:
    """A patient's own access through the portal, in the audit trail like staff access
    (the patient's access report lists it)."""
    audit_account_event(
        action=action,
        username=f"portal:patient-{patient.pk}",
        clinic=patient.clinic,
        source="page",
        address=address,
        detail=detail,
        patient_id=patient.pk,
    )


@transaction.atomic
def portal_link_request(*, clinic: Clinic, email: str, address: str | None) -> int:
    """E-mail a sign-in link to each patient of ``clinic`` on file with ``email``.

    Returns how many were sent; the page says the same whatever it is, so nobody learns
    whether an address is on file."""
    address_given = email.strip()
    if not address_given:
        raise ValidationProblem(
            [FieldProblem("email", "required", "Enter the e-mail address the clinic has for you.")]
        )
    found = Patient.objects.filter(
        clinic=clinic, email__iexact=address_given, archived_at__isnull=True
    ).order_by("id")[:5]
    for patient in found:
        token = new_token()
        link = PortalLink.objects.create(
            clinic=clinic,
            patient=patient,
            token_hash=token_hash(token),
            expires_at=timezone.now() + dt.timedelta(minutes=PORTAL_LINK_MINUTES),
        )
        mail = _render_for(
            patient,
            "portal/email/sign_in",
            {
                "clinic": clinic.name,
                "minutes": PORTAL_LINK_MINUTES,
                "sign_in_url": outbox.placeholder("sign_in_url"),
            },
        )
        outbox.enqueue_email(
            clinic=clinic,
            to=patient.email,
            kind=PORTAL_LINK,
            subject=mail.subject,
            body=mail.body,
            secrets={"sign_in_url": absolute(reverse("portal_sign_in", args=[token]))},
            patient_id=patient.pk,
            ref=link,
            expires_at=link.expires_at,
        )
        portal_patient_event(
            patient=patient, action="create", detail="portal sign-in link sent", address=address
        )
    return len(found)


def portal_link_open(*, token: str, lock: bool = False) -> PortalLink:
    return _open_link(PortalLink, token=token, lock=lock, what="sign-in")


@transaction.atomic
def portal_sign_in(*, token: str, address: str | None) -> Patient:
    """Spend the link; the caller starts the patient's portal session."""
    link = portal_link_open(token=token, lock=True)
    link.used_at = timezone.now()
    link.save(update_fields=["used_at", "updated_at"])
    portal_patient_event(
        patient=link.patient, action="login", detail="signed in to the portal", address=address
    )
    return link.patient


def _own_appointment(patient: Patient, appointment_id: int) -> Appointment:
    appointment = (
        Appointment.objects.select_for_update(of=("self",))
        .select_related("clinic", "patient", "practitioner", "appointment_type", "location")
        .filter(clinic_id=patient.clinic_id, patient_id=patient.pk, pk=appointment_id)
        .first()
    )
    if appointment is None:
        raise NotFound("Appointment not found.")
    if appointment.status != Appointment.Status.BOOKED or appointment.starts_at <= timezone.now():
        raise RuleViolation(
            "This appointment can no longer be changed online; please call the clinic.",
            code="appointment_closed",
        )
    return appointment


@transaction.atomic
def portal_appointment_confirm(
    *, patient: Patient, appointment_id: int, address: str | None
) -> Appointment:
    appointment = _own_appointment(patient, appointment_id)
    if appointment.confirmed_at is None:
        appointment.confirmed_at = timezone.now()
        appointment.save(update_fields=["confirmed_at", "updated_at"])
    portal_patient_event(
        patient=patient,
        action="change",
        detail=f"Appointment {appointment.pk} confirmed by the patient in the portal",
        address=address,
    )
    return appointment


@transaction.atomic
def portal_appointment_cancel(
    *, patient: Patient, appointment_id: int, address: str | None
) -> Appointment:
    """Cancel under the clinic's rules for patients' cancellations (the e-mail's cancel
    link): allowed until the start, marked late under 24 hours, the time offered to the
    waitlist and the patient's messages updated."""
    appointment = _own_appointment(patient, appointment_id)
    late = appointment.starts_at - timezone.now() < LATE_CANCEL
    cancel_locked(
        appointment,
        reason=Appointment.CancelReason.PATIENT_ONLINE,
        note="Late cancellation (under 24 h). Cancelled in the portal."
        if late
        else "Cancelled in the portal.",
        by=None,
        notify_patient=True,
    )
    AppointmentLink.objects.filter(appointment=appointment, used_at__isnull=True).update(
        used_at=timezone.now()
    )
    portal_patient_event(
        patient=patient,
        action="change",
        detail=f"Appointment {appointment.pk} cancelled by the patient in the portal"
        + (" (late)" if late else ""),
        address=address,
    )
    return appointment
