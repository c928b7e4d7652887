"""Billing writes: fee schedule, payers, visit charges, invoices, credit notes, payments.

Every function is keyword-only, runs in one transaction and writes its audit event in it.
Issued invoices, credit notes and payments are never changed; the database refuses it
too (billing/guards.py). Invoice and credit-note numbers come from a counter row locked
for the transaction (``_common._next_number``), so they are gap-free per clinic, series and
year.

- fees: settings_update, tax_rule_save, service_save, service_price_set (clinic admins)
- payers: payer_add, payer_end
- visits: propose_visit_charge, propose_charge_for_session, charge_dismiss, charge_invoice
- invoices: invoice_create, invoice_add_line, invoice_remove_line, invoice_discard,
  invoice_issue
- payments: credit_note_issue, payment_record
- _common: the helpers they share (draft lock, lines and totals, numbers, dates, money)

``propose_visit_charge`` is the entry point for whatever ends a visit: charting calls
``propose_charge_for_session`` when a session is signed, and the scheduling app can call
``propose_visit_charge`` when an appointment is completed.
"""

from imsclinic.billing.actions.fees import (
    service_price_set,
    service_save,
    settings_update,
    tax_rule_save,
)
from imsclinic.billing.actions.invoices import (
    invoice_add_line,
    invoice_create,
    invoice_discard,
    invoice_issue,
    invoice_remove_line,
)
from imsclinic.billing.actions.payers import payer_add, payer_end
from imsclinic.billing.actions.payments import credit_note_issue, payment_record
from imsclinic.billing.actions.visits import (
    charge_dismiss,
    charge_invoice,
    propose_charge_for_session,
    propose_visit_charge,
)

__all__ = [
    "charge_dismiss",
    "charge_invoice",
    "credit_note_issue",
    "invoice_add_line",
    "invoice_create",
    "invoice_discard",
    "invoice_issue",
    "invoice_remove_line",
    "payer_add",
    "payer_end",
    "payment_record",
    "propose_charge_for_session",
    "propose_visit_charge",
    "service_price_set",
    "service_save",
    "settings_update",
    "tax_rule_save",
]
