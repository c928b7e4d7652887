"""The clinic admin's calendar set-up: settings, locations, appointment types, and each
practitioner's weekly hours and breaks (the schedule page, which the practitioner also
opens for their time off and calendar feed)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from imsclinic.accounts.models import User
from imsclinic.core.actors import Actor
from imsclinic.core.errors import DomainError
from imsclinic.core.form_input import nested_from_post, parse_input
from imsclinic.core.permissions import ADMINS, has_role
from imsclinic.core.tenancy import get_for_clinic
from imsclinic.core.web import clinic_view
from imsclinic.notifications.outbox import sms_available
from imsclinic.scheduling import actions, selectors
from imsclinic.scheduling.actions.setup import SLOT_STEPS, WEEKDAYS
from imsclinic.scheduling.config import settings_for, zone_for
from imsclinic.scheduling.models import AppointmentType, Location
from imsclinic.scheduling.schemas import AppointmentTypeIn, LocationIn, ScheduleIn, SettingsIn
from imsclinic.scheduling.times import zone_names
from imsclinic.scheduling.views.forms import (
    checkbox,
    errors_of,
    in_clinic_zone,
    may_manage_schedule,
)

_SETTINGS_FLAGS = (
    "online_booking_enabled",
    "feed_shows_patient_names",
    "sms_reminders",
    "waitlist_offers",
)


@clinic_view(roles=ADMINS)
@in_clinic_zone
def schedule_setup(request: HttpRequest, actor: Actor) -> HttpResponse:
    config = settings_for(actor.clinic)
    values: dict[str, Any] = {name: getattr(config, name) for name in SettingsIn.model_fields}
    errors: dict[str, str] = {}
    if request.method == "POST":
        values = {name: request.POST.get(name, "") for name in SettingsIn.model_fields}
        for flag in _SETTINGS_FLAGS:
            values[flag] = checkbox(request.POST, flag)
        try:
            actions.settings_save(actor=actor, data=parse_input(SettingsIn, values))
            messages.success(request, "Calendar settings saved.")
            return redirect("schedule_setup")
        except DomainError as exc:
            errors = errors_of(exc)
    profiles = selectors.profiles(actor.clinic)
    return render(
        request,
        "scheduling/setup.html",
        {
            "values": values,
            "errors": errors,
            "slot_steps": SLOT_STEPS,
            "zones": zone_names(),
            "sms_available": sms_available(),
            "locations": selectors.locations(actor.clinic, include_inactive=True),
            "types": selectors.appointment_types(actor.clinic, include_inactive=True),
            "people": [(p, profiles.get(p.pk)) for p in selectors.practitioners(actor.clinic)],
            "public_url": request.build_absolute_uri(f"/book/{actor.clinic.slug}/"),
        },
        status=422 if errors else 200,
    )


def _edit(
    request: HttpRequest,
    actor: Actor,
    *,
    schema: type[Any],
    save: Any,
    instance: Any,
    template: str,
    flags: tuple[str, ...],
    extra: dict[str, Any],
) -> HttpResponse:
    fields = schema.model_fields
    values: dict[str, Any] = (
        {name: getattr(instance, name) for name in fields}
        if instance is not None
        else {name: f.default for name, f in fields.items() if f.default is not None}
    )
    errors: dict[str, str] = {}
    if request.method == "POST":
        values = {name: request.POST.get(name, "") for name in fields}
        for flag in flags:
            values[flag] = checkbox(request.POST, flag)
        try:
            save(actor=actor, data=parse_input(schema, values), instance=instance)
            messages.success(request, "Saved.")
            return redirect("schedule_setup")
        except DomainError as exc:
            errors = errors_of(exc)
    return render(
        request,
        template,
        {"values": values, "errors": errors, "instance": instance, **extra},
        status=422 if errors else 200,
    )


def _save_location(*, actor: Actor, data: LocationIn, instance: Location | None) -> Location:
    return actions.location_save(actor=actor, data=data, location=instance)


def _save_type(
    *, actor: Actor, data: AppointmentTypeIn, instance: AppointmentType | None
) -> AppointmentType:
    return actions.appointment_type_save(actor=actor, data=data, appointment_type=instance)


@clinic_view(roles=ADMINS)
@in_clinic_zone
def location_edit(
    request: HttpRequest, actor: Actor, location_id: int | None = None
) -> HttpResponse:
    instance = (
        get_for_clinic(Location.objects.all(), actor.clinic, location_id, "Location")
        if location_id
        else None
    )
    return _edit(
        request,
        actor,
        schema=LocationIn,
        save=_save_location,
        instance=instance,
        template="scheduling/location_form.html",
        flags=("active",),
        extra={},
    )


@clinic_view(roles=ADMINS)
@in_clinic_zone
def appointment_type_edit(
    request: HttpRequest, actor: Actor, type_id: int | None = None
) -> HttpResponse:
    instance = (
        get_for_clinic(AppointmentType.objects.all(), actor.clinic, type_id, "Appointment type")
        if type_id
        else None
    )
    return _edit(
        request,
        actor,
        schema=AppointmentTypeIn,
        save=_save_type,
        instance=instance,
        template="scheduling/appointment_type_form.html",
        flags=("online_bookable", "active"),
        extra={"kinds": AppointmentType.Kind.choices},
    )


def _schedule_values(actor: Actor, practitioner: User) -> dict[str, Any]:
    hours, breaks = selectors.weekly_schedule(actor.clinic, practitioner)
    profile = selectors.profiles(actor.clinic).get(practitioner.pk)
    return {
        "bookable_online": bool(profile and profile.bookable_online),
        "hours": [
            {
                "weekday": h.weekday,
                "location_id": h.location_id,
                "starts": h.starts.strftime("%H:%M"),
                "ends": h.ends.strftime("%H:%M"),
            }
            for h in hours
        ],
        "breaks": [
            {
                "weekday": b.weekday,
                "starts": b.starts.strftime("%H:%M"),
                "ends": b.ends.strftime("%H:%M"),
                "label": b.label,
            }
            for b in breaks
        ],
    }


def schedule_page(
    request: HttpRequest,
    actor: Actor,
    practitioner: User,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    feed_url: str = "",
) -> HttpResponse:
    tz = zone_for(actor.clinic)
    values = values or _schedule_values(actor, practitioner)
    profile = selectors.profiles(actor.clinic).get(practitioner.pk)
    blank_hours = {"weekday": "", "location_id": "", "starts": "", "ends": ""}
    blank_break = {"weekday": "", "starts": "", "ends": "", "label": ""}
    return render(
        request,
        "scheduling/practitioner_schedule.html",
        {
            "practitioner": practitioner,
            "values": values,
            "errors": errors or {},
            "hours_rows": [*values["hours"], blank_hours, blank_hours],
            "break_rows": [*values["breaks"], blank_break],
            "weekdays": list(enumerate(WEEKDAYS)),
            "locations": selectors.locations(actor.clinic),
            "time_off": [
                (off, off.starts_at.astimezone(tz), off.ends_at.astimezone(tz))
                for off in selectors.time_off_list(actor.clinic, practitioner, since=timezone.now())
            ],
            "is_admin": has_role(actor.role, ADMINS),
            "feed_on": bool(profile and profile.feed_token_hash),
            "feed_issued_at": profile.feed_issued_at if profile else None,
            "feed_url": feed_url,
            "feed_names": settings_for(actor.clinic).feed_shows_patient_names,
        },
        status=422 if errors else 200,
    )


@clinic_view
@in_clinic_zone
def practitioner_schedule(request: HttpRequest, actor: Actor, practitioner_id: int) -> HttpResponse:
    practitioner = selectors.practitioner_get(actor.clinic, practitioner_id)
    may_manage_schedule(actor, practitioner.pk)
    if request.method != "POST":
        return schedule_page(request, actor, practitioner)
    posted = nested_from_post(request.POST)
    rows = [r for r in posted.get("hours", []) if any(str(v).strip() for v in r.values())]
    breaks = [
        b
        for b in posted.get("breaks", [])
        if str(b.get("weekday", "")).strip() or str(b.get("starts", "")).strip()
    ]
    values = {
        "bookable_online": checkbox(request.POST, "bookable_online"),
        "hours": rows,
        "breaks": breaks,
    }
    try:
        actions.schedule_save(
            actor=actor, practitioner=practitioner, data=parse_input(ScheduleIn, values)
        )
    except DomainError as exc:
        return schedule_page(request, actor, practitioner, values=values, errors=errors_of(exc))
    messages.success(request, f"Schedule of {practitioner.display_name} saved.")
    return redirect("practitioner_schedule", practitioner_id=practitioner.pk)
