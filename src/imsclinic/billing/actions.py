"""Billing writes: fee schedule, payers, visit charges, invoices, credit notes, payments.

Every function is keyword-only, runs in one transaction and writes its audit event in it.
Issued invoices, credit notes and payments are never changed; the database refuses it
too (billing/guards.py). Invoice and credit-note numbers come from a counter row locked
for the transaction (``_next_number``), so they are gap-free per clinic, series and year.

``propose_visit_charge`` is the entry point for whatever ends a visit: charting calls
``propose_charge_for_session`` when a session is signed, and the scheduling app can call
``propose_visit_charge`` when an appointment is completed.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from imsclinic.accounts.models import User
from imsclinic.billing import selectors
from imsclinic.billing.errors import InvoiceIssued
from imsclinic.billing.models import (
    BillingSettings,
    CreditNote,
    Invoice,
    InvoiceCounter,
    InvoiceLine,
    Payer,
    Payment,
    Service,
    ServicePrice,
    TaxRule,
    VisitCharge,
)
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
from imsclinic.core.audit import audit_record
from imsclinic.core.errors import NotFound, Problems, RuleViolation
from imsclinic.core.permissions import ADMINS, BILLING, require_role
from imsclinic.core.tenancy import get_for_clinic
from imsclinic.patients.models import Patient
from imsclinic.rules.billing import (
    CURRENCIES,
    JURISDICTIONS,
    ZERO,
    country_of,
    cpt_code,
    line_amounts,
    money_problem,
    muscle_count,
    percent_problem,
    round_money,
    split_fee,
    uses_cpt,
)

if TYPE_CHECKING:
    from imsclinic.charting.models import TreatmentSession
    from imsclinic.core.actors import Actor
    from imsclinic.core.models import Clinic


def _today() -> dt.date:
    return timezone.localdate()


def _check_money(problems: Problems, field: str, value: Any, *, allow_zero: bool = True) -> None:
    message = money_problem(value, allow_zero=allow_zero)
    if message:
        problems.add(field, "invalid_amount", message)


# Settings and fee schedule (clinic admins) --------------------------------------------


@transaction.atomic
def settings_update(*, actor: Actor, data: BillingSettingsIn) -> BillingSettings:
    require_role(actor, ADMINS)
    problems = Problems()
    jurisdiction = data.jurisdiction.strip().upper()
    if jurisdiction not in JURISDICTIONS:
        problems.add(
            "jurisdiction",
            "invalid",
            "Choose a jurisdiction as country-region, e.g. CA-AB (Alberta) or US-WA.",
        )
    currency = (data.currency.strip().upper() or CURRENCIES.get(jurisdiction[:2], "")).upper()
    if jurisdiction in JURISDICTIONS and currency != CURRENCIES[country_of(jurisdiction)]:
        expected = CURRENCIES[country_of(jurisdiction)]
        problems.add(
            "currency", "invalid", f"Clinics in {jurisdiction} bill in {expected}; use {expected}."
        )
    if data.email and "@" not in data.email:
        problems.add("email", "invalid", "Enter an e-mail address such as billing@example.org.")
    problems.raise_if_any()
    row, _ = BillingSettings.objects.select_for_update().get_or_create(clinic=actor.clinic)
    row.jurisdiction = jurisdiction
    row.currency = currency
    row.legal_name = data.legal_name.strip()
    row.business_number = data.business_number.strip()
    row.address = data.address.strip()
    row.phone = data.phone.strip()
    row.email = data.email.strip()
    row.save()
    audit_record(actor=actor, action="change", obj=row, object_id=actor.clinic.pk)
    return row


@transaction.atomic
def tax_rule_save(*, actor: Actor, data: TaxRuleIn) -> TaxRule:
    """Create the tax rule ``code`` or change it. Lines keep the rate they were billed at."""
    require_role(actor, ADMINS)
    problems = Problems()
    code = data.code.strip().upper()
    if not code:
        problems.add("code", "required", "Give the tax a short code, e.g. GST.")
    if not data.name.strip():
        problems.add("name", "required", "Name the tax, e.g. Goods and Services Tax.")
    message = percent_problem(data.rate_percent)
    if message:
        problems.add("rate_percent", "invalid", message)
    problems.raise_if_any()
    rule, created = TaxRule.objects.update_or_create(
        clinic=actor.clinic,
        code=code,
        defaults={
            "name": data.name.strip(),
            "rate_percent": data.rate_percent,
            "active": data.active,
        },
    )
    audit_record(actor=actor, action="create" if created else "change", obj=rule)
    return rule


@transaction.atomic
def service_save(*, actor: Actor, data: ServiceIn) -> Service:
    """Create the service ``code`` or change its name, kind, length, tax or activity."""
    require_role(actor, ADMINS)
    problems = Problems()
    code = data.code.strip().upper()
    if not code:
        problems.add("code", "required", "Give the service a short code, e.g. IMS-TX30.")
    if not data.name.strip():
        problems.add("name", "required", "Name the service as receipts should print it.")
    if data.kind not in Service.Kind.values:
        problems.add("kind", "invalid", f"Kind is one of: {', '.join(Service.Kind.values)}.")
    tax_rule = None
    if data.tax_code.strip():
        tax_rule = TaxRule.objects.filter(
            clinic=actor.clinic, code=data.tax_code.strip().upper()
        ).first()
        if tax_rule is None:
            problems.add(
                "tax_code",
                "unknown",
                "No tax with this code: add it under Taxes first, or leave empty.",
            )
    problems.raise_if_any()
    service, created = Service.objects.update_or_create(
        clinic=actor.clinic,
        code=code,
        defaults={
            "name": data.name.strip(),
            "kind": data.kind,
            "minutes": data.minutes,
            "tax_rule": tax_rule,
            "active": data.active,
        },
    )
    audit_record(actor=actor, action="create" if created else "change", obj=service)
    return service


@transaction.atomic
def service_price_set(*, actor: Actor, service: Service, data: PriceIn) -> ServicePrice:
    """A new price from ``effective_from`` on. Past invoices keep the price they billed."""
    require_role(actor, ADMINS)
    problems = Problems()
    _check_money(problems, "amount", data.amount)
    if ServicePrice.objects.filter(service=service, effective_from=data.effective_from).exists():
        problems.add(
            "effective_from",
            "taken",
            f"A price already starts on {data.effective_from}; choose another day.",
        )
    problems.raise_if_any()
    price = ServicePrice.objects.create(
        clinic=actor.clinic,
        service=service,
        effective_from=data.effective_from,
        amount=data.amount,
        set_by=actor.user,
    )
    audit_record(
        actor=actor,
        action="change",
        obj=service,
        detail=f"price {data.amount} from {data.effective_from}",
    )
    return price


# Third-party payers ----------------------------------------------------------------------


def _check_payer(problems: Problems, data: PayerIn) -> None:
    if data.kind not in Payer.Kind.values:
        problems.add("kind", "invalid", f"Kind is one of: {', '.join(Payer.Kind.values)}.")
    if not data.name.strip():
        problems.add("name", "required", "Name the insurer or plan.")
    message = percent_problem(data.coverage_percent)
    if message:
        problems.add("coverage_percent", "invalid", message)
    if data.max_per_visit is not None:
        _check_money(problems, "max_per_visit", data.max_per_visit, allow_zero=False)
    if not (data.policy_number.strip() or data.claim_number.strip()):
        problems.add(
            "policy_number",
            "required",
            "Enter the policy (plan) number or the claim number the payer gave.",
        )


@transaction.atomic
def payer_add(*, actor: Actor, patient: Patient, data: PayerIn) -> Payer:
    require_role(actor, BILLING)
    problems = Problems()
    _check_payer(problems, data)
    problems.raise_if_any()
    payer = Payer.objects.create(
        clinic=actor.clinic,
        patient=patient,
        kind=data.kind,
        name=data.name.strip(),
        policy_number=data.policy_number.strip(),
        claim_number=data.claim_number.strip(),
        coverage_percent=data.coverage_percent,
        max_per_visit=data.max_per_visit,
    )
    audit_record(actor=actor, action="create", patient_id=patient.pk, obj=payer)
    return payer


@transaction.atomic
def payer_end(*, actor: Actor, payer: Payer, ended_on: dt.date | None = None) -> Payer:
    """Stop billing this payer for new visits; invoices already addressed to it stay."""
    require_role(actor, BILLING)
    payer = Payer.objects.select_for_update().get(pk=payer.pk)
    if payer.ended_on is None:
        payer.ended_on = ended_on or _today()
        payer.save(update_fields=["ended_on", "updated_at"])
        audit_record(
            actor=actor, action="change", patient_id=payer.patient_id, obj=payer, detail="ended"
        )
    return payer


# Visit charges ---------------------------------------------------------------------------


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


def _service_for(actor: Actor, problems: Problems, field: str, service_id: int) -> Service | None:
    service = (
        Service.objects.select_related("tax_rule")
        .filter(clinic=actor.clinic, pk=service_id)
        .first()
    )
    if service is None or not service.active:
        problems.add(field, "unknown", "Choose an active service of the fee schedule.")
        return None
    return service


def _payer_for(
    actor: Actor, problems: Problems, patient: Patient, payer_id: int | None, day: dt.date
) -> Payer | None:
    if payer_id is None:
        return None
    payer = Payer.objects.filter(clinic=actor.clinic, patient=patient, pk=payer_id).first()
    if payer is None:
        problems.add("payer_id", "unknown", "Choose one of this patient's payers.")
    elif payer.ended_on is not None and payer.ended_on <= day:
        problems.add("payer_id", "ended", f"{payer.name} coverage ended on {payer.ended_on}.")
    return payer


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


# Invoices ---------------------------------------------------------------------------------


def _billing_mode(clinic: Clinic) -> BillingSettings:
    return selectors.billing_settings(clinic)


def _add_line(
    actor: Actor,
    invoice: Invoice,
    *,
    service: Service | None,
    description: str,
    service_date: dt.date,
    quantity: int,
    unit_price: Decimal,
    full_fee: Decimal | None = None,
    muscles: int | None = None,
    icd10_code: str = "",
) -> InvoiceLine:
    """Append a line to a locked draft and recompute its totals (the rounding rule's steps
    1, 2 and 4: rules/billing.py)."""
    tax_rule = service.tax_rule if service is not None else None
    rate = tax_rule.rate_percent if tax_rule is not None and tax_rule.active else Decimal(0)
    amounts = line_amounts(quantity, unit_price, rate)
    cpt = ""
    clinical = service is not None and service.kind in (
        Service.Kind.ASSESSMENT,
        Service.Kind.TREATMENT,
        Service.Kind.FOLLOW_UP,
    )
    if clinical and muscles and uses_cpt(_billing_mode(actor.clinic).jurisdiction):
        cpt = cpt_code(muscles)
    position = (
        invoice.lines.order_by("-position").values_list("position", flat=True).first() or 0
    ) + 1
    line = InvoiceLine.objects.create(
        clinic=actor.clinic,
        invoice=invoice,
        position=position,
        service=service,
        description=description[:200],
        service_date=service_date,
        quantity=quantity,
        unit_price=unit_price,
        full_fee=full_fee,
        tax_code=tax_rule.code if tax_rule is not None and rate else "",
        tax_rate=rate,
        net=amounts.net,
        tax=amounts.tax,
        total=amounts.total,
        cpt_code=cpt,
        icd10_code=icd10_code if clinical else "",
        muscles=muscles if clinical else None,
    )
    _recompute(invoice)
    return line


def _recompute(invoice: Invoice) -> None:
    lines = list(invoice.lines.values_list("net", "tax"))
    invoice.subtotal = sum((net for net, _ in lines), ZERO)
    invoice.tax = sum((tax for _, tax in lines), ZERO)
    invoice.total = invoice.subtotal + invoice.tax
    invoice.save(update_fields=["subtotal", "tax", "total", "updated_at"])


def _lock_draft(actor: Actor, invoice: Invoice, verb: str) -> Invoice:
    require_role(actor, BILLING)
    locked = Invoice.objects.select_for_update().get(pk=invoice.pk, clinic=actor.clinic)
    if locked.is_issued:
        raise InvoiceIssued(
            f"Invoice {locked.number} is issued and cannot be {verb}; issue a credit note "
            "that references it instead."
        )
    return locked


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


def _next_number(clinic: Clinic, series: str, year: int) -> int:
    """The next number of a series, under a lock on its counter row until commit.

    PostgreSQL: SELECT ... FOR UPDATE makes concurrent issuers queue on the row (the
    first of a year creates it; ON CONFLICT DO NOTHING lets a racing creator wait for
    that row instead of failing). SQLite: write transactions are already serialized
    (IMMEDIATE). A rolled-back issue releases its number with the row, so no gap.
    """
    rows = InvoiceCounter.objects.select_for_update().filter(
        clinic=clinic, series=series, year=year
    )
    counter = rows.first()
    if counter is None:
        InvoiceCounter.objects.bulk_create(
            [InvoiceCounter(clinic=clinic, series=series, year=year, last=0)],
            ignore_conflicts=True,
        )
        counter = rows.get()
    counter.last += 1
    counter.save(update_fields=["last"])
    return counter.last


def _issue_day(actor: Actor, issued_on: dt.date | None) -> dt.date:
    today = _today()
    if issued_on is None or issued_on == today:
        return today
    # Back-dating is for loading data (the demo, an import), never a clerk's page or API call.
    if actor.source != "command" or issued_on > today:
        raise RuleViolation(
            "Invoices and credit notes are dated the day they are issued.",
            code="issue_date",
            field="issued_on",
        )
    return issued_on


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


# Credit notes and payments -----------------------------------------------------------------


def _lock_issued(actor: Actor, invoice: Invoice) -> Invoice:
    require_role(actor, BILLING)
    locked = Invoice.objects.select_for_update().get(pk=invoice.pk, clinic=actor.clinic)
    if not locked.is_issued:
        raise RuleViolation(
            "This invoice is a draft: issue it first (or change the draft itself).",
            code="invoice_draft",
            field="invoice",
        )
    return locked


@transaction.atomic
def credit_note_issue(
    *, actor: Actor, invoice: Invoice, data: CreditNoteIn, issued_on: dt.date | None = None
) -> CreditNote:
    """Lower what an issued invoice asks for, by at most what it still has uncredited. The
    tax share of the credit is in the invoice's proportion, rounded once to the cent."""
    locked = _lock_issued(actor, invoice)
    day = _issue_day(actor, issued_on)
    sums = selectors.invoice_sums([locked.pk])[locked.pk]
    problems = Problems()
    _check_money(problems, "amount", data.amount, allow_zero=False)
    if not problems and data.amount > locked.total - sums.credited:
        problems.add(
            "amount",
            "too_large",
            f"At most {locked.total - sums.credited} of this invoice is left to credit.",
        )
    if not data.reason.strip():
        problems.add("reason", "required", "Give the reason for the credit note.")
    problems.raise_if_any()
    tax = round_money(data.amount * locked.tax / locked.total) if locked.total else ZERO
    seq = _next_number(actor.clinic, InvoiceCounter.Series.CREDIT_NOTE, day.year)
    note = CreditNote.objects.create(
        clinic=actor.clinic,
        invoice=locked,
        number=f"CN{day.year}-{seq:05d}",
        number_year=day.year,
        number_seq=seq,
        issued_on=day,
        issued_by=actor.user,
        amount=data.amount,
        tax=tax,
        reason=data.reason.strip(),
    )
    audit_record(
        actor=actor,
        action="amend",
        patient_id=locked.patient_id,
        obj=locked,
        detail=f"credit note {note.number} for {note.amount}",
    )
    return note


