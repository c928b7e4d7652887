"""scheduling.events.appointment_booked: the rooms above scheduling (the patients' side
e-mails a new patient the intake form) hear of every booking made by staff, inside the
booking's transaction, without scheduling importing them."""

from __future__ import annotations

import pytest

from imsclinic.scheduling import actions
from imsclinic.scheduling.events import appointment_booked
from imsclinic.scheduling.models import Appointment
from imsclinic.scheduling.schemas import CourseIn
from tests.scheduling.builders import book, local, new_patient_request

pytestmark = pytest.mark.django_db


@pytest.fixture
def heard():
    calls = []

    def receiver(sender, *, actor, appointment, **kwargs):
        calls.append((sender, actor, appointment, Appointment.objects.filter(pk=appointment.pk)))

    appointment_booked.connect(receiver, dispatch_uid="tests.heard")
    yield calls
    appointment_booked.disconnect(dispatch_uid="tests.heard")


def test_a_staff_booking_is_announced_with_its_actor(
    heard, desk, patient, practitioner, calendar, monday
):
    appointment = book(desk, patient, practitioner, local(monday, "09:00"), calendar.treatment)
    ((sender, actor, booked, rows),) = heard
    assert sender is Appointment and actor is desk and booked == appointment
    assert rows.exists()  # the appointment is written before the receivers run


def test_a_course_is_announced_once_for_its_first_appointment(
    heard, desk, patient, practitioner, calendar, monday
):
    _course, appointments = actions.course_book(
        actor=desk,
        patient=patient,
        data=CourseIn(
            practitioner_id=practitioner.pk,
            appointment_type_id=calendar.treatment.pk,
            first_start=local(monday, "09:00"),
            count=4,
            every_weeks=1,
        ),
    )
    assert [call[2] for call in heard] == [min(appointments, key=lambda a: a.starts_at)]


def test_an_online_request_is_announced_when_the_front_desk_confirms_it(
    heard, clinic, desk, practitioner, calendar, monday
):
    outcome = new_patient_request(clinic, practitioner, calendar, local(monday, "10:00"))
    assert heard == []  # held for the front desk: nobody to send anything to yet
    accepted = actions.request_accept(actor=desk, appointment=outcome.appointment, patient_id=None)
    ((_sender, actor, booked, _rows),) = heard
    assert actor is desk and booked == accepted and booked.patient.family_name == "Okonkwo-Reid"
