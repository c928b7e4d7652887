"""Money in the database as whole cents, and the balances of invoices and accounts.

Sums are taken as ``ROUND(amount * 100)`` cast to an integer, so they are exact on SQLite
too, whose DECIMAL columns hold binary floats; Python turns cents back into Decimal. Every
balance follows rules/billing.balance."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import BigIntegerField, F, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Cast, Coalesce, Round

from imsclinic.billing.models import CreditNote, Invoice, Payment
from imsclinic.rules.billing import ZERO

if TYPE_CHECKING:
    from imsclinic.core.models import Clinic


HUNDRED = Decimal(100)


def _cents_of(name: str) -> Cast:
    return Cast(Round(F(name) * Value(HUNDRED)), output_field=BigIntegerField())


def _cents(name: str, filter: Q | None = None) -> Coalesce:
    return Coalesce(Sum(_cents_of(name), filter=filter), Value(0), output_field=BigIntegerField())


def money(cents: int | None) -> Decimal:
    return (Decimal(cents or 0) / HUNDRED).quantize(Decimal("0.01"))


@dataclass
class Sums:
    credited: Decimal = ZERO
    paid: Decimal = ZERO
    refunded: Decimal = ZERO

    def balance(self, total: Decimal) -> Decimal:
        return total - self.credited - self.paid + self.refunded


def invoice_sums(invoice_ids: Iterable[int]) -> dict[int, Sums]:
    """Credited, paid and refunded per invoice, exact to the cent: two queries."""
    ids = list(invoice_ids)
    sums = {pk: Sums() for pk in ids}
    if not ids:
        return sums
    payments = (
        Payment.objects.filter(invoice_id__in=ids)
        .values_list("invoice_id")
        .annotate(
            paid=_cents("amount", Q(kind=Payment.Kind.PAYMENT)),
            refunded=_cents("amount", Q(kind=Payment.Kind.REFUND)),
        )
        .order_by()
    )
    for invoice_id, paid, refunded in payments:
        sums[invoice_id].paid = money(paid)
        sums[invoice_id].refunded = money(refunded)
    credits = (
        CreditNote.objects.filter(invoice_id__in=ids)
        .values_list("invoice_id")
        .annotate(credited=_cents("amount"))
        .order_by()
    )
    for invoice_id, credited in credits:
        sums[invoice_id].credited = money(credited)
    return sums


def account_credit(clinic: Clinic, patient_id: int) -> Decimal:
    """Credit held on a patient's account (overpayments kept) not yet applied to invoices."""
    row = Payment.objects.filter(clinic=clinic, patient_id=patient_id).aggregate(
        kept=_cents("amount", Q(invoice__isnull=True, kind=Payment.Kind.PAYMENT)),
        returned=_cents("amount", Q(invoice__isnull=True, kind=Payment.Kind.REFUND)),
        applied=_cents("amount", Q(method=Payment.Method.ACCOUNT_CREDIT)),
    )
    return money(row["kept"] - row["returned"] - row["applied"])


def _with_balance(queryset: QuerySet[Invoice]) -> QuerySet[Invoice]:
    """Invoices annotated with credited/paid/refunded/balance in cents (one query)."""

    def sub(model: Any, condition: Q) -> Subquery:
        return Subquery(
            model.objects.filter(condition, invoice_id=OuterRef("pk"))
            .values("invoice_id")
            .annotate(c=Sum(_cents_of("amount")))
            .values("c")
            .order_by(),
            output_field=BigIntegerField(),
        )

    return queryset.annotate(
        credited_c=Coalesce(sub(CreditNote, Q()), Value(0)),
        paid_c=Coalesce(sub(Payment, Q(kind=Payment.Kind.PAYMENT)), Value(0)),
        refunded_c=Coalesce(sub(Payment, Q(kind=Payment.Kind.REFUND)), Value(0)),
        total_c=_cents_of("total"),
    ).annotate(balance_c=F("total_c") - F("credited_c") - F("paid_c") + F("refunded_c"))
