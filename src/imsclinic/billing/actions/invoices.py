"""Invoices: drafts and their lines, discarding a draft, issuing (number, date, snapshot).

Issued invoices are never changed; the database refuses it too (billing/guards.py)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from imsclinic.accounts.models import User
from imsclinic.billing import selectors
from imsclinic.billing.actions._common import (
    _add_line,
    _billing_mode,
    _check_money,
    _issue_day,
    _lock_draft,
    _next_number,
    _payer_for,
    _recompute,
    _service_for,
    _today,
)
from imsclinic.billing.models import (
    BillingSettings,
    Invoice,
    InvoiceCounter,
    InvoiceLine,
    VisitCharge,
)
from imsclinic.billing.schemas import InvoiceIn, LineIn
from imsclinic.core.audit import audit_record
from imsclinic.core.errors import NotFound, Problems, RuleViolation
from imsclinic.core.permissions import BILLING, require_role
from imsclinic.core.tenancy import get_for_clinic
from imsclinic.patients.models import Patient

if TYPE_CHECKING:
    from imsclinic.core.actors import Actor
    from imsclinic.core.models import Clinic


def _line_input(
    actor: Actor, problems: Problems, prefix: str, line: LineIn, default_day: dt.date
) -> dict[str, Any] | None:
    service = None
    day = line.service_date or default_day
    if line.service_id is not None:
        service = _service_for(actor, problems, f"{prefix}service_id", line.service_id)
    elif not line.description.strip():
        problems.add(f"{prefix}description", "required", "Choose a service or describe the line.")
    unit_price = line.unit_price
    if unit_price is None:
        if service is None:
            if line.service_id is None:
                problems.add(f"{prefix}unit_price", "required", "Enter the price of this line.")
            return None
        unit_price = selectors.price_on(service, day)
        if unit_price is None:
            problems.add(
                f"{prefix}unit_price",
                "no_price",
                f"{service.name} has no price on {day}: enter one or set it in the fee schedule.",
            )
            return None
    else:
        _check_money(problems, f"{prefix}unit_price", unit_price)
    if service is None and line.service_id is not None:
        return None
    return {
        "service": service,
        "description": line.description.strip() or (service.name if service else ""),
        "service_date": day,
        "quantity": line.quantity,
        "unit_price": unit_price,
    }


@transaction.atomic
def invoice_create(*, actor: Actor, data: InvoiceIn) -> Invoice:
    """A draft invoice typed by the front desk (a no-show fee, a supply, a visit billed
    without a proposal)."""
    require_role(actor, BILLING)
    problems = Problems()
    patient = get_for_clinic(Patient.objects.all(), actor.clinic, data.patient_id, "Patient")
    practitioner = User.objects.filter(
        clinic=actor.clinic, pk=data.practitioner_id, role__in=("practitioner", "admin")
    ).first()
    if practitioner is None:
        problems.add("practitioner_id", "unknown", "Choose a practitioner of this clinic.")
    payer = _payer_for(actor, problems, patient, data.payer_id, data.service_date)
    if data.service_date > _today():
        problems.add("service_date", "future", "The service date cannot be in the future.")
    rows = [
        _line_input(actor, problems, f"lines.{index}.", line, data.service_date)
        for index, line in enumerate(data.lines)
    ]
    problems.raise_if_any()
    assert practitioner is not None
    invoice = Invoice.objects.create(
        clinic=actor.clinic,
        patient=patient,
        practitioner=practitioner,
        payer=payer,
        service_date=data.service_date,
        notes=data.notes.strip(),
        created_by=actor.user,
    )
    for row in rows:
        assert row is not None
        _add_line(actor, invoice, **row)
    audit_record(actor=actor, action="create", patient_id=patient.pk, obj=invoice)
    return invoice


@transaction.atomic
def invoice_add_line(*, actor: Actor, invoice: Invoice, data: LineIn) -> InvoiceLine:
    locked = _lock_draft(actor, invoice, "changed")
    problems = Problems()
    row = _line_input(actor, problems, "", data, locked.service_date)
    problems.raise_if_any()
    assert row is not None
    line = _add_line(actor, locked, **row)
    audit_record(
        actor=actor,
        action="change",
        patient_id=locked.patient_id,
        obj=locked,
        detail=f"line added: {line.description[:80]} {line.total}",
    )
    return line


@transaction.atomic
def invoice_remove_line(*, actor: Actor, invoice: Invoice, line_id: int) -> Invoice:
    locked = _lock_draft(actor, invoice, "changed")
    line = locked.lines.filter(pk=line_id).first()
    if line is None:
        raise NotFound(f"Line {line_id} is not on this invoice.")
    line.delete()
    _recompute(locked)
    audit_record(
        actor=actor,
        action="change",
        patient_id=locked.patient_id,
        obj=locked,
        detail=f"line removed: {line.description[:80]}",
    )
    return locked


@transaction.atomic
def invoice_discard(*, actor: Actor, invoice: Invoice) -> None:
    """Delete a draft (it never had a number); its visit goes back to the billing queue."""
    locked = _lock_draft(actor, invoice, "discarded")
    charge_id = locked.visit_charge_id
    locked.lines.all().delete()
    audit_record(
        actor=actor,
        action="change",
        patient_id=locked.patient_id,
        obj=locked,
        detail="draft discarded",
    )
    locked.delete()
    if charge_id is not None and not Invoice.objects.filter(visit_charge_id=charge_id).exists():
        VisitCharge.objects.filter(pk=charge_id).update(
            status=VisitCharge.Status.PROPOSED, resolved_by=None, resolved_at=None
        )


def _snapshot(invoice: Invoice, settings_row: BillingSettings, clinic: Clinic) -> dict[str, Any]:
    practitioner = invoice.practitioner
    patient = invoice.patient
    payer = invoice.payer
    return {
        "clinic": {
            "name": clinic.name,
            "legal_name": settings_row.legal_name,
            "address": settings_row.address,
            "business_number": settings_row.business_number,
            "phone": settings_row.phone,
            "email": settings_row.email,
            "jurisdiction": settings_row.jurisdiction,
            "currency": settings_row.currency,
        },
        "practitioner": {
            "name": practitioner.display_name,
            "profession": practitioner.profession,
            "designation": practitioner.designation,
            "registration_number": practitioner.registration_number,
            "regulatory_body": practitioner.regulatory_body,
        },
        "patient": {
            "name": f"{patient.given_name} {patient.family_name}",
            "date_of_birth": patient.date_of_birth.isoformat(),
            "address": patient.address,
        },
        "bill_to": (
            {
                "kind": payer.get_kind_display(),
                "name": payer.name,
                "policy_number": payer.policy_number,
                "claim_number": payer.claim_number,
            }
            if payer is not None
            else {"kind": "Patient", "name": f"{patient.given_name} {patient.family_name}"}
        ),
    }


@transaction.atomic
def invoice_issue(*, actor: Actor, invoice: Invoice, issued_on: dt.date | None = None) -> Invoice:
    """Number, date and freeze a draft. From here on only credit notes and payments."""
    locked = _lock_draft(actor, invoice, "issued again")
    day = _issue_day(actor, issued_on)
    if not locked.lines.exists():
        raise RuleViolation(
            "Add at least one line before issuing the invoice.", code="no_lines", field="lines"
        )
    settings_row = _billing_mode(actor.clinic)
    missing = [
        label
        for label, value in (
            ("the practitioner's designation", locked.practitioner.designation),
            ("the practitioner's registration number", locked.practitioner.registration_number),
        )
        if not value
    ]
    if missing:
        raise RuleViolation(
            f"An official receipt needs {' and '.join(missing)} of "
            f"{locked.practitioner.display_name}: ask a clinic admin to add them to the "
            "staff profile.",
            code="practitioner_credentials",
            field="practitioner_id",
        )
    seq = _next_number(actor.clinic, InvoiceCounter.Series.INVOICE, day.year)
    locked.status = Invoice.Status.ISSUED
    locked.number_year = day.year
    locked.number_seq = seq
    locked.number = f"{day.year}-{seq:05d}"
    locked.issued_on = day
    locked.issued_at = timezone.now()
    locked.issued_by = actor.user
    locked.issued_snapshot = _snapshot(locked, settings_row, actor.clinic)
    locked.save()
    audit_record(
        actor=actor,
        action="sign",
        patient_id=locked.patient_id,
        obj=locked,
        detail=f"issued {locked.number} total {locked.total}",
    )
    return locked
