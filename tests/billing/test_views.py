"""Billing pages through the Django test client: forms call the actions, refusals come
back beside their field (422) or as 409 for an issued invoice, and lists take a constant
number of queries."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from imsclinic.billing import actions, selectors
from imsclinic.billing.models import Invoice, VisitCharge
from imsclinic.billing.schemas import InvoiceIn, LineIn
from imsclinic.core.models import AuditEvent
from tests.billing.builders import make_payer
from tests.factories import make_signed_session, today


def _draft(desk, patient, practitioner, fees):
    return actions.invoice_create(
        actor=desk,
        data=InvoiceIn(
            patient_id=patient.pk,
            practitioner_id=practitioner.pk,
            service_date=today(),
            lines=[LineIn(service_id=fees["IMS-T30"].pk)],
        ),
    )


def test_bill_a_visit_page_splits_and_issues(client, actor, desk, patient, episode, fees):
    make_signed_session(actor, patient, episode)
    payer = make_payer(desk, patient, percent="80")
    charge = VisitCharge.objects.get()
    client.force_login(desk.user)
    page = client.get(f"/billing/visits/{charge.pk}/invoice/")
    assert page.status_code == 200
    assert "Prairie Health Benefits (synthetic): 80%" in page.content.decode()
    response = client.post(
        f"/billing/visits/{charge.pk}/invoice/",
        {"service_id": fees["IMS-T30"].pk, "payer_id": payer.pk, "issue": "on"},
    )
    own = Invoice.objects.get(payer__isnull=True)
    assert response.status_code == 302 and response["Location"] == f"/billing/invoices/{own.pk}/"
    assert Invoice.objects.filter(status="issued").count() == 2


def test_payment_form_errors_stay_beside_the_field(client, desk, patient, practitioner, fees):
    invoice = actions.invoice_issue(actor=desk, invoice=_draft(desk, patient, practitioner, fees))
    client.force_login(desk.user)
    response = client.post(
        f"/billing/invoices/{invoice.pk}/payments/", {"method": "cash", "amount": "1.234"}
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert 'id="err-amount"' in page and "two decimals" in page
    assert 'value="1.234"' in page  # what was typed is kept


def test_changing_an_issued_invoice_page_is_409(client, desk, patient, practitioner, fees):
    invoice = actions.invoice_issue(actor=desk, invoice=_draft(desk, patient, practitioner, fees))
    client.force_login(desk.user)
    response = client.post(
        f"/billing/invoices/{invoice.pk}/lines/", {"service_id": fees["TAPE"].pk}
    )
    assert response.status_code == 409
    assert "credit note" in response.content.decode()
    assert invoice.lines.count() == 1


def test_draft_page_adds_and_removes_lines_then_issues(client, desk, patient, practitioner, fees):
    draft = _draft(desk, patient, practitioner, fees)
    client.force_login(desk.user)
    client.post(
        f"/billing/invoices/{draft.pk}/lines/", {"service_id": fees["TAPE"].pk, "quantity": "2"}
    )
    draft.refresh_from_db()
    assert str(draft.total) == "120.20"
    line = draft.lines.get(position=1)
    client.post(f"/billing/invoices/{draft.pk}/lines/{line.pk}/remove/")
    client.post(f"/billing/invoices/{draft.pk}/issue/")
    draft.refresh_from_db()
    assert (draft.status, str(draft.total)) == ("issued", "25.20")


def test_viewing_and_printing_are_audited(client, desk, patient, practitioner, fees):
    invoice = actions.invoice_issue(actor=desk, invoice=_draft(desk, patient, practitioner, fees))
    client.force_login(desk.user)
    client.get(f"/billing/invoices/{invoice.pk}/")
    assert AuditEvent.objects.filter(
        action="view", object_type="Invoice", object_id=invoice.pk, patient_id=patient.pk
    ).exists()
    assert client.get(f"/billing/invoices/{invoice.pk}/receipt.pdf").status_code == 200
    assert AuditEvent.objects.filter(action="print", object_id=invoice.pk).exists()
    assert AuditEvent.objects.filter(action="sign", object_type="Invoice").exists()  # issued


def test_practitioner_sees_own_visits_read_only(client, actor, desk, patient, practitioner, fees):
    invoice = actions.invoice_issue(actor=desk, invoice=_draft(desk, patient, practitioner, fees))
    client.force_login(practitioner)
    page = client.get(f"/billing/invoices/{invoice.pk}/").content.decode()
    assert invoice.number in page and "Take a payment" not in page
    assert client.post(f"/billing/invoices/{invoice.pk}/payments/", {}).status_code == 403


@pytest.mark.parametrize("count", [1, 6])
def test_lists_take_constant_queries(desk, actor, patient, episode, practitioner, fees, count):
    for _ in range(count):
        actions.invoice_issue(actor=desk, invoice=_draft(desk, patient, practitioner, fees))
        make_signed_session(actor, patient, episode)
    with CaptureQueriesContext(connection) as queries:
        rows = selectors.invoice_list(actor=desk)
        [(r.invoice.patient.display_name, r.invoice.practitioner, r.invoice.payer) for r in rows]
    assert len(queries) == 1
    with CaptureQueriesContext(connection) as queries:
        charges = selectors.charges_to_bill(actor=desk)
        [(c.patient.display_name, c.practitioner, c.service) for c in charges]
    assert len(charges) == count and len(queries) == 1
