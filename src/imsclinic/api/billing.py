"""Billing API: invoices, their lines, issue, payments, credit notes, receipts, and the
queue of visits to bill. The same actions and selectors as the pages. An issued invoice
answers a change with 409; a bad amount with 422 naming the field."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Router, Status

from imsclinic.api.auth import STAFF_TOKEN, BearerToken, api_actor
from imsclinic.api.errors import ErrorOut, errors
from imsclinic.billing import actions, selectors
from imsclinic.billing.audit import audit_invoice_list
from imsclinic.billing.receipt import invoice_receipt
from imsclinic.billing.schemas import (
    CreditNoteIn,
    CreditNoteOut,
    InvoiceIn,
    InvoiceOut,
    InvoiceSummaryOut,
    LineIn,
    PaymentIn,
    PaymentResultOut,
    VisitChargeOut,
    VisitInvoiceIn,
)
from imsclinic.core.audit import audit_view
from imsclinic.core.permissions import BILLING

BILLING_TOKEN = BearerToken(BILLING)
ERRORS: dict[int, Any] = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
# A JSON body that is not JSON (400), too large (413) or not declared JSON (415).
BODY_ERRORS = errors(body=True)

router = Router(tags=["billing"])


def invoice_dict(detail: selectors.InvoiceDetail) -> dict[str, Any]:
    invoice = detail.invoice
    return {
        "id": invoice.pk,
        "number": invoice.number,
        "status": invoice.status,
        "patient_id": invoice.patient_id,
        "practitioner_id": invoice.practitioner_id,
        "payer_id": invoice.payer_id,
        "service_date": invoice.service_date,
        "issued_on": invoice.issued_on,
        "currency": detail.currency,
        "subtotal": invoice.subtotal,
        "tax": invoice.tax,
        "total": invoice.total,
        "credited": detail.sums.credited,
        "paid": detail.sums.paid,
        "refunded": detail.sums.refunded,
        "balance": detail.balance,
        "lines": detail.lines,
        "payments": detail.payments,
        "credit_notes": detail.credit_notes,
    }


def _fresh(request: HttpRequest, invoice_id: int) -> dict[str, Any]:
    return invoice_dict(selectors.invoice_get(actor=api_actor(request), invoice_id=invoice_id))


@router.get("/invoices", auth=STAFF_TOKEN, response={200: list[InvoiceSummaryOut], **ERRORS})
def list_invoices(
    request: HttpRequest, status: str = "", patient_id: int | None = None, limit: int = 50
) -> Any:
    """Newest first; practitioners get the invoices of their own visits."""
    actor = api_actor(request)
    rows = selectors.invoice_list(
        actor=actor, status=status, patient_id=patient_id, limit=max(1, min(limit, 200))
    )
    audit_invoice_list(actor=actor, rows=rows, status=status, patient_id=patient_id)
    return [
        {
            "id": r.invoice.pk,
            "number": r.invoice.number,
            "status": r.invoice.status,
            "patient_id": r.invoice.patient_id,
            "practitioner_id": r.invoice.practitioner_id,
            "payer_id": r.invoice.payer_id,
            "service_date": r.invoice.service_date,
            "issued_on": r.invoice.issued_on,
            "total": r.invoice.total,
            "balance": r.balance,
        }
        for r in rows
    ]


@router.post("/invoices", auth=BILLING_TOKEN, response={201: InvoiceOut, **ERRORS, **BODY_ERRORS})
def create_invoice(request: HttpRequest, payload: InvoiceIn) -> Any:
    invoice = actions.invoice_create(actor=api_actor(request), data=payload)
    return Status(201, _fresh(request, invoice.pk))


@router.get("/invoices/{invoice_id}", auth=STAFF_TOKEN, response={200: InvoiceOut, **ERRORS})
def get_invoice(request: HttpRequest, invoice_id: int) -> Any:
    actor = api_actor(request)
    detail = selectors.invoice_get(actor=actor, invoice_id=invoice_id)
    audit_view(actor=actor, patient_id=detail.invoice.patient_id, obj=detail.invoice)
    return invoice_dict(detail)


@router.delete("/invoices/{invoice_id}", auth=BILLING_TOKEN, response={204: None, **ERRORS})
def discard_invoice(request: HttpRequest, invoice_id: int) -> Any:
    """Discard a draft. An issued invoice is 409: issue a credit note instead."""
    actor = api_actor(request)
    invoice = selectors.invoice_for_change(actor=actor, invoice_id=invoice_id)
    actions.invoice_discard(actor=actor, invoice=invoice)
    return Status(204, None)


@router.post(
    "/invoices/{invoice_id}/lines",
    auth=BILLING_TOKEN,
    response={201: InvoiceOut, **ERRORS, **BODY_ERRORS},
)
def add_line(request: HttpRequest, invoice_id: int, payload: LineIn) -> Any:
    actor = api_actor(request)
    invoice = selectors.invoice_for_change(actor=actor, invoice_id=invoice_id)
    actions.invoice_add_line(actor=actor, invoice=invoice, data=payload)
    return Status(201, _fresh(request, invoice.pk))


@router.post(
    "/invoices/{invoice_id}/issue", auth=BILLING_TOKEN, response={200: InvoiceOut, **ERRORS}
)
def issue_invoice(request: HttpRequest, invoice_id: int) -> Any:
    actor = api_actor(request)
    invoice = selectors.invoice_for_change(actor=actor, invoice_id=invoice_id)
    actions.invoice_issue(actor=actor, invoice=invoice)
    return _fresh(request, invoice.pk)


@router.post(
    "/invoices/{invoice_id}/payments",
    auth=BILLING_TOKEN,
    response={201: PaymentResultOut, **ERRORS, **BODY_ERRORS},
)
def record_payment(request: HttpRequest, invoice_id: int, payload: PaymentIn) -> Any:
    """A payment or a refund. More than the balance is 422 unless ``excess_to_account``."""
    actor = api_actor(request)
    invoice = selectors.invoice_for_change(actor=actor, invoice_id=invoice_id)
    payments = actions.payment_record(actor=actor, invoice=invoice, data=payload)
    return Status(201, {"invoice": _fresh(request, invoice.pk), "payments": payments})


@router.post(
    "/invoices/{invoice_id}/credit-notes",
    auth=BILLING_TOKEN,
    response={201: CreditNoteOut, **ERRORS, **BODY_ERRORS},
)
def issue_credit_note(request: HttpRequest, invoice_id: int, payload: CreditNoteIn) -> Any:
    actor = api_actor(request)
    invoice = selectors.invoice_for_change(actor=actor, invoice_id=invoice_id)
    return Status(201, actions.credit_note_issue(actor=actor, invoice=invoice, data=payload))


@router.get(
    "/invoices/{invoice_id}/receipt.pdf",
    auth=STAFF_TOKEN,
    response={200: None, **ERRORS},
    openapi_extra={
        "responses": {
            "200": {
                "description": "The invoice or official receipt as PDF",
                "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def receipt_pdf(request: HttpRequest, invoice_id: int) -> HttpResponse:
    receipt = invoice_receipt(actor=api_actor(request), invoice_id=invoice_id)
    response = HttpResponse(receipt.pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{receipt.filename}"'
    return response


@router.get("/visit-charges", auth=STAFF_TOKEN, response={200: list[VisitChargeOut], **ERRORS})
def list_visit_charges(request: HttpRequest) -> Any:
    """Signed visits waiting to be billed, oldest first."""
    return selectors.charges_to_bill(actor=api_actor(request))


@router.post(
    "/visit-charges/{charge_id}/invoices",
    auth=BILLING_TOKEN,
    response={201: list[InvoiceOut], **ERRORS, **BODY_ERRORS},
)
def invoice_visit(request: HttpRequest, charge_id: int, payload: VisitInvoiceIn) -> Any:
    """Bill a visit: one invoice, or two when split with a payer."""
    actor = api_actor(request)
    charge = selectors.charge_get(actor=actor, charge_id=charge_id)
    invoices = actions.charge_invoice(actor=actor, charge=charge, data=payload)
    return Status(201, [_fresh(request, invoice.pk) for invoice in invoices])
