"""Fees, visit charges, invoices, credit notes and payments.

Issued invoices, their lines, credit notes and payments are immutable, in the actions
and in the database (billing/guards.py); corrections are credit notes and refunds. Money
columns are DECIMAL(12, 2); the arithmetic and its rounding rule are rules/billing.py.

Size: the billing tables and their constraints, which refer to each other; Django
expects an app's models in one module.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import Round
from django.db.models.lookups import Exact

from imsclinic.core.models import Clinic, ClinicScopedModel
from imsclinic.patients.models import Patient
from imsclinic.rules.billing import JURISDICTIONS


def _cents(name: str) -> Round:
    return Round(F(name) * Value(Decimal(100)))


def _sum_in_cents(total: str, *parts: str) -> Exact:
    """``total = part + part`` compared in whole cents: SQLite keeps DECIMAL columns as
    binary floats, where 107.07 + 0.61 is not 107.68."""
    expression: Any = _cents(parts[0])
    for part in parts[1:]:
        expression = expression + _cents(part)
    return Exact(_cents(total), expression)


def _money(**kwargs: object) -> models.DecimalField:  # type: ignore[type-arg]
    return models.DecimalField(max_digits=12, decimal_places=2, **kwargs)  # type: ignore[arg-type]


class BillingSettings(models.Model):
    """One clinic's billing identity: where it bills (jurisdiction), in what currency, and
    what its receipts print. Kept beside the clinic rather than on core.Clinic so billing
    owns its migrations; a clinic without a row bills with the defaults (Alberta, CAD)."""

    clinic = models.OneToOneField(
        Clinic, on_delete=models.PROTECT, primary_key=True, related_name="+"
    )
    jurisdiction = models.CharField(
        max_length=5, default="CA-AB", choices=sorted(JURISDICTIONS.items())
    )
    currency = models.CharField(max_length=3, default="CAD")
    legal_name = models.CharField(max_length=200, blank=True)
    business_number = models.CharField(max_length=30, blank=True)
    address = models.CharField(max_length=300, blank=True)
    phone = models.CharField(max_length=30, blank=True)
    email = models.EmailField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"billing of clinic {self.clinic_id} ({self.jurisdiction})"


class TaxRule(ClinicScopedModel):
    """A sales tax the clinic charges on some services (e.g. GST 5% on supplies)."""

    code = models.CharField(max_length=12)
    name = models.CharField(max_length=80)
    rate_percent = models.DecimalField(max_digits=6, decimal_places=3)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["clinic", "code"], name="taxrule_code_per_clinic"),
            models.CheckConstraint(
                condition=Q(rate_percent__gte=0, rate_percent__lte=100), name="taxrule_rate_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.rate_percent}%"


class Service(ClinicScopedModel):
    """An entry of the fee schedule. Its price lives in ServicePrice, by effective date."""

    class Kind(models.TextChoices):
        ASSESSMENT = "assessment", "IMS assessment"
        TREATMENT = "treatment", "IMS treatment"
        FOLLOW_UP = "follow_up", "Follow-up"
        NO_SHOW = "no_show", "No-show / late cancellation fee"
        SUPPLY = "supply", "Supply"
        OTHER = "other", "Other"

    code = models.CharField(max_length=20)
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=12, choices=Kind.choices)
    minutes = models.PositiveSmallIntegerField(null=True, blank=True)
    # No tax rule: exempt (physiotherapy and physician services in Canada, see docs/billing.md).
    tax_rule = models.ForeignKey(
        TaxRule, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["kind", "minutes", "code"]
        constraints = [
            models.UniqueConstraint(fields=["clinic", "code"], name="service_code_per_clinic"),
        ]

    def __str__(self) -> str:
        return self.name


class ServicePrice(ClinicScopedModel):
    """A service's price from a day on. Rows are only added: a new price never changes a
    past one, and invoice lines copy the price they were billed at."""

    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="prices")
    effective_from = models.DateField()
    amount = _money()
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["service_id", "-effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["service", "effective_from"], name="price_one_per_service_day"
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="price_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.amount} from {self.effective_from}"


class Payer(ClinicScopedModel):
    """A third party that pays part of a patient's visits: an extended health plan, workers'
    compensation, a motor-vehicle insurer. ``coverage_percent`` of each fee (capped at
    ``max_per_visit``) is billed to it; the rest to the patient."""

    class Kind(models.TextChoices):
        EXTENDED_HEALTH = "extended_health", "Extended health plan"
        WORKERS_COMP = "workers_comp", "Workers' compensation"
        MOTOR_VEHICLE = "motor_vehicle", "Motor-vehicle insurer"
        OTHER = "other", "Other third party"

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="payers")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    name = models.CharField(max_length=120)
    policy_number = models.CharField(max_length=40, blank=True)
    claim_number = models.CharField(max_length=40, blank=True)
    coverage_percent = models.DecimalField(max_digits=6, decimal_places=3)
    max_per_visit = _money(null=True, blank=True)
    ended_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["patient_id", "id"]
        indexes = [models.Index(fields=["clinic", "patient"], name="payer_clinic_patient")]
        constraints = [
            models.CheckConstraint(
                condition=Q(coverage_percent__gte=0, coverage_percent__lte=100),
                name="payer_coverage_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.coverage_percent.normalize()}%)"


class VisitCharge(ClinicScopedModel):
    """A visit waiting to be billed: proposed when a session is signed (or an appointment
    completed), then invoiced or dismissed by the front desk."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", "To bill"
        INVOICED = "invoiced", "Invoiced"
        DISMISSED = "dismissed", "Not billed"

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="+")
    practitioner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    service_date = models.DateField()
    service = models.ForeignKey(
        Service, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    session = models.OneToOneField(
        "charting.TreatmentSession",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # The scheduling app's appointment, once it exists (no foreign key across that app yet).
    appointment_id = models.BigIntegerField(null=True, blank=True)
    muscles = models.PositiveSmallIntegerField(default=0)
    icd10_code = models.CharField(max_length=10, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PROPOSED)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    dismiss_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["service_date", "id"]
        indexes = [models.Index(fields=["clinic", "status", "service_date"], name="charge_queue")]
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "appointment_id"],
                condition=Q(appointment_id__isnull=False),
                name="charge_one_per_appointment",
            ),
        ]

    def __str__(self) -> str:
        return f"visit of {self.patient_id} on {self.service_date}"


