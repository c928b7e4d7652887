"""Amendments: the author's permanent correction of a signed note, sealed in its audit event."""

from __future__ import annotations

from django.db import transaction

from imsclinic.charting.actions.checks import _require_author, _require_clinical
from imsclinic.charting.integrity import amendment_hash
from imsclinic.charting.models import Amendment, Assessment, TreatmentSession
from imsclinic.charting.schemas import AmendmentIn
from imsclinic.core.actors import Actor
from imsclinic.core.audit import audit_record
from imsclinic.core.errors import Problems, RuleViolation
from imsclinic.core.seals import amend_detail


@transaction.atomic
def amendment_add(
    *, actor: Actor, note: Assessment | TreatmentSession, data: AmendmentIn
) -> Amendment:
    _require_clinical(actor)
    problems = Problems()
    if not data.text.strip():
        problems.add("text", "required", "Write the correction.")
    if not data.reason.strip():
        problems.add("reason", "required", "Give the reason for the amendment.")
    problems.raise_if_any()
    if not note.is_signed:
        raise RuleViolation(
            "This note is not signed yet: edit it directly instead of amending.",
            code="note_not_signed",
        )
    _require_author(actor, note, "amend")
    amendment = Amendment.objects.create(
        clinic=actor.clinic,
        session=note if isinstance(note, TreatmentSession) else None,
        assessment=note if isinstance(note, Assessment) else None,
        author=actor.user,
        text=data.text.strip(),
        reason=data.reason.strip(),
    )
    note_type = "TreatmentSession" if isinstance(note, TreatmentSession) else "Assessment"
    audit_record(
        actor=actor,
        action="amend",
        patient_id=note.patient_id,
        obj=note,
        detail=amend_detail(amendment.pk, amendment_hash(amendment, note_type, note.pk)),
    )
    return amendment


# Checks without writing, for pages that report them with the form's shape problems
# (core.form_input.parse_input): the same validation the actions run.
