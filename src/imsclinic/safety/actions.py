"""The one write path of safety operations: needle stock, adverse-event follow-ups,
incident reports and admin notifications. Each runs in a transaction with its audit event.

Charting calls ``adverse_event_followups`` from ``session_record`` and ``session_update``
(in their transactions), so a significant or serious adverse event always has its
follow-up, whichever page or API charted it.

Size: four small aggregates (stock, follow-ups, incident reports, notifications) whose
follow-up and incident writes share signing and hashing helpers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Protocol

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from imsclinic.anatomy import get_catalog
from imsclinic.charting.integrity import content_hash
from imsclinic.charting.models import Insertion, TreatmentSession
from imsclinic.charting.vocabulary import ADVERSE_EVENT_KIND
from imsclinic.core.actors import Actor
from imsclinic.core.audit import audit_record
from imsclinic.core.dates import local_today
from imsclinic.core.errors import PermissionDenied, Problems, RuleViolation, SignedNoteConflict
from imsclinic.core.permissions import ADMINS, CLINICAL, STAFF, require_role
from imsclinic.rules import ranges
from imsclinic.rules.lots import lot_key
from imsclinic.safety.integrity import followup_content, incident_content
from imsclinic.safety.models import (
    FOLLOW_UP_SEVERITIES,
    SERIOUS,
    AdminNotification,
    FollowUp,
    IncidentReport,
    NeedleLot,
)
from imsclinic.safety.schemas import FollowUpDoneIn, IncidentReportIn, NeedleLotIn


def follow_up_days() -> int:
    """Days from the session to its follow-up's due date: the next day unless the clinic
    sets IMSCLINIC_FOLLOW_UP_DAYS."""
    return int(getattr(settings, "IMSCLINIC_FOLLOW_UP_DAYS", 1))


# Admin notifications ----------------------------------------------------------------------


def notify_admins(
    *,
    actor: Actor,
    kind: str,
    subject: str,
    body: str = "",
    link: str = "",
    patient_id: int | None = None,
    session_id: int | None = None,
) -> AdminNotification:
    """Tell the clinic's admins something they must act on. Today it is an in-app notice
    (Today and the notifications page) with its audit event, in the caller's transaction;
    this is the one function to route through the e-mail outbox as well."""
    notice = AdminNotification.objects.create(
        clinic=actor.clinic,
        kind=kind,
        subject=subject[:200],
        body=body,
        link=link[:200],
        patient_id=patient_id,
        session_id=session_id,
    )
    audit_record(
        actor=actor,
        action="create",
        patient_id=patient_id,
        obj=notice,
        detail=f"admin notification: {kind}",
    )
    return notice


@transaction.atomic
def notification_read(*, actor: Actor, notification: AdminNotification) -> AdminNotification:
    require_role(actor, ADMINS)
    locked = AdminNotification.objects.select_for_update().get(pk=notification.pk)
    if locked.read_at is None:
        locked.read_at = timezone.now()
        locked.read_by = actor.user
        locked.save(update_fields=["read_at", "read_by", "updated_at"])
        audit_record(
            actor=actor, action="change", patient_id=locked.patient_id, obj=locked, detail="read"
        )
    return locked


# Adverse-event follow-ups -------------------------------------------------------------------


class _Event(Protocol):
    @property
    def kind(self) -> str: ...

    @property
    def severity(self) -> str: ...

    @property
    def description(self) -> str: ...


def _describe(events: Sequence[_Event]) -> str:
    parts = []
    for event in events:
        text = f"{ADVERSE_EVENT_KIND.labels.get(event.kind, event.kind)} ({event.severity})"
        if event.description.strip():
            text += f": {event.description.strip()}"
        parts.append(text)
    return "; ".join(parts)[:500]


def _highest(events: Sequence[_Event]) -> str:
    return SERIOUS if any(e.severity == SERIOUS for e in events) else FOLLOW_UP_SEVERITIES[0]


def _notify_serious(actor: Actor, session: TreatmentSession, reason: str) -> None:
    notify_admins(
        actor=actor,
        kind="serious_adverse_event",
        subject=f"Serious adverse event in session #{session.sequence} on {session.session_date}",
        body=(
            f"{actor.user.display_name} charted: {reason}. Review the session and start the "
            "incident report; the practitioner has a follow-up task."
        ),
        link=reverse("safety:incident_list"),
        patient_id=session.patient_id,
        session_id=session.pk,
    )


def adverse_event_followups(
    *, actor: Actor, session: TreatmentSession, events: Sequence[_Event], created: bool
) -> FollowUp | None:
    """Keep a session's follow-up task in step with its significant or serious adverse
    events: create it (due the next day by default), update it while the note is a draft,
    withdraw it if a draft loses its events. A serious event also notifies the admins.
    Runs in the caller's transaction; no query for a new session without such events."""
    needing = [e for e in events if e.severity in FOLLOW_UP_SEVERITIES]
    existing = None
    if not created:
        existing = (
            FollowUp.objects.select_for_update()
            .filter(clinic_id=session.clinic_id, session_id=session.pk, status=FollowUp.Status.OPEN)
            .first()
        )
    if not needing:
        if existing is not None:
            existing.status = FollowUp.Status.WITHDRAWN
            existing.withdrawn_reason = (
                f"The adverse event was removed from the draft note by {actor.user.display_name}."
            )
            existing.save(update_fields=["status", "withdrawn_reason", "updated_at"])
            audit_record(
                actor=actor,
                action="change",
                patient_id=session.patient_id,
                obj=existing,
                detail="withdrawn: no significant or serious adverse event left on the draft",
            )
        return None
    severity, reason = _highest(needing), _describe(needing)
    if existing is None:
        followup = FollowUp.objects.create(
            clinic_id=session.clinic_id,
            session=session,
            patient_id=session.patient_id,
            assigned_to_id=session.practitioner_id,
            severity=severity,
            reason=reason,
            due_on=session.session_date + dt.timedelta(days=follow_up_days()),
        )
        audit_record(
            actor=actor,
            action="create",
            patient_id=session.patient_id,
            obj=followup,
            detail=f"follow-up of a {severity} adverse event due {followup.due_on}",
        )
        if severity == SERIOUS:
            _notify_serious(actor, session, reason)
        return followup
    became_serious = severity == SERIOUS and existing.severity != SERIOUS
    existing.severity, existing.reason = severity, reason
    existing.due_on = session.session_date + dt.timedelta(days=follow_up_days())
    existing.save(update_fields=["severity", "reason", "due_on", "updated_at"])
    audit_record(
        actor=actor, action="change", patient_id=session.patient_id, obj=existing, detail=reason
    )
    if became_serious:
        _notify_serious(actor, session, reason)
    return existing


