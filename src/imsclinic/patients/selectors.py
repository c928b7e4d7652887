"""Reads of patient data. Each takes the clinic, so another clinic's rows never leak."""

from __future__ import annotations

import datetime as dt
import re

from django.db.models import Q, QuerySet

from imsclinic.core.actors import Actor
from imsclinic.core.audit import audit_record
from imsclinic.core.tenancy import get_for_clinic
from imsclinic.patients.models import Appointment, Consent, Patient

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def patient_get(*, actor: Actor, patient_id: object, audit: bool = True) -> Patient:
    patient = get_for_clinic(Patient.objects.all(), actor.clinic, patient_id, "Patient")
    if audit:
        audit_record(actor=actor, action="view", patient_id=patient.pk, obj=patient)
    return patient


def patient_search(*, actor: Actor, query: str = "", limit: int = 50) -> list[Patient]:
    """Search by name (family and/or given, prefix), date of birth (YYYY-MM-DD) or health number.

    One query whatever the result size.
    """
    patients: QuerySet[Patient] = Patient.objects.filter(
        clinic=actor.clinic, archived_at__isnull=True
    )
    query = " ".join(query.split())[:100]
    if query:
        if _DATE.match(query):
            try:
                patients = patients.filter(date_of_birth=dt.date.fromisoformat(query))
            except ValueError:
                return []
        else:
            lowered = query.lower().replace(",", " ")
            words = lowered.split()
            name_filter = Q(search_name__startswith=" ".join(words))
            if len(words) >= 2:
                # "Given Family" typed in either order.
                name_filter |= Q(search_name__startswith=f"{words[-1]} {' '.join(words[:-1])}")
            name_filter |= Q(given_name__istartswith=lowered)
            compact = query.replace(" ", "").replace("-", "")
            if any(ch.isdigit() for ch in compact):
                name_filter |= Q(health_number__startswith=query)
                name_filter |= Q(health_number__startswith=compact)
            patients = patients.filter(name_filter)
    return list(
        patients.only("id", "family_name", "given_name", "date_of_birth", "health_number")[:limit]
    )


def consents_of(patient: Patient) -> list[Consent]:
    return list(
        Consent.objects.filter(clinic_id=patient.clinic_id, patient=patient).select_related(
            "recorded_by"
        )
    )


def current_consent(patient: Patient, day: dt.date) -> Consent | None:
    """The consent in force on ``day``: given on or before it and not withdrawn by then."""
    return (
        Consent.objects.filter(clinic_id=patient.clinic_id, patient=patient, consented_on__lte=day)
        .filter(Q(withdrawn_on__isnull=True) | Q(withdrawn_on__gt=day))
        .order_by("-consented_on", "-id")
        .first()
    )


def has_current_consent(patient: Patient, day: dt.date) -> bool:
    return (
        Consent.objects.filter(clinic_id=patient.clinic_id, patient=patient, consented_on__lte=day)
        .filter(Q(withdrawn_on__isnull=True) | Q(withdrawn_on__gt=day))
        .order_by()
        .exists()
    )


def appointments_on(*, actor: Actor, day: dt.date) -> list[Appointment]:
    return list(
        Appointment.objects.filter(clinic=actor.clinic, starts_at__date=day)
        .exclude(status=Appointment.Status.CANCELLED)
        .select_related("patient", "practitioner")
    )
