"""The view events of billing's pages and API routes. Selectors only read; the page or
route that shows billing data records what it showed, once (core.audit)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from imsclinic.core.audit import audit_record

if TYPE_CHECKING:
    from imsclinic.billing.selectors import InvoiceRow
    from imsclinic.core.actors import Actor
    from imsclinic.core.models import AuditEvent


def audit_invoice_list(
    *, actor: Actor, rows: list[InvoiceRow], status: str = "", patient_id: int | None = None
) -> AuditEvent:
    """One event for a list of invoices shown (of one patient when ``patient_id``)."""
    return audit_record(
        actor=actor,
        action="view",
        patient_id=patient_id,
        object_type="InvoiceList",
        detail=f"{len(rows)} invoices" + (f" ({status})" if status else ""),
    )
