"""Booking, moving, cancelling and the day's statuses of one appointment."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from imsclinic.core.errors import NotFound, PermissionDenied, RuleViolation, ValidationProblem
from imsclinic.core.models import AuditEvent
from imsclinic.notifications.models import OutboxMessage
from imsclinic.notifications.sender import send_all_due
from imsclinic.scheduling import actions, ical
from imsclinic.scheduling.models import Appointment, AppointmentLink
from imsclinic.scheduling.schemas import CancelIn, MoveIn
from tests.factories import make_actor, make_consented_patient, make_practitioner
from tests.scheduling.builders import book, local, set_up_calendar

pytestmark = pytest.mark.django_db


def test_front_desk_books_and_the_patient_gets_a_confirmation_with_a_calendar_file(
    desk, patient, practitioner, calendar, monday
):
    patient.email = "maren@example.org"
    patient.save()
    appointment = book(desk, patient, practitioner, local(monday, "09:00"), calendar.treatment)
    assert appointment.status == "booked"
    assert appointment.ends_at - appointment.starts_at == dt.timedelta(minutes=30)
    assert appointment.location == calendar.location  # from the working hours
    assert AuditEvent.objects.filter(
        object_type="Appointment", object_id=appointment.pk, action="create"
    ).exists()
    # The confirmation and the reminder wait in the outbox, written with the booking.
    kinds = set(
        OutboxMessage.objects.filter(ref_type="Appointment", ref_id=appointment.pk).values_list(
            "kind", flat=True
        )
    )
    assert kinds == {"appointment.confirmation", "appointment.reminder"}
    reminder = OutboxMessage.objects.get(kind="appointment.reminder")
    assert reminder.send_after == appointment.starts_at - dt.timedelta(hours=24)
    assert reminder.expires_at == appointment.starts_at
    send_all_due()
    # A new patient also gets the intake form (tests/portal/test_intake_with_booking.py)
    sent, intake = mail.outbox
    assert sent.to == intake.to == ["maren@example.org"]
    assert "/intake/" in intake.body
    assert "Monday" in sent.subject and "09:00" in sent.subject
    assert "Lindqvist" not in sent.body  # nothing clinical or identifying beyond the visit
    filename, content, mimetype = sent.attachments[0]
    assert filename == "appointment.ics" and mimetype.startswith("text/calendar")
    (event,) = ical.parse_events(content)
    assert event["UID"] == f"appointment-{appointment.pk}@{appointment.clinic.slug}.imsclinic"
    assert event["DTSTART"] == appointment.starts_at.strftime("%Y%m%dT%H%M%SZ")
    # The links in the body work; only their hashes are stored, and the sent row forgot them.
    assert "/a/" in sent.body
    token = sent.body.split("/a/")[1].split("/")[0]
    assert not AppointmentLink.objects.filter(token_hash=token).exists()
    assert OutboxMessage.objects.get(kind="appointment.confirmation").secrets == {}


def test_double_booking_is_a_409_naming_the_appointment_it_meets(
    desk, patient, other_patient, practitioner, calendar, monday
):
    first = book(desk, patient, practitioner, local(monday, "09:00"), calendar.treatment)
    with pytest.raises(actions.BookingConflict) as caught:
        book(desk, other_patient, practitioner, local(monday, "09:15"), calendar.treatment)
    conflict = caught.value
    assert conflict.status == 409
    assert conflict.conflicts[0].appointment_id == first.pk
    assert f"appointment {first.pk}" in conflict.message
    assert patient.display_name in conflict.message
    assert Appointment.objects.count() == 1
    # Back to back is fine.
    book(desk, other_patient, practitioner, local(monday, "09:30"), calendar.treatment)


def test_a_patient_cannot_be_in_two_rooms_at_once(
    desk, patient, practitioner, colleague, calendar, monday
):
    book(desk, patient, practitioner, local(monday, "10:00"), calendar.treatment)
    with pytest.raises(actions.BookingConflict) as caught:
        book(desk, patient, colleague, local(monday, "10:15"), calendar.treatment)
    assert caught.value.conflicts[0].kind == "patient_overlap"


def test_outside_working_hours_needs_a_deliberate_yes(
    desk, patient, practitioner, calendar, monday
):
    with pytest.raises(RuleViolation) as caught:
        book(desk, patient, practitioner, local(monday, "19:00"), calendar.treatment)
    assert caught.value.code == "outside_hours" and caught.value.field == "starts_at"
    assert "allow_outside_hours" in caught.value.message
    appointment = book(
        desk,
        patient,
        practitioner,
        local(monday, "19:00"),
        calendar.treatment,
        allow_outside_hours=True,
    )
    assert appointment.pk


def test_time_off_blocks_bookings_and_lists_what_it_overlaps(
    desk, actor, patient, practitioner, calendar, monday
):
    booked = book(desk, patient, practitioner, local(monday, "11:00"), calendar.treatment)
    from imsclinic.scheduling.schemas import TimeOffIn

    _, affected = actions.time_off_add(
        actor=actor,
        practitioner=practitioner,
        data=TimeOffIn(
            starts_at=dt.datetime.combine(monday, dt.time(10)),
            ends_at=dt.datetime.combine(monday, dt.time(13)),
        ),
    )
    assert affected == [booked]
    with pytest.raises(RuleViolation) as caught:
        book(
            desk,
            make_consented_patient(actor),
            practitioner,
            local(monday, "12:00"),
            calendar.treatment,
        )
    assert caught.value.code == "time_off"


def test_bad_input_names_every_field(desk, practitioner, calendar, monday):
    from imsclinic.scheduling.schemas import AppointmentIn

    with pytest.raises(ValidationProblem) as caught:
        actions.appointment_book(
            actor=desk,
            data=AppointmentIn(
                patient_id=999999,
                practitioner_id=999999,
                appointment_type_id=999999,
                location_id=999999,
                starts_at=dt.datetime(2026, 3, 8, 2, 30),
            ),
        )
    fields = {p.field: p.message for p in caught.value.problems}
    assert set(fields) == {
        "patient_id",
        "practitioner_id",
        "appointment_type_id",
        "location_id",
        "starts_at",
    }
    assert "does not exist" in fields["starts_at"]


def test_another_clinics_patient_or_practitioner_cannot_be_booked(
    desk, other_clinic, calendar, practitioner, monday
):
    stranger = make_practitioner(other_clinic, "far.away")
    outsider = make_consented_patient(make_actor(stranger))
    with pytest.raises(ValidationProblem) as caught:
        book(desk, outsider, stranger, local(monday, "09:00"), calendar.treatment)
    assert {p.field for p in caught.value.problems} == {"patient_id", "practitioner_id"}


def test_move_keeps_the_length_checks_the_new_time_and_tells_the_patient(
    desk, patient, other_patient, practitioner, colleague, calendar, monday
):
    patient.email = "p@example.org"
    patient.save()
    appointment = book(desk, patient, practitioner, local(monday, "09:00"), calendar.treatment)
    blocker = book(desk, other_patient, practitioner, local(monday, "14:00"), calendar.treatment)
    with pytest.raises(actions.BookingConflict) as caught:
        actions.appointment_move(
            actor=desk, appointment=appointment, data=MoveIn(starts_at=local(monday, "14:15"))
        )
    assert caught.value.conflicts[0].appointment_id == blocker.pk
    moved = actions.appointment_move(
        actor=desk,
        appointment=appointment,
        data=MoveIn(starts_at=local(monday, "15:00"), practitioner_id=colleague.pk),
    )
    assert moved.starts_at == local(monday, "15:00") and moved.practitioner == colleague
    assert moved.ends_at - moved.starts_at == dt.timedelta(minutes=30)
    assert moved.sequence == 1
    reminders = OutboxMessage.objects.filter(ref_id=appointment.pk, kind="appointment.reminder")
    assert sorted(reminders.values_list("status", flat=True)) == ["cancelled", "pending"]
    assert OutboxMessage.objects.filter(ref_id=appointment.pk, kind="appointment.moved").exists()
    event = AuditEvent.objects.filter(
        object_type="Appointment", object_id=appointment.pk, action="change"
    ).last()
    assert "moved from" in event.detail


def test_cancel_needs_a_reason_frees_the_time_and_sends_a_cancelling_ics(
    desk, patient, other_patient, practitioner, calendar, monday
):
    patient.email = "p@example.org"
    patient.save()
    appointment = book(desk, patient, practitioner, local(monday, "09:00"), calendar.treatment)
    with pytest.raises(ValidationProblem) as caught:
        actions.appointment_cancel(
            actor=desk, appointment=appointment, data=CancelIn(reason="other")
        )
    assert caught.value.problems[0].field == "note"
    with pytest.raises(ValidationProblem):
        actions.appointment_cancel(
            actor=desk, appointment=appointment, data=CancelIn(reason="because")
        )
    cancelled = actions.appointment_cancel(
        actor=desk, appointment=appointment, data=CancelIn(reason="illness", note="Flu")
    )
    assert cancelled.status == "cancelled" and cancelled.cancelled_by == desk.user
    # The time is free again.
    book(desk, other_patient, practitioner, local(monday, "09:00"), calendar.treatment)
    send_all_due()
    cancellation = next(m for m in mail.outbox if "cancelled" in m.subject)
    (event,) = ical.parse_events(cancellation.attachments[0][1])
    assert event["STATUS"] == "CANCELLED" and event["SEQUENCE"] == "1"
    assert "METHOD:CANCEL" in cancellation.attachments[0][1]
    with pytest.raises(RuleViolation):
        actions.appointment_cancel(
            actor=desk, appointment=appointment, data=CancelIn(reason="illness")
        )


def test_statuses_follow_the_day(desk, patient, practitioner, calendar):
    start = (timezone.now() + dt.timedelta(hours=1)).replace(second=0, microsecond=0)
    appointment = book(
        desk, patient, practitioner, start, calendar.treatment, allow_outside_hours=True
    )
    with pytest.raises(RuleViolation, match="not started yet"):
        actions.appointment_set_status(actor=desk, appointment=appointment, status="no_show")
    arrived = actions.appointment_set_status(actor=desk, appointment=appointment, status="arrived")
    assert arrived.status == "arrived" and arrived.arrived_at is not None
    undone = actions.appointment_set_status(actor=desk, appointment=appointment, status="booked")
    assert undone.status == "booked" and undone.arrived_at is None
    with pytest.raises(RuleViolation, match="Status must be one of"):
        actions.appointment_set_status(actor=desk, appointment=appointment, status="cancelled")


def test_past_appointments_can_be_marked_no_show_and_done(
    desk, patient, other_patient, practitioner, calendar
):
    earlier = (timezone.now() - dt.timedelta(hours=3)).replace(second=0, microsecond=0)
    first = book(desk, patient, practitioner, earlier, calendar.treatment, allow_outside_hours=True)
    second = book(
        desk,
        other_patient,
        practitioner,
        earlier + dt.timedelta(hours=1),
        calendar.treatment,
        allow_outside_hours=True,
    )
    assert (
        actions.appointment_set_status(actor=desk, appointment=first, status="no_show").status
        == "no_show"
    )
    assert (
        actions.appointment_set_status(actor=desk, appointment=second, status="completed").status
        == "completed"
    )
    with pytest.raises(RuleViolation):
        actions.appointment_set_status(actor=desk, appointment=second, status="arrived")


def test_a_no_show_frees_the_time_for_a_walk_in(
    desk, patient, other_patient, practitioner, calendar
):
    earlier = (timezone.now() - dt.timedelta(minutes=10)).replace(second=0, microsecond=0)
    missed = book(
        desk, patient, practitioner, earlier, calendar.treatment, allow_outside_hours=True
    )
    actions.appointment_set_status(actor=desk, appointment=missed, status="no_show")
    walk_in = book(
        desk, other_patient, practitioner, earlier, calendar.treatment, allow_outside_hours=True
    )
    assert walk_in.pk


def test_booking_far_back_or_far_ahead_is_refused(desk, patient, practitioner, calendar):
    with pytest.raises(ValidationProblem, match="7 days back"):
        book(desk, patient, practitioner, timezone.now() - dt.timedelta(days=9), calendar.treatment)
    with pytest.raises(ValidationProblem, match="two years"):
        book(
            desk, patient, practitioner, timezone.now() + dt.timedelta(days=800), calendar.treatment
        )


def test_set_up_is_for_admins(actor, desk):
    from imsclinic.scheduling.schemas import LocationIn, SettingsIn

    with pytest.raises(PermissionDenied):
        actions.settings_save(actor=desk, data=SettingsIn())
    with pytest.raises(PermissionDenied):
        actions.location_save(actor=actor, data=LocationIn(name="Back room"))


def test_setup_validation_names_each_field(clinic, practitioner):
    from imsclinic.scheduling.schemas import AppointmentTypeIn, HoursIn, ScheduleIn, SettingsIn

    calendar = set_up_calendar(clinic, [practitioner])
    with pytest.raises(ValidationProblem) as caught:
        actions.settings_save(
            actor=calendar.admin,
            data=SettingsIn(
                time_zone="Nowhere/Land",
                slot_step_minutes=7,
                online_max_days_ahead=0,
                sms_reminders=True,
            ),
        )
    assert {p.field for p in caught.value.problems} == {
        "time_zone",
        "slot_step_minutes",
        "online_max_days_ahead",
        "sms_reminders",
    }
    with pytest.raises(ValidationProblem) as caught:
        actions.appointment_type_save(
            actor=calendar.admin, data=AppointmentTypeIn(name="", kind="x", minutes=7)
        )
    assert {p.field for p in caught.value.problems} == {"name", "kind", "minutes"}
    with pytest.raises(ValidationProblem) as caught:
        actions.schedule_save(
            actor=calendar.admin,
            practitioner=practitioner,
            data=ScheduleIn(
                hours=[
                    HoursIn(
                        weekday=0,
                        location_id=calendar.location.pk,
                        starts=dt.time(8),
                        ends=dt.time(12),
                    ),
                    HoursIn(
                        weekday=0,
                        location_id=calendar.location.pk,
                        starts=dt.time(11),
                        ends=dt.time(15),
                    ),
                    HoursIn(weekday=1, location_id=0, starts=dt.time(12), ends=dt.time(11)),
                ]
            ),
        )
    fields = {p.field for p in caught.value.problems}
    assert fields == {"hours.1.starts", "hours.2.location_id", "hours.2.ends"}


def test_another_clinics_appointment_is_not_found(desk, other_clinic, monday):
    from imsclinic.scheduling.selectors import appointment_get

    stranger = make_practitioner(other_clinic, "far.away2")
    far = set_up_calendar(other_clinic, [stranger])
    theirs = book(
        far.admin,
        make_consented_patient(make_actor(stranger)),
        stranger,
        local(monday, "09:00"),
        far.treatment,
    )
    with pytest.raises(NotFound):
        appointment_get(actor=desk, appointment_id=theirs.pk)


def test_dates_outside_the_calendar_are_field_errors_not_crashes(
    api, desk, patient, practitioner, calendar
):
    from imsclinic.scheduling.schemas import AppointmentIn, CourseIn

    for moment in (dt.datetime(9999, 12, 31, 23, 0), dt.datetime(1, 1, 1, 0, 0, tzinfo=dt.UTC)):
        with pytest.raises(ValidationProblem) as caught:
            actions.appointment_book(
                actor=desk,
                data=AppointmentIn(
                    patient_id=patient.pk,
                    practitioner_id=practitioner.pk,
                    appointment_type_id=calendar.treatment.pk,
                    starts_at=moment,
                ),
            )
        assert caught.value.problems[0].field == "starts_at"
        with pytest.raises(ValidationProblem):
            actions.course_plan(
                actor=desk,
                patient=patient,
                data=CourseIn(
                    practitioner_id=practitioner.pk,
                    appointment_type_id=calendar.treatment.pk,
                    first_start=moment,
                ),
            )
    response = api.get("/appointments?start=0001-01-01&end=0001-01-02")
    assert response.status_code == 422 and "1900" in response.json()["message"]
