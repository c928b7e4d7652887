"""Selectors only read: safety's selectors take no ``audit=`` flag and write no audit event;
the page or API route that shows a follow-up or an incident report records the view."""

from __future__ import annotations

from imsclinic.core.models import AuditEvent
from imsclinic.safety import actions, selectors
from tests.billing.test_reads_audit import audit_flagged
from tests.safety.builders import serious_session


def test_no_selector_takes_an_audit_flag():
    assert audit_flagged(selectors) == []


def test_reading_an_incident_report_writes_nothing_showing_it_writes_one_view(
    client, admin, actor, admin_actor, patient, episode
):
    session = serious_session(actor, patient, episode)
    report = actions.incident_start(actor=admin_actor, session=session)
    before = AuditEvent.objects.count()
    selectors.incident_get(actor=admin_actor, report_id=report.pk)
    assert AuditEvent.objects.count() == before
    client.force_login(admin)
    assert client.get(f"/safety/incidents/{report.pk}/").status_code == 200
    events = list(AuditEvent.objects.order_by("id")[before:])
    assert [(e.action, e.object_type, e.patient_id) for e in events] == [
        ("view", "IncidentReport", patient.pk)
    ]
