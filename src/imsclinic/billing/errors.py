"""Billing's own refusal: changing an invoice that has been issued (HTTP 409)."""

from __future__ import annotations

from imsclinic.core.errors import DomainError


class InvoiceIssued(DomainError):
    """Issued invoices are final; corrections are credit notes (like amendments to notes)."""

    status = 409
    code = "invoice_issued"