def _lock_open(followup: FollowUp) -> FollowUp:
    locked = FollowUp.objects.select_for_update().select_related("session").get(pk=followup.pk)
    if locked.status != FollowUp.Status.OPEN:
        raise SignedNoteConflict(
            f"This follow-up is {locked.get_status_display().lower()}"
            + (
                f" (signed {timezone.localtime(locked.signed_at):%Y-%m-%d %H:%M})"
                if locked.signed_at
                else ""
            )
            + " and cannot be changed."
        )
    return locked


@transaction.atomic
def followup_complete(*, actor: Actor, followup: FollowUp, data: FollowUpDoneIn) -> FollowUp:
    """Record the follow-up (contact made, outcome, referral) as a signed addendum to the
    session. The practitioner it is assigned to, or a clinic admin, signs it; a follow-up
    without contact must set the date of the next attempt, which becomes a new task."""
    require_role(actor, CLINICAL)
    locked = _lock_open(followup)
    if actor.role not in ADMINS and locked.assigned_to_id != actor.user.pk:
        raise PermissionDenied(
            "Only the practitioner it is assigned to, or a clinic admin, completes a follow-up."
        )
    if not locked.session.is_signed:
        raise RuleViolation(
            "Sign the session note first: the follow-up is added to it as a signed addendum.",
            code="note_not_signed",
        )
    problems = Problems()
    today = local_today()
    if data.contacted_on > today:
        problems.add("contacted_on", "future", f"The contact date cannot be after today ({today}).")
    elif data.contacted_on < locked.session.session_date:
        problems.add(
            "contacted_on",
            "before_session",
            f"The follow-up cannot precede the session ({locked.session.session_date}).",
        )
    if data.contact_made and data.contact_method not in FollowUp.Method.values:
        problems.add("contact_method", "required", "Say how the patient was reached.")
    if data.contact_method and data.contact_method not in FollowUp.Method.values:
        problems.add("contact_method", "invalid", "Choose phone, in person, video or message.")
    if not data.outcome.strip():
        problems.add(
            "outcome",
            "required",
            "Record the outcome: how the patient is now, or the attempt made to reach them.",
        )
    if data.referral not in FollowUp.Referral.values:
        problems.add(
            "referral", "required", "Choose the referral: none, emergency care, physician or other."
        )
    elif data.referral == FollowUp.Referral.OTHER and not data.referral_detail.strip():
        problems.add("referral_detail", "required", "Name where the patient was referred.")
    if not data.contact_made and data.next_due_on is None:
        problems.add(
            "next_due_on",
            "required",
            "The patient was not reached: set the date of the next attempt.",
        )
    if data.next_due_on is not None and data.next_due_on < today:
        problems.add("next_due_on", "past", f"The next attempt cannot be before today ({today}).")
    problems.raise_if_any()
    locked.contact_made = data.contact_made
    locked.contact_method = data.contact_method
    locked.contacted_on = data.contacted_on
    locked.outcome = data.outcome.strip()
    locked.referral = data.referral
    locked.referral_detail = data.referral_detail.strip()
    locked.status = FollowUp.Status.DONE
    locked.signed_by = actor.user
    locked.signed_at = timezone.now()
    locked.content_hash = content_hash(followup_content(locked))
    locked.save()
    audit_record(
        actor=actor,
        action="sign",
        patient_id=locked.patient_id,
        obj=locked,
        detail=f"adverse-event follow-up of session {locked.session_id}: {locked.referral}",
    )
    if data.next_due_on is not None:
        again = FollowUp.objects.create(
            clinic_id=locked.clinic_id,
            session_id=locked.session_id,
            patient_id=locked.patient_id,
            assigned_to_id=locked.assigned_to_id,
            severity=locked.severity,
            reason=f"Follow up again ({data.contacted_on}: {locked.outcome[:200]}). {locked.reason}"[
                :500
            ],
            due_on=data.next_due_on,
        )
        audit_record(
            actor=actor,
            action="create",
            patient_id=locked.patient_id,
            obj=again,
            detail=f"next follow-up due {again.due_on}",
        )
    return locked


