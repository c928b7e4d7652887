"""The one write path for patients and consent."""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from imsclinic.core.actors import Actor
from imsclinic.core.audit import audit_record
from imsclinic.core.dates import local_today
from imsclinic.core.errors import Problems, RuleViolation
from imsclinic.core.permissions import ADMINS, CLINICAL, has_role, require_role
from imsclinic.patients.consent_texts import CONSENT_TEXTS
from imsclinic.patients.models import Consent, Patient
from imsclinic.patients.schemas import (
    BOOKING_FLAGS,
    CLINICAL_FIELDS,
    ConsentIn,
    ConsentWithdrawIn,
    PatientIn,
)
from imsclinic.rules.precautions import LIMB_LIST_FIELDS

_HEALTH_NUMBER = re.compile(r"^[A-Za-z0-9 -]{4,30}$")
_PHONE = re.compile(r"^[0-9+() .-]{7,30}$")


def _validate_patient(data: PatientIn) -> None:
    problems = Problems()
    if not data.family_name.strip():
        problems.add("family_name", "required", "Enter the patient's family name.")
    if not data.given_name.strip():
        problems.add("given_name", "required", "Enter the patient's given name.")
    today = local_today()
    if data.date_of_birth > today:
        problems.add("date_of_birth", "future", "Date of birth cannot be in the future.")
    elif data.date_of_birth < today.replace(year=today.year - 120):
        problems.add(
            "date_of_birth",
            "implausible",
            "Date of birth is more than 120 years ago; check the year.",
        )
    if data.sex not in Patient.Sex.values:
        problems.add("sex", "invalid", f"Sex must be one of: {', '.join(Patient.Sex.values)}.")
    if data.preferred_language not in Patient.Language.values:
        problems.add(
            "preferred_language",
            "invalid",
            f"Preferred language is one of: {', '.join(Patient.Language.values)}.",
        )
    if data.health_number and not _HEALTH_NUMBER.match(data.health_number):
        problems.add(
            "health_number", "invalid", "Health number: 4-30 letters, digits, spaces or hyphens."
        )
    if data.phone and not _PHONE.match(data.phone):
        problems.add(
            "phone", "invalid", "Phone: digits, spaces, +, (, ), . or - only, e.g. 403-555-0100."
        )
    if data.email:
        try:
            validate_email(data.email)
        except DjangoValidationError:
            problems.add("email", "invalid", "Enter a valid email address, e.g. name@example.org.")
    for name, (allowed, legend) in LIMB_LIST_FIELDS.items():
        for index, site in enumerate(getattr(data, name)):
            if site not in allowed:
                problems.add(
                    f"{name}.{index}",
                    "invalid",
                    f"Unknown value '{site}' for {legend.split(' (')[0].lower()}. "
                    f"Use one of: {', '.join(allowed)}.",
                )
    problems.raise_if_any()


def check_patient(data: PatientIn) -> None:
    """The checks registering or changing a patient runs, without writing: a page reports
    them together with the form's shape problems (core.form_input.parse_input)."""
    _validate_patient(data)


_PATIENT_FIELDS = tuple(PatientIn.model_fields)
_CLINICAL_INPUT = (*CLINICAL_FIELDS, *BOOKING_FLAGS)


def _clinical_values(actor: Actor, data: PatientIn, patient: Patient | None) -> dict[str, Any]:
    """The patient's values to store. Front desk writes demographics only: clinical fields
    it sends are refused by name, and the stored ones (or the defaults) are kept."""
    values = data.model_dump()
    if has_role(actor.role, CLINICAL):
        return values
    sent = sorted(set(_CLINICAL_INPUT) & data.model_fields_set)
    if sent:
        problems = Problems()
        for name in sent:
            problems.add(
                name,
                "clinical_field",
                "Front desk records demographics only: medications and precautions are "
                "recorded by a practitioner. Leave this out.",
            )
        problems.raise_if_any()
    for name in _CLINICAL_INPUT:
        if patient is not None:
            values[name] = getattr(patient, name)
        else:
            values[name] = PatientIn.model_fields[name].get_default(call_default_factory=True)
    return values


def _clean(values: dict[str, Any]) -> dict[str, Any]:
    for name in LIMB_LIST_FIELDS:
        values[name] = sorted(set(values[name]))
    return values


@transaction.atomic
def patient_register(*, actor: Actor, data: PatientIn) -> Patient:
    _validate_patient(data)
    values = _clean(_clinical_values(actor, data, None))
    values["family_name"] = values["family_name"].strip()
    values["given_name"] = values["given_name"].strip()
    patient = Patient.objects.create(clinic=actor.clinic, created_by=actor.user, **values)
    audit_record(actor=actor, action="create", patient_id=patient.pk, obj=patient)
    return patient


