"""The patient's chart (the page a practitioner opens first), a new episode, and the muscle
search the forms' autocomplete asks."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from imsclinic.anatomy import get_catalog
from imsclinic.charting import actions, selectors
from imsclinic.charting.schemas import (
    EpisodeIn,
)
from imsclinic.charting.views.common import (
    _muscle_names,
)
from imsclinic.charting.vocabulary import (
    AFFECTED_SIDE,
)
from imsclinic.core.actors import Actor
from imsclinic.core.audit import audit_form_view, audit_view
from imsclinic.core.errors import (
    DomainError,
    ValidationProblem,
)
from imsclinic.core.form_input import blank_to_none, field_errors, nested_from_post, parse_input
from imsclinic.core.permissions import CLINICAL, has_role
from imsclinic.core.web import clinic_view
from imsclinic.patients.selectors import patient_get
from imsclinic.plots.pain import pain_course_svg

# A new insertion row's needle as the form posts it (sizes: rules/ranges.py, the one place).


def _insertion_summaries(sessions: list[Any], names: dict[str, str]) -> dict[int, str]:
    """Each session's insertions as the timeline lists them ("Piriformis L5 (L), ..."),
    joined here once rather than looked up field by field in the template (issue 18: the
    loop cost ~7,500 template lookups for 100 sessions). Escaped where the page shows it."""
    return {
        session.pk: ", ".join(
            f"{names.get(i.muscle_id, '')}{' ' + i.level if i.level else ''} ({i.side[:1].upper()})"
            for i in session.insertions.all()
        )
        for session in sessions
    }


@clinic_view
def patient_chart(request: HttpRequest, actor: Actor, patient_id: int) -> HttpResponse:
    if not has_role(actor.role, CLINICAL):
        # Front desk sees demographics only: the registration form, not the clinical chart.
        return redirect("patient_edit", patient_id=patient_id)
    chart = selectors.patient_chart(actor=actor, patient_id=patient_id)
    audit_view(actor=actor, patient_id=chart.patient.pk, obj=chart.patient)
    series = chart.pain_series()
    names = _muscle_names()
    return render(
        request,
        "charting/chart.html",
        {
            "chart": chart,
            "patient": chart.patient,
            "consent": chart.current_consent(),
            "timeline": chart.timeline(),
            "pain_svg": pain_course_svg(series) if series else "",
            "insertion_summaries": _insertion_summaries(chart.sessions, names),
            "relative": [p.message for p in chart.patient.relative_precautions],
            "today": chart.today,
            "age": chart.patient.age_on(chart.today),
        },
    )


@clinic_view(roles=CLINICAL)
def episode_new(request: HttpRequest, actor: Actor, patient_id: int) -> HttpResponse:
    patient = patient_get(actor=actor, patient_id=patient_id)
    if request.method == "GET":  # the form shows the patient's details and precautions
        audit_form_view(actor, patient, "EpisodeForm")
    values: dict[str, Any] = {"opened_on": timezone.localdate().isoformat()}
    errors: dict[str, str] = {}
    if request.method == "POST":
        values = blank_to_none(nested_from_post(request.POST), "onset_date")
        try:
            data = parse_input(EpisodeIn, values, checks=actions.episode_check)
            actions.episode_open(actor=actor, patient=patient, data=data)
            return redirect("patient_chart", patient_id=patient.pk)
        except ValidationProblem as exc:
            errors = field_errors(exc)
        except DomainError as exc:
            errors = {"form": exc.message}
    return render(
        request,
        "charting/episode_form.html",
        {
            "patient": patient,
            "values": values,
            "errors": errors,
            "conditions": get_catalog().conditions,
            "affected_sides": AFFECTED_SIDE.choices,
        },
        status=422 if errors else 200,
    )


@clinic_view(roles=CLINICAL)
def muscle_search(request: HttpRequest, actor: Actor) -> HttpResponse:
    query = request.GET.get("q", "")
    return render(
        request,
        "charting/_muscle_options.html",
        {"muscles": get_catalog().search(query, limit=12) if query else []},
    )
