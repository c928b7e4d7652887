"""The front desk's and practitioners' calendar: day and week views, booking a single
appointment or a course, the appointment page (status, move, cancel, chart), online
requests to confirm, the waitlist, and each practitioner's schedule page.

Size: thin calendar pages (day and week, booking, the appointment page, requests,
waitlist); to be split by screen when the next one is added.
"""

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
    FieldProblem,
    PermissionDenied,
    Problems,
    ValidationProblem,
)
from imsclinic.core.form_input import parse_input
from imsclinic.core.permissions import ADMINS, has_role
from imsclinic.core.tenancy import get_for_clinic
from imsclinic.core.web import clinic_view
from imsclinic.notifications.models import OutboxMessage
from imsclinic.patients.selectors import patient_search
from imsclinic.scheduling import actions, selectors
from imsclinic.scheduling.calendar_grid import GridOptions, grid
from imsclinic.scheduling.config import settings_for, zone_for
from imsclinic.scheduling.models import Appointment, TimeOff
from imsclinic.scheduling.schemas import (
    AppointmentIn,
    CancelIn,
    CourseIn,
    MoveIn,
    TimeOffIn,
    WaitlistIn,
)
from imsclinic.scheduling.times import to_local
from imsclinic.scheduling.views.forms import (
    checkbox,
    conflicts_of,
    errors_of,
    in_clinic_zone,
    int_or_none,
    local_fields,
    parse_day,
    parse_instant,
    safe_next,
    wall_clock,
)


