"""Reads of the patients' side, taking the actor (staff) first."""

from __future__ import annotations

from dataclasses import dataclass

from imsclinic.core.actors import Actor
from imsclinic.core.permissions import CLINICAL, require_role
from imsclinic.portal.intake_questions import RED_FLAG_LABELS
from imsclinic.portal.models import IntakeSubmission

TODAY_LIMIT = 20


@dataclass(frozen=True)
class RedFlags:
    submission: IntakeSubmission
    labels: list[str]


def intake_latest(*, actor: Actor, patient_id: int) -> IntakeSubmission | None:
    """The patient's most recent intake (draft or accepted), or None."""
    require_role(actor, CLINICAL)
    return (
        IntakeSubmission.objects.filter(clinic=actor.clinic, patient_id=patient_id)
        .select_related("patient", "reviewed_by", "consent", "link__episode")
        .order_by("-submitted_at", "-id")
        .first()
    )


def red_flags(submission: IntakeSubmission | None) -> RedFlags | None:
    if submission is None or not submission.red_flags:
        return None
    return RedFlags(
        submission=submission,
        labels=[RED_FLAG_LABELS.get(code, code) for code in submission.red_flags],
    )


def intakes_to_review(*, actor: Actor) -> list[IntakeSubmission]:
    """Drafts waiting for a practitioner, those with red flags first (one query)."""
    require_role(actor, CLINICAL)
    drafts = list(
        IntakeSubmission.objects.filter(clinic=actor.clinic, status=IntakeSubmission.Status.DRAFT)
        .select_related("patient")
        .order_by("-submitted_at", "-id")[:TODAY_LIMIT]
    )
    return sorted(drafts, key=lambda s: not s.red_flags)
