"""Booking from the calendar: one appointment or a weekly course (with its preview), and
the patient search the booking form uses."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from imsclinic.core.actors import Actor
from imsclinic.core.errors import (
    DomainError,
    Problems,
)
from imsclinic.core.form_input import parse_input
from imsclinic.core.tenancy import get_for_clinic
from imsclinic.core.web import clinic_view
from imsclinic.patients.selectors import patient_search
from imsclinic.scheduling import actions, selectors
from imsclinic.scheduling.config import settings_for, zone_for
from imsclinic.scheduling.schemas import (
    AppointmentIn,
    CourseIn,
)
from imsclinic.scheduling.times import to_local
from imsclinic.scheduling.views.forms import (
    appointment_label,
    checkbox,
    conflicts_of,
    errors_of,
    in_clinic_zone,
    int_or_none,
    local_fields,
    parse_instant,
    required,
    wall_clock,
)

# Booking --------------------------------------------------------------------------------


def booking_context(
    actor: Actor, values: dict[str, Any], errors: dict[str, str], conflicts: list[Any]
) -> dict[str, Any]:
    patient = None
    patient_id = int_or_none(values.get("patient_id"))
    if patient_id is not None:
        from imsclinic.patients.models import Patient

        patient = Patient.objects.filter(
            clinic=actor.clinic, pk=patient_id, archived_at__isnull=True
        ).first()
    q = str(values.get("q", "")).strip()
    return {
        "values": values,
        "errors": errors,
        "conflicts": conflicts,
        "patient": None,  # no patient banner: the form picks one
        "chosen": patient,
        "matches": patient_search(actor=actor, query=q, limit=10) if q else [],
        "q": q,
        "practitioners": selectors.practitioners(actor.clinic),
        "types": selectors.appointment_types(actor.clinic),
        "locations": selectors.locations(actor.clinic),
        "time_zone": settings_for(actor.clinic).time_zone,
    }


_BOOKING_FIELDS = (
    "patient_id",
    "practitioner_id",
    "appointment_type_id",
    "location_id",
    "date",
    "time",
    "note",
    "count",
    "every_weeks",
    "q",
)


def _booking_values(source: Any) -> dict[str, Any]:
    values = {name: source.get(name, "") for name in _BOOKING_FIELDS}
    values["notify"] = checkbox(source, "notify") if "notify_shown" in source else True
    values["allow_outside_hours"] = checkbox(source, "allow_outside_hours")
    return values


def _check_when(values: dict[str, Any]) -> None:
    problems = Problems()
    try:
        dt.date.fromisoformat(str(values.get("date", "")))
    except ValueError:
        problems.add("date", "invalid", "Enter the date, e.g. 2026-03-03.")
    try:
        dt.time.fromisoformat(str(values.get("time", "")))
    except ValueError:
        problems.add("time", "invalid", "Enter the time as HH:MM, e.g. 09:30.")
    if not values.get("patient_id"):
        problems.add("patient_id", "required", "Find and choose the patient.")
    problems.raise_if_any()


def _course_input(values: dict[str, Any], starts: list[str] | None = None) -> CourseIn:
    return parse_input(
        CourseIn,
        {
            "practitioner_id": values.get("practitioner_id"),
            "appointment_type_id": values.get("appointment_type_id"),
            "location_id": values.get("location_id") or None,
            "first_start": wall_clock(values),
            "count": values.get("count") or 1,
            "every_weeks": values.get("every_weeks") or 1,
            "starts": starts,
            "note": values.get("note", ""),
            "allow_outside_hours": values.get("allow_outside_hours", False),
            "notify": values.get("notify", True),
        },
    )


@clinic_view
@in_clinic_zone
def appointment_new(request: HttpRequest, actor: Actor) -> HttpResponse:
    """Book one appointment, or a course: 'Repeat' > 1 shows every time with its
    conflicts first, and books all of them, or none."""
    tz = zone_for(actor.clinic)
    errors: dict[str, str] = {}
    conflicts: list[Any] = []
    if request.method != "POST":
        values = _booking_values(request.GET)
        values.update(local_fields(parse_instant(request.GET.get("start")), tz))
        values["patient_id"] = request.GET.get("patient_id") or request.GET.get("patient", "")
        values["practitioner_id"] = request.GET.get("practitioner_id") or request.GET.get(
            "practitioner", ""
        )
        values["count"] = values["count"] or "1"
        values["every_weeks"] = values["every_weeks"] or "1"
        types = selectors.appointment_types(actor.clinic)
        if not values["appointment_type_id"] and types:
            values["appointment_type_id"] = str(types[0].pk)
        return render(
            request,
            "scheduling/appointment_form.html",
            booking_context(actor, values, errors, conflicts),
        )
    values = _booking_values(request.POST)
    try:
        _check_when(values)
        count = int_or_none(values["count"]) or 1
        if count > 1 or request.POST.get("course_step"):
            return _course_step(request, actor, values)
        data = parse_input(
            AppointmentIn,
            {
                "patient_id": values["patient_id"],
                "practitioner_id": values["practitioner_id"],
                "appointment_type_id": values["appointment_type_id"],
                "location_id": values["location_id"] or None,
                "starts_at": wall_clock(values),
                "note": values["note"],
                "allow_outside_hours": values["allow_outside_hours"],
                "notify": values["notify"],
            },
        )
        appointment = actions.appointment_book(actor=actor, data=data)
    except DomainError as exc:
        errors, conflicts = errors_of(exc), conflicts_of(exc)
        context = booking_context(actor, values, errors, conflicts)
        context["offer_outside_hours"] = getattr(exc, "code", "") in ("outside_hours", "time_off")
        return render(
            request, "scheduling/appointment_form.html", context, status=409 if conflicts else 422
        )
    messages.success(request, f"Booked: {appointment_label(appointment, tz)}.")
    return redirect("appointment_detail", appointment_id=appointment.pk)


def _course_step(request: HttpRequest, actor: Actor, values: dict[str, Any]) -> HttpResponse:
    from imsclinic.patients.models import Patient

    tz = zone_for(actor.clinic)
    patient = get_for_clinic(Patient.objects.all(), actor.clinic, values["patient_id"], "Patient")
    chosen: list[str] | None = None
    if request.POST.get("course_step") == "confirm":
        chosen = [
            request.POST.get(f"occurrence.{index}", "")
            for index in range(int_or_none(request.POST.get("occurrences")) or 0)
        ]
        chosen = [c for c in chosen if c and c != "skip"]
        if not chosen:
            raise required(
                "occurrences",
                "Every time was skipped: nothing to book. Cancel, or keep at least one time.",
            )
    data = _course_input(values, chosen)
    if chosen is not None:
        try:
            _, booked = actions.course_book(actor=actor, patient=patient, data=data)
        except actions.BookingConflict as exc:
            plan = actions.course_plan(actor=actor, patient=patient, data=data)
            return _course_preview(request, actor, values, plan, {"form": exc.message}, status=409)
        messages.success(
            request,
            f"Booked {len(booked)} appointments for {patient.display_name}, from "
            f"{appointment_label(booked[0], tz).split(', ', 1)[1]}.",
        )
        return redirect("appointment_detail", appointment_id=booked[0].pk)
    plan = actions.course_plan(actor=actor, patient=patient, data=data)
    return _course_preview(request, actor, values, plan, {})


def _course_preview(
    request: HttpRequest,
    actor: Actor,
    values: dict[str, Any],
    plan: Any,
    errors: dict[str, str],
    status: int = 200,
) -> HttpResponse:
    tz = plan.tz
    rows = []
    for occurrence in plan.occurrences:
        options = []
        if occurrence.start is not None and not occurrence.hard:
            options.append((occurrence.start, "keep"))
        options.extend((s, "suggested") for s in occurrence.suggestions)
        rows.append(
            {
                "occurrence": occurrence,
                "local": occurrence.local,
                "options": [
                    {
                        "value": s.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                        "label": f"{to_local(s, tz):%a %d %b %H:%M}",
                        "kind": kind,
                    }
                    for s, kind in options
                ],
            }
        )
    hard = sum(1 for o in plan.occurrences if o.hard)
    soft = sum(1 for o in plan.occurrences if o.conflicts and not o.hard)
    return render(
        request,
        "scheduling/course_preview.html",
        {
            "values": values,
            "plan": plan,
            "rows": rows,
            "hard": hard,
            "soft": soft,
            "errors": errors,
            "bookable": sum(1 for r in rows if r["options"]),
            "cancel_url": f"{reverse('calendar')}?{urlencode({'date': values.get('date', '')})}",
        },
        status=status,
    )


@clinic_view
@in_clinic_zone
def appointment_patient_search(request: HttpRequest, actor: Actor) -> HttpResponse:
    q = request.GET.get("q", "")
    matches = patient_search(actor=actor, query=q, limit=10) if q.strip() else []
    return render(
        request,
        "scheduling/_patient_choices.html",
        {"matches": matches, "q": q, "values": {"patient_id": request.GET.get("patient_id", "")}},
    )
