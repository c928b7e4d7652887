"""Visit charges: the front desk's "to bill" queue.

``propose_visit_charge`` is the entry point for whatever ends a visit: charting calls
``propose_charge_for_session`` when a session is signed, and the scheduling app can call
``propose_visit_charge`` when an appointment is completed. A proposed charge is dismissed or
billed (``charge_invoice``: one invoice, or a payer's and the patient's shares)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from imsclinic.accounts.models import User
from imsclinic.billing import selectors
from imsclinic.billing.actions._common import _add_line, _payer_for, _service_for
from imsclinic.billing.actions.invoices import invoice_issue
from imsclinic.billing.models import Invoice, Payer, Service, VisitCharge
from imsclinic.billing.schemas import VisitInvoiceIn
from imsclinic.core.audit import audit_record
from imsclinic.core.errors import Problems, RuleViolation
from imsclinic.core.permissions import BILLING, require_role
from imsclinic.patients.models import Patient
from imsclinic.rules.billing import ZERO, muscle_count, split_fee

if TYPE_CHECKING:
    from imsclinic.charting.models import TreatmentSession
    from imsclinic.core.actors import Actor
    from imsclinic.core.models import Clinic


def _proposed_service(clinic: Clinic, first_visit: bool) -> Service | None:
    kinds = [Service.Kind.ASSESSMENT, Service.Kind.TREATMENT] if first_visit else []
    kinds.append(Service.Kind.TREATMENT)
    services = list(Service.objects.filter(clinic=clinic, active=True, kind__in=set(kinds)))
    for kind in kinds:
        matching = sorted(
            (s for s in services if s.kind == kind), key=lambda s: (s.minutes or 0, s.code)
        )
        if matching:
            return matching[0]
    return None


def propose_visit_charge(
    *,
    actor: Actor,
    patient: Patient,
    practitioner: User,
    service_date: dt.date,
    session: TreatmentSession | None = None,
    appointment_id: int | None = None,
    muscles: int = 0,
    icd10_code: str = "",
    first_visit: bool = False,
) -> VisitCharge:
    """Put a visit in the front desk's "to bill" queue with a proposed service.

    Idempotent per session and per appointment: a visit charted and also completed in the
    calendar is proposed once. For the scheduling app: call it inside the transaction that
    completes the appointment, with ``appointment_id``; when the appointment's session is
    signed later, the charge is found by appointment and gains the session's muscles.
    """
    existing = None
    if session is not None:
        existing = VisitCharge.objects.filter(clinic=actor.clinic, session=session).first()
    if existing is None and appointment_id is not None:
        existing = VisitCharge.objects.filter(
            clinic=actor.clinic, appointment_id=appointment_id
        ).first()
    if existing is not None:
        if session is not None and existing.session_id is None:
            existing.session = session
            existing.muscles = muscles
            existing.icd10_code = icd10_code
            existing.save(update_fields=["session", "muscles", "icd10_code", "updated_at"])
        return existing
    charge = VisitCharge.objects.create(
        clinic=actor.clinic,
        patient=patient,
        practitioner=practitioner,
        service_date=service_date,
        service=_proposed_service(actor.clinic, first_visit),
        session=session,
        appointment_id=appointment_id,
        muscles=muscles,
        icd10_code=icd10_code,
    )
    audit_record(
        actor=actor,
        action="create",
        patient_id=patient.pk,
        obj=charge,
        detail="visit proposed for billing",
    )
    return charge


def propose_charge_for_session(*, actor: Actor, session: TreatmentSession) -> VisitCharge:
    """Run when charting signs a session (charting.events.session_signed, in its transaction): the signed note's muscles (for
    CPT in US mode) and the episode's ICD-10 code go with the proposal."""
    from imsclinic.charting.models import Episode, Insertion

    sites = Insertion.objects.filter(session_id=session.pk).values_list("muscle_id", "side")
    code = (
        Episode.objects.filter(pk=session.episode_id)
        .values_list("condition_code", flat=True)
        .first()
    )
    return propose_visit_charge(
        actor=actor,
        patient=session.patient,
        practitioner=session.practitioner,
        service_date=session.session_date,
        session=session,
        muscles=muscle_count(sites),
        icd10_code=code or "",
        first_visit=session.sequence == 1,
    )


