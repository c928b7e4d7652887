"""The scheduling messages patients get, written to the outbox inside the action's
transaction: confirmations (with an .ics file and confirm/cancel links), reminders,
moves, cancellations and waitlist offers. No clinical content, ever: the time, the
type of visit, the practitioner, the place."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.urls import reverse
from django.utils import timezone

from imsclinic.notifications import outbox
from imsclinic.scheduling import ical, links
from imsclinic.scheduling.config import settings_for
from imsclinic.scheduling.models import Appointment, AppointmentLink, BookingRequest, WaitlistOffer
from imsclinic.scheduling.times import zone

CONFIRMATION = "appointment.confirmation"
REMINDER = "appointment.reminder"
REMINDER_SMS = "appointment.reminder.sms"
MOVED = "appointment.moved"
CANCELLED = "appointment.cancelled"
COURSE = "appointment.course"
WAITLIST_OFFER = "waitlist.offer"
TEMPLATES = "scheduling/email/"


def when(moment: dt.datetime, time_zone: str) -> str:
    """'Tuesday 3 March 2026, 09:00 MST' in the clinic's zone."""
    local = moment.astimezone(zone(time_zone))
    return f"{local:%A} {local.day} {local:%B %Y, %H:%M} {local.tzname()}"


def contact_email(appointment: Appointment) -> str:
    patient = appointment.patient if appointment.patient_id is not None else None
    if patient is not None and patient.email:
        return patient.email
    request = BookingRequest.objects.filter(appointment=appointment).only("email").first()
    return request.email if request is not None else ""


def event(appointment: Appointment, *, cancelled: bool = False, summary: str = "") -> ical.Event:
    clinic = appointment.clinic
    type_name = appointment.appointment_type.name if appointment.appointment_type else "Appointment"
    location = appointment.location
    return ical.Event(
        uid=f"appointment-{appointment.pk}@{clinic.slug}.imsclinic",
        start=appointment.starts_at,
        end=appointment.ends_at,
        summary=summary or f"{type_name} at {clinic.name}",
        stamp=timezone.now(),
        description=f"With {appointment.practitioner.display_name}.",
        location=f"{location.name}, {location.address}".strip(", ") if location else clinic.name,
        status="CANCELLED" if cancelled else "CONFIRMED",
        sequence=appointment.sequence,
        last_modified=appointment.updated_at,
    )


def _ics(events: Sequence[ical.Event], method: str) -> outbox.Attachment:
    return outbox.Attachment(
        filename="appointment.ics",
        content_type=f"text/calendar; method={method}",  # Django adds the charset
        content=ical.calendar(events, method=method),
    )


def _context(appointment: Appointment, time_zone: str) -> dict[str, object]:
    location = appointment.location
    return {
        "clinic": appointment.clinic.name,
        "when": when(appointment.starts_at, time_zone),
        "type_name": appointment.appointment_type.name
        if appointment.appointment_type
        else "Appointment",
        "minutes": appointment.minutes,
        "practitioner": appointment.practitioner.display_name,
        "location": location.name if location else "",
        "address": location.address if location else "",
        "confirm_url": outbox.placeholder("confirm_url"),
        "cancel_url": outbox.placeholder("cancel_url"),
    }


def _links(appointment: Appointment) -> dict[str, str]:
    return {
        "confirm_url": links.issue(appointment, AppointmentLink.Purpose.CONFIRM),
        "cancel_url": links.issue(appointment, AppointmentLink.Purpose.CANCEL),
    }


def _send(
    appointment: Appointment,
    template: str,
    kind: str,
    *,
    with_links: bool,
    attachment: outbox.Attachment | None,
    extra: dict[str, object] | None = None,
    send_after: dt.datetime | None = None,
    dedupe_key: str = "",
) -> bool:
    to = contact_email(appointment)
    if not to:
        return False
    config = settings_for(appointment.clinic)
    context = _context(appointment, config.time_zone)
    context.update(extra or {})
    context["with_links"] = with_links
    rendered = outbox.render_email(TEMPLATES + template, context)
    outbox.enqueue_email(
        clinic=appointment.clinic,
        to=to,
        kind=kind,
        subject=rendered.subject,
        body=rendered.body,
        attachments=[attachment] if attachment else [],
        reply_to=config.reply_to_email,
        secrets=_links(appointment) if with_links else None,
        patient_id=appointment.patient_id,
        ref=appointment,
        dedupe_key=dedupe_key,
        send_after=send_after,
        expires_at=appointment.starts_at,
    )
    return True


def confirmation(appointment: Appointment) -> bool:
    return _send(
        appointment,
        "confirmation",
        CONFIRMATION,
        with_links=True,
        attachment=_ics([event(appointment)], "PUBLISH"),
        dedupe_key=f"appt:{appointment.pk}:confirmation:{appointment.sequence}",
    )


