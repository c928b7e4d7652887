"""Helpers the billing actions share: dates, money checks, the draft lock, lines and totals,
the gap-free number counter and the issue date. Not part of the package's public names."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from imsclinic.billing import selectors
from imsclinic.billing.errors import InvoiceIssued
from imsclinic.billing.models import (
    BillingSettings,
    Invoice,
    InvoiceCounter,
    InvoiceLine,
    Payer,
    Service,
)
from imsclinic.core.errors import Problems, RuleViolation
from imsclinic.core.permissions import BILLING, require_role
from imsclinic.patients.models import Patient
from imsclinic.rules.billing import ZERO, cpt_code, line_amounts, money_problem, uses_cpt

if TYPE_CHECKING:
    from imsclinic.core.actors import Actor
    from imsclinic.core.models import Clinic


def _today() -> dt.date:
    return timezone.localdate()


def _check_money(problems: Problems, field: str, value: Any, *, allow_zero: bool = True) -> None:
    message = money_problem(value, allow_zero=allow_zero)
    if message:
        problems.add(field, "invalid_amount", message)


def _service_for(actor: Actor, problems: Problems, field: str, service_id: int) -> Service | None:
    service = (
        Service.objects.select_related("tax_rule")
        .filter(clinic=actor.clinic, pk=service_id)
        .first()
    )
    if service is None or not service.active:
        problems.add(field, "unknown", "Choose an active service of the fee schedule.")
        return None
    return service


def _payer_for(
    actor: Actor, problems: Problems, patient: Patient, payer_id: int | None, day: dt.date
) -> Payer | None:
    if payer_id is None:
        return None
    payer = Payer.objects.filter(clinic=actor.clinic, patient=patient, pk=payer_id).first()
    if payer is None:
        problems.add("payer_id", "unknown", "Choose one of this patient's payers.")
    elif payer.ended_on is not None and payer.ended_on <= day:
        problems.add("payer_id", "ended", f"{payer.name} coverage ended on {payer.ended_on}.")
    return payer


def _billing_mode(clinic: Clinic) -> BillingSettings:
    return selectors.billing_settings(clinic)


def _add_line(
    actor: Actor,
    invoice: Invoice,
    *,
    service: Service | None,
    description: str,
    service_date: dt.date,
    quantity: int,
    unit_price: Decimal,
    full_fee: Decimal | None = None,
    muscles: int | None = None,
    icd10_code: str = "",
) -> InvoiceLine:
    """Append a line to a locked draft and recompute its totals (the rounding rule's steps
    1, 2 and 4: rules/billing.py)."""
    tax_rule = service.tax_rule if service is not None else None
    rate = tax_rule.rate_percent if tax_rule is not None and tax_rule.active else Decimal(0)
    amounts = line_amounts(quantity, unit_price, rate)
    cpt = ""
    clinical = service is not None and service.kind in (
        Service.Kind.ASSESSMENT,
        Service.Kind.TREATMENT,
        Service.Kind.FOLLOW_UP,
    )
    if clinical and muscles and uses_cpt(_billing_mode(actor.clinic).jurisdiction):
        cpt = cpt_code(muscles)
    position = (
        invoice.lines.order_by("-position").values_list("position", flat=True).first() or 0
    ) + 1
    line = InvoiceLine.objects.create(
        clinic=actor.clinic,
        invoice=invoice,
        position=position,
        service=service,
        description=description[:200],
        service_date=service_date,
        quantity=quantity,
        unit_price=unit_price,
        full_fee=full_fee,
        tax_code=tax_rule.code if tax_rule is not None and rate else "",
        tax_rate=rate,
        net=amounts.net,
        tax=amounts.tax,
        total=amounts.total,
        cpt_code=cpt,
        icd10_code=icd10_code if clinical else "",
        muscles=muscles if clinical else None,
    )
    _recompute(invoice)
    return line


def _recompute(invoice: Invoice) -> None:
    lines = list(invoice.lines.values_list("net", "tax"))
    invoice.subtotal = sum((net for net, _ in lines), ZERO)
    invoice.tax = sum((tax for _, tax in lines), ZERO)
    invoice.total = invoice.subtotal + invoice.tax
    invoice.save(update_fields=["subtotal", "tax", "total", "updated_at"])


def _lock_draft(actor: Actor, invoice: Invoice, verb: str) -> Invoice:
    require_role(actor, BILLING)
    locked = Invoice.objects.select_for_update().get(pk=invoice.pk, clinic=actor.clinic)
    if locked.is_issued:
        raise InvoiceIssued(
            f"Invoice {locked.number} is issued and cannot be {verb}; issue a credit note "
            "that references it instead."
        )
    return locked


def _next_number(clinic: Clinic, series: str, year: int) -> int:
    """The next number of a series, under a lock on its counter row until commit.

    PostgreSQL: SELECT ... FOR UPDATE makes concurrent issuers queue on the row (the
    first of a year creates it; ON CONFLICT DO NOTHING lets a racing creator wait for
    that row instead of failing). SQLite: write transactions are already serialized
    (IMMEDIATE). A rolled-back issue releases its number with the row, so no gap.
    """
    rows = InvoiceCounter.objects.select_for_update().filter(
        clinic=clinic, series=series, year=year
    )
    counter = rows.first()
    if counter is None:
        InvoiceCounter.objects.bulk_create(
            [InvoiceCounter(clinic=clinic, series=series, year=year, last=0)],
            ignore_conflicts=True,
        )
        counter = rows.get()
    counter.last += 1
    counter.save(update_fields=["last"])
    return counter.last


def _issue_day(actor: Actor, issued_on: dt.date | None) -> dt.date:
    today = _today()
    if issued_on is None or issued_on == today:
        return today
    # Back-dating is for loading data (the demo, an import), never a clerk's page or API call.
    if actor.source != "command" or issued_on > today:
        raise RuleViolation(
            "Invoices and credit notes are dated the day they are issued.",
            code="issue_date",
            field="issued_on",
        )
    return issued_on