def _lock_charge(actor: Actor, charge: VisitCharge) -> VisitCharge:
    require_role(actor, BILLING)
    locked = VisitCharge.objects.select_for_update().get(pk=charge.pk, clinic=actor.clinic)
    if locked.status != VisitCharge.Status.PROPOSED:
        raise RuleViolation(
            f"This visit is already {locked.get_status_display().lower()}; open its invoice "
            "to correct it with a credit note.",
            code="charge_resolved",
        )
    return locked


@transaction.atomic
def charge_dismiss(*, actor: Actor, charge: VisitCharge, reason: str) -> VisitCharge:
    locked = _lock_charge(actor, charge)
    if not reason.strip():
        raise RuleViolation(
            "Say why the visit is not billed (e.g. courtesy visit).",
            code="required",
            field="reason",
        )
    locked.status = VisitCharge.Status.DISMISSED
    locked.dismiss_reason = reason.strip()[:300]
    locked.resolved_by = actor.user
    locked.resolved_at = timezone.now()
    locked.save(
        update_fields=["status", "dismiss_reason", "resolved_by", "resolved_at", "updated_at"]
    )
    audit_record(
        actor=actor, action="change", patient_id=locked.patient_id, obj=locked, detail="dismissed"
    )
    return locked


@transaction.atomic
def charge_invoice(*, actor: Actor, charge: VisitCharge, data: VisitInvoiceIn) -> list[Invoice]:
    """Bill a proposed visit: one draft invoice to the patient, or, with a payer, one to
    the payer for its coverage and one to the patient for the rest (either omitted when
    its share is zero). ``issue`` issues them in the same transaction."""
    locked = _lock_charge(actor, charge)
    patient = Patient.objects.get(pk=locked.patient_id)
    problems = Problems()
    service = _service_for(actor, problems, "service_id", data.service_id)
    payer = _payer_for(actor, problems, patient, data.payer_id, locked.service_date)
    price = None
    if service is not None:
        price = selectors.price_on(service, locked.service_date)
        if price is None:
            problems.add(
                "service_id",
                "no_price",
                f"{service.name} has no price on {locked.service_date}: set one in the fee "
                "schedule.",
            )
    problems.raise_if_any()
    assert service is not None and price is not None
    fee = price
    shares: list[tuple[Payer | None, Decimal]] = []
    if payer is not None:
        split = split_fee(fee, payer.coverage_percent, payer.max_per_visit)
        shares = [(payer, split.payer), (None, split.patient)]
    else:
        shares = [(None, fee)]
    invoices = []
    for bill_to, amount in shares:
        if amount == ZERO and len(shares) > 1:
            continue
        invoice = Invoice.objects.create(
            clinic=actor.clinic,
            patient=patient,
            practitioner_id=locked.practitioner_id,
            payer=bill_to,
            visit_charge=locked,
            service_date=locked.service_date,
            created_by=actor.user,
        )
        description = service.name
        if payer is not None:
            whose = f"{payer.name} share" if bill_to is not None else "patient share"
            description = f"{service.name} ({whose} of {fee})"
        _add_line(
            actor,
            invoice,
            service=service,
            description=description,
            service_date=locked.service_date,
            quantity=1,
            unit_price=amount,
            full_fee=fee if payer is not None else None,
            muscles=locked.muscles,
            icd10_code=locked.icd10_code,
        )
        audit_record(
            actor=actor,
            action="create",
            patient_id=patient.pk,
            obj=invoice,
            detail=f"from visit {locked.pk}",
        )
        invoices.append(invoice)
    locked.status = VisitCharge.Status.INVOICED
    locked.service = service
    locked.resolved_by = actor.user
    locked.resolved_at = timezone.now()
    locked.save(update_fields=["status", "service", "resolved_by", "resolved_at", "updated_at"])
    if data.issue:
        invoices = [invoice_issue(actor=actor, invoice=invoice) for invoice in invoices]
    return invoices
