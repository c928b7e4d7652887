"""Patient pages: dashboard, search, registration, consent."""

from __future__ import annotations

import contextlib

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from imsclinic.core.actors import Actor
from imsclinic.core.audit import audit_form_view, audit_list, audit_view
from imsclinic.core.errors import DomainError, RuleViolation, ValidationProblem
from imsclinic.core.form_input import field_errors, nested_from_post, parse_input
from imsclinic.core.permissions import ADMINS, CLINICAL, has_role
from imsclinic.core.web import clinic_view
from imsclinic.patients import actions, selectors
from imsclinic.patients.models import Consent, Patient
from imsclinic.patients.schemas import CLINICAL_FIELDS, ConsentIn, PatientIn
from imsclinic.rules.precautions import LIMB_LIST_FIELDS, PRECAUTIONS

# Labels come from the one precautions table; absolute ones say so on the form.
PRECAUTION_FIELDS = [
    (p.code, f"{p.label} (absolute)" if p.kind == "absolute" else p.label) for p in PRECAUTIONS
]
LIST_FIELDS = tuple(LIMB_LIST_FIELDS)


@clinic_view
def patient_list(request: HttpRequest, actor: Actor) -> HttpResponse:
    query = request.GET.get("q", "")
    archived = request.GET.get("archived") == "1"
    if archived:
        patients = selectors.archived_patients(actor=actor)
    else:
        patients = selectors.patient_search(actor=actor, query=query, limit=50)
    audit_list(
        actor=actor,
        object_type="PatientList",
        patient_ids=[p.pk for p in patients],
        detail="archived" if archived else f"search {query[:100]!r}",
    )
    template = "patients/_patient_rows.html" if request.htmx else "patients/patient_list.html"  # type: ignore[attr-defined]
    return render(request, template, {"patients": patients, "q": query, "archived": archived})


def _patient_form_context(
    actor: Actor, values: dict[str, object], errors: dict[str, str]
) -> dict[str, object]:
    clinical = has_role(actor.role, CLINICAL)
    if not clinical:  # front desk: demographics only (patients/schemas.py BOOKING_FLAGS)
        values = {k: v for k, v in values.items() if k not in CLINICAL_FIELDS}
    return {
        "clinical": clinical,
        "values": values,
        "errors": errors,
        "precaution_fields": PRECAUTION_FIELDS,
        "limb_list_fields": [
            (name, legend, choices) for name, (choices, legend) in LIMB_LIST_FIELDS.items()
        ],
        "sexes": Patient.Sex.choices,
        "languages": Patient.Language.choices,
    }


@clinic_view
def patient_new(request: HttpRequest, actor: Actor) -> HttpResponse:
    values: dict[str, object] = {
        "sex": "unknown",
        "preferred_language": "en",
        **{name: [] for name in LIST_FIELDS},
    }
    errors: dict[str, str] = {}
    duplicates: list[Patient] = []
    if request.method == "POST":
        values = nested_from_post(request.POST, list_fields=LIST_FIELDS)
        try:
            data = parse_input(PatientIn, values, checks=actions.check_patient)
            if request.POST.get("confirm_new") != "1":
                duplicates = selectors.likely_duplicates(
                    actor=actor,
                    family_name=data.family_name,
                    given_name=data.given_name,
                    date_of_birth=data.date_of_birth,
                    health_number=data.health_number or "",
                )
            if not duplicates:
                patient = actions.patient_register(actor=actor, data=data)
                return redirect("patient_chart", patient_id=patient.pk)
        except ValidationProblem as exc:
            errors = field_errors(exc)
    context = _patient_form_context(actor, values, errors)
    # Likely the same person already registered: open that record, or go on (issue 16).
    context["duplicates"] = duplicates
    context["title"] = "Register a patient"
    return render(request, "patients/patient_form.html", context, status=422 if errors else 200)


@clinic_view
def patient_edit(request: HttpRequest, actor: Actor, patient_id: int) -> HttpResponse:
    patient = selectors.patient_get(actor=actor, patient_id=patient_id)
    if request.method == "GET":
        audit_view(actor=actor, patient_id=patient.pk, obj=patient)
    values: dict[str, object] = {name: getattr(patient, name) for name in PatientIn.model_fields}
    errors: dict[str, str] = {}
    if request.method == "POST":
        values = nested_from_post(request.POST, list_fields=LIST_FIELDS)
        try:
            data = parse_input(PatientIn, values, checks=actions.check_patient)
            actions.patient_update(actor=actor, patient=patient, data=data)
            return redirect("patient_chart", patient_id=patient.pk)
        except ValidationProblem as exc:
            errors = field_errors(exc)
    context = _patient_form_context(actor, values, errors)
    context.update(title=f"Edit {patient.display_name}", patient=patient)
    return render(request, "patients/patient_form.html", context, status=422 if errors else 200)


