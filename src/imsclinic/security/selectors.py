"""Reads of the audit trail for the clinic admin's report and the per-patient access log."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils import timezone

from imsclinic.core.actors import Actor
from imsclinic.core.audit import audit_record
from imsclinic.core.models import AuditEvent, AuditEventPatient
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


# A day this close to the calendar's ends has no instant in every time zone (and its next
# day may not exist): no audit event is that old or that new, so such a bound filters
# nothing and is left out rather than computed.
_FIRST_BOUND = dt.date.min + dt.timedelta(days=2)
_LAST_BOUND = dt.date.max - dt.timedelta(days=2)


def _about_patient(clinic_id: int, patient_id: int) -> Q:
    """Events about the patient's record, and list views (searches, the dashboard) that
    showed the patient among others (core.audit.audit_list)."""
    listed = AuditEventPatient.objects.filter(clinic_id=clinic_id, patient_id=patient_id)
    return Q(patient_id=patient_id) | Q(id__in=listed.values("event_id"))


def audit_events(*, actor: Actor, filters: AuditFilter) -> QuerySet[AuditEvent]:
    """This clinic's events, newest first, narrowed by the filters (dates in clinic time)."""
    require_role(actor, ADMINS)
    events = AuditEvent.objects.filter(clinic=actor.clinic)
    if filters.username:
        events = events.filter(username=filters.username)
    if filters.patient_id is not None:
        events = events.filter(_about_patient(actor.clinic.pk, filters.patient_id))
    if filters.action:
        events = events.filter(action=filters.action)
    if filters.date_from and filters.date_from >= _FIRST_BOUND:
        events = events.filter(at__gte=_day_start(filters.date_from))
    if filters.date_to and filters.date_to <= _LAST_BOUND:
        events = events.filter(at__lt=_day_start(filters.date_to + dt.timedelta(days=1)))
    return events.order_by("-seq", "-id")


def patient_access_log(
    *, actor: Actor, patient_id: object, limit: int = 500
) -> tuple[object, list[AuditEvent]]:
    """Who has seen or changed this patient's record ("who has seen my record"), newest first."""
    require_role(actor, CLINICAL)
    patient = patient_get(actor=actor, patient_id=patient_id)
    events = list(
        AuditEvent.objects.filter(clinic=actor.clinic)
        .filter(_about_patient(actor.clinic.pk, patient.pk))
        .order_by("-seq", "-id")[:limit]
    )
    audit_record(
        actor=actor, action="view", patient_id=patient.pk, object_type="AccessLog", detail=""
    )
    return patient, events
