"""Selectors only read: billing's selectors take no ``audit=`` flag and write no audit
event; the page or API route that shows the data records the view (core.audit)."""

from __future__ import annotations

import inspect

from imsclinic.billing import selectors
from imsclinic.core.models import AuditEvent
from tests.billing.test_views import _draft


def test_no_selector_takes_an_audit_flag():
    flagged = [
        name
        for name, fn in inspect.getmembers(selectors, inspect.isfunction)
        if fn.__module__.startswith(selectors.__name__)
        and "audit" in inspect.signature(fn).parameters
    ]
    assert flagged == []


def test_reading_an_invoice_writes_nothing_showing_it_writes_one_view(
    client, desk, patient, practitioner, fees
):
    invoice = _draft(desk, patient, practitioner, fees)
    before = AuditEvent.objects.count()
    selectors.invoice_get(actor=desk, invoice_id=invoice.pk)
    selectors.invoice_list(actor=desk)
    assert AuditEvent.objects.count() == before
    client.force_login(desk.user)
    assert client.get(f"/billing/invoices/{invoice.pk}/").status_code == 200
    events = list(AuditEvent.objects.order_by("id")[before:])
    assert [(e.action, e.object_type, e.patient_id) for e in events] == [
        ("view", "Invoice", patient.pk)
    ]
