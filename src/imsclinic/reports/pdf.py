"""Progress reports and discharge summaries as PDF (WeasyPrint), for the patient, the
referring physician or an insurer. The same progress selector feeds the page and the PDF,
so the two never disagree."""

from __future__ import annotations

import base64
from dataclasses import dataclass

from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from imsclinic.anatomy import CHART_REGIONS
from imsclinic.billing.selectors import billing_settings
from imsclinic.charting.body_chart import chart_svgs
from imsclinic.charting.selectors import latest_signed_assessment
from imsclinic.core.actors import Actor
from imsclinic.core.audit import audit_record
from imsclinic.core.errors import Problems, RuleViolation
from imsclinic.core.routing import replica_reads
from imsclinic.outcomes.selectors import Progress, episode_progress
from imsclinic.plots.outcomes import outcome_course_svg
from imsclinic.plots.pain import pain_course_svg
from imsclinic.rules.billing import cpt_code, muscle_count, uses_cpt

KINDS = {"progress": "Progress report", "discharge": "Discharge summary"}
AUDIENCES = {
    "patient": "Patient",
    "physician": "Referring physician",
    "insurer": "Insurer",
}


@dataclass(frozen=True)
class Report:
    pdf: bytes
    filename: str


def _svg_data_uri(svg: str) -> str:
    # An <img> with an SVG data URI renders identically in WeasyPrint's versions; inline
    # <svg> support varies.
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


def report_context(progress: Progress, *, kind: str, audience: str, actor: Actor) -> dict:  # type: ignore[type-arg]
    series = [(s.session_date, s.pain_before, s.pain_after, s.sequence) for s in progress.sessions]
    plots = []
    if series:
        plots.append(("Pain before and after each session", _svg_data_uri(pain_course_svg(series))))
    for course in progress.questionnaires:
        first = course.first_mcid
        svg = outcome_course_svg(
            course.measure,
            [(p.label, p.score) for p in course.points],
            first_mcid_index=course.points.index(first) if first else None,
        )
        plots.append((f"{course.measure.name}", _svg_data_uri(svg)))
    # CPT codes are a US convention (rules/billing.py): none in a Canadian clinic's report.
    us_mode = uses_cpt(billing_settings(actor.clinic).jurisdiction)
    sessions = [
        {
            "session": s,
            "insertions": len(s.insertions.all()),
            "muscles": sorted({i.muscle_id for i in s.insertions.all()}),
            "cpt": cpt_code(muscle_count((i.muscle_id, i.side) for i in s.insertions.all()))
            if us_mode
            else "",
        }
        for s in progress.sessions
    ]
    episode = progress.episode
    assessment = latest_signed_assessment(actor=actor, episode=episode)
    body_chart = None
    if assessment is not None:
        marks = [(m["region"], m["side"]) for m in assessment.pain_locations]
        body_chart = {
            "assessment": assessment,
            "locations": [f"{CHART_REGIONS.get(r, r)} ({side})" for r, side in marks],
            "views": [
                (label, _svg_data_uri(svg))
                for label, svg in chart_svgs({f"{r}:{side}" for r, side in marks}, CHART_REGIONS)
            ],
        }
    return {
        "progress": progress,
        "episode": episode,
        "patient": episode.patient,
        "practitioner": episode.practitioner,
        "printed_by": actor.user,
        "clinic": actor.clinic,
        "kind": kind,
        "kind_label": KINDS[kind],
        "audience": audience,
        "audience_label": AUDIENCES[audience],
        "plots": plots,
        "sessions": sessions,
        "treated": progress.treated_muscles(),
        "generated_at": timezone.localtime(),
        "us_mode": us_mode,
        "body_chart": body_chart,
    }


@transaction.atomic
def episode_report(*, actor: Actor, episode_id: object, kind: str, audience: str) -> Report:
    """Render the PDF and record the print in the audit trail (action "print")."""
    from weasyprint import HTML  # heavy import, only when a report is printed

    problems = Problems()
    if kind not in KINDS:
        problems.add("kind", "invalid", f"Report kind is one of: {', '.join(KINDS)}.")
    if audience not in AUDIENCES:
        problems.add("audience", "invalid", f"Audience is one of: {', '.join(AUDIENCES)}.")
    problems.raise_if_any()
    with replica_reads(actor.clinic):  # a replica may serve the reads (core/routing.py)
        progress = episode_progress(actor=actor, episode_id=episode_id)
    if kind == "discharge" and progress.episode.is_open:
        raise RuleViolation(
            "A discharge summary needs a discharged episode; print a progress report, or "
            "record the discharge first.",
            code="episode_open",
            field="kind",
        )
    html = render_to_string(
        "reports/episode_report.html",
        report_context(progress, kind=kind, audience=audience, actor=actor),
    )
    pdf = HTML(string=html).write_pdf()
    audit_record(
        actor=actor,
        action="print",
        patient_id=progress.episode.patient_id,
        obj=progress.episode,
        detail=f"{kind} report for {audience}",
    )
    day = timezone.localdate().isoformat()
    return Report(pdf=pdf, filename=f"{kind}-episode-{progress.episode.pk}-{day}.pdf")
