"""Billing through its actions: from a signed session to a paid, credited, refunded invoice."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from imsclinic.billing import actions, selectors
from imsclinic.billing.errors import InvoiceIssued
from imsclinic.billing.models import Invoice, Payment, VisitCharge
from imsclinic.billing.schemas import (
    BillingSettingsIn,
    CreditNoteIn,
    InvoiceIn,
    LineIn,
    PaymentIn,
    PriceIn,
    VisitInvoiceIn,
)
from imsclinic.core.errors import PermissionDenied, RuleViolation, ValidationProblem
from imsclinic.core.models import AuditEvent
from tests.billing.builders import make_payer
from tests.factories import insertion, make_signed_session, today

D = Decimal


def _charge(actor, patient, episode, **kwargs):
    session = make_signed_session(actor, patient, episode, **kwargs)
    return VisitCharge.objects.get(session=session)


def _fields(exc: ValidationProblem) -> dict[str, str]:
    return {p.field: p.message for p in exc.problems}


def test_signing_a_session_proposes_the_visit_once(actor, patient, episode, fees):
    charge = _charge(actor, patient, episode)
    assert charge.status == "proposed"
    assert charge.practitioner_id == actor.user.pk
    assert charge.service_date == today()
    # First session of the episode: the assessment is proposed
    assert charge.service == fees["IMS-A60"]
    assert charge.icd10_code == "M54.5"
    # lumbar paraspinals (left) and gluteus medius (left): two muscles
    assert charge.muscles == 2
    assert AuditEvent.objects.filter(object_type="VisitCharge", object_id=charge.pk).exists()
    again = actions.propose_charge_for_session(actor=actor, session=charge.session)
    assert again.pk == charge.pk
    assert VisitCharge.objects.count() == 1


def test_later_sessions_propose_the_treatment(actor, patient, episode, fees):
    _charge(actor, patient, episode, session_date=today() - dt.timedelta(days=7))
    second = _charge(actor, patient, episode)
    assert second.service == fees["IMS-T30"]


def test_a_completed_appointment_and_its_session_are_one_visit(actor, patient, episode, fees):
    from imsclinic.billing.actions import propose_visit_charge

    charge = propose_visit_charge(
        actor=actor,
        patient=patient,
        practitioner=actor.user,
        service_date=today(),
        appointment_id=9001,
    )
    assert charge.session_id is None
    session_charge = _charge(actor, patient, episode)
    # Signing creates its own proposal unless the appointment's charge is named; the
    # scheduling hook passes both and gets the same row back.
    merged = propose_visit_charge(
        actor=actor,
        patient=patient,
        practitioner=actor.user,
        service_date=today(),
        appointment_id=9001,
        session=session_charge.session,
    )
    assert merged.pk == session_charge.pk


def test_split_between_insurer_and_patient_reconciles(actor, desk, patient, episode, fees):
    charge = _charge(actor, patient, episode, session_date=today() - dt.timedelta(days=7))
    charge = _charge(actor, patient, episode)
    payer = make_payer(desk, patient, percent="66.667")
    insurer, own = actions.charge_invoice(
        actor=desk,
        charge=charge,
        data=VisitInvoiceIn(service_id=fees["IMS-T30"].pk, payer_id=payer.pk, issue=True),
    )
    # 95.00 x 66.667% = 63.33365 -> 63.33; the patient pays the remaining 31.67
    assert insurer.payer_id == payer.pk and insurer.total == D("63.33")
    assert own.payer_id is None and own.total == D("31.67")
    assert insurer.total + own.total == D("95.00")
    assert insurer.number and own.number and insurer.number != own.number
    charge.refresh_from_db()
    assert charge.status == "invoiced"
    line = own.lines.get()
    assert line.full_fee == D("95.00")
    assert "patient share" in line.description


def test_split_caps_at_the_payer_maximum(actor, desk, patient, episode, fees):
    charge = _charge(actor, patient, episode)
    payer = make_payer(desk, patient, percent="100", max_per_visit="100.00")
    insurer, own = actions.charge_invoice(
        actor=desk,
        charge=charge,
        data=VisitInvoiceIn(service_id=fees["IMS-A60"].pk, payer_id=payer.pk),
    )
    assert (insurer.total, own.total) == (D("100.00"), D("50.00"))


def test_full_coverage_bills_only_the_insurer(actor, desk, patient, episode, fees):
    charge = _charge(actor, patient, episode)
    payer = make_payer(desk, patient, percent="100")
    invoices = actions.charge_invoice(
        actor=desk,
        charge=charge,
        data=VisitInvoiceIn(service_id=fees["IMS-T30"].pk, payer_id=payer.pk),
    )
    assert [i.payer_id for i in invoices] == [payer.pk]


def test_a_price_change_never_alters_a_past_invoice(
    actor, desk, admin_actor, patient, episode, fees
):
    charge = _charge(actor, patient, episode)
    (invoice,) = actions.charge_invoice(
        actor=desk, charge=charge, data=VisitInvoiceIn(service_id=fees["IMS-T30"].pk, issue=True)
    )
    actions.service_price_set(
        actor=admin_actor,
        service=fees["IMS-T30"],
        data=PriceIn(amount=D("105.00"), effective_from=today()),
    )
    invoice.refresh_from_db()
    assert invoice.total == D("95.00")
    assert selectors.price_on(fees["IMS-T30"], today()) == D("105.00")
    assert selectors.price_on(fees["IMS-T30"], today() - dt.timedelta(days=1)) == D("95.00")


def test_tax_is_rounded_once_per_line(desk, patient, practitioner, fees):
    invoice = actions.invoice_create(
        actor=desk,
        data=InvoiceIn(
            patient_id=patient.pk,
            practitioner_id=practitioner.pk,
            service_date=today(),
            lines=[
                LineIn(service_id=fees["TAPE"].pk, quantity=3, unit_price=D("3.99")),
                LineIn(service_id=fees["TAPE"].pk, unit_price=D("0.10")),
                LineIn(service_id=fees["IMS-T30"].pk),
            ],
        ),
    )
    lines = list(invoice.lines.order_by("position"))
    # 11.97 x 5% = 0.5985 -> 0.60; 0.10 x 5% = 0.005 -> 0.01 (half up); treatment exempt
    assert [(line.net, line.tax) for line in lines] == [
        (D("11.97"), D("0.60")),
        (D("0.10"), D("0.01")),
        (D("95.00"), D("0.00")),
    ]
    assert lines[0].tax_code == "GST" and lines[2].tax_code == ""
    assert (invoice.subtotal, invoice.tax, invoice.total) == (D("107.07"), D("0.61"), D("107.68"))


def test_issued_invoice_cannot_change(desk, patient, practitioner, fees):
    invoice = actions.invoice_create(
        actor=desk,
        data=InvoiceIn(
            patient_id=patient.pk,
            practitioner_id=practitioner.pk,
            service_date=today(),
            lines=[LineIn(service_id=fees["NOSHOW"].pk)],
        ),
    )
    issued = actions.invoice_issue(actor=desk, invoice=invoice)
    assert issued.number == f"{today().year}-00001"
    assert issued.issued_snapshot["practitioner"]["registration_number"] == "PT-04417"
    with pytest.raises(InvoiceIssued) as exc:
        actions.invoice_add_line(
            actor=desk, invoice=issued, data=LineIn(service_id=fees["TAPE"].pk)
        )
    assert exc.value.status == 409
    with pytest.raises(InvoiceIssued):
        actions.invoice_issue(actor=desk, invoice=issued)
    with pytest.raises(InvoiceIssued):
        actions.invoice_discard(actor=desk, invoice=issued)
    with pytest.raises(InvoiceIssued):
        actions.invoice_remove_line(actor=desk, invoice=issued, line_id=issued.lines.get().pk)


def test_issuing_needs_the_practitioners_credentials(desk, patient, practitioner, fees):
    practitioner.registration_number = ""
    practitioner.save()
    invoice = actions.invoice_create(
        actor=desk,
        data=InvoiceIn(
            patient_id=patient.pk,
            practitioner_id=practitioner.pk,
            service_date=today(),
            lines=[LineIn(service_id=fees["NOSHOW"].pk)],
        ),
    )
    with pytest.raises(RuleViolation) as exc:
        actions.invoice_issue(actor=desk, invoice=invoice)
    assert exc.value.field == "practitioner_id"
    assert "registration number" in exc.value.message


def test_discarding_a_draft_returns_the_visit_to_the_queue(actor, desk, patient, episode, fees):
    charge = _charge(actor, patient, episode)
    (draft,) = actions.charge_invoice(
        actor=desk, charge=charge, data=VisitInvoiceIn(service_id=fees["IMS-T30"].pk)
    )
    actions.invoice_discard(actor=desk, invoice=draft)
    charge.refresh_from_db()
    assert charge.status == "proposed"
    assert not Invoice.objects.exists()


def _issued(desk, patient, practitioner, fees, code="IMS-T30"):
    invoice = actions.invoice_create(
        actor=desk,
        data=InvoiceIn(
            patient_id=patient.pk,
            practitioner_id=practitioner.pk,
            service_date=today(),
            lines=[LineIn(service_id=fees[code].pk)],
        ),
    )
    return actions.invoice_issue(actor=desk, invoice=invoice)


def _pay(desk, invoice, amount, **extra):
    return actions.payment_record(
        actor=desk,
        invoice=invoice,
        data=PaymentIn(method=extra.pop("method", "credit_card"), amount=D(amount), **extra),
    )


def test_partial_payments_refunds_and_credit_notes(desk, patient, practitioner, fees):
    invoice = _issued(desk, patient, practitioner, fees)
    _pay(desk, invoice, "40.00", method="cash")
    _pay(desk, invoice, "55.00", method="debit")
    detail = selectors.invoice_get(actor=desk, invoice_id=invoice.pk)
    assert detail.balance == D("0.00")
    note = actions.credit_note_issue(
        actor=desk, invoice=invoice, data=CreditNoteIn(amount=D("20.00"), reason="Shorter visit")
    )
    assert note.number == f"CN{today().year}-00001"
    detail = selectors.invoice_get(actor=desk, invoice_id=invoice.pk)
    assert detail.balance == D("-20.00")  # owed back to the patient
    _pay(desk, invoice, "20.00", kind="refund", method="debit")
    detail = selectors.invoice_get(actor=desk, invoice_id=invoice.pk)
    assert detail.balance == D("0.00")
    assert (detail.sums.paid, detail.sums.refunded, detail.sums.credited) == (
        D("95.00"),
        D("20.00"),
        D("20.00"),
    )


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("-5", "cannot be negative"),
        ("10.005", "at most two decimals"),
        ("0", "greater than 0.00"),
        ("95.01", "The balance is 95.00"),
    ],
)
def test_bad_amounts_name_the_field(desk, patient, practitioner, fees, amount, message):
    invoice = _issued(desk, patient, practitioner, fees)
    with pytest.raises(ValidationProblem) as exc:
        _pay(desk, invoice, amount)
    assert message in _fields(exc.value)["amount"]
    assert not Payment.objects.exists()


def test_overpayment_kept_as_account_credit_and_applied_later(desk, patient, practitioner, fees):
    first = _issued(desk, patient, practitioner, fees)
    payments = _pay(desk, first, "100.00", excess_to_account=True)
    assert [(p.invoice_id, p.amount) for p in payments] == [
        (first.pk, D("95.00")),
        (None, D("5.00")),
    ]
    assert selectors.account_credit(desk.clinic, patient.pk) == D("5.00")
    second = _issued(desk, patient, practitioner, fees, code="NOSHOW")
    with pytest.raises(ValidationProblem) as exc:
        _pay(desk, second, "6.00", method="account_credit")
    assert "5.00 of credit" in _fields(exc.value)["amount"]
    _pay(desk, second, "5.00", method="account_credit")
    assert selectors.account_credit(desk.clinic, patient.pk) == D("0.00")
    assert selectors.invoice_get(actor=desk, invoice_id=second.pk).balance == D("45.00")


def test_refund_and_credit_limits(desk, patient, practitioner, fees):
    invoice = _issued(desk, patient, practitioner, fees)
    _pay(desk, invoice, "30.00")
    with pytest.raises(ValidationProblem) as exc:
        _pay(desk, invoice, "30.01", kind="refund")
    assert "At most 30.00" in _fields(exc.value)["amount"]
    with pytest.raises(ValidationProblem) as exc:
        actions.credit_note_issue(
            actor=desk, invoice=invoice, data=CreditNoteIn(amount=D("95.01"), reason="x")
        )
    assert "At most 95.00" in _fields(exc.value)["amount"]


def test_draft_cannot_be_paid(desk, patient, practitioner, fees):
    draft = actions.invoice_create(
        actor=desk,
        data=InvoiceIn(
            patient_id=patient.pk,
            practitioner_id=practitioner.pk,
            service_date=today(),
            lines=[LineIn(service_id=fees["NOSHOW"].pk)],
        ),
    )
    with pytest.raises(RuleViolation) as exc:
        _pay(desk, draft, "10.00")
    assert exc.value.code == "invoice_draft"


def test_practitioners_do_not_bill(actor, patient, practitioner, fees):
    with pytest.raises(PermissionDenied):
        actions.invoice_create(
            actor=actor,
            data=InvoiceIn(
                patient_id=patient.pk, practitioner_id=practitioner.pk, service_date=today()
            ),
        )


def test_us_mode_codes_cpt_from_the_signed_note(actor, desk, admin_actor, patient, episode, fees):
    actions.settings_update(actor=admin_actor, data=BillingSettingsIn(jurisdiction="US-WA"))
    three = [
        insertion("gluteus_medius", "left"),
        insertion("gluteus_medius", "right"),
        insertion("lumbar_paraspinals", "left", "L4"),
        insertion("lumbar_paraspinals", "left", "L5"),
    ]
    charge = _charge(actor, patient, episode, insertions=three)
    assert charge.muscles == 3  # the paraspinals at two levels are one muscle
    (invoice,) = actions.charge_invoice(
        actor=desk, charge=charge, data=VisitInvoiceIn(service_id=fees["IMS-T30"].pk, issue=True)
    )
    line = invoice.lines.get()
    assert (line.cpt_code, line.icd10_code) == ("20561", "M54.5")
    assert invoice.issued_snapshot["clinic"]["currency"] == "USD"


def test_canadian_mode_has_no_cpt(actor, desk, patient, episode, fees):
    charge = _charge(actor, patient, episode)
    (invoice,) = actions.charge_invoice(
        actor=desk, charge=charge, data=VisitInvoiceIn(service_id=fees["IMS-T30"].pk)
    )
    assert invoice.lines.get().cpt_code == ""


def test_settings_refuse_a_mismatched_currency(admin_actor):
    with pytest.raises(ValidationProblem) as exc:
        actions.settings_update(
            actor=admin_actor, data=BillingSettingsIn(jurisdiction="CA-AB", currency="USD")
        )
    assert "CAD" in _fields(exc.value)["currency"]
    with pytest.raises(ValidationProblem) as exc:
        actions.settings_update(actor=admin_actor, data=BillingSettingsIn(jurisdiction="XX-AB"))
    assert "jurisdiction" in _fields(exc.value)


def test_invoice_numbers_continue_per_year_without_gaps(desk, patient, practitioner, fees):
    numbers = [_issued(desk, patient, practitioner, fees).number for _ in range(3)]
    year = today().year
    assert numbers == [f"{year}-00001", f"{year}-00002", f"{year}-00003"]


def test_practitioner_sees_own_invoices_only(clinic, actor, desk, patient, practitioner, fees):
    from tests.billing.builders import give_credentials
    from tests.factories import make_actor, make_practitioner

    other = give_credentials(make_practitioner(clinic, "pt.other"), registration="PT-7")
    mine = _issued(desk, patient, practitioner, fees)
    theirs = _issued(desk, patient, other, fees)
    rows = selectors.invoice_list(actor=actor)
    assert [r.invoice.pk for r in rows] == [mine.pk]
    with pytest.raises(PermissionDenied):
        selectors.invoice_get(actor=actor, invoice_id=theirs.pk)
    assert selectors.invoice_get(actor=make_actor(other), invoice_id=theirs.pk)
