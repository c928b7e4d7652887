"""Reads of the audit trail for the clinic admin's report and the per-patient access log."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone

from imsclinic.core.actors import Actor
from imsclinic.core.audit import audit_record
from imsclinic.core.models import AuditEvent
from imsclinic.core.permissions import ADMINS, CLINICAL, require_role
from imsclinic.patients.selectors import patient_get


@dataclass(frozen=True)
class AuditFilter:
    username: str = ""
    patient_id: int | None = None
    action: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def audit_events(*, actor: Actor, filters: AuditFilter) -> QuerySet[AuditEvent]:
    """This clinic's events, newest first, narrowed by the filters (dates in clinic time)."""
    require_role(actor, ADMINS)
    events = AuditEvent.objects.filter(clinic=actor.clinic)
    if filters.username:
        events = events.filter(username=filters.username)
    if filters.patient_id is not None:
        events = events.filter(patient_id=filters.patient_id)
    if filters.action:
        events = events.filter(action=filters.action)
    if filters.date_from:
        events = events.filter(at__gte=_day_start(filters.date_from))
    if filters.date_to:
        events = events.filter(at__lt=_day_start(filters.date_to + dt.timedelta(days=1)))
    return events.order_by("-seq", "-id")


def patient_access_log(
    *, actor: Actor, patient_id: object, limit: int = 500
) -> tuple[object, list[AuditEvent]]:
    """Who has seen or changed this patient's record ("who has seen my record"), newest first."""
    require_role(actor, CLINICAL)
    patient = patient_get(actor=actor, patient_id=patient_id)
    events = list(
        AuditEvent.objects.filter(clinic=actor.clinic, patient_id=patient.pk).order_by(
            "-seq", "-id"
        )[:limit]
    )
    audit_record(
        actor=actor, action="view", patient_id=patient.pk, object_type="AccessLog", detail=""
    )
    return patient, events
