"""The appointment page: its details, status changes (arrived, no-show...), moving and
cancelling."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from imsclinic.accounts.models import Role
from imsclinic.core.actors import Actor
from imsclinic.core.errors import (
    DomainError,
)
from imsclinic.core.form_input import parse_input
from imsclinic.core.permissions import has_role
from imsclinic.core.web import clinic_view
from imsclinic.notifications.models import OutboxMessage
from imsclinic.scheduling import actions, selectors
from imsclinic.scheduling.config import settings_for, zone_for
from imsclinic.scheduling.models import Appointment
from imsclinic.scheduling.schemas import (
    CancelIn,
    MoveIn,
)
from imsclinic.scheduling.views.forms import (
    appointment_label,
    checkbox,
    conflicts_of,
    errors_of,
    in_clinic_zone,
    local_fields,
    parse_instant,
    safe_next,
    wall_clock,
)


@clinic_view
@in_clinic_zone
def appointment_detail(request: HttpRequest, actor: Actor, appointment_id: int) -> HttpResponse:
    appointment = selectors.appointment_get(actor=actor, appointment_id=appointment_id)
    tz = zone_for(actor.clinic)
    course = (
        list(
            Appointment.objects.filter(clinic=actor.clinic, course_id=appointment.course_id)
            .order_by("starts_at")
            .values_list("id", "starts_at", "status")
        )
        if appointment.course_id
        else []
    )
    sent = list(
        OutboxMessage.objects.filter(
            clinic=actor.clinic, ref_type="Appointment", ref_id=appointment.pk
        ).order_by("-created_at")[:10]
    )
    request_row = selectors.booking_request_for(actor=actor, appointment=appointment)
    now = timezone.now()
    return render(
        request,
        "scheduling/appointment_detail.html",
        {
            "appointment": appointment,
            "local_start": appointment.starts_at.astimezone(tz),
            "local_end": appointment.ends_at.astimezone(tz),
            "course": [(pk, start.astimezone(tz), status) for pk, start, status in course],
            "messages_sent": sent,
            "booking_request": request_row,
            "clinical": has_role(actor.role, frozenset({Role.ADMIN, Role.PRACTITIONER})),
            "started": now >= appointment.starts_at,
            "arrivable": now >= appointment.starts_at - dt.timedelta(hours=2),
            "cancel_reasons": [
                (value, label)
                for value, label in Appointment.CancelReason.choices
                if value in actions.booking.STAFF_CANCEL_REASONS
            ],
            "move_values": {
                **local_fields(appointment.starts_at, tz),
                "practitioner_id": str(appointment.practitioner_id),
            },
            "practitioners": selectors.practitioners(actor.clinic),
            "calendar_url": f"{reverse('calendar')}?{urlencode({'date': appointment.starts_at.astimezone(tz).date().isoformat()})}",
            "pick_url": f"{reverse('calendar')}?{urlencode({'date': appointment.starts_at.astimezone(tz).date().isoformat(), 'move': appointment.pk})}",
            "time_zone": settings_for(actor.clinic).time_zone,
        },
    )


@clinic_view
@in_clinic_zone
def appointment_status(request: HttpRequest, actor: Actor, appointment_id: int) -> HttpResponse:
    appointment = selectors.appointment_get(actor=actor, appointment_id=appointment_id)
    fallback = reverse("appointment_detail", args=[appointment.pk])
    if request.method != "POST":
        return redirect(fallback)
    try:
        actions.appointment_set_status(
            actor=actor, appointment=appointment, status=request.POST.get("status", "")
        )
        messages.success(request, f"Marked {request.POST.get('status', '').replace('_', '-')}.")
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect(safe_next(request, fallback))


@clinic_view
@in_clinic_zone
def appointment_move(request: HttpRequest, actor: Actor, appointment_id: int) -> HttpResponse:
    appointment = selectors.appointment_get(actor=actor, appointment_id=appointment_id)
    tz = zone_for(actor.clinic)
    errors: dict[str, str] = {}
    conflicts: list[Any] = []
    picked = parse_instant(request.GET.get("start"))
    values: dict[str, Any] = {
        **local_fields(picked or appointment.starts_at, tz),
        "practitioner_id": request.GET.get("practitioner") or str(appointment.practitioner_id),
        "notify": True,
        "allow_outside_hours": False,
    }
    if request.method == "POST":
        values = {
            "date": request.POST.get("date", ""),
            "time": request.POST.get("time", ""),
            "practitioner_id": request.POST.get("practitioner_id", ""),
            "notify": checkbox(request.POST, "notify"),
            "allow_outside_hours": checkbox(request.POST, "allow_outside_hours"),
        }
        try:
            data = parse_input(
                MoveIn,
                {
                    "starts_at": wall_clock(values),
                    "practitioner_id": values["practitioner_id"] or None,
                    "notify": values["notify"],
                    "allow_outside_hours": values["allow_outside_hours"],
                },
            )
            moved = actions.appointment_move(actor=actor, appointment=appointment, data=data)
            messages.success(request, f"Moved to {appointment_label(moved, tz).split(', ', 1)[1]}.")
            return redirect("appointment_detail", appointment_id=moved.pk)
        except DomainError as exc:
            errors, conflicts = errors_of(exc), conflicts_of(exc)
    return render(
        request,
        "scheduling/appointment_move.html",
        {
            "appointment": appointment,
            "local_start": appointment.starts_at.astimezone(tz),
            "values": values,
            "errors": errors,
            "conflicts": conflicts,
            "picked": picked.astimezone(tz) if picked else None,
            "practitioners": selectors.practitioners(actor.clinic),
            "offer_outside_hours": "starts_at" in errors and not conflicts,
        },
        status=409 if conflicts else (422 if errors else 200),
    )


@clinic_view
@in_clinic_zone
def appointment_cancel(request: HttpRequest, actor: Actor, appointment_id: int) -> HttpResponse:
    appointment = selectors.appointment_get(actor=actor, appointment_id=appointment_id)
    tz = zone_for(actor.clinic)
    values: dict[str, Any] = {"reason": "", "note": "", "notify": True}
    errors: dict[str, str] = {}
    if request.method == "POST":
        values = {
            "reason": request.POST.get("reason", ""),
            "note": request.POST.get("note", ""),
            "notify": checkbox(request.POST, "notify"),
        }
        try:
            data = parse_input(CancelIn, values)
            actions.appointment_cancel(actor=actor, appointment=appointment, data=data)
            messages.success(request, f"Cancelled: {appointment_label(appointment, tz)}.")
            day = appointment.starts_at.astimezone(tz).date().isoformat()
            return redirect(f"{reverse('calendar')}?{urlencode({'date': day})}")
        except DomainError as exc:
            errors = errors_of(exc)
    return render(
        request,
        "scheduling/appointment_cancel.html",
        {
            "appointment": appointment,
            "local_start": appointment.starts_at.astimezone(tz),
            "values": values,
            "errors": errors,
            "reasons": [
                (value, label)
                for value, label in Appointment.CancelReason.choices
                if value in actions.booking.STAFF_CANCEL_REASONS
            ],
        },
        status=422 if errors else 200,
    )
