"""API routes of safety operations: the needle lot recall, follow-ups and incident
reports, read by role through the same selectors as the pages."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router

from imsclinic.api.auth import CLINICAL_TOKEN, BearerToken, api_actor
from imsclinic.api.errors import ErrorOut
from imsclinic.core.audit import audit_view
from imsclinic.core.errors import FieldProblem, ValidationProblem
from imsclinic.core.permissions import ADMINS
from imsclinic.safety import selectors
from imsclinic.safety.integrity import followup_intact, incident_intact
from imsclinic.safety.models import FollowUp, IncidentReport
from imsclinic.safety.schemas import (
    FollowUpOut,
    IncidentReportOut,
    RecallIn,
    RecallOut,
)

router = Router(tags=["safety"])
ERRORS: dict[int, Any] = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
ADMIN_TOKEN = BearerToken(ADMINS)


def _name(user: Any) -> str | None:
    return user.display_name if user is not None else None


def followup_dict(f: FollowUp) -> dict[str, Any]:
    return {
        **{
            name: getattr(f, name)
            for name in (
                "id",
                "session_id",
                "patient_id",
                "severity",
                "reason",
                "due_on",
                "status",
                "withdrawn_reason",
                "contact_made",
                "contact_method",
                "contacted_on",
                "outcome",
                "referral",
                "referral_detail",
                "signed_at",
            )
        },
        "assigned_to": f.assigned_to.display_name,
        "signed_by": _name(f.signed_by),
        "intact": followup_intact(f),
    }


def incident_dict(r: IncidentReport) -> dict[str, Any]:
    return {
        **{
            name: getattr(r, name)
            for name in (
                "id",
                "session_id",
                "patient_id",
                "occurred_on",
                "what_happened",
                "sites",
                "needles",
                "depth",
                "actions_taken",
                "outcome",
                "reported_to",
                "signed_at",
            )
        },
        "practitioner": r.practitioner.display_name,
        "signed_by": _name(r.signed_by),
        "intact": incident_intact(r),
    }


@router.get(
    "/needle-lots/{path:lot}/sessions",
    auth=ADMIN_TOKEN,
    response={200: RecallOut, **ERRORS},
    url_name="needle_lot_sessions",
)
def needle_lot_sessions(
    request: HttpRequest,
    lot: str,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    manufacturer: str = "",
    limit: int = Query(1000, ge=1, le=10000),  # type: ignore[type-arg]
    offset: int = Query(0, ge=0),  # type: ignore[type-arg]
) -> Any:
    """The recall: every session and patient needled with ``lot`` (case, separators and a
    leading "LOT" ignored; each row says how it matched), optionally within session dates.
    Counts cover every match; ``results`` is the page ``offset``..``offset+limit``.
    Audited as a recall naming the lot. Clinic admins only."""
    query = RecallIn(lot=lot, date_from=date_from, date_to=date_to, manufacturer=manufacturer)
    recall = selectors.needle_lot_recall(actor=api_actor(request), query=query)
    return {
        "lot": recall.lot,
        "lot_key": recall.lot_key,
        "manufacturer": recall.manufacturer,
        "date_from": recall.date_from,
        "date_to": recall.date_to,
        "sessions": recall.sessions,
        "patients": recall.patients,
        "insertions": recall.insertions,
        "exact": recall.exact,
        "normalized": recall.normalized,
        "message": recall.message,
        "notes": recall.notes,
        "results": [
            {**vars(row), "sites": [s._asdict() for s in row.sites], "match": row.match}
            for row in recall.results[offset : offset + limit]
        ],
    }


@router.get("/follow-ups", auth=CLINICAL_TOKEN, response={200: list[FollowUpOut], **ERRORS})
def list_followups(request: HttpRequest, status: str = "open") -> Any:
    """Follow-ups of significant and serious adverse events: the practitioner's own (all
    of the clinic's for an admin); ``status`` open, done, withdrawn or all."""
    wanted = "" if status == "all" else status
    if wanted and wanted not in FollowUp.Status.values:
        raise ValidationProblem(
            [FieldProblem("status", "invalid", "Status is open, done, withdrawn or all.")]
        )
    return [
        followup_dict(f) for f in selectors.followup_list(actor=api_actor(request), status=wanted)
    ]


@router.get("/follow-ups/{followup_id}", auth=CLINICAL_TOKEN, response={200: FollowUpOut, **ERRORS})
def get_followup(request: HttpRequest, followup_id: int) -> Any:
    actor = api_actor(request)
    followup = selectors.followup_get(actor=actor, followup_id=followup_id)
    audit_view(actor=actor, patient_id=followup.patient_id, obj=followup)
    return followup_dict(followup)


@router.get(
    "/incident-reports", auth=CLINICAL_TOKEN, response={200: list[IncidentReportOut], **ERRORS}
)
def list_incident_reports(request: HttpRequest) -> Any:
    """Every incident report for an admin; a practitioner's are those of their sessions."""
    return [incident_dict(r) for r in selectors.incident_reports(actor=api_actor(request))]


@router.get(
    "/incident-reports/{report_id}",
    auth=CLINICAL_TOKEN,
    response={200: IncidentReportOut, **ERRORS},
)
def get_incident_report(request: HttpRequest, report_id: int) -> Any:
    actor = api_actor(request)
    report = selectors.incident_get(actor=actor, report_id=report_id)
    audit_view(actor=actor, patient_id=report.patient_id, obj=report)
    return incident_dict(report)
