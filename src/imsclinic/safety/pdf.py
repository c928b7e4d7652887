"""The incident report as PDF (WeasyPrint), for the clinic's records and for the regulator
or insurer where required. Printing is audited (action "print")."""

from __future__ import annotations

from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from imsclinic.core.actors import Actor
from imsclinic.core.audit import audit_record
from imsclinic.reports.pdf import Report
from imsclinic.safety.integrity import incident_intact
from imsclinic.safety.selectors import incident_get, session_followups


@transaction.atomic
def incident_report_pdf(*, actor: Actor, report_id: object) -> Report:
    from weasyprint import HTML  # heavy import, only when a report is printed

    report = incident_get(actor=actor, report_id=report_id)
    html = render_to_string(
        "safety/incident_report_pdf.html",
        {
            "report": report,
            "patient": report.patient,
            "clinic": actor.clinic,
            "printed_by": actor.user,
            "followups": session_followups(actor=actor, session_id=report.session_id),
            "intact": incident_intact(report),
            "generated_at": timezone.localtime(),
        },
    )
    pdf = HTML(string=html).write_pdf()
    audit_record(
        actor=actor,
        action="print",
        patient_id=report.patient_id,
        obj=report,
        detail="incident report" + ("" if report.is_signed else " (draft)"),
    )
    return Report(pdf=pdf, filename=f"incident-report-{report.pk}-{timezone.localdate()}.pdf")
