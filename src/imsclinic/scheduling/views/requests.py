"""Work the front desk clears: online booking requests to confirm or decline, and the
waitlist."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from imsclinic.core.actors import Actor
from imsclinic.core.errors import (
    DomainError,
)
from imsclinic.core.form_input import parse_input
from imsclinic.core.web import clinic_view
from imsclinic.scheduling import actions, selectors
from imsclinic.scheduling.config import zone_for
from imsclinic.scheduling.models import Appointment
from imsclinic.scheduling.schemas import (
    WaitlistIn,
)
from imsclinic.scheduling.views.booking import booking_context
from imsclinic.scheduling.views.forms import (
    errors_of,
    in_clinic_zone,
    int_or_none,
    required,
)


@clinic_view
@in_clinic_zone
def booking_requests(request: HttpRequest, actor: Actor) -> HttpResponse:
    tz = zone_for(actor.clinic)
    rows = [
        (r, r.appointment.starts_at.astimezone(tz)) for r in selectors.held_requests(actor=actor)
    ]
    return render(request, "scheduling/requests.html", {"rows": rows})


@clinic_view
@in_clinic_zone
def booking_request_detail(request: HttpRequest, actor: Actor, appointment_id: int) -> HttpResponse:
    appointment = selectors.appointment_get(actor=actor, appointment_id=appointment_id)
    booking_request = selectors.booking_request_for(actor=actor, appointment=appointment)
    if booking_request is None:
        return redirect("appointment_detail", appointment_id=appointment.pk)
    errors: dict[str, str] = {}
    if request.method == "POST":
        decision = request.POST.get("decision", "")
        try:
            if decision == "decline":
                actions.request_decline(
                    actor=actor, appointment=appointment, note=request.POST.get("note", "")
                )
                messages.success(request, "Request declined; the patient has been e-mailed.")
                return redirect("booking_requests")
            patient_id = int_or_none(request.POST.get("patient_id"))
            if decision != "new" and patient_id is None:
                raise required(
                    "patient_id", "Choose the patient this request is for, or register a new one."
                )
            actions.request_accept(
                actor=actor,
                appointment=appointment,
                patient_id=None if decision == "new" else patient_id,
            )
            messages.success(
                request, "Request confirmed; the appointment is booked for the patient."
            )
            return redirect("appointment_detail", appointment_id=appointment.pk)
        except DomainError as exc:
            errors = errors_of(exc)
    tz = zone_for(actor.clinic)
    return render(
        request,
        "scheduling/request_detail.html",
        {
            "appointment": appointment,
            "booking_request": booking_request,
            "local_start": appointment.starts_at.astimezone(tz),
            "candidates": selectors.request_candidates(actor=actor, request=booking_request),
            "errors": errors,
            "pending": booking_request.status == booking_request.Status.PENDING,
        },
        status=422 if errors else 200,
    )


# Waitlist -------------------------------------------------------------------------------


@clinic_view
@in_clinic_zone
def waitlist_view(request: HttpRequest, actor: Actor) -> HttpResponse:
    tz = zone_for(actor.clinic)
    today = timezone.now().astimezone(tz).date()
    values: dict[str, Any] = {
        "earliest": today.isoformat(),
        "latest": (today + dt.timedelta(days=28)).isoformat(),
        "patient_id": request.GET.get("patient", ""),
        "q": "",
        "appointment_type_id": "",
        "practitioner_id": "",
        "current_appointment_id": "",
        "note": "",
    }
    # "Find" re-opens the page with what was typed so far (GET); "Add" posts it.
    source = request.POST if request.method == "POST" else request.GET
    values.update({name: source[name] for name in values if source.get(name)})
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            if not values["patient_id"]:
                raise required("patient_id", "Find and choose the patient.")
            entry = actions.waitlist_add(
                actor=actor,
                data=parse_input(
                    WaitlistIn,
                    {
                        "patient_id": values["patient_id"],
                        "appointment_type_id": values["appointment_type_id"],
                        "practitioner_id": values["practitioner_id"] or None,
                        "earliest": values["earliest"],
                        "latest": values["latest"],
                        "current_appointment_id": values["current_appointment_id"] or None,
                        "note": values["note"],
                    },
                ),
            )
            messages.success(request, f"{entry.patient.display_name} is on the waitlist.")
            return redirect("waitlist")
        except DomainError as exc:
            errors = errors_of(exc)
    context = booking_context(actor, values, errors, [])
    chosen = context["chosen"]
    context.update(
        {
            "entries": selectors.waitlist(actor=actor),
            "offers": selectors.recent_offers(actor=actor),
            "upcoming": [
                (a, a.starts_at.astimezone(tz))
                for a in selectors.patient_appointments(
                    actor=actor, patient_id=chosen.pk, since=timezone.now()
                )
                if a.status == Appointment.Status.BOOKED
            ]
            if chosen is not None
            else [],
        }
    )
    return render(request, "scheduling/waitlist.html", context, status=422 if errors else 200)


@clinic_view
@in_clinic_zone
def waitlist_remove(request: HttpRequest, actor: Actor, entry_id: int) -> HttpResponse:
    entry = selectors.waitlist_entry_get(actor=actor, entry_id=entry_id)
    if request.method != "POST":
        return redirect("waitlist")
    try:
        actions.waitlist_remove(actor=actor, entry=entry)
        messages.success(request, "Removed from the waitlist.")
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("waitlist")
