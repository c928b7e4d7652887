"""The calendar's day and week views, each practitioner's own schedule page, their time
off, and the private calendar-feed link."""

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
from imsclinic.core.permissions import ADMINS, has_role
from imsclinic.core.tenancy import get_for_clinic
from imsclinic.core.web import clinic_view
from imsclinic.scheduling import actions, selectors
from imsclinic.scheduling.calendar_grid import GridOptions, grid
from imsclinic.scheduling.config import settings_for, zone_for
from imsclinic.scheduling.models import Appointment, TimeOff
from imsclinic.scheduling.schemas import (
    TimeOffIn,
)
from imsclinic.scheduling.views.forms import (
    appointment_label,
    in_clinic_zone,
    int_or_none,
    may_manage_schedule,
    parse_day,
)
from imsclinic.scheduling.views.setup import schedule_page


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
            "moving_label": appointment_label(moving, tz) if moving else "",
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


# A practitioner's schedule: hours (admin edits), time off, calendar feed ----------------


@clinic_view
@in_clinic_zone
def my_schedule(request: HttpRequest, actor: Actor) -> HttpResponse:
    """A practitioner's own schedule page; others go where their calendar tasks are."""
    if actor.role == Role.PRACTITIONER:
        return redirect("practitioner_schedule", practitioner_id=actor.user.pk)
    return redirect("schedule_setup" if has_role(actor.role, ADMINS) else "calendar")


@clinic_view
@in_clinic_zone
def time_off_add(request: HttpRequest, actor: Actor, practitioner_id: int) -> HttpResponse:
    practitioner = selectors.practitioner_get(actor.clinic, practitioner_id)
    may_manage_schedule(actor, practitioner.pk)
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
    may_manage_schedule(actor, off.practitioner_id)
    target = reverse("practitioner_schedule", args=[off.practitioner_id])
    if request.method == "POST":
        actions.time_off_remove(actor=actor, time_off=off)
        messages.success(request, "Time off removed.")
    return redirect(target)


@clinic_view
@in_clinic_zone
def calendar_feed_link(request: HttpRequest, actor: Actor, practitioner_id: int) -> HttpResponse:
    practitioner = selectors.practitioner_get(actor.clinic, practitioner_id)
    may_manage_schedule(actor, practitioner.pk)
    if request.method != "POST":
        return redirect("practitioner_schedule", practitioner_id=practitioner.pk)
    if request.POST.get("action") == "revoke":
        actions.feed_revoke(actor=actor, practitioner=practitioner)
        messages.success(request, "Calendar feed turned off: the old link no longer works.")
        return redirect("practitioner_schedule", practitioner_id=practitioner.pk)
    url = request.build_absolute_uri(actions.feed_issue(actor=actor, practitioner=practitioner))
    return schedule_page(request, actor, practitioner, feed_url=url)
