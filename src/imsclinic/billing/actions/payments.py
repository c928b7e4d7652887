"""Credit notes and payments (and refunds) on issued invoices."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import transaction

from imsclinic.billing import selectors
from imsclinic.billing.actions._common import _check_money, _issue_day, _next_number, _today
from imsclinic.billing.models import CreditNote, Invoice, InvoiceCounter, Payment
from imsclinic.billing.schemas import CreditNoteIn, PaymentIn
from imsclinic.core.audit import audit_record
from imsclinic.core.errors import Problems, RuleViolation
from imsclinic.core.permissions import BILLING, require_role
from imsclinic.rules.billing import ZERO, round_money

if TYPE_CHECKING:
    from imsclinic.core.actors import Actor


def _lock_issued(actor: Actor, invoice: Invoice) -> Invoice:
    require_role(actor, BILLING)
    locked = Invoice.objects.select_for_update().get(pk=invoice.pk, clinic=actor.clinic)
    if not locked.is_issued:
        raise RuleViolation(
            "This invoice is a draft: issue it first (or change the draft itself).",
            code="invoice_draft",
            field="invoice",
        )
    return locked


@transaction.atomic
def credit_note_issue(
    *, actor: Actor, invoice: Invoice, data: CreditNoteIn, issued_on: dt.date | None = None
) -> CreditNote:
    """Lower what an issued invoice asks for, by at most what it still has uncredited. The
    tax share of the credit is in the invoice's proportion, rounded once to the cent."""
    locked = _lock_issued(actor, invoice)
    day = _issue_day(actor, issued_on)
    sums = selectors.invoice_sums([locked.pk])[locked.pk]
    problems = Problems()
    _check_money(problems, "amount", data.amount, allow_zero=False)
    if not problems and data.amount > locked.total - sums.credited:
        problems.add(
            "amount",
            "too_large",
            f"At most {locked.total - sums.credited} of this invoice is left to credit.",
        )
    if not data.reason.strip():
        problems.add("reason", "required", "Give the reason for the credit note.")
    problems.raise_if_any()
    tax = round_money(data.amount * locked.tax / locked.total) if locked.total else ZERO
    seq = _next_number(actor.clinic, InvoiceCounter.Series.CREDIT_NOTE, day.year)
    note = CreditNote.objects.create(
        clinic=actor.clinic,
        invoice=locked,
        number=f"CN{day.year}-{seq:05d}",
        number_year=day.year,
        number_seq=seq,
        issued_on=day,
        issued_by=actor.user,
        amount=data.amount,
        tax=tax,
        reason=data.reason.strip(),
    )
    audit_record(
        actor=actor,
        action="amend",
        patient_id=locked.patient_id,
        obj=locked,
        detail=f"credit note {note.number} for {note.amount}",
    )
    return note


def _received_on(
    actor: Actor, problems: Problems, invoice: Invoice, day: dt.date | None
) -> dt.date:
    today = _today()
    if day is None:
        return today
    if day > today:
        problems.add("received_on", "future", "A payment cannot be dated in the future.")
    elif actor.source != "command" and invoice.issued_on and day < invoice.issued_on:
        problems.add(
            "received_on",
            "before_issue",
            f"The invoice was issued on {invoice.issued_on}; date the payment on or after it.",
        )
    return day


@transaction.atomic
def payment_record(*, actor: Actor, invoice: Invoice, data: PaymentIn) -> list[Payment]:
    """Record a payment or a refund on an issued invoice.

    A payment above the balance is refused unless ``excess_to_account``: then the balance
    is paid and the excess kept as credit on the patient's account, to apply to a later
    invoice with method ``account_credit``. A refund returns at most what was paid.
    """
    locked = _lock_issued(actor, invoice)
    problems = Problems()
    if data.kind not in Payment.Kind.values:
        problems.add("kind", "invalid", "Kind is 'payment' or 'refund'.")
    if data.method not in Payment.Method.values:
        problems.add("method", "invalid", f"Method is one of: {', '.join(Payment.Method.values)}.")
    _check_money(problems, "amount", data.amount, allow_zero=False)
    day = _received_on(actor, problems, locked, data.received_on)
    problems.raise_if_any()
    sums = selectors.invoice_sums([locked.pk])[locked.pk]
    balance = sums.balance(locked.total)
    rows: list[tuple[Invoice | None, Decimal]] = [(locked, data.amount)]
    if data.kind == Payment.Kind.REFUND:
        refundable = sums.paid - sums.refunded
        if data.method == Payment.Method.ACCOUNT_CREDIT:
            problems.add(
                "method", "invalid", "Refund in the way the money was paid, not as credit."
            )
        elif data.amount > refundable:
            problems.add(
                "amount", "too_large", f"At most {refundable} was paid on this invoice to refund."
            )
    else:
        if data.method == Payment.Method.ACCOUNT_CREDIT:
            available = selectors.account_credit(actor.clinic, locked.patient_id)
            if data.amount > available:
                problems.add(
                    "amount", "too_large", f"The account holds {available} of credit to apply."
                )
        if data.amount > balance:
            excess = data.amount - max(balance, ZERO)
            if not data.excess_to_account or data.method == Payment.Method.ACCOUNT_CREDIT:
                problems.add(
                    "amount",
                    "overpayment",
                    f"The balance is {max(balance, ZERO)}: enter at most that, or keep the "
                    f"excess of {excess} as account credit.",
                )
            else:
                rows = [(locked, data.amount - excess), (None, excess)]
    problems.raise_if_any()
    payments = []
    for target, amount in rows:
        if amount <= 0:
            continue
        payment = Payment.objects.create(
            clinic=actor.clinic,
            patient_id=locked.patient_id,
            invoice=target,
            kind=data.kind,
            method=data.method,
            amount=amount,
            received_on=day,
            reference=data.reference.strip(),
            recorded_by=actor.user,
        )
        payments.append(payment)
        audit_record(
            actor=actor,
            action="create",
            patient_id=locked.patient_id,
            obj=payment,
            detail=(
                f"{data.kind} {amount} by {data.method} on "
                + (locked.number if target is not None else "account credit")
            ),
        )
    return payments