def _received_on(
    actor: Actor, problems: Problems, invoice: Invoice, day: dt.date | None
) -> dt.date:
    today = _today()
    if day is None:
        return today
    if day > today:
        problems.add("received_on", "future", "A payment cannot be dated in the future.")
    elif actor.source != "command" and invoice.issued_on and day < invoice.issued_on:
        problems.add(
            "received_on",
            "before_issue",
            f"The invoice was issued on {invoice.issued_on}; date the payment on or after it.",
        )
    return day


@transaction.atomic
def payment_record(*, actor: Actor, invoice: Invoice, data: PaymentIn) -> list[Payment]:
    """Record a payment or a refund on an issued invoice.

    A payment above the balance is refused unless ``excess_to_account``: then the balance
    is paid and the excess kept as credit on the patient's account, to apply to a later
    invoice with method ``account_credit``. A refund returns at most what was paid.
    """
    locked = _lock_issued(actor, invoice)
    problems = Problems()
    if data.kind not in Payment.Kind.values:
        problems.add("kind", "invalid", "Kind is 'payment' or 'refund'.")
    if data.method not in Payment.Method.values:
        problems.add("method", "invalid", f"Method is one of: {', '.join(Payment.Method.values)}.")
    _check_money(problems, "amount", data.amount, allow_zero=False)
    day = _received_on(actor, problems, locked, data.received_on)
    problems.raise_if_any()
    sums = selectors.invoice_sums([locked.pk])[locked.pk]
    balance = sums.balance(locked.total)
    rows: list[tuple[Invoice | None, Decimal]] = [(locked, data.amount)]
    if data.kind == Payment.Kind.REFUND:
        refundable = sums.paid - sums.refunded
        if data.method == Payment.Method.ACCOUNT_CREDIT:
            problems.add(
                "method", "invalid", "Refund in the way the money was paid, not as credit."
            )
        elif data.amount > refundable:
            problems.add(
                "amount", "too_large", f"At most {refundable} was paid on this invoice to refund."
            )
    else:
        if data.method == Payment.Method.ACCOUNT_CREDIT:
            available = selectors.account_credit(actor.clinic, locked.patient_id)
            if data.amount > available:
                problems.add(
                    "amount", "too_large", f"The account holds {available} of credit to apply."
                )
        if data.amount > balance:
            excess = data.amount - max(balance, ZERO)
            if not data.excess_to_account or data.method == Payment.Method.ACCOUNT_CREDIT:
                problems.add(
                    "amount",
                    "overpayment",
                    f"The balance is {max(balance, ZERO)}: enter at most that, or keep the "
                    f"excess of {excess} as account credit.",
                )
            else:
                rows = [(locked, data.amount - excess), (None, excess)]
    problems.raise_if_any()
    payments = []
    for target, amount in rows:
        if amount <= 0:
            continue
        payment = Payment.objects.create(
            clinic=actor.clinic,
            patient_id=locked.patient_id,
            invoice=target,
            kind=data.kind,
            method=data.method,
            amount=amount,
            received_on=day,
            reference=data.reference.strip(),
            recorded_by=actor.user,
        )
        payments.append(payment)
        audit_record(
            actor=actor,
            action="create",
            patient_id=locked.patient_id,
            obj=payment,
            detail=(
                f"{data.kind} {amount} by {data.method} on "
                + (locked.number if target is not None else "account credit")
            ),
        )
    return payments
