"""Synthetic billing for the demo clinic: settings, fee schedule, practitioners' receipt
credentials, third-party payers, and every signed demo visit billed, issued and (mostly)
paid over the demo's weeks, through the billing actions. The two latest visits are left
in the front desk's queue; insurers pay in a weekly batch, so their latest invoices
are still outstanding; today's payments give the day-end report something to show.

Every name, number and amount is synthetic.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from imsclinic.accounts.actions import user_credentials_update
from imsclinic.accounts.models import User
from imsclinic.billing import actions
from imsclinic.billing.models import Invoice, Payer, VisitCharge
from imsclinic.billing.schemas import (
    BillingSettingsIn,
    CreditNoteIn,
    InvoiceIn,
    LineIn,
    PayerIn,
    PaymentIn,
    PriceIn,
    ServiceIn,
    TaxRuleIn,
    VisitInvoiceIn,
)
from imsclinic.core.actors import Actor
from imsclinic.core.models import Clinic
from imsclinic.patients.models import Patient

# (code, name, kind, minutes, price, tax code)
FEE_SCHEDULE = (
    ("IMS-A60", "IMS assessment and treatment (60 min)", "assessment", 60, "150.00", ""),
    ("IMS-T30", "IMS treatment (30 min)", "treatment", 30, "95.00", ""),
    ("IMS-T45", "IMS treatment (45 min)", "treatment", 45, "125.00", ""),
    ("FU-15", "Follow-up review (15 min)", "follow_up", 15, "55.00", ""),
    ("NOSHOW", "No-show / late cancellation fee", "no_show", None, "50.00", ""),
    ("TAPE", "Kinesiology tape (supply)", "supply", None, "12.00", "GST"),
)
# username -> (profession, designation, registration, regulator)
CREDENTIALS = {
    "pt.morgan": (
        "Physiotherapist",
        "PT",
        "PT-10427",
        "Physiotherapy Alberta College + Association",
    ),
    "dr.okafor": ("Physician", "MD", "MD-22093", "College of Physicians & Surgeons of Alberta"),
    "pt.lapsed": (
        "Physiotherapist",
        "PT",
        "PT-10988",
        "Physiotherapy Alberta College + Association",
    ),
}
PATIENT_METHODS = ("debit", "credit_card", "debit", "cash", "e_transfer", "credit_card")
INSURER_PAYS_AFTER = dt.timedelta(days=10)


def load_billing_demo(*, clinic: Clinic, users: dict[str, User], today: dt.date, seed: int) -> None:
    rng = random.Random(seed)
    admin = Actor(user=users["admin"], clinic=clinic, source="command")
    desk = Actor(user=users["frontdesk"], clinic=clinic, source="command")
    actions.settings_update(
        actor=admin,
        data=BillingSettingsIn(
            jurisdiction="CA-AB",
            legal_name="Bow River IMS Clinic Ltd. (demo)",
            business_number="700000001 RT0001",
            address="100 Example Trail SW, Calgary AB T2P 0A0",
            phone="403-555-0100",
            email="billing@example.org",
        ),
    )
    for username, (profession, designation, registration, body) in CREDENTIALS.items():
        user_credentials_update(
            actor=admin,
            user=users[username],
            profession=profession,
            designation=designation,
            registration_number=registration,
            regulatory_body=body,
        )
    actions.tax_rule_save(
        actor=admin,
        data=TaxRuleIn(code="GST", name="Goods and Services Tax", rate_percent=Decimal("5")),
    )
    services = {}
    price_from = today - dt.timedelta(days=365)
    for code, name, kind, minutes, price, tax in FEE_SCHEDULE:
        services[code] = actions.service_save(
            actor=admin,
            data=ServiceIn(code=code, name=name, kind=kind, minutes=minutes, tax_code=tax),
        )
        actions.service_price_set(
            actor=admin,
            service=services[code],
            data=PriceIn(amount=Decimal(price), effective_from=price_from),
        )
    patients = list(Patient.objects.filter(clinic=clinic).order_by("id"))
    payers = _payers(desk, patients)
    charges = list(
        VisitCharge.objects.filter(clinic=clinic, status=VisitCharge.Status.PROPOSED).order_by(
            "service_date", "id"
        )
    )
    for index, charge in enumerate(charges[:-2]):
        payer = payers.get(charge.patient_id)
        service = charge.service or services["IMS-T30"]
        if service.kind == "treatment" and index % 4 == 3:
            service = services["IMS-T45"]
        invoices = actions.charge_invoice(
            actor=desk,
            charge=charge,
            data=VisitInvoiceIn(service_id=service.pk, payer_id=payer.pk if payer else None),
        )
        for invoice in invoices:
            issued = actions.invoice_issue(
                actor=desk, invoice=invoice, issued_on=charge.service_date
            )
            _pay(desk, issued, index, rng, today)
    _corrections(desk, clinic, services, today)


def _payers(desk: Actor, patients: list[Patient]) -> dict[int, Payer]:
    plans = (
        ("extended_health", "Prairie Health Benefits (synthetic)", "PHB-100238", "", "80", None),
        (
            "workers_comp",
            "Workers' Compensation Board (synthetic)",
            "",
            "WCB-55-20931",
            "100",
            None,
        ),
        ("extended_health", "Chinook Group Plan (synthetic)", "CGP-77812", "", "70", "75.00"),
        ("motor_vehicle", "Foothills Auto Insurance (synthetic)", "", "FA-2026-00417", "100", None),
    )
    payers = {}
    for patient, (kind, name, policy, claim, percent, cap) in zip(
        patients[:4], plans, strict=False
    ):
        payers[patient.pk] = actions.payer_add(
            actor=desk,
            patient=patient,
            data=PayerIn(
                kind=kind,
                name=name,
                policy_number=policy,
                claim_number=claim,
                coverage_percent=Decimal(percent),
                max_per_visit=Decimal(cap) if cap else None,
            ),
        )
    return payers


def _pay(desk: Actor, invoice: Invoice, index: int, rng: random.Random, today: dt.date) -> None:
    assert invoice.issued_on is not None
    if invoice.payer_id is not None:
        # Insurers remit weekly (on today's weekday), for claims at least 10 days old;
        # later claims are still outstanding.
        paid_on = invoice.issued_on + INSURER_PAYS_AFTER
        paid_on += dt.timedelta(days=(today.weekday() - paid_on.weekday()) % 7)
        if paid_on <= today:
            actions.payment_record(
                actor=desk,
                invoice=invoice,
                data=PaymentIn(
                    method="insurer",
                    amount=invoice.total,
                    received_on=paid_on,
                    reference=f"EFT-{rng.randint(100000, 999999)}",
                ),
            )
        return
    if index % 7 == 5:
        return  # the patient will pay next visit: outstanding
    if index % 6 == 4:
        # Half at the visit, the rest today (a partial payment, then the balance).
        half = (invoice.total / 2).quantize(Decimal("0.01"))
        for amount, day, method in (
            (half, invoice.issued_on, "cash"),
            (invoice.total - half, today, "debit"),
        ):
            actions.payment_record(
                actor=desk,
                invoice=invoice,
                data=PaymentIn(method=method, amount=amount, received_on=day),
            )
        return
    actions.payment_record(
        actor=desk,
        invoice=invoice,
        data=PaymentIn(
            method=rng.choice(PATIENT_METHODS),
            amount=invoice.total,
            received_on=invoice.issued_on,
        ),
    )


def _corrections(desk: Actor, clinic: Clinic, services: dict, today: dt.date) -> None:
    """A shorter visit credited and refunded; a no-show fee and tape billed today."""
    paid = (
        Invoice.objects.filter(
            clinic=clinic, status="issued", payer__isnull=True, total__gte=Decimal("50.00")
        )
        .exclude(payments__isnull=True)
        .order_by("id")
        .first()
    )
    if paid is not None:
        actions.credit_note_issue(
            actor=desk,
            invoice=paid,
            data=CreditNoteIn(amount=Decimal("20.00"), reason="Visit shortened to 20 minutes"),
            issued_on=today - dt.timedelta(days=3),
        )
        actions.payment_record(
            actor=desk,
            invoice=paid,
            data=PaymentIn(
                kind="refund",
                method="debit",
                amount=Decimal("20.00"),
                received_on=today - dt.timedelta(days=3),
            ),
        )
    patient = Patient.objects.filter(clinic=clinic).order_by("-id").first()
    practitioner = User.objects.get(clinic=clinic, username="pt.morgan")
    if patient is None:
        return
    invoice = actions.invoice_create(
        actor=desk,
        data=InvoiceIn(
            patient_id=patient.pk,
            practitioner_id=practitioner.pk,
            service_date=today,
            lines=[
                LineIn(service_id=services["NOSHOW"].pk),
                LineIn(service_id=services["TAPE"].pk, quantity=2),
            ],
        ),
    )
    invoice = actions.invoice_issue(actor=desk, invoice=invoice)
    actions.payment_record(
        actor=desk,
        invoice=invoice,
        data=PaymentIn(method="credit_card", amount=Decimal("80.00"), excess_to_account=True),
    )
