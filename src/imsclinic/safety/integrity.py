"""Canonical content of a signed follow-up addendum and of a signed incident report, and
the check on read that neither changed since it was signed (as for signed notes)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from imsclinic.charting.integrity import content_hash
from imsclinic.safety.models import FollowUp, IncidentReport


def _signed_at(record: FollowUp | IncidentReport) -> str:
    assert record.signed_at is not None
    return record.signed_at.astimezone(dt.UTC).isoformat()


def followup_content(followup: FollowUp) -> dict[str, Any]:
    return {
        "kind": "adverse_event_follow_up",
        "id": followup.pk,
        "session": followup.session_id,
        "patient": followup.patient_id,
        "severity": followup.severity,
        "reason": followup.reason,
        "due_on": followup.due_on.isoformat(),
        "contact_made": followup.contact_made,
        "contact_method": followup.contact_method,
        "contacted_on": followup.contacted_on.isoformat() if followup.contacted_on else None,
        "outcome": followup.outcome,
        "referral": followup.referral,
        "referral_detail": followup.referral_detail,
        "signed_by": followup.signed_by_id,
        "signed_at": _signed_at(followup),
    }


def incident_content(report: IncidentReport) -> dict[str, Any]:
    return {
        "kind": "incident_report",
        "id": report.pk,
        "session": report.session_id,
        "patient": report.patient_id,
        "practitioner": report.practitioner_id,
        "occurred_on": report.occurred_on.isoformat(),
        "what_happened": report.what_happened,
        "sites": report.sites,
        "needles": report.needles,
        "depth": report.depth,
        "actions_taken": report.actions_taken,
        "outcome": report.outcome,
        "reported_to": report.reported_to,
        "signed_by": report.signed_by_id,
        "signed_at": _signed_at(report),
    }


def followup_intact(followup: FollowUp) -> bool:
    return (
        not followup.is_signed or content_hash(followup_content(followup)) == followup.content_hash
    )


def incident_intact(report: IncidentReport) -> bool:
    return not report.is_signed or content_hash(incident_content(report)) == report.content_hash