class Invoice(ClinicScopedModel):
    """A draft until issued; then numbered, frozen and read-only (guards.py)."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        ISSUED = "issued", "Issued"

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="+")
    practitioner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    # Set: the invoice is addressed to this third party for its share; empty: to the patient.
    payer = models.ForeignKey(
        Payer, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    visit_charge = models.ForeignKey(
        VisitCharge, on_delete=models.PROTECT, null=True, blank=True, related_name="invoices"
    )
    service_date = models.DateField()
    status = models.CharField(max_length=6, choices=Status.choices, default=Status.DRAFT)
    number = models.CharField(max_length=20, blank=True)
    number_year = models.PositiveSmallIntegerField(null=True, blank=True)
    number_seq = models.PositiveIntegerField(null=True, blank=True)
    issued_on = models.DateField(null=True, blank=True)
    issued_at = models.DateTimeField(null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    subtotal = _money(default=0)
    tax = _money(default=0)
    total = _money(default=0)
    # What the receipt prints of the clinic, the practitioner and the addressee, as they
    # were when the invoice was issued: a reprint years later is the same document.
    issued_snapshot = models.JSONField(default=dict, blank=True)
    notes = models.CharField(max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["clinic", "patient"], name="invoice_clinic_patient"),
            models.Index(fields=["clinic", "issued_on"], name="invoice_clinic_issued"),
            models.Index(fields=["clinic", "practitioner"], name="invoice_clinic_pract"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "number_year", "number_seq"],
                condition=Q(number_seq__isnull=False),
                name="invoice_number_per_clinic_year",
            ),
            models.CheckConstraint(
                condition=(
                    Q(status="draft", number_seq__isnull=True, issued_at__isnull=True)
                    | Q(
                        status="issued",
                        number_seq__isnull=False,
                        issued_at__isnull=False,
                        issued_on__isnull=False,
                    )
                ),
                name="invoice_issued_has_number",
            ),
            models.CheckConstraint(
                condition=_sum_in_cents("total", "subtotal", "tax"), name="invoice_total_is_sum"
            ),
        ]

    def __str__(self) -> str:
        return self.number or f"draft {self.pk}"

    @property
    def is_issued(self) -> bool:
        return self.issued_at is not None

    @property
    def label(self) -> str:
        return f"Invoice {self.number}" if self.number else f"Draft invoice #{self.pk}"


class InvoiceLine(ClinicScopedModel):
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="lines")
    position = models.PositiveSmallIntegerField()
    service = models.ForeignKey(
        Service, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    description = models.CharField(max_length=200)
    service_date = models.DateField()
    quantity = models.PositiveSmallIntegerField(default=1)
    unit_price = _money()
    # The fee before a third-party split (empty when the line is not a share of a fee).
    full_fee = _money(null=True, blank=True)
    tax_code = models.CharField(max_length=12, blank=True)
    tax_rate = models.DecimalField(max_digits=6, decimal_places=3, default=0)
    net = _money()
    tax = _money()
    total = _money()
    cpt_code = models.CharField(max_length=5, blank=True)
    icd10_code = models.CharField(max_length=10, blank=True)
    muscles = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["invoice_id", "position"]
        indexes = [models.Index(fields=["clinic", "invoice"], name="line_clinic_invoice")]
        constraints = [
            models.CheckConstraint(
                condition=_sum_in_cents("total", "net", "tax"), name="line_total_is_sum"
            ),
            models.CheckConstraint(
                condition=Q(unit_price__gte=0, net__gte=0, tax__gte=0), name="line_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.description} {self.total}"


class CreditNote(ClinicScopedModel):
    """A correction to an issued invoice: it lowers what the invoice asks for. Numbered in
    its own gap-free series, immutable from the moment it exists."""

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="credit_notes")
    number = models.CharField(max_length=20)
    number_year = models.PositiveSmallIntegerField()
    number_seq = models.PositiveIntegerField()
    issued_on = models.DateField()
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    amount = _money()
    tax = _money()
    reason = models.CharField(max_length=300)

    class Meta:
        ordering = ["invoice_id", "id"]
        indexes = [models.Index(fields=["clinic", "issued_on"], name="credit_clinic_issued")]
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "number_year", "number_seq"], name="credit_number_per_clinic_year"
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="credit_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.number} ({self.amount})"


class Payment(ClinicScopedModel):
    """Money in (a payment) or out (a refund), for an invoice or on the patient's account.

    ``method='account_credit'`` applies credit already held on the patient's account to an
    invoice: no money moves, so reports count it apart from what was collected."""

    class Kind(models.TextChoices):
        PAYMENT = "payment", "Payment"
        REFUND = "refund", "Refund"

    class Method(models.TextChoices):
        CASH = "cash", "Cash"
        DEBIT = "debit", "Debit"
        CREDIT_CARD = "credit_card", "Credit card"
        CHEQUE = "cheque", "Cheque"
        E_TRANSFER = "e_transfer", "E-transfer"
        INSURER = "insurer", "Insurer"
        ACCOUNT_CREDIT = "account_credit", "Account credit"

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="+")
    invoice = models.ForeignKey(
        Invoice, on_delete=models.PROTECT, null=True, blank=True, related_name="payments"
    )
    kind = models.CharField(max_length=7, choices=Kind.choices, default=Kind.PAYMENT)
    method = models.CharField(max_length=14, choices=Method.choices)
    amount = _money()
    received_on = models.DateField()
    reference = models.CharField(max_length=60, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["received_on", "id"]
        indexes = [
            models.Index(fields=["clinic", "received_on"], name="payment_clinic_day"),
            models.Index(fields=["clinic", "invoice"], name="payment_clinic_invoice"),
            models.Index(fields=["clinic", "patient"], name="payment_clinic_patient"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_positive"),
            models.CheckConstraint(
                condition=~Q(method="account_credit") | Q(invoice__isnull=False, kind="payment"),
                name="payment_credit_applies_to_invoice",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount} by {self.method}"


class InvoiceCounter(models.Model):
    """The last number issued per clinic, series and year. Issuing locks this row, so
    numbers are gap-free and distinct however many clerks issue at once."""

    class Series(models.TextChoices):
        INVOICE = "INV", "Invoice"
        CREDIT_NOTE = "CN", "Credit note"

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+")
    series = models.CharField(max_length=3, choices=Series.choices)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "series", "year"], name="counter_per_clinic_series_year"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.series}{self.year}: {self.last}"
