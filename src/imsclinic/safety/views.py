"""Safety pages: the needle lot recall (and its CSV), needle stock, follow-ups, incident
reports and admin notifications. Views parse input, call actions/selectors, render."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from imsclinic.charting.selectors import session_get
from imsclinic.core.actors import Actor
from imsclinic.core.audit import audit_view
from imsclinic.core.errors import DomainError, SignedNoteConflict, ValidationProblem
from imsclinic.core.form_input import blank_to_none, field_errors, nested_from_post, parse_input
from imsclinic.core.permissions import ADMINS, CLINICAL, STAFF
from imsclinic.core.spreadsheet import csv_writer
from imsclinic.core.web import clinic_view
from imsclinic.rules.ranges import (
    DEFAULT_NEEDLE_DIAMETER_MM,
    DEFAULT_NEEDLE_LENGTH_MM,
    NEEDLE_DIAMETERS_OFFERED,
    NEEDLE_LENGTHS_OFFERED,
)
from imsclinic.safety import actions, selectors
from imsclinic.safety.integrity import followup_intact, incident_intact
from imsclinic.safety.models import FollowUp
from imsclinic.safety.schemas import FollowUpDoneIn, IncidentReportIn, NeedleLotIn, RecallIn

RECALL_PAGE_ROWS = 500
RECALL_FIELDS = ("lot", "manufacturer", "date_from", "date_to")
RECALL_CSV_COLUMNS = (
    "session_date",
    "patient_id",
    "patient",
    "date_of_birth",
    "phone",
    "email",
    "archived",
    "practitioner",
    "session_id",
    "sites",
    "lot_as_charted",
    "match",
)


def _recall_query(request: HttpRequest) -> tuple[dict[str, Any], RecallIn]:
    values = {name: request.GET.get(name, "") for name in RECALL_FIELDS}
    query = parse_input(RecallIn, blank_to_none(dict(values), "date_from", "date_to"))
    return values, query


@clinic_view(roles=ADMINS)
def recall(request: HttpRequest, actor: Actor) -> HttpResponse:
    values: dict[str, Any] = {name: request.GET.get(name, "") for name in RECALL_FIELDS}
    errors: dict[str, str] = {}
    result = None
    if "lot" in request.GET:
        try:
            values, query = _recall_query(request)
            result = selectors.needle_lot_recall(actor=actor, query=query)
        except ValidationProblem as exc:
            errors = field_errors(exc)
    return render(
        request,
        "safety/recall.html",
        {
            "values": values,
            "errors": errors,
            "result": result,
            "rows": result.results[:RECALL_PAGE_ROWS] if result else [],
            "page_rows": RECALL_PAGE_ROWS,
            "query": request.GET.urlencode(),
        },
        status=422 if errors else 200,
    )


@clinic_view(roles=ADMINS)
def recall_export(request: HttpRequest, actor: Actor) -> HttpResponse:
    try:
        _values, query = _recall_query(request)
        result = selectors.needle_lot_recall(actor=actor, query=query, purpose="export")
    except ValidationProblem as exc:
        message = " ".join(p.message for p in exc.problems)
        return HttpResponse(message, status=422, content_type="text/plain; charset=utf-8")
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    name = "".join(c for c in result.lot_key if c.isalnum())
    response["Content-Disposition"] = f'attachment; filename="recall-lot-{name}.csv"'
    response["Cache-Control"] = "no-store"
    writer = csv_writer(response)
    writer.writerow(RECALL_CSV_COLUMNS)
    for row in result.results:
        sites = "; ".join(
            f"{s.muscle}{' ' + s.level if s.level else ''} ({s.side})" for s in row.sites
        )
        charted = "; ".join(sorted({s.needle_lot for s in row.sites}))
        writer.writerow(
            (
                row.session_date.isoformat(),
                row.patient_id,
                row.patient,
                row.date_of_birth.isoformat(),
                row.phone,
                row.email,
                "yes" if row.archived else "no",
                row.practitioner,
                row.session_id,
                sites,
                charted,
                row.match,
            )
        )
    return response


# Needle stock ---------------------------------------------------------------------------


@clinic_view(roles=STAFF)
def needle_stock(request: HttpRequest, actor: Actor) -> HttpResponse:
    today = timezone.localdate()
    values: dict[str, Any] = {
        "received_on": today.isoformat(),
        "needle_diameter_mm": str(DEFAULT_NEEDLE_DIAMETER_MM),
        "needle_length_mm": str(DEFAULT_NEEDLE_LENGTH_MM),
    }
    errors: dict[str, str] = {}
    if request.method == "POST":
        values = nested_from_post(request.POST)
        try:
            actions.needle_lot_receive(actor=actor, data=parse_input(NeedleLotIn, values))
            return redirect("safety:needle_stock")
        except ValidationProblem as exc:
            errors = field_errors(exc)
        except DomainError as exc:
            errors = {"form": exc.message}
    return render(
        request,
        "safety/needle_stock.html",
        {
            "stock": selectors.needle_stock(actor=actor),
            "today": today,
            "values": values,
            "errors": errors,
            "diameters": NEEDLE_DIAMETERS_OFFERED,
            "lengths": NEEDLE_LENGTHS_OFFERED,
        },
        status=422 if errors else 200,
    )


@clinic_view(roles=CLINICAL)
def lot_check(request: HttpRequest, actor: Actor) -> JsonResponse:
    """For the session form: warnings on the lots typed (unknown, expired, used up)."""
    try:
        day = dt.date.fromisoformat(request.GET.get("date", ""))
    except ValueError:
        day = timezone.localdate()
    lots = [lot[:200] for lot in request.GET.getlist("lot")[:50]]
    warnings = selectors.lot_warnings(actor=actor, lots=lots, day=day)
    return JsonResponse(
        {"warnings": [{"lot": w.lot, "code": w.code, "message": w.message} for w in warnings]}
    )


# Follow-ups -----------------------------------------------------------------------------


@clinic_view(roles=CLINICAL)
def followup_list(request: HttpRequest, actor: Actor) -> HttpResponse:
    status = request.GET.get("status", "open")
    if status not in FollowUp.Status.values and status != "all":
        status = "open"
    rows = selectors.followup_list(actor=actor, status="" if status == "all" else status)
    return render(
        request,
        "safety/followup_list.html",
        {
            "followups": rows,
            "status": status,
            "statuses": [
                ("open", "Open"),
                ("done", "Done"),
                ("withdrawn", "Withdrawn"),
                ("all", "All"),
            ],
            "today": timezone.localdate(),
        },
    )


@clinic_view(roles=CLINICAL)
def followup_detail(request: HttpRequest, actor: Actor, followup_id: int) -> HttpResponse:
    followup = selectors.followup_get(actor=actor, followup_id=followup_id)
    if request.method != "POST":
        audit_view(actor=actor, patient_id=followup.patient_id, obj=followup)
    today = timezone.localdate()
    values: dict[str, Any] = {"contacted_on": today.isoformat(), "contact_made": "yes"}
    errors: dict[str, str] = {}
    if request.method == "POST":
        values = nested_from_post(request.POST)
        data = blank_to_none(dict(values), "next_due_on", "contacted_on")
        data["contact_made"] = values.get("contact_made") == "yes"
        try:
            actions.followup_complete(
                actor=actor, followup=followup, data=parse_input(FollowUpDoneIn, data)
            )
            return redirect("safety:followup_detail", followup_id=followup.pk)
        except ValidationProblem as exc:
            errors = field_errors(exc)
        except SignedNoteConflict:
            return redirect("safety:followup_detail", followup_id=followup.pk)
        except DomainError as exc:
            errors = {"form": exc.message}
    return render(
        request,
        "safety/followup_detail.html",
        {
            "followup": followup,
            "patient": followup.patient,
            "session": followup.session,
            "intact": followup_intact(followup),
            "values": values,
            "errors": errors,
            "methods": FollowUp.Method.choices,
            "referrals": FollowUp.Referral.choices,
            "today": today,
            "may_complete": followup.status == FollowUp.Status.OPEN
            and (actor.role in ADMINS or followup.assigned_to_id == actor.user.pk),
        },
        status=422 if errors else 200,
    )


# Incident reports ---------------------------------------------------------------------------


@clinic_view(roles=ADMINS)
def incident_list(request: HttpRequest, actor: Actor) -> HttpResponse:
    reports = selectors.incident_reports(actor=actor)
    return render(
        request,
        "safety/incident_list.html",
        {
            "awaiting": selectors.serious_events_awaiting_report(actor=actor),
            "drafts": [r for r in reports if not r.is_signed],
            "signed": [r for r in reports if r.is_signed],
        },
    )


@clinic_view(roles=ADMINS)
def incident_start(request: HttpRequest, actor: Actor, session_id: int) -> HttpResponse:
    session = session_get(actor=actor, session_id=session_id)
    if request.method != "POST":
        return redirect("safety:incident_list")
    try:
        report = actions.incident_start(actor=actor, session=session)
    except DomainError as exc:
        return HttpResponse(
            exc.message, status=exc.status, content_type="text/plain; charset=utf-8"
        )
    return redirect("safety:incident_detail", report_id=report.pk)


def _incident_context(
    actor: Actor, report: Any, values: dict[str, Any], errors: dict[str, str]
) -> dict[str, Any]:
    return {
        "report": report,
        "patient": report.patient,
        "intact": incident_intact(report),
        "values": values,
        "errors": errors,
        "followups": selectors.session_followups(actor=actor, session_id=report.session_id),
        "may_edit": actor.role in ADMINS and not report.is_signed,
    }


@clinic_view(roles=CLINICAL)
def incident_detail(request: HttpRequest, actor: Actor, report_id: int) -> HttpResponse:
    report = selectors.incident_get(actor=actor, report_id=report_id)
    if request.method != "POST":
        audit_view(actor=actor, patient_id=report.patient_id, obj=report)
    values: dict[str, Any] = {name: getattr(report, name) for name in IncidentReportIn.model_fields}
    errors: dict[str, str] = {}
    if request.method == "POST":
        values = nested_from_post(request.POST)
        try:
            actions.incident_update(
                actor=actor, report=report, data=parse_input(IncidentReportIn, values)
            )
            return redirect("safety:incident_detail", report_id=report.pk)
        except ValidationProblem as exc:
            errors = field_errors(exc)
        except DomainError as exc:
            errors = {"form": exc.message}
    return render(
        request,
        "safety/incident_detail.html",
        _incident_context(actor, report, values, errors),
        status=422 if errors else 200,
    )


@clinic_view(roles=ADMINS)
def incident_sign(request: HttpRequest, actor: Actor, report_id: int) -> HttpResponse:
    report = selectors.incident_get(actor=actor, report_id=report_id)
    if request.method != "POST":
        return redirect("safety:incident_detail", report_id=report.pk)
    try:
        actions.incident_sign(actor=actor, report=report)
    except SignedNoteConflict:
        pass
    except ValidationProblem as exc:
        values = {name: getattr(report, name) for name in IncidentReportIn.model_fields}
        return render(
            request,
            "safety/incident_detail.html",
            _incident_context(actor, report, values, field_errors(exc)),
            status=422,
        )
    return redirect("safety:incident_detail", report_id=report.pk)


@clinic_view(roles=CLINICAL)
def incident_pdf(request: HttpRequest, actor: Actor, report_id: int) -> HttpResponse:
    from imsclinic.safety.pdf import incident_report_pdf

    report = incident_report_pdf(actor=actor, report_id=report_id)
    response = HttpResponse(report.pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{report.filename}"'
    response["Cache-Control"] = "no-store"
    return response


# Admin notifications ------------------------------------------------------------------------


@clinic_view(roles=ADMINS)
def notification_list(request: HttpRequest, actor: Actor) -> HttpResponse:
    return render(
        request,
        "safety/notification_list.html",
        {"notifications": selectors.notifications(actor=actor)},
    )


@clinic_view(roles=ADMINS)
def notification_read(request: HttpRequest, actor: Actor, notification_id: int) -> HttpResponse:
    notice = selectors.notification_get(actor=actor, notification_id=notification_id)
    if request.method == "POST":
        actions.notification_read(actor=actor, notification=notice)
        target = request.POST.get("next", "")
        if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
            return redirect(target)
    return redirect("safety:notification_list")