def moved(appointment: Appointment, previous_start: dt.datetime) -> bool:
    config = settings_for(appointment.clinic)
    return _send(
        appointment,
        "moved",
        MOVED,
        with_links=True,
        attachment=_ics([event(appointment)], "PUBLISH"),
        extra={"previous": when(previous_start, config.time_zone)},
        dedupe_key=f"appt:{appointment.pk}:moved:{appointment.sequence}",
    )


def cancelled(appointment: Appointment) -> bool:
    return _send(
        appointment,
        "cancelled",
        CANCELLED,
        with_links=False,
        attachment=_ics([event(appointment, cancelled=True)], "CANCEL"),
        extra={
            "reason": appointment.get_cancel_reason_display(),  # type: ignore[attr-defined]
            "note": appointment.cancel_note,
        },
        dedupe_key=f"appt:{appointment.pk}:cancelled",
    )


def course(appointments: Sequence[Appointment]) -> bool:
    first = appointments[0]
    to = contact_email(first)
    if not to:
        return False
    config = settings_for(first.clinic)
    context = _context(first, config.time_zone)
    context["times"] = [when(a.starts_at, config.time_zone) for a in appointments]
    context["count"] = len(appointments)
    context["cancel_url"] = outbox.placeholder("cancel_url")
    rendered = outbox.render_email(TEMPLATES + "course", context)
    outbox.enqueue_email(
        clinic=first.clinic,
        to=to,
        kind=COURSE,
        subject=rendered.subject,
        body=rendered.body,
        attachments=[_ics([event(a) for a in appointments], "PUBLISH")],
        reply_to=config.reply_to_email,
        secrets={"cancel_url": links.issue(first, AppointmentLink.Purpose.CANCEL)},
        patient_id=first.patient_id,
        ref=first.course if first.course_id else first,
        dedupe_key=f"course:{first.course_id}:confirmation" if first.course_id else "",
        expires_at=first.starts_at,
    )
    return True


def schedule_reminders(appointment: Appointment) -> None:
    """The reminder e-mail (and SMS where the clinic sends them) ``reminder_hours_before``
    the visit; none when that moment has passed or is within the hour."""
    config = settings_for(appointment.clinic)
    if not config.reminder_hours_before:
        return
    send_at = appointment.starts_at - dt.timedelta(hours=config.reminder_hours_before)
    if send_at < timezone.now() + dt.timedelta(hours=1):
        return
    _send(
        appointment,
        "reminder",
        REMINDER,
        with_links=True,
        attachment=None,
        send_after=send_at,
        dedupe_key=f"appt:{appointment.pk}:reminder:{appointment.sequence}",
    )
    phone = appointment.patient.phone if appointment.patient is not None else ""
    if config.sms_reminders and phone and outbox.sms_available():
        type_name = (
            appointment.appointment_type.name if appointment.appointment_type else "Appointment"
        )
        outbox.enqueue_sms(
            clinic=appointment.clinic,
            to=phone,
            kind=REMINDER_SMS,
            body=(
                f"{appointment.clinic.name}: {type_name} {when(appointment.starts_at, config.time_zone)}. "
                f"To cancel: {outbox.placeholder('cancel_url')}"
            ),
            secrets={"cancel_url": links.issue(appointment, AppointmentLink.Purpose.CANCEL)},
            patient_id=appointment.patient_id,
            ref=appointment,
            dedupe_key=f"appt:{appointment.pk}:reminder-sms:{appointment.sequence}",
            send_after=send_at,
            expires_at=appointment.starts_at,
        )


def withdraw_reminders(appointment: Appointment) -> int:
    return outbox.cancel_pending(
        clinic=appointment.clinic,
        ref=appointment,
        kinds=(REMINDER, REMINDER_SMS, CONFIRMATION, MOVED),
    )


def waitlist_offer(offer: WaitlistOffer, token: str) -> bool:
    entry = offer.entry
    to = entry.patient.email
    if not to:
        return False
    config = settings_for(offer.clinic)
    context = {
        "clinic": offer.clinic.name,
        "when": when(offer.starts_at, config.time_zone),
        "type_name": entry.appointment_type.name,
        "practitioner": offer.practitioner.display_name,
        "location": offer.location.name if offer.location else "",
        "expires": when(offer.expires_at, config.time_zone),
        "offer_url": outbox.placeholder("offer_url"),
        "moves_current": entry.current_appointment_id is not None,
    }
    rendered = outbox.render_email(TEMPLATES + "waitlist_offer", context)
    outbox.enqueue_email(
        clinic=offer.clinic,
        to=to,
        kind=WAITLIST_OFFER,
        subject=rendered.subject,
        body=rendered.body,
        reply_to=config.reply_to_email,
        secrets={"offer_url": links.absolute(reverse("waitlist_offer", args=[token]))},
        patient_id=entry.patient_id,
        ref=offer,
        dedupe_key=f"offer:{offer.pk}",
        expires_at=offer.expires_at,
    )
    return True
