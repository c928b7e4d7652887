"""Portal test data: the patient's invoices, through the billing actions (synthetic)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from imsclinic.accounts.models import User
from imsclinic.billing import actions as billing
from imsclinic.billing.models import Invoice, Service
from imsclinic.billing.schemas import InvoiceIn, LineIn, PaymentIn
from tests.billing.builders import billing_staff, give_credentials, make_fee_schedule
from tests.factories import make_actor, today


def billing_desk(clinic: Any, practitioner: Any) -> tuple[Any, dict[str, Any]]:
    """The front desk and the fee schedule (made once per clinic)."""
    if not User.objects.filter(clinic=clinic, username="bill.desk").exists():
        admin, _desk = billing_staff(clinic)
        give_credentials(practitioner)
        make_fee_schedule(admin)
    desk = make_actor(User.objects.get(clinic=clinic, username="bill.desk"))
    return desk, {s.code: s for s in Service.objects.filter(clinic=clinic)}


def patient_invoice(
    patient: Any, practitioner: Any, *, issue: bool = True, paid: str | None = None
) -> Invoice:
    """An IMS treatment invoice for the patient's visit today, issued (and paid) or a draft."""
    desk, fees = billing_desk(patient.clinic, practitioner)
    invoice = billing.invoice_create(
        actor=desk,
        data=InvoiceIn(
            patient_id=patient.pk,
            practitioner_id=practitioner.pk,
            service_date=today(),
            lines=[LineIn(service_id=fees["IMS-T30"].pk)],
        ),
    )
    if not issue:
        return invoice
    invoice = billing.invoice_issue(actor=desk, invoice=invoice)
    if paid:
        billing.payment_record(
            actor=desk, invoice=invoice, data=PaymentIn(method="debit", amount=Decimal(paid))
        )
    return invoice
