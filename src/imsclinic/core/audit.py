"""Audit trail writes. Called inside the action's transaction so the event and the change
commit together or not at all."""

from __future__ import annotations

from typing import TYPE_CHECKING

from imsclinic.core.models import AuditEvent

if TYPE_CHECKING:
    from imsclinic.core.actors import Actor


def audit_record(
    *,
    actor: Actor,
    action: str,
    patient_id: int | None = None,
    obj: object | None = None,
    object_type: str = "",
    object_id: int | None = None,
    outcome: str = "ok",
    detail: str = "",
) -> AuditEvent:
    if obj is not None:
        object_type = object_type or type(obj).__name__
        object_id = object_id if object_id is not None else getattr(obj, "pk", None)
    return AuditEvent.objects.create(
        clinic=actor.clinic,
        user=actor.user,
        username=actor.user.get_username(),
        role=actor.role,
        action=action,
        source=actor.source,
        patient_id=patient_id,
        object_type=object_type,
        object_id=object_id,
        outcome=outcome,
        address=actor.address,
        detail=detail[:500],
    )