@transaction.atomic
def patient_update(*, actor: Actor, patient: Patient, data: PatientIn) -> Patient:
    _validate_patient(data)
    values = _clean(_clinical_values(actor, data, patient))
    changed = [name for name in _PATIENT_FIELDS if getattr(patient, name) != values[name]]
    for name in changed:
        setattr(patient, name, values[name])
    if changed:
        patient.save()
        audit_record(
            actor=actor,
            action="change",
            patient_id=patient.pk,
            obj=patient,
            detail="fields: " + ", ".join(changed),
        )
    return patient


def check_consent(data: ConsentIn) -> None:
    """The checks of a consent's fields, also run by the page with its shape problems."""
    problems = Problems()
    if data.consented_on > local_today():
        problems.add("consented_on", "future", "Consent date cannot be in the future.")
    if data.text_version not in CONSENT_TEXTS:
        problems.add(
            "text_version",
            "unknown",
            f"Unknown consent text version '{data.text_version}'. Use one of: {', '.join(CONSENT_TEXTS)}.",
        )
    if data.given_by not in Consent.GivenBy.values:
        problems.add(
            "given_by",
            "invalid",
            f"Consent is given by one of: {', '.join(Consent.GivenBy.values)}.",
        )
    elif data.given_by != Consent.GivenBy.PATIENT and not data.substitute_name.strip():
        problems.add(
            "substitute_name",
            "required",
            "Name the parent, guardian or substitute decision-maker who consented.",
        )
    problems.raise_if_any()


@transaction.atomic
def consent_record(*, actor: Actor, patient: Patient, data: ConsentIn) -> Consent:
    check_consent(data)
    if patient.precautions.unable_to_consent and data.given_by == "patient":
        raise RuleViolation(
            "The patient is recorded as unable to consent: consent must come from a substitute "
            "decision-maker, and needling stays contraindicated while this precaution is set.",
            code="unable_to_consent",
            field="given_by",
        )
    consent = Consent.objects.create(
        clinic=actor.clinic,
        patient=patient,
        consented_on=data.consented_on,
        text_version=data.text_version,
        given_by=data.given_by,
        substitute_name=data.substitute_name.strip(),
        recorded_by=actor.user,
    )
    audit_record(actor=actor, action="create", patient_id=patient.pk, obj=consent)
    return consent


@transaction.atomic
def consent_withdraw(*, actor: Actor, consent: Consent, data: ConsentWithdrawIn) -> Consent:
    if consent.withdrawn_on is not None:
        raise RuleViolation(
            f"This consent was already withdrawn on {consent.withdrawn_on}.",
            code="already_withdrawn",
        )
    problems = Problems()
    if data.withdrawn_on > local_today():
        problems.add("withdrawn_on", "future", "Withdrawal date cannot be in the future.")
    if data.withdrawn_on < consent.consented_on:
        problems.add(
            "withdrawn_on", "before_consent", "Withdrawal cannot precede the consent date."
        )
    problems.raise_if_any()
    consent.withdrawn_on = data.withdrawn_on
    consent.withdrawal_reason = data.reason.strip()
    consent.save(update_fields=["withdrawn_on", "withdrawal_reason", "updated_at"])
    audit_record(
        actor=actor, action="change", patient_id=consent.patient_id, obj=consent, detail="withdrawn"
    )
    return consent


# Archiving: "deletion" is a recorded, reversible state; rows are never removed. ---------


@transaction.atomic
def patient_archive(*, actor: Actor, patient: Patient, reason: str = "") -> Patient:
    """Hide the patient from search and lists; the record stays whole and restorable."""
    require_role(actor, ADMINS, "Only a clinic admin can archive a patient record.")
    locked = Patient.objects.select_for_update().get(pk=patient.pk, clinic=actor.clinic)
    if locked.archived_at is not None:
        raise RuleViolation(
            f"This record was already archived on {locked.archived_at:%Y-%m-%d}.",
            code="already_archived",
        )
    locked.archived_at = timezone.now()
    locked.save(update_fields=["archived_at", "updated_at"])
    audit_record(
        actor=actor, action="archive", patient_id=locked.pk, obj=locked, detail=reason[:300]
    )
    return locked


@transaction.atomic
def patient_restore(*, actor: Actor, patient: Patient) -> Patient:
    require_role(actor, ADMINS, "Only a clinic admin can restore an archived patient record.")
    locked = Patient.objects.select_for_update().get(pk=patient.pk, clinic=actor.clinic)
    if locked.archived_at is None:
        raise RuleViolation("This record is not archived.", code="not_archived")
    locked.archived_at = None
    locked.save(update_fields=["archived_at", "updated_at"])
    audit_record(actor=actor, action="restore", patient_id=locked.pk, obj=locked)
    return locked
