"""Assessments: the examination form with its body chart, the live segmental reasoning
preview (reasoning shown with its sources; the clinician decides), the signed record and its plan."""

from __future__ import annotations

import contextlib
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from imsclinic.anatomy import CHART_REGIONS, PARASPINAL_LEVELS, get_catalog
from imsclinic.charting import actions, reasoning, selectors
from imsclinic.charting.schemas import (
    AssessmentIn,
    FindingIn,
    SignIn,
)
from imsclinic.charting.views.common import (
    _body_chart_context,
    _chart_regions_data,
    _muscle_names,
)
from imsclinic.charting.vocabulary import (
    SIDE,
    SIGN_KIND,
)
from imsclinic.core.actors import Actor
from imsclinic.core.audit import audit_form_view, audit_view
from imsclinic.core.errors import (
    DomainError,
    SignedNoteConflict,
    ValidationProblem,
)
from imsclinic.core.form_input import blank_to_none, field_errors, nested_from_post, parse_input
from imsclinic.core.permissions import CLINICAL
from imsclinic.core.web import clinic_view
from imsclinic.patients.selectors import patient_get
from imsclinic.rules.ranges import (
    MOVEMENTS,
)

# A new insertion row's needle as the form posts it (sizes: rules/ranges.py, the one place).


def _signs_from_post(request: HttpRequest) -> list[dict[str, str]]:
    signs = []
    for key in request.POST:
        if key.startswith("sign:"):
            _, region, side, kind = ([*key.split(":"), "", "", ""])[:4]
            signs.append({"region": region, "side": side, "kind": kind})
    return signs


def _pain_marks_from_post(request: HttpRequest) -> list[dict[str, str]]:
    marks = []
    for value in request.POST.getlist("pain_mark"):
        region, _, side = value.partition(":")
        marks.append({"region": region, "side": side})
    return marks


def _assessment_values(request: HttpRequest) -> dict[str, Any]:
    values = nested_from_post(request.POST, list_fields=("pain_mark",))
    values.pop("pain_mark", None)
    for key in [k for k in values if k.startswith("sign:")]:
        values.pop(key)
    values["signs"] = _signs_from_post(request)
    values["pain_locations"] = _pain_marks_from_post(request)
    values["findings"] = [f for f in values.get("findings", []) if f.get("muscle", "").strip()]
    values["rom"] = [r for r in values.get("rom", []) if str(r.get("degrees", "")).strip()]
    return blank_to_none(values, "pain_now")


def _assessment_context(
    patient: Any, values: dict[str, Any], errors: dict[str, str]
) -> dict[str, Any]:
    marks = {f"{m['region']}:{m['side']}" for m in values.get("pain_locations", [])}
    signs = {f"{s['region']}:{s['side']}:{s['kind']}" for s in values.get("signs", [])}
    return {
        "patient": patient,
        "values": values,
        "errors": errors,
        "episodes": [e for e in patient.episodes.all() if e.is_open],
        **_body_chart_context(marks),
        "marked": marks,
        "signs_checked": signs,
        "chart_regions": CHART_REGIONS,
        "regions_data": _chart_regions_data(),
        "chart_buttons": True,
        "inference": reasoning.result_dict(
            reasoning.infer(_rows_from_values(values)[0], signs=_signs_from_values(values))[0]
        )
        if values.get("findings") or values.get("signs")
        else None,
        "sign_kinds": SIGN_KIND.choices,
        "sides": SIDE.choices,
        "movements": MOVEMENTS.values(),
        "muscles": get_catalog().muscles,
        "levels": PARASPINAL_LEVELS,
        "findings": values.get("findings", []),
        "rom_rows": values.get("rom", []) or [{}],
    }


@clinic_view(roles=CLINICAL)
def assessment_new(request: HttpRequest, actor: Actor, patient_id: int) -> HttpResponse:
    patient = patient_get(actor=actor, patient_id=patient_id)
    if request.method == "GET":  # the form shows the patient's details and precautions
        audit_form_view(actor, patient, "AssessmentForm")
    open_episodes = [e for e in patient.episodes.all() if e.is_open]
    values: dict[str, Any] = {
        "assessed_on": timezone.localdate().isoformat(),
        "episode_id": str(open_episodes[0].pk) if open_episodes else "",
    }
    errors: dict[str, str] = {}
    if request.method == "POST":
        values = _assessment_values(request)
        try:
            data = parse_input(
                AssessmentIn,
                values,
                checks=lambda d: actions.assessment_check(patient=patient, data=d),
            )
            assessment = actions.assessment_record(actor=actor, patient=patient, data=data)
            if request.POST.get("sign"):
                actions.assessment_sign(actor=actor, assessment=assessment)
            return redirect("assessment_detail", assessment_id=assessment.pk)
        except ValidationProblem as exc:
            errors = field_errors(exc)
        except DomainError as exc:
            errors = {"form": exc.message}
    return render(
        request,
        "charting/assessment_form.html",
        _assessment_context(patient, values, errors),
        status=422 if errors else 200,
    )


def _signs_from_values(values: dict[str, Any]) -> list[SignIn]:
    return reasoning.draft_signs(values.get("signs", []))


def _rows_from_values(values: dict[str, Any]) -> tuple[list[FindingIn], list[str]]:
    return reasoning.draft_findings(values.get("findings", []))


@clinic_view(roles=CLINICAL)
def segments_preview(request: HttpRequest, actor: Actor, patient_id: int) -> HttpResponse:
    """htmx: the inferred levels for the findings typed so far, before anything is saved."""
    patient_get(actor=actor, patient_id=patient_id)
    values = _assessment_values(request)
    rows, left_out = _rows_from_values(values)
    result, _findings, skipped = reasoning.infer(rows, signs=_signs_from_values(values))
    return render(
        request,
        "charting/_inference.html",
        {"inference": reasoning.result_dict(result, left_out + skipped), "chart_buttons": True},
    )


def _plan_context(assessment: Any) -> dict[str, Any]:
    result, plan, skipped = reasoning.plan_for(
        assessment.patient,
        reasoning.rows_of_assessment(assessment),
        reasoning.signs_of_assessment(assessment),
    )
    return {"inference": reasoning.result_dict(result, skipped), "plan": reasoning.plan_dict(plan)}


def _assessment_detail_context(assessment: Any) -> dict[str, Any]:
    marked = {f"{m['region']}:{m['side']}" for m in assessment.pain_locations}
    return {**_body_chart_context(marked), "marked": marked, "chart_buttons": True}


@clinic_view(roles=CLINICAL)
def assessment_detail(request: HttpRequest, actor: Actor, assessment_id: int) -> HttpResponse:
    assessment = selectors.assessment_get(actor=actor, assessment_id=assessment_id)
    audit_view(actor=actor, patient_id=assessment.patient_id, obj=assessment)
    return render(
        request,
        "charting/assessment_detail.html",
        {
            "assessment": assessment,
            "patient": assessment.patient,
            "muscle_names": _muscle_names(),
            "integrity": assessment.integrity,  # type: ignore[attr-defined]
            "errors": {},
            **_assessment_detail_context(assessment),
            **_plan_context(assessment),
        },
    )


@clinic_view(roles=CLINICAL)
def assessment_sign(request: HttpRequest, actor: Actor, assessment_id: int) -> HttpResponse:
    assessment = selectors.assessment_get(actor=actor, assessment_id=assessment_id)
    if request.method == "POST":
        with contextlib.suppress(SignedNoteConflict):
            actions.assessment_sign(actor=actor, assessment=assessment)
    return redirect("assessment_detail", assessment_id=assessment.pk)