@clinic_view(roles=CLINICAL)
def consent_new(request: HttpRequest, actor: Actor, patient_id: int) -> HttpResponse:
    patient = selectors.patient_get(actor=actor, patient_id=patient_id)
    if request.method == "GET":  # the form shows the patient's name and date of birth
        audit_form_view(actor, patient, "ConsentForm")
    values: dict[str, object] = {
        "consented_on": timezone.localdate().isoformat(),
        "text_version": selectors.current_consent_version(actor.clinic),
        "given_by": "patient",
    }
    errors: dict[str, str] = {}
    if request.method == "POST":
        values = nested_from_post(request.POST)
        try:
            data = parse_input(
                ConsentIn,
                values,
                checks=lambda d: actions.check_consent(d, clinic=actor.clinic),
            )
            actions.consent_record(actor=actor, patient=patient, data=data)
            return redirect("patient_chart", patient_id=patient.pk)
        except ValidationProblem as exc:
            errors = field_errors(exc)
        except DomainError as exc:
            errors = {getattr(exc, "field", None) or "form": exc.message}
    return render(
        request,
        "patients/consent_form.html",
        {
            "patient": patient,
            "values": values,
            "errors": errors,
            "consent_texts": selectors.consent_texts(actor.clinic),
            "given_by_choices": Consent.GivenBy.choices,
        },
        status=422 if errors else 200,
    )


@clinic_view(roles=ADMINS)
def patient_archive(request: HttpRequest, actor: Actor, patient_id: int) -> HttpResponse:
    """POST: archive ("delete", reversibly). GET shows nothing new: back to the record."""
    patient = selectors.patient_get(actor=actor, patient_id=patient_id)
    if request.method == "POST":
        with contextlib.suppress(RuleViolation):
            actions.patient_archive(
                actor=actor, patient=patient, reason=request.POST.get("reason", "")
            )
        return redirect(f"{reverse('patient_list')}?archived=1")
    return redirect("patient_edit", patient_id=patient.pk)


@clinic_view(roles=ADMINS)
def patient_restore(request: HttpRequest, actor: Actor, patient_id: int) -> HttpResponse:
    patient = selectors.patient_get(actor=actor, patient_id=patient_id)
    if request.method == "POST":
        with contextlib.suppress(RuleViolation):
            actions.patient_restore(actor=actor, patient=patient)
    return redirect("patient_edit", patient_id=patient.pk)


@clinic_view(roles=ADMINS)
def patient_merge(request: HttpRequest, actor: Actor, patient_id: int) -> HttpResponse:
    """Merge this record (the duplicate) into another one the admin chooses: its likely
    duplicates are offered, any record can be named by number."""
    duplicate = selectors.patient_get(actor=actor, patient_id=patient_id)
    candidates = selectors.likely_duplicates(
        actor=actor,
        family_name=duplicate.family_name,
        given_name=duplicate.given_name,
        date_of_birth=duplicate.date_of_birth,
        health_number=duplicate.health_number,
        exclude_id=duplicate.pk,
    )
    errors: dict[str, str] = {}
    typed = request.POST.get("keep_number", "").strip().lstrip("#")
    keep_id = typed or request.POST.get("keep_id", "").strip()
    if request.method == "POST":
        if request.POST.get("confirmed") != "1":
            errors["confirmed"] = "Tick the box once you have checked both are the same person."
        if not keep_id:
            errors["keep_id"] = "Choose the record to keep, or enter its number."
        if not errors:
            try:
                keep = selectors.patient_get(actor=actor, patient_id=keep_id)
                actions.patient_merge(actor=actor, keep=keep, remove=duplicate)
            except DomainError as exc:
                errors["form"] = exc.message
            else:
                return redirect("patient_edit", patient_id=keep.pk)
    if request.method == "GET":
        audit_view(actor=actor, patient_id=duplicate.pk, obj=duplicate)
    return render(
        request,
        "patients/patient_merge.html",
        {
            "duplicate": duplicate,
            "candidates": candidates,
            "keep_id": keep_id,
            "errors": errors,
        },
        status=422 if errors else 200,
    )


@clinic_view(roles=ADMINS)
def consent_texts(request: HttpRequest, actor: Actor) -> HttpResponse:
    """The consent wordings patients are asked to agree to: shipped and the clinic's own."""
    values = {"version": "", "text": ""}
    errors: dict[str, str] = {}
    if request.method == "POST":
        values = {name: request.POST.get(name, "")[:6000] for name in values}
        try:
            actions.consent_text_add(actor=actor, **values)
        except ValidationProblem as exc:
            errors = field_errors(exc)
        else:
            messages.success(request, f"Consent text {values['version'].strip()} added.")
            return redirect("consent_texts")
    return render(
        request,
        "patients/consent_texts.html",
        {
            "texts": selectors.consent_texts(actor.clinic),
            "current": selectors.current_consent_version(actor.clinic),
            "values": values,
            "errors": errors,
        },
        status=422 if errors else 200,
    )
