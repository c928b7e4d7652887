"""Reads of patient data. Each takes the clinic, so another clinic's rows never leak."""

from __future__ import annotations

import datetime as dt
import re

from django.db import connection
from django.db.models import Q, QuerySet

from imsclinic.core.actors import Actor
from imsclinic.core.models import Clinic
from imsclinic.core.permissions import CLINICAL, has_role
from imsclinic.core.tenancy import row_for_clinic
from imsclinic.patients.models import Consent, Patient
from imsclinic.patients.names import health_number_key, search_key
from imsclinic.patients.schemas import CLINICAL_FIELDS, PatientOut

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def patient_get(*, actor: Actor, patient_id: object) -> Patient:
    """The clinic's patient (another clinic's is NotFound). Not audited here: the page or
    route that shows the record calls core.audit.audit_view."""
    return row_for_clinic(Patient, actor.clinic, patient_id, "Patient")


def patient_as_seen(*, actor: Actor, patient: Patient) -> Patient | dict[str, object]:
    """The patient as the actor's role may see it: front desk gets the demographics and
    the booking flags, with every clinical field None (patients/schemas.py)."""
    if has_role(actor.role, CLINICAL):
        return patient
    seen: dict[str, object] = {name: getattr(patient, name) for name in PatientOut.model_fields}
    seen.update(dict.fromkeys(CLINICAL_FIELDS))
    return seen


def _prefix(field: str, text: str) -> Q:
    """An index-friendly prefix match.

    SQLite's LIKE is case-insensitive and so cannot use an ordinary index; a range on the
    (already lower-cased) column can, and the LIKE keeps the match exact. PostgreSQL uses
    its text_pattern_ops indexes for LIKE 'prefix%' directly (migration 0003).
    """
    if connection.vendor == "sqlite":
        return Q(
            **{
                f"{field}__gte": text,
                f"{field}__lt": text + "\U0010ffff",
                f"{field}__startswith": text,
            }
        )
    return Q(**{f"{field}__startswith": text})


def patient_search(*, actor: Actor, query: str = "", limit: int = 50) -> list[Patient]:
    """Search by name (family or given name first, prefix; accents, apostrophes and
    hyphens forgiven: patients/names.py), date of birth (YYYY-MM-DD) or health number
    (prefix, with or without separators). One query whatever the clinic size.

    Each way of matching is its own arm of a UNION, so each arm uses its own
    (clinic, column) index even before the database has gathered statistics.
    """
    patients: QuerySet[Patient] = Patient.objects.filter(
        clinic=actor.clinic, archived_at__isnull=True
    ).only("id", "family_name", "given_name", "date_of_birth", "health_number", "search_name")
    query = " ".join(query.replace(",", " ").split())[:100]
    if not query:
        return list(patients[:limit])
    if _DATE.match(query):
        try:
            return list(patients.filter(date_of_birth=dt.date.fromisoformat(query))[:limit])
        except ValueError:
            return []
    arms = []
    key = search_key(query)
    if key:
        arms += [
            patients.filter(_prefix("search_name", key)),
            patients.filter(_prefix("search_name_reversed", key)),
        ]
    number = health_number_key(query)
    if number and any(ch.isdigit() for ch in number):
        arms.append(patients.filter(_prefix("health_number_key", number)))
    if not arms:
        return []
    arms = [arm.order_by() for arm in arms]
    # By the search key: "Ñúñez" sorts with the N's, "O'Brien" with "Obrien".
    return list(arms[0].union(*arms[1:]).order_by("search_name", "id")[:limit])


def current_consent(patient: Patient, day: dt.date) -> Consent | None:
    """The consent in force on ``day``: given on or before it and not withdrawn by then."""
    return (
        Consent.objects.filter(clinic_id=patient.clinic_id, patient=patient, consented_on__lte=day)
        .filter(Q(withdrawn_on__isnull=True) | Q(withdrawn_on__gt=day))
        .order_by("-consented_on", "-id")
        .first()
    )


def guardian_consent_current(patient: Patient, day: dt.date) -> bool:
    """A consent in force on ``day`` given by a parent, guardian or other substitute
    decision-maker: what needling a patient under 18 requires (rules.needling)."""
    return (
        Consent.objects.filter(
            clinic_id=patient.clinic_id,
            patient=patient,
            consented_on__lte=day,
            given_by__in=(Consent.GivenBy.GUARDIAN, Consent.GivenBy.SUBSTITUTE),
        )
        .filter(Q(withdrawn_on__isnull=True) | Q(withdrawn_on__gt=day))
        .exists()
    )


def archived_patients(*, actor: Actor, limit: int = 200) -> list[Patient]:
    """Archived records of the clinic, most recently archived first (the 'Archived' filter)."""
    return list(
        Patient.objects.filter(clinic=actor.clinic, archived_at__isnull=False)
        .order_by("-archived_at", "id")
        .only("id", "family_name", "given_name", "date_of_birth", "health_number", "archived_at")[
            :limit
        ]
    )


def likely_duplicates(
    *,
    actor: Actor,
    family_name: str,
    given_name: str,
    date_of_birth: dt.date | None,
    health_number: str = "",
    exclude_id: int | None = None,
    limit: int = 10,
) -> list[Patient]:
    """Records of the clinic this registration may repeat: the same health number
    (letters and digits compared), or the same date of birth and a similar name (family
    or given name keys alike, patients/names.py). One query, on indexed columns."""
    import difflib

    number = health_number_key(health_number)
    match = Q(health_number_key=number) if number else Q(pk__in=[])
    if date_of_birth is not None:
        match |= Q(date_of_birth=date_of_birth)
    rows = Patient.objects.filter(match, clinic=actor.clinic, archived_at__isnull=True)
    if exclude_id is not None:
        rows = rows.exclude(pk=exclude_id)
    family, given = search_key(family_name), search_key(given_name)

    def alike(a: str, b: str) -> bool:
        return bool(a and b) and (
            a == b
            or a.startswith(b)
            or b.startswith(a)
            or difflib.SequenceMatcher(None, a, b).ratio() >= 0.8
        )

    found = []
    for patient in rows.order_by("search_name", "id")[:200]:
        if number and patient.health_number_key == number:
            found.append(patient)
            continue
        their_family = search_key(patient.family_name)
        their_given = search_key(patient.given_name)
        if alike(family, their_family) or (
            alike(given, their_given) and their_family[:1] == family[:1]
        ):
            found.append(patient)
    return found[:limit]


def consent_texts(clinic: Clinic) -> dict[str, str]:
    """Version -> wording: the shipped texts, then the clinic's own (newest last)."""
    from imsclinic.patients.consent_texts import CONSENT_TEXTS
    from imsclinic.patients.models import ClinicConsentText

    texts = dict(CONSENT_TEXTS)
    own = ClinicConsentText.objects.filter(clinic=clinic).order_by("created_at", "id")
    texts.update(own.values_list("version", "text"))
    return texts


def current_consent_version(clinic: Clinic) -> str:
    """The clinic's newest own version, else the shipped current one."""
    from imsclinic.patients.consent_texts import CURRENT_CONSENT_VERSION
    from imsclinic.patients.models import ClinicConsentText

    newest = ClinicConsentText.objects.filter(clinic=clinic).order_by("-created_at", "-id")
    return newest.values_list("version", flat=True).first() or CURRENT_CONSENT_VERSION
