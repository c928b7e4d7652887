"""Billing reports: day-end and period totals, aged receivables, the accountant's journal."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db.models import Count, Q

from imsclinic.accounts.models import User
from imsclinic.billing.models import CreditNote, Invoice, Payment
from imsclinic.billing.selectors.balances import _cents, _with_balance, money
from imsclinic.billing.selectors.fees import billing_settings
from imsclinic.core.permissions import BILLING, require_role
from imsclinic.rules.billing import AGE_BUCKETS, ZERO, age_bucket

if TYPE_CHECKING:
    from imsclinic.core.actors import Actor
    from imsclinic.core.models import Clinic


@dataclass
class MethodRow:
    method: str
    label: str
    payments: Decimal = ZERO
    refunds: Decimal = ZERO
    count: int = 0

    @property
    def net(self) -> Decimal:
        return self.payments - self.refunds


@dataclass
class PractitionerRow:
    name: str
    invoices: int = 0
    invoiced: Decimal = ZERO
    tax: Decimal = ZERO
    credited: Decimal = ZERO
    collected: Decimal = ZERO


@dataclass
class AgedRow:
    bill_to: str
    patient_id: int
    buckets: dict[str, Decimal] = field(default_factory=dict)

    @property
    def total(self) -> Decimal:
        return sum(self.buckets.values(), ZERO)


@dataclass
class PeriodReport:
    start: dt.date
    end: dt.date
    currency: str
    methods: list[MethodRow]
    practitioners: list[PractitionerRow]
    collected: Decimal  # money in minus money out, account-credit transfers excluded
    credit_applied: Decimal
    invoiced: Decimal
    credited: Decimal
    outstanding: Decimal  # every issued invoice's balance today
    aged: list[AgedRow]
    aged_totals: dict[str, Decimal]


def period_report(*, actor: Actor, start: dt.date, end: dt.date, today: dt.date) -> PeriodReport:
    """Day-end (start == end) or period report, with today's outstanding and aging."""
    require_role(actor, BILLING)
    clinic = actor.clinic
    labels = dict(Payment.Method.choices)
    methods: dict[str, MethodRow] = {}
    practitioners: dict[int | None, PractitionerRow] = {}
    names = {u.pk: u.display_name for u in User.objects.filter(clinic=clinic)}

    def pract(pk: int | None) -> PractitionerRow:
        if pk not in practitioners:
            name = names.get(pk, "") if pk is not None else "On account (not yet applied)"
            practitioners[pk] = PractitionerRow(name=name)
        return practitioners[pk]

    in_period = Q(clinic=clinic, received_on__gte=start, received_on__lte=end)
    for method, kind, practitioner_id, count, cents in (
        Payment.objects.filter(in_period)
        .values_list("method", "kind", "invoice__practitioner_id")
        .annotate(n=Count("id"), c=_cents("amount"))
        .order_by()
    ):
        row = methods.setdefault(method, MethodRow(method=method, label=labels.get(method, method)))
        row.count += count
        amount = money(cents)
        if kind == Payment.Kind.REFUND:
            row.refunds += amount
        else:
            row.payments += amount
        if method != Payment.Method.ACCOUNT_CREDIT:
            pract(practitioner_id).collected += -amount if kind == Payment.Kind.REFUND else amount
    issued = Q(
        clinic=clinic, status=Invoice.Status.ISSUED, issued_on__gte=start, issued_on__lte=end
    )
    for practitioner_id, count, total_c, tax_c in (
        Invoice.objects.filter(issued)
        .values_list("practitioner_id")
        .annotate(n=Count("id"), t=_cents("total"), x=_cents("tax"))
        .order_by()
    ):
        issued_row = pract(practitioner_id)
        issued_row.invoices += count
        issued_row.invoiced += money(total_c)
        issued_row.tax += money(tax_c)
    for practitioner_id, cents in (
        CreditNote.objects.filter(clinic=clinic, issued_on__gte=start, issued_on__lte=end)
        .values_list("invoice__practitioner_id")
        .annotate(c=_cents("amount"))
        .order_by()
    ):
        pract(practitioner_id).credited += money(cents)
    aged, aged_totals, outstanding = aged_receivables(clinic=clinic, as_of=today)
    method_rows = sorted(methods.values(), key=lambda r: list(labels).index(r.method))
    pract_rows = sorted(
        practitioners.values(), key=lambda r: (r.name.startswith("On account"), r.name)
    )
    credit_row = methods.get(Payment.Method.ACCOUNT_CREDIT)
    return PeriodReport(
        start=start,
        end=end,
        currency=billing_settings(clinic).currency,
        methods=method_rows,
        practitioners=pract_rows,
        collected=sum((r.net for r in method_rows if r.method != "account_credit"), ZERO),
        credit_applied=credit_row.net if credit_row else ZERO,
        invoiced=sum((r.invoiced for r in pract_rows), ZERO),
        credited=sum((r.credited for r in pract_rows), ZERO),
        outstanding=outstanding,
        aged=aged,
        aged_totals=aged_totals,
    )


