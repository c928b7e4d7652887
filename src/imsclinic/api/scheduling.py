"""Scheduling in the JSON API (registered in api/v1.py under /api/v1). Routes parse, call
the same actions and selectors as the pages, and render."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Status

from imsclinic.api.auth import api_actor
from imsclinic.api.errors import ErrorOut, errors
from imsclinic.core.actors import Actor
from imsclinic.core.errors import FieldProblem, ValidationProblem
from imsclinic.patients.selectors import patient_get
from imsclinic.scheduling import actions, selectors
from imsclinic.scheduling.config import settings_for
from imsclinic.scheduling.models import Appointment
from imsclinic.scheduling.schemas import (
    AppointmentIn,
    AppointmentOut,
    AppointmentTypeOut,
    AvailabilityOut,
    CancelIn,
    ConflictOut,
    CourseIn,
    CourseOut,
    MoveIn,
    StatusIn,
)
from imsclinic.scheduling.times import BadLocalTime, as_utc, check_year, day_bounds, zone

router = Router(tags=["scheduling"])
ERRORS: dict[int, Any] = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
# A JSON body that is not JSON (400), too large (413) or not declared JSON (415).
BODY_ERRORS = errors(body=True)


class BookingConflictOut(ErrorOut):
    conflicts: list[ConflictOut] = Field(default_factory=list)


BOOKING_ERRORS: dict[int, Any] = {**ERRORS, 409: BookingConflictOut}
MAX_RANGE_DAYS = 62


def appointment_dict(appointment: Appointment, time_zone: str) -> dict[str, Any]:
    tz = zone(time_zone)
    patient = appointment.patient
    return {
        "id": appointment.pk,
        "patient_id": appointment.patient_id,
        "patient_name": patient.display_name if patient is not None else "",
        "practitioner_id": appointment.practitioner_id,
        "practitioner_name": appointment.practitioner.display_name,
        "appointment_type_id": appointment.appointment_type_id,
        "appointment_type": appointment.appointment_type.name
        if appointment.appointment_type
        else "",
        "location_id": appointment.location_id,
        "location": appointment.location.name if appointment.location else "",
        "starts_at": appointment.starts_at,
        "ends_at": appointment.ends_at,
        "local_start": appointment.starts_at.astimezone(tz).strftime("%Y-%m-%d %H:%M"),
        "time_zone": time_zone,
        "status": appointment.status,
        "note": appointment.note,
        "source": appointment.source,
        "course_id": appointment.course_id,
        "session_id": appointment.session_id,
        "confirmed_at": appointment.confirmed_at,
        "cancel_reason": appointment.cancel_reason,
        "cancel_note": appointment.cancel_note,
    }


def _range(actor: Actor, start: str, end: str) -> tuple[dt.datetime, dt.datetime]:
    """``start``/``end``: dates (whole local days, end inclusive) or date-times."""
    tz = zone(settings_for(actor.clinic).time_zone)
    bounds: list[dt.datetime] = []
    for name, value, is_end in (("start", start, False), ("end", end, True)):
        try:
            if len(value) == 10:
                day = dt.date.fromisoformat(value)
                check_year(dt.datetime.combine(day, dt.time()))
                first, after = day_bounds(day, tz)
                bounds.append(after if is_end else first)
            else:
                bounds.append(as_utc(dt.datetime.fromisoformat(value.replace("Z", "+00:00")), tz))
        except BadLocalTime as exc:
            raise ValidationProblem(
                [FieldProblem(name, "out_of_range", f"'{name}': {exc}")]
            ) from None
        except ValueError:
            raise ValidationProblem(
                [
                    FieldProblem(
                        name,
                        "invalid",
                        f"'{name}': a date (2026-03-03) or date-time (2026-03-03T09:00:00-07:00).",
                    )
                ]
            ) from None
    if bounds[1] <= bounds[0]:
        raise ValidationProblem(
            [FieldProblem("end", "before_start", "'end' must come after 'start'.")]
        )
    if bounds[1] - bounds[0] > dt.timedelta(days=MAX_RANGE_DAYS):
        raise ValidationProblem(
            [FieldProblem("end", "too_long", f"Ask for at most {MAX_RANGE_DAYS} days at a time.")]
        )
    return bounds[0], bounds[1]


@router.get("/appointment-types", response={200: list[AppointmentTypeOut], **ERRORS})
def list_appointment_types(request: HttpRequest) -> Any:
    actor = api_actor(request)
    return [
        {
            "id": t.pk,
            "name": t.name,
            "kind": t.kind,
            "minutes": t.minutes,
            "online_bookable": t.online_bookable,
            "for_new_patients": t.for_new_patients,
        }
        for t in selectors.appointment_types(actor.clinic)
    ]


@router.get(
    "/practitioners/{practitioner_id}/availability", response={200: AvailabilityOut, **ERRORS}
)
def practitioner_availability(
    request: HttpRequest,
    practitioner_id: int,
    start: str,
    end: str,
    appointment_type: int | None = None,
) -> Any:
    """Free starts for one appointment type (default: the clinic's first) between the local
    dates ``start`` and ``end`` (inclusive), or between two date-times."""
    actor = api_actor(request)
    practitioner = selectors.practitioner_get(actor.clinic, practitioner_id)
    types = selectors.appointment_types(actor.clinic)
    chosen = next((t for t in types if appointment_type in (None, t.pk)), None)
    if chosen is None:
        raise ValidationProblem(
            [
                FieldProblem(
                    "appointment_type", "unknown", "Give one of GET /api/v1/appointment-types."
                )
            ]
        )
    first, last = _range(actor, start, end)
    time_zone = settings_for(actor.clinic).time_zone
    tz = zone(time_zone)
    found = selectors.availability(
        actor.clinic,
        [practitioner.pk],
        first.astimezone(tz).date(),
        (last - dt.timedelta(microseconds=1)).astimezone(tz).date(),
        minutes=chosen.minutes,
        not_before=first,
        not_after=last - dt.timedelta(minutes=chosen.minutes),
    )[practitioner.pk]
    return {
        "practitioner_id": practitioner.pk,
        "appointment_type_id": chosen.pk,
        "minutes": chosen.minutes,
        "time_zone": time_zone,
        "slots": [
            {"starts_at": s.start, "ends_at": s.end, "location_id": s.location_id} for s in found
        ],
    }


@router.get("/appointments", response={200: list[AppointmentOut], **ERRORS})
def list_appointments(
    request: HttpRequest,
    start: str,
    end: str,
    practitioner: int | None = None,
    include_cancelled: bool = False,
) -> Any:
    actor = api_actor(request)
    first, last = _range(actor, start, end)
    time_zone = settings_for(actor.clinic).time_zone
    return [
        appointment_dict(a, time_zone)
        for a in selectors.appointments_between(
            actor=actor,
            start=first,
            end=last,
            practitioner_id=practitioner,
            include_cancelled=include_cancelled,
        )
    ]


@router.post("/appointments", response={201: AppointmentOut, **BOOKING_ERRORS, **BODY_ERRORS})
def book_appointment(request: HttpRequest, payload: AppointmentIn) -> Any:
    """201 with the appointment; 409 naming each conflicting appointment (nothing booked)."""
    actor = api_actor(request)
    appointment = actions.appointment_book(actor=actor, data=payload)
    fresh = selectors.appointment_get(actor=actor, appointment_id=appointment.pk)
    return Status(201, appointment_dict(fresh, settings_for(actor.clinic).time_zone))


def _after(
    request: HttpRequest, appointment_id: int, change: Callable[[Actor, Appointment], object]
) -> dict[str, Any]:
    """Find the appointment (404 for another clinic's), apply ``change``, render it fresh."""
    actor = api_actor(request)
    change(actor, selectors.appointment_get(actor=actor, appointment_id=appointment_id))
    fresh = selectors.appointment_get(actor=actor, appointment_id=appointment_id)
    return appointment_dict(fresh, settings_for(actor.clinic).time_zone)


@router.get("/appointments/{appointment_id}", response={200: AppointmentOut, **ERRORS})
def get_appointment(request: HttpRequest, appointment_id: int) -> Any:
    actor = api_actor(request)
    appointment = selectors.appointment_get(actor=actor, appointment_id=appointment_id)
    return appointment_dict(appointment, settings_for(actor.clinic).time_zone)


@router.post(
    "/appointments/{appointment_id}/cancel", response={200: AppointmentOut, **ERRORS, **BODY_ERRORS}
)
def cancel_appointment(request: HttpRequest, appointment_id: int, payload: CancelIn) -> Any:
    return _after(
        request,
        appointment_id,
        lambda actor, appointment: actions.appointment_cancel(
            actor=actor, appointment=appointment, data=payload
        ),
    )


@router.post(
    "/appointments/{appointment_id}/move",
    response={200: AppointmentOut, **BOOKING_ERRORS, **BODY_ERRORS},
)
def move_appointment(request: HttpRequest, appointment_id: int, payload: MoveIn) -> Any:
    return _after(
        request,
        appointment_id,
        lambda actor, appointment: actions.appointment_move(
            actor=actor, appointment=appointment, data=payload
        ),
    )


@router.post(
    "/appointments/{appointment_id}/status", response={200: AppointmentOut, **ERRORS, **BODY_ERRORS}
)
def set_appointment_status(request: HttpRequest, appointment_id: int, payload: StatusIn) -> Any:
    return _after(
        request,
        appointment_id,
        lambda actor, appointment: actions.appointment_set_status(
            actor=actor, appointment=appointment, status=payload.status
        ),
    )


def _occurrence_dict(occurrence: Any, tz: Any) -> dict[str, Any]:
    return {
        "index": occurrence.index,
        "starts_at": occurrence.start,
        "ends_at": occurrence.end,
        "local_start": occurrence.local.strftime("%Y-%m-%d %H:%M"),
        "conflicts": [c.as_dict() for c in occurrence.conflicts],
        "suggestions": occurrence.suggestions,
    }


@router.post(
    "/patients/{patient_id}/courses",
    response={200: CourseOut, 201: CourseOut, **BOOKING_ERRORS, **BODY_ERRORS},
)
def book_course(request: HttpRequest, patient_id: int, payload: CourseIn) -> Any:
    """A course of ``count`` appointments every ``every_weeks`` weeks at the same local time:
    201 with all of them, or 409 listing every conflict and booking none. ``dry_run``: 200
    with each time and its conflicts and nearby free times, nothing booked."""
    actor = api_actor(request)
    patient = patient_get(actor=actor, patient_id=patient_id)
    time_zone = settings_for(actor.clinic).time_zone
    if payload.dry_run:
        plan = actions.course_plan(actor=actor, patient=patient, data=payload)
        return {
            "booked": False,
            "course_id": None,
            "time_zone": time_zone,
            "occurrences": [_occurrence_dict(o, plan.tz) for o in plan.occurrences],
            "appointments": [],
        }
    course, _ = actions.course_book(actor=actor, patient=patient, data=payload)
    fresh = selectors.appointments_for_course(actor=actor, course_id=course.pk)
    return Status(
        201,
        {
            "booked": True,
            "course_id": course.pk,
            "time_zone": time_zone,
            "occurrences": [],
            "appointments": [appointment_dict(a, time_zone) for a in fresh],
        },
    )