# Needle stock -----------------------------------------------------------------------------


@transaction.atomic
def needle_lot_receive(*, actor: Actor, data: NeedleLotIn) -> NeedleLot:
    """Record a delivery of needles of one lot; stock counts down as insertions chart it."""
    require_role(actor, STAFF)
    problems = Problems()
    manufacturer, lot = data.manufacturer.strip(), data.lot.strip()
    if not manufacturer:
        problems.add("manufacturer", "required", "Enter the manufacturer printed on the box.")
    if not lot:
        problems.add("lot", "required", "Enter the lot number printed beside LOT on the box.")
    elif not lot_key(lot):
        problems.add("lot", "no_characters", f"'{lot}' has no letters or digits.")
    for name, message in ranges.needle_problems(
        data.needle_diameter_mm, data.needle_length_mm
    ).items():
        problems.add(name, "out_of_range", message)
    if not 1 <= data.quantity <= 1_000_000:
        problems.add("quantity", "out_of_range", "Quantity is the number of needles, 1-1,000,000.")
    today = local_today()
    if data.received_on > today:
        problems.add("received_on", "future", f"The delivery date cannot be after today ({today}).")
    if data.expires_on < data.received_on:
        problems.add(
            "expires_on",
            "expired",
            f"This lot expired on {data.expires_on}, before it was received: do not use it; "
            "return it to the supplier.",
        )
    problems.raise_if_any()
    received = NeedleLot.objects.create(
        clinic=actor.clinic,
        manufacturer=manufacturer,
        lot=lot,
        lot_key=lot_key(lot),
        needle_diameter_mm=data.needle_diameter_mm,
        needle_length_mm=data.needle_length_mm,
        expires_on=data.expires_on,
        quantity=data.quantity,
        received_on=data.received_on,
        received_by=actor.user,
    )
    audit_record(
        actor=actor, action="create", obj=received, detail=f"{data.quantity} needles, lot {lot}"
    )
    return received


# Incident reports ---------------------------------------------------------------------------