def aged_receivables(
    *, clinic: Clinic, as_of: dt.date
) -> tuple[list[AgedRow], dict[str, Decimal], Decimal]:
    """Unpaid balances of issued invoices by age since issue (0-30, 31-60, 61-90, 90+), per
    addressee (the patient, or the patient's insurer); the total of every balance. One query."""
    rows: dict[tuple[int, int | None], AgedRow] = {}
    totals = {label: ZERO for _, _, label in AGE_BUCKETS}
    outstanding = ZERO
    invoices = (
        _with_balance(Invoice.objects.filter(clinic=clinic, status=Invoice.Status.ISSUED))
        .exclude(balance_c=0)  # type: ignore[misc]  # an annotation django-stubs cannot see
        .values_list(
            "patient_id",
            "payer_id",
            "issued_on",
            "balance_c",
            "patient__family_name",
            "patient__given_name",
            "payer__name",
        )
        .order_by("patient__family_name", "patient__given_name", "payer_id")
    )
    for patient_id, payer_id, issued_on, balance_c, family, given, payer_name in invoices:
        amount = money(balance_c)
        outstanding += amount
        if amount <= 0:
            continue  # owed back to the payer: a refund to make, not a receivable
        label = age_bucket((as_of - issued_on).days)
        key = (patient_id, payer_id)
        if key not in rows:
            who = f"{family}, {given}"
            rows[key] = AgedRow(
                bill_to=f"{payer_name} (for {who})" if payer_name else who,
                patient_id=patient_id,
                buckets={lbl: ZERO for _, _, lbl in AGE_BUCKETS},
            )
        rows[key].buckets[label] += amount
        totals[label] += amount
    return list(rows.values()), totals, outstanding


JOURNAL_HEADER = (
    "date",
    "entry",
    "number",
    "patient",
    "bill_to",
    "practitioner",
    "method",
    "amount",
    "tax",
    "reference",
)


def journal_rows(*, actor: Actor, start: dt.date, end: dt.date) -> list[tuple[str, ...]]:
    """Every invoice issued, credit note, payment and refund of the period, by date: the
    accountant's CSV. Amounts are signed as they move the receivable (credits, payments
    negative; refunds positive), so the column sums to the period's change in receivables."""
    require_role(actor, BILLING)
    clinic = actor.clinic
    entries: list[tuple[dt.date, int, tuple[str, ...]]] = []
    for inv in Invoice.objects.filter(
        clinic=clinic, status=Invoice.Status.ISSUED, issued_on__gte=start, issued_on__lte=end
    ).select_related("patient", "practitioner", "payer"):
        assert inv.issued_on is not None
        entries.append(
            (
                inv.issued_on,
                0,
                (
                    inv.issued_on.isoformat(),
                    "invoice",
                    inv.number,
                    inv.patient.display_name,
                    inv.payer.name if inv.payer else "patient",
                    inv.practitioner.display_name,
                    "",
                    f"{inv.total}",
                    f"{inv.tax}",
                    "",
                ),
            )
        )
    for note in CreditNote.objects.filter(
        clinic=clinic, issued_on__gte=start, issued_on__lte=end
    ).select_related("invoice__patient", "invoice__practitioner", "invoice__payer"):
        inv = note.invoice
        entries.append(
            (
                note.issued_on,
                1,
                (
                    note.issued_on.isoformat(),
                    "credit_note",
                    note.number,
                    inv.patient.display_name,
                    inv.payer.name if inv.payer else "patient",
                    inv.practitioner.display_name,
                    "",
                    f"{-note.amount}",
                    f"{-note.tax}",
                    inv.number,
                ),
            )
        )
    for pay in Payment.objects.filter(
        clinic=clinic, received_on__gte=start, received_on__lte=end
    ).select_related("patient", "invoice__practitioner", "invoice__payer"):
        paid_invoice = pay.invoice
        signed = pay.amount if pay.kind == Payment.Kind.REFUND else -pay.amount
        entries.append(
            (
                pay.received_on,
                2,
                (
                    pay.received_on.isoformat(),
                    pay.kind if paid_invoice is not None else f"{pay.kind}_on_account",
                    paid_invoice.number if paid_invoice is not None else "",
                    pay.patient.display_name,
                    (paid_invoice.payer.name if paid_invoice.payer else "patient")
                    if paid_invoice is not None
                    else "patient",
                    paid_invoice.practitioner.display_name if paid_invoice is not None else "",
                    pay.method,
                    f"{signed}",
                    "",
                    pay.reference,
                ),
            )
        )
    entries.sort(key=lambda e: (e[0], e[1]))
    return [row for _, _, row in entries]
