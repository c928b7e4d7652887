"""Invoices and official receipts as PDF (WeasyPrint, like the clinical reports).

The document prints what was frozen when the invoice was issued (``issued_snapshot``):
clinic name, address and business number, practitioner name, designation and
registration number, the patient and the addressee; then the lines, credit notes,
payments and the balance as they stand when printed. In US mode each clinical line
carries its CPT code and the episode's ICD-10 code; Canadian documents carry neither.
Printing is audited (action "print").
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from imsclinic.billing.selectors import InvoiceDetail, invoice_get
from imsclinic.core.actors import Actor
from imsclinic.core.audit import audit_record
from imsclinic.core.errors import RuleViolation
from imsclinic.rules.billing import CPT_DESCRIPTIONS


@dataclass(frozen=True)
class Receipt:
    pdf: bytes
    filename: str


@transaction.atomic
def invoice_receipt(*, actor: Actor, invoice_id: object) -> Receipt:
    detail = invoice_get(actor=actor, invoice_id=invoice_id)
    invoice = detail.invoice
    if not invoice.is_issued:
        raise RuleViolation(
            "A draft has no receipt: issue the invoice first.",
            code="invoice_draft",
            field="invoice",
        )
    receipt = receipt_pdf(detail)
    audit_record(
        actor=actor,
        action="print",
        patient_id=invoice.patient_id,
        obj=invoice,
        detail=f"receipt {invoice.number}",
    )
    return receipt


def receipt_pdf(detail: InvoiceDetail) -> Receipt:
    """The PDF of an issued invoice (the caller checked who may have it and audits it:
    staff above, the patient's portal in portal.views)."""
    from weasyprint import HTML  # heavy import, only when a receipt is printed

    invoice = detail.invoice
    paid = detail.sums.paid - detail.sums.refunded
    html = render_to_string(
        "billing/receipt.html",
        {
            "detail": detail,
            "invoice": invoice,
            "snap": invoice.issued_snapshot,
            "paid": paid,
            "is_receipt": paid > 0,
            "cpt_descriptions": CPT_DESCRIPTIONS,
            "printed_at": timezone.localtime(),
        },
    )
    pdf = HTML(string=html).write_pdf()
    return Receipt(pdf=pdf, filename=f"receipt-{invoice.number}.pdf")