def _week_start(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


# Calendar -------------------------------------------------------------------------------


@clinic_view
@in_clinic_zone
def calendar_view(request: HttpRequest, actor: Actor) -> HttpResponse:
    tz = zone_for(actor.clinic)
    today = timezone.now().astimezone(tz).date()
    view = "week" if request.GET.get("view") == "week" else "day"
    day = parse_day(request.GET.get("date"), today)
    people = selectors.practitioners(actor.clinic)
    wanted = [pk for pk in (int_or_none(p) for p in request.GET.getlist("p")) if pk is not None]
    if view == "week":
        days = [_week_start(day) + dt.timedelta(days=n) for n in range(7)]
        if not wanted:
            own = [p.pk for p in people if p.pk == actor.user.pk]
            wanted = own or [p.pk for p in people[:1]]
        step = dt.timedelta(days=7)
    else:
        days = [day]
        step = dt.timedelta(days=1)
    moving = None
    move_id = int_or_none(request.GET.get("move"))
    if move_id is not None:
        moving = selectors.appointment_get(actor=actor, appointment_id=move_id)
        if moving.status != Appointment.Status.BOOKED:
            moving = None
    prefill: dict[str, str] = {}
    patient_id = int_or_none(request.GET.get("patient"))
    if patient_id is not None:
        prefill["patient"] = str(patient_id)
    data = selectors.calendar(
        actor=actor, days=days, practitioner_ids=wanted or None, people=people
    )
    if view == "week":
        # Days nobody shown works and nothing is booked (weekends, mostly) take no room.
        data.days = [
            d
            for d in days
            if d.weekday() < 5
            or any(key[1] == d for key in data.entries)
            or any(
                o.start.astimezone(tz).date() == d
                for ops in data.facts.openings.values()
                for o in ops
            )
        ]
    config = settings_for(actor.clinic)
    html = grid(
        data,
        GridOptions(
            px_per_minute=1.6 if view == "day" else 1.2,
            cell_minutes=config.slot_step_minutes if view == "day" else 60,
            move_id=moving.pk if moving else None,
            compact=view == "week",
        ),
        prefill=prefill,
    )

    def link(**changes: Any) -> str:
        params: dict[str, Any] = {"view": view, "date": day.isoformat()}
        if wanted and view == "week":
            params["p"] = wanted
        if moving:
            params["move"] = moving.pk
        if patient_id is not None:
            params["patient"] = patient_id
        params.update(changes)
        return f"{reverse('calendar')}?{urlencode(params, doseq=True)}"

    counts = {
        "appointments": sum(len(v) for v in data.entries.values()),
        "held": sum(1 for v in data.entries.values() for e in v if e.held),
    }
    return render(
        request,
        "scheduling/calendar.html",
        {
            "view": view,
            "day": day,
            "days": days,
            "today": today,
            "grid": html,
            "people": people,
            "shown": {p.pk for p in data.practitioners},
            "shown_names": [p.display_name for p in data.practitioners],
            "moving": moving,
            "moving_label": _label(moving, tz) if moving else "",
            "prev_url": link(date=(day - step).isoformat()),
            "next_url": link(date=(day + step).isoformat()),
            "today_url": link(date=today.isoformat()),
            "day_url": link(view="day"),
            "week_url": link(view="week"),
            "counts": counts,
            "patient_id": patient_id,
            "time_zone": config.time_zone,
        },
    )


def _label(appointment: Appointment, tz: Any) -> str:
    local = appointment.starts_at.astimezone(tz)
    who = appointment.patient.display_name if appointment.patient else "Online request"
    return f"{who}, {local:%a} {local.day} {local:%b %H:%M}"


# Booking --------------------------------------------------------------------------------


def _booking_context(
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
            _booking_context(actor, values, errors, conflicts),
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
        context = _booking_context(actor, values, errors, conflicts)
        context["offer_outside_hours"] = getattr(exc, "code", "") in ("outside_hours", "time_off")
        return render(
            request, "scheduling/appointment_form.html", context, status=409 if conflicts else 422
        )
    messages.success(request, f"Booked: {_label(appointment, tz)}.")
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
            raise _required(
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
            f"{_label(booked[0], tz).split(', ', 1)[1]}.",
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


# One appointment ------------------------------------------------------------------------


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
            messages.success(request, f"Moved to {_label(moved, tz).split(', ', 1)[1]}.")
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
            messages.success(request, f"Cancelled: {_label(appointment, tz)}.")
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


# Online requests -------------------------------------------------------------------------


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
                raise _required(
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
                raise _required("patient_id", "Find and choose the patient.")
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
    context = _booking_context(actor, values, errors, [])
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


def _required(field: str, message: str) -> ValidationProblem:
    return ValidationProblem([FieldProblem(field, "required", message)])


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


# A practitioner's schedule: hours (admin edits), time off, calendar feed ----------------


@clinic_view
@in_clinic_zone
def my_schedule(request: HttpRequest, actor: Actor) -> HttpResponse:
    """A practitioner's own schedule page; others go where their calendar tasks are."""
    if actor.role == Role.PRACTITIONER:
        return redirect("practitioner_schedule", practitioner_id=actor.user.pk)
    return redirect("schedule_setup" if has_role(actor.role, ADMINS) else "calendar")


def _may_manage(actor: Actor, practitioner_id: int) -> None:
    if actor.user.pk != practitioner_id and not has_role(actor.role, ADMINS):
        raise PermissionDenied("Only a clinic admin or the practitioner can open this schedule.")


@clinic_view
@in_clinic_zone
def time_off_add(request: HttpRequest, actor: Actor, practitioner_id: int) -> HttpResponse:
    practitioner = selectors.practitioner_get(actor.clinic, practitioner_id)
    _may_manage(actor, practitioner.pk)
    target = reverse("practitioner_schedule", args=[practitioner.pk])
    if request.method != "POST":
        return redirect(target)
    values = {
        name: request.POST.get(name, "")
        for name in ("start_date", "start_time", "end_date", "end_time", "reason")
    }
    start = f"{values['start_date']}T{values['start_time'] or '00:00'}"
    end = f"{values['end_date'] or values['start_date']}T{values['end_time'] or '23:59'}"
    try:
        _, affected = actions.time_off_add(
            actor=actor,
            practitioner=practitioner,
            data=parse_input(
                TimeOffIn, {"starts_at": start, "ends_at": end, "reason": values["reason"]}
            ),
        )
        note = (
            f" {len(affected)} booked appointment(s) fall in it: move or cancel them."
            if affected
            else ""
        )
        messages.success(request, "Time off recorded." + note)
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect(target)


@clinic_view
@in_clinic_zone
def time_off_remove(request: HttpRequest, actor: Actor, time_off_id: int) -> HttpResponse:
    off = get_for_clinic(
        TimeOff.objects.select_related("practitioner"), actor.clinic, time_off_id, "Time off"
    )
    _may_manage(actor, off.practitioner_id)
    target = reverse("practitioner_schedule", args=[off.practitioner_id])
    if request.method == "POST":
        actions.time_off_remove(actor=actor, time_off=off)
        messages.success(request, "Time off removed.")
    return redirect(target)


@clinic_view
@in_clinic_zone
def calendar_feed_link(request: HttpRequest, actor: Actor, practitioner_id: int) -> HttpResponse:
    practitioner = selectors.practitioner_get(actor.clinic, practitioner_id)
    _may_manage(actor, practitioner.pk)
    if request.method != "POST":
        return redirect("practitioner_schedule", practitioner_id=practitioner.pk)
    if request.POST.get("action") == "revoke":
        actions.feed_revoke(actor=actor, practitioner=practitioner)
        messages.success(request, "Calendar feed turned off: the old link no longer works.")
        return redirect("practitioner_schedule", practitioner_id=practitioner.pk)
    url = request.build_absolute_uri(actions.feed_issue(actor=actor, practitioner=practitioner))
    from imsclinic.scheduling.views.setup import schedule_page

    return schedule_page(request, actor, practitioner, feed_url=url)
