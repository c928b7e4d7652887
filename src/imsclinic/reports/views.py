"""The report pages: an episode's progress report or discharge summary as a PDF."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from imsclinic.core.actors import Actor
from imsclinic.core.errors import RuleViolation, ValidationProblem
from imsclinic.core.web import clinic_view
from imsclinic.reports.pdf import episode_report


@clinic_view
def episode_report_pdf(request: HttpRequest, actor: Actor, episode_id: int) -> HttpResponse:
    try:
        report = episode_report(
            actor=actor,
            episode_id=episode_id,
            kind=request.GET.get("kind", "progress"),
            audience=request.GET.get("audience", "physician"),
        )
    except (ValidationProblem, RuleViolation) as exc:
        return HttpResponse(exc.message, status=422, content_type="text/plain; charset=utf-8")
    response = HttpResponse(report.pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{report.filename}"'
    response["Cache-Control"] = "no-store"
    return response
