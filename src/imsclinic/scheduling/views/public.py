"""Pages patients open without an account: the clinic's booking page, their confirm or
cancel link, a waitlist offer, and a practitioner's private calendar feed.

None shows patient data beyond what the visitor brought (their own appointment's time
through their own link). Forms post back to the same origin: the pages keep the site's
``Referrer-Policy: same-origin``, under which Chromium sends the real Origin with a POST
(``no-referrer`` made it send ``Origin: null``, which Django's CSRF check refuses).

Size: every page a patient opens without an account, so the public surface (rate limits,
no disclosure, referrer policy) is reviewed in one file.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache

from imsclinic.core.actors import client_address
from imsclinic.core.audit import audit_account_event
from imsclinic.core.errors import DomainError, NotFound
from imsclinic.core.form_input import parse_input
from imsclinic.scheduling import actions, ical, selectors
from imsclinic.scheduling.actions.online import booking_window, online_types
from imsclinic.scheduling.config import settings_for
from imsclinic.scheduling.links import token_hash
from imsclinic.scheduling.models import Appointment, PractitionerProfile
from imsclinic.scheduling.schemas import OnlineBookingIn
from imsclinic.scheduling.times import zone
from imsclinic.scheduling.views.forms import errors_of, int_or_none, parse_day, parse_instant

FEED_PAST = dt.timedelta(days=30)
FEED_AHEAD = dt.timedelta(days=180)


def _public(response: HttpResponse) -> HttpResponse:
    response["X-Robots-Tag"] = "noindex"
    response["Referrer-Policy"] = "same-origin"
    return response


def _gone(request: HttpRequest, reason: str, status: int, clinic_name: str = "") -> HttpResponse:
    return _public(
        render(
            request,
            "scheduling/public_gone.html",
            {"reason": reason, "clinic_name": clinic_name},
            status=status,
        )
    )


def _busy(request: HttpRequest, clinic: Any, exc: DomainError) -> HttpResponse:
    response = render(
        request,
        "scheduling/public_gone.html",
        {"reason": "busy", "message": exc.message, "clinic_name": clinic.name},
        status=429,
    )
    response["Retry-After"] = "3600"
    return _public(response)


def _throttled(request: HttpRequest, clinic: Any, kind: str) -> HttpResponse | None:
    try:
        actions.throttle(clinic=clinic, address=client_address(request), kind=kind)
    except actions.RateLimited as exc:
        return _busy(request, clinic, exc)
    return None


@never_cache
def public_booking(request: HttpRequest, clinic_slug: str) -> HttpResponse:
    """Step 1: new or returning, what kind of visit, with whom; step 2: free times."""
    try:
        clinic = actions.public_clinic(clinic_slug)
    except NotFound:
        return _gone(request, "closed", 404)
    config = settings_for(clinic)
    tz = zone(config.time_zone)
    new_patient = request.GET.get("new") != "0"
    types = online_types(clinic, new_patient=new_patient)
    people = selectors.online_practitioners(clinic)
    type_id = int_or_none(request.GET.get("type"))
    chosen_type = next((t for t in types if t.pk == type_id), None)
    practitioner_id = int_or_none(request.GET.get("practitioner"))
    context: dict[str, Any] = {
        "clinic_name": clinic.name,
        "slug": clinic.slug,
        "new_patient": new_patient,
        "types": types,
        "people": people,
        "chosen_type": chosen_type,
        "practitioner_id": practitioner_id,
        "time_zone": config.time_zone,
    }
    if chosen_type is not None:
        limited = _throttled(request, clinic, "view")
        if limited:
            return limited
        not_before, not_after = booking_window(clinic)
        first = max(
            parse_day(request.GET.get("week"), not_before.astimezone(tz).date()),
            not_before.astimezone(tz).date(),
        )
        last = min(first + dt.timedelta(days=6), not_after.astimezone(tz).date())
        ids = [p.pk for p in people if practitioner_id in (None, p.pk)]
        free = (
            selectors.availability(
                clinic,
                ids,
                first,
                last,
                minutes=chosen_type.minutes,
                not_before=not_before,
                not_after=not_after,
            )
            if ids and first <= last
            else {}
        )
        names = {p.pk: p.display_name for p in people}
        by_day: dict[dt.date, list[dict[str, Any]]] = defaultdict(list)
        for pid, found in free.items():
            for slot in found:
                local = slot.start.astimezone(tz)
                by_day[local.date()].append(
                    {
                        "time": local.strftime("%H:%M"),
                        "sort": slot.start,
                        "practitioner": names[pid],
                        "url": reverse("public_booking_details", args=[clinic.slug])
                        + "?"
                        + urlencode(
                            {
                                "type": chosen_type.pk,
                                "practitioner": pid,
                                "start": slot.start.astimezone(dt.UTC).strftime(
                                    "%Y-%m-%dT%H:%M:%SZ"
                                ),
                                "new": "1" if new_patient else "0",
                            }
                        ),
                    }
                )
        days = [
            (day, sorted(by_day[day], key=lambda s: (s["sort"], s["practitioner"])))
            for day in sorted(by_day)
        ]
        base = {"type": chosen_type.pk, "new": "1" if new_patient else "0"}
        if practitioner_id:
            base["practitioner"] = practitioner_id
        next_week = first + dt.timedelta(days=7)
        previous_week = first - dt.timedelta(days=7)
        context.update(
            {
                "days": days,
                "first": first,
                "last": last,
                "next_url": "?" + urlencode({**base, "week": next_week.isoformat()})
                if next_week <= not_after.astimezone(tz).date()
                else "",
                "previous_url": "?" + urlencode({**base, "week": previous_week.isoformat()})
                if first > not_before.astimezone(tz).date()
                else "",
            }
        )
    return _public(render(request, "scheduling/public_booking.html", context))


@never_cache
def public_booking_details(request: HttpRequest, clinic_slug: str) -> HttpResponse:
    """Step 3: who you are; the booking itself."""
    try:
        clinic = actions.public_clinic(clinic_slug)
    except NotFound:
        return _gone(request, "closed", 404)
    tz = zone(settings_for(clinic).time_zone)
    source = request.POST if request.method == "POST" else request.GET
    type_id = int_or_none(source.get("type") or source.get("appointment_type_id"))
    practitioner_id = int_or_none(source.get("practitioner") or source.get("practitioner_id"))
    start = parse_instant(source.get("start") or source.get("starts_at"))
    new_patient = (source.get("new") or source.get("new_patient")) != "0"
    atype = next(
        (t for t in online_types(clinic, new_patient=new_patient) if t.pk == type_id), None
    )
    profile = (
        PractitionerProfile.objects.filter(
            clinic=clinic, practitioner_id=practitioner_id, bookable_online=True
        )
        .select_related("practitioner")
        .first()
    )
    if atype is None or profile is None or start is None:
        return _public(
            render(
                request,
                "scheduling/public_gone.html",
                {"reason": "choose", "clinic_name": clinic.name, "slug": clinic.slug},
                status=400,
            )
        )
    values = {
        name: request.POST.get(name, "")
        for name in ("family_name", "given_name", "date_of_birth", "email", "phone")
    }
    errors: dict[str, str] = {}
    context: dict[str, Any] = {
        "clinic_name": clinic.name,
        "slug": clinic.slug,
        "atype": atype,
        "practitioner": profile.practitioner,
        "start": start,
        "local_start": start.astimezone(tz),
        "start_value": start.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "new_patient": new_patient,
        "values": values,
        "back_url": reverse("public_booking", args=[clinic.slug])
        + "?"
        + urlencode({"type": atype.pk, "new": "1" if new_patient else "0"}),
    }
    if request.method == "POST":
        try:
            data = parse_input(
                OnlineBookingIn,
                {
                    **values,
                    "appointment_type_id": atype.pk,
                    "practitioner_id": profile.practitioner_id,
                    "starts_at": start,
                    "new_patient": new_patient,
                    "website": request.POST.get("website", ""),
                },
            )
            actions.online_book(clinic=clinic, data=data, address=client_address(request))
            context["email"] = data.email.strip()
            return _public(render(request, "scheduling/public_booked.html", context))
        except actions.BookingConflict:
            context["taken"] = True
            errors = {"form": "That time was just taken. Please choose another time."}
        except actions.RateLimited as exc:
            return _busy(request, clinic, exc)
        except DomainError as exc:
            errors = errors_of(exc)
            if "starts_at" in errors:
                context["taken"] = True
    context["errors"] = errors
    status = 409 if context.get("taken") else (422 if errors else 200)
    return _public(render(request, "scheduling/public_details.html", context, status=status))


@never_cache
def appointment_link(request: HttpRequest, token: str) -> HttpResponse:
    """A patient's confirm or cancel link: GET shows the appointment and one button (mail
    scanners open links; only the POST acts)."""
    try:
        link = actions.link_open(token=token)
    except NotFound:
        return _gone(request, "invalid", 404)
    except actions.LinkGone as gone:
        return _gone(request, gone.reason, 410)
    appointment = link.appointment
    clinic = appointment.clinic
    tz = zone(settings_for(clinic).time_zone)
    done = ""
    if request.method == "POST":
        limited = _throttled(request, clinic, "link")
        if limited:
            return limited
        try:
            if link.purpose == link.Purpose.CONFIRM:
                actions.link_confirm(token=token, address=client_address(request))
                done = "confirmed"
            else:
                actions.link_cancel(
                    token=token, note=request.POST.get("note", ""), address=client_address(request)
                )
                done = "cancelled"
        except NotFound:
            return _gone(request, "invalid", 404)
        except actions.LinkGone as gone:
            return _gone(request, gone.reason, 410)
    return _public(
        render(
            request,
            "scheduling/public_link.html",
            {
                "clinic_name": clinic.name,
                "purpose": link.purpose,
                "appointment": appointment,
                "local_start": appointment.starts_at.astimezone(tz),
                "done": done,
            },
        )
    )


@never_cache
def waitlist_offer(request: HttpRequest, token: str) -> HttpResponse:
    try:
        offer = actions.offer_open(token=token)
    except NotFound:
        return _gone(request, "invalid", 404)
    except actions.OfferGone as gone:
        return _gone(request, gone.reason, 410)
    tz = zone(settings_for(offer.clinic).time_zone)
    outcome = None
    if request.method == "POST":
        limited = _throttled(request, offer.clinic, "link")
        if limited:
            return limited
        try:
            outcome = actions.offer_accept(token=token, address=client_address(request))
        except actions.OfferGone as gone:
            return _gone(request, gone.reason, 410)
        if outcome.appointment is None:
            return _gone(request, "taken", 410, offer.clinic.name)
    return _public(
        render(
            request,
            "scheduling/public_offer.html",
            {
                "clinic_name": offer.clinic.name,
                "offer": offer,
                "local_start": offer.starts_at.astimezone(tz),
                "local_expires": offer.expires_at.astimezone(tz),
                "accepted": outcome is not None,
            },
        )
    )


def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """A practitioner's private iCalendar feed (RFC 5545) for their phone's calendar."""
    if not token or len(token) > 100:
        return HttpResponse("Unknown calendar feed.", status=404, content_type="text/plain")
    profile = (
        PractitionerProfile.objects.filter(feed_token_hash=token_hash(token))
        .exclude(feed_token_hash="")
        .select_related("practitioner", "clinic")
        .first()
    )
    if profile is None or not profile.practitioner.is_active:
        return HttpResponse("Unknown calendar feed.", status=404, content_type="text/plain")
    clinic = profile.clinic
    config = settings_for(clinic)
    now = timezone.now()
    rows = (
        Appointment.objects.filter(
            clinic=clinic,
            practitioner=profile.practitioner,
            starts_at__gte=now - FEED_PAST,
            starts_at__lt=now + FEED_AHEAD,
        )
        .exclude(status=Appointment.Status.CANCELLED)
        .select_related("patient", "appointment_type", "location")
        .order_by("starts_at")
    )
    events = []
    for appointment in rows:
        type_name = (
            appointment.appointment_type.name if appointment.appointment_type else "Appointment"
        )
        if appointment.patient is None:
            summary = f"{type_name} (online request)"
        elif config.feed_shows_patient_names:
            summary = f"{type_name}: {appointment.patient.display_name}"
        else:
            summary = type_name
        location = appointment.location
        events.append(
            ical.Event(
                uid=f"appointment-{appointment.pk}@{clinic.slug}.imsclinic",
                start=appointment.starts_at,
                end=appointment.ends_at,
                summary=summary,
                stamp=now,
                location=f"{location.name}, {location.address}".strip(", ") if location else "",
                description=f"{appointment.get_status_display()}. Details in IMS Clinic.",
                status="TENTATIVE" if appointment.patient is None else "CONFIRMED",
                sequence=appointment.sequence,
                last_modified=appointment.updated_at,
                url=request.build_absolute_uri(
                    reverse("appointment_detail", args=[appointment.pk])
                ),
            )
        )
    if config.feed_shows_patient_names:
        audit_account_event(
            action="view",
            username=f"calendar-feed:{profile.practitioner_id}",
            user=profile.practitioner,
            clinic=clinic,
            source="page",
            address=client_address(request),
            detail=f"calendar feed with patient names: {len(events)} appointments",
        )
    body = ical.calendar(
        events, name=f"{clinic.name}: {profile.practitioner.display_name}", refresh_minutes=30
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="calendar.ics"'
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    return response
