"""The one write path for patients and consent.

Size: the record's writes (register, update, consent, archive, merge) share the field
checks and the front desk's field rules; just over the line since the duplicate merge
was added.
"""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Model
from django.utils import timezone

from imsclinic.core.actors import Actor
from imsclinic.core.audit import audit_record
from imsclinic.core.dates import local_today
from imsclinic.core.errors import Problems, RuleViolation
from imsclinic.core.models import Clinic
from imsclinic.core.permissions import ADMINS, CLINICAL, has_role, require_role
from imsclinic.patients.models import Consent, Patient
from imsclinic.patients.schemas import (
    BOOKING_FLAGS,
    CLINICAL_FIELDS,
    ConsentIn,
    ConsentWithdrawIn,
    PatientIn,
)
from imsclinic.patients.selectors import consent_texts
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


def check_consent(data: ConsentIn, *, clinic: Clinic) -> None:
    """The checks of a consent's fields (the versions are the clinic's), also run by the
    page with its shape problems."""
    problems = Problems()
    if data.consented_on > local_today():
        problems.add("consented_on", "future", "Consent date cannot be in the future.")
    texts = consent_texts(clinic)
    if data.text_version not in texts:
        problems.add(
            "text_version",
            "unknown",
            f"Unknown consent text version '{data.text_version}'. Use one of: {', '.join(texts)}.",
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
    check_consent(data, clinic=actor.clinic)
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


# Merging duplicate records (issue 16) -------------------------------------------------------

# Fields of the removed record that are never copied to the kept one.
_MERGE_SKIP = frozenset(
    {
        "id",
        "clinic",
        "created_at",
        "updated_at",
        "family_name",
        "given_name",
        "date_of_birth",
        "sex",
        "search_name",
        "search_name_reversed",
        "health_number_key",
        "archived_at",
    }
)


def _patient_references() -> list[tuple[type[Model], str]]:
    """Every (model, column) that names a patient: foreign keys to Patient, discovered
    from the installed models (so a new app is covered), and plain ``patient_id`` columns
    (the outbox's). The audit trail (every model of ``core``: its events and the patients
    they name) is not among them: it is hash-chained history and keeps naming the patient
    it was about."""
    from django.apps import apps
    from django.db.models import BigIntegerField, IntegerField

    found: list[tuple[type[Model], str]] = []
    for model in apps.get_models():
        if model._meta.app_label == "core" or model._meta.proxy:
            continue
        for field in model._meta.concrete_fields:
            if (field.is_relation and field.related_model is Patient) or (
                field.name == "patient_id"
                and isinstance(field, IntegerField | BigIntegerField)
                and model is not Patient
            ):
                found.append((model, field.attname))
    return found


def _merged_value(name: str, kept: Any, removed: Any) -> Any:
    """What the kept record holds after the merge: nothing of the other is lost (a
    precaution of either stays; notes of both are kept)."""
    if isinstance(kept, bool):
        return kept or removed
    if isinstance(kept, list):
        return kept + [item for item in removed if item not in kept]
    if not kept:
        return removed
    if isinstance(kept, str) and removed and removed != kept and name in _JOINED_TEXT:
        return f"{kept}\n{removed}"
    return kept


_JOINED_TEXT = frozenset({"medications", "precaution_notes"})


@transaction.atomic
def patient_merge(*, actor: Actor, keep: Patient, remove: Patient) -> dict[str, int]:
    """Move every row naming ``remove`` to ``keep``, fill ``keep``'s empty details from
    ``remove`` (precautions of either stay), then archive ``remove`` ("merged into").

    Signed notes, issued invoices and other immutable rows cannot move (their content
    hash covers the patient, and the database refuses the change): the whole merge is
    refused, naming what holds it, and nothing changes. Returns rows moved per table."""
    from django.db import DatabaseError

    require_role(actor, ADMINS, "Only a clinic admin can merge patient records.")
    if keep.pk == remove.pk:
        raise RuleViolation("Choose two different records to merge.", code="same_record")
    rows = {
        p.pk: p
        for p in Patient.objects.select_for_update().filter(
            clinic=actor.clinic, pk__in=[keep.pk, remove.pk]
        )
    }
    if len(rows) != 2:
        raise RuleViolation("Both records must be of this clinic.", code="not_found")
    kept, removed = rows[keep.pk], rows[remove.pk]
    if removed.archived_at is not None:
        raise RuleViolation(
            f"{removed.display_name} (#{removed.pk}) is archived; restore it before merging.",
            code="archived",
        )
    moved: dict[str, int] = {}
    for model, column in _patient_references():
        label = model._meta.label
        try:
            with transaction.atomic():
                count = model._base_manager.filter(**{column: removed.pk}).update(
                    **{column: kept.pk}
                )
        except DatabaseError as exc:
            raise RuleViolation(
                f"Merge refused, nothing changed: {model._meta.verbose_name_plural} of "
                f"{removed.display_name} (#{removed.pk}) cannot move to another record "
                f"({str(exc)[:120]}). Signed notes and issued invoices are immutable and "
                f"name their patient. Merge the other way (keep #{removed.pk}), or archive "
                "the duplicate.",
                code="immutable_rows",
            ) from None
        if count:
            moved[label] = count
    filled = []
    for field in Patient._meta.concrete_fields:
        if field.name in _MERGE_SKIP:
            continue
        before = getattr(kept, field.attname)
        after = _merged_value(field.name, before, getattr(removed, field.attname))
        if after != before:
            setattr(kept, field.attname, after)
            filled.append(field.name)
    if filled:
        kept.save(update_fields=[*filled, "health_number_key", "updated_at"])
    removed.archived_at = timezone.now()
    removed.save(update_fields=["archived_at", "updated_at"])
    summary = ", ".join(f"{label} {count}" for label, count in sorted(moved.items()))
    detail = f"#{removed.pk} merged into #{kept.pk}: {summary or 'no rows'}"
    if filled:
        detail += f"; filled {', '.join(filled)}"
    audit_record(actor=actor, action="merge", patient_id=kept.pk, obj=kept, detail=detail)
    audit_record(actor=actor, action="archive", patient_id=removed.pk, obj=removed, detail=detail)
    return moved


_VERSION = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{1,29}$")


@transaction.atomic
def consent_text_add(*, actor: Actor, version: str, text: str) -> Any:
    """A new consent wording of the clinic, its current one from now on (admins)."""
    from imsclinic.patients.models import ClinicConsentText

    require_role(actor, ADMINS, "Only a clinic admin can add consent wording.")
    version, text = version.strip(), text.strip()
    problems = Problems()
    if not _VERSION.match(version):
        problems.add(
            "version",
            "invalid",
            "Name the version with 2-30 letters, digits, '.', '_' or '-', e.g. 'bow-2027.1'.",
        )
    elif version in consent_texts(actor.clinic):
        problems.add(
            "version",
            "taken",
            f"Version '{version}' exists and its wording cannot change; choose a new version name.",
        )
    if not 50 <= len(text) <= 5000:
        problems.add(
            "text",
            "length",
            f"The wording is {len(text)} characters; give 50 to 5,000 (what the patient reads).",
        )
    problems.raise_if_any()
    created = ClinicConsentText.objects.create(clinic=actor.clinic, version=version, text=text)
    audit_record(actor=actor, action="create", obj=created, detail=f"consent text {version}")
    return created
