"""What follows an adverse event: follow-ups, incident reports (and the serious events still
awaiting one), admin notifications."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from imsclinic.core.actors import Actor
from imsclinic.core.errors import PermissionDenied
from imsclinic.core.permissions import ADMINS, CLINICAL, require_role
from imsclinic.core.tenancy import get_for_clinic
from imsclinic.safety.models import SERIOUS, AdminNotification, FollowUp, IncidentReport


def _followups(actor: Actor) -> QuerySet[FollowUp]:
    return FollowUp.objects.filter(clinic=actor.clinic).select_related(
        "patient", "assigned_to", "signed_by", "session"
    )


def followups_open(*, actor: Actor) -> list[FollowUp]:
    """Today's list: open follow-ups of the practitioner (all of the clinic's for an
    admin), earliest due first, until each is done."""
    require_role(actor, CLINICAL)
    rows = _followups(actor).filter(status=FollowUp.Status.OPEN)
    if actor.role not in ADMINS:
        rows = rows.filter(assigned_to=actor.user)
    return list(rows.order_by("due_on", "id"))


def followup_list(*, actor: Actor, status: str = "", limit: int = 200) -> list[FollowUp]:
    require_role(actor, CLINICAL)
    rows = _followups(actor)
    if status:
        rows = rows.filter(status=status)
    if actor.role not in ADMINS:
        rows = rows.filter(assigned_to=actor.user)
    return list(rows.order_by("-due_on", "-id")[:limit])


def followup_get(*, actor: Actor, followup_id: object) -> FollowUp:
    require_role(actor, CLINICAL)
    return get_for_clinic(_followups(actor), actor.clinic, followup_id, "Follow-up")


def session_followups(*, actor: Actor, session_id: int) -> list[FollowUp]:
    return list(_followups(actor).filter(session_id=session_id).order_by("id"))


# Incident reports -------------------------------------------------------------------------


def _reports(actor: Actor) -> QuerySet[IncidentReport]:
    return IncidentReport.objects.filter(clinic=actor.clinic).select_related(
        "patient", "practitioner", "signed_by", "started_by", "session"
    )


def _may_read_report(actor: Actor, report: IncidentReport) -> None:
    """Admins read every report; a practitioner those of the sessions they charted."""
    require_role(actor, CLINICAL)
    if actor.role not in ADMINS and report.practitioner_id != actor.user.pk:
        raise PermissionDenied(
            "Incident reports are open to clinic admins and to the practitioner of the session."
        )


def incident_reports(*, actor: Actor, limit: int = 200) -> list[IncidentReport]:
    require_role(actor, CLINICAL)
    rows = _reports(actor)
    if actor.role not in ADMINS:
        rows = rows.filter(practitioner=actor.user)
    return list(rows[:limit])


def incident_get(*, actor: Actor, report_id: object) -> IncidentReport:
    report = get_for_clinic(_reports(actor), actor.clinic, report_id, "Incident report")
    _may_read_report(actor, report)
    return report


def session_incident(*, actor: Actor, session_id: int) -> IncidentReport | None:
    return _reports(actor).filter(session_id=session_id).first()


@dataclass(frozen=True)
class AwaitingReport:
    session_id: int
    session_date: dt.date
    patient_id: int
    patient: str
    events: str


def serious_events_awaiting_report(*, actor: Actor, limit: int = 200) -> list[AwaitingReport]:
    """Sessions with a serious adverse event and no incident report yet."""
    require_role(actor, ADMINS)
    from imsclinic.charting.models import AdverseEvent

    events = (
        AdverseEvent.objects.filter(clinic=actor.clinic, severity=SERIOUS)
        .exclude(
            session_id__in=IncidentReport.objects.filter(clinic=actor.clinic).values("session")
        )
        .select_related("session__patient")
        .order_by("-session__session_date", "session_id", "id")
    )
    awaiting: dict[int, AwaitingReport] = {}
    for event in events[: limit * 4]:
        session = event.session
        previous = awaiting.get(session.pk)
        label = event.get_kind_display()
        awaiting[session.pk] = AwaitingReport(
            session.pk,
            session.session_date,
            session.patient_id,
            session.patient.display_name,
            f"{previous.events}; {label}" if previous else label,
        )
    return list(awaiting.values())[:limit]


def incident_counts(*, actor: Actor) -> dict[str, int]:
    """Signed and draft incident reports of the clinic (for the clinic outcomes page)."""
    counts = IncidentReport.objects.filter(clinic=actor.clinic).aggregate(
        signed=Count("id", filter=Q(signed_at__isnull=False)),
        drafts=Count("id", filter=Q(signed_at__isnull=True)),
    )
    return {k: v or 0 for k, v in counts.items()}


# Admin notifications ------------------------------------------------------------------------


def notifications(
    *, actor: Actor, unread_only: bool = False, limit: int = 100
) -> list[AdminNotification]:
    require_role(actor, ADMINS)
    rows = AdminNotification.objects.filter(clinic=actor.clinic).select_related("read_by")
    if unread_only:
        rows = rows.filter(read_at__isnull=True)
    return list(rows[:limit])


def notification_get(*, actor: Actor, notification_id: object) -> AdminNotification:
    require_role(actor, ADMINS)
    return get_for_clinic(
        AdminNotification.objects.all(), actor.clinic, notification_id, "Notification"
    )
