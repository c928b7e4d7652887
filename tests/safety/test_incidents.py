"""Incident reports of serious events: pre-filled, reviewed and signed by an admin,
immutable once signed, printable; notifications and the outcomes page link to them."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from imsclinic.core.errors import (
    PermissionDenied,
    RuleViolation,
    SignedNoteConflict,
    ValidationProblem,
)
from imsclinic.core.models import AuditEvent
from imsclinic.safety import actions, selectors
from imsclinic.safety.integrity import incident_intact
from imsclinic.safety.models import AdminNotification, FollowUp, IncidentReport
from imsclinic.safety.pdf import incident_report_pdf
from imsclinic.safety.schemas import FollowUpDoneIn, IncidentReportIn
from tests.factories import insertion, make_actor, make_practitioner, make_signed_session, today
from tests.safety.builders import serious_session


@pytest.fixture
def serious(actor, patient, episode):
    return serious_session(
        actor,
        patient,
        episode,
        insertions=[insertion("thoracic_paraspinals", "right", "T4", needle_lot="LOT-77")],
    )


def test_report_is_prefilled_from_the_session_and_its_follow_up(actor, admin_actor, serious):
    actions.followup_complete(
        actor=actor,
        followup=FollowUp.objects.get(),
        data=FollowUpDoneIn(
            contact_made=True,
            contact_method="phone",
            contacted_on=today(),
            outcome="Admitted overnight; chest drain.",
            referral="emergency",
        ),
    )
    assert [a.session_id for a in selectors.serious_events_awaiting_report(actor=admin_actor)] == [
        serious.pk
    ]
    report = actions.incident_start(actor=admin_actor, session=serious)
    assert "Pneumothorax (suspected) (serious): Short of breath" in report.what_happened
    assert report.sites.startswith("Thoracic paraspinals") and report.sites.endswith(" T4 (right)")
    assert report.needles == "0.25 x 50 mm, lot LOT-77"
    assert report.actions_taken == "Ambulance called; sent to emergency"
    assert "Admitted overnight; chest drain." in report.outcome
    assert report.depth.startswith("Not recorded")
    assert actions.incident_start(actor=admin_actor, session=serious) == report
    assert selectors.serious_events_awaiting_report(actor=admin_actor) == []


def test_admin_edits_signs_and_the_report_is_then_immutable(admin_actor, serious):
    report = actions.incident_start(actor=admin_actor, session=serious)
    with pytest.raises(ValidationProblem) as caught:
        actions.incident_sign(actor=admin_actor, report=report)
    assert [p.field for p in caught.value.problems] == ["outcome"]
    report = actions.incident_update(
        actor=admin_actor,
        report=report,
        data=IncidentReportIn(
            what_happened=report.what_happened,
            actions_taken=report.actions_taken,
            outcome="Recovered fully within a week.",
            reported_to="College of Physiotherapists of Alberta",
        ),
    )
    signed = actions.incident_sign(actor=admin_actor, report=report)
    assert signed.is_signed and incident_intact(signed)
    assert AuditEvent.objects.filter(action="sign", object_type="IncidentReport").exists()
    with pytest.raises(SignedNoteConflict):
        actions.incident_update(
            actor=admin_actor, report=signed, data=IncidentReportIn(what_happened="changed")
        )
    with (
        pytest.raises(DatabaseError, match="read-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("UPDATE safety_incidentreport SET outcome = 'x' WHERE id = %s", [signed.pk])
    if connection.vendor == "postgresql":
        with (
            pytest.raises(DatabaseError, match="read-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute("DELETE FROM safety_incidentreport WHERE id = %s", [signed.pk])
    assert incident_intact(IncidentReport.objects.get(pk=signed.pk))


def test_only_admins_write_reports_and_only_for_serious_events(
    actor, admin_actor, patient, episode, serious
):
    with pytest.raises(PermissionDenied):
        actions.incident_start(actor=actor, session=serious)
    calm = make_signed_session(actor, patient, episode)
    with pytest.raises(RuleViolation, match="no serious adverse event"):
        actions.incident_start(actor=admin_actor, session=calm)


def test_practitioners_read_reports_of_their_own_sessions_only(clinic, actor, admin_actor, serious):
    report = actions.incident_start(actor=admin_actor, session=serious)
    assert selectors.incident_get(actor=actor, report_id=report.pk) == report
    colleague = make_actor(make_practitioner(clinic, "pt.colleague"))
    with pytest.raises(PermissionDenied):
        selectors.incident_get(actor=colleague, report_id=report.pk)
    assert selectors.incident_reports(actor=colleague) == []


def test_pdf_prints_the_report_and_is_audited(admin_actor, serious):
    report = actions.incident_start(actor=admin_actor, session=serious)
    printed = incident_report_pdf(actor=admin_actor, report_id=report.pk)
    assert printed.pdf.startswith(b"%PDF")
    assert printed.filename.startswith(f"incident-report-{report.pk}-")
    assert AuditEvent.objects.filter(
        action="print", object_type="IncidentReport", detail="incident report (draft)"
    ).exists()


def test_incident_pages_start_edit_sign_and_print(client, admin, serious):
    client.force_login(admin)
    notices = client.get("/").content.decode()
    assert "Serious adverse event in session" in notices
    listing = client.get("/safety/incidents/").content.decode()
    assert f"/safety/incidents/start/{serious.pk}/" in listing
    started = client.post(f"/safety/incidents/start/{serious.pk}/")
    report = IncidentReport.objects.get()
    assert started["Location"] == f"/safety/incidents/{report.pk}/"
    refused = client.post(f"/safety/incidents/{report.pk}/sign/")
    assert refused.status_code == 422 and "Record the outcome" in refused.content.decode()
    values = {f: getattr(report, f) for f in IncidentReportIn.model_fields}
    client.post(f"/safety/incidents/{report.pk}/", {**values, "outcome": "Recovered."})
    assert client.post(f"/safety/incidents/{report.pk}/sign/").status_code == 302
    page = client.get(f"/safety/incidents/{report.pk}/").content.decode()
    assert "Signed" in page and 'id="incident-form"' not in page
    pdf = client.get(f"/safety/incidents/{report.pk}/report.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    notice = AdminNotification.objects.get()
    client.post(f"/safety/notifications/{notice.pk}/read/", {"next": "/"})
    notice.refresh_from_db()
    assert notice.read_at is not None and notice.read_by == admin
    assert "Serious adverse event in session" not in client.get("/").content.decode()


def test_outcomes_page_links_adverse_event_rates_to_the_reports(client, admin, practitioner):
    client.force_login(admin)
    html = client.get("/outcomes/").content.decode()
    assert 'href="/safety/incidents/"' in html and "0 signed, 0 to review" in html
    client.force_login(practitioner)
    html = client.get("/outcomes/").content.decode()
    assert 'href="/safety/incidents/"' not in html and "incident report" in html
