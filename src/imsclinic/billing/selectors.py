"""Billing reads: prices, balances, invoices, the billing queue, accounts and reports.

Sums of money are taken in the database as whole cents (``ROUND(amount * 100)`` cast to
an integer), so they are exact on SQLite too, whose DECIMAL columns hold binary floats;
Python turns cents back into Decimal. Every balance follows rules/billing.balance.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import (
    BigIntegerField,
    Count,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Cast, Coalesce, Round

from imsclinic.accounts.models import User
from imsclinic.billing.models import (
    BillingSettings,
    CreditNote,
    Invoice,
    InvoiceLine,
    Payer,
    Payment,
    Service,
    ServicePrice,
    TaxRule,
    VisitCharge,
)
from imsclinic.core.audit import audit_record
from imsclinic.core.errors import PermissionDenied
from imsclinic.core.permissions import BILLING, PRACTITIONER, STAFF, require_role
from imsclinic.core.tenancy import get_for_clinic
from imsclinic.patients.models import Patient
from imsclinic.rules.billing import AGE_BUCKETS, ZERO, age_bucket, uses_cpt

if TYPE_CHECKING:
    from imsclinic.core.actors import Actor
    from imsclinic.core.models import Clinic

HUNDRED = Decimal(100)


def _cents_of(name: str) -> Cast:
    return Cast(Round(F(name) * Value(HUNDRED)), output_field=BigIntegerField())


def _cents(name: str, filter: Q | None = None) -> Coalesce:
    return Coalesce(Sum(_cents_of(name), filter=filter), Value(0), output_field=BigIntegerField())


def money(cents: int | None) -> Decimal:
    return (Decimal(cents or 0) / HUNDRED).quantize(Decimal("0.01"))


# Settings and prices ------------------------------------------------------------------------


def billing_settings(clinic: Clinic) -> BillingSettings:
    """The clinic's billing settings; the defaults (Alberta, CAD) when none were saved."""
    row = BillingSettings.objects.filter(clinic=clinic).first()
    return row if row is not None else BillingSettings(clinic=clinic)


def price_on(service: Service, day: dt.date) -> Decimal | None:
    price = (
        ServicePrice.objects.filter(service=service, effective_from__lte=day)
        .order_by("-effective_from")
        .values_list("amount", flat=True)
        .first()
    )
    return price


@dataclass
class FeeRow:
    service: Service
    current: Decimal | None
    prices: list[ServicePrice]


@dataclass
class FeeSchedule:
    services: list[FeeRow]
    taxes: list[TaxRule]


def fee_schedule(*, actor: Actor, day: dt.date) -> FeeSchedule:
    """Every service with its price history and the price on ``day``; three queries."""
    require_role(actor, STAFF)
    services = list(Service.objects.filter(clinic=actor.clinic).select_related("tax_rule"))
    prices: dict[int, list[ServicePrice]] = defaultdict(list)
    for price in ServicePrice.objects.filter(clinic=actor.clinic).order_by("-effective_from"):
        prices[price.service_id].append(price)
    rows = []
    for service in services:
        history = prices[service.pk]
        current = next((p.amount for p in history if p.effective_from <= day), None)
        rows.append(FeeRow(service=service, current=current, prices=history))
    taxes = list(TaxRule.objects.filter(clinic=actor.clinic))
    return FeeSchedule(services=rows, taxes=taxes)


# Balances -------------------------------------------------------------------------------


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


# Invoices -------------------------------------------------------------------------------


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
    detail = InvoiceDetail(
        invoice=invoice,
        lines=list(invoice.lines.select_related("service")),
        payments=list(invoice.payments.all()),
        credit_notes=list(invoice.credit_notes.all()),
        sums=invoice_sums([invoice.pk])[invoice.pk],
        settings=billing_settings(actor.clinic),
    )
    return detail


def invoice_for_change(*, actor: Actor, invoice_id: object) -> Invoice:
    """The invoice an action will lock and change (no view event: the change is audited)."""
    require_role(actor, BILLING)
    return get_for_clinic(Invoice.objects.all(), actor.clinic, invoice_id, "Invoice")


# The billing queue and accounts ------------------------------------------------------------


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


def active_services(clinic: Clinic) -> list[Service]:
    return list(Service.objects.filter(clinic=clinic, active=True))


def billing_practitioners(clinic: Clinic) -> list[User]:
    return list(
        User.objects.filter(clinic=clinic, role__in=("practitioner", "admin"), is_active=True)
    )


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
    audit_record(actor=actor, action="view", patient_id=patient.pk, object_type="BillingAccount")
    return PatientAccount(
        patient=patient,
        invoices=invoices,
        payers=patient_payers(actor.clinic, patient.pk),
        owing=sum((r.balance for r in issued if r.invoice.payer_id is None), ZERO),
        owed_by_payers=sum((r.balance for r in issued if r.invoice.payer_id is not None), ZERO),
        credit=account_credit(actor.clinic, patient.pk),
    )


# Reports --------------------------------------------------------------------------------


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
    audit_record(
        actor=actor,
        action="export",
        object_type="BillingJournal",
        detail=f"{start}..{end}: {len(entries)} entries",
    )
    return [row for _, _, row in entries]
