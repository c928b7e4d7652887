"""Invoices (list, detail, the one an action changes), the queue of visits to bill, payers
and a patient's account."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db.models import Q

from imsclinic.billing.models import (
    BillingSettings,
    CreditNote,
    Invoice,
    InvoiceLine,
    Payer,
    Payment,
    VisitCharge,
)
from imsclinic.billing.selectors.balances import (
    Sums,
    _with_balance,
    account_credit,
    invoice_sums,
    money,
)
from imsclinic.billing.selectors.fees import billing_settings
from imsclinic.core.errors import NotFound, PermissionDenied
from imsclinic.core.permissions import BILLING, PRACTITIONER, STAFF, require_role
from imsclinic.core.tenancy import get_for_clinic
from imsclinic.patients.models import Patient
from imsclinic.rules.billing import ZERO, uses_cpt

if TYPE_CHECKING:
    from imsclinic.core.actors import Actor
    from imsclinic.core.models import Clinic


def _own_only(actor: Actor) -> bool:
    """Practitioners see the billing of their own visits only."""
    return actor.role == PRACTITIONER


@dataclass
class InvoiceRow:
    invoice: Invoice
    balance: Decimal


def invoice_list(
    *,
    actor: Actor,
    status: str = "",
    patient_id: int | None = None,
    limit: int = 50,
) -> list[InvoiceRow]:
    """Newest first, with patient, practitioner, payer and balance: one query."""
    require_role(actor, STAFF)
    queryset = Invoice.objects.filter(clinic=actor.clinic).select_related(
        "patient", "practitioner", "payer"
    )
    if _own_only(actor):
        queryset = queryset.filter(practitioner=actor.user)
    if status in Invoice.Status.values:
        queryset = queryset.filter(status=status)
    if patient_id is not None:
        queryset = queryset.filter(patient_id=patient_id)
    rows = [
        InvoiceRow(invoice=inv, balance=money(inv.balance_c))  # type: ignore[attr-defined]
        for inv in _with_balance(queryset).order_by("-id")[:limit]
    ]
    return rows


@dataclass
class InvoiceDetail:
    invoice: Invoice
    lines: list[InvoiceLine]
    payments: list[Payment]
    credit_notes: list[CreditNote]
    sums: Sums
    settings: BillingSettings

    @property
    def balance(self) -> Decimal:
        return self.sums.balance(self.invoice.total)

    @property
    def currency(self) -> str:
        return str(self.invoice.issued_snapshot.get("clinic", {}).get("currency", "")) or (
            self.settings.currency
        )

    @property
    def us_mode(self) -> bool:
        jurisdiction = self.invoice.issued_snapshot.get("clinic", {}).get("jurisdiction")
        return uses_cpt(str(jurisdiction or self.settings.jurisdiction))


def invoice_get(*, actor: Actor, invoice_id: object) -> InvoiceDetail:
    """One invoice of this clinic with everything printed on it (the page or route that
    shows it records the view)."""
    require_role(actor, STAFF)
    invoice = get_for_clinic(
        Invoice.objects.select_related("patient", "practitioner", "payer", "issued_by"),
        actor.clinic,
        invoice_id,
        "Invoice",
    )
    if _own_only(actor) and invoice.practitioner_id != actor.user.pk:
        raise PermissionDenied("Practitioners see the invoices of their own visits only.")
    return _detail(invoice, actor.clinic)


def _detail(invoice: Invoice, clinic: Clinic) -> InvoiceDetail:
    return InvoiceDetail(
        invoice=invoice,
        lines=list(invoice.lines.select_related("service")),
        payments=list(invoice.payments.all()),
        credit_notes=list(invoice.credit_notes.all()),
        sums=invoice_sums([invoice.pk])[invoice.pk],
        settings=billing_settings(clinic),
    )


def invoice_for_change(*, actor: Actor, invoice_id: object) -> Invoice:
    """The invoice an action will lock and change (no view event: the change is audited)."""
    require_role(actor, BILLING)
    return get_for_clinic(Invoice.objects.all(), actor.clinic, invoice_id, "Invoice")


def charges_to_bill(*, actor: Actor, limit: int = 100) -> list[VisitCharge]:
    """Visits proposed for billing, oldest first: one query."""
    require_role(actor, STAFF)
    queryset = VisitCharge.objects.filter(
        clinic=actor.clinic, status=VisitCharge.Status.PROPOSED
    ).select_related("patient", "practitioner", "service")
    if _own_only(actor):
        queryset = queryset.filter(practitioner=actor.user)
    return list(queryset.order_by("service_date", "id")[:limit])


def charge_get(*, actor: Actor, charge_id: object) -> VisitCharge:
    require_role(actor, BILLING)
    return get_for_clinic(
        VisitCharge.objects.select_related("patient", "practitioner", "service"),
        actor.clinic,
        charge_id,
        "Visit",
    )


def patient_payers(
    clinic: Clinic, patient_id: int, *, current_on: dt.date | None = None
) -> list[Payer]:
    queryset = Payer.objects.filter(clinic=clinic, patient_id=patient_id)
    if current_on is not None:
        queryset = queryset.filter(Q(ended_on__isnull=True) | Q(ended_on__gt=current_on))
    return list(queryset)


def payer_get(*, actor: Actor, payer_id: object) -> Payer:
    require_role(actor, BILLING)
    return get_for_clinic(Payer.objects.all(), actor.clinic, payer_id, "Payer")


@dataclass
class PatientAccount:
    patient: Patient
    invoices: list[InvoiceRow]
    payers: list[Payer]
    owing: Decimal  # issued invoices addressed to the patient
    owed_by_payers: Decimal  # issued invoices addressed to third parties
    credit: Decimal


def patient_account(*, actor: Actor, patient_id: object) -> PatientAccount:
    require_role(actor, BILLING)
    patient = get_for_clinic(Patient.objects.all(), actor.clinic, patient_id, "Patient")
    invoices = invoice_list(actor=actor, patient_id=patient.pk, limit=500)
    issued = [row for row in invoices if row.invoice.is_issued]
    return PatientAccount(
        patient=patient,
        invoices=invoices,
        payers=patient_payers(actor.clinic, patient.pk),
        owing=sum((r.balance for r in issued if r.invoice.payer_id is None), ZERO),
        owed_by_payers=sum((r.balance for r in issued if r.invoice.payer_id is not None), ZERO),
        credit=account_credit(actor.clinic, patient.pk),
    )


# The patient's own, through the portal (no staff actor: the portal's session names the
# patient, and the portal's view records the access).


def patient_issued_invoices(*, patient: Patient, limit: int = 100) -> list[InvoiceRow]:
    """The patient's issued invoices, never drafts, newest first, with their balance: one
    query."""
    queryset = Invoice.objects.filter(
        clinic_id=patient.clinic_id,
        patient_id=patient.pk,
        status=Invoice.Status.ISSUED,
        issued_at__isnull=False,
    ).select_related("payer")
    return [
        InvoiceRow(invoice=inv, balance=money(inv.balance_c))  # type: ignore[attr-defined]
        for inv in _with_balance(queryset).order_by("-issued_on", "-id")[:limit]
    ]


def patient_issued_invoice(*, patient: Patient, invoice_id: int) -> InvoiceDetail:
    """One issued invoice of this patient with everything its receipt prints; another
    patient's, another clinic's or a draft is NotFound (nothing said about which)."""
    invoice = (
        Invoice.objects.select_related("patient", "practitioner", "payer", "issued_by")
        .filter(
            clinic_id=patient.clinic_id,
            patient_id=patient.pk,
            pk=invoice_id,
            status=Invoice.Status.ISSUED,
            issued_at__isnull=False,
        )
        .first()
    )
    if invoice is None:
        raise NotFound("Receipt not found.")
    return _detail(invoice, patient.clinic)
