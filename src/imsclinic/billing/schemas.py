"""Billing input and output shapes, shared by the pages and the JSON API.

Amounts arrive as Decimal (a JSON number or string); the actions check sign, cents and
size (rules/billing.money_problem) so the error names the field and the fix.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ninja import Schema
from pydantic import Field


class BillingSettingsIn(Schema):
    jurisdiction: str = Field(max_length=5, description="ISO 3166-2, e.g. CA-AB or US-WA")
    currency: str = Field(default="", max_length=3, description="Default: CAD in CA, USD in US")
    legal_name: str = Field(default="", max_length=200)
    business_number: str = Field(default="", max_length=30)
    address: str = Field(default="", max_length=300)
    phone: str = Field(default="", max_length=30)
    email: str = Field(default="", max_length=254)


class TaxRuleIn(Schema):
    code: str = Field(max_length=12, description="e.g. GST")
    name: str = Field(max_length=80)
    rate_percent: Decimal
    active: bool = True


class ServiceIn(Schema):
    code: str = Field(max_length=20)
    name: str = Field(max_length=120)
    kind: str
    minutes: int | None = Field(default=None, ge=1, le=600)
    tax_code: str = Field(default="", max_length=12, description="Empty: tax-exempt")
    active: bool = True


class PriceIn(Schema):
    amount: Decimal
    effective_from: dt.date


class PayerIn(Schema):
    kind: str
    name: str = Field(max_length=120)
    policy_number: str = Field(default="", max_length=40)
    claim_number: str = Field(default="", max_length=40)
    coverage_percent: Decimal
    max_per_visit: Decimal | None = None


class LineIn(Schema):
    service_id: int | None = None
    description: str = Field(default="", max_length=200)
    quantity: int = Field(default=1, ge=1, le=100)
    unit_price: Decimal | None = Field(
        default=None, description="Empty: the service's price on the service date"
    )
    service_date: dt.date | None = None


class InvoiceIn(Schema):
    patient_id: int
    practitioner_id: int
    payer_id: int | None = Field(default=None, description="Bill a third party instead")
    service_date: dt.date
    notes: str = Field(default="", max_length=500)
    lines: list[LineIn] = Field(default_factory=list, max_length=50)


class VisitInvoiceIn(Schema):
    service_id: int
    payer_id: int | None = Field(
        default=None, description="Split the fee: this payer's coverage, the rest to the patient"
    )
    issue: bool = Field(default=False, description="Issue the invoice(s) at once")


class PaymentIn(Schema):
    kind: str = Field(default="payment", description="payment or refund")
    method: str
    amount: Decimal
    received_on: dt.date | None = None
    reference: str = Field(default="", max_length=60)
    excess_to_account: bool = Field(
        default=False,
        description="Pay more than the balance: the excess is kept as credit on the account",
    )


class CreditNoteIn(Schema):
    amount: Decimal
    reason: str = Field(max_length=300)


# Output --------------------------------------------------------------------------------


class LineOut(Schema):
    id: int
    position: int
    service_id: int | None
    description: str
    service_date: dt.date
    quantity: int
    unit_price: Decimal
    full_fee: Decimal | None
    tax_code: str
    tax_rate: Decimal
    net: Decimal
    tax: Decimal
    total: Decimal
    cpt_code: str
    icd10_code: str


class PaymentOut(Schema):
    id: int
    invoice_id: int | None
    kind: str
    method: str
    amount: Decimal
    received_on: dt.date
    reference: str


class CreditNoteOut(Schema):
    id: int
    invoice_id: int
    number: str
    issued_on: dt.date
    amount: Decimal
    tax: Decimal
    reason: str


class InvoiceOut(Schema):
    id: int
    number: str
    status: str
    patient_id: int
    practitioner_id: int
    payer_id: int | None
    service_date: dt.date
    issued_on: dt.date | None
    currency: str
    subtotal: Decimal
    tax: Decimal
    total: Decimal
    credited: Decimal
    paid: Decimal
    refunded: Decimal
    balance: Decimal
    lines: list[LineOut]
    payments: list[PaymentOut]
    credit_notes: list[CreditNoteOut]


class InvoiceSummaryOut(Schema):
    id: int
    number: str
    status: str
    patient_id: int
    practitioner_id: int
    payer_id: int | None
    service_date: dt.date
    issued_on: dt.date | None
    total: Decimal
    balance: Decimal


class VisitChargeOut(Schema):
    id: int
    patient_id: int
    practitioner_id: int
    service_date: dt.date
    service_id: int | None
    session_id: int | None
    appointment_id: int | None
    muscles: int
    icd10_code: str
    status: str


class PaymentResultOut(Schema):
    invoice: InvoiceOut
    payments: list[PaymentOut]
