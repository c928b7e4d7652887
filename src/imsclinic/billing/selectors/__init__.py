"""Billing reads: prices, balances, invoices, the billing queue, accounts and reports.

Sums of money are taken in the database as whole cents (``ROUND(amount * 100)`` cast to
an integer), so they are exact on SQLite too, whose DECIMAL columns hold binary floats;
Python turns cents back into Decimal. Every balance follows rules/billing.balance.

- fees: billing_settings, price_on, fee_schedule, active_services, billing_practitioners
- balances: money in cents, invoice_sums, account_credit
- invoices: invoice_list, invoice_get, invoice_for_change, the billing queue (charges_to_bill,
  charge_get), payers, patient_account
- reports: period_report, aged_receivables, journal_rows
"""

from imsclinic.billing.selectors.balances import (
    HUNDRED,
    Sums,
    account_credit,
    invoice_sums,
    money,
)
from imsclinic.billing.selectors.fees import (
    FeeRow,
    FeeSchedule,
    active_services,
    billing_practitioners,
    billing_settings,
    fee_schedule,
    price_on,
)
from imsclinic.billing.selectors.invoices import (
    InvoiceDetail,
    InvoiceRow,
    PatientAccount,
    charge_get,
    charges_to_bill,
    invoice_for_change,
    invoice_get,
    invoice_list,
    patient_account,
    patient_issued_invoice,
    patient_issued_invoices,
    patient_payers,
    payer_get,
)
from imsclinic.billing.selectors.reports import (
    JOURNAL_HEADER,
    AgedRow,
    MethodRow,
    PeriodReport,
    PractitionerRow,
    aged_receivables,
    journal_rows,
    period_report,
)

__all__ = [
    "HUNDRED",
    "JOURNAL_HEADER",
    "AgedRow",
    "FeeRow",
    "FeeSchedule",
    "InvoiceDetail",
    "InvoiceRow",
    "MethodRow",
    "PatientAccount",
    "PeriodReport",
    "PractitionerRow",
    "Sums",
    "account_credit",
    "active_services",
    "aged_receivables",
    "billing_practitioners",
    "billing_settings",
    "charge_get",
    "charges_to_bill",
    "fee_schedule",
    "invoice_for_change",
    "invoice_get",
    "invoice_list",
    "invoice_sums",
    "journal_rows",
    "money",
    "patient_account",
    "patient_issued_invoice",
    "patient_issued_invoices",
    "patient_payers",
    "payer_get",
    "period_report",
    "price_on",
]
