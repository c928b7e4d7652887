"""The clinic admin's audit report (with CSV export) and a patient's access log."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from imsclinic.core.actors import Actor
from imsclinic.core.audit import audit_record
from imsclinic.core.errors import Problems, ValidationProblem
from imsclinic.core.form_input import field_errors
from imsclinic.core.input_checks import is_row_id
from imsclinic.core.models import AuditEvent
from imsclinic.core.permissions import ADMINS, CLINICAL
from imsclinic.core.spreadsheet import csv_writer
from imsclinic.core.web import clinic_view
from imsclinic.security import selectors

PAGE_ROWS = 200
EXPORT_COLUMNS = (
    "seq",
    "at",
    "username",
    "role",
    "action",
    "source",
    "outcome",
    "patient_id",
    "object_type",
    "object_id",
    "address",
    "detail",
    "row_hash",
)


def _filters(request: HttpRequest) -> tuple[selectors.AuditFilter, dict[str, str], dict[str, str]]:
    values = {
        k: request.GET.get(k, "").strip() for k in ("user", "patient", "action", "from", "to")
    }
    problems = Problems()
    patient_id = None
    if values["patient"]:
        raw = values["patient"]
        if raw.isascii() and raw.isdigit() and is_row_id(int(raw)):
            patient_id = int(values["patient"])
        else:
            problems.add(
                "patient", "invalid", "Patient: the record number, digits only (at most 19)."
            )
    dates: dict[str, dt.date | None] = {"from": None, "to": None}
    for key in dates:
        if values[key]:
            try:
                dates[key] = dt.date.fromisoformat(values[key])
            except ValueError:
                problems.add(key, "invalid", "Date as YYYY-MM-DD, e.g. 2026-03-01.")
    if values["action"] and values["action"] not in AuditEvent.Action.values:
        problems.add("action", "invalid", "Choose an action from the list.")
    errors: dict[str, str] = {}
    try:
        problems.raise_if_any()
    except ValidationProblem as exc:
        errors = field_errors(exc)
    filters = selectors.AuditFilter(
        username=values["user"][:150],
        patient_id=patient_id,
        action=values["action"] if "action" not in errors else "",
        date_from=dates["from"],
        date_to=dates["to"],
    )
    return filters, values, errors


@clinic_view(roles=ADMINS)
def audit_report(request: HttpRequest, actor: Actor) -> HttpResponse:
    return _report(request, actor, *_filters(request))


def _report(
    request: HttpRequest,
    actor: Actor,
    filters: selectors.AuditFilter,
    values: dict[str, str],
    errors: dict[str, str],
) -> HttpResponse:
    events = list(selectors.audit_events(actor=actor, filters=filters)[:PAGE_ROWS])
    audit_record(
        actor=actor,
        action="view",
        patient_id=filters.patient_id,
        object_type="AuditReport",
        detail=request.GET.urlencode()[:300],
    )
    context: dict[str, Any] = {
        "events": events,
        "values": values,
        "errors": errors,
        "actions": AuditEvent.Action.values,
        "page_rows": PAGE_ROWS,
        "query": request.GET.urlencode(),
    }
    return render(request, "security/audit_report.html", context, status=422 if errors else 200)


@clinic_view(roles=ADMINS)
def audit_export(request: HttpRequest, actor: Actor) -> HttpResponse:
    filters, form_values, errors = _filters(request)
    if errors:
        # Export exactly what was asked or nothing: show the report with the problems.
        return _report(request, actor, filters, form_values, errors)
    events = selectors.audit_events(actor=actor, filters=filters)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="audit.csv"'
    writer = csv_writer(response)
    writer.writerow(EXPORT_COLUMNS)
    count = 0
    for row in events.values_list(*EXPORT_COLUMNS).iterator():
        values = list(row)
        values[1] = values[1].astimezone(dt.UTC).isoformat()
        writer.writerow(values)
        count += 1
    audit_record(
        actor=actor,
        action="export",
        patient_id=filters.patient_id,
        object_type="AuditReport",
        detail=f"{count} rows; {request.GET.urlencode()}"[:300],
    )
    return response


@clinic_view(roles=CLINICAL)
def patient_access(request: HttpRequest, actor: Actor, patient_id: int) -> HttpResponse:
    patient, events = selectors.patient_access_log(actor=actor, patient_id=patient_id)
    return render(request, "security/patient_access.html", {"patient": patient, "events": events})
