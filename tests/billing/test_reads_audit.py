"""Selectors only read: billing's selectors take no ``audit=`` flag and write no audit
event; the page or API route that shows the data records the view (core.audit)."""

from __future__ import annotations

import inspect
from types import ModuleType

from imsclinic.billing import actions, selectors
from imsclinic.core.models import AuditEvent
from tests.billing.test_views import _draft
from tests.factories import today


def audit_flagged(module: ModuleType) -> list[str]:
    """The functions of a selectors package that take an ``audit`` parameter."""
    return [
        name
        for name, fn in inspect.getmembers(module, inspect.isfunction)
        if fn.__module__.startswith(module.__name__) and "audit" in inspect.signature(fn).parameters
    ]


def test_no_selector_takes_an_audit_flag():
    assert audit_flagged(selectors) == []


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


def test_an_account_and_the_journal_are_audited_by_their_pages_not_their_selectors(
    client, desk, patient, practitioner, fees
):
    actions.invoice_issue(actor=desk, invoice=_draft(desk, patient, practitioner, fees))
    before = AuditEvent.objects.count()
    selectors.patient_account(actor=desk, patient_id=patient.pk)
    rows = selectors.journal_rows(actor=desk, start=today(), end=today())
    assert AuditEvent.objects.count() == before
    client.force_login(desk.user)
    assert client.get(f"/billing/patients/{patient.pk}/").status_code == 200
    csv = client.get(f"/billing/reports/journal.csv?start={today()}&end={today()}")
    assert csv.status_code == 200
    events = list(AuditEvent.objects.order_by("id")[before:])
    assert [(e.action, e.object_type, e.patient_id, e.detail) for e in events] == [
        ("view", "BillingAccount", patient.pk, ""),
        ("export", "BillingJournal", None, f"{today()}..{today()}: {len(rows)} entries"),
    ]