def _sites_and_needles(insertions: Sequence[Insertion]) -> tuple[str, str]:
    names = get_catalog().display_names()  # the one id -> name map (retired ids too)
    sites = [
        f"{names.get(i.muscle_id, i.muscle_id)} {i.level + ' ' if i.level else ''}({i.side})"
        for i in insertions
    ]
    needles = sorted(
        {
            f"{i.needle_diameter_mm} x {i.needle_length_mm} mm, lot {i.needle_lot}"
            for i in insertions
        }
    )
    return "\n".join(sites), "\n".join(needles)


def _prefill(report: IncidentReport, session: TreatmentSession) -> None:
    events = list(session.adverse_events.all())
    serious = [e for e in events if e.severity == SERIOUS] or events
    report.what_happened = "\n".join(
        f"{e.get_kind_display()} ({e.severity}): {e.description or 'no description charted'}"
        for e in serious
    )
    report.sites, report.needles = _sites_and_needles(list(session.insertions.all()))
    report.depth = "Not recorded: the session note records the needle length, not the depth."
    report.actions_taken = "\n".join(e.action_taken for e in serious if e.action_taken)
    done = FollowUp.objects.filter(session=session, status=FollowUp.Status.DONE).order_by("id")
    report.outcome = "\n".join(
        f"Follow-up {f.contacted_on}: {f.outcome} (referral: {f.get_referral_display().lower()}"
        f"{', ' + f.referral_detail if f.referral_detail else ''})"
        for f in done
    )


@transaction.atomic
def incident_start(*, actor: Actor, session: TreatmentSession) -> IncidentReport:
    """The incident report of a session with a serious adverse event, pre-filled from the
    note (events, sites, needles, actions) and its follow-ups, for the admin to review.
    Starting it again returns the same report."""
    require_role(actor, ADMINS, "Only a clinic admin writes incident reports.")
    existing = IncidentReport.objects.filter(clinic=actor.clinic, session=session).first()
    if existing is not None:
        return existing
    if not session.adverse_events.filter(severity=SERIOUS).exists():
        raise RuleViolation(
            "This session has no serious adverse event; incident reports are for serious events.",
            code="not_serious",
        )
    report = IncidentReport(
        clinic=actor.clinic,
        session=session,
        patient_id=session.patient_id,
        practitioner_id=session.practitioner_id,
        started_by=actor.user,
        occurred_on=session.session_date,
    )
    _prefill(report, session)
    report.save()
    audit_record(actor=actor, action="create", patient_id=session.patient_id, obj=report)
    return report


def _lock_draft(report: IncidentReport) -> IncidentReport:
    locked = IncidentReport.objects.select_for_update().get(pk=report.pk)
    if locked.is_signed:
        raise SignedNoteConflict(
            f"This incident report was signed on "
            f"{timezone.localtime(locked.signed_at):%Y-%m-%d %H:%M} and is read-only."
        )
    return locked


@transaction.atomic
def incident_update(
    *, actor: Actor, report: IncidentReport, data: IncidentReportIn
) -> IncidentReport:
    require_role(actor, ADMINS, "Only a clinic admin writes incident reports.")
    locked = _lock_draft(report)
    problems = Problems()
    if not data.what_happened.strip():
        problems.add("what_happened", "required", "Describe what happened.")
    problems.raise_if_any()
    for name in IncidentReportIn.model_fields:
        setattr(locked, name, getattr(data, name).strip())
    locked.save()
    audit_record(actor=actor, action="change", patient_id=locked.patient_id, obj=locked)
    return locked


@transaction.atomic
def incident_sign(*, actor: Actor, report: IncidentReport) -> IncidentReport:
    """The admin's signature: the report is then immutable (in the database too)."""
    require_role(actor, ADMINS, "Only a clinic admin signs incident reports.")
    locked = _lock_draft(report)
    problems = Problems()
    if not locked.what_happened.strip():
        problems.add("what_happened", "required", "Describe what happened before signing.")
    if not locked.actions_taken.strip():
        problems.add("actions_taken", "required", "Record the actions taken before signing.")
    if not locked.outcome.strip():
        problems.add(
            "outcome",
            "required",
            "Record the outcome known today before signing (the follow-up's, once done).",
        )
    problems.raise_if_any()
    locked.signed_by = actor.user
    locked.signed_at = timezone.now()
    locked.content_hash = content_hash(incident_content(locked))
    locked.save(update_fields=["signed_by", "signed_at", "content_hash", "updated_at"])
    audit_record(actor=actor, action="sign", patient_id=locked.patient_id, obj=locked)
    return locked
