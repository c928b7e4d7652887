"""Issued invoices, their lines, credit notes and payments are read-only in the database
too: code that skips the actions (a raw UPDATE, a careless script) is refused."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from imsclinic.billing import actions
from imsclinic.billing.guards import guard_names
from imsclinic.billing.models import CreditNote, Invoice, InvoiceLine, Payment
from imsclinic.billing.schemas import CreditNoteIn, InvoiceIn, LineIn, PaymentIn
from imsclinic.security.db_guards import installed_guard_names
from tests.factories import today


@pytest.fixture
def ledger(desk, patient, practitioner, fees):
    def invoice():
        return actions.invoice_create(
            actor=desk,
            data=InvoiceIn(
                patient_id=patient.pk,
                practitioner_id=practitioner.pk,
                service_date=today(),
                lines=[LineIn(service_id=fees["IMS-T30"].pk)],
            ),
        )

    issued = actions.invoice_issue(actor=desk, invoice=invoice())
    (payment,) = actions.payment_record(
        actor=desk, invoice=issued, data=PaymentIn(method="cash", amount=Decimal("50.00"))
    )
    note = actions.credit_note_issue(
        actor=desk, invoice=issued, data=CreditNoteIn(amount=Decimal("5.00"), reason="test")
    )
    return {"issued": issued, "draft": invoice(), "payment": payment, "note": note}


def _refused(statement):
    with pytest.raises(DatabaseError) as exc, transaction.atomic():
        statement()
    message = str(exc.value)
    assert "read-only" in message or "append-only" in message, message


def test_issued_invoice_rows_cannot_be_changed(ledger):
    issued = ledger["issued"]
    _refused(
        lambda: Invoice.objects.filter(pk=issued.pk).update(
            total=Decimal("1.00"), subtotal=Decimal("1.00")
        )
    )
    _refused(lambda: Invoice.objects.filter(pk=issued.pk).update(number="2000-99999"))
    _refused(lambda: InvoiceLine.objects.filter(invoice=issued).update(description="changed"))
    line = issued.lines.get()
    line.pk = None
    line.position = 2
    _refused(line.save)  # a new line on an issued invoice
    _refused(lambda: Payment.objects.filter(pk=ledger["payment"].pk).update(amount=Decimal("5.00")))
    _refused(lambda: CreditNote.objects.filter(pk=ledger["note"].pk).update(reason="other"))


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_issued_rows_cannot_be_deleted_on_postgresql(ledger):
    issued = ledger["issued"]
    _refused(lambda: Payment.objects.filter(pk=ledger["payment"].pk).delete())
    _refused(lambda: CreditNote.objects.filter(pk=ledger["note"].pk).delete())
    _refused(lambda: InvoiceLine.objects.filter(invoice=issued).delete())


def test_drafts_stay_editable(ledger):
    draft = ledger["draft"]
    InvoiceLine.objects.filter(invoice=draft).update(description="still a draft")
    Invoice.objects.filter(pk=draft.pk).update(notes="fine")
    assert Invoice.objects.get(pk=draft.pk).notes == "fine"


def test_guards_are_reinstalled_after_migrate(db):
    expected = guard_names(connection.vendor)
    assert expected <= installed_guard_names(connection)
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("DROP TRIGGER billing_payment_append_only")
        assert "billing_payment_append_only" not in installed_guard_names(connection)
    call_command("migrate", verbosity=0)
    assert expected <= installed_guard_names(connection)
