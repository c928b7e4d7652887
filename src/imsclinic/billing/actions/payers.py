"""Third-party payers of a patient (insurers, plans, claims)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.db import transaction

from imsclinic.billing.actions._common import _check_money, _today
from imsclinic.billing.models import Payer
from imsclinic.billing.schemas import PayerIn
from imsclinic.core.audit import audit_record
from imsclinic.core.errors import Problems
from imsclinic.core.permissions import BILLING, require_role
from imsclinic.patients.models import Patient
from imsclinic.rules.billing import percent_problem

if TYPE_CHECKING:
    from imsclinic.core.actors import Actor


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
