"""Charting meets the calendar: a session charted from an appointment is linked to it
(the patient has arrived), and signing that session's note completes the appointment.

Scheduling's AppConfig connects them to charting.events (session_written for a new note,
session_signed), so they run inside charting's transaction; charting knows nothing about
appointments.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils import timezone

from imsclinic.core.actors import Actor
from imsclinic.core.audit import audit_record
from imsclinic.core.errors import RuleViolation
from imsclinic.scheduling.config import zone_for
from imsclinic.scheduling.models import Appointment

if TYPE_CHECKING:
    from imsclinic.charting.models import TreatmentSession

Status = Appointment.Status


def session_recorded(
    *, actor: Actor, appointment_id: int | None, session: TreatmentSession
) -> None:
    """Link a just-recorded session to the appointment it was charted from."""
    if appointment_id is None:
        return
    appointment = (
        Appointment.objects.select_for_update()
        .filter(clinic=actor.clinic, pk=appointment_id)
        .first()
    )
    field = "appointment_id"
    if appointment is None or appointment.patient_id != session.patient_id:
        raise RuleViolation(
            "Choose one of this patient's appointments (or none).", code="unknown", field=field
        )
    if appointment.session_id is not None:
        raise RuleViolation(
            "A session has already been charted from this appointment.",
            code="has_session",
            field=field,
        )
    if appointment.status not in (Status.BOOKED, Status.ARRIVED):
        raise RuleViolation(
            f"This appointment is {appointment.get_status_display().lower()}; chart from a booked "
            "or arrived appointment.",
            code="not_chartable",
            field=field,
        )
    day = appointment.starts_at.astimezone(zone_for(actor.clinic)).date()
    if day != session.session_date:
        raise RuleViolation(
            f"This appointment was on {day:%Y-%m-%d}: set the session date to that day, or "
            "chart without the appointment.",
            code="date_mismatch",
            field="session_date",
        )
    appointment.session_id = session.pk
    if appointment.status == Status.BOOKED:
        appointment.status = Status.ARRIVED
        appointment.arrived_at = timezone.now()
    appointment.save(update_fields=["session", "status", "arrived_at", "updated_at"])
    audit_record(
        actor=actor,
        action="change",
        patient_id=session.patient_id,
        obj=appointment,
        detail=f"session {session.pk} charted from it",
    )


def session_signed(*, actor: Actor, session: TreatmentSession) -> None:
    """Signing the note of a session charted from an appointment completes it."""
    appointment = (
        Appointment.objects.select_for_update()
        .filter(clinic=actor.clinic, session_id=session.pk)
        .exclude(status=Status.COMPLETED)
        .first()
    )
    if appointment is None:
        return
    appointment.status = Status.COMPLETED
    appointment.completed_at = timezone.now()
    appointment.save(update_fields=["status", "completed_at", "updated_at"])
    audit_record(
        actor=actor,
        action="change",
        patient_id=session.patient_id,
        obj=appointment,
        detail=f"completed: session {session.pk} signed",
    )
